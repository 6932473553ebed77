"""Newer official files: dataset schemas against the mirrored files and broken variants; users' police.uk
months (folder and zip, de-duplicated) built end to end; a refused file changes nothing."""

from __future__ import annotations

import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sna.build import inputs
from sna.build.schema_check import check_frame, known_codes
from sna.config import settings
from sna.errors import SourceError
from sna.registry import datasets, sources

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import police_archive  # noqa: E402  (generator for tests and the bench)

MIRRORED = {  # dataset -> a mirrored source id of it
    "policeuk_street": "crime_wyp_2018_07",
    "policeuk_api": "crime_wmp_2018_06_api",
    "gias_package": "sch_gias_2025",
    "sape": "pop_sape_2020",
}


@pytest.fixture(scope="module")
def codes(sources_dir):
    return known_codes()


def _mirrored(dataset: str) -> pd.DataFrame:
    file = inputs.InputFile(sources.path_of(MIRRORED[dataset]))
    return file.read(list(datasets.get(dataset).columns))


@pytest.mark.parametrize("dataset", sorted(MIRRORED))
def test_every_dataset_schema_passes_its_mirrored_file(dataset, codes):
    src = sources.get(MIRRORED[dataset])
    name = Path(src.file).name
    assert datasets.recognise(name, inputs.InputFile(sources.path_of(src.id)).header()).key == dataset
    check_frame(_mirrored(dataset), datasets.get(dataset), name, codes)  # no exception


def _broken(dataset: str, frame: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, str]]:
    schema = datasets.get(dataset)
    month = next((c for c, t in schema.columns.items() if t == "month"), None)
    code = next(iter(schema.codes), None)
    number = next(c for c, t in schema.columns.items() if t == "number")
    variants = {
        "missing column": (frame.drop(columns=[next(iter(schema.columns))]), "lacks the column"),
        "too few rows": (frame.head(schema.rows[0] - 1), "rows; a"),
        "numbers that are text": (frame.assign(**{number: "not a number"}), "should hold numbers"),
    }
    if month:
        variants["bad month"] = (frame.assign(**{month: frame[month].where(frame.index % 2 == 0, "June 2018")}), "not a month")
    if code:
        variants["codes not in the lookups"] = (frame.assign(**{code: "E01999999"}), "not any LSOA code")
    return variants


@pytest.mark.parametrize("dataset", sorted(MIRRORED))
def test_broken_variants_are_refused_naming_file_and_problem(dataset, codes):
    frame = _mirrored(dataset)
    for what, (broken, message) in _broken(dataset, frame).items():
        with pytest.raises(SourceError, match=message) as caught:
            check_frame(broken, datasets.get(dataset), f"/somewhere/{dataset}.csv", codes)
        assert f"/somewhere/{dataset}.csv" in str(caught.value), what


def official_gias(folder: Path, date: str = "20251101") -> tuple[Path, pd.DataFrame]:
    """The mirrored GIAS register written in the official edubasealldata layout (column names, cp1252)."""
    package = _mirrored("gias_package")
    official = package.rename(columns={"urn": "URN", "la_code": "LA (code)", "la_name": "LA (name)",
                                       "establishment_number": "EstablishmentNumber", "establishment_name": "EstablishmentName",
                                       "establishment_type": "TypeOfEstablishment (name)",
                                       "establishment_type_group": "EstablishmentTypeGroup (name)",
                                       "education_phase": "PhaseOfEducation (name)", "number_of_pupils": "NumberOfPupils",
                                       "percentage_fsm": "PercentageFSM", "easting": "Easting", "northing": "Northing",
                                       "lsoa_code": "LSOA (code)"}).assign(**{"EstablishmentStatus (name)": "Open"})
    official = official.drop(columns=["longitude", "latitude"])
    path = folder / f"edubasealldata{date}.csv"
    official.to_csv(path, index=False, encoding="cp1252", errors="replace")
    return path, official


