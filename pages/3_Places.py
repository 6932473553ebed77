"""Places: the VRU's place-based impact areas and Step Together routes over any neighbourhood
indicator, each place's story, each route's corridor, and the interventions' reach. Renders only:
figures come from sna.analysis, map pieces from sna.ui.maps and sna.ui.overlays."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import from_wkb
from sna import db, ui
from sna.analysis import corridors as co, values as ex
from sna.errors import ChoiceError, ImportFileError
from sna.ui import charts, maps, overlays, views
from sna.userfiles import validate_route_upload

ui.page_setup("Places", map_levels=list)  # no level known yet: the library and LA outlines
con = ui.cursor()
db_version = ui.version()  # cache key: the database file in use


if not db.has_table(con, "routes") or not db.has_table(con, "places"):
    st.info("This database has no places or routes yet. Rebuild it: python -m sna build")
    st.stop()

if db.places(con).empty and db.routes(con).empty:
    st.title("Places")
    st.info("No impact areas or Step Together routes are recorded for this partnership. They are project-authored "
            "records in data/places (see its README); add rows for this partnership's local authorities and rebuild.")
    st.stop()

lads = ui.lad_names()
cat = ui.catalogue()
lsoa_ids = {r.id: r.title for r in cat.itertuples() if r.geography in ("lsoa11", "lsoa21") and r.aggregation != "none"}

st.title("Places: impact areas and Step Together routes")
st.caption("The VRU works in named places and runs Step Together: youth workers on key routes to and from secondary "
           "schools. The papers name localities, not boundaries or lines, so every extent and every route line here is "
           "APPROXIMATE unless marked as an imported route line.")

with st.sidebar:
    st.header("Choose")
    lad_codes = st.multiselect("Local authorities", list(lads), default=list(lads), format_func=lads.get, key="places_las",
                               placeholder="Choose one or more")
    statuses = st.multiselect("Route status", ["live", "in development"], default=["live", "in development"], key="route_status")
    ids = list(lsoa_ids)
    indicator_id = st.selectbox("Map indicator (neighbourhoods)", ids, format_func=lsoa_ids.get, key="places_indicator",
                                index=ids.index("iod25_violence_with_injury") if "iod25_violence_with_injury" in ids else 0)
    buffer_m = st.slider("Route corridor width each side (metres)", 50, 1000, co.DEFAULT_BUFFER_M, step=50, key="buffer_m")

if not lad_codes:
    st.info("No local authority is selected. Choose at least one in the sidebar.")
    st.stop()

places = db.places(con, lad_codes)
routes = db.routes(con, lad_codes, statuses)
uploaded: pd.DataFrame | None = st.session_state.get("uploaded_routes")
if uploaded is not None and not routes.empty:
    routes = co.with_session_lines(routes, uploaded)

# --- overview map ----------------------------------------------------------------------------
ind = ex.indicator(cat, indicator_id)
try:
    frame = views.area_values(indicator_id, "lsoa", tuple(lad_codes), db_version)
except ChoiceError as exc:
    st.info(str(exc))
    st.stop()
level = ex.db_level(ind, "lsoa")
classes = views.classes(indicator_id, "lsoa", tuple(lad_codes), "quantiles", 5, db_version)
base = views.map_values(indicator_id, "lsoa", tuple(lad_codes), "quantiles", 5, db_version)
focus = ui.areas("lad", lad_codes)
route_lines = overlays.route_paths(routes)
map_col, legend_col = st.columns([3, 1], gap="medium")
with map_col:
    maps.area_map(key="places_map", level=level, values=base, focus=focus, select_areas=False, height=520,
                  overlays=[overlays.place_outlines(places), *overlays.route_layers(routes), overlays.place_label_layer(places)],
                  alt=f"Map of impact areas and Step Together routes over {ind['title']}")
with legend_col:
    st.markdown(f"**{ind['title']}** ({ind['unit']})")
    st.html(charts.legend_html(classes.legend))
    st.caption(f"Quintiles of {len(frame)} neighbourhoods. Source: {ind['publisher']} ({ind['vintage']}), {ind['licence']}.")
    st.markdown("**Black outlines**: impact areas (approximate extents).  \n**Purple dots and lines**: Step Together routes drawn "
                "from their locality only (approximate).  \n**Blue lines**: imported route lines.")

st.subheader(f"Step Together routes ({len(routes)} shown)")
counts = co.routes_by_status(routes)
st.caption(f"As of 13 December 2021: 18 live routes and 1 in development (VRU annex on serious youth violence, para 150). "
           f"Shown with the filters: {counts.get('live', 0)} live, {counts.get('in development', 0)} in development.")
st.dataframe(co.route_table(routes), hide_index=True, width="stretch", key="routes_table")

story_tab, corridor_tab, upload_tab, interventions_tab = st.tabs(["Place story", "Route corridor", "Upload route lines", "Interventions"])

# --- place story -----------------------------------------------------------------------------
with story_tab:
    if places.empty:
        st.info("No impact area in the chosen local authorities.")
    else:
        names = dict(zip(places["place_id"], places["name"]))
        place_id = st.selectbox("Impact area", list(names), format_func=names.get, key="place")
        place = places.set_index("place_id").loc[place_id]
        st.markdown(f"### {place['name']}")
        st.markdown(f"**Focus:** {place['focus']}")
        st.markdown(place["narrative"])
        st.caption(f"Source: {place['citation']}. Status in the papers: {place['status']}.")
        if place["extent_quality"] == "exact":
            st.caption(f"Extent: {place['extent_note']}")
        else:
            st.warning(f"Extent (approximate): {place['extent_note']}")
        maps.area_map(key="story_map", level=level, values=base, focus=focus, select_areas=False, height=420,
                      overlays=[overlays.place_outlines(places[places["place_id"] == place_id], "place", 4), route_lines],
                      bounds=overlays.place_bounds(places, place_id), alt=f"Map of {place['name']}")
        st.markdown("**Key indicators: the place against its local authority, the region and England**")
        st.dataframe(co.place_indicators(con, place_id, place["la_code"]), hide_index=True, width="stretch", key="story_indicators")
        st.caption("The place's values are computed from its neighbourhoods (LSOAs): counts summed, rates as summed numerators "
                   "over summed denominators, scores population-weighted. police.uk figures are held for the study area only, "
                   "so there is no region or England value for them.")
        areas_list = db.place_areas(con, place_id)
        st.caption(f"Made of {len(areas_list)} area(s): " + ", ".join(f"{n or c} ({c})" for c, n in zip(areas_list["area_code"], areas_list["name"])))
        trend = db.place_crime_trend(con, place_id)
        months = db.police_months(con)
        st.markdown("**police.uk crimes recorded in the place by month**")
        if len(months) < 2:
            st.info(f"The database holds {len(months)} month of police.uk street-level crime ({', '.join(months) or 'none'}), so a "
                    "monthly trend cannot be drawn: it needs more police.uk months in the build. Shown: the month held.")
        if trend.empty:
            st.info("No police.uk crimes are recorded in this place's neighbourhoods in the months held.")
        else:
            st.bar_chart(trend, x="crime_type", y="crimes", color="month", horizontal=True)
            st.caption("Source: police.uk street-level crime (Home Office), Open Government Licence v3.0. Locations are "
                       "anonymised to nearby map points.")

# --- route corridor --------------------------------------------------------------------------
with corridor_tab:
    if routes.empty:
        st.info("No route with the chosen filters.")
    else:
        labels = dict(zip(routes["route_id"], routes["name"] + " (" + routes["la_name"].fillna("") + ")"))
        route_id = st.selectbox("Route", list(labels), format_func=labels.get, key="route")
        route = routes.set_index("route_id").loc[route_id]
        line = from_wkb(route["geometry"])
        if route["geometry_quality"] != "exact":
            st.warning(f"This route's line is APPROXIMATE. {route['method']} Corridor figures therefore describe the "
                       "locality, not the route walked.")
        else:
            st.success(f"Route line: {route['method']}")
        crimes = co.corridor_crimes(con, line, buffer_m)
        summary = co.corridor_summary(crimes)
        months = db.police_months(con)
        c1, c2, c3 = st.columns(3)
        c1.metric("police.uk crimes in the corridor", f"{len(crimes):,}")
        c2.metric("of which serious violence", f"{int(crimes['serious_violence'].sum()) if len(crimes) else 0:,}")
        c3.metric("Months held", ", ".join(months) or "none")
        st.caption(f"Crimes within {buffer_m} m of the line (distances in British National Grid metres). Source: police.uk "
                   "street-level crime (Home Office), Open Government Licence v3.0.")
        maps.area_map(key="corridor_map", level=level, values=base, focus=focus, select_areas=False, height=420,
                      overlays=[overlays.corridor_outline(line, buffer_m), overlays.crime_points(crimes),
                                overlays.route_paths(routes[routes["route_id"] == route_id], "route", width=5)],
                      bounds=overlays.corridor_bounds(line, buffer_m), alt=f"Map of the corridor of {route['name']}")
        st.markdown("**Crimes in the corridor by month and type**")
        st.dataframe(summary, hide_index=True, width="stretch", key="corridor_summary")
        st.markdown("**Violence with injury (IoD2025) of the neighbourhoods (LSOA 2021) the line crosses**")
        st.dataframe(co.route_lsoa_violence(con, line), hide_index=True, width="stretch", key="corridor_lsoas")
        st.caption("Rate per 1,000 at-risk population. Source: MHCLG, English Indices of Deprivation 2025, File 8, Open Government Licence v3.0.")
        st.markdown(f"**Schools within {buffer_m} m of the line**")
        schools, reason = co.schools_near(con, line, buffer_m)
        if schools is None:
            st.info(reason)
        elif schools.empty:
            st.info(f"No school lies within {buffer_m} m of this line. Widen the corridor to look further.")
        else:
            st.dataframe(schools, hide_index=True, width="stretch", key="corridor_schools")
            st.caption("Source: DfE, Get Information About Schools, Open Government Licence v3.0.")

# --- upload ----------------------------------------------------------------------------------
with upload_tab:
    st.markdown("Preview real route lines before they are imported. A GeoJSON file (with a declared `crs`) or a GeoPackage "
                "of LineStrings with properties `route_id` (one of the ids in the table above) and `name`. The preview "
                "changes only this browser session, never the database: to import for everyone run "
                "`python -m sna import-routes FILE`.")
    upload = st.file_uploader("Route lines", type=["geojson", "json", "gpkg"], key="routes_upload")
    if upload is None:
        st.session_state.pop("uploaded_routes", None)
    else:
        try:
            lines = validate_route_upload(con, upload.getvalue(), upload.name)
        except ImportFileError as exc:
            st.session_state.pop("uploaded_routes", None)
            st.error(str(exc))
        else:
            if st.session_state.get("uploaded_routes") is None or not lines.equals(st.session_state["uploaded_routes"]):
                st.session_state["uploaded_routes"] = lines
                st.rerun()
            st.success(f"{len(lines)} route line(s) previewed in this session: {', '.join(lines['route_id'])}.")
            st.dataframe(lines[["route_id", "name"]], hide_index=True, key="upload_preview")

# --- interventions ---------------------------------------------------------------------------
with interventions_tab:
    table = db.interventions(con)
    if table.empty:
        st.info("No interventions table is held for this partnership.")
    else:
        st.markdown("**Reach of VRU interventions (people supported), Q1 and Q2 2020/21**")
        st.dataframe(table.drop(columns=["citation", "study_area"]), hide_index=True, width="stretch", key="interventions_table")
        st.caption(f"Source: {table['citation'].iloc[0]}. Totals: {table['reach_24_and_under'].sum():,} aged 24 and under, "
                   f"{table['reach_25_and_over'].sum():,} aged 25 and over (as in the paper). The paper notes Q1 was a "
                   "slimmed-down delivery due to grant instability.")
