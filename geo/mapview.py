"""Map building blocks for pydeck: compact GeoJSON, colour ramps by polarity, outline layers.

No tiles are reachable offline, so maps draw LA outlines and labels as layers (map_style=None);
a basemap URL can be configured for the hosted site with SNA_BASEMAP_STYLE.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

# ColorBrewer YlOrRd (colour-blind safe, sequential), light to dark.
SEQUENTIAL = [(255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38),
              (128, 0, 38), (90, 0, 30)]
NO_DATA = (200, 200, 200)
COORD_DECIMALS = 5  # about a metre: plenty for a screen, a third of the bytes of full precision


def palette(k: int, polarity: str) -> list[tuple[int, int, int]]:
    """k colours, darkest for the 'worse' end: reversed when lower values are worse."""
    idx = np.linspace(0, len(SEQUENTIAL) - 1, max(k, 1)).round().astype(int)
    colours = [SEQUENTIAL[i] for i in idx]
    return colours[::-1] if polarity == "lower_worse" else colours


def _rounded(coords):
    return [[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y in coords]


def _geometry_json(geom) -> dict:
    polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    rings = [[_rounded(p.exterior.coords), *(_rounded(r.coords) for r in p.interiors)] for p in polygons if not p.is_empty]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


def feature_collection(frame: pd.DataFrame, properties: list[str], geometry_column: str = "display") -> dict:
    """GeoJSON with rounded coordinates and only the named properties (small payloads)."""
    geoms = shapely.from_wkb(frame[geometry_column].to_numpy())
    records = frame[properties].to_dict("records")
    features = [{"type": "Feature", "geometry": _geometry_json(g), "properties": r}
                for g, r in zip(geoms, records) if g is not None]
    return {"type": "FeatureCollection", "features": features}


def view_for(frame: pd.DataFrame, geometry_column: str = "display") -> pdk.ViewState:
    geoms = shapely.from_wkb(frame[geometry_column].dropna().to_numpy())
    minx, miny, maxx, maxy = shapely.total_bounds(geoms) if len(geoms) else (-1.9, 52.45, -1.9, 52.45)
    span = max(maxx - minx, (maxy - miny) * 1.6, 0.01)
    zoom = float(np.clip(np.log2(360 / span) - 0.6, 5, 16))
    return pdk.ViewState(longitude=(minx + maxx) / 2, latitude=(miny + maxy) / 2, zoom=zoom)


def outline_layer(frame: pd.DataFrame, layer_id: str = "outlines", width: int = 2) -> pdk.Layer:
    return pdk.Layer("GeoJsonLayer", feature_collection(frame, ["name"]), id=layer_id, stroked=True, filled=False,
                     get_line_color=[40, 40, 40], line_width_min_pixels=width, pickable=False)


def label_layer(frame: pd.DataFrame, layer_id: str = "labels") -> pdk.Layer:
    data = frame[["name", "lon", "lat"]].dropna().to_dict("records")
    return pdk.Layer("TextLayer", data, id=layer_id, get_position=["lon", "lat"], get_text="name", get_size=13,
                     get_color=[20, 20, 20], get_text_anchor="'middle'", background=True,
                     get_background_color=[255, 255, 255, 190], pickable=False)


def deck(layers: list[pdk.Layer], view: pdk.ViewState, tooltip: dict | None = None) -> pdk.Deck:
    style = os.environ.get("SNA_BASEMAP_STYLE") or None
    return pdk.Deck(layers=layers, initial_view_state=view, map_style=style, tooltip=tooltip or False, map_provider=None if style is None else "carto")
