"""What is drawn over a choropleth: schools, Step Together routes, impact areas, crimes, a radius.

Each function turns rows from sna.analysis / sna.db into one overlay of the map component
(sna.ui.maps.area_map): a plain dict of columns sent inline on every rerun, so it is kept small:
coordinates rounded to 5 decimals (about 1 m) and flattened ([lon, lat, lon, lat, ...]), colours
as a palette plus one index per feature. Tooltip text is plain text (the browser never reads it as
HTML), so names are carried as they are. A feature of an overlay made with pick=True is clickable:
the click comes back to Python as {"layer": its id, "id": the feature's id}."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

from geo import from_wkb
from geo.points import circle_lonlat
from sna.analysis.classify import NO_DATA, classify, hex_colour, palette
from sna.analysis.corridors import buffer_polygon, place_labels
from sna.ui.maps import palette_index

SECONDARY_COLOUR = [31, 90, 135]
SELECTED_COLOUR = [230, 0, 126]
PRIMARY_COLOUR = [0, 158, 115]
APPROXIMATE_RGB, EXACT_RGB = [120, 30, 160], [0, 90, 200]
PLACE_COLOUR = [0, 0, 0]
DECIMALS = 5


# --- Generic overlays (columns) -----------------------------------------------------------------

def _colours(colours) -> dict:
    """One colour for all features ({"pal": [c]}) or a palette and one index per feature."""
    if not colours or isinstance(colours[0], (int, np.integer)):
        return {"pal": [[int(v) for v in (colours or [0, 0, 0])]]}
    pal, index = palette_index(colours)
    return {"pal": pal} if len(pal) == 1 else {"pal": pal, "c": index}


def _rounded(values) -> list[float]:
    return [round(float(v), DECIMALS) for v in values]


def _flat(coords) -> list[float]:
    return _rounded(v for xy in coords for v in xy[:2])


def _optional(tips, ids, pick: bool) -> dict:
    out: dict = {}
    if tips is not None:
        out["tip"] = [str(t) for t in tips]
    if ids is not None:
        out["ids"] = [i.item() if isinstance(i, np.generic) else i for i in ids]
    if pick:
        out["pick"] = True
    return out


def points(layer_id: str, lon, lat, colours, tips=None, ids=None, radius: float = 5, line: list[int] | None = None,
           pick: bool = False) -> dict:
    """Dots of `radius` screen pixels (a white rim of 1 px when line is given)."""
    out = {"type": "points", "id": layer_id, "lon": _rounded(lon), "lat": _rounded(lat), "r": radius, **_colours(colours),
           **_optional(tips, ids, pick)}
    if line is not None:
        out["line"] = list(line)
    return out


def paths(layer_id: str, lines: list, colours, tips=None, ids=None, width: float = 4, pick: bool = False) -> dict:
    """Lines, each a list of (lon, lat), `width` screen pixels wide."""
    return {"type": "paths", "id": layer_id, "paths": [_flat(line) for line in lines], "w": width, **_colours(colours),
            **_optional(tips, ids, pick)}


def outlines(layer_id: str, polygons: list, colour: list[int], width: float = 2, fill: list[int] | None = None,
             tips=None, ids=None) -> dict:
    """Polygons (shapely, any parts and holes) drawn as outlines, with a light fill when `fill` is given."""
    rings, features = [], []
    for n, geom in enumerate(polygons):
        if geom is None or geom.is_empty:
            continue
        for part in getattr(geom, "geoms", [geom]):
            rings.append([_flat(part.exterior.coords), *(_flat(r.coords) for r in part.interiors)])
            features.append(n)
    out = {"type": "outlines", "id": layer_id, "rings": rings, "w": width, **_colours(colour),
           **_optional(None if tips is None else [tips[n] for n in features],
                       None if ids is None else [ids[n] for n in features], False)}
    if fill is not None:
        out["fill"] = list(fill)
    return out


def labels(layer_id: str, frame: pd.DataFrame) -> dict:
    """Text labels at (lon, lat) of a frame with columns name, lon, lat."""
    located = frame[["name", "lon", "lat"]].dropna()
    return {"type": "labels", "id": layer_id, "lon": _rounded(located["lon"]), "lat": _rounded(located["lat"]),
            "text": [str(t) for t in located["name"]], "pal": [[27, 38, 49]]}


# --- Views --------------------------------------------------------------------------------------

def bounds_around(lon: float, lat: float, radius_m: float, margin: float = 1.25) -> list[float]:
    """[west, south, east, north] of a circle of radius_m (times margin) around a point: a view that
    shows a school's radius and its nearby primaries."""
    dy = max(radius_m, 250) * margin / 111_320
    dx = dy / max(math.cos(math.radians(lat)), 0.1)
    return [round(lon - dx, DECIMALS), round(lat - dy, DECIMALS), round(lon + dx, DECIMALS), round(lat + dy, DECIMALS)]


