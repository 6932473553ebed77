"""Local authority indicators in the real database, spot-checked against the raw published files."""

from __future__ import annotations

import csv
import shutil
from types import SimpleNamespace

import pandas as pd
import pytest

from sna.registry import studyarea
from sna.errors import SourceError
from sna.build.la_indicators import LOADERS, la_catalogue
from sna.build.la_sources import parse_marked

BIRMINGHAM, COVENTRY, DUDLEY = "E08000025", "E08000026", "E08000027"
WM_LADS = ["E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031"]


def _one(con, indicator, code, period, level="lad"):
    rows = con.execute("SELECT value, numerator, denominator, note FROM indicator_values WHERE indicator_id = ? AND area_code = ? "
                       "AND level = ? AND period = ?", [indicator, code, level, period]).fetchall()
    assert len(rows) == 1, (indicator, code, level, period, rows)
    return rows[0]


def test_birmingham_first_time_entrants_match_lait(con, sources_dir):
    raw = pd.read_parquet(sources_dir / "la_indicators/dfe_lait_big_data_set_long.parquet")
    row = raw[(raw["Short Desc"] == "FirstYJS") & (raw["LA Number"] == 330) & (raw["Years"] == "2024")]
    assert len(row) == 1 and row["LA and Regions"].item() == "Birmingham"
    assert _one(con, "la_fte_rate", BIRMINGHAM, "2024")[0] == pytest.approx(float(row["Values"].item()))
    # several periods: the LAIT time series is kept with LAIT's own labels
    periods = {r[0] for r in con.execute("SELECT period FROM indicator_values WHERE indicator_id = 'la_fte_rate' AND area_code = ?", [BIRMINGHAM]).fetchall()}
    assert {"2016", "2020", "2024"} <= periods


def test_coventry_robbery_matches_table_c2(con, sources_dir):
    path = sources_dir / "la_indicators/ons_police_recorded_crime_by_csp_ye_june2025_table_C2.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[7]
    coventry = next(r for r in rows[8:] if r[header.index("Local Authority code")] == COVENTRY)
    expected = float(coventry[header.index("Robbery")].replace(",", "").strip())
    value, numerator, denominator, note = _one(con, "la_prc_robbery_count", COVENTRY, "YE June 2025")
    assert value == expected == numerator and denominator is None and note is None
    # the partnership is the sum of its LAs' counts (the force's 'Unassigned' crimes are not in any LA)
    lads = con.execute("SELECT sum(value), count(*) FROM indicator_values WHERE indicator_id = 'la_prc_robbery_count' AND level = 'lad'").fetchone()
    assert lads[1] == 7
    assert _one(con, "la_prc_robbery_count", "west-midlands", "YE June 2025", "partnership")[0] == lads[0]


def test_gangs_factor_count_matches_c3(con, sources_dir):
    path = sources_dir / "la_indicators/dfe_childrens_social_care/c3_factors_identified_at_end_of_assessment_2018_to_2025.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["new_la_code"] == BIRMINGHAM and r["time_period"] == "2025")
    value, numerator, denominator, _ = _one(con, "la_cin_factor_gangs_count", BIRMINGHAM, "2025")
    assert value == float(row["Gangs"])
    share = _one(con, "la_cin_factor_gangs_share", BIRMINGHAM, "2025")
    assert share[0] == pytest.approx(float(row["Gangs"]) / float(row["Episodes_with_assessment_factor"]) * 100)
    assert share[2] == float(row["Episodes_with_assessment_factor"])


def test_cla_rate_published_and_partnership_recomputed(con):
    value, numerator, denominator, _ = _one(con, "la_cla_rate", BIRMINGHAM, "2025")
    assert (value, numerator, denominator) == (79, 2317, 292859)
    lads = con.execute("SELECT sum(numerator), sum(denominator) FROM indicator_values WHERE indicator_id = 'la_cla_rate' "
                       "AND level = 'lad' AND period = '2025'").fetchone()
    partnership = _one(con, "la_cla_rate", "west-midlands", "2025", "partnership")
    assert partnership[0] == pytest.approx(lads[0] / lads[1] * 10000)


def test_injury_admissions_count_denominator_and_partnership(con, sources_dir):
    raw = pd.read_csv(sources_dir / "la_indicators/fingertips_90284_injury_admissions_0-14.csv", dtype=str)
    row = raw[(raw["Area Code"] == DUDLEY) & (raw["Time period"] == "2023/24") & (raw["Sex"] == "Persons") & raw["Category Type"].isna()]
    value, numerator, denominator, _ = _one(con, "la_ft_injury_admissions_0_14", DUDLEY, "2023/24")
    assert value == pytest.approx(float(row["Value"].iloc[0])) and numerator == float(row["Count"].iloc[0])
    assert denominator == float(row["Denominator"].iloc[0])
    lads = con.execute("SELECT sum(numerator), sum(denominator), count(*) FROM indicator_values WHERE indicator_id = "
                       "'la_ft_injury_admissions_0_14' AND level = 'lad' AND period = '2023/24'").fetchone()
    assert lads[2] == 7
    assert _one(con, "la_ft_injury_admissions_0_14", "west-midlands", "2023/24", "partnership")[0] == pytest.approx(lads[0] / lads[1] * 10000)


