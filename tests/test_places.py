"""Impact areas, Step Together routes, their import and their corridors, on the real database."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import shapely

from geo import from_wkb
from sna import db
from sna.analysis import corridors
from sna.build import places as place_step, routes as places
from sna.ui import overlays
from sna.config import REPO_ROOT, settings
from sna.errors import ImportFileError
from sna.build.routes_import import import_routes
from sna.userfiles import read_routes, validate_route_upload as validate_upload

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RAW_CRIME = "crime_wmp_2018_06_api"
LAD = {"birmingham": "E08000025", "coventry": "E08000026", "dudley": "E08000027", "sandwell": "E08000028",
       "solihull": "E08000029", "walsall": "E08000030", "wolverhampton": "E08000031"}
BROKEN = {  # fixture -> words the message must contain
    "routes_not_json.geojson": "not valid JSON",
    "routes_no_crs.geojson": "no coordinate reference system",
    "routes_point.geojson": "geometry is a Point",
    "routes_outside.geojson": "not inside the study area",
    "routes_unknown.geojson": "not a known Step Together route",
    "routes_no_props.geojson": "route_id, name missing",
    "routes_hostile.geojson": "characters not allowed",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the records match the papers -------------------------------------------------------------

def test_route_counts_match_the_annex_paragraph_150(con):
    routes = con.execute("SELECT la_code, status, locality FROM routes").df()
    assert len(routes) == 19
    assert routes["status"].value_counts().to_dict() == {"live": 18, "in development": 1}
    live = routes[routes["status"] == "live"]
    assert live["la_code"].value_counts().to_dict() == {LAD["birmingham"]: 7, LAD["wolverhampton"]: 3, LAD["dudley"]: 2,
                                                         LAD["sandwell"]: 2, LAD["solihull"]: 2, LAD["walsall"]: 2}
    birmingham = live[live["la_code"] == LAD["birmingham"]]["locality"].value_counts().to_dict()
    assert birmingham == {"Lozells": 3, "Erdington": 2, "Sutton (Coldfield)": 1, "Sparkbrook": 1}
    in_development = routes[routes["status"] == "in development"].iloc[0]
    assert (in_development["la_code"], in_development["locality"]) == (LAD["coventry"], "Wood End")


def test_nine_places_each_with_lsoas_and_a_citation(con):
    table = con.execute("SELECT place_id, la_code, extent_quality, citation FROM places").df()
    assert len(table) == 9
    assert table["la_code"].value_counts().to_dict() == {LAD["birmingham"]: 2, LAD["coventry"]: 2, LAD["dudley"]: 1, LAD["sandwell"]: 1,
                                                        LAD["solihull"]: 1, LAD["walsall"]: 1, LAD["wolverhampton"]: 1}
    assert (table["extent_quality"] == "approximate").all()
    assert table["citation"].str.contains("para").all()
    lsoas = con.execute("SELECT place_id, level, count(*) AS n FROM place_lsoas GROUP BY ALL").df()
    assert set(lsoas.loc[lsoas["level"] == "lsoa11", "place_id"]) == set(table["place_id"])
    assert (lsoas["n"] > 0).all()
    # LSOAs of a place lie in the place's local authority.
    wrong = con.execute("""SELECT count(*) FROM place_lsoas l JOIN places p USING (place_id)
                           JOIN areas a ON a.code = l.lsoa_code AND a.level = l.level WHERE a.lad_code <> p.la_code""").fetchone()[0]
    assert wrong == 0


def test_ward_based_places_use_the_official_ward_of_that_name(con):
    rows = dict(con.execute("""SELECT p.place_id, a.name FROM place_areas p JOIN areas a ON a.code = p.area_code AND a.level = 'ward'""").fetchall())
    assert rows["lozells"] == "Lozells"
    assert rows["chelmsley-wood"] == "Chelmsley Wood"
    assert rows["st-james-dudley"] == "St. James's"


def test_every_route_is_an_approximate_line_inside_its_local_authority(con):
    routes = con.execute("SELECT route_id, la_code, geometry, geometry_quality, method, citation FROM routes").df()
    lads = con.execute("SELECT code, geometry FROM areas WHERE level = 'lad'").df()
    lad_geom = dict(zip(lads["code"], from_wkb(lads["geometry"])))
    for route in routes.itertuples():
        line = from_wkb(route.geometry)
        assert corridors.is_line(line), route.route_id
        assert route.geometry_quality == "approximate"
        assert route.method.startswith("Approximate") and "not the route walked" in route.method
        assert "para 150" in route.citation
        assert lad_geom[route.la_code].buffer(0.002).covers(line.interpolate(0.5, normalized=True)), route.route_id
    crossed = con.execute("SELECT count(DISTINCT route_id) FROM route_lsoas WHERE level = 'lsoa21'").fetchone()[0]
    assert crossed == 19


def test_interventions_table_sums_to_the_papers_totals(con):
    table = con.execute("SELECT * FROM interventions").df()
    assert len(table) == 8
    assert table["reach_24_and_under"].sum() == 2934  # "Totals 2934 197", annex Table 1
    assert table["reach_25_and_over"].sum() == 197
    assert table["citation"].str.contains("Table 1").all()


# --- place figures are aggregated correctly ---------------------------------------------------

def test_place_values_follow_the_aggregation_rules(con):
    vals = con.execute("SELECT indicator_id, value, numerator, denominator FROM place_values WHERE place_id = 'lozells'").df().set_index("indicator_id")
    lsoa11 = [r[0] for r in con.execute("SELECT lsoa_code FROM place_lsoas WHERE place_id = 'lozells' AND level = 'lsoa11'").fetchall()]
    lsoa21 = [r[0] for r in con.execute("SELECT lsoa_code FROM place_lsoas WHERE place_id = 'lozells' AND level = 'lsoa21'").fetchall()]

    def lsoa(indicator_id, codes):
        return con.execute("SELECT value, numerator, denominator FROM indicator_values WHERE indicator_id = ? AND area_code IN (SELECT unnest(?))",
                           [indicator_id, codes]).df()

    pop = lsoa("pop_10_24", lsoa11)
    assert vals.loc["pop_10_24", "value"] == pytest.approx(pop["value"].sum())
    rate = lsoa("police_serious_violence_rate", lsoa11).dropna()
    assert vals.loc["police_serious_violence_rate", "value"] == pytest.approx(rate["numerator"].sum() / rate["denominator"].sum() * 1000)
    violence = lsoa("iod25_violence_with_injury", lsoa21)["value"]
    assert violence.min() <= vals.loc["iod25_violence_with_injury", "value"] <= violence.max()
    # population-weighted, so not the plain mean unless populations are equal
    weights = con.execute("SELECT code, pop_total FROM areas WHERE level = 'lsoa21' AND code IN (SELECT unnest(?))", [lsoa21]).df()
    assert vals.loc["iod25_violence_with_injury", "denominator"] == pytest.approx(weights["pop_total"].sum(), rel=0.01)


def test_place_indicators_compare_with_la_region_and_england(con):
    table = corridors.place_indicators(con, "hillfields", LAD["coventry"])
    row = table.set_index("indicator").loc[corridors.KEY_INDICATORS[0].label]
    assert pd.notna(row["place"]) and pd.notna(row["local authority"]) and pd.notna(row["region"]) and pd.notna(row["England"])


def test_place_crime_trend_sums_crime_counts(con):
    trend = db.place_crime_trend(con, "lozells")
    direct = con.execute("""SELECT sum(n) FROM crime_counts WHERE lsoa11_code IN
                            (SELECT lsoa_code FROM place_lsoas WHERE place_id = 'lozells' AND level = 'lsoa11')""").fetchone()[0]
    assert trend["crimes"].sum() == direct > 0
    assert set(trend["month"]) == {"2018-06"}


# --- corridors, recomputed independently from the raw police.uk file ---------------------------

def test_corridor_counts_match_an_independent_geopandas_buffer(con, sources_dir):
    import geopandas as gpd

    from sna.registry import sources

    route = con.execute("SELECT geometry FROM routes WHERE route_id = 'dudley-st-james'").fetchone()[0]
    line = from_wkb(route)
    ours = corridors.corridor_crimes(con, line, 200)

    raw = pd.read_csv(sources.path_of(RAW_CRIME), usecols=["category", "latitude", "longitude", "crime_api_id"])
    points = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw["longitude"], raw["latitude"]), crs="EPSG:4326").to_crs("EPSG:27700")
    corridor = gpd.GeoSeries([line], crs="EPSG:4326").to_crs("EPSG:27700").buffer(200).iloc[0]
    inside = points[points.within(corridor)]
    assert len(ours) == len(inside) > 0
    for buffer_m in (100, 400):
        wider = gpd.GeoSeries([line], crs="EPSG:4326").to_crs("EPSG:27700").buffer(buffer_m).iloc[0]
        assert len(corridors.corridor_crimes(con, line, buffer_m)) == int(points.within(wider).sum())
    summary = corridors.corridor_summary(ours)
    assert summary["crimes"].sum() == len(ours)


def test_schools_near_a_route_or_a_plain_reason(con):
    line = from_wkb(con.execute("SELECT geometry FROM routes WHERE route_id = 'walsall-palfrey'").fetchone()[0])
    schools, reason = corridors.schools_near(con, line, 300)
    if schools is None:
        assert "schools" in reason
    else:
        assert "Joseph Leckie Academy" in set(schools["name"])  # the line ends at the school
    empty = duckdb.connect()
    assert corridors.schools_near(empty, line, 300)[0] is None


def test_route_paths_carry_names_as_plain_text():
    """Route lines are one overlay of columns with flat rounded coordinates; a hostile name is carried as
    the text it is (the map writes tooltips with deck.gl's {text}, never as HTML)."""
    frame = pd.DataFrame({"route_id": ["x"], "name": ["<script>alert(1)</script>"], "status": ["live"], "geometry_quality": ["approximate"],
                          "geometry": [shapely.to_wkb(shapely.LineString([(-1.9, 52.5), (-1.891234567, 52.5)]))]})
    layer = overlays.route_paths(frame)
    assert layer["type"] == "paths" and layer["paths"] == [[-1.9, 52.5, -1.89123, 52.5]] and layer["ids"] == ["x"]
    assert layer["tip"][0].startswith("<script>alert(1)</script> (x)") and "APPROXIMATE" in layer["tip"][0]
    assert layer["pal"] == [overlays.APPROXIMATE_RGB]


# --- import: valid and broken files, function and CLI level ------------------------------------

@pytest.fixture()
def db_copy(built_db, tmp_path):
    """A private copy of the session database (imports must not change the shared one)."""
    target = tmp_path / "sna.duckdb"
    shutil.copyfile(built_db, target)
    return replace(settings(), db_path=target)


def test_valid_file_replaces_approximate_lines(db_copy):
    summary = import_routes(FIXTURES / "routes_valid.geojson", db_copy)
    assert summary["routes"] == ["bham-lozells-1", "walsall-palfrey"]
    assert places.imported_routes_path(db_copy).exists()
    with duckdb.connect(str(db_copy.db_path), read_only=True) as con:
        quality = dict(con.execute("SELECT route_id, geometry_quality FROM routes").fetchall())
        line = from_wkb(con.execute("SELECT geometry FROM routes WHERE route_id = 'bham-lozells-1'").fetchone()[0])
        lsoas = con.execute("SELECT count(*) FROM route_lsoas WHERE route_id = 'bham-lozells-1'").fetchone()[0]
    assert quality["bham-lozells-1"] == quality["walsall-palfrey"] == "exact"
    assert sum(q == "approximate" for q in quality.values()) == 17
    # reprojected from British National Grid to longitude/latitude
    assert -1.92 < line.coords[0][0] < -1.89 and 52.49 < line.coords[0][1] < 52.52
    assert lsoas > 0


@pytest.mark.parametrize("fixture", sorted(BROKEN))
def test_broken_file_changes_nothing_and_says_why(db_copy, fixture):
    before = sha256(db_copy.db_path)
    with pytest.raises(ImportFileError) as caught:
        import_routes(FIXTURES / fixture, db_copy)
    message = str(caught.value)
    assert BROKEN[fixture] in message and "nothing was changed" in message
    assert "<script>" not in message
    assert sha256(db_copy.db_path) == before
    assert not places.imported_routes_path(db_copy).exists()


def test_broken_file_after_a_good_import_keeps_the_good_lines(db_copy):
    import_routes(FIXTURES / "routes_valid.geojson", db_copy)
    store = places.imported_routes_path(db_copy)
    before_db, before_store = sha256(db_copy.db_path), sha256(store)
    with pytest.raises(ImportFileError):
        import_routes(FIXTURES / "routes_outside.geojson", db_copy)
    assert (sha256(db_copy.db_path), sha256(store)) == (before_db, before_store)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_geopackage_is_read_and_one_without_crs_refused(con, tmp_path):
    import geopandas as gpd

    frame = gpd.read_file(FIXTURES / "routes_valid.geojson")
    good = tmp_path / "routes.gpkg"
    frame.to_file(good, driver="GPKG")
    assert len(validate_upload(con, good.read_bytes(), good.name)) == 2
    bare = tmp_path / "bare.gpkg"
    frame.set_crs(None, allow_override=True).to_file(bare, driver="GPKG")
    with pytest.raises(ImportFileError, match="no coordinate reference system"):
        validate_upload(con, bare.read_bytes(), bare.name)
    with pytest.raises(ImportFileError, match="not supported"):
        validate_upload(con, b"route_id,name\n", "routes.csv")


def test_read_routes_reports_every_bad_feature():
    area = shapely.box(-2.2, 52.3, -1.4, 52.7)
    with pytest.raises(ImportFileError) as caught:
        read_routes((FIXTURES / "routes_unknown.geojson").read_bytes(), "routes_unknown.geojson",
                    {"bham-lozells-2": "Lozells route 2"}, area)
    assert "feature 0" in str(caught.value) and "feature 1" in str(caught.value) and "name is empty" in str(caught.value)


def _cli(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SNA_DB": str(db_path)}
    return subprocess.run([sys.executable, "-m", "sna", "import-routes", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_import_good_and_bad(db_copy):
    before = sha256(db_copy.db_path)
    bad = _cli(db_copy.db_path, str(FIXTURES / "routes_no_crs.geojson"))
    assert bad.returncode == 2
    assert "no coordinate reference system" in bad.stderr and "Traceback" not in bad.stderr
    assert sha256(db_copy.db_path) == before
    missing = _cli(db_copy.db_path, str(FIXTURES / "no_such_file.geojson"))
    assert missing.returncode == 2 and "No file at" in missing.stderr
    good = _cli(db_copy.db_path, str(FIXTURES / "routes_valid.geojson"))
    assert good.returncode == 0, good.stderr
    assert "Imported 2 route line(s)" in good.stdout
    with duckdb.connect(str(db_copy.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM routes WHERE geometry_quality = 'exact'").fetchone()[0] == 2


def test_tables_are_typed_even_when_empty():
    con = duckdb.connect()
    places.write_table(con, "routes", pd.DataFrame())
    place_step.write_table(con, "places", pd.DataFrame())
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'routes'").fetchall())
    assert types["geometry"] == "BLOB" and types["la_code"] == "VARCHAR"
    assert con.execute("SELECT count(*) FROM routes WHERE la_code IN (SELECT unnest(?))", [["E08000025"]]).fetchone()[0] == 0


def test_routes_sharing_a_locality_do_not_overlap(con):
    """Lozells has three routes: drawn as parallel lines, none crossing another, their markers apart."""
    routes = db.routes(con)
    lozells = routes[routes["locality"] == "Lozells"]
    assert len(lozells) == 3
    lines = list(from_wkb(lozells["geometry"]))
    assert not any(a.intersects(b) for i, a in enumerate(lines) for b in lines[i + 1:])
    layer = overlays.route_markers(lozells)
    markers = set(zip(layer["lon"], layer["lat"]))
    assert len(markers) == 3
