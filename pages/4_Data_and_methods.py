"""Data and methods: the indicator catalogue, how aggregates are made, the build log, data-quality
facts, confidence intervals and attribution. Renders only: the text and tables come from sna."""

from __future__ import annotations

import streamlit as st

from sna import db, ui
from sna.analysis import formatting as fmt, freshness, methods, values

ui.page_setup("Data and methods")
con = ui.cursor()
meta = ui.meta()


@st.cache_data(show_spinner=False)
def catalogue(built: str):
    return methods.catalogue_table(values.catalogue(ui.cursor()))


st.title("Data and methods")
st.markdown("Every figure in this explorer comes from an official open dataset listed here, with its publisher, "
            "vintage and licence. Nothing is estimated by hand.")

st.info(methods.IOD_NOT_A_SERIES)

st.subheader("Indicator catalogue")
table = catalogue(ui.version())
ALL = "all"
themes = [ALL, *sorted(table["Theme"].unique())]
chosen = st.selectbox("Theme", themes, key="theme", format_func=lambda t: "All themes" if t == ALL else fmt.sentence(t))
shown = table if chosen == ALL else table[table["Theme"] == chosen]
if shown.empty:
    st.info("No indicator in this theme. Choose another theme.")
else:
    st.dataframe(shown, hide_index=True, key="catalogue",
                 column_config={"Link": st.column_config.LinkColumn("Link", display_text="official page"),
                                "Definition": st.column_config.TextColumn("Definition", width="large")})
    st.caption(f"{len(shown)} of {len(table)} indicators.")
    st.download_button("Download the catalogue as CSV", shown.to_csv(index=False).encode("utf-8"),
                       file_name="indicator_catalogue.csv", mime="text/csv", key="download_catalogue")

st.subheader("How areas are combined")
for aggregation, text in methods.AGGREGATION_WORDS.items():
    st.markdown(f"- **{aggregation.replace('_', ' ').capitalize()}**: {text}")
st.markdown("- **Geography**: neighbourhoods are Lower layer Super Output Areas (LSOAs, about 1,500 residents). "
            "IoD2019 and police.uk figures use 2011 LSOAs; IoD2025 uses 2021 LSOAs. Wards are the 2024 wards, built "
            "from the official LSOA 2021 to ward best-fit lookup.")
st.markdown("- **Ranks on the map** are ranks among the areas shown (1 = the worse end), not national ranks; "
            "national deciles are shown where the source publishes them.")
if meta.get("notes"):
    st.caption(meta["notes"])

st.subheader("Confidence intervals and comparisons")
st.markdown(methods.CI_TEXT)

st.subheader("Data quality")
with ui.friendly_errors():
    quality, build_log, sources = db.data_quality(con), db.build_log(con), db.sources_table(con)
st.dataframe(quality.rename(columns=str.capitalize), hide_index=True, key="quality")

st.subheader("How fresh the data is")
st.caption("Per dataset: the vintage this build holds, the files it read (the mirrored official files, or newer ones a "
           "user supplied), and the newest release the publisher has out where the registry records it. To update: "
           "`python -m sna fetch policeuk_street` (or `gias`) with internet, or put downloaded files in data/incoming, "
           "or run `python -m sna build --input FILE`.")
with ui.friendly_errors():
    fresh = freshness.freshness_table(db.files_by_dataset(con))
st.dataframe(fresh, hide_index=True, key="freshness",
             column_config={"Download page": st.column_config.LinkColumn("Download page")})

st.subheader("Build log")
st.caption(f"Built {meta.get('built_at', 'unknown')} with code version {meta.get('code_version', 'unknown')}. "
           "Each row is one source file read by one build step: where it came from (mirror or user-supplied, "
           "and whether it was accepted by checksum or by its dataset's schema), its vintage and sha256.")
st.dataframe(build_log, hide_index=True, key="build_log")

st.subheader("Sources")
st.dataframe(sources, hide_index=True, key="sources",
             column_config={"official_page": st.column_config.LinkColumn("Official page")})

st.subheader("Attribution")
st.markdown(methods.ATTRIBUTION)