def test_england_and_region_rows_where_published(con):
    assert _one(con, "la_cla_rate", "E92000001", "2025", "country")[0] == 67
    assert _one(con, "la_cin_rate", "E92000001", "2024", "country")[0] == pytest.approx(331.2)
    assert _one(con, "la_cpp_rate", "E12000005", "2025", "region")[0] == pytest.approx(40.3)
    # LAIT's England first-time-entrant figures are not rates: kept as NULL with the reason
    value, _, _, note = _one(con, "la_fte_rate", "E92000001", "2024", "country")
    assert value is None and "outside the range" in note


def test_suppressed_values_are_null_with_a_note(con):
    value, numerator, _, note = _one(con, "la_cin_factor_cce_count", BIRMINGHAM, "2018")  # 'x' before CCE was collected
    assert value is None and numerator is None and note.startswith("suppressed (x)")
    value, _, _, note = _one(con, "la_persistent_absence", BIRMINGHAM, "2020")  # LAIT '-' (pandemic year)
    assert value is None and note.startswith("suppressed (-)")
    zero_with_note = con.execute("SELECT count(*) FROM indicator_values WHERE indicator_id LIKE 'la_%' AND note LIKE 'suppressed%' "
                                 "AND value IS NOT NULL").fetchone()[0]
    assert zero_with_note == 0
    # no partnership value for a period where any LA is suppressed
    assert con.execute("SELECT count(*) FROM indicator_values WHERE indicator_id = 'la_cin_factor_cce_count' AND level = 'partnership' "
                       "AND period = '2018'").fetchone()[0] == 0


def test_parse_marked_keeps_marks_as_missing_with_reason():
    values, notes = parse_marked(pd.Series(["1,234 ", "c", "[x]", "z", "", "9.4E-2"]))
    assert values.iloc[0] == 1234 and values.iloc[5] == pytest.approx(0.094)
    assert values.iloc[1:5].isna().all()
    assert list(notes.iloc[1:5]) == ["suppressed (c)", "suppressed ([x]): not available", "suppressed (z): not applicable", "missing in the source"]


def test_every_la_indicator_is_catalogued_with_provenance(con):
    expected = set(la_catalogue())
    # IoD summaries are computed from LSOAs by their own step (tests/test_iod_summaries.py)
    rows = con.execute("SELECT id, title, unit, definition, source, licence, theme, polarity FROM indicators "
                       "WHERE geography = 'lad' AND aggregation <> 'iod_summary'").fetchall()
    assert {r[0] for r in rows} == expected and len(expected) >= 40
    for row in rows:
        assert all(row[1:6]), row[0]
        assert row[6] in {"youth justice", "children and families", "education", "health", "violence and crime", "deprivation"}
    codes = con.execute("SELECT DISTINCT v.area_code, v.level FROM indicator_values v JOIN indicators i ON v.indicator_id = i.id "
                        "WHERE i.geography = 'lad' AND i.aggregation <> 'iod_summary'").fetchall()
    assert {c for c, level in codes if level == "lad"} == set(WM_LADS)
    assert {(c, level) for c, level in codes if level != "lad"} <= {("west-midlands", "partnership"), ("E12000005", "region"), ("E92000001", "country")}
    # native indicators (rates published per LA) never get a partnership value
    assert con.execute("SELECT count(*) FROM indicator_values v JOIN indicators i ON v.indicator_id = i.id "
                       "WHERE i.geography = 'lad' AND i.aggregation = 'native' AND v.level = 'partnership'").fetchone()[0] == 0


def test_health_index_repeated_years_are_not_loaded(con):
    periods = {r[0] for r in con.execute("SELECT period FROM indicator_values WHERE indicator_id = 'la_hi_child_poverty'").fetchall()}
    assert periods == {"2015", "2016", "2017", "2018", "2019"}


def test_changed_c2_header_names_file_and_column(sources_dir, tmp_path):
    original = sources_dir / "la_indicators/ons_police_recorded_crime_by_csp_ye_june2025_table_C2.csv"
    broken = tmp_path / "table_C2.csv"
    shutil.copy(original, broken)
    broken.write_text(broken.read_text(encoding="utf-8-sig").replace(",Robbery,", ",Robberies,"), encoding="utf-8")
    ctx = SimpleNamespace(area=studyarea.load("west-midlands"), source_path=lambda _: broken, record=lambda *a: None)
    items = [i for i in la_catalogue().values() if i.loader == "ons_prc_csp"]
    with pytest.raises(SourceError) as info:
        LOADERS["ons_prc_csp"](ctx, items)
    assert str(broken) in str(info.value) and "Robbery" in str(info.value)
