"""The map's targets (issue 10), as ratios taken in one run in headless Chromium (never asserted in tests).

1. Time to a drawn map: bench/map_page.py (the product's map of every LSOA of the study area) and the
   real Area explorer, against bench/folium_inline_page.py (folium, Leaflet and jQuery inlined from
   npm, components.html) of the same LSOAs at full precision: navigation in a fresh browser context
   (nothing cached) to every polygon drawn, by the page's clock; median of --rounds, alternating.
2. Bytes received over the websocket for an indicator change (map page and real explorer), against
   naive GeoJSON of the level (geopandas to_json of the full-precision geometry with all columns).
3. Browser time from an indicator change to the recoloured map, against a rerun that changes nothing
   (the page's Rerun button), both until the script run is shown and the map drawn; with each one's
   phases by the page's clock (the click, the first, largest and last websocket message, the map's
   script called and its frame drawn, the bench seeing it), medians in ms after the click.
4. A pan frame: a drag's pointer move to the animation frame after the one that drew it (median of 8),
   with the last frame's read-back and paint of the areas' id image.

With --floor, the explorer also runs with no map (time to every element shown) and with the folium map in
place of its own (bench/explorer_variant.py): the floor the explorer's other elements set for any map.

Usage: python bench/bench_map.py [--rounds 3] [--no-explorer] [--proxy: the explorer through nginx too] [--floor]   (SNA_DB picks the build; for England:
SNA_DB=/tmp/map-england.duckdb SNA_BENCH_INDICATORS=iod19_imd_score,iod19_income_rank python bench/bench_map.py
--rounds 1 --no-explorer: England's build has 2011 LSOA boundaries only)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_explorer import _serve, free_port, local_leaflet  # noqa: E402
from sna.config import settings  # noqa: E402

INDICATORS = os.environ.get("SNA_BENCH_INDICATORS", "iod25_violence_with_injury,iod25_crime_score").split(",")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--use-gl=angle", "--use-angle=swiftshader"]
# A new geometry is drawn in colour first; its id image (which recolours without drawing polygons) follows when idle.
IDS_READY = "() => globalThis.__snaMaps.map.mode === 'ids'"
MAP_DRAWN = """(after) => { const s = globalThis.__snaMaps && globalThis.__snaMaps.map;
    return !!s && s.version > after && s.root.dataset.drawn === String(s.version); }"""


# The explorer without a map: its time is to every element shown (the ranked table there, no placeholder left).
PAGE_SHOWN = """() => document.querySelector('.st-key-ranked') && !document.querySelector('[data-testid="stSkeleton"]')
    && !document.querySelector('[data-testid="stStatusWidget"]') ? performance.now() : null"""


def naive_geojson(level: str) -> tuple[int, int]:
    """(areas, bytes) of naive GeoJSON of a level: every column, full-precision geometry (display if none)."""
    import geopandas as gpd

    from geo import from_wkb
    from sna import db

    con = db.connect()
    full = db.query(con, "SELECT * FROM areas WHERE level = ?", [level])
    con.close()
    # The England build keeps only the display geometry (geometry is NULL there): use it when it is.
    geometry = full["geometry"].where(full["geometry"].notna(), full["display"])
    text = gpd.GeoDataFrame(full.drop(columns=["geometry", "display"]), geometry=from_wkb(geometry), crs=4326).to_json()
    return len(full), len(text.encode())


def _folium_drawn(page, n: int) -> float | None:
    """Epoch ms at which a frame was seen with every polygon drawn, or None."""
    for frame in page.frames:
        try:
            got = frame.evaluate("() => [document.querySelectorAll('path.leaflet-interactive').length, performance.timeOrigin + performance.now()]")
            if got[0] >= n:
                return got[1]
        except Exception:  # noqa: BLE001 - a frame may detach while we look; bench code only
            pass
    return None


def cold_load(browser, url: str, kind: str, n: int, timeout_s: float = 600) -> float | None:
    """Seconds from navigation start to the whole map drawn, in a fresh context (empty cache), timed
    by the page's own clock (Playwright's round trips on a loaded machine would add seconds to both)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    try:
        if kind.endswith("folium"):
            drawn = None
            while drawn is None:
                if time.perf_counter() - start > timeout_s:
                    return None
                page.wait_for_timeout(30)
                drawn = _folium_drawn(page, n)
            return (drawn - page.evaluate("() => performance.timeOrigin")) / 1000
        if kind.endswith("no-map"):
            return page.wait_for_function(PAGE_SHOWN, timeout=timeout_s * 1000, polling="raf").json_value() / 1000
        page.wait_for_function(MAP_DRAWN, arg=0, timeout=timeout_s * 1000, polling=50)
        return page.evaluate("() => globalThis.__snaMaps.map.timing.drawn") / 1000
    finally:
        context.close()