def test_official_gias_layout_passes_and_fails_like_the_others(codes, tmp_path):
    path, official = official_gias(tmp_path)
    accepted = inputs.accept(inputs.InputFile(path), codes)
    assert (accepted.dataset, accepted.vintage, accepted.rows, accepted.accepted_by) == ("gias", "20251101", len(official), "schema")
    with zipfile.ZipFile(tmp_path / "gias.zip", "w") as archive:
        archive.write(path, path.name)
    with pytest.raises(SourceError, match="not from inside a zip. Unzip it"):
        inputs.accept(inputs.InputFile(tmp_path / "gias.zip", path.name), codes)
    official.head(100).to_csv(path, index=False)
    with pytest.raises(SourceError, match=r"edubasealldata20251101.csv holds 100 rows"):
        inputs.accept(inputs.InputFile(path), codes)


def test_gias_schemas_cover_every_column_the_reader_needs():
    from sna.build.schools import GIAS_FORMATS, OPTIONAL_OFFICIAL

    for key, fmt in (("gias", GIAS_FORMATS["official"]), ("gias_package", GIAS_FORMATS["package"])):
        needed = {c for c in fmt.columns.values() if c not in OPTIONAL_OFFICIAL}
        assert needed <= set(datasets.get(key).columns), (key, needed - set(datasets.get(key).columns))


def test_a_mirrored_file_given_again_is_accepted_by_checksum(codes):
    accepted = inputs.accept(inputs.InputFile(sources.path_of("crime_wyp_2017_07")), codes)
    assert (accepted.accepted_by, accepted.force, accepted.months) == ("checksum", "west-yorkshire", ("2017-07",))


def test_population_files_are_recognised_but_not_used_yet(codes):
    with pytest.raises(SourceError, match="builds only from the registered vintage"):
        inputs.accept(inputs.InputFile(sources.path_of("pop_sape_2019")), codes)


