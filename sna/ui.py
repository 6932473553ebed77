"""Helpers shared by the pages: cached database access, the one place errors become messages,
and the standard sidebar. Pages call these and render; they do not query or compute."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from sna import db
from sna.errors import SnaError


@st.cache_resource(show_spinner=False)
def connection():
    """One read-only connection per server process (DuckDB connections are thread-safe for reads via cursor())."""
    return db.connect()


def cursor():
    """A cursor on the shared connection: stops the page with a plain message if there is no database."""
    try:
        return connection().cursor()
    except SnaError as exc:
        st.error(str(exc))
        st.stop()


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Show a user error as a message and stop the page, instead of a traceback."""
    try:
        yield
    except SnaError as exc:
        st.error(str(exc))
        st.stop()


def page_setup(title: str) -> None:
    st.set_page_config(page_title=f"{title} | SNA explorer", layout="wide")


def source_caption(publisher: str, title: str, vintage: str, licence: str) -> str:
    return f"Source: {publisher}, {title} ({vintage}). {licence}."
