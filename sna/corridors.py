"""Route corridors and place figures: pure functions over geometry and DataFrames, plus the
read-only queries the Places page needs.

- Geometry is stored as WKB in longitude/latitude (EPSG:4326); every distance and buffer is
  computed in British National Grid metres (geo.points.to_bng).
- A place's figures come from its LSOA values with sna.aggregate.aggregate: counts summed, rates
  as summed numerators over summed denominators, scores population-weighted. Never a mean of rates.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString

from geo import from_wkb
from geo.points import geom_to_bng, geom_to_lonlat, to_bng
from sna.aggregate import aggregate

DEFAULT_BUFFER_M = 200
SCHEMATIC_LENGTH_M = 600.0  # length of an approximate (schematic) route line
ROTATION_STEP_DEG = 60.0  # routes sharing a locality are drawn at different angles so they stay distinct


@dataclass(frozen=True)
class KeyIndicator:
    """An indicator shown on every place's story, with how a place's value is computed."""

    id: str
    label: str


# The few key indicators of a place story (the catalogue in the database says how each aggregates).
KEY_INDICATORS: list[KeyIndicator] = [
    KeyIndicator("iod25_violence_with_injury", "Violence with injury (IoD2025, per 1,000 at-risk population)"),
    KeyIndicator("iod25_imd_score", "IMD 2025 score"),
    KeyIndicator("pop_10_24", "Residents aged 10-24"),
    KeyIndicator("police_serious_violence_rate", "police.uk serious violence per 1,000 residents"),
]


# --- geometry -------------------------------------------------------------------------------

def schematic_line(centre_bng: tuple[float, float], index: int = 0, length_m: float = SCHEMATIC_LENGTH_M) -> LineString:
    """A short straight line centred on a point (BNG), rotated by ROTATION_STEP_DEG per index.

    It marks where a route is, not the path walked: always stored as 'approximate'."""
    angle = math.radians(index * ROTATION_STEP_DEG)
    dx, dy = math.cos(angle) * length_m / 2, math.sin(angle) * length_m / 2
    x, y = centre_bng
    return LineString([(x - dx, y - dy), (x + dx, y + dy)])


def segment_line(start_bng: tuple[float, float], end_bng: tuple[float, float]) -> LineString:
    """A straight line between two points (BNG), e.g. a locality's representative point and a school."""
    return LineString([start_bng, end_bng])


def codes_crossed(line_lonlat, polygons: pd.DataFrame, geometry_column: str = "geometry") -> list[str]:
    """Codes of the polygons (WKB lon/lat in `geometry_column`, codes in 'code') the line crosses."""
    if line_lonlat is None or line_lonlat.is_empty or polygons.empty:
        return []
    geoms = from_wkb(polygons[geometry_column])
    tree = shapely.STRtree(geoms)
    hits = tree.query(line_lonlat, predicate="intersects")
    return sorted(polygons["code"].to_numpy()[hits].tolist())


def is_line(geom) -> bool:
    return isinstance(geom, (LineString, MultiLineString)) and not geom.is_empty


# --- place figures --------------------------------------------------------------------------

