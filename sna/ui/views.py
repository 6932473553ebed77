"""Cached readers of one map view (an indicator at a level, for some local authorities), shared by the
pages that draw it (Area explorer, Places).

They live in a module, not in the pages, on purpose: a page's decorators run again on every rerun, and
Streamlit then re-reads each cached function's source to key its cache (inspect.getsource), a few per cent
of an explorer session's CPU (issue 13). Each result is computed once per server process and database
version and shared read-only between reruns and sessions (st.cache_resource, no copy per call): callers
must not modify what they get (tests/test_explorer.py checks they stay as read)."""

from __future__ import annotations

import streamlit as st

from sna import ui
from sna.analysis import values as ex
from sna.ui import charts, maps


@st.cache_resource(show_spinner=False, max_entries=64)
def area_values(indicator_id: str, level_key: str, lad_codes: tuple[str, ...], built: str):
    """The view's rows (sna.analysis.values.area_values); `built` is ui.version(), the cache key."""
    return ex.area_values(ui.cursor(), ex.indicator(ui.catalogue(), indicator_id), level_key, list(lad_codes))


@st.cache_resource(show_spinner=False, max_entries=64)
def ranked(indicator_id: str, level_key: str, lad_codes: tuple[str, ...], built: str):
    """The view's ranked table (sorting it on every rerun was a tenth of a session's CPU)."""
    return ex.ranked_table(area_values(indicator_id, level_key, lad_codes, built), ex.indicator(ui.catalogue(), indicator_id))


@st.cache_resource(show_spinner=False, max_entries=64)
def ranked_top_html(indicator_id: str, level_key: str, lad_codes: tuple[str, ...], rows: int, built: str) -> str:
    """The first `rows` of the ranked table as a plain HTML table of text (values written as the tooltips
    write them), for st.html: built once per view, where st.table converted the rows to Arrow on every rerun."""
    table = ranked(indicator_id, level_key, lad_codes, built)
    text = ex.ranked_text(table.head(rows), ex.indicator(ui.catalogue(), indicator_id))
    return charts.text_table_html(text, right=("Rank", text.columns[4], "National decile"))  # the numbers


@st.cache_resource(show_spinner=False, max_entries=64)
def classes(indicator_id: str, level_key: str, lad_codes: tuple[str, ...], scheme: str, k: int, built: str):
    """The view's classes: one classification for the legend and the map."""
    frame = area_values(indicator_id, level_key, lad_codes, built)
    return ex.map_classes(frame["value"], ex.indicator(ui.catalogue(), indicator_id), scheme, k)


@st.cache_resource(show_spinner=False, max_entries=32)
def map_values(indicator_id: str, level_key: str, lad_codes: tuple[str, ...], scheme: str, k: int, built: str) -> dict:
    """The map's per-area classes and tooltip values (32,844 of each for England), aligned to the level's
    geometry file."""
    ind = ex.indicator(ui.catalogue(), indicator_id)
    frame = area_values(indicator_id, level_key, lad_codes, built)
    mc = classes(indicator_id, level_key, lad_codes, scheme, k, built)
    return maps.indicator_layer(maps.geometry_index(ex.db_level(ind, level_key)), frame, mc, ind, level_key)


@st.cache_resource(show_spinner=False, max_entries=256)
def drawn_level(indicator_id: str, level_key: str, built: str) -> str | None:
    """The database level a map of this indicator at this level choice draws (None for an unknown id)."""
    return ex.drawn_level(ui.catalogue(), indicator_id, level_key)
