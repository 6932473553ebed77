"""Priority schools: the study area's state-funded secondary schools on a map over an indicator,
a transparent score with adjustable weights, its sensitivity, a plain-language 'why', feeder
primaries and an export. Renders only: the numbers come from sna.analysis.priority, the map from sna.ui.maps."""

from __future__ import annotations

import streamlit as st

from sna import db, ui
from sna.analysis import priority as pr, school_areas as sa
from sna.reports.subject import resolve_subject
from sna.ui import evidence, maps, overlays, state

ui.page_setup("Priority schools", map_levels=list)  # no level known yet: the library and LA outlines
con = ui.cursor()
db_version = ui.version()  # cache key: the database file in use


# Caching: inputs and projected geometry once per database; component values once per radius
# (the LSOAs within the radius of every school); scores per set of weights (cheap, vectorised).
@st.cache_resource(show_spinner="Preparing schools and areas...")
def inputs(built: str) -> tuple[sa.PriorityInputs, sa.Geometry]:
    data = sa.load_inputs(ui.cursor())
    return data, sa.project(data)


@st.cache_data(show_spinner=False, max_entries=16)
def raw_values(radius_m: float, built: str):
    data, geometry = inputs(built)
    return sa.component_values(data, geometry, radius_m)


@st.cache_data(show_spinner=False, max_entries=64)
def ranking(radius_m: float, weights: tuple[tuple[str, float], ...], top_n: int, built: str):
    data, _ = inputs(built)
    return pr.ranked_table(data, raw_values(radius_m, built), dict(weights), top_n=top_n)


def map_indicators():
    cat = ui.catalogue()
    return cat[cat["geography"].isin(["lsoa11", "lsoa21"])].set_index("id")


def on_map_pick(payload: dict) -> None:
    """Clicking a secondary school on the map selects it (the same as choosing it in the list)."""
    if payload.get("layer") in ("schools", "selected") and isinstance(payload.get("id"), int):
        st.session_state["school"] = int(payload["id"])


def reset_weights() -> None:
    for key, value in pr.DEFAULT_WEIGHTS.items():
        st.session_state[f"w_{key}"] = int(value)


with ui.friendly_errors():
    data, _geometry = inputs(db_version)
schools = data.schools
lads = ui.areas("lad")
lad_names = dict(zip(lads["code"], lads["name"]))
for notice in state.restore_priority(list(pr.COMPONENTS), set(schools.loc[schools["is_secondary"], "urn"].astype(int)),
                                     lad_names):  # issue 12: a shared link's view
    st.info(notice)

st.title("Priority schools")
st.caption("State-funded secondary and all-through schools, ranked by a score you can adjust: violence and "
           "deprivation around the school, and the school's own free school meals and absence. Each component is a "
           "percentile among the study area's schools (100 = the most). Change the weights in the sidebar.")
st.warning("The area around a school is not where all its pupils live: area components describe the neighbourhood "
           "of the school building, not its intake.", icon=":material/info:")

with st.sidebar:
    st.header("Score")
    radius_km = st.slider("Radius around each school (km)", 0.5, 3.0, 1.0, 0.25, key="radius",
                          help="LSOAs whose boundary comes within this distance of the school count as 'around' it.")
    radius_m = radius_km * 1000
    st.caption("Weights (documented defaults; the score re-normalises them to sum to 100%).")
    weights = {key: float(st.slider(comp.label, 0, 50, int(comp.default_weight), 5, key=f"w_{key}", help=comp.source))
               for key, comp in pr.COMPONENTS.items()}
    st.button("Reset to defaults", key="reset", on_click=reset_weights)
    top_n = int(st.number_input("Top N for the sensitivity check", 3, 50, 10, 1, key="top_n"))
    st.header("Filter")
    secondary = schools[schools["is_secondary"]]
    lad_codes = st.multiselect("Local authorities", list(lad_names), format_func=lad_names.get, key="las",
                               placeholder="All local authorities")
    phases = st.multiselect("Phase", sorted(secondary["phase"].unique()), key="phase", placeholder="All phases")
    types = st.multiselect("Type", sorted(secondary["type"].unique()), key="types", placeholder="All types")
    search = st.text_input("Search by name or URN", key="search", placeholder="e.g. Holyhead or 103493")
    st.header("Map")
    catalogue = map_indicators()
    ids = list(catalogue.index)
    default = ids.index("iod25_violence_with_injury") if "iod25_violence_with_injury" in ids else 0
    map_id = st.selectbox("Indicator under the schools", ids, index=default, key="map_indicator",
                          format_func=lambda i: catalogue.at[i, "title"])

