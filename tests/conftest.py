"""Shared fixtures: the real database, built once per test session from the mirrored sources."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from sna.config import settings

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _sources_dir() -> Path:
    config = settings()
    if config.sources_dir is None or not config.sources_dir.exists():
        pytest.skip("no mirrored sources (set SNA_SOURCES or place them in ../shared/sources)")
    return config.sources_dir


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    return _sources_dir()


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """data built from the real mirror for the West Midlands into a session temp folder.

    SNA_DB is pointed at it so that pages under AppTest and the served app read the same file."""
    _sources_dir()
    from sna.build import build

    path = tmp_path_factory.mktemp("db") / "sna.duckdb"
    os.environ["SNA_DB"] = str(path)
    build("west-midlands", progress=False)
    return path


@pytest.fixture()
def con(built_db):
    from sna import db

    connection = db.connect(built_db)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@contextlib.contextmanager
def serve(db_path: Path, log_name: str = "streamlit-server.log"):
    """`streamlit run app.py` on a free loopback port, reading db_path; yields the URL.

    Polls /_stcore/health instead of sleeping; prints the server log if it fails to start."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = ARTIFACTS / log_name
    ARTIFACTS.mkdir(exist_ok=True)
    env = {**os.environ, "SNA_DB": str(db_path)}
    repo = Path(__file__).resolve().parent.parent
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                 "--server.address", "127.0.0.1", "--server.port", str(port),
                                 "--browser.gatherUsageStats", "false"], cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read().strip() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start:\n" + log.read_text())
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def served_app(built_db):
    """The app served on loopback, reading the session's West Midlands database."""
    with serve(built_db) as url:
        yield url


@pytest.fixture(scope="session")
def west_yorkshire_db(sources_dir, tmp_path_factory) -> Path:
    """A real build of the second shipped partnership (West Yorkshire), in a session temp folder."""
    from dataclasses import replace

    from sna.build import build

    path = tmp_path_factory.mktemp("wy") / "sna.duckdb"
    build("west-yorkshire", config=replace(settings(), sources_dir=sources_dir, db_path=path), progress=False)
    return path


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (its own browser download does not work offline)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    chromium_path = os.environ.get("SNA_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium_path).exists():
        pytest.skip(f"no Chromium at {chromium_path}: apt-get install -y chromium")
    with playwright_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_path, headless=True,
                                      args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                            "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-unsafe-swiftshader",
                                            "--use-gl=angle", "--use-angle=swiftshader"])
        yield instance
        instance.close()


class BrowserLog(list):
    """The console errors of a page (a list), plus its failed HTTP responses.

    Opened at a page path (e.g. /Places), Streamlit's frontend first probes <path>/_stcore/health and
    <path>/_stcore/host-config to find the server's base path (404), then falls back to the root:
    those probes, and the console lines they cause, are the only failures `unexplained` forgives."""

    def __init__(self, page):
        super().__init__()
        self.failed: list[str] = []
        page.on("console", lambda msg: self.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.append(str(exc)))
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def unexplained(self) -> list[str]:
        probes = [f for f in self.failed if f.startswith("404 ") and f.endswith(("/_stcore/health", "/_stcore/host-config"))]
        other_failures = [f for f in self.failed if f not in probes and "favicon" not in f]
        resource_lines = [e for e in self if e.startswith("Failed to load resource")]
        allowed = len(probes) + sum("favicon" in f for f in self.failed)
        errors = [e for e in self if not e.startswith("Failed to load resource")]
        if len(resource_lines) > allowed:
            errors += resource_lines
        return errors + other_failures


def new_page(browser, width: int = 1280, height: int = 800):
    """A blank page with its BrowserLog attached: (page, log)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    return page, BrowserLog(page)


def open_page(browser, url: str, path: str = "", width: int = 1280, height: int = 800):
    """A new page at url/path, waiting until Streamlit has finished running the script.

    Returns (page, log): log is a BrowserLog, a list of the console's errors with `unexplained()`."""
    page, log = new_page(browser, width, height)
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    wait_for_app(page)
    return page, log


def wait_for_app(page, timeout_ms: int = 60000) -> None:
    """Wait for the app to be idle: the app view is present and no 'running' status widget shows."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]') &&
                 document.querySelector('[data-testid="stMain"], section.main') !== null""",
        timeout=timeout_ms)
    page.wait_for_timeout(300)



def wait_map_drawn(page, name: str, timeout_ms: int = 120000) -> None:
    """Until the map component with this key (sna.ui.deckmap) has drawn its latest data."""
    page.wait_for_function("""(n) => { const s = globalThis.__snaMaps && globalThis.__snaMaps[n];
        return s && s.root.dataset.drawn === String(s.version); }""", arg=name, timeout=timeout_ms)

@pytest.fixture()
def local_server(tmp_path):
    """A loopback HTTP server serving tmp_path/www (bounded: stopped after the test): the network edge of
    downloads and fetches, never the internet."""
    import functools
    import http.server
    import threading

    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