def bounds_of(geom, margin: float = 0.15) -> list[float]:
    """The bounds of a shape, widened by `margin` of its size on every side."""
    minx, miny, maxx, maxy = geom.bounds
    dx, dy = max(maxx - minx, 1e-3) * margin, max(maxy - miny, 1e-3) * margin
    return [round(v, DECIMALS) for v in (minx - dx, miny - dy, maxx + dx, maxy + dy)]


# --- Schools ------------------------------------------------------------------------------------

def choropleth_values(index: dict[str, int], values: pd.DataFrame, polarity: str, k: int = 5) -> tuple[dict, list[tuple[str, str]]]:
    """The base layer's per-area classes (aligned to the geometry file's order, index: code -> position),
    palette and tooltip values, and a legend [(hex colour, class label)], from an indicator's LSOA
    values (columns area_code, name, value) in k quantile classes."""
    classes = classify(values["value"], "quantiles", k)
    colours = palette(len(classes.bins), polarity)
    cls: list[int] = [-2] * len(index)
    v: list[str | None] = [None] * len(index)
    for row, c in zip(values.itertuples(index=False), classes.classes):
        i = index.get(row.area_code)
        if i is None:
            continue
        cls[i] = int(c)
        v[i] = "no data" if pd.isna(row.value) else f"{row.value:,.1f}"
    legend = [(hex_colour(c), label) for c, label in zip(colours, classes.labels(lambda v: f"{v:,.1f}"))]
    # The browser writes "name (code)" from the geometry file, then the value line.
    return {"cls": cls, "pal": [list(map(int, c)) for c in colours], "nodata": list(NO_DATA), "tip": {"value": "{v}", "v": v}}, legend


def school_points(layer_id: str, frame: pd.DataFrame, colour: list[int], label: str, radius: float = 5,
                  pick: bool = False) -> dict:
    """Schools with coordinates as dots; the tooltip names the school, its URN and, when ranked, rank and score."""
    located = frame[frame["lon"].notna() & frame["lat"].notna()]
    tips = []
    for row in located.itertuples(index=False):
        extra = f" - rank {int(row.rank)}, score {row.score:.0f}" if "rank" in located and not pd.isna(getattr(row, "rank", np.nan)) else ""
        tips.append(f"{row.name}\n{label}, URN {row.urn}{extra}")
    return points(layer_id, located["lon"], located["lat"], colour, tips, [int(u) for u in located["urn"]], radius,
                  line=[255, 255, 255], pick=pick)


def radius_outline(lon: float, lat: float, radius_m: float) -> dict:
    """The circle of radius_m around the selected school."""
    return outlines("radius", [shapely.Polygon(circle_lonlat(lon, lat, radius_m))], SELECTED_COLOUR, 2)


# --- Routes and places --------------------------------------------------------------------------

def _geometry(value):
    return from_wkb(value) if isinstance(value, (bytes, bytearray)) else value