# Page-clock timestamps for the breakdown of a rerun: the click, each websocket message (time, bytes).
PHASES_INIT = """(() => {
  globalThis.__snaBench = { clicks: [], ws: [] };
  document.addEventListener("click", () => globalThis.__snaBench.clicks.push(performance.now()), true);
  const Native = globalThis.WebSocket;
  globalThis.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => globalThis.__snaBench.ws.push(
        [performance.now(), e.data.byteLength || e.data.size || e.data.length || 0]));
    }
  };
})()"""
PHASES = """(map) => { const b = globalThis.__snaBench, s = globalThis.__snaMaps.map, click = b.clicks[b.clicks.length - 1];
  const msgs = b.ws.filter(([t]) => t >= click), big = msgs.reduce((m, x) => (x[1] > m[1] ? x : m), [click, 0]);
  return { first: msgs.length ? msgs[0][0] - click : null, last: msgs.length ? msgs[msgs.length - 1][0] - click : null, big: big[0] - click, bytes: big[1],
           called: map ? s.calledAt - click : null, drawn: map ? s.drawnAt - click : null, seen: b.seen - click }; }"""


def _runs(page) -> str:
    return page.locator(".st-key-runs").inner_text()


def _finished(page, runs_before: str, map_after: int | None, timeout_ms: int = 120000) -> None:
    page.wait_for_function("""([runs, after]) => {
        const r = document.querySelector('.st-key-runs');
        if (!r || r.innerText === runs || document.querySelector('[data-testid="stStatusWidget"]')) return false;
        const s = globalThis.__snaMaps.map;
        if (after !== null && !(s.version > after && s.root.dataset.drawn === String(s.version))) return false;
        if (globalThis.__snaBench) globalThis.__snaBench.seen = performance.now();
        return true;
    }""", arg=[runs_before, map_after], timeout=timeout_ms, polling=20)


PAN_INIT = """() => { const s = globalThis.__snaMaps.map, b = (globalThis.__snaPan = { moves: [] });
  s.container.addEventListener("pointermove", (e) => { if (!e.buttons) return; const t0 = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => b.moves.push(performance.now() - t0))); }, true); }"""


