"""Schools: the GIAS loaders (both formats), the study-area filter and flags, and the `schools` table of
the real build spot-checked against the raw files.

tests/fixtures/edubasealldata_small.csv is generated (invented schools, URNs 9000xx) in the layout of the
official GIAS 'all establishment data' download, Windows-1252 encoded as GIAS serves it."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo import from_wkb
from sna.build import schools as sch
from sna.registry import sources
from sna.errors import ImportFileError

FIXTURE = Path(__file__).parent / "fixtures" / "edubasealldata_small.csv"
HOSTILE = "<script>alert(1)</script> Academy"


def raw(source_id: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(sources.locate(sources.get(source_id)), encoding="utf-8-sig", low_memory=False, **kwargs)


# --- the official GIAS download format (fixture) ----------------------------------------------------

def test_official_format_maps_to_register_schema():
    register = sch.read_gias(FIXTURE)
    assert list(register.columns) == sch.REGISTER_COLUMNS
    assert 900005 not in register["urn"].tolist()  # closed: dropped
    assert 900007 in register["urn"].tolist()  # open, but proposed to close: kept
    row = register.set_index("urn").loc[900001]
    assert (row["pupils"], row["fsm_pct"], row["phase"], row["type_group"]) == (1050, 41.3, "Secondary", "Academies")
    assert row["postcode"] == "B1 1AA"
    # lon/lat computed from the easting/northing (BNG -> WGS84)
    assert row["lon"] == pytest.approx(-1.8954, abs=1e-3) and row["lat"] == pytest.approx(52.4800, abs=1e-3)


def test_hostile_name_is_kept_verbatim_as_data():
    register = sch.read_gias(FIXTURE)
    assert HOSTILE in register["name"].tolist()
    assert "St Thérèse Fixture Primary School" in register["name"].tolist()  # Windows-1252 decoded


def test_row_without_coordinates_is_kept_and_flagged():
    register = sch.read_gias(FIXTURE)
    row = register.set_index("urn").loc[900003]
    assert np.isnan(row["lon"]) and np.isnan(row["easting"])
    flagged = sch.classify(register)
    assert not flagged.set_index("urn").loc[900003, "has_coordinates"]
    assert pd.isna(register.set_index("urn").loc[900007, "fsm_pct"])  # 'SUPP' is missing, not zero


def test_not_a_gias_file_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ImportFileError, match="EstablishmentName"):
        sch.read_gias(path)
    partial = tmp_path / "partial.csv"
    partial.write_text("URN,EstablishmentName\n1,X\n")
    with pytest.raises(ImportFileError, match="lacks"):
        sch.read_gias(partial)


def test_study_area_filter_and_flags(con):
    register = sch.read_gias(FIXTURE)
    study21 = con.execute("SELECT code, ward_code, lad_code FROM areas WHERE level = 'lsoa21'").df()
    lad = con.execute("SELECT code, geometry FROM areas WHERE level = 'lad'").df()
    lads = gpd.GeoDataFrame({"code": lad["code"]}, geometry=from_wkb(lad["geometry"]), crs=4326)
    inside = sch.classify(sch.study_area_schools(register, study21, lads)).set_index("urn")
    assert 900006 not in inside.index  # City of London
    assert 900003 in inside.index  # no coordinates, but its LSOA is in the study area
    assert 900007 in inside.index  # no LSOA code: placed by its point inside Birmingham
    assert inside.loc[900007, "lad_code"] == "E08000025"
    assert inside.loc[900001, "is_secondary"] and inside.loc[900002, "is_secondary"]
    assert not inside.loc[900004, "is_secondary"]  # independent: kept, flagged, not on the priority list
    assert "not state-funded" in inside.loc[900004, "priority_note"]
    assert inside.loc[900003, "is_primary"]


# --- the real build -------------------------------------------------------------------------------

def test_schools_table_matches_raw_gias(con):
    table = con.execute("SELECT * FROM schools").df().set_index("urn")
    gias = raw("sch_gias_2025", dtype={"la_code": str}).set_index("urn")
    assert set(table.columns) >= {"urn", "name", "lad_code", "pupils", "fsm_pct", "lsoa21_code", "lsoa11_code", "ward_code",
                                  "is_secondary", "absence_pct_1819", "progress8_1819", "destinations_pct_1819", "has_coordinates"} - {"urn"}
    urn = int(table[table["is_secondary"] & table["fsm_pct"].notna()].index[0])
    assert table.loc[urn, "pupils"] == gias.loc[urn, "number_of_pupils"]
    assert table.loc[urn, "fsm_pct"] == gias.loc[urn, "percentage_fsm"]
    assert table.loc[urn, "name"] == gias.loc[urn, "establishment_name"]
    # every study-area school is in a study-area LSOA (2021) and the 7 LADs; no school outside
    assert table["lad_code"].isin([f"E0800002{i}" for i in range(5, 10)] + ["E08000030", "E08000031"]).all()
    wm = gias[gias["la_code"].isin(["330", "331", "332", "333", "334", "335", "336"])]
    assert abs(len(table) - len(wm)) <= 5  # LA membership by LSOA, not by the LA number: a handful may differ
    secondary = table[table["is_secondary"]]
    assert 150 < len(secondary) < 260
    assert secondary["lsoa11_code"].notna().all() and secondary["ward_code"].notna().all()
    assert not table.loc[table["type_group"].eq("Independent schools"), "is_secondary"].any()
    assert table["type_group"].eq("Independent schools").sum() > 0  # kept in the table, with flags


def test_absence_2018_19_equals_raw_file(con):
    table = con.execute("SELECT * FROM schools").df().set_index("urn")
    absence = raw("sch_abs_1819", dtype=str).set_index("URN")
    joined = table[table["absence_pct_1819"].notna()]
    urn = int(joined.index[len(joined) // 2])
    assert joined.loc[urn, "absence_pct_1819"] == float(absence.loc[str(urn), "PERCTOT"])
    ppers = absence.loc[str(urn), "PPERSABS10"]
    if ppers != "SUPP":
        assert joined.loc[urn, "persistent_absence_pct_1819"] == float(ppers)
    # a school missing from the 2018-19 tables has missing values (never zero) and the reason
    gone = table[~table["in_tables_1819"]]
    assert len(gone) > 0 and gone["absence_pct_1819"].isna().all()
    assert gone["perf_1819_note"].str.contains("URN").all()


def test_ks4_and_destinations_parse_percentages(con):
    table = con.execute("SELECT * FROM schools WHERE destinations_pct_1819 IS NOT NULL").df().set_index("urn")
    dest = raw("sch_ks4dest_1819", dtype=str)
    dest = dest[dest["RECTYPE"] == "1"].set_index("URN")
    urn = int(table.index[0])
    assert table.loc[urn, "destinations_pct_1819"] == float(dest.loc[str(urn), "OVERALL_DESTPER"].rstrip("%"))


def test_2018_19_coverage_is_recorded(con):
    facts = con.execute("SELECT measure, value FROM data_quality WHERE topic = 'schools'").df().set_index("measure")["value"]
    in_tables = con.execute("SELECT count(*) FROM schools WHERE in_tables_1819").fetchone()[0]
    assert facts["study-area schools whose URN is in the 2018-19 tables"] == in_tables
    with_absence = con.execute("SELECT count(*) FROM schools WHERE is_secondary AND absence_pct_1819 IS NOT NULL").fetchone()[0]
    assert facts["secondary schools with 2018-19 absence (URN kept since)"] == with_absence


def test_idaci_2019_pooled_rate_follows_official_rank(con):
    """numerator / children 0-15 reproduces the official IDACI 2019 ranking of the study-area LSOAs."""
    table = con.execute("""SELECT i.code, i.idaci_numerator / i.children_0_15 AS score, v.value AS rank
                           FROM idaci19_lsoa11 i JOIN indicator_values v ON v.area_code = i.code
                           WHERE v.indicator_id = 'iod19_idaci_rank' AND i.idaci_numerator IS NOT NULL""").df()
    assert len(table) > 1400
    assert table["score"].corr(table["rank"], method="spearman") < -0.99
