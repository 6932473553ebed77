"""What is drawn over a choropleth: schools, Step Together routes, impact areas, crimes, a radius.

Each function turns rows from sna.analysis / sna.db into pydeck-ready records; text is HTML-escaped
because pydeck tooltips render HTML."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pydeck as pdk

from geo import from_wkb
from geo.display import line_coords, polygon_coords, polygon_rows
from geo.points import circle_lonlat
from sna.analysis.classify import NO_DATA, classify, hex_colour, palette
from sna.analysis.corridors import buffer_polygon
from sna.ui.maps import TOOLTIP_STYLE, fit_view

TOOLTIP = {"html": "<b>{n}</b> <span style='opacity:.75'>{c}</span><br/>{v}", "style": TOOLTIP_STYLE}
SCHOOL_TOOLTIP = {"html": "<b>{n}</b><br/>{t}", "style": TOOLTIP_STYLE}
SECONDARY_COLOUR = [31, 90, 135]
SELECTED_COLOUR = [230, 0, 126]
PRIMARY_COLOUR = [0, 158, 115]
APPROXIMATE_RGB, EXACT_RGB = [120, 30, 160], [0, 90, 200]
PLACE_COLOUR = (0, 0, 0)


# --- Schools ---------------------------------------------------------------------------------

def choropleth_rows(geometry_rows: list[dict], values: pd.DataFrame, polarity: str, k: int = 5) -> tuple[list[dict], list[tuple[str, str]]]:
    """PolygonLayer rows (c code, p rings, f fill, n name, t value text; text HTML-escaped) and a legend
    [(hex colour, class label)] from an indicator's LSOA values (columns area_code, name, value)."""
    classes = classify(values["value"], "quantiles", k)
    colours = palette(len(classes.bins), polarity)
    props = {}
    for row, cls in zip(values.itertuples(index=False), classes.classes):
        value = "no data" if pd.isna(row.value) else f"{row.value:,.1f}"
        props[row.area_code] = {"f": list(colours[cls]) if cls >= 0 else list(NO_DATA),
                                "n": html.escape(str(row.name)), "t": html.escape(f"{row.area_code}: {value}")}
    legend = [(hex_colour(c), label) for c, label in zip(colours, classes.labels(lambda v: f"{v:,.1f}"))]
    return [{"c": g["c"], "p": g["p"], **props[g["c"]]} for g in geometry_rows if g["c"] in props], legend


def school_points(frame: pd.DataFrame, colour: list[int], label: str) -> list[dict]:
    """ScatterplotLayer rows for schools with coordinates; names HTML-escaped (pydeck tooltips render HTML)."""
    located = frame[frame["lon"].notna() & frame["lat"].notna()]
    out = []
    for row in located.itertuples(index=False):
        extra = f" - rank {int(row.rank)}, score {row.score:.0f}" if "rank" in located and not pd.isna(getattr(row, "rank", np.nan)) else ""
        out.append({"lon": round(float(row.lon), 5), "lat": round(float(row.lat), 5), "f": colour, "u": int(row.urn),
                    "n": html.escape(str(row.name)), "t": html.escape(f"{label}, URN {row.urn}{extra}")})
    return out


def radius_layer(lon: float, lat: float, radius_m: float) -> pdk.Layer:
    return pdk.Layer("PolygonLayer", [{"p": circle_lonlat(lon, lat, radius_m)}], id="radius", get_polygon="p",
                     filled=False, stroked=True, get_line_color=SELECTED_COLOUR, line_width_min_pixels=2)


def view_around(lon: float, lat: float, radius_m: float) -> pdk.ViewState:
    """A map view centred on a school, zoomed so that its radius and nearby primaries fit."""
    zoom = float(np.clip(12.9 - np.log2(max(radius_m, 250) / 1000), 10, 16))
    return pdk.ViewState(longitude=float(lon), latitude=float(lat), zoom=zoom)


# --- Routes and places -----------------------------------------------------------------------

def _geometry(value):
    return from_wkb(value) if isinstance(value, (bytes, bytearray)) else value


