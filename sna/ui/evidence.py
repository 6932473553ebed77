"""Evidence to take away on the explorer: profile-pack downloads, the current view as CSV and
GeoPackage, and a custom area (picked LSOAs or an uploaded file). Files are made only when a button
is clicked (deferred download data, on its own connection); nothing uploaded is stored."""

from __future__ import annotations

from contextlib import closing

import pandas as pd
import streamlit as st

from sna import areafiles, db, ui
from sna.analysis import formatting as fmt
from sna.analysis import profile as pf
from sna.analysis.custom_area import CustomArea, MAX_LSOAS
from sna.errors import SnaError
from sna.reports import downloads, figures, pack_for
from sna.reports.subject import Subject, custom_subject, stored_subject


def _file_stem(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)[:60].strip("_") or "area"


def _pdf_of(make_subject):
    def build() -> bytes:
        with closing(db.connect()) as con:
            return pack_for(con, make_subject(con))[0]
    return build


def _csv_of(make_subject):
    def build() -> bytes:
        with closing(db.connect()) as con:
            return figures.figures_csv(figures.figures(con, make_subject(con)))
    return build


def pack_buttons(make_subject, stem: str, key: str) -> None:
    """'Profile pack (PDF)' and 'figures (CSV)' buttons; the files are made when clicked (a few seconds)."""
    pdf_col, csv_col = st.columns(2)
    with pdf_col:
        st.download_button("Download profile pack (PDF)", _pdf_of(make_subject), file_name=f"profile_{stem}.pdf",
                           mime="application/pdf", key=f"{key}_pdf", on_click="ignore", icon=":material/picture_as_pdf:",
                           help="Map, a chart and a table per theme with benchmarks and 95% intervals, sources, methods and caveats.")
    with csv_col:
        st.download_button("Download profile figures (CSV)", _csv_of(make_subject), file_name=f"profile_{stem}.csv",
                           mime="text/csv", key=f"{key}_csv", on_click="ignore", icon=":material/download:")


def stored_pack_buttons(code: str, level: str) -> None:
    pack_buttons(lambda con: stored_subject(con, code, level), _file_stem(f"{code}_{level}"), "pack")


def view_buttons(frame: pd.DataFrame, table: pd.DataFrame, ind: dict, level: str) -> None:
    """The ranked table as CSV with a provenance header, and the values with boundaries as GeoPackage.
    Both are made when clicked (each on its own connection), not on every rerun."""
    codes = tuple(frame["code"])
    period = str(frame["period"].iloc[0]) if len(frame) else None

    def csv() -> bytes:
        with closing(db.connect()) as con:
            return downloads.view_csv(con, table, ind, level, period)

    def gpkg() -> bytes:
        with closing(db.connect()) as con:
            return downloads.view_geopackage(con, frame[frame["code"].isin(codes)], ind, level)

    csv_col, gpkg_col = st.columns(2)
    with csv_col:
        st.download_button("Download as CSV", csv, key="download", file_name=f"{ind['id']}_{level}.csv", mime="text/csv",
                           on_click="ignore", help="With a header saying the indicator, unit, source, vintage, licence and data version.")
    with gpkg_col:
        st.download_button("Download as GeoPackage", gpkg, key="download_gpkg", file_name=f"{ind['id']}_{level}.gpkg",
                           mime="application/geopackage+sqlite3", on_click="ignore",
                           help="The same values with the area boundaries (EPSG:4326), for QGIS or ArcGIS.")


MAX_PICK_OPTIONS = 5000  # a list longer than this is slow to send to the browser: narrow by LA first


def lsoa21_names(lad_codes: list[str] | None = None) -> dict[str, str]:
    """2021 LSOA code -> name (from the shared, cached areas table), optionally of some LAs only."""
    if lad_codes is None:
        return ui.area_names("lsoa21")  # shared and cached: do not modify
    lsoas = ui.areas("lsoa21")
    lsoas = lsoas[lsoas["lad_code"].isin(lad_codes)]
    return dict(zip(lsoas["code"], lsoas["name"]))


