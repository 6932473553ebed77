"""The source registry: completeness, resolution order and the download path (against a local server)."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from sna.registry import indicators, sources
from sna.config import settings
from sna.errors import SourceError


def test_every_source_has_provenance():
    for src in sources.all_sources().values():
        assert src.publisher and src.title and src.vintage and src.licence and src.official_page.startswith("https://"), src.id
        assert len(src.sha256) == 64 and src.bytes > 0


def test_registry_matches_the_mirror_manifest(sources_dir):
    with (sources_dir / "MANIFEST.csv").open(newline="") as handle:
        manifest = {row["file"]: row["sha256"] for row in csv.DictReader(handle)}
    registered = {s.file: s.sha256 for s in sources.all_sources().values()}
    assert registered == manifest


def test_every_indicator_is_complete_and_names_a_known_source():
    known = set(sources.all_sources()) | {"crime"}
    for ind in indicators.catalogue().values():
        assert ind.title and ind.unit and ind.definition and ind.theme, ind.id
        assert all(s in known for s in ind.source.split(",")), ind.id


def test_unknown_source_lists_the_valid_ids():
    with pytest.raises(Exception, match="Registered sources: .*iod19_f1"):
        sources.get("nope")


def _source_for(content: bytes, url: str) -> sources.Source:
    return sources.Source(id="test_file", file="test/file.csv", publisher="Test", title="Test file", vintage="2025",
                          licence="OGL", official_page="https://example.org", download_url=url, format="csv",
                          geography="LSOA", note="", sha256=hashlib.sha256(content).hexdigest(), bytes=len(content))


def test_download_verifies_and_renames(local_server, tmp_path):
    root, base = local_server
    content = b"a,b\n1,2\n" * 1000
    (root / "file.csv").write_bytes(content)
    config = replace(settings(), sources_dir=None, cache_dir=tmp_path / "cache")
    path = sources.locate(_source_for(content, f"{base}/file.csv"), config)
    assert path == tmp_path / "cache/test/file.csv" and path.read_bytes() == content
    assert sources.locate(_source_for(content, f"{base}/gone.csv"), config) == path  # cached: no second download


def test_download_with_wrong_checksum_leaves_nothing(local_server, tmp_path):
    root, base = local_server
    (root / "file.csv").write_bytes(b"tampered")
    src = replace(_source_for(b"original", f"{base}/file.csv"))
    target = tmp_path / "cache" / src.file
    with pytest.raises(SourceError, match="sha256"):
        sources.download(src, target, progress=False)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no partial file left behind


def test_download_failure_and_missing_url_are_clear(local_server, tmp_path):
    _, base = local_server
    with pytest.raises(SourceError, match="Could not download"):
        sources.download(_source_for(b"x", f"{base}/missing.csv"), tmp_path / "f.csv", progress=False)
    no_url = replace(_source_for(b"x", ""), download_url="")
    with pytest.raises(SourceError, match="Download 'test/file.csv'.*example.org"):
        sources.download(no_url, tmp_path / "f.csv", progress=False)


def test_mirror_takes_precedence(sources_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("SNA_SOURCES", str(tmp_path))
    assert settings().sources_dir == tmp_path
    monkeypatch.delenv("SNA_SOURCES")
    assert settings().sources_dir == Path(sources_dir)
