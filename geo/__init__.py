"""Geometry: reading boundaries, repairing and simplifying them, assigning points to polygons."""

BNG = "EPSG:27700"  # British National Grid: metres, for buffers, distances and simplification
WGS84 = "EPSG:4326"  # longitude/latitude, for storage and the browser