def _use_map_choice(chosen: list[str]) -> None:
    """Callback: the 2021 LSOAs chosen on the map ("Select several" or shift-click) become the custom area
    (and its panel opens)."""
    every = lsoa21_names()
    st.session_state["custom_codes"] = [c for c in chosen if c in every][:MAX_LSOAS]
    st.session_state["custom_open"] = True


def _picked() -> None:
    """Callback: the list's choice is the custom area (kept under a plain key, so it outlives the list,
    which is drawn only while the panel is open)."""
    st.session_state["custom_codes"] = list(st.session_state.get("custom_pick", []))


def custom_area_block(con, lad_codes: list[str], map_chosen: list[str] | None = None) -> list[str]:
    """Define a custom area from picked 2021 LSOAs (of the LAs chosen in the sidebar), LSOAs chosen on the map,
    or an uploaded file; show its profile and pack buttons. The panel runs only while open (its list of every
    LSOA is large). Returns the area's 2021 LSOA codes (for the shareable link)."""
    ss = st.session_state
    every = lsoa21_names()
    codes = [c for c in ss.get("custom_codes", []) if c in every]
    ss["custom_codes"] = codes
    on_map = [c for c in (map_chosen or []) if c in every]
    if on_map:
        st.button(f"Use the {fmt.plural(len(on_map), 'LSOA')} chosen on the map as your own area", key="custom_from_map",
                  on_click=_use_map_choice, args=(on_map,))
    first = ss.setdefault("_custom_open_first", bool(codes))  # fixed per session: it is part of the panel's identity
    panel = st.expander("Your own area: a set of neighbourhoods (LSOAs)", expanded=first, key="custom_open", on_change="rerun")
    if not panel.open:
        return codes
    with panel:
        if not on_map:
            st.caption("Tip: on the map of 2021 neighbourhoods, turn on 'Select several' (or shift-click) to choose "
                       "LSOAs, then use them here.")
        st.caption("Pick 2021 LSOAs, or upload a CSV of LSOA codes (2021, or all 2011) or a GeoJSON/GeoPackage polygon "
                   "(LSOAs with half or more of their area inside). Files are read in memory and never stored.")
        names = {**lsoa21_names(lad_codes), **{c: every[c] for c in codes}}  # picks outside the LAs now chosen stay
        if len(names) > MAX_PICK_OPTIONS:
            st.caption(f"{len(names):,} LSOAs are in the local authorities chosen: choose fewer in the sidebar to pick from "
                       "a list, or upload a file.")
        else:
            ss["custom_pick"] = codes
            st.multiselect("LSOAs (2021)", list(names), format_func=lambda c: f"{names[c]} ({c})", key="custom_pick",
                           on_change=_picked, max_selections=MAX_LSOAS, placeholder="Type a name or code")
        upload = st.file_uploader("Or upload a file", type=["csv", "txt", "geojson", "json", "gpkg"], key="custom_upload")
        area = _custom_area(con, upload, codes)
        if area is None:
            return codes
        for note in area.notes:
            st.caption(note)
        fig = figures.figures(con, Subject("custom", area.name, "custom", area=area, notes=area.notes))
        st.dataframe(pf.profile_table(fig.profile, fig.lad_name), hide_index=True, key="custom_table",
                     column_config={"Link": st.column_config.LinkColumn("Link", display_text="source page")})
        if not fig.not_aggregated.empty:
            st.caption(f"{len(fig.not_aggregated)} indicators cannot be combined over LSOAs (ranks, deciles, LA-only "
                       "figures) and are left out; the PDF lists them.")
        frozen = area
        pack_buttons(lambda _con: Subject("custom", frozen.name, "custom", area=frozen, notes=frozen.notes), "custom_area", "custom_pack")
        return list(area.codes["lsoa21"])


def _custom_area(con, upload, codes: list[str]) -> CustomArea | None:
    """The area from an uploaded file, else from the picked codes; None (with a message on error) if neither."""
    try:
        if upload is not None:
            return areafiles.area_from_upload(con, upload.getvalue(), upload.name)
        if codes:
            return custom_subject(con, codes, f"Custom area of {fmt.plural(len(codes), 'LSOA')}").area
    except SnaError as exc:
        st.error(str(exc))
    return None
