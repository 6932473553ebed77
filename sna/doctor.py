"""`python -m sna doctor`: is everything in place? Each check says what to do when it fails."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Iterator

from sna.registry import sources, studyarea
from sna.config import REPO_ROOT, settings
from sna.errors import SnaError


def _pinned() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.strip()] = version.strip()
    return pins


def run_checks(area_key: str | None = None) -> Iterator[tuple[bool, str]]:
    config = settings()
    yield (config.sources_dir is not None,
           f"sources folder: {config.sources_dir}" if config.sources_dir else
           "no sources folder (SNA_SOURCES unset, no ../shared/sources): sources will be downloaded where a URL is known")
    try:
        area = studyarea.load(area_key or config.area)
        yield True, f"study area '{area.key}': {area.name}, {len(area.lad_codes)} LADs"
    except SnaError as exc:
        yield False, str(exc)
        return
    needed = {*area.boundaries.values(), *area.crime_sources, *area.postcode_sources}
    for src in sources.all_sources().values():
        if config.sources_dir is None and src.id not in needed:
            continue
        try:
            sources.locate(src, config)
        except SnaError as exc:
            yield False, str(exc)
    yield True, "source files checked against their sha256"
    for name, version in _pinned().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            yield False, f"{name} is not installed: pip install -r requirements.txt"
            continue
        yield installed == version, f"{name} {installed}" + ("" if installed == version else f" (tested with {version}: pip install -r requirements.txt)")
    db = Path(config.db_path)
    if not db.exists():
        yield False, f"no database at {db}: run python -m sna build"
        return
    from sna import db as database

    try:
        con = database.connect(db)
        info = database.meta(con)
        n = con.execute("SELECT count(*) FROM areas WHERE level = 'lsoa11'").fetchone()[0]
        con.close()
        yield True, f"database {db}: {info.get('area_name')}, {n:,} LSOAs, built {info.get('built_at')} by {info.get('code_version')}"
    except SnaError as exc:
        yield False, str(exc)
