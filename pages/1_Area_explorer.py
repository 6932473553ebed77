"""Area explorer: an indicator on a map of neighbourhoods, wards or local authorities, a legend, a
ranked table (the accessible alternative to the map) and a profile of any area. Renders only: the
numbers come from sna.analysis, the map pieces from sna.ui.maps."""

from __future__ import annotations

import streamlit as st

from sna import db, ui
from sna.analysis import formatting as fmt, methods, profile as pf, search as sr, values as ex
from sna.analysis.classify import scheme_labels
from sna.errors import ChoiceError
from sna.ui import charts, maps
from sna.ui import evidence, state, views

DEFAULT_INDICATOR = "iod25_violence_with_injury"


def likely_map_levels() -> list[str]:
    """The level the map will likely draw first (this session's choice, else the default indicator's)."""
    ss = st.session_state
    level = views.drawn_level(str(ss.get("indicator", DEFAULT_INDICATOR)), str(ss.get("level", "lsoa")), ui.version())
    return [level] if level else []


ui.page_setup("Area explorer", map_levels=likely_map_levels)
# A level with more areas than FULL_LIST shows its top TOP_ROWS in the table (and the list under it) until
# "Show all": 1,719 rows and options were most of the bytes of each rerun (issue 10).
FULL_LIST, TOP_ROWS = 400, 25
con = ui.cursor()
db_version = ui.version()  # cache key: the database file in use


def select_area(code: str | None, level: str | None) -> None:
    st.session_state["selected"] = (code, level) if code else None


def on_pick(key: str, level: str | None = None) -> None:
    choice = st.session_state.get(key)
    if choice:
        code, _, lvl = choice.partition("|")
        if lvl == "place":  # an impact area: its story is on the Places page
            st.session_state["open_place"] = code
        else:
            select_area(code, lvl or level)


if place_id := st.session_state.pop("open_place", None):
    st.session_state["place"] = place_id
    st.switch_page("pages/3_Places.py")

cat = ui.catalogue()
lads = ui.lad_names()
for notice in state.restore_explorer(con, cat, lads, evidence.lsoa21_names()):  # issue 12: a shared link's view
    st.info(notice)

st.title("Area explorer")

with st.sidebar:
    st.header("Choose")
    theme = st.selectbox("Theme", ex.themes(cat), key="theme", format_func=str.capitalize)
    options = ex.indicators_in(cat, theme)
    ids = list(options)
    default = ids.index(DEFAULT_INDICATOR) if DEFAULT_INDICATOR in ids else 0
    indicator_id = st.selectbox("Indicator", ids, index=default, format_func=options.get, key="indicator")
    if len(options.get(indicator_id, "")) > 34:  # the box cuts long names: show it whole
        st.caption(options[indicator_id])
    level_key = st.radio("Geography", list(ex.LEVELS), format_func=lambda k: ex.LEVELS[k].label, key="level")
    lad_codes = st.multiselect("Local authorities", list(lads), default=list(lads), format_func=lads.get, key="las",
                               placeholder="Choose one or more")
    st.header("Map classes")
    schemes = scheme_labels()
    scheme = st.selectbox("Classification", list(schemes), format_func=schemes.get, key="scheme")
    # A list, not a slider: the slider's code was 7-8 more files for a first visit to fetch before the map shows.
    k = st.selectbox("Number of classes", [3, 4, 5, 6, 7], index=2, key="k")

ind = ex.indicator(cat, indicator_id)
st.subheader(ind["title"])
st.caption(f"Unit: {ind['unit']}. Higher is {ex.POLARITY_WORDS.get(ind['polarity'], '')}. "
           f"Source: {ind['publisher']} ({ind['vintage']}), {ind['licence']}. Choose the indicator, geography and "
           "local authorities in the sidebar; hover over the map for values; click an area, or find or pick one below "
           "the map, to open its profile.")
try:
    frame = views.area_values(indicator_id, level_key, tuple(lad_codes), db_version)
except ChoiceError as exc:
    st.info(str(exc))
    st.stop()

level = ex.db_level(ind, level_key)
classes = views.classes(indicator_id, level_key, tuple(lad_codes), scheme, k, db_version)
selected = st.session_state.get("selected")

map_col, legend_col = st.columns([3, 1], gap="medium")
with map_col:
    # Geometry goes to the browser once per level; each rerun sends only classes and tooltip values.
    maps.area_map(key="map", level=level, values=views.map_values(indicator_id, level_key, tuple(lad_codes), scheme, k, db_version),
                  focus=ui.areas("lad", lad_codes), on_pick=lambda pick: maps.apply_pick(st.session_state, pick, level),
                  selected=[selected[0]] if selected and selected[1] == level else [], chosen=st.session_state.get("map_chosen", []),
                  height=540, alt=f"Map of {ind['title']} by {ex.LEVELS[level_key].noun}; the ranked table below lists the same values.")
with legend_col, st.container(key="legend"):
    st.markdown(f"**{fmt.sentence(ind['unit'])}**")
    st.html(charts.legend_html(classes.legend))
    st.caption(f"{schemes[scheme]}, {fmt.plural(len(frame), ex.LEVELS[level_key].noun)}. "
               f"{'Darker is worse.' if ind['polarity'] != 'neutral' else 'Darker is higher (neither better nor worse).'} "
               "Black lines: local authority boundaries.")
    if note := ex.shapes_note(ui.shape_counts(level)):
        st.caption(note)

