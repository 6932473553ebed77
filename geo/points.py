"""Points against polygons: assignment, projection and buffers (in metres, British National Grid)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import BNG, WGS84


def assign_to_polygons(lon: np.ndarray, lat: np.ndarray, polygons: gpd.GeoDataFrame, code_col: str = "code") -> pd.Series:
    """Code of the polygon containing each point (None outside every polygon)."""
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    tree = shapely.STRtree(polygons.geometry.values)
    point_idx, poly_idx = tree.query(points, predicate="within")
    codes = np.full(len(points), None, dtype=object)
    # A point on a shared edge matches two polygons; keep the first, deterministically.
    order = np.lexsort((poly_idx, point_idx))
    point_idx, poly_idx = point_idx[order], poly_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    codes[point_idx[first]] = polygons[code_col].to_numpy()[poly_idx[first]]
    return pd.Series(codes)


def to_lonlat(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    transformer = Transformer.from_crs(BNG, WGS84, always_xy=True)
    return transformer.transform(np.asarray(easting, dtype=float), np.asarray(northing, dtype=float))


def to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    transformer = Transformer.from_crs(WGS84, BNG, always_xy=True)
    return transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
