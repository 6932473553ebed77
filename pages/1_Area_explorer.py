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

ui.page_setup("Area explorer")
con = ui.cursor()
db_version = ui.version()  # cache key: the database file in use


# Caching on purpose: geometry is prepared once per level and server process and shared read-only
# (cache_resource: no copy per rerun); values are small and recomputed per choice (cache_data).
@st.cache_data(show_spinner=False, max_entries=64)
def values(indicator_id: str, level_key: str, lad_codes: tuple[str, ...], built: str):
    cat = ui.catalogue()
    return ex.area_values(ui.cursor(), ex.indicator(cat, indicator_id), level_key, list(lad_codes))


def select_area(code: str | None, level: str | None) -> None:
    st.session_state["selected"] = (code, level) if code else None


def on_pick(key: str, level: str | None = None) -> None:
    choice = st.session_state.get(key)
    if choice:
        code, _, lvl = choice.partition("|")
        select_area(code, lvl or level)


cat = ui.catalogue()
lads = db.lad_names(con)

st.title("Area explorer")

with st.sidebar:
    st.header("Choose")
    theme = st.selectbox("Theme", ex.themes(cat), key="theme", format_func=str.capitalize)
    options = ex.indicators_in(cat, theme)
    ids = list(options)
    default = ids.index("iod25_violence_with_injury") if "iod25_violence_with_injury" in ids else 0
    indicator_id = st.selectbox("Indicator", ids, index=default, format_func=options.get, key="indicator")
    level_key = st.radio("Geography", list(ex.LEVELS), format_func=lambda k: ex.LEVELS[k].label, key="level")
    lad_codes = st.multiselect("Local authorities", list(lads), default=list(lads), format_func=lads.get, key="las",
                               placeholder="Choose one or more")
    st.header("Map classes")
    schemes = scheme_labels()
    scheme = st.selectbox("Classification", list(schemes), format_func=schemes.get, key="scheme")
    k = st.slider("Number of classes", min_value=3, max_value=7, value=5, key="k")

ind = ex.indicator(cat, indicator_id)
st.subheader(ind["title"])
st.caption(f"Unit: {ind['unit']}. Higher is {ex.POLARITY_WORDS.get(ind['polarity'], '')}. "
           f"Source: {ind['publisher']} ({ind['vintage']}), {ind['licence']}. Choose the indicator, geography and "
           "local authorities in the sidebar; hover over the map for values; click an area, or find or pick one below "
           "the map, to open its profile.")
with st.expander("About this indicator"):
    st.write(ind["definition"])
    if ind.get("aggregation_text"):
        st.write(ind["aggregation_text"])

try:
    frame = values(indicator_id, level_key, tuple(lad_codes), db_version)
except ChoiceError as exc:
    st.info(str(exc))
    st.stop()

level = ex.db_level(ind, level_key)
classes = ex.map_classes(frame["value"], ind, scheme, k)
selected = st.session_state.get("selected")

map_col, legend_col = st.columns([3, 1], gap="medium")
with map_col:
    # Geometry goes to the browser once per level; each rerun sends only classes and tooltip values.
    maps.area_map(key="map", level=level, values=maps.indicator_layer(maps.geometry_index(level), frame, classes, ind, level_key),
                  focus=ui.areas("lad").query("code in @lad_codes"), on_pick=lambda pick: maps.apply_pick(st.session_state, pick, level),
                  selected=[selected[0]] if selected and selected[1] == level else [], chosen=st.session_state.get("map_chosen", []),
                  height=540, alt=f"Map of {ind['title']} by {ex.LEVELS[level_key].noun}; the ranked table below lists the same values.")
with legend_col, st.container(key="legend"):
    st.markdown(f"**{fmt.sentence(ind['unit'])}**")
    st.table(charts.legend_styler(classes.legend))
    st.caption(f"{schemes[scheme]}, {len(frame)} {ex.LEVELS[level_key].noun}s. "
               f"{'Darker is worse.' if ind['polarity'] != 'neutral' else 'Darker is higher (neither better nor worse).'} "
               "Black lines: local authority boundaries.")

st.divider()
find_col, pick_col = st.columns(2, gap="medium")
with find_col:
    query = st.text_input("Find an area by name, code or postcode", key="search", placeholder="e.g. Ladywood, E01033625 or B1 1AY")
    if query.strip():
        found = sr.search(con, query)
        if found.empty:
            st.info(f"No area in the study area matches '{query.strip()}'. Try a ward or LSOA name, a code such as "
                    "E05011151, or a full postcode such as B1 1AY.")
        else:
            labels = {f"{c}|{lvl}": f"{n} ({c}), {lab}, matched by {m}"
                      for c, n, lvl, lab, m in found[["code", "name", "level", "level_label", "matched"]].itertuples(index=False)}
            st.selectbox("Search results", list(labels), format_func=labels.get, index=None, key="search_pick",
                         placeholder=f"{len(labels)} found: choose one", on_change=on_pick, args=("search_pick",))
with pick_col:
    on_screen = dict(zip(frame["code"], frame["name"]))
    st.selectbox(f"Or open the profile of a {ex.LEVELS[level_key].noun} on the map", list(on_screen), index=None,
                 format_func=lambda c: f"{on_screen[c]} ({c})", key="area", placeholder="Choose an area",
                 on_change=on_pick, args=("area", level))

if selected:
    with ui.friendly_errors(), st.container(key="profile"):
        area = pf.area_record(con, selected[0], selected[1])
        prof = pf.profile(con, cat, selected[0], selected[1])
        st.subheader(f"Profile: {area['name']}")
        st.caption(f"{db.LEVEL_LABELS[area['level']]} {area['code']}"
                   + (f", in {area['lad_name']}" if area.get("lad_name") and area["level"] != "lad" else "")
                   + ". Each indicator against its local authority, the West Midlands region and England.")
        sp = pf.spine(prof)
        if not sp.empty:
            st.plotly_chart(charts.spine_figure(sp, area["name"], area.get("lad_name") if area["level"] != "lad" else None),
                            key="spine", config={"displayModeBar": False})
            st.caption("Dots: this area, coloured by comparison with England (blue better, orange similar, red worse, "
                       "white not tested). Bars: 95% confidence intervals where the indicator has a count numerator.")
        st.dataframe(pf.profile_table(prof, area.get("lad_name")), hide_index=True, key="profile_table",
                     column_config={"Link": st.column_config.LinkColumn("Link", display_text="source page")})
        st.caption(methods.CI_TEXT)
        st.button("Close profile", key="close_profile", on_click=select_area, args=(None, None))

st.divider()
with st.container(key="ranked"):
    st.subheader(f"Ranked {ex.LEVELS[level_key].noun}s")
    table = ex.ranked_table(frame, ind)
    value_col = table.columns[4]
    st.dataframe(table, hide_index=True, key="ranked_table", height=360,
                 column_config={value_col: st.column_config.NumberColumn(value_col, format=fmt.number_format(ind["unit"]))})
    st.download_button("Download as CSV", table.to_csv(index=False).encode("utf-8"), key="download",
                       file_name=f"{indicator_id}_{level}.csv", mime="text/csv")
    st.caption(f"Rank 1 is the {ex.RANK_ONE[ind['polarity']]} among the areas shown. Click a column heading to sort; "
               "the table lists the same values as the map.")