def _route_detail(record: dict) -> tuple[bool, str]:
    approximate = record.get("geometry_quality") != "exact"
    return approximate, (f"{record.get('name', '')} ({record.get('route_id', '')})\nStep Together route, {record.get('status', '')}; "
                         + ("APPROXIMATE line drawn from the locality only, not the route walked" if approximate else "route line imported"))


def route_paths(frame: pd.DataFrame, layer_id: str = "routes", width: float = 4, geometry_column: str = "geometry") -> dict:
    """The routes' lines, one path per line part: purple for approximate lines, blue for real ones;
    the tooltip names the route, its id, status and whether the line is approximate."""
    lines, colours, tips, ids = [], [], [], []
    for record in frame.to_dict("records"):
        geom = _geometry(record[geometry_column])
        if geom is None or geom.is_empty:
            continue
        approximate, tip = _route_detail(record)
        for part in (geom.geoms if geom.geom_type == "MultiLineString" else [geom]):
            if not part.is_empty:
                lines.append(list(part.coords))
                colours.append(APPROXIMATE_RGB if approximate else EXACT_RGB)
                tips.append(tip)
                ids.append(str(record.get("route_id", "")))
    return paths(layer_id, lines, colours, tips, ids, width)


def route_markers(frame: pd.DataFrame, geometry_column: str = "geometry") -> dict:
    """One dot per route at the middle of its line, so short routes stay visible on a regional map
    (same tooltip and colour as route_paths)."""
    lon, lat, colours, tips, ids = [], [], [], [], []
    for record in frame.to_dict("records"):
        geom = _geometry(record[geometry_column])
        if geom is None or geom.is_empty:
            continue
        approximate, tip = _route_detail(record)
        mid = geom.interpolate(0.5, normalized=True)
        lon.append(mid.x)
        lat.append(mid.y)
        colours.append(APPROXIMATE_RGB if approximate else EXACT_RGB)
        tips.append(tip)
        ids.append(str(record.get("route_id", "")))
    return points("route_markers", lon, lat, colours, tips, ids, radius=6, line=[255, 255, 255])


def route_layers(routes: pd.DataFrame) -> list[dict]:
    """Route lines and their mid-point markers."""
    return [route_paths(routes), route_markers(routes)]


def place_outlines(places: pd.DataFrame, layer_id: str = "places", width: float = 3) -> dict:
    """The impact areas' (approximate) extents as black outlines."""
    return outlines(layer_id, list(from_wkb(places["display"])) if len(places) else [], PLACE_COLOUR, width,
                    ids=list(places["place_id"]))


def place_label_layer(places: pd.DataFrame) -> dict:
    return labels("place_labels", place_labels(places))


def corridor_outline(line_lonlat, buffer_m: float) -> dict:
    """The route's corridor: a black outline with a light white fill."""
    return outlines("corridor", [buffer_polygon(line_lonlat, buffer_m)], PLACE_COLOUR, 2, fill=[255, 255, 255, 110])


def crime_points(crimes: pd.DataFrame) -> dict:
    """police.uk crimes: red for serious violence, grey otherwise; the tooltip says type, month, place and distance."""
    colours = [[200, 0, 0, 200] if s else [90, 90, 90, 160] for s in crimes["serious_violence"]] if len(crimes) else []
    tips = [f"{r.crime_type}\n{r.month}: {r.location} ({r.distance_m:.0f} m from the line)" for r in crimes.itertuples(index=False)]
    return points("crimes", crimes["lon"] if len(crimes) else [], crimes["lat"] if len(crimes) else [], colours or [0, 0, 0], tips,
                  radius=3)


def corridor_bounds(line_lonlat, buffer_m: float) -> list[float]:
    """A view framing a route and its corridor."""
    return bounds_of(buffer_polygon(line_lonlat, buffer_m), margin=0.3)


def place_bounds(places: pd.DataFrame, place_id: str) -> list[float]:
    """A view framing one impact area."""
    return bounds_of(from_wkb(places.loc[places["place_id"] == place_id, "display"].iloc[0]))
