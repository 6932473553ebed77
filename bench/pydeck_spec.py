"""The pydeck map spec the product drew before the map component (sna.ui.deckmap): kept only for the
benches that compare against it (bench/pydeck_page.py, bench/bench_explorer.py, bench/bench_pages.py).
The product no longer calls st.pydeck_chart."""

from __future__ import annotations

import html
import json
import math
import os

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from geo import from_wkb
from sna.analysis.classify import NO_DATA, SPLIT_COLOUR, SPLIT_SHAPES
from sna.analysis.formatting import format_value
from sna.analysis.values import RANK_ONE, MapClasses

TOOLTIP_STYLE = {"backgroundColor": "#1b2631", "color": "white", "fontSize": "13px"}
# Streamlit's sentinel for "no basemap": without it, st.pydeck_chart fetches a Carto style from the
# internet when map_style is None (unreachable here, and a console error).
NO_BASEMAP = "__MAP_STYLE__"


def choropleth_layer(rows: list[dict], layer_id: str = "choropleth", opacity: float = 1.0) -> pdk.Layer:
    """Filled polygons coloured by each row's "f" ([r, g, b]), without per-polygon edges (they cost a
    third of the drawing time in software WebGL); pickable for tooltips."""
    return pdk.Layer("PolygonLayer", rows, id=layer_id, get_polygon="p", get_fill_color="f", filled=True,
                     stroked=False, opacity=opacity,
                     pickable=True, auto_highlight=True, highlight_color=[30, 60, 90, 120])


def boundary_layer(rows: list[dict], layer_id: str = "boundaries", colour: tuple = (40, 40, 40),
                   width: float = 1.5) -> pdk.Layer:
    """Unfilled outlines from geo.display.polygon_rows: local authority boundaries drawn over a choropleth."""
    return pdk.Layer("PolygonLayer", rows, id=layer_id, get_polygon="p", filled=False, stroked=True,
                     get_line_color=list(colour), line_width_min_pixels=width, pickable=False)


def label_layer(frame: pd.DataFrame, layer_id: str = "labels") -> pdk.Layer:
    data = frame[["name", "lon", "lat"]].dropna().to_dict("records")
    return pdk.Layer("TextLayer", data, id=layer_id, get_position=["lon", "lat"], get_text="name", get_size=14,
                     get_color=[27, 38, 49], get_text_anchor="'middle'", background=True,
                     get_background_color=[255, 255, 255, 215], background_padding=[4, 2, 4, 2], pickable=False)
    # The default font on purpose: a font_family or font_weight makes deck.gl's font atlas draw
    # tiny glyphs in Chromium's software WebGL (seen in tests/artifacts screenshots).


def fit_view(bounds: tuple[float, float, float, float], width_px: int = 640, height_px: int = 520,
             padding: float = 0.05) -> pdk.ViewState:
    """A view that fits lon/lat bounds into a map of about width_px x height_px (Web Mercator, 512 px tiles)."""
    minx, miny, maxx, maxy = bounds
    lat = (miny + maxy) / 2
    dx = max(maxx - minx, 1e-4) * (1 + 2 * padding)
    dy = max(maxy - miny, 1e-4) * (1 + 2 * padding)
    zoom_x = math.log2(width_px * 360 / (512 * dx))
    zoom_y = math.log2(height_px * 360 * math.cos(math.radians(lat)) / (512 * dy))
    return pdk.ViewState(longitude=(minx + maxx) / 2, latitude=lat, zoom=float(np.clip(min(zoom_x, zoom_y), 5, 17)))


def view_for(frame: pd.DataFrame, geometry_column: str = "display", width_px: int = 640,
             height_px: int = 520) -> pdk.ViewState:
    """A view that fits the areas' bounds (WKB in geometry_column)."""
    geoms = from_wkb(frame[geometry_column].dropna())
    bounds = shapely.total_bounds(geoms) if len(geoms) else (-1.9, 52.45, -1.9, 52.45)
    return fit_view(tuple(bounds), width_px, height_px)


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


# --- An indicator on the map ----------------------------------------------------------------

def map_rows(geometry: list[dict], frame: pd.DataFrame, mc: MapClasses, ind: dict) -> list[dict]:
    """PolygonLayer rows: geometry prepared once, joined by code to this rerun's values.

    Properties are short and pre-formatted (n name, c code, v value, r rank, d decile, f fill);
    text is HTML-escaped because pydeck tooltips render HTML."""
    unit = ind["unit"]
    total = int(frame["value"].notna().sum())
    props: dict[str, dict] = {}
    for row, cls in zip(frame.itertuples(index=False), mc.classes):
        split = getattr(row, "shape", None) in SPLIT_SHAPES
        colour = list(SPLIT_COLOUR) if split else list(mc.colours[cls]) if cls >= 0 else list(NO_DATA)
        value = format_value(row.value, unit) + (" (drawn on the 2011 shape it was split from, shared with its other parts)" if split else "")
        item = {"n": html.escape(str(row.name)), "v": html.escape(value),
                "r": f"{row.rank} of {total}" if not pd.isna(row.rank) else "not ranked", "f": colour}
        if not pd.isna(row.decile):
            item["d"] = f"{int(row.decile)}"
        props[row.code] = item
    return [{"c": g["c"], "p": g["p"], **props[g["c"]]} for g in geometry if g["c"] in props]


def tooltip(ind: dict, level_key: str) -> dict:
    """Tooltip template: name, code, value with unit, rank within the areas shown, decile where defined."""
    unit = html.escape(ind["unit"] or "")
    decile = "<br/>National decile: {d} (1 = most deprived 10%)" if level_key == "lsoa" and ind.get("decile_indicator") else ""
    first = RANK_ONE[ind["polarity"]]
    return {"html": f"<b>{{n}}</b> <span style='opacity:.75'>{{c}}</span><br/>{{v}} <i>{unit}</i>"
                    f"<br/>Rank {{r}} in the areas shown (1 = {first})" + decile,
            "style": TOOLTIP_STYLE}
