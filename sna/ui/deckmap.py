"""The map component (st.components.v2 with deck.gl), shared by every map of the product.

Why a component and not st.pydeck_chart: pydeck sends the whole deck spec, every polygon, on every
rerun (0.84-0.93 MB for the LSOAs). Here the browser loads deck.gl once (the bundle shipped in the
installed pydeck wheel), fetches each level's geometry once by URL (a binary file the app writes at
start into the main script's static/ folder, served by Streamlit's static serving and named by the
database version, so browsers may cache it), and every rerun sends only per-area classes, tooltip
values, the selection and the page's small overlays (schools, routes, outlines, labels). A click
returns the area's code, or the overlay feature's layer and id, to Python as a trigger value.
The areas are drawn in id colours only when the view or geometry changes and painted on a 2D canvas
through a colour table per rerun (deckmap.js): a recolour draws no polygons (England: ~190 ms less)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
import os
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Callable

import streamlit as st

SOURCE = Path(__file__).with_name("deckmap.js")
ASSET_FOLDER = "sna-map"
CSS = """
.sna-map { position: relative; width: 100%; }
.sna-map-canvas { position: relative; width: 100%; background: #f4f6f8; border: 1px solid #d5dbe1;
                  border-radius: 4px; overflow: hidden; touch-action: none; }
