"""The Streamlit glue shared by the pages: cached database access, the one place errors become
messages, page set-up. Map drawing is in sna.ui.maps and sna.ui.overlays, charts in sna.ui.charts.
Pages call these and render; they do not query or compute. Only sna.ui imports streamlit."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import streamlit as st

from sna import db
from sna.config import settings
from sna.errors import DatabaseError, SnaError


@st.cache_resource(show_spinner=False, max_entries=2)
def connection(path: str, version: str):
    """One read-only connection per database file version, its schema checked once.

    A rebuild renames a new file into place, which changes `version`, so the next page load opens
    the new file (db.connect attaches it afresh; connections still in use keep the old one).
    Failures are not cached: a missing database is looked for again on the next load."""
    con = db.connect(Path(path))
    try:
        db.check_schema(con)
    except DatabaseError:
        con.close()
        raise
    return con


def _file_version(path: Path) -> str:
    """Path, inode, modification time (ns) and size: any swap or rewrite of the file changes it."""
    try:
        info = path.stat()
    except OSError:
        return f"{path}@missing"
    return f"{path}@{info.st_ino}:{info.st_mtime_ns}:{info.st_size}"


def version() -> str:
    """Which database file is open: the cache key for everything read from it (a stat, no query)."""
    return _file_version(settings().db_path)


def cursor():
    """A cursor on the shared connection: a friendly page (how to rebuild) if the database is missing,
    empty or from an older version of this software."""
    path = settings().db_path
    try:
        return db.cursor(connection(str(path), _file_version(path)))
    except DatabaseError as exc:
        database_unavailable(exc, path)


def database_unavailable(exc: DatabaseError, path: Path) -> None:
    """The page shown instead of a traceback when there is no usable database; never shows server paths."""
    reason = str(exc).replace(f"at {path}", "at the path SNA_DB names").replace(str(path), "the database file")
    st.title("The data is not available right now")
    st.info("This site's database is being prepared or needs rebuilding. Please try again in a few minutes.")
    st.markdown("**If you run this site:** build the database, then reload this page (no restart is needed).")
    st.text(reason)
    st.code("python3 -m sna build", language="bash")
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


# --- Cached readers shared by the pages ------------------------------------------------------
# Keyed by the database file's version (a hashed argument, so a rebuilt database is read afresh).
# Geometry is prepared once per level and server process and shared read-only (cache_resource);
# the catalogue is small and copied per caller (cache_data).

@st.cache_resource(show_spinner=False)
def _areas(level: str, built: str):
    return db.areas(cursor(), level)


@st.cache_resource(show_spinner=False)
def _polygons(level: str, built: str) -> list[dict]:
    from geo.display import polygon_rows

    return polygon_rows(_areas(level, built))


@st.cache_data(show_spinner=False)
def _catalogue(built: str):
    from sna.analysis import values

    return values.catalogue(cursor())


def areas(level: str):
    """Areas of a level with display geometry (shared, do not modify)."""
    return _areas(level, version())


def polygons(level: str) -> list[dict]:
    """Map-ready polygons of a level (shared, do not modify)."""
    return _polygons(level, version())


def catalogue():
    """The indicator catalogue with the levels each indicator is held at."""
    return _catalogue(version())
