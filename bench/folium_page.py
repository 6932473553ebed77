"""Bench page: a folium choropleth of the same 1,680 LSOAs (full-precision boundaries, as a typical
Streamlit geo app would draw them) embedded with streamlit-folium. folium loads Leaflet from a CDN, which
is not reachable offline; bench_explorer.py puts Leaflet from the npm registry in bench/static and sets
SNA_BENCH_LOCAL_LEAFLET so this page loads it from the same Streamlit server instead."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium  # noqa: E402
import geopandas as gpd  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from geo import from_wkb  # noqa: E402
from sna import db, ui  # noqa: E402
from sna.analysis import values as ex  # noqa: E402
from sna.analysis.classify import hex_colour  # noqa: E402
from sna.ui import nodelay  # noqa: E402

INDICATOR = os.environ.get("SNA_BENCH_INDICATOR", "police_serious_violence_rate")

st.set_page_config(page_title="bench: folium", layout="wide")
nodelay.once()  # the app's own server fix (sna.ui.nodelay), so the pages are compared on equal terms
con = ui.cursor()
cat = ex.catalogue(con)
ind = ex.indicator(cat, INDICATOR)
frame = ex.area_values(con, ind, "lsoa", list(db.lad_names(con)))
classes = ex.map_classes(frame["value"], ind, "quantiles", 5)
colour = {code: hex_colour(classes.colours[c]) if c >= 0 else "#c8c8c8" for code, c in zip(frame["code"], classes.classes)}
full = db.query(con, "SELECT code, name, geometry FROM areas WHERE level = 'lsoa11'")
gdf = gpd.GeoDataFrame(full[["code", "name"]], geometry=from_wkb(full["geometry"]), crs=4326)
gdf["value"] = gdf["code"].map(dict(zip(frame["code"], frame["value"])))
m = folium.Map(location=[52.5, -1.9], zoom_start=10, tiles=None)
if os.environ.get("SNA_BENCH_LOCAL_LEAFLET"):
    m.default_js = [("leaflet", "/app/static/leaflet.js"), ("jquery", "/app/static/jquery.min.js")]
    m.default_css = [("leaflet_css", "/app/static/leaflet.css")]
folium.GeoJson(gdf, style_function=lambda f: {"fillColor": colour.get(f["properties"]["code"], "#c8c8c8"), "color": "white",
                                             "weight": 0.3, "fillOpacity": 0.9},
               tooltip=folium.GeoJsonTooltip(["name", "code", "value"])).add_to(m)
st_folium(m, height=540, use_container_width=True, returned_objects=[], key="folium")