def route_paths(frame: pd.DataFrame, geometry_column: str = "geometry") -> list[dict]:
    """Rows for a pydeck PathLayer, one per line part: n name, c route id, v detail (all HTML-escaped),
    colour purple for approximate lines, blue for real ones."""
    rows = []
    for record in frame.to_dict("records"):
        geom = _geometry(record[geometry_column])
        if geom is None or geom.is_empty:
            continue
        approximate = record.get("geometry_quality") != "exact"
        detail = (f"Step Together route, {record.get('status', '')}; "
                  + ("APPROXIMATE line drawn from the locality only, not the route walked" if approximate else "route line imported"))
        for path in line_coords(geom):
            rows.append({"path": path, "n": html.escape(str(record.get("name", ""))), "c": html.escape(str(record.get("route_id", ""))),
                         "v": html.escape(detail), "color": APPROXIMATE_RGB if approximate else EXACT_RGB})
    return rows


def route_markers(frame: pd.DataFrame, geometry_column: str = "geometry") -> list[dict]:
    """One dot per route at the middle of its line, so short routes stay visible on a regional map
    (same escaped n, c, v text and colour as route_paths)."""
    rows = []
    for i, record in enumerate(frame.to_dict("records")):
        paths = route_paths(frame.iloc[[i]], geometry_column)
        if not paths:
            continue
        mid = _geometry(record[geometry_column]).interpolate(0.5, normalized=True)
        rows.append({"lon": round(mid.x, 5), "lat": round(mid.y, 5), **{k: paths[0][k] for k in ("n", "c", "v", "color")}})
    return rows


def route_layers(routes: pd.DataFrame, layer_id: str = "routes") -> list[pdk.Layer]:
    """Route lines and their mid-point markers."""
    return [pdk.Layer("PathLayer", route_paths(routes), id=layer_id, get_path="path", get_color="color", width_min_pixels=4,
                      pickable=True, auto_highlight=True),
            pdk.Layer("ScatterplotLayer", route_markers(routes), id="route_markers", get_position=["lon", "lat"],
                      get_fill_color="color", get_line_color=[255, 255, 255], stroked=True, line_width_min_pixels=2,
                      radius_min_pixels=6, get_radius=60, pickable=True)]


def place_outline_rows(places: pd.DataFrame) -> list[dict]:
    """Outline rows (as geo.display.polygon_rows makes them) for the impact areas, keyed by place id."""
    if places.empty:
        return []
    return polygon_rows(places.rename(columns={"place_id": "code"}), tolerance=0)


def corridor_layer(line_lonlat, buffer_m: float) -> pdk.Layer:
    return pdk.Layer("PolygonLayer", [{"p": polygon_coords(buffer_polygon(line_lonlat, buffer_m))}], id="corridor",
                     get_polygon="p", get_fill_color=[255, 255, 255, 110], get_line_color=[0, 0, 0], line_width_min_pixels=2)


def crime_points(crimes: pd.DataFrame) -> list[dict]:
    """Scatterplot rows: red for serious violence, grey otherwise; text escaped for the tooltip."""
    return [{"lon": r.lon, "lat": r.lat, "n": html.escape(str(r.crime_type)), "c": html.escape(str(r.month)),
             "v": html.escape(f"{r.location} ({r.distance_m:.0f} m from the line)"),
             "f": [200, 0, 0, 200] if r.serious_violence else [90, 90, 90, 160]} for r in crimes.itertuples(index=False)]


def view_of(line_lonlat, buffer_m: float, height_px: int = 420) -> pdk.ViewState:
    """A map view framing a route and its corridor."""
    return fit_view(buffer_polygon(line_lonlat, buffer_m).bounds, width_px=900, height_px=height_px, padding=0.6)


def view_of_place(places: pd.DataFrame, place_id: str, height_px: int = 420) -> pdk.ViewState:
    """A map view framing one impact area."""
    geom = from_wkb(places.loc[places["place_id"] == place_id, "display"].iloc[0])
    return fit_view(geom.bounds, width_px=900, height_px=height_px, padding=0.15)
