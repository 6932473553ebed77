"""Map drawing for every page. area_map is the clickable map (sna.ui.deckmap: geometry sent once per
level, per-rerun classes and tooltip values, clicks back to Python); pages move to it one by one. The
pydeck layers, views and compact Deck below still serve the maps not yet moved (priority schools,
places). No tiles are reachable offline, so maps draw LA outlines and labels as layers (map_style=None);
a basemap URL can be configured for the hosted site with SNA_BASEMAP_STYLE (pydeck maps only)."""

from __future__ import annotations

import html
import json
import math
import os
from typing import Callable

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


# --- The clickable map (sna.ui.deckmap): geometry once per level, values per rerun -------------

def _bounds(frame: pd.DataFrame, geometry_column: str = "display") -> list[float]:
    geoms = from_wkb(frame[geometry_column].dropna())
    return [round(float(b), 5) for b in shapely.total_bounds(geoms)] if len(geoms) else [-2.1, 52.3, -1.7, 52.7]


def indicator_layer(index: dict[str, int], frame: pd.DataFrame, mc: MapClasses, ind: dict, level_key: str) -> dict:
    """Per-area classes and tooltip values aligned to the geometry file's order (index: code -> position).

    cls: class (-1 no data, -2 not among the areas shown); tip: short templates and one short value
    per area (the browser writes the tooltip as text, never as HTML)."""
    n = len(index)
    cls: list[int] = [-2] * n
    v: list[str | None] = [None] * n
    r: list[int | None] = [None] * n
    d: list[int | None] = [None] * n
    grey: list[int] = [0] * n
    unit = ind["unit"] or ""
    for row, c in zip(frame.itertuples(index=False), mc.classes):
        i = index.get(row.code)
        if i is None:
            continue
        cls[i] = int(c)
        split = getattr(row, "shape", None) in SPLIT_SHAPES
        grey[i] = int(split)
        v[i] = format_value(row.value, unit) + (" (drawn grey: the 2011 shape it was split from, shared with its other parts)" if split else "")
        r[i] = None if pd.isna(row.rank) else int(row.rank)
        d[i] = None if pd.isna(row.decile) else int(row.decile)
    total = int(frame["value"].notna().sum())
    tip = {"value": "{v} " + unit, "v": v, "rank": f"Rank {{r}} of {total} in the areas shown (1 = {RANK_ONE[ind['polarity']]})",
           "r": r}
    if level_key == "lsoa" and ind.get("decile_indicator"):
        tip.update(decile="National decile: {d} (1 = most deprived 10%)", d=d)
    return {"cls": cls, "pal": [list(map(int, c)) for c in mc.colours], "nodata": list(NO_DATA), "tip": tip,
            **({"grey": grey, "greycol": list(SPLIT_COLOUR)} if any(grey) else {})}


def area_map(*, key: str, level: str, values: dict, focus: pd.DataFrame, on_pick: Callable[[dict], None],
             selected: list[str] | None = None, chosen: list[str] | None = None, height: int = 540, alt: str = "Map") -> None:
    """The clickable map of one level: `values` from indicator_layer, framed on `focus` (areas with a
    display geometry, e.g. the chosen local authorities, which are also labelled). Selected areas are
    outlined in blue, areas chosen with "Select several" (or shift-click) in magenta. on_pick gets
    {"code", "add"} for a click or {"clear": True}, before the next run."""
    from sna.ui import deckmap

    geo_url, _ = deckmap.geometry(level)
    outline_url, _ = deckmap.geometry("lad")
    labels = focus["code"].tolist() if len(focus) <= 40 and focus["level"].eq("lad").all() else []
    data = {"name": key, "lib": deckmap.library_urls(), "geo": geo_url, "outline": outline_url, **values,
            "sel": list(selected or []), "multi": list(chosen or []), "labels": labels, "bounds": _bounds(focus),
            "height": height, "alt": alt}
    deckmap.mount(key, data, on_pick)


def geometry_index(level: str) -> dict[str, int]:
    """code -> position in the level's geometry file (for indicator_layer)."""
    from sna.ui import deckmap

    return deckmap.geometry(level)[1]


def apply_pick(state, payload: dict, level: str, chosen_key: str = "map_chosen") -> None:
    """What a click on the map does to the session state (a mapping): a plain click opens the area's
    profile (state["selected"] = (code, level), as the search does); "Select several" or shift-click
    adds or removes the area in state[chosen_key] (a list of codes); "Clear" empties that list."""
    if payload.get("clear"):
        state[chosen_key] = []
        return
    code = payload.get("code")
    if not isinstance(code, str) or not code:
        return
    if payload.get("add"):
        chosen = list(state.get(chosen_key) or [])
        state[chosen_key] = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
    else:
        state["selected"] = (code, level)