def place_values(lsoa_values: pd.DataFrame, place_lsoas: pd.DataFrame, catalogue: pd.DataFrame,
                 weights: dict[str, pd.Series]) -> pd.DataFrame:
    """Each place's value of each indicator in `catalogue`, from its LSOAs.

    lsoa_values: indicator_id, area_code, level, period, value, numerator, denominator (LSOA rows).
    place_lsoas: place_id, lsoa_code, level (lsoa11 | lsoa21).
    catalogue: id, geography, aggregation, weight, multiplier (as in sna/registry/indicators.csv).
    weights: weight name -> Series by LSOA code (weighted means only).
    Returns place_id, indicator_id, period, value, numerator, denominator, lsoas (LSOAs with a value).
    """
    out = []
    for ind in catalogue.itertuples(index=False):
        lsoas = place_lsoas[place_lsoas["level"] == ind.geography]
        values = lsoa_values[(lsoa_values["indicator_id"] == ind.id) & (lsoa_values["level"] == ind.geography)]
        values = values[values["area_code"].isin(lsoas["lsoa_code"])]
        if lsoas.empty or values.empty or ind.aggregation in ("none", "native", ""):
            continue
        multiplier = float(ind.multiplier) if str(ind.multiplier or "").strip() not in ("", "nan") else 1.0
        weight = weights.get(ind.weight) if isinstance(ind.weight, str) and ind.weight else None
        # One parent row per (LSOA, place): an LSOA in two places counts in both.
        parents = pd.DataFrame({"code": lsoas["lsoa_code"].to_numpy(), "level": "place", "parent": lsoas["place_id"].to_numpy()})
        agg = aggregate(values[["indicator_id", "area_code", "period", "value", "numerator", "denominator"]], parents,
                        ind.aggregation, weight, multiplier)
        held = values[values["value"].notna()].merge(parents, left_on="area_code", right_on="code")
        counts = held.groupby(["parent", "period"]).size().rename("lsoas").reset_index()
        agg = agg.merge(counts, left_on=["area_code", "period"], right_on=["parent", "period"], how="left")
        out.append(agg.assign(place_id=agg["area_code"], lsoas=agg["lsoas"].fillna(0).astype(int)))
    columns = ["place_id", "indicator_id", "period", "value", "numerator", "denominator", "lsoas"]
    if not out:
        return pd.DataFrame(columns=columns)
    return pd.concat(out, ignore_index=True)[columns]


# --- corridor crimes ------------------------------------------------------------------------

def crimes_near(crimes: pd.DataFrame, line_lonlat, buffer_m: float) -> pd.DataFrame:
    """The crimes (lon, lat columns) within buffer_m metres of the line, with their distance.

    Distances are measured in British National Grid metres."""
    if crimes.empty or line_lonlat is None or line_lonlat.is_empty:
        return crimes.assign(distance_m=pd.Series(dtype=float)).iloc[0:0]
    line = geom_to_bng(line_lonlat)
    x, y = to_bng(crimes["lon"].to_numpy(), crimes["lat"].to_numpy())
    distance = shapely.distance(shapely.points(x, y), line)
    keep = distance <= float(buffer_m)
    return crimes.loc[keep].assign(distance_m=np.round(distance[keep], 1)).reset_index(drop=True)


def corridor_crimes(con: duckdb.DuckDBPyConnection, line_lonlat, buffer_m: float = DEFAULT_BUFFER_M) -> pd.DataFrame:
    """police.uk crimes within buffer_m metres of a route line (all months held)."""
    if line_lonlat is None or line_lonlat.is_empty:
        return pd.DataFrame(columns=["crime_id", "month", "crime_type", "lon", "lat", "location", "lsoa11_code", "distance_m"])
    minx, miny, maxx, maxy = line_lonlat.bounds
    pad_lat = buffer_m / 111_000 * 1.5
    pad_lon = pad_lat / max(math.cos(math.radians((miny + maxy) / 2)), 0.1)
    candidates = con.execute(
        """SELECT crime_id, month, crime_type, lon, lat, location, lsoa11_code, serious_violence FROM crimes
           WHERE lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? AND lon IS NOT NULL""",
        [minx - pad_lon, maxx + pad_lon, miny - pad_lat, maxy + pad_lat]).df()
    return crimes_near(candidates, line_lonlat, buffer_m)


def corridor_summary(crimes: pd.DataFrame) -> pd.DataFrame:
    """Counts by month and crime type (most frequent first)."""
    if crimes.empty:
        return pd.DataFrame(columns=["month", "crime_type", "crimes"])
    out = crimes.groupby(["month", "crime_type"], as_index=False).size().rename(columns={"size": "crimes"})
    return out.sort_values(["month", "crimes", "crime_type"], ascending=[True, False, True]).reset_index(drop=True)


# --- reads for the Places page --------------------------------------------------------------

def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()[0])


def places(con: duckdb.DuckDBPyConnection, lad_codes: list[str] | None = None) -> pd.DataFrame:
    """Impact areas with their LA name and display geometry."""
    sql = """SELECT p.*, a.name AS la_name FROM places p LEFT JOIN areas a ON a.code = p.la_code AND a.level = 'lad'"""
    params: list = []
    if lad_codes:
        sql += " WHERE p.la_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    return con.execute(sql + " ORDER BY p.name", params).df()


