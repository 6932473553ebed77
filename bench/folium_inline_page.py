"""Bench page: the comparison map of issue 10, a folium choropleth of every LSOA of the study area at
full precision (the `geometry` column, BGC boundaries; the display geometry where a build keeps no other, as England's does) rendered to HTML with Leaflet and jQuery
inlined from their npm packages (bench/static, fetched by bench_map.py) and embedded with
components.html. Nothing is fetched from a CDN, so it draws offline."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium  # noqa: E402
import geopandas as gpd  # noqa: E402
import streamlit as st  # noqa: E402
import streamlit.components.v1 as components  # noqa: E402

from geo import from_wkb  # noqa: E402
from sna import db, ui  # noqa: E402
from sna.analysis import values as ex  # noqa: E402
from sna.analysis.classify import hex_colour  # noqa: E402
from sna.ui import nodelay  # noqa: E402

STATIC = Path(__file__).resolve().parent / "static"
INDICATOR = os.environ.get("SNA_BENCH_INDICATORS", "iod25_violence_with_injury").split(",")[0]


@st.cache_resource(show_spinner=False)
def page_html(indicator_id: str, built: str) -> str:
    con = ui.cursor()
    ind = ex.indicator(ui.catalogue(), indicator_id)
    level = ex.db_level(ind, "lsoa")
    frame = ex.area_values(con, ind, "lsoa", list(db.lad_names(con)))
    classes = ex.map_classes(frame["value"], ind, "quantiles", 5)
    colour = {c: hex_colour(classes.colours[k]) if k >= 0 else "#c8c8c8" for c, k in zip(frame["code"], classes.classes)}
    # The England build keeps only the display geometry (geometry is NULL there): use it when it is.
    full = db.query(con, "SELECT code, name, coalesce(geometry, display) AS geometry FROM areas WHERE level = ?", [level])
    gdf = gpd.GeoDataFrame(full[["code", "name"]], geometry=from_wkb(full["geometry"]), crs=4326)
    gdf["value"] = gdf["code"].map(dict(zip(frame["code"], frame["value"])))
    m = folium.Map(location=[52.5, -1.9], zoom_start=10, tiles=None)
    m.default_js = [("leaflet", "inline:leaflet.js"), ("jquery", "inline:jquery.min.js")]
    m.default_css = [("leaflet_css", "inline:leaflet.css")]
    folium.GeoJson(gdf, style_function=lambda f: {"fillColor": colour.get(f["properties"]["code"], "#c8c8c8"), "color": "white",
                                                 "weight": 0.3, "fillOpacity": 0.9},
                   tooltip=folium.GeoJsonTooltip(["name", "code", "value"])).add_to(m)
    m.fit_bounds([[gdf.total_bounds[1], gdf.total_bounds[0]], [gdf.total_bounds[3], gdf.total_bounds[2]]])
    html = m.get_root().render()
    for name in ("leaflet.js", "jquery.min.js"):
        html = html.replace(f'<script src="inline:{name}"></script>', f"<script>{(STATIC / name).read_text()}</script>")
    return html.replace('<link rel="stylesheet" href="inline:leaflet.css"/>', f"<style>{(STATIC / 'leaflet.css').read_text()}</style>")


def folium_map() -> None:
    """The folium map as an element (also drawn in place of the explorer's own map by explorer_variant.py)."""
    components.html(page_html(INDICATOR, ui.version()), height=540)


if __name__ == "__main__":  # Streamlit runs the page as __main__; explorer_variant.py imports folium_map
    st.set_page_config(page_title="bench: folium", layout="wide")
    nodelay.once()  # the app's own server fix (sna.ui.nodelay), so the pages are compared on equal terms
    folium_map()
