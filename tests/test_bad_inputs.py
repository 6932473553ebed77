"""Bad inputs stop the build with a message that names the file and what to do; the old database survives."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from sna.registry import sources, studyarea
from sna.build import build
from sna.config import REPO_ROOT, settings
from sna.build.crime import read_police_file
from sna.errors import ConfigError, SourceError
from sna.build.readers import read_csv


def _mirror_copy(sources_dir: Path, tmp_path: Path) -> Path:
    """A sources folder of symlinks to the real mirror, so one file can be broken cheaply."""
    target = tmp_path / "sources"
    for src in sources.all_sources().values():
        link = target / src.file
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(sources_dir / src.file)
    return target


def _settings(tmp_path: Path, sources_dir: Path):
    return replace(settings(), sources_dir=sources_dir, db_path=tmp_path / "sna.duckdb", cache_dir=tmp_path / "cache")


def test_missing_file_names_it_and_says_where_to_get_it(sources_dir, tmp_path):
    mirror = _mirror_copy(sources_dir, tmp_path)
    (mirror / "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv").unlink()
    with pytest.raises(SourceError) as err:
        build("west-midlands", config=_settings(tmp_path, mirror), progress=False)
    message = str(err.value)
    assert "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv" in message
    assert "gov.uk/government/statistics/english-indices-of-deprivation-2019" in message
    assert not (tmp_path / "sna.duckdb").exists()


def test_wrong_checksum_and_truncated_file(sources_dir, tmp_path):
    mirror = _mirror_copy(sources_dir, tmp_path)
    path = mirror / "population/ons_sape_mid2020_lsoa11_single_year_of_age.csv"
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data[: len(data) // 2])  # truncated
    with pytest.raises(SourceError, match="truncated or a different version"):
        build("west-midlands", config=_settings(tmp_path, mirror), progress=False)
    path.write_bytes(data.replace(b"E01011949", b"E01011948", 1))  # same size, different content
    with pytest.raises(SourceError) as err:
        build("west-midlands", config=_settings(tmp_path, mirror), progress=False)
    assert sources.get("pop_sape_2020").sha256 in str(err.value)


def test_changed_header_is_named(tmp_path, sources_dir):
    original = sources_dir / "crime/police_uk_street_west_yorkshire/2018-07-west-yorkshire-street.csv"
    changed = tmp_path / "street.csv"
    lines = original.read_text().splitlines(keepends=True)
    changed.write_text(lines[0].replace("LSOA code", "LSOA_CODE") + "".join(lines[1:50]))
    with pytest.raises(SourceError, match=r"lacks the column\(s\) \['LSOA code'\]"):
        read_police_file(changed)
    with pytest.raises(SourceError, match="IMD"):
        read_csv(sources_dir / "iod2019/File_2_-_IoD2019_Domains_of_Deprivation.csv", ["IMD score that does not exist"])


def test_unknown_lad_code_is_a_clear_error(sources_dir, tmp_path):
    text = (REPO_ROOT / "data/areas/west-midlands.toml").read_text().replace('"E08000031"', '"E08999999"')
    area_file = tmp_path / "bad-area.toml"
    area_file.write_text(text)
    assert studyarea.load(str(area_file)).lad_codes[-1] == "E08999999"
    with pytest.raises(ConfigError, match="E08999999"):
        build(str(area_file), config=_settings(tmp_path, sources_dir), progress=False)
    with pytest.raises(ConfigError, match="Available: .*west-midlands"):
        studyarea.load("atlantis")


def test_cli_prints_a_message_not_a_traceback(tmp_path):
    env = {**os.environ, "SNA_SOURCES": str(tmp_path / "empty"), "SNA_DB": str(tmp_path / "x.duckdb")}
    (tmp_path / "empty").mkdir()
    proc = subprocess.run([sys.executable, "-m", "sna", "build", "--quiet"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: Source file missing")
    assert "Traceback" not in proc.stderr


def test_killed_build_leaves_the_old_database_usable(built_db, tmp_path):
    target = tmp_path / "sna.duckdb"
    shutil.copy(built_db, target)
    before = duckdb.connect(str(target), read_only=True).execute("SELECT count(*) FROM indicator_values").fetchone()[0]
    env = {**os.environ, "SNA_DB": str(target)}
    proc = subprocess.Popen([sys.executable, "-m", "sna", "build", "--quiet"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Wait until the build is under way (its temporary file exists), then kill it hard.
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".sna.duckdb.building-*")):
        time.sleep(0.1)
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT count(*) FROM indicator_values").fetchone()[0] == before
    assert con.execute("SELECT count(*) FROM areas WHERE level = 'lsoa11'").fetchone()[0] == 1680
    con.close()


def test_interrupted_build_cleans_up_its_temporary_file(sources_dir, tmp_path, monkeypatch):
    import sna.build.pipeline as build_module

    def explode(ctx):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "STEPS", [build_module.STEPS[0], ("boom", explode)])
    with pytest.raises(KeyboardInterrupt):
        build("west-midlands", config=_settings(tmp_path, sources_dir), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_second_build_has_the_same_content(built_db, tmp_path, sources_dir):
    config = _settings(tmp_path, sources_dir)
    build("west-midlands", config=config, progress=False)
    query = "SELECT indicator_id, area_code, level, period, value FROM indicator_values ORDER BY ALL"
    first = duckdb.connect(str(built_db), read_only=True).execute(query).fetchall()
    second = duckdb.connect(str(config.db_path), read_only=True).execute(query).fetchall()
    assert first == second
