"""Route corridors and place figures: what lies along a Step Together route and inside an impact area.

- Geometry is stored as WKB in longitude/latitude (EPSG:4326); every distance and buffer is
  computed in British National Grid metres (geo.points.to_bng).
- A place's figures come from its LSOA values with sna.aggregate.aggregate: counts summed, rates
  as summed numerators over summed denominators, scores population-weighted. Never a mean of rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString

from geo import from_wkb
from geo.points import geom_to_bng, geom_to_lonlat, to_bng
from sna import db
from sna.analysis.aggregate import aggregate

DEFAULT_BUFFER_M = 200
SCHEMATIC_LENGTH_M = 600.0  # length of an approximate (schematic) route line
SCHEMATIC_ANGLE_DEG = 30.0  # schematic lines run south-west to north-east (an arbitrary, stated choice)
PARALLEL_SPACING_M = 250.0  # routes sharing a locality are drawn as parallel lines this far apart


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

def parallel_offset(index: int, count: int, spacing_m: float = PARALLEL_SPACING_M) -> float:
    """Offset (metres) of the index-th of `count` parallel lines, so that they sit symmetrically around the centre."""
    return (index - (count - 1) / 2) * spacing_m


def schematic_line(centre_bng: tuple[float, float], index: int = 0, count: int = 1, length_m: float = SCHEMATIC_LENGTH_M) -> LineString:
    """A short straight line near a point (BNG). Routes sharing a locality (count > 1) are parallel lines
    PARALLEL_SPACING_M apart, never crossing, so each can be seen and hovered.

    It marks where a route is, not the path walked: always stored as 'approximate'."""
    angle = math.radians(SCHEMATIC_ANGLE_DEG)
    dx, dy = math.cos(angle) * length_m / 2, math.sin(angle) * length_m / 2
    shift = parallel_offset(index, count)
    x, y = centre_bng[0] - math.sin(angle) * shift, centre_bng[1] + math.cos(angle) * shift
    return LineString([(x - dx, y - dy), (x + dx, y + dy)])


def segment_line(start_bng: tuple[float, float], end_bng: tuple[float, float]) -> LineString:
    """A straight line between two points (BNG), e.g. a locality's representative point and a school."""
    return LineString([start_bng, end_bng])


def polygon_index(polygons: pd.DataFrame, geometry_column: str = "geometry") -> tuple[shapely.STRtree, np.ndarray] | None:
    """A spatial index of polygons (WKB lon/lat in `geometry_column`, codes in 'code'), for many lines
    at once (codes_crossed); None when there are none."""
    if polygons.empty:
        return None
    return shapely.STRtree(from_wkb(polygons[geometry_column])), polygons["code"].to_numpy()


def codes_crossed(line_lonlat, polygons: pd.DataFrame | tuple | None, geometry_column: str = "geometry") -> list[str]:
    """Codes of the polygons the line crosses, sorted; `polygons` a frame as polygon_index takes or its index."""
    index = polygon_index(polygons, geometry_column) if isinstance(polygons, pd.DataFrame) else polygons
    if line_lonlat is None or line_lonlat.is_empty or index is None:
        return []
    tree, codes = index
    return sorted(codes[tree.query(line_lonlat, predicate="intersects")].tolist())


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
    candidates = db.crimes_in_box(con, minx - pad_lon, miny - pad_lat, maxx + pad_lon, maxy + pad_lat)
    return crimes_near(candidates, line_lonlat, buffer_m)


def corridor_summary(crimes: pd.DataFrame) -> pd.DataFrame:
    """Counts by month and crime type (most frequent first)."""
    if crimes.empty:
        return pd.DataFrame(columns=["month", "crime_type", "crimes"])
    out = crimes.groupby(["month", "crime_type"], as_index=False).size().rename(columns={"size": "crimes"})
    return out.sort_values(["month", "crimes", "crime_type"], ascending=[True, False, True]).reset_index(drop=True)


# --- figures for the Places page ------------------------------------------------------------

def place_indicators(con: duckdb.DuckDBPyConnection, place_id: str, la_code: str) -> pd.DataFrame:
    """The key indicators for a place beside its LA, the region and England (where held)."""
    rows = []
    for key in KEY_INDICATORS:
        meta = db.indicator_meta(con, key.id)
        if meta is None:
            continue
        place = db.place_value(con, place_id, key.id)
        period = place[0] if place else db.latest_period(con, key.id)
        bench = db.la_region_england(con, key.id, period, la_code)
        rows.append({"indicator": key.label, "period": period, "place": place[1] if place else None,
                     "local authority": bench.get("la"), "region": bench.get("region"), "England": bench.get("country"),
                     "LSOAs with data": place[2] if place else 0, "how the place value is computed": meta["aggregation_text"],
                     "source": f"{meta['publisher']} ({meta['vintage']}), {meta['licence']}"})
    table = pd.DataFrame(rows)
    for column in ("place", "local authority", "region", "England"):
        table[column] = pd.to_numeric(table[column], errors="coerce").round(2)
    return table


def route_lsoa_violence(con: duckdb.DuckDBPyConnection, line_lonlat) -> pd.DataFrame:
    """IoD2025 violence with injury of the LSOAs (2021) a route line crosses."""
    empty = pd.DataFrame(columns=["lsoa21_code", "name", "violence_with_injury", "period"])
    if line_lonlat is None or line_lonlat.is_empty:
        return empty
    minx, miny, maxx, maxy = line_lonlat.bounds
    codes = codes_crossed(line_lonlat, db.lsoa21_in_box(con, minx - 0.05, miny - 0.03, maxx + 0.05, maxy + 0.03))
    return db.violence_of_lsoa21(con, codes) if codes else empty


def schools_near(con: duckdb.DuckDBPyConnection, line_lonlat, buffer_m: float) -> tuple[pd.DataFrame | None, str]:
    """Schools within buffer_m metres of a route, or None and a plain reason when the schools table is absent or empty."""
    if not db.has_table(con, "schools"):
        return None, "The database has no schools table yet: rebuild it (python -m sna build)."
    schools = db.schools(con, located_only=True)
    if schools.empty:
        return None, "The schools table is empty in this database, so the schools a route serves cannot be listed."
    near = crimes_near(schools, line_lonlat, buffer_m)
    keep = [c for c in ["urn", "name", "phase", "is_secondary", "distance_m"] if c in near.columns]
    return near[keep].sort_values("distance_m").reset_index(drop=True), ""


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



def buffer_polygon(line_lonlat, buffer_m: float):
    """The corridor (buffer in BNG metres) as a lon/lat polygon, for drawing."""
    return geom_to_lonlat(geom_to_bng(line_lonlat).buffer(float(buffer_m)))


def routes_by_status(routes: pd.DataFrame) -> dict[str, int]:
    """How many of the routes shown are live, in development, ..."""
    return routes.groupby("status").size().to_dict() if not routes.empty else {}
