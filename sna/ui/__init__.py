"""The Streamlit glue shared by the pages: cached database access, the one place errors become
messages, page set-up. Map drawing is in sna.ui.maps and sna.ui.overlays, charts in sna.ui.charts.
Pages call these and render; they do not query or compute. Only sna.ui imports streamlit."""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from sna import db
from sna.config import REPO_ROOT, settings
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


@lru_cache(maxsize=8)
def _db_path(named: str | None) -> Path:
    """The database path for a value of SNA_DB (settings() resolves every path on each call: a dozen
    realpath walks per rerun were a tenth of a session's CPU)."""
    return settings().db_path


def db_path() -> Path:
    return _db_path(os.environ.get("SNA_DB"))


def version() -> str:
    """Which database file is open: the cache key for everything read from it (a stat, no query)."""
    return _file_version(db_path())


def cursor():
    """A cursor on the shared connection: a friendly page (how to rebuild) if the database is missing,
    empty or from an older version of this software."""
    path = db_path()
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


# The pages, in menu order: (file, label, what it is for). app.py only navigates. A page is listed only when its
# file exists. The menu is drawn by page_setup (client.showSidebarNavigation is off), so it is the same
# whether a visitor lands on Home or follows a link straight to a page on a freshly started server.
HOME = ("pages/0_Home.py", "Home", "what the needs assessment is, headline figures, the pages")
PAGES = [
    ("pages/1_Area_explorer.py", "Area explorer", "map any indicator by neighbourhood, ward or local authority, rank areas and open an area's profile"),
    ("pages/2_Priority_schools.py", "Priority schools", "schools in the places with the greatest need"),
    ("pages/3_Places.py", "Places", "the place-based impact areas and routes"),
    ("pages/5_Assessment.py", "Assessment", "a composite risk index with its uncertainty, high risk x high violence, tested hot spots, honest small-area rates and trends"),
    ("pages/4_Data_and_methods.py", "Data and methods", "every indicator's definition, source, vintage and licence, and how figures are made"),
]


def pages(with_home: bool = False) -> list[tuple[str, str, str]]:
    """The pages whose files exist (relative to the repository root), Home first when asked."""
    return [p for p in ([HOME] if with_home else []) + PAGES if _page_exists(p[0])]


@lru_cache(maxsize=16)
def _page_exists(file: str) -> bool:
    return (REPO_ROOT / file).exists()  # the app's own files: looked up once per process, not per rerun


def page_setup(title: str, map_levels: Callable[[], list[str]] | None = None) -> None:
    """Every page's first call: browser title, wide layout and the menu at the top of the sidebar. A page
    with a map says which levels it will likely draw (LA outlines always come; called after the page's
    config, as it may need the database): the browser then fetches the map's library and shapes first,
    before the widgets' own code (sna.ui.maps.preload)."""
    st.set_page_config(page_title=f"{title} | SNA explorer", layout="wide")
    from sna.ui import nodelay

    nodelay.once()  # every rerun reached the browser ~40 ms late without it (sna.ui.nodelay)
    if map_levels is not None:
        from sna.ui import maps

        levels = map_levels()
        with st.sidebar:
            maps.preload(levels)
    with st.sidebar, st.container(key="menu"):
        page_links(with_home=True)


def page_links(with_home: bool = False, with_purpose: bool = False) -> None:
    """Links to the pages (with what each is for, on Home). A page run on its own (AppTest of one file)
    has no other page to link to: then there are no links, rather than an error."""
    try:
        for file, label, purpose in pages(with_home=with_home):
            st.page_link(file, label=f"{label}: {purpose}" if with_purpose else label)
    except StreamlitPageNotFoundError:
        pass


# --- Cached readers shared by the pages ------------------------------------------------------
# Keyed by the database file's version (a hashed argument, so a rebuilt database is read afresh).
# Each is prepared once per database version and server process and shared read-only (cache_resource:
# callers must not modify what they get). cache_data unpickled a fresh copy on every call: the
# catalogue alone, read twice per explorer rerun, was about a tenth of a session's CPU (issue 13).

@st.cache_resource(show_spinner=False)
def _areas(level: str, built: str):
    return db.areas(cursor(), level)


@st.cache_resource(show_spinner=False)
def _catalogue(built: str):
    from sna.analysis import values

    return values.catalogue(cursor())


def areas(level: str, codes=None):
    """Areas of a level with display geometry (shared, do not modify); only those in `codes` when given."""
    frame = _areas(level, version())
    return frame if codes is None else frame[frame["code"].isin(set(codes))]


def catalogue():
    """The indicator catalogue with the levels each indicator is held at."""
    return _catalogue(version())


@st.cache_resource(show_spinner=False)
def _study_area(built: str):
    from sna.analysis import study_area

    return study_area.describe(cursor())


def study_area():
    """The study area in words (name, LAs, region, search examples) for page text."""
    return _study_area(version())


@st.cache_resource(show_spinner=False)
def _shape_counts(level: str, built: str) -> dict[str, int]:
    return db.shape_counts(cursor(), level)


def shape_counts(level: str) -> dict[str, int]:
    """How the areas of a level are drawn (boundary files, or 2011 shapes for 2021 LSOAs)."""
    return _shape_counts(level, version())


@st.cache_resource(show_spinner=False)
def _meta(built: str) -> dict[str, str]:
    return db.meta(cursor())


def meta() -> dict[str, str]:
    """The build's meta table (built_at, region, ...): read once per database version, not per rerun."""
    return _meta(version())


@st.cache_resource(show_spinner=False)
def _lad_names(built: str) -> dict[str, str]:
    return db.lad_names(cursor())


def lad_names() -> dict[str, str]:
    """Local authority code -> name of the study area (cached per database version)."""
    return _lad_names(version())


@st.cache_resource(show_spinner=False)
def _area_names(level: str, built: str) -> dict[str, str]:
    frame = _areas(level, built)
    return dict(zip(frame["code"], frame["name"]))


def area_names(level: str) -> dict[str, str]:
    """Code -> name of a level's areas (shared, do not modify): built once per database version."""
    return _area_names(level, version())