find_col, about_col = st.columns(2, gap="medium")
with about_col, st.expander("About this indicator"):
    st.write(ind["definition"])
    if ind.get("aggregation_text"):
        st.write(ind["aggregation_text"])
with find_col:
    area = ui.study_area()
    query = st.text_input("Find an area by name, code or postcode" if area.has_postcodes else "Find an area by name or code",
                          key="search", placeholder=area.search_example, max_chars=sr.MAX_QUERY_CHARS)
    if not area.has_postcodes:
        st.caption("No postcode file is held for this study area, so search by postcode is not available.")
    if query.strip():
        found = sr.search(con, query)
        if found.empty:
            st.info("No area in the study area matches that search. Try a ward or LSOA name, an area code, "
                    + ("or a postcode or postcode district." if area.has_postcodes else "or a place name."))
        else:
            labels = {f"{c}|{lvl}": (f"{n}: impact area (opens on the Places page)" if lvl == "place" else f"{n} ({c}), {lab}, matched: {m}")
                      for c, n, lvl, lab, m in found[["code", "name", "level", "level_label", "matched"]].itertuples(index=False)}
            st.selectbox("Search results", list(labels), format_func=labels.get, index=None, key="search_pick",
                         placeholder=f"{len(labels)} found: choose one", on_change=on_pick, args=("search_pick",))

if selected:
    with ui.friendly_errors(), st.container(key="profile"):
        area = pf.area_record(con, selected[0], selected[1])
        prof = pf.profile(con, cat, selected[0], selected[1])
        st.subheader(f"Profile: {area['name']}")
        st.caption(f"{db.LEVEL_LABELS[area['level']]} {area['code']}"
                   + (f", in {area['lad_name']}" if area.get("lad_name") and area["level"] != "lad" else "")
                   + f". Each indicator against {ui.study_area().benchmarks}.")
        sp = pf.spine(prof)
        own_la = area["level"] == "lad"
        if not sp.empty:
            st.plotly_chart(charts.spine_figure(sp, area["name"], None if own_la else area.get("lad_name"),
                                                f"{ui.study_area().region_name} region" if ui.study_area().region_name else "Region"),
                            key="spine", config={"displayModeBar": False})
            st.caption(charts.comparison_caption() + f" Latest period of each rate or share; counts and scores are in the "
                       f"table only. Values above {pf.SPINE_LIMIT:.0f} are drawn at the edge with their value.")
        history = st.toggle("Show earlier periods", key="profile_history",
                            help="By default each indicator shows its latest period; turn on for every period held.")
        table = pf.profile_table(prof, None if own_la else area.get("lad_name"), history=history)
        link = {"Link": st.column_config.LinkColumn("Link", display_text="source page")}
        for i, (theme, rows) in enumerate(table.groupby("Theme", sort=True)):
            with st.expander(f"{fmt.sentence(theme)} ({fmt.plural(len(rows), 'indicator' if not history else 'row')})", expanded=i == 0):
                st.dataframe(rows.drop(columns="Theme"), hide_index=True, key=f"profile_table_{i}", column_config=link)
        st.caption(methods.CI_TEXT)
        evidence.stored_pack_buttons(selected[0], selected[1])  # issue 12: profile pack (PDF, CSV)
        st.button("Close profile", key="close_profile", on_click=select_area, args=(None, None))

st.divider()
with st.container(key="ranked"):
    noun = ex.LEVELS[level_key].noun
    st.subheader(f"Ranked {fmt.plural_word(noun)}")
    table = views.ranked(indicator_id, level_key, tuple(lad_codes), db_version)
    top_only = len(table) > FULL_LIST and not st.toggle(f"Show all {fmt.plural(len(table), noun)} (sortable)", key="ranked_all")
    shown = table.head(TOP_ROWS) if top_only else table
    if top_only:
        st.caption(f"Rank 1 to {TOP_ROWS} of {len(table):,}: switch on 'Show all' to sort and scroll every "
                   f"{noun}, or download the whole table.")
        # The top rows as a plain table: the sortable grid's code (some 0.5 MB) then loads only for "Show all",
        # and a first visit draws its map sooner (0.06-0.19 s in A/B runs; issue 10).
        st.html(views.ranked_top_html(indicator_id, level_key, tuple(lad_codes), TOP_ROWS, db_version))
    else:
        value_col = table.columns[4]
        st.dataframe(shown, hide_index=True, key="ranked_table", height=min(360, 38 + 35 * len(shown)),
                     column_config={value_col: st.column_config.NumberColumn(value_col, format=fmt.number_format(ind["unit"]))})
    evidence.view_buttons(frame, table, ind, level)  # issue 12: CSV with provenance, GeoPackage
    st.caption(f"Rank 1 is the {ex.RANK_ONE[ind['polarity']]} among the areas shown. "
               + ("" if top_only else "Click a column heading to sort; ") + "the table lists the same values as the map.")
    on_list = dict(zip(shown["Code"], shown["Area"]))
    st.selectbox(f"Open the profile of a {noun} in the table", list(on_list), index=None,
                 format_func=lambda c: f"{on_list[c]} ({c})", key="area", placeholder="Choose an area",
                 on_change=on_pick, args=("area", level))

# --- issue 12: a custom area (picked LSOAs or an uploaded file), its profile and pack -----------------
st.divider()
custom_codes = evidence.custom_area_block(con, lad_codes, st.session_state.get("map_chosen", []))
state.share_explorer(lads, custom_codes)
