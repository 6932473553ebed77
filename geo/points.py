"""Points against polygons: assignment, projection and buffers (in metres, British National Grid)."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import BNG, WGS84


def assign_to_polygons(lon: np.ndarray, lat: np.ndarray, polygons: gpd.GeoDataFrame, code_col: str = "code") -> pd.Series:
    """Code of the polygon containing each point (None outside every polygon).

    The points go in the tree and each polygon asks which it contains: GEOS prepares each polygon once
    for all its candidate points (asking per point which polygons it lies within prepares only the point)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    finite = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))  # a point without coordinates is in no polygon
    tree = shapely.STRtree(shapely.points(lon[finite], lat[finite]))
    poly_idx, point_idx = tree.query(np.asarray(polygons.geometry.values), predicate="contains")
    point_idx = finite[point_idx]
    codes = np.full(len(lon), None, dtype=object)
    # A point on a shared edge matches two polygons; keep the first, deterministically.
    order = np.lexsort((poly_idx, point_idx))
    point_idx, poly_idx = point_idx[order], poly_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    codes[point_idx[first]] = polygons[code_col].to_numpy()[poly_idx[first]]
    return pd.Series(codes)


@lru_cache(maxsize=2)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)  # building one costs ~50 ms: build each once


def to_lonlat(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _transformer(BNG, WGS84).transform(np.asarray(easting, dtype=float), np.asarray(northing, dtype=float))


def to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _transformer(WGS84, BNG).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def geom_to_bng(geom):
    """Shapely geometry (or array of them) in lon/lat -> the same in British National Grid metres."""
    return shapely.transform(geom, lambda xy: np.column_stack(to_bng(xy[:, 0], xy[:, 1])))


def geom_to_lonlat(geom):
    """Shapely geometry (or array of them) in British National Grid metres -> lon/lat."""
    return shapely.transform(geom, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))


def circle_lonlat(lon: float, lat: float, radius_m: float, n: int = 64) -> list[list[float]]:
    """A circle of radius_m metres (drawn in British National Grid) around a lon/lat point, as a lon/lat ring."""
    x0, y0 = to_bng(np.array([lon]), np.array([lat]))
    angles = np.linspace(0, 2 * np.pi, n)
    lons, lats = to_lonlat(x0[0] + radius_m * np.cos(angles), y0[0] + radius_m * np.sin(angles))
    return [[round(float(a), 5), round(float(b), 5)] for a, b in zip(lons, lats)]
