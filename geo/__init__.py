"""Geometry: reading boundaries, repairing and simplifying them, assigning points to polygons."""

from __future__ import annotations

import numpy as np
import shapely

BNG = "EPSG:27700"  # British National Grid: metres, for buffers, distances and simplification
WGS84 = "EPSG:4326"  # longitude/latitude, for storage and the browser

_WKB_TYPES = (bytes, bytearray, memoryview)


def from_wkb(values):
    """Shapely geometry from WKB as DuckDB returns it (bytes or bytearray). An iterable gives an
    array (None, NaN or NA stay None); a single value gives one geometry (or None)."""
    if values is None or isinstance(values, _WKB_TYPES):
        return shapely.from_wkb(bytes(values)) if values is not None else None
    return shapely.from_wkb(np.array([bytes(v) if isinstance(v, _WKB_TYPES) else None for v in values], dtype=object))
