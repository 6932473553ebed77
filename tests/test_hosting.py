"""The hosting recipe works on this machine: scripts/serve.py starts 2 Streamlit processes and nginx on
loopback; a page loads through the proxy, its websocket runs the Area explorer, static files are
gzipped, sessions stick to a backend by cookie and are spread across backends without one."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import re
import time
import shutil
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sna.config import REPO_ROOT

sys.path[:0] = [str(REPO_ROOT / "bench"), str(REPO_ROOT / "scripts")]

pytestmark = pytest.mark.slow


def _free_ports(count: int) -> int:
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            start = sock.getsockname()[1]
        ok = True
        for port in range(start, start + count):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
        if ok:
            return start
    raise RuntimeError("no free ports")


@pytest.fixture(scope="module")
def proxied(built_db, tmp_path_factory):
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx is not installed: bash scripts/setup.sh --host")
    from serve import launch

    run = tmp_path_factory.mktemp("serve")
    base = _free_ports(2)
    port = _free_ports(1)
    while port in (base, base + 1):
        port = _free_ports(1)
    site = launch(2, "127.0.0.1", port, base, run, built_db)
    yield f"http://127.0.0.1:{port}", run, (base, base + 1)
    site.stop()
    assert all(p.poll() is not None for p in site.children)


def _get(url: str, headers: dict | None = None):
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30)


def test_page_loads_through_the_proxy_with_a_sticky_cookie_and_gzip(proxied):
    url, run, _ = proxied
    page = _get(url + "/")
    assert page.status == 200 and b"<title>" in page.read()
    cookie = next(c for c in page.headers.get_all("Set-Cookie") if c.startswith("sna_backend="))
    assert "HttpOnly" in cookie and _backend_cookie(page) in ("sna_backend=0", "sna_backend=1")
    script = re.search(r'src="(\./static/js/[^"]+\.js)"', _get(url + "/").read().decode()).group(1)
    asset = _get(f"{url}/{script[2:]}", {"Accept-Encoding": "gzip"})
    assert asset.headers["Content-Encoding"] == "gzip"
    assert _backend_cookie(_get(url + "/", {"Cookie": cookie.split(";")[0]})) is None  # set once


def _backend_cookie(answer) -> str | None:
    """The sna_backend cookie the proxy set (name=value), if any (Streamlit sets its own XSRF cookie too)."""
    return next((c.split(";")[0] for c in answer.headers.get_all("Set-Cookie") or [] if c.startswith("sna_backend=")), None)


def test_cookie_keeps_a_backend_and_new_visitors_are_spread(proxied):
    url, run, backends = proxied
    log = run / "nginx-access.log"
    cookies = []
    for n in range(8):  # new visitors: the process with the fewest connections, and a cookie naming it
        cookies.append(_backend_cookie(_get(url + f"/_stcore/health?sticky=new-{n}")))
    assert set(cookies) == {f"sna_backend={i}" for i in range(len(backends))}
    for i in range(len(backends)):
        for n in range(3):  # each request marked in its URL: other tests' lines in the log (flushed late) are ignored
            answer = _get(url + f"/_stcore/health?sticky=kept{i}-{n}", {"Cookie": f"sna_backend={i}"})
            assert _backend_cookie(answer) is None
    stale = _get(url + "/_stcore/health?sticky=stale", {"Cookie": "sna_backend=visitor-one"})  # an older site's cookie
    assert _backend_cookie(stale) in cookies
    time.sleep(1)  # nginx writes its access log asynchronously

    def upstreams(marker: str) -> list[str]:
        return [re.search(r"upstream=(\S+)", line).group(1) for line in log.read_text().splitlines() if f"sticky={marker}" in line]
    assert sorted(upstreams("new-")) == sorted(f"127.0.0.1:{p}" for p in backends for _ in range(8 // len(backends)))
    for i, port in enumerate(backends):
        assert upstreams(f"kept{i}-") == [f"127.0.0.1:{port}"] * 3


def test_websocket_runs_the_area_explorer_through_the_proxy(proxied):
    from ws_client import open_session

    url, _, _ = proxied

    async def visit():
        session = await open_session(url, "Area_explorer")
        try:
            load = await session.rerun()
            change = await session.choose("indicator", "IoD2025")
        finally:
            await session.ws.close()
        return session, load, change

    # In a thread of its own: the session-wide Playwright browser keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        session, load, change = pool.submit(asyncio.run, visit()).result(timeout=300)
    assert not load.exception and not change.exception
    assert load.bytes > 40_000  # the map (its per-area values, about 42 kB for the LSOAs) arrived through the proxy
    assert "indicator" in session.selectboxes and change.messages > 5


def test_nginx_serves_the_front_end_from_disk_and_nothing_beside_it(proxied):
    """Streamlit's own JS comes from nginx's copy (no upstream), cached as immutable, with nosniff; a path
    that climbs out of the copy reaches neither the run folder (nginx.conf, logs) nor the repository."""
    url, run, _ = proxied
    script = re.search(r'src="(\./static/js/[^"]+\.js)"', _get(url + "/").read().decode()).group(1)
    asset = _get(f"{url}/{script[2:]}?from=disk")
    assert asset.status == 200 and asset.read()
    assert "immutable" in asset.headers["Cache-Control"] and asset.headers["X-Content-Type-Options"] == "nosniff"
    time.sleep(1)  # nginx writes its access log asynchronously
    served = [line for line in (run / "nginx-access.log").read_text().splitlines() if "from=disk" in line]
    assert served and all("upstream=-" in line for line in served)
    for climb in ("/static/../nginx.conf", "/static/..%2fnginx.conf", "/static/../../app.py"):
        try:
            body = _get(url + climb).read()
        except urllib.error.HTTPError as exc:
            assert exc.code in (400, 403, 404)
            continue
        assert b"worker_processes" not in body and b"page_setup" not in body
