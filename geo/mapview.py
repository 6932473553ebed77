"""Map building blocks for pydeck: compact GeoJSON, colour ramps by polarity, outline layers.

No tiles are reachable offline, so maps draw LA outlines and labels as layers (map_style=None);
a basemap URL can be configured for the hosted site with SNA_BASEMAP_STYLE.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize
import shapely

from geo import from_wkb
from geo.boundaries import simplify_together

# ColorBrewer YlOrRd (colour-blind safe, sequential), light to dark: for indicators where one end is worse.
SEQUENTIAL = [(255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38),
              (128, 0, 38), (90, 0, 30)]
# ColorBrewer PuBu (colour-blind safe, sequential): for neutral indicators (population), so that
# "darker" never reads as "worse" when neither end is worse.
NEUTRAL = [(241, 238, 246), (208, 209, 230), (166, 189, 219), (116, 169, 207), (54, 144, 192),
           (5, 112, 176), (3, 78, 123)]
RAMPS = {"higher_worse": SEQUENTIAL, "lower_worse": SEQUENTIAL, "neutral": NEUTRAL}
NO_DATA = (200, 200, 200)
MAP_DECIMALS = 4  # about 7-11 m: enough for a choropleth at neighbourhood scale
SIMPLIFY_DEGREES = 0.001  # coverage simplification (shared edges stay shared): about 45-70 m


def palette(k: int, polarity: str) -> list[tuple[int, int, int]]:
    """k colours, darkest for the 'worse' end: reversed when lower values are worse."""
    ramp = RAMPS.get(polarity, SEQUENTIAL)
    idx = np.linspace(0, len(ramp) - 1, max(k, 1)).round().astype(int)
    colours = [ramp[i] for i in idx]
    return colours[::-1] if polarity == "lower_worse" else colours


def hex_colour(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*[int(c) for c in rgb[:3]])


def polygon_rows(frame: pd.DataFrame, geometry_column: str = "display", tolerance: float = SIMPLIFY_DEGREES,
                 decimals: int = MAP_DECIMALS) -> list[dict]:
    """Compact rows for a pydeck PolygonLayer: {"c": code, "p": rings}, one per polygon part.

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


def choropleth_layer(rows: list[dict], layer_id: str = "choropleth", opacity: float = 1.0) -> pdk.Layer:
    """Filled polygons coloured by each row's "f" ([r, g, b]), without per-polygon edges (they cost a
    third of the drawing time in software WebGL); pickable for tooltips."""
    return pdk.Layer("PolygonLayer", rows, id=layer_id, get_polygon="p", get_fill_color="f", filled=True,
                     stroked=False, opacity=opacity,
                     pickable=True, auto_highlight=True, highlight_color=[30, 60, 90, 120])


def boundary_layer(rows: list[dict], layer_id: str = "boundaries", colour: tuple = (40, 40, 40),
                   width: float = 1.5) -> pdk.Layer:
    """Unfilled outlines from polygon_rows (compact): local authority boundaries drawn over a choropleth."""
    return pdk.Layer("PolygonLayer", rows, id=layer_id, get_polygon="p", filled=False, stroked=True,
                     get_line_color=list(colour), line_width_min_pixels=width, pickable=False)


def highlight_layer(rows: list[dict], layer_id: str = "selected") -> pdk.Layer:
    """A thick blue outline around the selected area (rows from polygon_rows)."""
    return boundary_layer(rows, layer_id, (0, 90, 181), 4)


def view_for(frame: pd.DataFrame, geometry_column: str = "display", width_px: int = 640,
             height_px: int = 520) -> pdk.ViewState:
    """A view that fits the areas' bounds into a map of about width_px x height_px (Web Mercator)."""
    geoms = from_wkb(frame[geometry_column].dropna())
    minx, miny, maxx, maxy = shapely.total_bounds(geoms) if len(geoms) else (-1.9, 52.45, -1.9, 52.45)
    lat = (miny + maxy) / 2
    span_x = max(maxx - minx, 0.005)
    span_y = max((maxy - miny) / np.cos(np.radians(lat)), 0.005)  # degrees of latitude stretch in Mercator
    zoom = np.log2(min(width_px / span_x, height_px / span_y) * 360 / 512) - 0.15  # 512 px tiles in deck.gl
    return pdk.ViewState(longitude=(minx + maxx) / 2, latitude=lat, zoom=float(np.clip(zoom, 5, 16)))


def label_layer(frame: pd.DataFrame, layer_id: str = "labels") -> pdk.Layer:
    data = frame[["name", "lon", "lat"]].dropna().to_dict("records")
    return pdk.Layer("TextLayer", data, id=layer_id, get_position=["lon", "lat"], get_text="name", get_size=14,
                     get_color=[27, 38, 49], get_text_anchor="'middle'", background=True,
                     get_background_color=[255, 255, 255, 215], background_padding=[4, 2, 4, 2], pickable=False)
    # The default font on purpose: a font_family or font_weight makes deck.gl's font atlas draw
    # tiny glyphs in Chromium's software WebGL (seen in tests/artifacts screenshots).


# Streamlit's sentinel for "no basemap": without it, st.pydeck_chart fetches a Carto style from the
# internet when map_style is None (unreachable here, and a console error).
NO_BASEMAP = "__MAP_STYLE__"


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents by 2, which inflates polygon data
    several-fold (every coordinate on its own line). Streamlit sends `to_json()` to the browser."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def deck(layers: list[pdk.Layer], view: pdk.ViewState, tooltip: dict | None = None) -> pdk.Deck:
    """A compact Deck; a basemap only when SNA_BASEMAP_STYLE names one (the hosted site)."""
    style = os.environ.get("SNA_BASEMAP_STYLE") or None
    return CompactDeck(layers=layers, initial_view_state=view, map_style=style or NO_BASEMAP, tooltip=tooltip or False,
                       map_provider=None if style is None else "carto")
