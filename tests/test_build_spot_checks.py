"""The real database against the raw files: counts, spot-checked values, aggregates recomputed."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

WM_LADS = ["E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031"]


def test_counts(con):
    levels = dict(con.execute("SELECT level, count(*) FROM areas GROUP BY level").fetchall())
    assert levels["lsoa11"] == 1680
    assert levels["lad"] == 7
    assert levels["lsoa21"] == 1719
    assert sorted(r[0] for r in con.execute("SELECT code FROM areas WHERE level = 'lad'").fetchall()) == WM_LADS


def _raw_row(path, key_col, code):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row[key_col] == code:
                return row
    raise AssertionError(code)


def _value(con, indicator, code, level="lsoa11"):
    row = con.execute("SELECT value FROM indicator_values WHERE indicator_id = ? AND area_code = ? AND level = ?", [indicator, code, level]).fetchone()
    return row[0]


@pytest.mark.parametrize("code", ["E01008881", "E01009417", "E01010016"])
def test_imd19_rank_and_decile_match_file_1(con, sources_dir, code):
    row = _raw_row(sources_dir / "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", "LSOA code (2011)", code)
    assert _value(con, "iod19_imd_rank", code) == float(row["Index of Multiple Deprivation (IMD) Rank"].replace(",", ""))
    assert _value(con, "iod19_imd_decile", code) == float(row["Index of Multiple Deprivation (IMD) Decile"])


def test_imd19_score_rebuilt_from_file_9(con, sources_dir):
    code = "E01009417"
    row = _raw_row(sources_dir / "iod2019/File_9_-_IoD2019_Transformed_Scores.csv", "LSOA code (2011)", code)
    weights = [0.225, 0.225, 0.135, 0.135, 0.093, 0.093, 0.093]
    cols = ["Income", "Employment", "Education", "Health", "Crime", "Barriers", "Living Environment"]
    expected = sum(w * float(row[f"{c} Score - exponentially transformed"]) for w, c in zip(weights, cols))
    assert _value(con, "iod19_imd_score", code) == pytest.approx(expected, abs=1e-3)


def test_imd19_rank_order_agrees_with_rebuilt_score(con):
    """The rebuilt score ranks the LSOAs as the official ranks do (rank 1 = highest score)."""
    frame = con.execute("""SELECT s.value AS score, r.value AS rank FROM indicator_values s JOIN indicator_values r
                           ON s.area_code = r.area_code AND r.indicator_id = 'iod19_imd_rank'
                           WHERE s.indicator_id = 'iod19_imd_score' AND s.level = 'lsoa11'""").df()
    assert frame["score"].rank(ascending=False).corr(frame["rank"], method="spearman") > 0.9999


def test_iod25_violence_and_domain_score(con, sources_dir):
    code = "E01033620"
    under = _raw_row(sources_dir / "iod2025/File_8_-_IoD2025_Underlying_Indicators.csv", "lsoa21_code", code)
    scores = _raw_row(sources_dir / "iod2025/File_7_-_IoD2025_Scores_Ranks_Deciles.csv", "lsoa21_code", code)
    assert _value(con, "iod25_violence_with_injury", code, "lsoa21") == pytest.approx(float(under["violence_with_injury_rate_per_1_000_at_risk_population"]))
    assert _value(con, "iod25_crime_score", code, "lsoa21") == pytest.approx(float(scores["Crime_score"]))


def test_population_10_24(con, sources_dir):
    code = "E01009417"
    row = _raw_row(sources_dir / "population/ons_sape_mid2020_lsoa11_single_year_of_age.csv", "lsoa11_code", code)
    expected = sum(float(row[str(a)]) for a in range(10, 25))
    assert _value(con, "pop_10_24", code) == expected
    assert _value(con, "pop_total", code) == float(row["total_population"])


def test_lad_aggregates_recomputed_from_raw(con, sources_dir):
    """Birmingham's IMD 2019 decile-1 share and population-weighted score, straight from the files."""
    f1 = pd.read_csv(sources_dir / "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", encoding="utf-8-sig")
    brum = f1[f1["Local Authority District code (2019)"] == "E08000025"]
    share = (brum["Index of Multiple Deprivation (IMD) Decile"] == 1).mean() * 100
    assert _value(con, "iod19_imd_decile1_share", "E08000025", "lad") == pytest.approx(share)
    f9 = pd.read_csv(sources_dir / "iod2019/File_9_-_IoD2019_Transformed_Scores.csv", encoding="utf-8-sig")
    f6 = pd.read_csv(sources_dir / "iod2019/File_6_-_IoD2019_Population_Denominators.csv", encoding="utf-8-sig", thousands=",")
    f9 = f9[f9["Local Authority District code (2019)"] == "E08000025"].merge(f6, on="LSOA code (2011)")
    score = (0.225 * f9["Income Score - exponentially transformed"] + 0.225 * f9["Employment Score - exponentially transformed"]
             + 0.135 * f9["Education Score - exponentially transformed"] + 0.135 * f9["Health Score - exponentially transformed"]
             + 0.093 * (f9["Crime Score - exponentially transformed"] + f9["Barriers Score - exponentially transformed"]
                        + f9["Living Environment Score - exponentially transformed"])).round(3)
    weight = f9["Total population: mid 2015 (excluding prisoners)"]
    assert _value(con, "iod19_imd_score", "E08000025", "lad") == pytest.approx((score * weight).sum() / weight.sum())
    assert _value(con, "iod19_imd_score", "E08000025", "lad") == pytest.approx(38.067, abs=0.001)  # the official LA summary