def routes(con: duckdb.DuckDBPyConnection, lad_codes: list[str] | None = None, statuses: list[str] | None = None) -> pd.DataFrame:
    """Step Together routes with their LA name (geometry WKB lon/lat)."""
    sql = """SELECT r.*, a.name AS la_name FROM routes r LEFT JOIN areas a ON a.code = r.la_code AND a.level = 'lad' WHERE true"""
    params: list = []
    if lad_codes:
        sql += " AND r.la_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    if statuses:
        sql += " AND r.status IN (SELECT unnest(?))"
        params.append(list(statuses))
    return con.execute(sql + " ORDER BY r.la_code, r.route_id", params).df()


def place_areas(con: duckdb.DuckDBPyConnection, place_id: str) -> pd.DataFrame:
    """The areas (wards, LSOAs or the LA) that make up a place, with names."""
    return con.execute("""SELECT pa.area_code, pa.level, a.name FROM place_areas pa
                          LEFT JOIN areas a ON a.code = pa.area_code AND a.level = pa.level
                          WHERE pa.place_id = ? ORDER BY pa.area_code""", [place_id]).df()


def place_indicators(con: duckdb.DuckDBPyConnection, place_id: str, la_code: str) -> pd.DataFrame:
    """The key indicators for a place beside its LA, the region and England (where held)."""
    rows = []
    for key in KEY_INDICATORS:
        meta = con.execute("SELECT unit, aggregation_text, vintage, publisher, licence FROM indicators WHERE id = ?", [key.id]).fetchone()
        if meta is None:
            continue
        place = con.execute("""SELECT period, value, lsoas FROM place_values WHERE place_id = ? AND indicator_id = ?
                               ORDER BY period DESC LIMIT 1""", [place_id, key.id]).fetchone()
        period = place[0] if place else None
        if period is None:
            latest = con.execute("SELECT max(period) FROM indicator_values WHERE indicator_id = ?", [key.id]).fetchone()
            period = latest[0] if latest else None
        bench = dict(con.execute("""SELECT CASE WHEN level = 'lad' THEN 'la' ELSE level END, value FROM indicator_values
                                    WHERE indicator_id = ? AND period = ? AND
                                    ((level = 'lad' AND area_code = ?) OR level IN ('region', 'country'))""",
                                 [key.id, period, la_code]).fetchall())
        rows.append({"indicator": key.label, "period": period, "place": place[1] if place else None,
                     "local authority": bench.get("la"), "region": bench.get("region"), "England": bench.get("country"),
                     "LSOAs with data": place[2] if place else 0, "how the place value is computed": meta[1],
                     "source": f"{meta[3]} ({meta[2]}), {meta[4]}"})
    table = pd.DataFrame(rows)
    for column in ("place", "local authority", "region", "England"):
        table[column] = pd.to_numeric(table[column], errors="coerce").round(2)
    return table


def place_crime_trend(con: duckdb.DuckDBPyConnection, place_id: str) -> pd.DataFrame:
    """police.uk crimes in a place's LSOAs (2011) by month and crime type, for the months held."""
    return con.execute("""SELECT c.month, c.crime_type, sum(c.n)::INTEGER AS crimes FROM crime_counts c
                          JOIN place_lsoas p ON p.lsoa_code = c.lsoa11_code AND p.level = 'lsoa11'
                          WHERE p.place_id = ? GROUP BY ALL ORDER BY c.month, crimes DESC, c.crime_type""", [place_id]).df()


