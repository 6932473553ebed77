"""Geometry for the browser: simplified together (no slivers), rounded, as compact polygon rows."""

from __future__ import annotations

import pandas as pd

from geo import from_wkb
from geo.boundaries import simplify_together

MAP_DECIMALS = 4  # about 7-11 m: enough for a choropleth at neighbourhood scale
SIMPLIFY_DEGREES = 0.001  # coverage simplification (shared edges stay shared): about 45-70 m


def polygon_rows(frame: pd.DataFrame, geometry_column: str = "display", tolerance: float = SIMPLIFY_DEGREES,
                 decimals: int = MAP_DECIMALS) -> list[dict]:
    """Compact rows for a polygon layer: {"c": code, "p": rings}, one per polygon part.

    The areas are simplified together as a coverage (neighbours keep their shared edges, so no
    slivers), coordinates are rounded, and nothing else is carried: values are joined per rerun
    by code. Prepare once per level and cache; never mutate the result."""
    geoms = from_wkb(frame[geometry_column])
    if tolerance > 0:
        geoms = simplify_together(geoms, tolerance)
    rows: list[dict] = []
    for code, geom in zip(frame["code"], geoms):
        if geom is None or geom.is_empty:
            continue
        for part in (geom.geoms if geom.geom_type == "MultiPolygon" else [geom]):
            rings = [part.exterior.coords, *(r.coords for r in part.interiors)]
            rows.append({"c": code, "p": [[[round(x, decimals), round(y, decimals)] for x, y in ring] for ring in rings]})
    return rows


def line_coords(geom, decimals: int = 5) -> list:
    """The parts of a (Multi)LineString as lists of [lon, lat], rounded."""
    lines = list(geom.geoms) if geom.geom_type == "MultiLineString" else [geom]
    return [[[round(x, decimals), round(y, decimals)] for x, y in line.coords] for line in lines if not line.is_empty]


def polygon_coords(polygon, decimals: int = 5) -> list:
    """The exterior ring of a polygon (the first part of a MultiPolygon) as [lon, lat] pairs."""
    parts = list(polygon.geoms) if polygon.geom_type == "MultiPolygon" else [polygon]
    return [[round(x, decimals), round(y, decimals)] for x, y in parts[0].exterior.coords]
