"""Websocket bytes per rerun of the Priority schools and Places pages (issue 10, "one map module for
every map"): this tree (the map component: geometry fetched once by URL, per-rerun classes, tooltip
values and small overlays) against a baseline git revision (default `main` before the move: every map
an st.pydeck_chart with every polygon in its spec), as ratios taken in one run.

For each page and each tree: one websocket session (bench/ws_client.py, no browser) loads the page, then
reruns it three ways: nothing changed (a widget-free rerun), the map's indicator changed, and (Priority
schools) a school chosen. Bytes are all ForwardMsgs of the rerun. The geometry files this tree's maps
fetch once per browser session over HTTP (cacheable, not on the websocket) are listed beside.

Usage: python bench/bench_pages.py [--before main]   (SNA_DB picks the build; loopback only)
Writes bench/results/pages.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from ws_client import open_session  # noqa: E402
from bench_explorer import _serve  # noqa: E402

# page -> (selectbox key of the map's indicator, a label the new option's title holds)
PAGES = {"Priority_schools": ("map_indicator", "Crime"), "Places": ("places_indicator", "Crime")}
SCHOOL_URN = 103493  # Bordesley Green Girls' School (West Midlands)


def baseline_tree(rev: str, into: Path) -> Path:
    """The files of git revision `rev` (git archive), with this tree's git-ignored vendor/ linked in."""
    blob = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    if (ROOT / "vendor").exists():
        (into / "vendor").symlink_to((ROOT / "vendor").resolve())
    return into


def serve(tree: Path, env: dict) -> tuple[subprocess.Popen, str]:
    """The app of this source tree (its own pages and settings) on a free loopback port."""
    return _serve(tree / "app.py", {**env, "PYTHONPATH": str(tree)}, cwd=tree)


async def page_bytes(url: str, page: str) -> dict:
    """Bytes of a page load and of its reruns (nothing changed, indicator changed, a school chosen);
    an exception shown by a run is recorded under "exceptions"."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    key, label = PAGES[page]
    session = await open_session(url, page)
    out: dict = {}

    def note(name: str, run) -> None:
        out[name] = run.bytes
        if run.exception:
            out.setdefault("exceptions", {})[name] = run.exception

    try:
        note("load", await session.rerun())
        note("rerun", await session.rerun())
        note("indicator_change", await session.choose(key, label))
        if page == "Priority_schools":
            widget_id, options, _ = session.selectboxes["school"]
            state = WidgetState(id=widget_id)
            state.string_value = next(o for o in options if str(SCHOOL_URN) in o)
            session.widget_states["school"] = state
            note("school_chosen", await session.rerun())
        return out
    finally:
        await session.ws.close()


def measure(tree: Path, env: dict) -> dict[str, dict]:
    proc, url = serve(tree, env)
    try:
        return {page: asyncio.run(page_bytes(url, page)) for page in PAGES}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="git revision drawing these pages with st.pydeck_chart")
    args = parser.parse_args()
    env = {**os.environ, "SNA_DB": str(Path(os.environ.get("SNA_DB", ROOT / "data" / "sna.duckdb")).resolve())}
    with tempfile.TemporaryDirectory(prefix="sna-bench-before-") as tmp:
        before = measure(baseline_tree(args.before, Path(tmp)), env)
    after = measure(ROOT, env)
    newest: dict[str, Path] = {}  # per level, the file of the newest build (older builds' files stay beside it)
    for path in (ROOT / "static" / "sna-map").glob("areas-*.bin"):
        level = path.name.split("-")[1]
        if level not in newest or path.stat().st_mtime > newest[level].stat().st_mtime:
            newest[level] = path
    geometry = {p.name: p.stat().st_size for p in newest.values()}
    result = {"before_rev": args.before, "before": before, "after": after, "geometry_files_fetched_once": geometry}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "pages.json").write_text(json.dumps(result, indent=2))
    for page in PAGES:
        print(f"{page}:")
        for kind, was in before[page].items():
            now = after[page].get(kind)
            if isinstance(was, int) and isinstance(now, int):
                print(f"  {kind:17s} before {was:>10,} B  after {now:>9,} B  ratio after/before {now / was:.3f}")
            else:
                print(f"  {kind}: before {was!r}, after {now!r}")
    print("geometry files this tree's maps fetch once per browser session (HTTP, cacheable): "
          + ", ".join(f"{n} {s:,} B" for n, s in geometry.items()))


if __name__ == "__main__":
    main()
