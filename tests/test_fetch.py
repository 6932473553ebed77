"""`sna fetch`: the download path against a loopback server (never the internet) and the offline message."""

from __future__ import annotations

import csv
import hashlib
import socket
import sys
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from sna.build import fetch, inputs
from sna.config import settings
from sna.errors import SourceError
from sna.registry import datasets

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import police_archive  # noqa: E402


@pytest.fixture()
def config(tmp_path):
    return replace(settings(), cache_dir=tmp_path / "cache", incoming_dir=tmp_path / "incoming")


def _small_archive(root: Path, tmp_path: Path) -> Path:
    """A police.uk-style latest.zip: four months of street files, plus an outcomes file as the real one has."""
    base = police_archive.template().head(300)
    folder = tmp_path / "months"
    police_archive.write_months(folder, police_archive.months_ending("2018-06", 4), rows=120, base=base)
    (folder / "2018-06" / "2018-06-west-midlands-outcomes.csv").write_text("Crime ID,Month\n")
    return police_archive.zip_folder(folder, root / "latest.zip")


def test_fetch_downloads_records_checksum_and_keeps_newest_months(local_server, config, tmp_path, sources_dir):
    root, base = local_server
    archive = _small_archive(root, tmp_path)
    fetched = fetch.fetch("policeuk_street", months=2, config=config, url=f"{base}/latest.zip", progress=False)
    assert fetched.path == config.cache_dir / "fetched/policeuk_street/2018-06.zip"  # dated by its newest month
    assert fetched.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest() and fetched.months_kept == 2
    with zipfile.ZipFile(fetched.path) as z:
        assert sorted(z.namelist()) == ["2018-05/2018-05-west-midlands-street.csv", "2018-06/2018-06-west-midlands-street.csv"]
    with (config.cache_dir / "fetched/fetched.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["sha256"] == fetched.sha256 and row["months_kept"] == "2" and row["url"].endswith("/latest.zip")
    # the fetched folder is one a build reads
    found = inputs.find([f for f in inputs.watched_folders(config)], must_exist=False)
    assert [f.member for f in found.files] == ["2018-05/2018-05-west-midlands-street.csv", "2018-06/2018-06-west-midlands-street.csv"]
    assert list(fetched.path.parent.glob(".part-*")) == []


def test_fetch_whole_archive_without_months(local_server, config, tmp_path, sources_dir):
    root, base = local_server
    archive = _small_archive(root, tmp_path)
    fetched = fetch.fetch("policeuk_street", config=config, url=f"{base}/latest.zip", progress=False)
    assert fetched.path.read_bytes() == archive.read_bytes() and fetched.months_kept is None


def test_gias_url_pattern_names_todays_file():
    url = fetch.release_url(datasets.get("gias"), date(2026, 11, 30))
    assert url.endswith("/edubasealldata20261130.csv") and url.startswith("https://")


def test_offline_says_so_and_names_the_page(config):
    with socket.socket() as sock:  # a loopback port nobody listens on: what a machine without internet sees
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceError, match=r"no internet connection.*https://data.police.uk/data/archive/"):
        fetch.fetch("policeuk_street", config=config, url=f"http://127.0.0.1:{port}/latest.zip", progress=False, timeout=5)
    assert list((config.cache_dir / "fetched/policeuk_street").iterdir()) == []


def test_missing_release_and_datasets_without_a_location(local_server, config):
    _, base = local_server
    with pytest.raises(SourceError, match="HTTP 404.*get-information-schools"):
        fetch.fetch("gias", config=config, url=f"{base}/edubasealldata20261130.csv", progress=False)
    with pytest.raises(SourceError, match="no stable download location.*ons.gov.uk"):
        fetch.fetch("sape", config=config, progress=False)
    with pytest.raises(Exception, match="Known datasets: policeuk_street"):
        fetch.fetch("nope", config=config, progress=False)