if sum(weights.values()) == 0:
    st.info("All weights are zero: give at least one component a weight to rank the schools.")
    st.stop()

with ui.friendly_errors():
    ranked, not_scored = ranking(radius_m, tuple(weights.items()), top_n, db_version)
shown = pr.filter_table(ranked, lad_codes, phases, types, search)

# --- Map ---------------------------------------------------------------------------------------
ind = catalogue.loc[map_id]
level = ind["geography"]
with ui.friendly_errors():
    values = db.values(con, map_id, level)
base, legend = overlays.choropleth_values(maps.geometry_index(level), values, ind["polarity"])
options = shown["urn"].tolist()
selected_urn = st.session_state.get("school")
selected = ranked[ranked["urn"] == selected_urn]
layers = [overlays.school_points("schools", shown, overlays.SECONDARY_COLOUR, "Secondary school", pick=True)]
feeders, bounds = None, None
if not selected.empty:
    feeder_mode = st.session_state.get("feeder_mode", "Within the radius")
    nearest = int(st.session_state.get("feeder_n", 5)) if feeder_mode == "Nearest N" else None
    feeders = sa.feeder_primaries(data, int(selected_urn), radius_m, nearest)
    me = selected.iloc[0]
    layers += [overlays.radius_outline(me["lon"], me["lat"], radius_m),
               overlays.school_points("feeders", feeders, overlays.PRIMARY_COLOUR, "Primary school", radius=4),
               overlays.school_points("selected", selected, overlays.SELECTED_COLOUR, "Selected school", radius=8, pick=True)]
    bounds = overlays.bounds_around(me["lon"], me["lat"], radius_m)
maps.area_map(key="map", level=level, values=base, focus=lads, on_pick=on_map_pick, overlays=layers, bounds=bounds,
              opacity=0.75, select_areas=False, height=520, alt=f"Map of secondary schools over {ind['title']}")
st.caption(f"Map: {ind['title']} ({ind['unit']}; {ind['publisher']}, {ind['vintage']}, {ind['licence']}), in five "
           "quantile classes, darker = " + ("lower (worse)" if ind["polarity"] == "lower_worse" else "higher")
           + ". Classes: " + "; ".join(label for _, label in legend) + ". Blue dots: secondary schools shown in the table; "
           "pink: the selected school and its radius; green: its nearby primary schools. Outlines: local authorities. "
           "Click a school to select it.")

# --- Ranked table --------------------------------------------------------------------------------
st.subheader(f"Ranked schools ({len(shown)} of {len(ranked)} shown)")
if shown.empty:
    st.info("No school matches the filters and search: clear them in the sidebar.")
