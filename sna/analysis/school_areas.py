"""What lies around each school: the LSOAs within a radius, the crimes near it, its primary schools.

The expensive geometry (projection to British National Grid metres, spatial indexes) is done once per
database in `project`; `component_values` then answers a radius with a few vectorised queries. The
priority score (sna.analysis.priority) turns these raw values into percentiles and a rank.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import shapely

from geo import from_wkb
from geo.points import geom_to_bng, to_bng
from sna import db
from sna.errors import ConfigError, DatabaseError

IOD25_VIOLENCE = ("iod25_violence_with_injury", "iod25_public_order_weapons")
IOD25_IMD = "iod25_imd_score"


@dataclass(frozen=True)
class PriorityInputs:
    """Everything the score needs, read once from the database (no geometry work yet)."""

    schools: pd.DataFrame  # the `schools` table
    lsoa21: pd.DataFrame  # code, pop_total, geometry (WKB), violence, imd
    lsoa11: pd.DataFrame  # code, geometry (WKB), idaci_numerator, children_0_15
    crimes: pd.DataFrame  # lon, lat, month (violence, robbery, weapons)
    months: tuple[str, ...]  # police.uk months held


def load_inputs(con: duckdb.DuckDBPyConnection) -> PriorityInputs:
    """Read the schools, the LSOA measures and the crime points; a clear error if the build is too old."""
    missing = {"schools", "idaci19_lsoa11", "crimes", "areas", "indicator_values"} - db.tables(con)
    if missing:
        raise DatabaseError(f"The database lacks {sorted(missing)}: rebuild it with `python -m sna build`.")
    schools = db.schools(con)
    lsoa21 = db.lsoa21_for_scores(con)
    lsoa21["violence"] = sum(lsoa21["code"].map(db.latest_values(con, i, "lsoa21")) for i in IOD25_VIOLENCE)
    lsoa21["imd"] = lsoa21["code"].map(db.latest_values(con, IOD25_IMD, "lsoa21"))
    crimes = db.serious_violence_points(con)
    return PriorityInputs(schools, lsoa21, db.idaci19(con), crimes, tuple(db.police_months(con)))


def bng_geometries(wkb: pd.Series) -> np.ndarray:
    """LSOA polygons (WKB, EPSG:4326) in British National Grid metres."""
    return geom_to_bng(from_wkb(wkb))


def members(school_xy: np.ndarray, polygons_bng: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(school index, polygon index) pairs: polygons intersecting the circle of radius_m around each school."""
    if radius_m <= 0:
        raise ConfigError("The radius must be positive (metres).")
    tree = shapely.STRtree(polygons_bng)
    school_idx, poly_idx = tree.query(shapely.points(school_xy), predicate="dwithin", distance=float(radius_m))
    order = np.lexsort((poly_idx, school_idx))
    return school_idx[order], poly_idx[order]


