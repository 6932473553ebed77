"""Read official boundary files into tidy GeoDataFrames (code, name, geometry in EPSG:4326)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo import BNG, WGS84
from sna.errors import SourceError

CODE_COLUMNS = ("LSOA11CD", "lsoa21cd", "LSOA21CD", "LAD24CD", "LAD21CD", "AREACD", "WD23CD", "MSOA11CD", "code")
NAME_COLUMNS = ("LSOA11NM", "lsoa21nm", "LSOA21NM", "LAD24NM", "LAD21NM", "AREANM", "WD23NM", "MSOA11NM", "name")


def read_boundaries(path: Path, codes: set[str] | None = None) -> gpd.GeoDataFrame:
    """Areas in a boundary file as code, name, geometry (valid, EPSG:4326), optionally filtered."""
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several DataSource errors; all mean 'unreadable'
        raise SourceError(f"Cannot read boundary file {path}: {exc}. Check the file or fetch it again.") from exc
    code_col = next((c for c in CODE_COLUMNS if c in frame.columns), None)
    name_col = next((c for c in NAME_COLUMNS if c in frame.columns), None)
    if code_col is None or name_col is None:
        raise SourceError(f"Boundary file {path} has no recognised code/name columns (found {list(frame.columns)}).")
    frame = frame.rename(columns={code_col: "code", name_col: "name"})[["code", "name", "geometry"]]
    if frame.crs is None:  # TopoJSON from ONSvisual is lon/lat without a declared CRS
        frame = frame.set_crs(WGS84)
    frame = frame.to_crs(WGS84)
    if codes is not None:
        frame = frame[frame["code"].isin(codes)]
    frame = frame.copy()
    geometry = shapely.make_valid(np.asarray(frame.geometry.values, dtype=object))
    other = ~np.isin(shapely.get_type_id(geometry), POLYGONAL_TYPES)  # only these need _polygonal (England: 0 of 34,753)
    geometry[other] = [_polygonal(g) for g in geometry[other]]
    frame["geometry"] = geometry
    return frame.reset_index(drop=True)


POLYGONAL_TYPES = (3, 6)  # shapely type ids of Polygon and MultiPolygon


def _polygonal(geom):
    """make_valid can return a GeometryCollection with slivers of lines: keep the polygons."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else geom


def display_geometry(frame: gpd.GeoDataFrame, tolerance_m: float = 12.0, projected: np.ndarray | None = None) -> gpd.GeoSeries:
    """Simplified geometry for the browser, in metres, back to lon/lat.

    The areas are simplified together as a coverage, so neighbours keep one shared edge (simplifying
    each polygon alone opens slivers between them). `projected`: the geometries already in British
    National Grid where known (None where not): a shape another level shares is projected once."""
    if projected is None:
        projected = frame.geometry.to_crs(BNG).values
    else:
        projected = np.asarray(projected, dtype=object).copy()
        todo = np.flatnonzero(shapely.is_missing(projected))
        projected[todo] = frame.geometry.iloc[todo].to_crs(BNG).values  # per coordinate, as projecting them all
    simplified = simplify_together(projected, tolerance_m)
    return gpd.GeoSeries(simplified, crs=BNG, index=frame.index).to_crs(WGS84)


def simplify_together(geoms, tolerance: float):
    """Coverage simplification (shared edges stay shared). Coarse boundary sets with degenerate
    rings can make GEOS refuse (or, for all of England's LSOAs, return nothing, which shapely then fails
    to reshape: ValueError); those fall back to simplifying each polygon alone. Missing
    geometries stay missing (an area held without boundaries, e.g. West Yorkshire's 2021 LSOAs;
    GEOS would return nothing for them and break the array's shape)."""
    geoms = np.asarray(geoms, dtype=object)
    present = ~shapely.is_missing(geoms)
    if not present.any():
        return geoms
    out = geoms.copy()
    try:
        out[present] = shapely.coverage_simplify(geoms[present], tolerance)
    except (shapely.errors.GEOSException, ValueError):
        out[present] = shapely.simplify(geoms[present], tolerance, preserve_topology=True)
    return out


def dissolve(frame: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    """Union polygons that share a parent code (wards from LSOAs): by, geometry, sorted by `by`.

    The same GEOS union per group as GeoDataFrame.dissolve, over slices of one sorted array: geopandas
    spent as long again in pandas per group (England's 7,000 wards: seconds)."""
    if set(frame.columns) != {by, frame.geometry.name}:
        merged = frame.dissolve(by=by, as_index=False)
    else:
        codes, keys = pd.factorize(frame[by].to_numpy(), sort=True)  # missing keys (-1) are dropped, as groupby does
        order = np.argsort(codes, kind="stable")  # each group keeps the frame's order
        bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))
        geoms = np.asarray(frame.geometry.values, dtype=object)[order]
        parts = [shapely.union_all(geoms[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
        merged = gpd.GeoDataFrame({by: np.asarray(keys, dtype=object), "geometry": parts}, geometry="geometry", crs=frame.crs)
    merged["geometry"] = shapely.make_valid(merged.geometry.values)
    return merged
