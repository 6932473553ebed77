"""Bench page: the product's map (sna.ui.maps.area_map) of every LSOA of the study area on its own,
with an indicator choice and a button that reruns without changing anything (for bench_map.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402

from sna import db, ui  # noqa: E402
from sna.analysis import values as ex  # noqa: E402
from sna.ui import maps  # noqa: E402
from sna.ui import nodelay  # noqa: E402

INDICATORS = os.environ.get("SNA_BENCH_INDICATORS", "iod25_violence_with_injury,iod25_crime_score").split(",")

st.set_page_config(page_title="bench: map", layout="wide")
nodelay.once()  # the app's own server fix (sna.ui.nodelay), so the pages are compared on equal terms
st.session_state["runs"] = st.session_state.get("runs", 0) + 1
con = ui.cursor()
cat = ui.catalogue()
indicator_id = st.selectbox("Indicator", INDICATORS, key="indicator")
st.button("Rerun", key="noop")
ind = ex.indicator(cat, indicator_id)
lads = list(db.lad_names(con))
frame = ex.area_values(con, ind, "lsoa", lads)
level = ex.db_level(ind, "lsoa")
classes = ex.map_classes(frame["value"], ind, "quantiles", 5)
maps.area_map(key="map", level=level, values=maps.indicator_layer(maps.geometry_index(level), frame, classes, ind, "lsoa"),
              focus=ui.areas("lad"), on_pick=lambda pick: maps.apply_pick(st.session_state, pick, level), height=540)
with st.container(key="runs"):
    st.caption(f"run {st.session_state['runs']}")