def months_held(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT month FROM crimes ORDER BY month").fetchall()]


def route_lsoa_violence(con: duckdb.DuckDBPyConnection, line_lonlat) -> pd.DataFrame:
    """IoD2025 violence with injury of the LSOAs (2021) a route line crosses."""
    if line_lonlat is None or line_lonlat.is_empty:
        return pd.DataFrame(columns=["lsoa21_code", "name", "violence_with_injury", "period"])
    minx, miny, maxx, maxy = line_lonlat.bounds
    near = con.execute("""SELECT code, name, geometry FROM areas WHERE level = 'lsoa21'
                          AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?""",
                       [minx - 0.05, maxx + 0.05, miny - 0.03, maxy + 0.03]).df()
    codes = codes_crossed(line_lonlat, near)
    if not codes:
        return pd.DataFrame(columns=["lsoa21_code", "name", "violence_with_injury", "period"])
    return con.execute("""SELECT a.code AS lsoa21_code, a.name, v.value AS violence_with_injury, v.period
                          FROM areas a LEFT JOIN indicator_values v ON v.area_code = a.code AND v.level = 'lsoa21'
                               AND v.indicator_id = 'iod25_violence_with_injury'
                          WHERE a.level = 'lsoa21' AND a.code IN (SELECT unnest(?)) ORDER BY v.value DESC NULLS LAST""",
                       [codes]).df()


def schools_near(con: duckdb.DuckDBPyConnection, line_lonlat, buffer_m: float) -> tuple[pd.DataFrame | None, str]:
    """Schools within buffer_m metres of a route, or None and a plain reason when the schools table is absent or empty."""
    if not has_table(con, "schools"):
        return None, "The database has no schools table yet: rebuild once the schools step is in place (python -m sna build)."
    schools = con.execute("SELECT * FROM schools WHERE lon IS NOT NULL AND lat IS NOT NULL").df()
    if schools.empty:
        return None, "The schools table is empty in this database, so the schools a route serves cannot be listed."
    near = crimes_near(schools, line_lonlat, buffer_m)
    keep = [c for c in ["urn", "name", "phase", "is_secondary", "distance_m"] if c in near.columns]
    return near[keep].sort_values("distance_m").reset_index(drop=True), ""


# --- map data -------------------------------------------------------------------------------

def _line_coords(geom) -> list:
    lines = list(geom.geoms) if geom.geom_type == "MultiLineString" else [geom]
    return [[[round(x, 5), round(y, 5)] for x, y in line.coords] for line in lines if not line.is_empty]


def route_paths(frame: pd.DataFrame, geometry_column: str = "geometry") -> list[dict]:
    """Rows for a pydeck PathLayer, one per line part: n name, c route id, v detail (all HTML-escaped,
    because pydeck tooltips render HTML), colour purple for approximate lines, blue for real ones."""
    rows = []
    for record in frame.to_dict("records"):
        geom = record[geometry_column]
        geom = from_wkb(geom) if isinstance(geom, (bytes, bytearray)) else geom
        if geom is None or geom.is_empty:
            continue
        approximate = record.get("geometry_quality") != "exact"
        detail = (f"Step Together route, {record.get('status', '')}; "
                  + ("APPROXIMATE line drawn from the locality only, not the route walked" if approximate else "route line imported"))
        for path in _line_coords(geom):
            rows.append({"path": path, "n": html.escape(str(record.get("name", ""))), "c": html.escape(str(record.get("route_id", ""))),
                         "v": html.escape(detail), "color": APPROXIMATE_RGB if approximate else EXACT_RGB})
    return rows


APPROXIMATE_RGB, EXACT_RGB = [120, 30, 160], [0, 90, 200]


def route_markers(frame: pd.DataFrame, geometry_column: str = "geometry") -> list[dict]:
    """One dot per route at the middle of its line, so short routes stay visible on a regional map
    (same escaped n, c, v text and colour as route_paths)."""
    rows = []
    for i, record in enumerate(frame.to_dict("records")):
        paths = route_paths(frame.iloc[[i]], geometry_column)
        if not paths:
            continue
        geom = record[geometry_column]
        geom = from_wkb(geom) if isinstance(geom, (bytes, bytearray)) else geom
        mid = geom.interpolate(0.5, normalized=True)
        rows.append({"lon": round(mid.x, 5), "lat": round(mid.y, 5), **{k: paths[0][k] for k in ("n", "c", "v", "color")}})
    return rows


def with_session_lines(routes: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Routes with uploaded (session-only, not imported) lines in place of their stored geometry."""
    if lines is None or lines.empty:
        return routes
    routes = routes.copy()
    by_id = lines.set_index("route_id")["geometry"]
    hit = routes["route_id"].isin(by_id.index)
    routes.loc[hit, "geometry"] = routes.loc[hit, "route_id"].map(by_id)
    routes.loc[hit, "geometry_quality"] = "exact"
    routes.loc[hit, "method"] = "Uploaded in this browser session for preview (not imported)."
    return routes


def place_labels(places: pd.DataFrame) -> pd.DataFrame:
    """Short map labels: a place's name up to its first comma, colon or bracket."""
    short = places["name"].str.split(r"[,:(]", regex=True).str[0].str.strip()
    return places.assign(name=short)[["name", "lon", "lat"]]


def route_table(routes: pd.DataFrame) -> pd.DataFrame:
    """The routes as a table (the accessible alternative to the map)."""
    table = routes.assign(geometry_shown=routes["geometry_quality"].map({"exact": "route line", "approximate": "APPROXIMATE"}))
    return table[["name", "la_name", "status", "locality", "geometry_shown", "method", "citation", "route_id"]].rename(
        columns={"la_name": "local authority", "geometry_shown": "line shown"})


def place_outline_rows(places: pd.DataFrame) -> list[dict]:
    """Outline rows (as geo.mapview.polygon_rows makes them) for the impact areas, keyed by place id."""
    from geo import mapview

    if places.empty:
        return []
    return mapview.polygon_rows(places.rename(columns={"place_id": "code"}), tolerance=0)


def polygon_coords(polygon) -> list:
    parts = list(polygon.geoms) if polygon.geom_type == "MultiPolygon" else [polygon]
    return [[[round(x, 5), round(y, 5)] for x, y in part.exterior.coords] for part in parts][0]


def crime_points(crimes: pd.DataFrame) -> list[dict]:
    """Scatterplot rows: red for serious violence, grey otherwise; text escaped for the tooltip."""
    return [{"lon": r.lon, "lat": r.lat, "n": html.escape(str(r.crime_type)), "c": html.escape(str(r.month)),
             "v": html.escape(f"{r.location} ({r.distance_m:.0f} m from the line)"),
             "f": [200, 0, 0, 200] if r.serious_violence else [90, 90, 90, 160]} for r in crimes.itertuples(index=False)]


def fit_view(bounds: tuple[float, float, float, float], width_px: int = 900, height_px: int = 420, padding: float = 0.15):
    """A pydeck view that fits lon/lat bounds into a map of the given pixel size (Web Mercator, 512 px tiles)."""
    import pydeck as pdk

    minx, miny, maxx, maxy = bounds
    lat = (miny + maxy) / 2
    dx = max(maxx - minx, 1e-4) * (1 + 2 * padding)
    dy = max(maxy - miny, 1e-4) * (1 + 2 * padding)
    zoom_x = math.log2(width_px * 360 / (512 * dx))
    zoom_y = math.log2(height_px * 360 * math.cos(math.radians(lat)) / (512 * dy))
    return pdk.ViewState(longitude=(minx + maxx) / 2, latitude=lat, zoom=float(np.clip(min(zoom_x, zoom_y), 5, 17)))


def view_of(line_lonlat, buffer_m: float, height_px: int = 420):
    """A map view framing a route and its corridor."""
    return fit_view(buffer_polygon(line_lonlat, buffer_m).bounds, height_px=height_px, padding=0.6)


def view_of_place(places: pd.DataFrame, place_id: str, height_px: int = 420):
    """A map view framing one impact area."""
    geom = from_wkb(places.loc[places["place_id"] == place_id, "display"].iloc[0])
    return fit_view(geom.bounds, height_px=height_px)


def interventions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not has_table(con, "interventions"):
        return pd.DataFrame()
    return con.execute("SELECT * FROM interventions").df()


def buffer_polygon(line_lonlat, buffer_m: float):
    """The corridor (buffer in BNG metres) as a lon/lat polygon, for drawing."""
    return geom_to_lonlat(geom_to_bng(line_lonlat).buffer(float(buffer_m)))


def routes_by_status(routes: pd.DataFrame) -> dict[str, int]:
    """How many of the routes shown are live, in development, ..."""
    return routes.groupby("status").size().to_dict() if not routes.empty else {}
