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


def view_buttons(con, frame: pd.DataFrame, table: pd.DataFrame, ind: dict, level: str) -> None:
    """The ranked table as CSV with a provenance header, and the values with boundaries as GeoPackage."""
    codes = tuple(frame["code"])

    def gpkg() -> bytes:
        with closing(db.connect()) as con:
            return downloads.view_geopackage(con, frame[frame["code"].isin(codes)], ind, level)

    period = str(frame["period"].iloc[0]) if len(frame) else None
    data = downloads.view_csv(con, table, ind, level, period)
    csv_col, gpkg_col = st.columns(2)
    with csv_col:
        st.download_button("Download as CSV", data, key="download", file_name=f"{ind['id']}_{level}.csv", mime="text/csv",
                           on_click="ignore", help="With a header saying the indicator, unit, source, vintage, licence and data version.")
    with gpkg_col:
        st.download_button("Download as GeoPackage", gpkg, key="download_gpkg", file_name=f"{ind['id']}_{level}.gpkg",
                           mime="application/geopackage+sqlite3", on_click="ignore",
                           help="The same values with the area boundaries (EPSG:4326), for QGIS or ArcGIS.")


MAX_PICK_OPTIONS = 5000  # a list longer than this is slow to send to the browser: narrow by LA first


def lsoa21_names(lad_codes: list[str] | None = None) -> dict[str, str]:
    """2021 LSOA code -> name (from the shared, cached areas table), optionally of some LAs only."""
    lsoas = ui.areas("lsoa21")
    if lad_codes is not None:
        lsoas = lsoas[lsoas["lad_code"].isin(lad_codes)]
    return dict(zip(lsoas["code"], lsoas["name"]))


def _use_map_choice(chosen: list[str]) -> None:
    """Callback: the 2021 LSOAs chosen on the map ("Select several" or shift-click) become the custom area."""
    every = lsoa21_names()
    st.session_state["custom_codes"] = [c for c in chosen if c in every][:MAX_LSOAS]


def custom_area_block(con, lad_codes: list[str], initial: list[str], map_chosen: list[str] | None = None) -> CustomArea | None:
    """Define a custom area from picked 2021 LSOAs (of the LAs chosen in the sidebar), LSOAs chosen on the map,
    or an uploaded file; show its profile and pack buttons. Returns the area (its codes go into the shareable
    link) or None."""
    with st.expander("Your own area: a set of neighbourhoods (LSOAs)", expanded=bool(initial)):
        on_map = [c for c in (map_chosen or []) if c in lsoa21_names()]
        if on_map:
            st.button(f"Use the {fmt.plural(len(on_map), 'LSOA')} chosen on the map", key="custom_from_map",
                      on_click=_use_map_choice, args=(on_map,))
        else:
            st.caption("Tip: on the map of 2021 neighbourhoods, turn on 'Select several' (or shift-click) to choose "
                       "LSOAs, then use them here.")
        st.caption("Pick 2021 LSOAs, or upload a CSV of LSOA codes (2021, or all 2011) or a GeoJSON/GeoPackage polygon "
                   "(LSOAs with half or more of their area inside). Files are read in memory and never stored.")
        every = lsoa21_names()
        valid = [c for c in initial if c in every]
        kept = [c for c in st.session_state.get("custom_codes", valid) if c in every]  # picks outside the LAs now chosen stay
        names = {**lsoa21_names(lad_codes), **{c: every[c] for c in [*valid, *kept]}}
        if "custom_codes" not in st.session_state:
            st.session_state["custom_codes"] = valid
        if len(names) > MAX_PICK_OPTIONS:
            st.caption(f"{len(names):,} LSOAs are in the local authorities chosen: choose fewer in the sidebar to pick from "
                       "a list, or upload a file.")
            picked = valid
        else:
            picked = st.multiselect("LSOAs (2021)", list(names), format_func=lambda c: f"{names[c]} ({c})",
                                    key="custom_codes", max_selections=MAX_LSOAS, placeholder="Type a name or code")
        upload = st.file_uploader("Or upload a file", type=["csv", "txt", "geojson", "json", "gpkg"], key="custom_upload")
        try:
            if upload is not None:
                area = areafiles.area_from_upload(con, upload.getvalue(), upload.name)
            elif picked:
                area = custom_subject(con, picked, f"Custom area of {fmt.plural(len(picked), 'LSOA')}").area
            else:
                return None
        except SnaError as exc:
            st.error(str(exc))
            return None
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
        return area