.sna-map-ids, .sna-map-paint { position: absolute; left: 0; top: 0; width: 100%; height: 100%; }
.sna-map-ids { opacity: 0; }
.sna-map-paint { pointer-events: none; }
.sna-map-frame { position: absolute; inset: 0; pointer-events: none; z-index: 1; }
.sna-map-frame .deck-tooltip { display: none; }
.sna-map-bar { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin-top: .35rem;
               font: 14px sans-serif; color: #1b2631; }
.sna-map-bar[hidden] { display: none; }
.sna-map-bar button { font: inherit; padding: .2rem .6rem; border: 1px solid #1f5a87; border-radius: 4px;
                      background: white; color: #1f5a87; cursor: pointer; }
.sna-map-bar button[aria-pressed="true"] { background: #1f5a87; color: white; }
"""

# The script travels inline with the element: Streamlit sends an unchanged element's message by
# reference (its message cache), so its 20 kB come again only with new map data. Loading it by URL
# instead cost a cold visit one more round trip before the map could start (issue 10).


def script_text(source: str) -> str:
    """The script as sent: without its whole-line comments and indentation (26 -> 20 kB; the newlines stay,
    so statements end where they did). It has no multi-line string for this to change."""
    return "\n".join(line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("//"))


_component = st.components.v2.component("sna_map", js=script_text(SOURCE.read_text(encoding="utf-8")), css=CSS)


def static_folder() -> Path:
    """Where Streamlit serves /app/static from: the folder `static` beside the main script."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return _static_folder(ctx.main_script_path if ctx and ctx.main_script_path else str(Path.cwd() / "app.py"))


@lru_cache(maxsize=4)
def _static_folder(main_script: str) -> Path:
    # Resolved once per main script: a realpath walk on each of a rerun's calls was 5% of a session's CPU.
    return Path(main_script).resolve().parent / "static" / ASSET_FOLDER


def asset_url(name: str) -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{'/' + base if base else ''}/app/static/{ASSET_FOLDER}/{name}"


def _write(path: Path, content: bytes) -> None:
    """Write atomically (another session may read the file while we write it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


DECKGL_NPM = Path(__file__).resolve().parents[2] / "vendor" / "deckgl" / "9.0.12"  # from npm by scripts/setup.sh


def _library_sources() -> list[tuple[Path, str]]:
    """deck.gl core and layers from npm (0.7 MB) when setup fetched them, else the pydeck wheel's bundle (2.6 MB)."""
    npm = [DECKGL_NPM / "core.min.js", DECKGL_NPM / "layers.min.js"]
    if all(p.is_file() and p.stat().st_size for p in npm):
        return [(p, f"deckgl-9.0.12-{p.name}") for p in npm]
    import pydeck

    return [(Path(pydeck.__file__).parent / "nbextension" / "static" / "index.js", f"deckgl-pydeck-{package_version('pydeck')}.js")]


@st.cache_resource(show_spinner=False)
def _library(folder: str) -> list[str]:
    names = []
    for source, name in _library_sources():
        target = Path(folder) / name
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            _write(target, source.read_bytes())
        names.append(name)
    return names


def library_urls() -> list[str]:
    """The deck.gl scripts to load in order, copied beside the app once per server process."""
    return [asset_url(name) for name in _library(str(static_folder()))]


@st.cache_resource(show_spinner=False)
def _geometry(level: str, built: str, folder: str) -> tuple[str, dict[str, int]]:
    from geo.display import pack_polygons
    from sna import ui

    frame = ui.areas(level)
    content = pack_polygons(frame)
    digest = hashlib.sha1(built.encode() + content[:4096]).hexdigest()[:12]
    database = hashlib.sha1(built.partition("@")[0].encode()).hexdigest()[:6]  # which file: sites may share a folder
    name = f"areas-{level}-{database}-{digest}.bin"
    target = Path(folder) / name
    if not target.exists():
        _write(target, content)
        prune_geometry(Path(folder), keep=name)
    return name, {code: i for i, code in enumerate(frame["code"])}


STALE_SECONDS = 24 * 3600


def prune_geometry(folder: Path, keep: str, now: float | None = None) -> list[str]:
    """Remove the files of `keep`'s level and database written for earlier versions of it, once a day old: a
    site rebuilt nightly wrote a new set every night and nothing removed the old ones. A day's grace lets
    pages opened before a rebuild (and other server processes) finish with theirs; other levels and other
    databases served from the same folder are left alone. Returns the names removed."""
    import time

    now = time.time() if now is None else now
    removed = []
    level = keep.split("-")[1]
    earlier = [*folder.glob(keep.rsplit("-", 1)[0] + "-*.bin"),
               *folder.glob(f"areas-{level}-{'?' * 12}.bin")]  # names from before the database was in them
    for path in sorted(earlier):
        try:
            if path.name != keep and now - path.stat().st_mtime > STALE_SECONDS:
                path.unlink()
                removed.append(path.name)
        except OSError:  # another process removed it first
            continue
    return removed


def geometry(level: str) -> tuple[str, dict[str, int]]:
    """(URL of the level's geometry file, code -> position in it): written once per database version."""
    from sna import ui

    name, index = _geometry(level, ui.version(), str(static_folder()))
    return asset_url(name), index


def preload(urls: list[str], key: str = "map_preload") -> None:
    """An invisible element, placed before the page's widgets, that starts fetching deck.gl and these
    geometry files. The map's code otherwise starts only after the widgets' own code (some 80 chunks on
    the explorer) has loaded and React has shown them, so the explorer's map was drawn 0.3-0.6 s later
    than on a page with the map alone (issue 10). Measured again on 2026-12-07, it no longer measurably
    helps: Streamlit's front end now showed a run's elements together, this one with them; without it the
    explorer's map was drawn 1-3% later (2026-12-07, 6-8 cold loads each way, within the noise); links that preload the
    same files from a markdown element made it 5% later (their downloads compete with the widgets' chunks)."""
    _component(key=key, data={"preload": True, "lib": library_urls(), "geo": urls}, height="content")


def mount(key: str, data: dict, on_pick: Callable[[dict], None]) -> None:
    """Mount the map; on_pick gets the click's payload ({code, add} or {clear}) before the next run."""

    def _picked() -> None:
        value = st.session_state.get(key)
        payload = getattr(value, "pick", None) if not isinstance(value, dict) else value.get("pick")
        if isinstance(payload, dict):
            on_pick(payload)

    _component(key=key, data=data, on_pick_change=_picked, height="content")
