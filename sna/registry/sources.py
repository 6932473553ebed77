"""The source registry: every official file the build reads, with its provenance and checksum.

Resolution order for a file: the directory in SNA_SOURCES; else ../shared/sources beside the
repository; else the local download cache, filled from the source's download URL (streamed,
checksum verified, never left half-written). The registry itself is data: registry/sources.csv.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sna.config import REGISTRY_DIR, Settings, settings
from sna.errors import ConfigError, SourceError

CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    """One official file: where it comes from, what it is, and how to check it."""

    id: str
    file: str  # path relative to the sources directory
    publisher: str
    title: str
    vintage: str
    licence: str
    official_page: str
    download_url: str
    format: str
    geography: str
    note: str
    sha256: str
    bytes: int

    @property
    def attribution(self) -> str:
        return f"Source: {self.publisher}, {self.title} ({self.vintage}). {self.licence}."

    def how_to_get(self) -> str:
        where = self.download_url or self.official_page
        return (
            f"Download '{self.file}' ({self.title}, vintage {self.vintage}) from {where} and put it "
            "in the folder named by SNA_SOURCES (or ../shared/sources) under that path; "
            "then run `python -m sna doctor`."
        )


@lru_cache(maxsize=None)
def _registry(path: Path) -> dict[str, Source]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row["id"]: Source(**{**row, "bytes": int(row["bytes"])}) for row in rows}


def all_sources(registry_file: Path = REGISTRY_DIR / "sources.csv") -> dict[str, Source]:
    """Every registered source by id (read once per process)."""
    return _registry(registry_file)


def get(source_id: str) -> Source:
    """The registered source with this id; the error lists the valid ids."""
    sources = all_sources()
    if source_id not in sources:
        raise ConfigError(f"Unknown source '{source_id}'. Registered sources: {', '.join(sorted(sources))}.")
    return sources[source_id]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(source: Source, path: Path) -> None:
    """Raise SourceError unless the file at `path` is exactly the registered one."""
    size = path.stat().st_size
    if size != source.bytes:
        raise SourceError(
            f"Source file {path} is {size:,} bytes but the registry expects {source.bytes:,} "
            f"(sha256 {source.sha256}): it is truncated or a different version. {source.how_to_get()}"
        )
    actual = sha256_of(path)
    if actual != source.sha256:
        raise SourceError(
            f"Source file {path} has sha256 {actual} but the registry expects {source.sha256}: "
            f"it is corrupt or a different version. {source.how_to_get()}"
        )


def download(source: Source, target: Path, progress: bool = True) -> Path:
    """Stream `source.download_url` into `target`, verifying size and checksum before renaming."""
    if not source.download_url:
        raise SourceError(f"Source file '{source.file}' is not available locally. {source.how_to_get()}")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=".part-", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(source.download_url, timeout=60) as response:
            total = int(response.headers.get("Content-Length") or source.bytes or 0)
            bar = _progress_bar(total, f"Downloading {Path(source.file).name}", progress)
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                bar.update(len(block))
            bar.close()
        verify(source, tmp)
        os.replace(tmp, target)
        return target
    except (urllib.error.URLError, OSError) as exc:
        raise SourceError(f"Could not download '{source.file}' from {source.download_url}: {exc}. {source.how_to_get()}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _progress_bar(total: int, label: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total or None, unit="B", unit_scale=True, desc=label, disable=not enabled, leave=False)


def locate(source: Source, config: Settings | None = None, check: bool = True) -> Path:
    """Path of a verified local copy of `source`, downloading it when no mirror holds it."""
    config = config or settings()
    if config.sources_dir is not None:
        path = config.sources_dir / source.file
        if not path.exists():
            raise SourceError(f"Source file missing: {path}. {source.how_to_get()}")
    else:
        path = config.cache_dir / source.file
        if not path.exists():
            return download(source, path)
    if check:
        verify(source, path)
    return path


def path_of(source_id: str, config: Settings | None = None) -> Path:
    """Convenience for loaders: the verified local path of a registered source."""
    return locate(get(source_id), config)
