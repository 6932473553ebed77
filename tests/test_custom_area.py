"""Custom areas: aggregates equal an independent computation from the raw mirrored files; uploads
of codes and polygons select the right LSOAs; bad uploads are rejected with a clear message."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely

from geo import from_wkb
from sna import areafiles, db
from sna.analysis import custom_area as ca
from sna.analysis import profile as pf
from sna.errors import ImportFileError, SnaError

COVENTRY = "E08000026"


@pytest.fixture(scope="module")
def con(built_db):
    connection = db.connect(built_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def area50(con):
    codes = db.lsoa_codes_of(con, "lad", COVENTRY, "lsoa21")[100:150]
    return ca.resolve(con, codes, "Fifty Coventry LSOAs")


@pytest.fixture(scope="module")
def prof50(con, area50):
    return ca.custom_profile(con, db.catalogue(con), area50, db.meta(con)["region_code"])


def raw(sources_dir, relative: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_csv(sources_dir / relative, usecols=columns, encoding="utf-8-sig", dtype={columns[0]: str}, thousands=",")


def test_the_other_generation_is_the_lsoas_wholly_inside(sources_dir, area50):
    link = raw(sources_dir, "lookups/lookup_lsoa11_lsoa21_ltla22.csv", ["lsoa11_code", "lsoa21_code"])
    chosen = set(area50.codes["lsoa21"])
    successors = link.groupby("lsoa11_code")["lsoa21_code"].apply(set)
    expected = sorted(c for c, s in successors.items() if s <= chosen)
    assert area50.generation == "lsoa21" and len(area50.codes["lsoa21"]) == 50
    assert list(area50.codes["lsoa11"]) == expected


def test_aggregates_equal_an_independent_computation(sources_dir, area50, prof50):
    prof, _ = prof50
    got = prof.set_index("indicator_id")["value"]
    l11 = list(area50.codes["lsoa11"])
    sape = raw(sources_dir, "population/ons_sape_mid2020_lsoa11_single_year_of_age.csv",
               ["lsoa11_code", "total_population", *map(str, range(10, 25))]).set_index("lsoa11_code").loc[l11]
    assert got["pop_total"] == pytest.approx(sape["total_population"].sum())
    assert got["pop_10_24_share"] == pytest.approx(sape[list(map(str, range(10, 25)))].sum().sum() / sape["total_population"].sum() * 100)
    f8 = raw(sources_dir, "iod2019/File_8_-_IoD2019_Underlying_Indicators.csv",
             ["lsoa11_code", "staying_on_in_education_post_16_indicator"]).set_index("lsoa11_code").loc[l11]
    f6 = raw(sources_dir, "iod2019/File_6_-_IoD2019_Population_Denominators.csv",
             ["LSOA code (2011)", "Total population: mid 2015 (excluding prisoners)"]).set_index("LSOA code (2011)").loc[l11]
    w = f6.iloc[:, 0].astype(float)
    v = f8.iloc[:, 0].astype(float)
    assert got["iod19_u_staying_on_in_education_post_16"] == pytest.approx((v * w).sum() / w.sum())
    f1 = raw(sources_dir, "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
             ["LSOA code (2011)", "Index of Multiple Deprivation (IMD) Decile"]).set_index("LSOA code (2011)").loc[l11]
    assert got["iod19_imd_decile1_share"] == pytest.approx((f1.iloc[:, 0] == 1).mean() * 100)
    f8_25 = raw(sources_dir, "iod2025/File_8_-_IoD2025_Underlying_Indicators.csv",
                ["lsoa21_code", "income_domain_numerator"]).set_index("lsoa21_code").loc[list(area50.codes["lsoa21"])]
    assert got["iod25_u_income_domain_numerator"] == pytest.approx(f8_25.iloc[:, 0].astype(float).sum())


def test_rates_have_intervals_and_ranks_are_not_aggregated(prof50):
    prof, skipped = prof50
    rate = prof.set_index("indicator_id").loc["police_serious_violence_rate"]
    assert rate["lower"] < rate["value"] < rate["upper"] and rate["ci"] == "Byar's method"
    assert rate["value"] == pytest.approx(rate["numerator"] / rate["denominator"] * 1000, rel=1e-9)
    assert not prof["indicator_id"].str.endswith("_rank").any()
    assert skipped["status"].str.startswith("not aggregated").all()
    assert skipped["title"].str.contains("rank", case=False).any()
    assert set(prof["vs_england"]) <= {"better", "worse", "similar", "higher", "lower", "no CI", "no comparator"}


def test_a_ward_given_as_codes_equals_the_ward_in_the_database(con):
    ward = "E05011151"
    area = ca.resolve(con, db.lsoa_codes_of(con, "ward", ward, "lsoa21"), "Ladywood")
    prof, _ = ca.custom_profile(con, db.catalogue(con), area, db.meta(con)["region_code"])
    stored = pf.profile(con, db.catalogue(con), ward, "ward")
    both = prof.merge(stored, on=["indicator_id", "period"], suffixes=("", "_db"))
    lsoa21_ids = set(db.catalogue(con).query("geography == 'lsoa21'")["id"])
    same = both[both["indicator_id"].isin(lsoa21_ids)]
    assert len(same) > 30
    assert (same["value"] - same["value_db"]).abs().max() < 1e-9


def test_codes_file_and_bad_codes(con):
    codes = db.lsoa_codes_of(con, "lad", COVENTRY, "lsoa21")[:5]
    good = ("lsoa21cd,note\n" + "\n".join(f"{c},x" for c in codes)).encode("utf-8-sig")
    area = areafiles.area_from_upload(con, good, "mine.csv")
    assert list(area.codes["lsoa21"]) == sorted(codes)
    with pytest.raises(SnaError, match="not LSOAs of this study area"):
        areafiles.area_from_upload(con, b"E01000001\n" + codes[0].encode(), "london.csv")
    with pytest.raises(ImportFileError, match="not LSOA codes"):
        areafiles.area_from_upload(con, b"E02001234\n", "msoa.csv")
    with pytest.raises(ImportFileError, match="UTF-8"):
        areafiles.area_from_upload(con, "E01009999,caf\u00e9\n".encode("latin-1"), "latin.csv")
    with pytest.raises(ImportFileError, match="not plain text"):
        areafiles.area_from_upload(con, "E01009999\n".encode("utf-16"), "utf16.csv")
    with pytest.raises(ImportFileError, match="MB"):
        areafiles.area_from_upload(con, b"E01009999\n" * 200_000, "huge.csv")
    with pytest.raises(ImportFileError, match="no LSOA code"):
        areafiles.area_from_upload(con, b"hello\n", "empty.csv")
    with pytest.raises(ImportFileError, match="not supported"):
        areafiles.area_from_upload(con, b"x", "codes.xlsx")


def test_polygon_upload_selects_lsoas_by_area_share(con, tmp_path):
    shapes = db.area_shapes(con, "lsoa21", db.lsoa_codes_of(con, "lad", COVENTRY, "lsoa21")[:6])
    outline = shapely.union_all(from_wkb(shapes["geometry"])).buffer(-0.0003)
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                      "geometry": json.loads(shapely.to_geojson(outline))}]}
    area = areafiles.area_from_upload(con, json.dumps(doc).encode(), "area.geojson")
    assert list(area.codes["lsoa21"]) == sorted(shapes["code"])
    assert "area share" in area.notes[0]
    import geopandas as gpd
    path = tmp_path / "area.gpkg"
    gpd.GeoDataFrame({"n": [1]}, geometry=[outline], crs="EPSG:4326").to_crs("EPSG:27700").to_file(path, engine="pyogrio")
    assert list(areafiles.area_from_upload(con, path.read_bytes(), "area.gpkg").codes["lsoa21"]) == sorted(shapes["code"])


@pytest.mark.parametrize("data,name,message", [
    (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
     b'"geometry": {"type": "Point", "coordinates": [-1.5, 52.4]}}]}', "point.geojson", "Polygon"),
    (b"not json", "bad.geojson", "not valid GeoJSON"),
    (b'{"a": 1}', "other.json", "not a GeoJSON"),
    (b"PK\x03\x04 zip", "fake.gpkg", "not a GeoPackage"),
    (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", '
     b'"coordinates": [[[0.1, 51.5], [0.2, 51.5], [0.2, 51.6], [0.1, 51.5]]]}}]}', "london.geojson", "no 2021 LSOA"),
])
def test_bad_geometry_uploads_are_rejected(con, data, name, message):
    with pytest.raises(ImportFileError, match=message) as caught:
        areafiles.area_from_upload(con, data, name)
    assert "Nothing was stored" in str(caught.value)
