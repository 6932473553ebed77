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


def pack_polygons(frame: pd.DataFrame, geometry_column: str = "display", tolerance: float = SIMPLIFY_DEGREES) -> bytes:
    """The areas of one level as one binary file for the browser map, fetched once and cached.

    Layout (little-endian): uint32 header length, a UTF-8 JSON header ({codes, names, lon, lat,
    parts, rings, vertices}, space-padded to 4 bytes), then uint32 part->area index [parts],
    uint32 part->first ring [parts + 1], uint32 ring->first vertex [rings + 1] and float32
    lon/lat pairs [2 * vertices]. Float32 is about 0.5 m here, finer than the simplification."""
    import json

    import numpy as np

    rows = polygon_rows(frame, geometry_column, tolerance)
    index = {code: i for i, code in enumerate(frame["code"])}
    part_area, part_ring, ring_vertex, coords = [], [0], [0], []
    for row in rows:
        part_area.append(index[row["c"]])
        for ring in row["p"]:
            coords.extend(ring)
            ring_vertex.append(ring_vertex[-1] + len(ring))
        part_ring.append(len(ring_vertex) - 1)

    def _num(col: str) -> list:
        return [None if pd.isna(v) else round(float(v), 5) for v in frame[col]] if col in frame else []

    header = json.dumps({"codes": frame["code"].tolist(), "names": frame["name"].astype(str).tolist(),
                         "lon": _num("lon"), "lat": _num("lat"), "parts": len(part_area),
                         "rings": len(ring_vertex) - 1, "vertices": len(coords)}, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 4)
    return b"".join([np.uint32(len(header)).tobytes(), header, np.asarray(part_area, "<u4").tobytes(),
                     np.asarray(part_ring, "<u4").tobytes(), np.asarray(ring_vertex, "<u4").tobytes(),
                     np.asarray(coords, "<f4").reshape(-1).tobytes()])
