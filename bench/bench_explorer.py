"""Explorer speed, measured as ratios in one run (never asserted in tests).

1. Server time: a widget change on the Area explorer (a new indicator) against a rerun that changes
   nothing, timed with AppTest in-process (median of several runs; geometry warm, values not cached).
2. Map payload: the JSON of the pydeck spec we send for the 1,680 LSOAs (2011) against naive
   full-precision GeoJSON of the same LSOAs (geopandas to_json of `geometry` with all columns).
3. Browser: navigation to drawn map in headless Chromium, pydeck (bench/pydeck_page.py) against a
   streamlit-folium choropleth (bench/folium_page.py), side by side, alternating, same run.

Usage: python bench/bench_explorer.py [--rounds 3] [--no-browser]   (reads SNA_DB or data/sna.duckdb)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import from_wkb  # noqa: E402
from geo.display import polygon_rows  # noqa: E402
from sna import db  # noqa: E402
from sna.analysis import values as ex  # noqa: E402
import pydeck_spec as mapview  # noqa: E402  (the pydeck spec the product drew before)
from sna.config import settings  # noqa: E402

LSOA11_INDICATORS = ["police_robbery_rate", "police_weapons_rate", "police_asb_rate", "police_all_crime_rate",
                     "police_violence_sexual_rate", "police_robbery_count", "police_weapons_count", "police_asb_count",
                     "police_all_crime_count", "police_violence_sexual_count", "police_serious_violence_count"]
THEME_OF = "violence and crime"


def server_times(rounds: int) -> dict:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "1_Area_explorer.py"), default_timeout=300)
    at.run()
    at.selectbox(key="indicator").set_value("police_serious_violence_rate").run()  # warm lsoa11 geometry
    at.run()
    noop, change = [], []
    for ind in LSOA11_INDICATORS:
        start = time.perf_counter()
        at.run()
        noop.append(time.perf_counter() - start)
        start = time.perf_counter()
        at.selectbox(key="indicator").set_value(ind).run()
        change.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return {"noop_s": statistics.median(noop), "change_s": statistics.median(change),
            "ratio": statistics.median(change) / statistics.median(noop), "n": len(noop)}


def payload() -> dict:
    import geopandas as gpd

    con = db.connect()
    cat = ex.catalogue(con)
    ind = ex.indicator(cat, "police_serious_violence_rate")
    frame = ex.area_values(con, ind, "lsoa", list(db.lad_names(con)))
    classes = ex.map_classes(frame["value"], ind, "quantiles", 5)
    rows = mapview.map_rows(polygon_rows(db.areas(con, "lsoa11")), frame, classes, ind)
    lad = db.areas(con, "lad")
    layers = [mapview.choropleth_layer(rows), mapview.boundary_layer(polygon_rows(lad), "la_boundaries"),
              mapview.label_layer(lad, "la_labels")]
    spec = mapview.deck(layers, mapview.view_for(lad), mapview.tooltip(ind, "lsoa")).to_json()
    full = db.query(con, "SELECT * FROM areas WHERE level = 'lsoa11'")
    naive = gpd.GeoDataFrame(full.drop(columns=["geometry", "display"]),
                             geometry=from_wkb(full["geometry"]), crs=4326).to_json()
    pydeck_default = len(mapview.pdk.Deck(layers=layers[:1], initial_view_state=mapview.view_for(lad)).to_json())
    con.close()
    return {"areas": len(frame), "naive_bytes": len(naive), "choropleth_data_bytes": len(json.dumps(rows, separators=(",", ":"))),
            "deck_spec_bytes": len(spec), "ratio_spec": len(spec) / len(naive),
            "ratio_data": len(json.dumps(rows, separators=(",", ":"))) / len(naive),
            "pydeck_default_indent_bytes": pydeck_default}


def free_port() -> int:
    """A loopback port nothing listens on now (the benches' servers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(script: Path, env: dict, cwd: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run script` on a free loopback port (from cwd, which holds .streamlit/config.toml);
    return the process and its URL once healthy."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port),
                             "--browser.gatherUsageStats", "false", "--server.enableStaticServing", "true"], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read().strip() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not start for {script}")


STATIC = ROOT / "bench" / "static"  # served by Streamlit at /app/static (git-ignored)
LEAFLET_PACKAGES = {"leaflet@1.9.3": ["package/dist/leaflet.js", "package/dist/leaflet.css"],
                    "jquery@3.7.1": ["package/dist/jquery.min.js"]}


