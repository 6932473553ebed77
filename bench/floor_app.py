"""Streamlit's own floor for bench/bench_load.py --app floor: a title, one selectbox and one line of text.

The load bench's sessions open a page and change its "indicator" selectbox; run against this app, the same
bench shows how a page that does almost nothing scales on this machine, so the explorer's figure can be read
against what Streamlit itself allows here. No data, no database reads; the same server fix as the app (sna.ui.nodelay)."""

import streamlit as st

from sna.ui import nodelay

nodelay.once()

st.title("Load floor")
choice = st.selectbox("Indicator", ["Violence with injury", "IoD2025 income"], key="indicator")
st.write(f"Chosen: {choice}")
