"""Bench page: the explorer's pydeck choropleth of the 1,680 West Midlands LSOAs (2011), built with the
same functions as pages/1_Area_explorer.py, on its own (for the browser timing in bench_explorer.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import streamlit as st  # noqa: E402

from geo.display import polygon_rows  # noqa: E402
from sna import db, ui  # noqa: E402
from sna.analysis import values as ex  # noqa: E402
import pydeck_spec as mapview  # noqa: E402  (the pydeck spec the product drew before)
from sna.ui import nodelay  # noqa: E402

INDICATOR = os.environ.get("SNA_BENCH_INDICATOR", "police_serious_violence_rate")

st.set_page_config(page_title="bench: pydeck", layout="wide")
nodelay.once()  # the app's own server fix (sna.ui.nodelay), so the pages are compared on equal terms
con = ui.cursor()
if os.environ.get("SNA_BENCH_TRIVIAL"):  # the floor: one small layer, same server and browser
    lad = db.areas(con, "lad")
    st.pydeck_chart(mapview.deck([mapview.label_layer(lad)], mapview.view_for(lad)), height=540, key="map")
    st.stop()


@st.cache_resource(show_spinner=False)  # as in the explorer: geometry prepared once per server process
def geometry(level: str):
    return polygon_rows(db.areas(ui.cursor(), level))


cat = ex.catalogue(con)
ind = ex.indicator(cat, INDICATOR)
lads = list(db.lad_names(con))
frame = ex.area_values(con, ind, "lsoa", lads)
classes = ex.map_classes(frame["value"], ind, "quantiles", 5)
rows = mapview.map_rows(geometry("lsoa11"), frame, classes, ind)
lad = db.areas(con, "lad")
layers = [mapview.choropleth_layer(rows), mapview.boundary_layer(geometry("lad"), "la_boundaries"),
          mapview.label_layer(lad, "la_labels")]
st.pydeck_chart(mapview.deck(layers, mapview.view_for(lad, width_px=540), mapview.tooltip(ind, "lsoa")), height=540, key="map")
