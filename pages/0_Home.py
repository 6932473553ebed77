"""Home: what the needs assessment is, who it is for, headline figures with sources, links to the pages."""

from __future__ import annotations

import streamlit as st

from sna import db, ui
from sna.analysis import formatting as fmt, headlines as hl, methods, values


@st.cache_data(show_spinner=False)
def headline_figures(built: str) -> hl.Headlines:
    return hl.headlines(ui.cursor(), values.catalogue(ui.cursor()))


ui.page_setup("Home")
con = ui.cursor()
meta = ui.meta()
area = ui.study_area()
st.title("Serious youth violence: strategic needs assessment")
st.markdown(
    f"An open, map-first needs assessment of the risk factors for serious youth violence across the "
    f"**{fmt.markdown_text(area.name)}** area: {fmt.markdown_text(area.lads_text)}. It brings together "
    "official statistics on deprivation, crime, population, education, health and housing for every neighbourhood, "
    "ward and local authority, so that partners can see where need is greatest and why.")
st.markdown(
    "**Who it is for:** the violence reduction partnership and its commissioners, community safety and public health "
    "teams, schools and youth services, and residents. Every figure names its source, vintage and licence.")

with ui.friendly_errors():
    heads = headline_figures(ui.version())

st.subheader(f"Headline figures: {area.short_name}")
with st.container(key="headlines"):
    for start in range(0, len(heads.figures), 3):  # three to a row: labels stay readable
        for column, fig in zip(st.columns(3, gap="medium"), heads.figures[start:start + 3]):
            with column, st.container(border=True):
                st.markdown(f"**{fig['label']}**")
                st.metric(fig["label"], fig["text"], label_visibility="collapsed")
                st.caption(f"{fmt.sentence(fig['unit'])}. Source: {fig['source']}, {fig['period']}. {fig['licence']}.")
                if fig["caveat"]:
                    st.caption(f":orange[{fmt.sentence(fig['caveat'])}.]")

months = db.police_months(con)
if months:
    st.caption(f"police.uk street-level figures are for the months held: {fmt.months_label(months)}. They are "
               "not the current picture when those months are old; police recorded crime by Community Safety "
               "Partnership is the most recent count. IoD2025 figures are population-weighted means of the "
               "published LSOA rates.")

st.subheader("By local authority")
st.dataframe(heads.table, hide_index=True, key="headline_table")
st.caption(("The region and England are" if area.region_name else "England is") + " shown where the source covers "
           "them; police.uk street-level data is held for the study area only.")

st.subheader("Explore")
ui.page_links(with_purpose=True)

st.caption(methods.ATTRIBUTION)
st.caption(f"Database built {meta.get('built_at', 'unknown')}, code version {meta.get('code_version', 'unknown')}.")