def pan_frame_ms(page, moves: int = 8) -> tuple[float, dict]:
    """Median ms from a drag's pointer move to the animation frame after the one that drew the moved map
    (the map's frame callbacks were queued before the bench's, so they ran first; the next frame waits
    for the GPU process to have rasterised it, as software WebGL does that after the script): a pan frame."""
    page.evaluate(PAN_INIT)
    box = page.locator(".sna-map-canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(moves):
        page.mouse.move(x + 12 * (i + 1), y + 5 * (i + 1))
        page.wait_for_timeout(700)
    page.mouse.up()
    got = page.evaluate("() => globalThis.__snaPan.moves")
    last = page.evaluate("() => globalThis.__snaMaps.map.idTiming || {}")  # the areas' id image, where the map has one
    return (statistics.median(got) if got else float("nan")), last


def interactions(browser, url: str, rounds: int) -> dict:
    """Indicator changes and no-op reruns on the map page, alternating: seconds and websocket bytes."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.add_init_script(PHASES_INIT)
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
    page.goto(url, wait_until="commit")
    page.wait_for_function(MAP_DRAWN, arg=0, timeout=300000)
    page.wait_for_function(IDS_READY, timeout=60000)  # recolours are timed on the id image, not the first colour frame
    page.wait_for_timeout(500)
    change_s, noop_s, change_bytes, noop_bytes, change_js = [], [], [], [], []
    phases: dict[str, list[dict]] = {"change": [], "noop": []}
    for i in range(2 * rounds):
        runs, version, mark = _runs(page), page.evaluate("() => globalThis.__snaMaps.map.version"), len(frames)
        start = time.perf_counter()
        page.locator(".st-key-noop button").click()
        _finished(page, runs, None)
        noop_s.append(time.perf_counter() - start)
        noop_bytes.append(sum(frames[mark:]))
        phases["noop"].append(page.evaluate(PHASES, False))
        page.wait_for_timeout(300)
        combo = page.locator(".st-key-indicator [role='combobox']")
        combo.click()
        option = page.get_by_role("option", name=INDICATORS[(i + 1) % 2], exact=True)
        option.wait_for()
        runs, version, mark = _runs(page), page.evaluate("() => globalThis.__snaMaps.map.version"), len(frames)
        start = time.perf_counter()
        option.click()
        _finished(page, runs, version)
        change_s.append(time.perf_counter() - start)
        change_bytes.append(sum(frames[mark:]))
        change_js.append(page.evaluate("() => { const s = globalThis.__snaMaps.map; return (s.drawnAt - s.calledAt) / 1000; }"))
        phases["change"].append(page.evaluate(PHASES, True))
        page.wait_for_timeout(300)
    drawn_from = page.evaluate("() => globalThis.__snaMaps.map.data.geo.split('/').pop()")
    pan, pan_parts = pan_frame_ms(page)
    page.close()
    return {"drawn_from": drawn_from, "pan_ms": pan, "pan_parts": pan_parts, "change_s": statistics.median(change_s), "noop_s": statistics.median(noop_s),
            "change_bytes": statistics.median(change_bytes), "noop_bytes": statistics.median(noop_bytes),
            "change_all": [round(x, 3) for x in change_s], "noop_all": [round(x, 3) for x in noop_s],
            "change_js_s": statistics.median(change_js),
            "phases": {kind: {k: statistics.median([r[k] for r in rows if r[k] is not None] or [0]) for k in rows[0]}
                       for kind, rows in phases.items()}}


def explorer_change_bytes(browser, url: str) -> int:
    """Websocket bytes for one indicator change on the real Area explorer (the whole page's deltas)."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
    page.goto(f"{url}/Area_explorer", wait_until="commit")
    page.wait_for_function(MAP_DRAWN, arg=0, timeout=300000)
    page.wait_for_function(IDS_READY, timeout=60000)
    page.wait_for_timeout(1500)
    version, mark = page.evaluate("() => globalThis.__snaMaps.map.version"), len(frames)
    combo = page.locator(".st-key-indicator [role='combobox']")
    combo.click()
    combo.fill("Crime 2025: score")
    page.get_by_role("option").first.click()
    page.wait_for_function(MAP_DRAWN, arg=version, timeout=120000)
    page.wait_for_timeout(1000)
    page.close()
    return sum(frames[mark:])


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-explorer", action="store_true", help="skip the real Area explorer (e.g. on England)")
    parser.add_argument("--no-folium", action="store_true")
    parser.add_argument("--proxy", action="store_true", help="also the real explorer through scripts/serve.py (nginx, 1 process)")
    parser.add_argument("--floor", action="store_true", help="also the explorer with no map (every element shown) and with the "
                        "folium map in place of its own (bench/explorer_variant.py): the floor its other elements set")
    args = parser.parse_args()
    if not settings().db_path.exists():
        sys.exit(f"No database at {settings().db_path}: python -m sna build")
    if not local_leaflet():
        sys.exit("npm is needed once to fetch Leaflet for the folium page (apt-get install -y npm)")
    from sna import db
    from sna.analysis import values as ex

    con = db.connect()
    level = ex.db_level(ex.indicator(ex.catalogue(con), INDICATORS[0]), "lsoa")
    con.close()
    n, naive = naive_geojson(level)
    env = {**os.environ, "SNA_BENCH_INDICATORS": ",".join(INDICATORS)}
    servers = {"map": _serve(ROOT / "bench" / "map_page.py", env)}
    if not args.no_folium:
        servers["folium"] = _serve(ROOT / "bench" / "folium_inline_page.py", env)
    if not args.no_explorer:
        servers["explorer"] = _serve(ROOT / "app.py", env)
    if args.floor:
        for kind, variant in {"explorer-folium": "folium", "explorer-no-map": "none"}.items():
            servers[kind] = _serve(ROOT / "bench" / "explorer_variant.py", {**env, "SNA_BENCH_MAP": variant})
    site = None
    if args.proxy:  # the hosting recipe: nginx serves the front end's files, one Streamlit process behind it
        sys.path.insert(0, str(ROOT / "scripts"))
        import tempfile

        from serve import launch

        port = free_port()
        site = launch(1, "127.0.0.1", port, free_port(), Path(tempfile.mkdtemp(prefix="bench-map-")), settings().db_path)
        servers["explorer-proxy"] = (None, f"http://127.0.0.1:{port}")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("SNA_CHROMIUM", "/usr/bin/chromium"),
                                         headless=True, args=CHROMIUM_ARGS)
            # Warm each server once (first-run caches: geometry files, folium HTML), not timed.
            for kind, (_, url) in servers.items():
                cold_load(browser, f"{url}/Area_explorer" if kind.startswith("explorer") else url, kind, n)
            times: dict[str, list[float | None]] = {kind: [] for kind in servers}
            for _ in range(args.rounds):
                for kind, (_, url) in servers.items():
                    times[kind].append(cold_load(browser, f"{url}/Area_explorer" if kind.startswith("explorer") else url, kind, n))
            acts = interactions(browser, servers["map"][1], args.rounds)
            explorer_bytes = None if args.no_explorer else explorer_change_bytes(browser, servers["explorer"][1])
            browser.close()
    finally:
        for proc, _ in servers.values():
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=20)
        if site is not None:
            site.stop()

    def med(kind: str) -> float | None:
        got = [t for t in times.get(kind, []) if t is not None]
        return statistics.median(got) if got else None

    print(f"areas: {n:,} LSOAs ({level}); naive GeoJSON {naive:,} B. Machine shared with other sessions (2 cores).")
    folium = med("folium")
    for kind in ("map", "explorer", "explorer-proxy", "explorer-folium", "explorer-no-map"):
        if kind in times:
            runs = [None if t is None else round(t, 2) for t in times[kind]]
            ratio = f"; ratio to folium {med(kind) / folium:.2f}" if folium else ""
            what = "every element shown, explorer with no map" if kind == "explorer-no-map" else f"drawn map, {kind}"
            print(f"{what}: {med(kind):.2f} s (runs {runs}){ratio}")
    if "folium" in times:
        print(f"drawn map, folium: {folium:.2f} s (runs {[None if t is None else round(t, 2) for t in times['folium']]})"
              if folium else "drawn map, folium: never drew within the time limit")
    print(f"indicator change, map page: {acts['change_bytes']:,} B over the websocket = {acts['change_bytes'] / naive:.3%} of naive "
          f"GeoJSON (target <= 5%); a no-op rerun {acts['noop_bytes']:,} B")
    if explorer_bytes is not None:
        print(f"indicator change, real Area explorer (whole page): {explorer_bytes:,} B = {explorer_bytes / naive:.3%} of naive GeoJSON")
    print(f"browser time, indicator change to recoloured map {acts['change_s'] * 1000:.0f} ms vs no-op rerun {acts['noop_s'] * 1000:.0f} ms: "
          f"ratio {acts['change_s'] / acts['noop_s']:.2f} (target <= 1.5); runs {acts['change_all']} vs {acts['noop_all']}")
    print(f"  of the change, in the map's script (data in to recoloured frame drawn): {acts['change_js_s'] * 1000:.0f} ms; "
          f"areas drawn from {acts['drawn_from']}")
    parts = acts["pan_parts"]
    print(f"  a pan frame (drag move to the frame after the one drawn, median): {acts['pan_ms']:.0f} ms"
          + (f"; of the last one, reading the id image back {parts['read']:.0f} ms, painting it {parts['paint']:.0f} ms" if parts else ""))
    for kind, ph in acts["phases"].items():  # medians, ms after the click, by the page's clock
        print(f"  {kind} phases (ms after the click): first message {ph['first']:.0f}, largest message ({ph['bytes']:,.0f} B) "
              f"{ph['big']:.0f}" + (f", map called {ph['called']:.0f}, map drawn {ph['drawn']:.0f}" if kind == "change" else "")
              + f", last message {ph['last']:.0f}, seen by the bench {ph['seen']:.0f}")


if __name__ == "__main__":
    main()
