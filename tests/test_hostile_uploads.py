"""Hostile route files are refused before they cost anything (issue 13, defects 2, 3 and 4).

No fetches (a loopback listener must receive nothing), only recognised CRS names, size / feature /
vertex / nesting caps before GDAL parses, and an import can never store a file later builds refuse."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sna import userfiles
from sna.build import routes as places
from sna.build.routes_import import import_routes
from sna.config import REPO_ROOT, settings
from sna.errors import ImportFileError
from sna.userfiles import validate_route_upload as validate_upload

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VALID = json.loads((FIXTURES / "routes_valid.geojson").read_text())


def _with_crs(crs: object) -> bytes:
    return json.dumps({**VALID, "crs": crs}).encode()


class Listener:
    """A loopback TCP listener counting every connection it is offered."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(4096) or b"<connect>")
                except OSError:
                    self.received.append(b"<connect>")

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture()
def listener():
    server = Listener()
    yield server
    server.close()


HOSTILE_CRS = {
    "link": lambda url: {"type": "link", "properties": {"href": f"{url}/crs.wkt", "type": "ogcwkt"}},
    "url name": lambda url: {"type": "name", "properties": {"name": f"{url}/crs"}},
    "unknown code": lambda url: {"type": "name", "properties": {"name": "EPSG:999999"}},
    "file path": lambda url: {"type": "name", "properties": {"name": "/etc/passwd"}},
    "proj string": lambda url: {"type": "name", "properties": {"name": f"+proj=longlat +nadgrids=@{url}/g.tif"}},
    "not an object": lambda url: "EPSG:4326",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_CRS))
def test_unrecognised_crs_is_refused_and_fetches_nothing(con, listener, kind):
    data = _with_crs(HOSTILE_CRS[kind](f"http://127.0.0.1:{listener.port}"))
    with pytest.raises(ImportFileError, match="crs|coordinate reference system") as caught:
        validate_upload(con, data, "routes.geojson")
    assert "EPSG:27700" in str(caught.value)  # says what to use instead
    time.sleep(0.3)
    assert listener.received == []


@pytest.mark.parametrize("name", ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:27700", "urn:ogc:def:crs:EPSG::27700"])
def test_recognised_crs_names_are_read(con, name):
    data = json.loads(_with_crs({"type": "name", "properties": {"name": name}}))
    if "CRS84" in name:  # same lines in longitude/latitude
        import geopandas as gpd
        frame = gpd.read_file(FIXTURES / "routes_valid.geojson").to_crs("EPSG:4326")
        data = json.loads(frame.to_json())
        data["crs"] = {"type": "name", "properties": {"name": name}}
    assert len(validate_upload(con, json.dumps(data).encode(), "routes.geojson")) == 2


def test_network_is_off_while_reading(con):
    import pyproj.network

    validate_upload(con, (FIXTURES / "routes_valid.geojson").read_bytes(), "routes.geojson")
    assert not pyproj.network.is_network_enabled()
    assert os.environ["PROJ_NETWORK"] == "OFF"


def test_gdal_itself_fetches_nothing_once_network_is_off(listener):
    """Defence in depth: even a `link` CRS handed straight to GDAL (skipping the allow-list) fetches nothing."""
    import io

    import geopandas as gpd

    userfiles.network_off()
    data = _with_crs(HOSTILE_CRS["link"](f"http://127.0.0.1:{listener.port}"))
    gpd.read_file(io.BytesIO(data), engine="pyogrio")
    time.sleep(0.3)
    assert listener.received == []


def test_geopackage_in_an_unrecognised_crs_is_refused(con, tmp_path):
    import geopandas as gpd

    frame = gpd.read_file(FIXTURES / "routes_valid.geojson").to_crs("EPSG:3857")
    path = tmp_path / "mercator.gpkg"
    frame.to_file(path, driver="GPKG")
    with pytest.raises(ImportFileError, match="not one this site reads"):
        validate_upload(con, path.read_bytes(), path.name)


def _many_vertices(count: int) -> bytes:
    step = 5000.0 / count
    line = [[406300.0 + i * step, 289700.0 + (i % 2)] for i in range(count)]
    feature = {**VALID["features"][0], "geometry": {"type": "LineString", "coordinates": line}}
    return json.dumps({**VALID, "features": [feature]}).encode()


def test_caps_refuse_before_parsing(con):
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match="vertices in all"):
        validate_upload(con, _many_vertices(userfiles.MAX_VERTICES + 1), "routes.geojson")
    with pytest.raises(ImportFileError, match="features"):
        many = {**VALID, "features": VALID["features"] * (userfiles.MAX_FEATURES // 2 + 1)}
        validate_upload(con, json.dumps(many).encode(), "routes.geojson")
    with pytest.raises(ImportFileError, match="MB"):
        validate_upload(con, b" " * (userfiles.MAX_BYTES + 1), "routes.geojson")
    assert time.perf_counter() - started < 30  # generous: refusals do not parse geometry (issue: 13.7 s per upload)


@pytest.mark.parametrize("depth", [50, 200_000])
def test_deep_nesting_is_refused_cleanly(con, depth):
    data = b'{"type": "FeatureCollection", "crs": ' + b"[" * depth + b"]" * depth + b', "features": []}'
    with pytest.raises(ImportFileError, match="nests"):
        validate_upload(con, data, "routes.geojson")


def test_nesting_depth_ignores_brackets_in_strings():
    assert userfiles.nesting_depth(b'{"a": "[[[[{{{{", "b": [1, [2]]}') == 3
    assert userfiles.nesting_depth(b'{"a": "\\"[[[[", "b": 1}') == 1


def test_server_upload_limit_matches_the_cap():
    import tomllib

    config = tomllib.loads((REPO_ROOT / ".streamlit/config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == userfiles.MAX_BYTES


# --- import-routes: nothing a later build refuses; no temporary copies left behind -----------------

@pytest.fixture()
def db_copy(built_db, tmp_path):
    target = tmp_path / "sna.duckdb"
    shutil.copyfile(built_db, target)
    return replace(settings(), db_path=target)


def test_import_refuses_a_file_over_the_build_limit(db_copy, tmp_path):
    big = tmp_path / "big.geojson"
    big.write_bytes((FIXTURES / "routes_valid.geojson").read_bytes() + b" " * userfiles.MAX_BYTES)
    with pytest.raises(ImportFileError, match="MB"):
        import_routes(big, db_copy)
    assert not places.imported_routes_path(db_copy).exists()


def test_stored_file_is_one_a_build_reads(db_copy, con):
    import_routes(FIXTURES / "routes_valid.geojson", db_copy)
    store = places.imported_routes_path(db_copy)
    assert store.stat().st_size <= userfiles.MAX_BYTES
    assert len(places.read_imported(store, con)) == 2


def test_killed_import_leaves_no_temporary_copies(db_copy, tmp_path):
    folder = db_copy.db_path.parent
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    for stale in (f".sna.duckdb.import-{dead}", f".routes_imported.geojson.import-{dead}"):
        (folder / stale).write_bytes(b"x" * 1000)  # what a SIGKILLed import leaves
    import_routes(FIXTURES / "routes_valid.geojson", db_copy)
    assert sorted(p.name for p in folder.iterdir() if ".import-" in p.name) == []
    for name in (f"data/.sna.duckdb.import-{dead}", f"data/.routes_imported.geojson.import-{dead}"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=REPO_ROOT).returncode == 0, f"{name} is not git-ignored"