def test_unknown_files_and_archive_extras(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(SourceError, match="notes.csv is not a file of a dataset this version knows"):
        inputs.recognise(inputs.find([tmp_path / "notes.csv"]).files[0])
    archive = tmp_path / "latest.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("2020-01/2020-01-west-midlands-street.csv", "Crime ID,Month\n")
        z.writestr("2020-01/2020-01-west-midlands-outcomes.csv", "x\n")
        z.writestr("2020-01/2020-01-west-midlands-stop-and-search.csv", "x\n")
    found = inputs.find([archive])
    assert [f.member for f in found.files] == ["2020-01/2020-01-west-midlands-street.csv"]
    assert sorted(why.split(" ")[1] for _, why in found.skipped) == ["outcomes", "stop"]
    with pytest.raises(SourceError, match="No file or folder"):
        inputs.find([tmp_path / "nothing-here"])


def test_duplicate_months_keep_the_last_file_and_say_so():
    owner, notes = inputs.owners([("mirror", "west-midlands", ("2018-06",)),
                                  ("a.zip", "west-midlands", ("2018-05", "2018-06")),
                                  ("b.csv", "west-midlands", ("2018-06",)),
                                  ("wy.csv", "west-yorkshire", ("2018-06",))])
    assert owner == {("west-midlands", "2018-06"): "b.csv", ("west-midlands", "2018-05"): "a.zip",
                     ("west-yorkshire", "2018-06"): "wy.csv"}
    assert notes == ["2018-06 west-midlands: mirror left out, the same month is read from b.csv",
                     "2018-06 west-midlands: a.zip left out, the same month is read from b.csv"]


@pytest.fixture(scope="module")
def archive_inputs(tmp_path_factory, sources_dir):
    """A zip of three months (2018-03..05) and a folder of two (2018-05..06): 2018-05 twice, 2018-06 also mirrored."""
    root = tmp_path_factory.mktemp("policeuk")
    base = police_archive.template()
    police_archive.write_months(root / "zipped", police_archive.months_ending("2018-05", 3), rows=1500, seed=1, base=base)
    zipped = police_archive.zip_folder(root / "zipped", root / "2018-05.zip")
    folder = root / "folder"
    police_archive.write_months(folder, police_archive.months_ending("2018-06", 2), rows=1200, seed=2, base=base)
    return zipped, folder


@pytest.fixture(scope="module")
def multi_month_db(archive_inputs, tmp_path_factory):
    from sna.build import build

    zipped, folder = archive_inputs
    incoming = tmp_path_factory.mktemp("incoming")
    official_gias(incoming)  # a GIAS download dropped into the watched folder
    config = replace(settings(), db_path=tmp_path_factory.mktemp("fresh") / "sna.duckdb",
                     incoming_dir=incoming, cache_dir=tmp_path_factory.mktemp("cache"))
    summary = build("west-midlands", config, progress=False, inputs=[zipped, folder])
    return config.db_path, summary


def test_multi_month_folder_and_zip_build_end_to_end(multi_month_db):
    path, summary = multi_month_db
    con = duckdb.connect(str(path), read_only=True)
    months = con.execute("SELECT month, count(*) FROM crimes GROUP BY 1 ORDER BY 1").fetchall()
    counts = dict(con.execute("SELECT month, sum(n) FROM crime_counts GROUP BY 1").fetchall())
    log = con.execute("SELECT file, origin, vintage, rows_read, sha256 FROM build_log WHERE step = 'crime' ORDER BY file").df()
    trend = con.execute("""SELECT DISTINCT period FROM indicator_values WHERE indicator_id IN
                           (SELECT id FROM indicators WHERE loader = 'policeuk') ORDER BY 1""").fetchall()
    vintage = con.execute("SELECT DISTINCT vintage FROM indicators WHERE loader = 'policeuk'").fetchall()
    con.close()
    assert [m for m, _ in months] == ["2018-03", "2018-04", "2018-05", "2018-06"]
    # the generated rows all carry study-area LSOA codes except the few the template could not place
    assert 1490 <= dict(months)["2018-03"] <= 1500 and 1190 <= dict(months)["2018-06"] <= 1200
    assert 1190 <= dict(months)["2018-05"] <= 1200  # the folder's copy of 2018-05 (1,200 rows), not the zip's (1,500)
    assert counts == {m: n for m, n in months}
    assert [p for (p,) in trend] == ["2018-03", "2018-04", "2018-05", "2018-06"]
    assert vintage == [("2018-03 to 2018-06",)]
    # files whose every month comes from a later file are not read: 2 from the zip, 2 from the folder
    assert len(log) == 4 and log["origin"].str.startswith("user-supplied").all() and log["sha256"].str.len().eq(64).all()
    assert any("2018-06 west-midlands: crime_wmp_2018_06_api left out" in line for line in summary.inputs)
    assert any("2018-05 west-midlands: 2018-05-west-midlands-street.csv left out" in line for line in summary.inputs)


def test_a_gias_download_in_the_watched_folder_replaces_the_mirrored_register(multi_month_db):
    path, summary = multi_month_db
    con = duckdb.connect(str(path), read_only=True)
    log = con.execute("SELECT file, origin, vintage, rows_read, rows_loaded FROM build_log WHERE step = 'schools' "
                      "AND dataset = 'gias'").fetchall()
    schools = con.execute("SELECT count(*), count(*) FILTER (WHERE is_secondary), count(*) FILTER (WHERE lon IS NULL) FROM schools").fetchone()
    con.close()
    ((file, origin, vintage, rows_read, rows_loaded),) = log
    assert file.endswith("edubasealldata20251101.csv") and origin == "watched folder (accepted by schema)" and vintage == "20251101"
    assert rows_read == 27153 and rows_loaded == schools[0]
    # the same register in the official layout gives the same study-area schools as the mirrored package (1,236 built from it)
    assert schools[0] == 1236 and schools[1] > 100
    assert any("accepted" in line and "edubasealldata20251101.csv: gias, 27,153 rows" in line for line in summary.inputs)


def test_a_refused_file_changes_nothing(archive_inputs, tmp_path):
    from sna.build import build

    _, folder = archive_inputs
    bad = tmp_path / "bad"
    for path in folder.rglob("*.csv"):
        target = bad / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text().replace(",2018-06,", ",June 2018,"))
    db_path = tmp_path / "sna.duckdb"
    db_path.write_bytes(b"previous database")
    config = replace(settings(), db_path=db_path, incoming_dir=tmp_path / "incoming", cache_dir=tmp_path / "cache")
    with pytest.raises(SourceError, match=r"2018-06-west-midlands-street.csv: 1,200 row\(s\) of column 'Month' are not a month"):
        build("west-midlands", config, progress=False, inputs=[bad])
    assert db_path.read_bytes() == b"previous database"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "sna.duckdb"]