def weighted_mean(school_idx: np.ndarray, area_idx: np.ndarray, values: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Per school: sum(w*v)/sum(w) over its areas with a value (NaN where none has one)."""
    v, w = values[area_idx], weights[area_idx]
    ok = ~np.isnan(v) & ~np.isnan(w)
    num = np.bincount(school_idx[ok], weights=(v * w)[ok], minlength=n)
    den = np.bincount(school_idx[ok], weights=w[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def points_within(school_xy: np.ndarray, points_xy: np.ndarray, radius_m: float) -> np.ndarray:
    """Per school: the number of points within radius_m (metres)."""
    if not len(points_xy):
        return np.zeros(len(school_xy))
    tree = shapely.STRtree(shapely.points(points_xy))
    school_idx, _ = tree.query(shapely.points(school_xy), predicate="dwithin", distance=float(radius_m))
    return np.bincount(school_idx, minlength=len(school_xy)).astype(float)


@dataclass(frozen=True)
class Geometry:
    """Projected geometry, computed once per database (the expensive part of a new radius is the query)."""

    school_xy: np.ndarray  # BNG metres of the schools with coordinates (rows of `located`)
    located: np.ndarray  # positional index into inputs.schools
    lsoa21: np.ndarray
    lsoa11: np.ndarray
    crime_xy: np.ndarray


def project(inputs: PriorityInputs) -> Geometry:
    schools = inputs.schools
    located = np.flatnonzero(schools["has_coordinates"].to_numpy())
    sx, sy = to_bng(schools["lon"].to_numpy()[located], schools["lat"].to_numpy()[located])
    cx, cy = to_bng(inputs.crimes["lon"].to_numpy(), inputs.crimes["lat"].to_numpy())
    return Geometry(np.column_stack([sx, sy]), located, bng_geometries(inputs.lsoa21["geometry"]),
                    bng_geometries(inputs.lsoa11["geometry"]), np.column_stack([cx, cy]))


def component_values(inputs: PriorityInputs, geometry: Geometry, radius_m: float) -> pd.DataFrame:
    """Raw component values for every school (index urn), plus the LSOA counts used.
    Schools without coordinates get NaN for the area components."""
    schools = inputs.schools
    n = len(geometry.located)
    s21, a21 = members(geometry.school_xy, geometry.lsoa21, radius_m)
    s11, a11 = members(geometry.school_xy, geometry.lsoa11, radius_m)
    l21, l11 = inputs.lsoa21, inputs.lsoa11
    pop = l21["pop_total"].to_numpy(dtype=float)
    area = pd.DataFrame(index=geometry.located)
    area["violence"] = weighted_mean(s21, a21, l21["violence"].to_numpy(dtype=float), pop, n)
    area["imd"] = weighted_mean(s21, a21, l21["imd"].to_numpy(dtype=float), pop, n)
    num, kids = l11["idaci_numerator"].to_numpy(dtype=float), l11["children_0_15"].to_numpy(dtype=float)
    ok = ~np.isnan(num[a11])
    idaci_num = np.bincount(s11[ok], weights=num[a11][ok], minlength=n)
    idaci_den = np.bincount(s11[ok], weights=kids[a11][ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        area["idaci"] = np.where(idaci_den > 0, 100 * idaci_num / idaci_den, np.nan)
    area["police"] = points_within(geometry.school_xy, geometry.crime_xy, radius_m)
    area["n_lsoa21"] = np.bincount(s21, minlength=n)
    area["n_lsoa11"] = np.bincount(s11, minlength=n)
    out = pd.DataFrame(index=pd.RangeIndex(len(schools)))
    out = out.join(area)
    out["fsm"] = schools["fsm_pct"].to_numpy(dtype=float)
    out["absence"] = schools["absence_pct_1819"].to_numpy(dtype=float)
    out.index = schools["urn"].to_numpy()
    out.index.name = "urn"
    return out[["violence", "police", "idaci", "imd", "fsm", "absence", "n_lsoa21", "n_lsoa11"]]


def member_codes(inputs: PriorityInputs, geometry: Geometry, radius_m: float, urn: int) -> dict[str, list[str]]:
    """The LSOA codes (2021 and 2011) within the radius of one school (for 'why' and for tests)."""
    pos = np.flatnonzero(inputs.schools["urn"].to_numpy() == urn)
    where = np.flatnonzero(geometry.located == pos[0]) if len(pos) else []
    if not len(where):
        return {"lsoa21": [], "lsoa11": []}
    xy = geometry.school_xy[where]
    return {"lsoa21": inputs.lsoa21["code"].to_numpy()[members(xy, geometry.lsoa21, radius_m)[1]].tolist(),
            "lsoa11": inputs.lsoa11["code"].to_numpy()[members(xy, geometry.lsoa11, radius_m)[1]].tolist()}


def feeder_primaries(inputs: PriorityInputs, urn: int, radius_m: float | None = None, nearest: int | None = None) -> pd.DataFrame:
    """Open state-funded primary schools near a secondary: within radius_m, or the nearest N (distances in m)."""
    schools = inputs.schools
    me = schools[schools["urn"] == urn]
    if me.empty or not bool(me["has_coordinates"].iloc[0]):
        return pd.DataFrame(columns=["urn", "name", "la_name", "type", "pupils", "fsm_pct", "distance_m", "lon", "lat"])
    prim = schools[schools["is_primary"] & schools["has_coordinates"]].copy()
    x0, y0 = to_bng(me["lon"].to_numpy(), me["lat"].to_numpy())
    px, py = to_bng(prim["lon"].to_numpy(), prim["lat"].to_numpy())
    prim["distance_m"] = np.hypot(px - x0[0], py - y0[0]).round()
    prim = prim.sort_values("distance_m")
    if nearest:
        prim = prim.head(int(nearest))
    elif radius_m:
        prim = prim[prim["distance_m"] <= radius_m]
    return prim[["urn", "name", "la_name", "type", "pupils", "fsm_pct", "distance_m", "lon", "lat"]].reset_index(drop=True)