def test_ward_rate_is_summed_numerators_over_denominators(con):
    ward = con.execute("SELECT code FROM areas WHERE level = 'ward' ORDER BY code LIMIT 1").fetchone()[0]
    parts = con.execute("""SELECT sum(v.numerator), sum(v.denominator) FROM indicator_values v JOIN areas a ON a.code = v.area_code AND a.level = 'lsoa11'
                           WHERE v.indicator_id = 'pop_10_24_share' AND v.level = 'lsoa11' AND a.ward_code = ?""", [ward]).fetchone()
    assert _value(con, "pop_10_24_share", ward, "ward") == pytest.approx(parts[0] / parts[1] * 100)


def test_crime_counts_for_lsoas_match_the_raw_points(con, sources_dir):
    """Assign the raw API points to LSOAs independently (geopandas sjoin) and compare counts."""
    import geopandas as gpd

    raw = pd.read_csv(sources_dir / "crime/police_uk_api_street_crimes_west_midlands_2018-06.csv")
    points = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw["longitude"], raw["latitude"]), crs="EPSG:4326")
    lsoas = gpd.read_file(sources_dir / "boundaries/wm7_lsoa11_BGC.geojson")
    lsoas["geometry"] = lsoas.geometry.make_valid()
    joined = gpd.sjoin(points, lsoas[["LSOA11CD", "geometry"]], predicate="within").drop_duplicates("crime_api_id")
    violent = joined[joined["category"] == "violent-crime"].groupby("LSOA11CD").size()
    for code in violent.sort_values().index[-3:]:
        got = con.execute("SELECT n FROM crime_counts WHERE lsoa11_code = ? AND crime_type = 'Violence and sexual offences' AND month = '2018-06'", [code]).fetchone()[0]
        assert got == violent[code]
    assert con.execute("SELECT count(*) FROM crimes").fetchone()[0] == len(joined)


def test_catalogue_covers_every_value_with_provenance(con):
    missing = con.execute("""SELECT id FROM indicators WHERE title = '' OR unit = '' OR definition = '' OR licence = '' OR vintage = ''""").fetchall()
    assert missing == []
    assert con.execute("SELECT count(*) FROM build_log").fetchone()[0] > 10


def test_no_iod_time_series(con):
    """IoD2019 and IoD2025 live on different LSOA generations and are never one series."""
    geos = dict(con.execute("SELECT DISTINCT geography, 1 FROM indicators WHERE id LIKE 'iod19%' AND aggregation <> 'iod_summary'").fetchall())
    assert set(geos) == {"lsoa11"}
    # the LA summaries of each edition come from that edition's own LSOAs, labelled with its own year
    assert con.execute("SELECT DISTINCT period FROM indicator_values WHERE indicator_id LIKE 'iod19%la%' AND indicator_id IN "
                       "(SELECT id FROM indicators WHERE aggregation = 'iod_summary')").fetchall() == [("2019",)]
    assert con.execute("SELECT count(*) FROM indicator_values WHERE indicator_id LIKE 'iod25%' AND level = 'lsoa11'").fetchone()[0] == 0
