"""The entry point: the navigation of the pages listed in sna.ui (Home first). The menu itself is drawn by
sna.ui.page_setup on every page, so it is the same for a visitor who follows a link straight to a page.

Run with: streamlit run app.py (reads the database built by `python -m sna build`)."""

from __future__ import annotations

import streamlit as st

from sna import ui


def navigation() -> None:
    pages = [st.Page(file, title=label, default=i == 0) for i, (file, label, _purpose) in enumerate(ui.pages(with_home=True))]
    st.navigation(pages, position="hidden").run()


navigation()
