"""Bench app: the real app (every page, the same menu) with the Area explorer's map swapped, to find the floor
that the explorer's other elements set for its time to a drawn map (bench_map.py --floor). SNA_BENCH_MAP:

- "none": no map at all; the time is to every element of the page shown (the earliest any map could appear,
  as Streamlit's front end reveals a page's elements together once their code has loaded);
- "folium": the folium map of the comparison page (folium_inline_page.py) in place of the product's map.

Run with: SNA_BENCH_MAP=none streamlit run bench/explorer_variant.py (from the repository root)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import streamlit as st  # noqa: E402

from sna import ui  # noqa: E402
from sna.ui import maps  # noqa: E402

VARIANT = os.environ.get("SNA_BENCH_MAP", "none")
# ui.pages as the app defines it: this script runs again on every rerun, when ui.pages is already replaced.
_app_pages = getattr(ui.pages, "app_pages", ui.pages)


def _absolute_pages(with_home: bool = False) -> list[tuple[str, str, str]]:
    """The app's pages by absolute path: this script is in bench/, and page links resolve beside the main script."""
    return [(str(ROOT / file), label, purpose) for file, label, purpose in _app_pages(with_home=with_home)]


_absolute_pages.app_pages = _app_pages


def _no_map(**_kwargs) -> None:
    return None


def _folium_map(**_kwargs) -> None:
    from folium_inline_page import folium_map

    folium_map()


ui.pages = _absolute_pages  # the menu's links (sna.ui.page_links looks the function up when it runs)
maps.area_map = {"none": _no_map, "folium": _folium_map}[VARIANT]
st.navigation([st.Page(file, title=label, default=i == 0) for i, (file, label, _) in enumerate(_absolute_pages(with_home=True))],
              position="hidden").run()
