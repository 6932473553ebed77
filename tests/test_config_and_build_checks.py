"""Wrong area files and wrong sources stop the build with a message naming the key or file, never a
traceback or a quietly wrong database (issue 13, defects 6 and 7)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import namedtuple
from dataclasses import replace
from pathlib import Path

import pytest

from sna.build import build, pipeline
from sna.config import REPO_ROOT, settings
from sna.errors import ConfigError, DatabaseError, SourceError
from sna.registry import sources, studyarea

WM = (REPO_ROOT / "data/areas/west-midlands.toml").read_text()


def _area(tmp_path: Path, old: str, new: str) -> Path:
    assert old in WM
    path = tmp_path / "area.toml"
    path.write_text(WM.replace(old, new, 1))
    return path


def _settings(tmp_path: Path, sources_dir: Path):
    return replace(settings(), sources_dir=sources_dir, db_path=tmp_path / "db" / "sna.duckdb", cache_dir=tmp_path / "cache")


LOAD_ERRORS = {  # (old text, new text) -> words the message must hold
    ("lad_codes = [", "lad_codes = [] #"): "lad_codes is empty",
    ('lad_codes = ["E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031"]',
     'lad_codes = "E08000025"'): "lad_codes must be a list of texts",
    ('"E08000031"]', '"Walsall"]'): "lad_codes holds 'Walsall'",
    ('region_code = "E12000005"', 'region_code = "West Midlands"'): "region_code 'West Midlands' is not an ONS region code",
    ('"Possession of weapons"]', '"Posession of weapons"]'): "Did you mean 'Possession of weapons'",
    ('serious_violence = ["Violence and sexual offences", "Robbery", "Possession of weapons"]',
     'serious_violence = "Robbery"'): "crime.serious_violence must be a list of texts",
}


@pytest.mark.parametrize("change", sorted(LOAD_ERRORS))
def test_wrong_area_file_names_the_key(tmp_path, change):
    with pytest.raises(ConfigError, match=LOAD_ERRORS[change]):
        studyarea.load(str(_area(tmp_path, *change)))


def test_every_area_file_passes():
    for key in studyarea.available():
        studyarea.load(key)


def test_unknown_region_code_stops_the_build(tmp_path, sources_dir):
    path = _area(tmp_path, 'region_code = "E12000005"', 'region_code = "E12000099"')
    with pytest.raises(ConfigError, match="region_code 'E12000099' is not a region.*E12000005 \\(West Midlands\\)"):
        build(str(path), config=_settings(tmp_path, sources_dir), progress=False)
    assert not (tmp_path / "db" / "sna.duckdb").exists()


# --- sources changed with the registry updated to match (checksums no longer catch it) ------------

def _mirror_with(sources_dir: Path, tmp_path: Path, file: str, change) -> Path:
    target = tmp_path / "sources"
    for src in sources.all_sources().values():
        link = target / src.file
        link.parent.mkdir(parents=True, exist_ok=True)
        if src.file == file:
            link.write_text(change((sources_dir / src.file).read_text(encoding="utf-8-sig")), encoding="utf-8")
        else:
            link.symlink_to(sources_dir / src.file)
    return target


@pytest.fixture()
def registry_updated(monkeypatch):
    """As if the registry's size and checksum had been updated for the changed file."""
    monkeypatch.setattr(sources, "verify", lambda source, path: None)


def test_renamed_key_column_is_a_source_error(sources_dir, tmp_path, registry_updated):
    file = sources.get("iod19_f1").file
    mirror = _mirror_with(sources_dir, tmp_path, file, lambda text: text.replace("LSOA code (2011)", "LSOA_CODE_2011", 1))
    with pytest.raises(SourceError, match="none of the key columns") as caught:
        build("west-midlands", config=_settings(tmp_path, mirror), progress=False)
    assert "File_1_-_IMD2019" in str(caught.value)


def test_truncated_but_registered_file_fails_coverage(sources_dir, tmp_path, registry_updated):
    file = sources.get("iod25_f7").file

    def cut(text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join(lines[: int(len(lines) * 0.95)])

    mirror = _mirror_with(sources_dir, tmp_path, file, cut)
    with pytest.raises(SourceError, match=r"lacks 1,\d{3} of the 33,755 English LSOAs \(21\)"):
        build("west-midlands", config=_settings(tmp_path, mirror), progress=False)


# --- where the database goes is checked before any work ---------------------------------------------

def test_db_path_naming_a_folder(tmp_path):
    with pytest.raises(DatabaseError, match="names the folder"):
        pipeline.check_target(tmp_path)


def test_db_path_in_a_read_only_folder():
    with pytest.raises(DatabaseError, match="Cannot write in /sys"):
        pipeline.check_target(Path("/sys/sna-harden-test/sna.duckdb"))


def test_db_path_on_a_full_disk(tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 5_000_000, 5_000_000))
    with pytest.raises(DatabaseError, match="Only 5 MB is free"):
        pipeline.check_target(tmp_path / "sna.duckdb")


def test_cli_says_so_without_a_traceback(tmp_path):
    env = {**os.environ, "SNA_DB": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "sna", "build", "--quiet"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "names the folder" in proc.stderr and "Traceback" not in proc.stderr