def test_a_month_file_must_hold_the_month_its_name_gives(archive_inputs, tmp_path, codes):
    _, folder = archive_inputs
    source = next(folder.rglob("2018-06-*.csv"))
    renamed = tmp_path / "2019-01-west-midlands-street.csv"
    renamed.write_bytes(source.read_bytes())
    accepted = inputs.accept(inputs.InputFile(renamed), codes)
    assert (accepted.months, accepted.force, accepted.checked_when_read) == (("2019-01",), "west-midlands", True)
    with pytest.raises(SourceError, match="is named for 2019-01 but holds the month.s. 2018-06"):
        inputs.read_checked(accepted, codes)


# --- The freshness view on Data and methods (AppTest) ------------------------------------------------

METHODS = str(Path(__file__).resolve().parent.parent / "pages" / "4_Data_and_methods.py")


def _methods_page(db_path: Path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SNA_DB", str(db_path))
    at = AppTest.from_file(METHODS, default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def _table(at, column: str) -> pd.DataFrame:
    """The page's table that has this column (AppTest does not expose dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_freshness_view_names_vintages_files_and_newest_release(multi_month_db, monkeypatch):
    path, _ = multi_month_db
    at = _methods_page(path, monkeypatch)
    fresh = _table(at, "Vintage held").set_index("Dataset")
    street = fresh.loc[datasets.get("policeuk_street").title]
    assert street["Vintage held"] == "2018-03 to 2018-06"
    assert street["Files used"] == "4 user-supplied (5,400 rows)"  # 1,500 x 2 from the zip + 1,200 x 2 from the folder
    assert street["Newest published"] == "not recorded in the registry" and "data.police.uk" in street["Status"]
    assert fresh.loc[datasets.get("gias_package").title, "Vintage held"] == "2025-05-24"
    assert fresh.loc[datasets.get("gias_package").title, "Files used"].startswith("1 mirrored")  # place names still read it
    assert fresh.loc[datasets.get("gias").title, "Vintage held"] == "20251101"
    assert fresh.loc[datasets.get("gias").title, "Files used"] == "1 user-supplied (27,153 rows)"
    assert fresh.loc[datasets.get("sape").title, "Vintage held"] == "mid-2020"
    assert datasets.get("policeuk_api").title not in fresh.index  # its only month was superseded: not read
    log = _table(at, "rows_loaded")
    assert {"origin", "vintage", "sha256"} <= set(log.columns)
    assert log["origin"].str.startswith("user-supplied (accepted by schema)").sum() == 4
    assert log["origin"].eq("watched folder (accepted by schema)").sum() == 1


def test_freshness_view_flags_a_newer_release_recorded_in_the_registry(multi_month_db, monkeypatch):
    path, _ = multi_month_db
    street = replace(datasets.get("policeuk_street"), latest_published="2026-09", latest_checked_on="2026-11-30")
    monkeypatch.setitem(datasets.DATASETS, "policeuk_street", street)
    at = _methods_page(path, monkeypatch)
    row = _table(at, "Vintage held").set_index("Dataset").loc[street.title]
    assert (row["Newest published"], row["Checked on"]) == ("2026-09", "2026-11-30")
    assert row["Status"].startswith("newer release out (2026-09): `python -m sna fetch policeuk_street`")