else:
    table = shown[["rank", "urn", "name", "la_name", "score", *[f"pct_{k}" for k in pr.COMPONENTS],
                   "rank_low", "rank_high", "top_n_share", "missing"]].copy()
    table["rank_interval"] = table["rank_low"].astype(int).astype(str) + "-" + table["rank_high"].astype(int).astype(str)
    table = table.drop(columns=["rank_low", "rank_high"])
    progress = {f"pct_{k}": st.column_config.ProgressColumn(pr.column_label(c, data.months), help=f"{c.label}: {c.measure}. "
                                                           f"Source: {c.source}. Percentile among the study area's schools.",
                                                           min_value=0, max_value=100, format="%.0f")
                for k, c in pr.COMPONENTS.items()}
    st.dataframe(table, hide_index=True, key="ranked", width="stretch", column_config={
        "rank": st.column_config.NumberColumn("Rank", format="%d"), "urn": st.column_config.NumberColumn("URN", format="%d"),
        "name": "School", "la_name": "Local authority",
        "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%.1f",
                                                 help="Weighted mean of the component percentiles present"),
        **progress,
        "rank_interval": st.column_config.TextColumn("Rank range when weights vary", help="5th to 95th percentile of the "
                                                     "rank over 200 draws, each weight multiplied by a random factor in 0.5-1.5"),
        "top_n_share": st.column_config.NumberColumn(f"% of draws in top {top_n}", format="%.0f%%"),
        "missing": st.column_config.TextColumn("Missing (left out)")},
        column_order=["rank", "urn", "name", "la_name", "score", *progress, "rank_interval", "top_n_share", "missing"])

with st.expander("Components, sources and how the score is made"):
    st.dataframe(pr.components_table(weights), hide_index=True, key="components")
    st.markdown(pr.METHOD_TEXT.format(months=", ".join(data.months) or "none", radius=radius_km))

# --- One school -----------------------------------------------------------------------------------
st.subheader("Why a school ranks where it does")
if not options:
    st.info("No school to choose: clear the filters.")
else:
    labels = dict(zip(ranked["urn"], ranked["rank"].astype(str) + ". " + ranked["name"] + " (URN " + ranked["urn"].astype(str) + ")"))
    st.selectbox("School", options, index=None, key="school", format_func=labels.get, placeholder="Choose a school")
    if selected.empty or int(selected_urn) not in options:
        st.info("Choose a school to see why it ranks where it does and its nearby primary schools.")
    else:
        me = selected.iloc[0]
        st.markdown(pr.explain(me, weights, radius_m, len(ranked)))
        st.dataframe(pr.school_components(me, weights), hide_index=True, key="detail")
        evidence.pack_buttons(lambda c, urn=int(selected_urn), r=radius_m: resolve_subject(c, str(urn), r),
                              f"school_{int(selected_urn)}", "school_pack")  # issue 12: the school's surroundings as a pack
        st.markdown("**Feeder primaries** (open state-funded primary schools near the selected school; actual "
                    "admissions come from further afield and not all pupils move to their nearest secondary).")
        c1, c2 = st.columns(2)
        mode = c1.radio("Primary schools", ["Within the radius", "Nearest N"], key="feeder_mode", horizontal=True)
        c2.number_input("N", 1, 30, 5, 1, key="feeder_n", disabled=mode != "Nearest N")
        if feeders is None or feeders.empty:
            st.info("No open primary school within the radius: widen it or choose 'Nearest N'.")
        else:
            st.dataframe(pr.feeder_table(feeders), hide_index=True, key="feeders")

# --- Gaps and export ------------------------------------------------------------------------------
flagged = ranked[ranked["missing"] != ""][["rank", "urn", "name", "la_name", "missing", "reason"]]
st.subheader("Schools with a missing measure")
st.caption("Never dropped and never given a zero: a missing component is left out and the school's weights are "
           "re-normalised over the components it has.")
if not_scored.empty and flagged.empty:
    st.success("Every school has every component.")
else:
    if not not_scored.empty:
        st.markdown("Not scored:")
        st.dataframe(not_scored, hide_index=True, key="not_scored")
    st.dataframe(flagged, hide_index=True, key="flagged", column_config={"rank": "Rank", "urn": st.column_config.NumberColumn("URN", format="%d"),
                                                                        "name": "School", "la_name": "Local authority",
                                                                        "missing": "Missing", "reason": "Why"})

st.download_button("Download the priority list (CSV)", pr.export_csv(ranked, not_scored, weights, radius_m, data.months, top_n, ui.study_area().short_name),
                   file_name="priority_schools.csv", mime="text/csv", key="download",
                   help="All ranked schools with their components, the weights, radius, sources and vintages used.")
state.share_priority(list(pr.COMPONENTS))  # issue 12: the view in the URL, copy-link control
