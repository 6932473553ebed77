"""One place for paths and options: read once from the environment (prefix SNA_).

Why: pages, the CLI and tests must agree on where sources and the database live; nothing else
in the code base names a path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
REGISTRY_DIR = PACKAGE_DIR / "registry"
DATA_DIR = REPO_ROOT / "data"
AREAS_DIR = DATA_DIR / "areas"
PLACES_DIR = DATA_DIR / "places"


@dataclass(frozen=True)
class Settings:
    """Where things are. Build one with `settings()`; never mutate."""

    sources_dir: Path | None  # a mirror of official files, or None to download
    cache_dir: Path  # where downloaded sources are kept
    db_path: Path  # the built DuckDB database
    area: str  # default study area (a file name in data/areas without .toml)
    incoming_dir: Path = DATA_DIR / "incoming"  # watched folder of newer official files (SNA_INCOMING)

    @property
    def bench_dir(self) -> Path:
        return REPO_ROOT / "bench"


def _default_sources_dir() -> Path | None:
    explicit = os.environ.get("SNA_SOURCES")
    if explicit:
        return Path(explicit).expanduser().resolve()
    mirror = REPO_ROOT.parent / "shared" / "sources"
    return mirror if mirror.is_dir() else None


def settings() -> Settings:
    """Read the environment once per call; cheap, pure apart from env lookups."""
    return Settings(
        sources_dir=_default_sources_dir(),
        cache_dir=Path(os.environ.get("SNA_CACHE", DATA_DIR / "cache")).expanduser().resolve(),
        db_path=Path(os.environ.get("SNA_DB", DATA_DIR / "sna.duckdb")).expanduser().resolve(),
        area=os.environ.get("SNA_AREA", "west-midlands"),
        incoming_dir=Path(os.environ.get("SNA_INCOMING", DATA_DIR / "incoming")).expanduser().resolve(),
    )
