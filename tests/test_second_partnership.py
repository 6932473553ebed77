"""West Yorkshire builds from the same mirror with its own crime files: the study area is configuration."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from sna.build import build
from sna.config import settings


@pytest.mark.slow
def test_west_yorkshire_builds_from_its_own_files(sources_dir, tmp_path):
    config = replace(settings(), sources_dir=sources_dir, db_path=tmp_path / "wy.duckdb")
    build("west-yorkshire", config=config, progress=False)
    con = duckdb.connect(str(config.db_path), read_only=True)
    levels = dict(con.execute("SELECT level, count(*) FROM areas GROUP BY level").fetchall())
    f1 = pd.read_csv(sources_dir / "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", encoding="utf-8-sig")
    wy = ["E08000032", "E08000033", "E08000034", "E08000035", "E08000036"]
    assert levels["lsoa11"] == f1["Local Authority District code (2019)"].isin(wy).sum() == 1388
    assert levels["lad"] == 5
    assert con.execute("SELECT value FROM meta WHERE key = 'area_key'").fetchone()[0] == "west-yorkshire"
    # The official CSV carries LSOA codes: a month's counts for an LSOA equal the raw file's.
    raw = pd.read_csv(sources_dir / "crime/police_uk_street_west_yorkshire/2018-07-west-yorkshire-street.csv")
    leeds = raw[raw["LSOA code"].fillna("").str.startswith("E01") & raw["LSOA name"].fillna("").str.startswith("Leeds")]
    top = leeds[leeds["Crime type"] == "Violence and sexual offences"].groupby("LSOA code").size().sort_values().index[-1]
    expected = ((raw["LSOA code"] == top) & (raw["Crime type"] == "Violence and sexual offences")).sum()
    got = con.execute("SELECT n FROM crime_counts WHERE lsoa11_code = ? AND month = '2018-07' AND crime_type = 'Violence and sexual offences'", [top]).fetchone()[0]
    assert got == expected
    months = con.execute("SELECT detail FROM data_quality WHERE measure = 'months held'").fetchone()[0]
    assert months == "2016-07, 2017-07, 2018-07"
