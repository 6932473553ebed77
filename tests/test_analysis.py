"""The assessment's analyses: hot spots equal esda called directly, FDR against a hand computation,
the risk index rebuilt from the raw IoD file, funnel limits against Spiegelhalter's formula worked by
hand, Empirical Bayes equal to esda, trend totals equal to the raw counts, SPC rules on generated data."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import shapely

from sna import db
from sna.analysis import bivariate, hotspots as hs, rates, risk_index as ri, trends, values
from sna.errors import ChoiceError


# --- Hot spots ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def violence_and_weights(built_db):
    con = db.connect(built_db)
    shapes = db.area_shapes(con, "lsoa21")
    frame = hs.projected_frame(shapes["code"], shapes["geometry"])
    series = db.latest_wide(con, ["iod25_violence_with_injury"], "lsoa21")[0]["iod25_violence_with_injury"]
    con.close()
    return series, frame, hs.spatial_weights(frame)


def test_gi_star_equals_esda_called_directly(violence_and_weights):
    import esda
    from libpysal.weights import Queen

    series, frame, sw = violence_and_weights
    table, summary = hs.gi_star(series, sw, permutations=199, seed=7)
    w = Queen.from_dataframe(frame, ids=list(frame["code"]), use_index=False)
    assert not w.islands and summary["islands"] == []
    y = series.loc[w.id_order].to_numpy()
    direct = esda.G_Local(y, w, transform="R", permutations=199, star=True, seed=7)
    mine = table.set_index("code").loc[w.id_order]
    np.testing.assert_allclose(mine["z"], direct.Zs)
    np.testing.assert_allclose(mine["p"], direct.p_sim)
    assert summary["tested"] == len(series) == 1719
    hot = mine["class"] == hs.HOT
    assert (mine.loc[hot, "z"] > 0).all() and (mine.loc[hot, "q"] <= 0.05).all()
    assert summary["counts"][hs.HOT] == int(hot.sum()) > 0


def test_local_moran_equals_esda_called_directly(violence_and_weights):
    import esda

    series, _frame, sw = violence_and_weights
    table, _ = hs.local_moran(series, sw, permutations=199, seed=3, fdr=False)
    direct = esda.Moran_Local(series.loc[sw.codes].to_numpy(), sw.w, transformation="r", permutations=199, seed=3)
    np.testing.assert_allclose(table["local_i"], direct.Is)
    np.testing.assert_allclose(table["p"], direct.p_sim)
    significant = table["p"] <= 0.05
    assert set(table.loc[significant, "class"]) <= set(hs.MORAN_QUADRANTS.values())
    assert (table.loc[~significant, "class"] == hs.NOT_SIGNIFICANT).all()


def test_benjamini_hochberg_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    # sorted 0.005, 0.01, 0.03, 0.04, 0.5 times n/i = 0.025, 0.025, 0.05, 0.05, 0.5 (already monotone)
    np.testing.assert_allclose(hs.benjamini_hochberg(p), [0.025, 0.05, 0.05, 0.025, 0.5])
    # monotonicity step: 0.02*3/2 = 0.03 > 0.025*3/3, so the second becomes 0.025
    np.testing.assert_allclose(hs.benjamini_hochberg(np.array([0.001, 0.02, 0.025])), [0.003, 0.025, 0.025])


def test_fdr_agrees_with_esda_cut_off():
    import esda

    p = np.random.default_rng(1).uniform(0, 0.2, 300) ** 2
    assert (hs.benjamini_hochberg(p) <= 0.05).sum() == (p <= esda.fdr(p, 0.05)).sum()


def test_islands_are_left_out_and_reported():
    cells = [shapely.box(x, y, x + 1, y + 1) for x in range(4) for y in range(4)] + [shapely.box(10, 10, 11, 11)]
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"code": [f"A{i:02d}" for i in range(len(cells))]}, geometry=cells, crs="EPSG:27700")
    sw = hs.spatial_weights(frame)
    assert sw.islands == ["A16"] and "A16" not in sw.codes
    table, summary = hs.gi_star(pd.Series(np.arange(17.0), index=frame["code"]), sw, permutations=99)
    assert summary["islands"] == ["A16"] and len(table) == 16
    with pytest.raises(ChoiceError):
        hs.spatial_weights(frame, "rook")


# --- Risk index -----------------------------------------------------------------------------------

def test_index_rebuilt_from_the_raw_iod_file(con, sources_dir):
    """A fixed recipe (income and health scores, weights 2:1, min-max) recomputed from File 7."""
    ids = ["iod25_income_score", "iod25_health_score"]
    matrix, periods = db.latest_wide(con, ids, "lsoa21")
    raw = pd.read_csv(sources_dir / "iod2025/File_7_-_IoD2025_Scores_Ranks_Deciles.csv").set_index("lsoa21_code")
    raw = raw.loc[matrix.index, ["Income_score", "Health_score"]]
    recipe = ri.Recipe("lsoa21", tuple(ids), (2.0, 1.0), "minmax")
    index = ri.composite(matrix, {i: "higher_worse" for i in ids}, recipe)
    scaled = (raw - raw.min()) / (raw.max() - raw.min())
    expected = scaled["Income_score"] * 2 / 3 + scaled["Health_score"] / 3
    np.testing.assert_allclose(index.to_numpy(), expected.to_numpy())
    assert periods == {"iod25_income_score": "2025", "iod25_health_score": "2025"}


def test_exponential_transform_and_polarity():
    ranks_worst_last = pd.Series([1.0, 2.0, 3.0, 4.0])
    x = ri.exponential_transform(ranks_worst_last)
    assert x.iloc[-1] == pytest.approx(100.0) and x.is_monotonic_increasing
    assert x.iloc[0] == pytest.approx(-23 * math.log(1 - 0.25 * (1 - math.exp(-100 / 23))))
    frame = pd.DataFrame({"rank": [1.0, 2.0, 3.0], "score": [30.0, 20.0, 10.0]}, index=list("abc"))
    normalised = ri.normalise(frame, {"rank": "lower_worse", "score": "higher_worse"}, "minmax")
    assert list(normalised["rank"]) == list(normalised["score"]) == [1.0, 0.5, 0.0]  # a is worst on both


def test_monte_carlo_ranks_are_seeded_and_bracket_the_median(con):
    cat = values.catalogue(con)
    ids = ri.DEFAULTS["lsoa21"]
    matrix, _ = db.latest_wide(con, ids, "lsoa21")
    polarities = cat.set_index("id").loc[ids, "polarity"].to_dict()
    recipe = ri.Recipe("lsoa21", tuple(ids), (1.0,) * len(ids), draws=100)
    ri.check_recipe(recipe, cat)
    first, left_out = ri.build_index(matrix, polarities, recipe)
    again, _ = ri.build_index(matrix, polarities, recipe)
    pd.testing.assert_frame_equal(first, again)
    assert left_out == [] and len(first) == 1719
    assert ((first["rank_low"] <= first["median_rank"]) & (first["median_rank"] <= first["rank_high"])).all()
    assert first["robust_top"].sum() > 0 and (first.loc[first["robust_top"], "rank_high"] <= 172).all()
    # identical indicators: neither weights nor normalisation can change a rank
    same = pd.DataFrame({"a": matrix[ids[0]], "b": matrix[ids[0]]})
    fixed = ri.monte_carlo_ranks(same, {"a": "higher_worse", "b": "higher_worse"}, replace(recipe, indicators=("a", "b"), weights=(1, 1)))
    assert (fixed["rank_width"] == 0).all()


def test_recipe_checks_generation_and_direction(con):
    cat = values.catalogue(con)
    with pytest.raises(ChoiceError, match="one LSOA generation"):
        ri.check_recipe(ri.Recipe("lsoa21", ("iod25_income_score", "iod19_idaci_rank"), (1, 1)), cat)
    with pytest.raises(ChoiceError, match="no 'worse' direction"):
        ri.check_recipe(ri.Recipe("lsoa21", ("iod25_u_connectivity_score",), (1,)), cat)
    table = ri.recipe_table(ri.Recipe("lsoa21", ("iod25_income_score",), (1.0,)), cat, {"iod25_income_score": "2025"})
    assert table.loc[0, "source"] == "MHCLG" and table.loc[0, "vintage"] and "200 draws" in table.loc[0, "uncertainty"]


def test_bivariate_lists():
    idx = [f"E{i}" for i in range(9)]
    classes = bivariate.classify(pd.Series(range(9), index=idx, dtype=float), pd.Series([0, 1, 2, 3, 4, 5, 8, 7, 6.0], index=idx))
    assert list(bivariate.high_both(classes).index) == ["E8", "E7", "E6"]
    assert bivariate.high_risk_not_violence(classes).empty
    assert classes.loc["E0", "colour"] == "#e8e8e8" and classes.loc["E8", "colour"] == "#3b4994"


# --- Rates ----------------------------------------------------------------------------------------

def _poisson_cdf(k: int, mean: float) -> float:
    return sum(math.exp(-mean) * mean ** i / math.factorial(i) for i in range(k + 1))


def test_funnel_limits_against_spiegelhalter_by_hand():
    # Point 1: Poisson, target 2 per 1,000, denominator 1,000 (expected 2), upper 95% (p = 0.975).
    cdf = [_poisson_cdf(k, 2.0) for k in range(8)]
    r = next(k for k, f in enumerate(cdf) if f >= 0.975)  # 5
    expected = r - (cdf[r] - 0.975) / (cdf[r] - cdf[r - 1])
    assert rates.count_limit(0.002, 1000, 0.975) == pytest.approx(expected)
    assert r == 5 and expected == pytest.approx(4.767, abs=1e-3)
    # Point 2: binomial, target 0.5 of 20, lower 99.8% (p = 0.001).
    bcdf = [sum(math.comb(20, i) for i in range(k + 1)) / 2 ** 20 for k in range(21)]
    r = next(k for k, f in enumerate(bcdf) if f >= 0.001)
    expected = r - (bcdf[r] - 0.001) / (bcdf[r] - bcdf[r - 1])
    assert rates.count_limit(0.5, 20, 0.001, "binomial") == pytest.approx(expected)
    # Large denominators: close to the normal approximation target +/- 1.96 sqrt(target / n)
    limits = rates.funnel_limits(0.002, np.array([5_000_000.0]), 1000)
    assert limits.loc[0, "upper_95%"] == pytest.approx(2 + 1.96 * math.sqrt(0.002 / 5e6) * 1000, rel=1e-3)


def test_funnel_on_real_counts_and_eb_equal_esda(con):
    from esda.smoothing import Empirical_Bayes

    frame = db.values(con, "police_serious_violence_rate", "lsoa11")
    result = rates.funnel(frame, 1000)
    assert result["target"] == pytest.approx(frame["numerator"].sum() / frame["denominator"].sum() * 1000)
    above = rates.outside(result["areas"])
    assert (above["rate"] > above["upper_99.8%"]).all() and len(above) > 0
    eb = rates.empirical_bayes(frame["numerator"], frame["denominator"], 1000)
    direct = Empirical_Bayes(frame[["numerator"]].to_numpy(float), frame[["denominator"]].to_numpy(float)).r.ravel() * 1000
    np.testing.assert_allclose(eb.to_numpy(), direct)
    assert eb.std() < frame["value"].std()  # smoothing shrinks the spread of noisy small-area rates


# --- Trends ---------------------------------------------------------------------------------------

def test_trend_totals_equal_raw_counts(con, sources_dir):
    counts = db.crime_by_month_and_type(con)
    series = trends.monthly_series(counts)
    assert list(series["month"]) == ["2018-06"]
    total = con.execute("SELECT count(*) FROM crimes c JOIN areas a ON a.code = c.lsoa11_code AND a.level = 'lsoa11'").fetchone()[0]
    assert series["crimes"].sum() == total
    raw = pd.read_csv(sources_dir / "crime/police_uk_api_street_crimes_west_midlands_2018-06.csv")
    assert total <= len(raw) and total > 0.9 * len(raw)  # points outside the seven LAs are not counted
    robbery = trends.monthly_series(counts, ["Robbery"])["crimes"].sum()
    assert robbery == con.execute("SELECT count(*) FROM crimes c JOIN areas a ON a.code = c.lsoa11_code "
                                  "AND a.level = 'lsoa11' WHERE crime_type = 'Robbery'").fetchone()[0]
    assert "1 month held: 2018-06" in trends.months_statement(list(series["month"]))


def test_gaps_are_gaps_and_rolling_needs_twelve():
    months = ["2016-07", "2017-07", "2018-07"]
    counts = pd.DataFrame({"month": months, "crime_type": "Robbery", "n": [5, 6, 7]})
    series = trends.monthly_series(counts)
    assert len(series) == 25 and series["held"].sum() == 3 and series["crimes"].isna().sum() == 22
    assert trends.rolling_12(series)["months_in_run"] == 1 and trends.rolling_12(series)["change"] is None
    assert "3 months held" in trends.months_statement(months)
    full = pd.DataFrame({"month": trends.month_range(["2020-01", "2022-06"]), "crime_type": "Robbery"})
    full["n"] = np.arange(len(full))
    rolled = trends.rolling_12(trends.monthly_series(full))
    assert rolled["series"]["rolling_12"].iloc[-1] == full["n"].iloc[-12:].sum()
    assert rolled["change"]["latest_12"] == full["n"].iloc[-12:].sum()
    assert rolled["change"]["previous_12"] == full["n"].iloc[-24:-12].sum()


def test_spc_rules_on_generated_series():
    base = pd.Series([10, 12] * 10, dtype=float)  # common cause only
    assert not trends.spc_signals(base)[["outside_limits", "shift", "trend", "two_of_three"]].any().any()
    spike = base.copy()
    spike[15] = 40
    assert trends.spc_signals(spike)["outside_limits"].tolist().count(True) == 1
    shifted = pd.Series([10, 12] * 7 + [14, 15, 14, 15, 14, 15, 14], dtype=float)
    assert trends.spc_signals(shifted)["shift"].iloc[-7:].all()
    rising = pd.Series([10, 12, 10, 12, 10, 12, 9, 10, 11, 12, 13, 14, 10, 12], dtype=float)
    signals = trends.spc_signals(rising)
    assert signals["trend"].iloc[6:12].all() and not signals["trend"].iloc[:5].any()
    limits = trends.xmr(base)
    assert limits["mean"] == 11 and limits["mr_bar"] == 2 and limits["upper"] == pytest.approx(11 + 2.66 * 2)
    assert "Common-cause" in trends.spc_summary(trends.spc_signals(base))


def test_la_flag_in_the_fingertips_manner(con):
    wide = pd.DataFrame({"Local authority": [5.0, 7.0], "England": [6.0, 6.0]}, index=["2023", "2024"])
    assert trends.flag(wide, "higher_worse")["flag"] == "worse than England and worsening"
    assert trends.flag(wide, "lower_worse")["flag"] == "no concern flagged"
    real = trends.la_series(db.la_series_rows(con, "la_persistent_absence", "E08000025"))
    f = trends.flag(real, "higher_worse")
    raw = con.execute("SELECT value FROM indicator_values WHERE indicator_id = 'la_persistent_absence' AND "
                      "area_code = 'E08000025' AND period = ?", [f["period"]]).fetchone()[0]
    assert f["value"] == raw and f["england"] is not None and f["flag"] != "not enough data"


def test_counts_are_not_compared_with_england():
    wide = pd.DataFrame({"Local authority": [238.0, 372.0], "England": [14000.0, 16250.0]}, index=["2024", "2025"])
    f = trends.flag(wide, "higher_worse", comparable=False)
    assert f["england"] is None and f["flag"] == "worsening" and "not compared" in f["versus_england"]
    assert trends.is_count("episodes of need (count)") and not trends.is_count("rate per 10,000 children")


def test_flag_without_an_england_figure_still_reads_the_direction():
    wide = pd.DataFrame({"Local authority": [138.0, 189.0], "Region": [130.0, 141.0]}, index=["2023", "2024"])
    f = trends.flag(wide, "higher_worse")
    assert f["flag"] == "worsening (no England figure)" and f["versus_england"] == "no England value"
