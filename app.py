"""The entry point: the navigation (Home plus every page file in pages/ that exists) and the Home page:
what the needs assessment is, who it is for, headline figures with sources, links to the pages.

Run with: streamlit run app.py (reads the database built by `python -m sna build`)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sna import db, ui
from sna.analysis import formatting as fmt, headlines as hl, methods, values

HERE = Path(__file__).resolve().parent
PAGES = [  # (file, label, what it is for); a page is listed only when its file exists
    ("pages/1_Area_explorer.py", "Area explorer", "map any indicator by neighbourhood, ward or local authority, rank areas and open an area's profile"),
    ("pages/2_Priority_schools.py", "Priority schools", "schools in the places with the greatest need"),
    ("pages/3_Places.py", "Places", "the place-based impact areas and routes"),
    ("pages/5_Assessment.py", "Assessment", "a composite risk index with its uncertainty, high risk x high violence, tested hot spots, honest small-area rates and trends"),
    ("pages/4_Data_and_methods.py", "Data and methods", "every indicator's definition, source, vintage and licence, and how figures are made"),
]


@st.cache_data(show_spinner=False)
def headline_figures(built: str) -> hl.Headlines:
    return hl.headlines(ui.cursor(), values.catalogue(ui.cursor()))


def home() -> None:
    ui.page_setup("Home")
    con = ui.cursor()
    meta = db.meta(con)
    area_name = meta.get("area_name", "the study area")
    st.title("Serious youth violence: strategic needs assessment")
    st.markdown(
        f"An open, map-first needs assessment of the risk factors for serious youth violence across the "
        f"**{area_name}** area: the seven local authorities of the West Midlands combined authority. It brings together "
        "official statistics on deprivation, crime, population, education, health and housing for every neighbourhood, "
        "ward and local authority, so that partners can see where need is greatest and why.")
    st.markdown(
        "**Who it is for:** the violence reduction partnership and its commissioners, community safety and public health "
        "teams, schools and youth services, and residents. Every figure names its source, vintage and licence.")

    with ui.friendly_errors():
        heads = headline_figures(ui.version())

    st.subheader(f"Headline figures: {meta.get('area_short_name', area_name)}")
    with st.container(key="headlines"):
        for start in range(0, len(heads.figures), 3):  # three to a row: labels stay readable
            for column, fig in zip(st.columns(3, gap="medium"), heads.figures[start:start + 3]):
                with column, st.container(border=True):
                    st.markdown(f"**{fig['label']}**")
                    st.metric(fig["label"], fig["text"], label_visibility="collapsed")
                    st.caption(f"{fmt.sentence(fig['unit'])}. Source: {fig['source']}, {fig['period']}. {fig['licence']}.")

    months = db.police_months(con)
    if months:
        st.caption(f"police.uk figures are for the latest months held: {', '.join(fmt.period_label(m) for m in months)} "
                   f"({len(months)} month{'s' if len(months) != 1 else ''}). IoD2025 figures are population-weighted "
                   "means of the published LSOA rates.")

    st.subheader("By local authority")
    st.dataframe(heads.table, hide_index=True, key="headline_table")
    st.caption("West Midlands region and England are shown where the source covers them; police.uk data is held "
               "for the study area only.")

    st.subheader("Explore")
    for file, label, purpose in PAGES:
        if (HERE / file).exists():
            st.page_link(file, label=f"{label}: {purpose}")

    st.caption(methods.ATTRIBUTION)
    st.caption(f"Database built {meta.get('built_at', 'unknown')}, code version {meta.get('code_version', 'unknown')}.")


def navigation() -> None:
    """Home plus the page files that exist, with plain titles (no 'app' in the menu)."""
    pages = [st.Page(home, title="Home", default=True)]
    pages += [st.Page(file, title=label) for file, label, _purpose in PAGES if (HERE / file).exists()]
    st.navigation(pages).run()


navigation()
