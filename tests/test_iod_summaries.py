"""IoD local authority summaries: the method on a hand-worked fixture, the built figures against an
independent pandas computation on the raw files (and a published figure), and the LA profile."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sna.analysis.deprivation_summaries import extent_weight, national_percentile, rank_among, summarise
from sna.build.iod_summaries import parse_column
from sna.registry import indicators as registry
from tests.test_explorer import EXPLORER

BIRMINGHAM = "E08000025"
WM_LADS = ["E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031"]
F1 = "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
F2 = "iod2019/File_2_-_IoD2019_Domains_of_Deprivation.csv"
F6 = "iod2019/File_6_-_IoD2019_Population_Denominators.csv"
F7 = "iod2025/File_7_-_IoD2025_Scores_Ranks_Deciles.csv"
F9 = "iod2019/File_9_-_IoD2019_Transformed_Scores.csv"
POP = "Total population: mid 2015 (excluding prisoners)"


# --- the method on a small generated fixture, worked by hand -------------------------------------

def fixture_lsoas() -> pd.DataFrame:
    """One area, four LSOAs in a country of 100 LSOAs: percentiles 5, 11, 30 and 50."""
    return pd.DataFrame({"parent": "A", "rank": [50, 5, 30, 11], "decile": [5, 1, 3, 2],
                         "population": [400.0, 60.0, 300.0, 200.0], "score": [10.0, 40.0, np.nan, 30.0]})


def test_extent_weights_follow_appendix_n():
    pct = pd.Series([1, 10, 11, 12, 20, 30, 31, 100])
    assert extent_weight(pct).round(6).tolist() == pytest.approx([1, 1, 0.95, 0.95 - 0.9 / 19, 0.95 - 9 * 0.9 / 19, 0.05, 0, 0])
    assert national_percentile(pd.Series([1, 3284, 3285, 32844]), 32844).tolist() == [1, 10, 11, 100]


def test_summaries_on_hand_worked_fixture():
    out = summarise(fixture_lsoas(), national_count=100).set_index("parent").loc["A"]
    total = 960.0
    # extent: rank 5 counts fully (60), rank 11 at 0.95 (200), rank 30 at 0.05 (300), rank 50 not at all
    assert out["extent"] == pytest.approx((60 + 0.95 * 200 + 0.05 * 300) / total * 100)
    # local concentration: 10% of 960 = 96 people: all 60 of rank 5, then 36 of the 200 in rank 11
    assert out["local_concentration"] == pytest.approx((5 * 60 + 11 * 36) / 96)
    assert out["avg_rank"] == pytest.approx((50 * 400 + 5 * 60 + 30 * 300 + 11 * 200) / total)
    # the LSOA without a score is left out of the average score (never counted as zero)
    assert out["avg_score"] == pytest.approx((10 * 400 + 40 * 60 + 30 * 200) / 660)
    assert out["decile1_share"] == pytest.approx(25.0)  # one LSOA of four, not population-weighted
    assert out["lsoas"] == 4 and out["population"] == total


def test_local_concentration_when_one_lsoa_holds_more_than_ten_percent():
    frame = pd.DataFrame({"parent": "B", "rank": [7, 900], "decile": [1, 9], "population": [500.0, 500.0], "score": np.nan})
    out = summarise(frame, national_count=1000).set_index("parent").loc["B"]
    assert out["local_concentration"] == 7  # the 100 people needed all live in the most deprived LSOA
    assert math.isnan(out["avg_score"])


def test_rank_among_areas_puts_most_deprived_first():
    values = pd.Series([10.0, 30.0, 30.0, 5.0], index=list("wxyz"))
    assert rank_among(values, higher_is_more_deprived=True).tolist() == [3, 1, 1, 4]
    assert rank_among(values, higher_is_more_deprived=False).tolist() == [2, 3, 3, 1]


def test_registry_rows_parse_and_ranks_are_lower_worse():
    rows = [i for i in registry.catalogue().values() if i.loader == "iod_summary"]
    assert len(rows) > 100
    for ind in rows:
        spec = parse_column(ind.column)
        assert ind.geography == "lad" and ind.aggregation == "iod_summary"
        if spec.ranked or spec.measure in ("avg_rank", "local_concentration"):
            assert ind.polarity == "lower_worse" and ind.unit.startswith("rank")  # shown as ranks, never on the England=100 chart
        assert "eighted" in ind.definition  # every definition says which population weights it (or that none does)


# --- the built database against an independent computation on the raw files ----------------------

def _read(sources_dir, name, columns):
    frame = pd.read_csv(sources_dir / name, encoding="utf-8-sig", usecols=columns, dtype=str)
    for col in columns[1:]:
        frame[col] = pd.to_numeric(frame[col].str.replace(",", ""), errors="coerce")
    return frame


@pytest.fixture(scope="module")
def lad24_of_lsoa11(sources_dir) -> pd.Series:
    """LSOA 2011 -> LAD 2024 through the official lookups, written here independently of sna.build."""
    link = pd.read_csv(sources_dir / "lookups/lookup_lsoa11_lsoa21_ltla22.csv", usecols=["lsoa11_code", "lsoa21_code"], dtype=str)
    lad = pd.read_csv(sources_dir / "lookups/lookup_lsoa21_ward24_ltla24.csv", usecols=["lsoa21_code", "ltla24_code"], dtype=str)
    joined = link.merge(lad.drop_duplicates("lsoa21_code"), on="lsoa21_code")
    joined = joined[joined["lsoa11_code"].str.startswith("E01")]
    # Three 2011 LSOAs were split between 2024 LADs; like the project's hierarchy, place each in the LAD
    # of its first successor in the official lookup.
    straddling = joined.groupby("lsoa11_code")["ltla24_code"].nunique()
    assert sorted(straddling[straddling > 1].index) == ["E01008187", "E01023508", "E01023964"]
    return joined.drop_duplicates("lsoa11_code").set_index("lsoa11_code")["ltla24_code"]


def _by_hand(frame: pd.DataFrame, national: int) -> pd.DataFrame:
    """The five summaries per LAD, written with plain pandas loops (columns lad, rank, decile, pop, score)."""
    rows = {}
    for lad, g in frame.groupby("lad"):
        g = g.sort_values("rank")
        pct = np.ceil(g["rank"] * 100 / national)
        weight = np.select([pct <= 10, pct <= 30], [1.0, 0.95 - (pct - 11) * 0.9 / 19], 0.0)
        need, taken = 0.1 * g["pop"].sum(), []
        for p in g["pop"]:
            taken.append(min(p, max(need, 0.0)))
            need -= p
        taken = np.array(taken)
        rows[lad] = {"avg_score": (g["score"] * g["pop"]).sum() / g["pop"].sum(),
                     "avg_rank": (g["rank"] * g["pop"]).sum() / g["pop"].sum(),
                     "decile1_share": (g["decile"] == 1).mean() * 100,
                     "extent": float((weight * g["pop"]).sum() / g["pop"].sum() * 100),
                     "local_concentration": (g["rank"].to_numpy() * taken).sum() / taken.sum()}
    return pd.DataFrame.from_dict(rows, orient="index")


@pytest.fixture(scope="module")
def imd19_by_hand(sources_dir, lad24_of_lsoa11) -> pd.DataFrame:
    key = "LSOA code (2011)"
    f1 = _read(sources_dir, F1, [key, "Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) Decile"])
    f6 = _read(sources_dir, F6, [key, POP])
    weights = {"Income": 0.225, "Employment": 0.225, "Education": 0.135, "Health": 0.135, "Crime": 0.093, "Barriers": 0.093,
               "Living Environment": 0.093}
    f9 = _read(sources_dir, F9, [key, *[f"{d} Score - exponentially transformed" for d in weights]])
    f9["score"] = sum(f9[f"{d} Score - exponentially transformed"] * w for d, w in weights.items())
    frame = f1.merge(f6, on=key).merge(f9[[key, "score"]], on=key)
    frame = frame.rename(columns={"Index of Multiple Deprivation (IMD) Rank": "rank", "Index of Multiple Deprivation (IMD) Decile": "decile",
                                  POP: "pop"})
    frame["lad"] = frame[key].map(lad24_of_lsoa11)
    return _by_hand(frame, 32844)


def _db(con, indicator, code=BIRMINGHAM, level="lad"):
    row = con.execute("SELECT value FROM indicator_values WHERE indicator_id = ? AND area_code = ? AND level = ?",
                      [indicator, code, level]).fetchone()
    return None if row is None else row[0]


def test_birmingham_imd19_average_score_as_published(con, imd19_by_hand):
    assert round(imd19_by_hand.loc[BIRMINGHAM, "avg_score"], 3) == 38.067  # IoD2019 File 10, as published
    assert round(_db(con, "iod19_imd_score"), 3) == 38.067
    assert round(imd19_by_hand.loc[BIRMINGHAM, "decile1_share"], 1) == 41.3


@pytest.mark.parametrize("measure", ["avg_rank", "extent", "local_concentration"])
def test_imd19_summaries_match_independent_computation(con, imd19_by_hand, measure):
    for lad in WM_LADS:
        assert _db(con, f"iod19_imd_la_{measure}", lad) == pytest.approx(imd19_by_hand.loc[lad, measure], rel=1e-9)


@pytest.mark.parametrize("measure,higher_worse", [("avg_score", True), ("avg_rank", False), ("decile1_share", True),
                                                  ("extent", True), ("local_concentration", False)])
def test_imd19_ranks_among_las_match_independent_ranking(con, imd19_by_hand, measure, higher_worse):
    column = imd19_by_hand[measure]
    assert len(column) == 296
    for lad in WM_LADS:
        value = column[lad]
        expected = int((column > value).sum() + 1) if higher_worse else int((column < value).sum() + 1)
        assert _db(con, f"iod19_imd_la_{measure}_rank", lad) == expected


def test_birmingham_ranks_seventh_on_imd19_average_score(con):
    # Birmingham was 7th of 317 LADs on average score in the published File 10; no LA above it merged since.
    assert _db(con, "iod19_imd_la_avg_score_rank") == 7


def test_income25_share_in_decile1_and_rank_from_file_7(con, sources_dir):
    f7 = _read(sources_dir, F7, ["lsoa21_code", "Income_decile"])
    lad = pd.read_csv(sources_dir / "lookups/lookup_lsoa21_ward24_ltla24.csv", usecols=["lsoa21_code", "ltla24_code"], dtype=str)
    frame = f7.merge(lad.drop_duplicates("lsoa21_code"), on="lsoa21_code")
    share = frame.groupby("ltla24_code")["Income_decile"].apply(lambda d: (d == 1).mean() * 100)
    assert _db(con, "iod25_income_la_decile1_share") == pytest.approx(share[BIRMINGHAM])
    assert _db(con, "iod25_income_la_decile1_share_rank") == int((share > share[BIRMINGHAM]).sum() + 1)
    assert _db(con, "iod25_income_la_decile1_share", "E92000001", "country") == pytest.approx((f7["Income_decile"] == 1).mean() * 100)


def test_rebuilt_income_scores_order_lsoas_as_the_published_ranks(sources_dir):
    """The 2019 income score rebuilt as File 8's numerator over File 6's population ranks LSOAs as File 2 does."""
    key = "LSOA code (2011)"
    f8 = pd.read_csv(sources_dir / "iod2019/File_8_-_IoD2019_Underlying_Indicators.csv", usecols=["lsoa11_code", "income_domain_numerator"])
    f6 = _read(sources_dir, F6, [key, POP])
    f2 = _read(sources_dir, F2, [key, "Income Rank (where 1 is most deprived)"])
    frame = f2.merge(f6, on=key).merge(f8, left_on=key, right_on="lsoa11_code")
    rebuilt = (frame["income_domain_numerator"] / frame[POP]).rank(ascending=False)
    assert rebuilt.corr(frame["Income Rank (where 1 is most deprived)"], method="spearman") > 0.999


def test_partnership_is_computed_from_its_own_lsoas(con):
    lads = con.execute("""SELECT a.pop_total, v.value FROM indicator_values v JOIN areas a ON a.code = v.area_code AND a.level = 'lad'
                          WHERE v.indicator_id = 'iod25_imd_la_avg_rank' AND v.level = 'lad'""").fetchall()
    partnership = _db(con, "iod25_imd_la_avg_rank", "west-midlands", "partnership")
    # a population-weighted mean of the LADs' average ranks, near (weights differ slightly in vintage), not a plain mean
    weighted = sum(p * v for p, v in lads) / sum(p for p, _ in lads)
    assert partnership == pytest.approx(weighted, rel=0.01)
    assert _db(con, "iod25_imd_la_avg_rank_rank", "west-midlands", "partnership") is None  # ranks are for LAs only
    for level, code in (("region", "E12000005"), ("country", "E92000001")):
        assert _db(con, "iod19_imd_la_extent", code, level) is not None


# --- the LA profile shows them -------------------------------------------------------------------

def test_la_profile_lists_the_summaries(built_db):
    at = AppTest.from_file(EXPLORER, default_timeout=120)
    at.session_state["selected"] = (BIRMINGHAM, "lad")
    at.run()
    assert not at.exception, at.exception
    # The profile lists each theme in its own table (latest period by default).
    tables = [d.value for d in at.dataframe if "Compared with England" in d.value.columns]
    shown = next(t for t in tables if "IMD 2019: extent (LA summary)" in set(t["Indicator"]))
    assert {"IMD 2019: extent (LA summary)", "IMD 2025: local concentration (LA summary)",
            "IMD 2019: average score: rank among LAs"} <= set(shown["Indicator"])
    rank = shown[shown["Indicator"] == "IMD 2019: average score: rank among LAs"].iloc[0]
    assert rank["Value"] == "7"
    extent = shown[shown["Indicator"] == "IMD 2019: extent (LA summary)"].iloc[0]
    assert extent["Value"].endswith("%") and extent["England"].endswith("%")
