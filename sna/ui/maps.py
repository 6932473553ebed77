"""Map drawing for every page: area_map is the one map of the product (sna.ui.deckmap: geometry sent
once per level, per-rerun classes and tooltip text, small overlays inline, clicks back to Python).
No tiles are reachable offline, so maps draw LA outlines and labels as layers.

The values of the base layer come from indicator_layer (an indicator's classes, as the explorer
shows it) or colour_layer (explicit per-area colours and a plain-text tooltip each, e.g. bivariate
or hot-spot classes); overlays (points, paths, outlines, labels) are plain dicts built by the pure
functions of sna.ui.overlays."""

from __future__ import annotations

from typing import Callable

import pandas as pd
import shapely

from geo import from_wkb
from sna.analysis.classify import NO_DATA, SPLIT_COLOUR, SPLIT_SHAPES
from sna.analysis.formatting import format_values
from sna.analysis.values import RANK_ONE, MapClasses


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
    # One pass over plain Python lists (England: 32,844 areas each rerun), no per-row pandas access.
    positions = [index.get(code) for code in frame["code"].tolist()]
    texts = format_values(frame["value"].astype(float).tolist(), unit)
    splits = frame["shape"].isin(SPLIT_SHAPES).tolist() if "shape" in frame else [False] * len(frame)
    ranks = [None if x != x else int(x) for x in frame["rank"].astype(float).tolist()]
    deciles = [None if x != x else int(x) for x in frame["decile"].astype(float).tolist()]
    for i, c, text, split, rank, decile in zip(positions, mc.classes, texts, splits, ranks, deciles):
        if i is None:
            continue
        cls[i] = int(c)
        grey[i] = int(split)
        v[i] = text + (" (drawn grey: the 2011 shape it was split from, shared with its other parts)" if split else "")
        r[i] = rank
        d[i] = decile
    total = int(frame["value"].notna().sum())
    tip = {"value": "{v} " + unit, "v": v, "rank": f"Rank {{r}} of {total} in the areas shown (1 = {RANK_ONE[ind['polarity']]})",
           "r": r}
    if level_key == "lsoa" and ind.get("decile_indicator"):
        tip.update(decile="National decile: {d} (1 = most deprived 10%)", d=d)
    return {"cls": cls, "pal": [list(map(int, c)) for c in mc.colours], "nodata": list(NO_DATA), "tip": tip,
            **({"grey": grey, "greycol": list(SPLIT_COLOUR)} if any(grey) else {})}


def palette_index(colours) -> tuple[list[list[int]], list[int]]:
    """The distinct colours (first seen first) and each colour's position among them: colours travel
    to the browser as a short palette plus one small number per feature."""
    pal: dict[tuple, int] = {}
    index = [pal.setdefault(tuple(int(v) for v in c), len(pal)) for c in colours]
    return [list(c) for c in pal], index


def colour_layer(index: dict[str, int], codes: list[str], colours: list[list[int]], texts: list[str]) -> dict:
    """Explicit per-area colours (bivariate, hot-spot classes, a ramp) and one plain-text tooltip per area,
    aligned to the geometry file's order: the distinct colours become the palette, each area its index."""
    pal, which = palette_index(colours)
    cls: list[int] = [-2] * len(index)
    text: list[str | None] = [None] * len(index)
    for code, c, tip in zip(codes, which, texts):
        i = index.get(code)
        if i is None:
            continue
        cls[i] = c
        text[i] = str(tip)
    return {"cls": cls, "pal": pal, "nodata": list(NO_DATA), "text": text}


def area_map(*, key: str, level: str, values: dict, focus: pd.DataFrame, on_pick: Callable[[dict], None] | None = None,
             selected: list[str] | None = None, chosen: list[str] | None = None, height: int = 540, alt: str = "Map",
             overlays: list[dict] | None = None, bounds: list[float] | None = None, opacity: float = 1.0,
             select_areas: bool = True, labels: list[str] | None = None) -> None:
    """The map of one level: `values` from indicator_layer or colour_layer, framed on `focus` (areas with a
    display geometry, e.g. the chosen local authorities, which are then labelled) unless `bounds`
    ([west, south, east, north], e.g. overlays.bounds_around) are given. Selected areas are outlined in
    blue, areas chosen with "Select several" (or shift-click) in magenta; select_areas=False makes the
    areas tooltips only (no selection bar); `labels` names the LA codes to label instead. `overlays` (sna.ui.overlays) are drawn above, in order.
    on_pick gets, before the next run, {"code", "add"} for a click on an area, {"clear": True}, or
    {"layer", "id"} for a click on a clickable overlay feature."""
    from sna.ui import deckmap

    geo_url, _ = deckmap.geometry(level)
    outline_url, _ = deckmap.geometry("lad")
    if labels is None:
        labels = focus["code"].tolist() if len(focus) <= 40 and focus["level"].eq("lad").all() else []
    data = {"name": key, "lib": deckmap.library_urls(), "geo": geo_url, "outline": outline_url, **values,
            "sel": list(selected or []), "multi": list(chosen or []), "labels": labels,
            "bounds": [round(float(b), 5) for b in bounds] if bounds is not None else _bounds(focus),
            "height": height, "alt": alt}
    if overlays:
        data["overlays"] = overlays
    if opacity != 1.0:
        data["opacity"] = float(opacity)
    if not select_areas:
        data["select"] = False
    deckmap.mount(key, data, on_pick or (lambda _payload: None))


def preload(levels: list[str]) -> None:
    """Call early on a page with a map (before its widgets): the browser starts fetching deck.gl, these
    levels' geometry and the LA outlines while the page's other elements are still arriving."""
    from sna.ui import deckmap

    deckmap.preload([deckmap.geometry(level)[0] for level in dict.fromkeys([*levels, "lad"])])


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