def local_leaflet() -> bool:
    """Leaflet and jQuery from the npm registry into bench/static, so the folium page can draw
    offline (folium loads them from CDNs by default). False if npm is not available."""
    import shutil
    import tarfile
    import tempfile

    wanted = [Path(m).name for members in LEAFLET_PACKAGES.values() for m in members]
    if all((STATIC / name).exists() for name in wanted):
        return True
    if shutil.which("npm") is None:
        return False
    STATIC.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for package, members in LEAFLET_PACKAGES.items():
            subprocess.run(["npm", "pack", package, "--silent"], cwd=tmp, check=True, capture_output=True, timeout=180)
            tarball = next(Path(tmp).glob(package.split("@")[0] + "-*.tgz"))
            with tarfile.open(tarball) as archive:
                for member in members:
                    (STATIC / Path(member).name).write_bytes(archive.extractfile(member).read())
    return True


def _time_pydeck(browser, url: str) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", state="visible", timeout=120000)
    elapsed = time.perf_counter() - start
    page.close()
    return elapsed


def _time_folium(browser, url: str, timeout_s: float = 90) -> float | None:
    """Seconds to the first SVG path drawn by Leaflet inside the component iframe; None if it never draws."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    deadline = start + timeout_s
    try:
        while time.perf_counter() < deadline:
            for frame in page.frames:
                try:
                    if frame.query_selector("path.leaflet-interactive"):
                        page.close()
                        return time.perf_counter() - start
                except Exception:  # noqa: BLE001 - a frame may detach while we look; bench code only
                    pass
            page.wait_for_timeout(100)
        return None
    finally:
        if not page.is_closed():
            page.close()


def browser_times(rounds: int) -> dict:
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "SNA_DB": str(settings().db_path), "SNA_BENCH_LOCAL_LEAFLET": "1" if local_leaflet() else ""}
    servers = [_serve(ROOT / "bench" / "pydeck_page.py", env), _serve(ROOT / "bench" / "folium_page.py", env),
               _serve(ROOT / "bench" / "pydeck_page.py", {**env, "SNA_BENCH_TRIVIAL": "1"})]
    (_, pydeck_url), (_, folium_url), (_, trivial_url) = servers
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("SNA_CHROMIUM", "/usr/bin/chromium"), headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                                               "--use-gl=angle", "--use-angle=swiftshader"])
            _time_pydeck(browser, pydeck_url)  # warm both servers' caches and imports
            _time_folium(browser, folium_url, 20)
            _time_pydeck(browser, trivial_url)
            pydeck, folium, trivial = [], [], []
            for _ in range(rounds):
                pydeck.append(_time_pydeck(browser, pydeck_url))
                folium.append(_time_folium(browser, folium_url))
                trivial.append(_time_pydeck(browser, trivial_url))
            browser.close()
    finally:
        for proc, _url in servers:
            proc.terminate()
            proc.wait(timeout=20)
    drawn = [f for f in folium if f is not None]
    return {"pydeck_s": statistics.median(pydeck), "pydeck_all": pydeck, "trivial_s": statistics.median(trivial),
            "folium_s": statistics.median(drawn) if drawn else None, "folium_all": folium}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--browser-only", action="store_true",
                        help="only the browser timing (e.g. on an England build: SNA_DB=... SNA_BENCH_INDICATOR=iod19_imd_score)")
    args = parser.parse_args()
    if not settings().db_path.exists():
        sys.exit(f"No database at {settings().db_path}: python -m sna build")

    if args.browser_only:
        _print_browser(browser_times(args.rounds))
        return
    size = payload()
    print(f"payload: naive GeoJSON of {size['areas']} LSOAs {size['naive_bytes']:,} B; our deck spec {size['deck_spec_bytes']:,} B "
          f"(ratio {size['ratio_spec']:.3f}); choropleth data alone {size['choropleth_data_bytes']:,} B (ratio {size['ratio_data']:.3f}); "
          f"target <= 0.25. (Default pydeck JSON, indented, of the same choropleth: {size['pydeck_default_indent_bytes']:,} B.)")

    times = server_times(args.rounds)
    print(f"server: no-change rerun {times['noop_s'] * 1000:.0f} ms, new indicator {times['change_s'] * 1000:.0f} ms "
          f"(median of {times['n']}); ratio {times['ratio']:.2f}, target <= 1.5")

    if not args.no_browser:
        _print_browser(browser_times(args.rounds))


def _print_browser(shown: dict) -> None:
    folium = (f"{shown['folium_s']:.2f} s" if shown["folium_s"] is not None
                  else "never drew within the time limit")
    ratio = f"; ratio pydeck/folium {shown['pydeck_s'] / shown['folium_s']:.2f}" if shown["folium_s"] else ""
    print(f"browser: navigation to drawn map, pydeck {shown['pydeck_s']:.2f} s (runs {[round(x, 2) for x in shown['pydeck_all']]}), "
          f"folium {folium} (runs {shown['folium_all']}){ratio}; a trivial one-layer pydeck page (7 labels) "
          f"{shown['trivial_s']:.2f} s in the same run (the floor: Streamlit start-up plus software WebGL)")


if __name__ == "__main__":
    main()
