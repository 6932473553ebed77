"""`python -m sna fetch DATASET [--months N]`: download a dataset's newest official release into the cache.

Why: a board should update to this month's police.uk archive or today's GIAS register with one
command. Files land in SNA_CACHE/fetched/<dataset>/, a folder every build reads (sna.build.inputs),
with their sha256 recorded in SNA_CACHE/fetched/fetched.csv. Without internet the command says so
and names the page to download from by hand.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sna.config import Settings, settings
from sna.errors import SourceError
from sna.registry import datasets
from sna.registry.datasets import Dataset

CHUNK = 1 << 20
LOG_COLUMNS = ["fetched_at", "dataset", "file", "url", "sha256", "bytes", "months_kept"]


@dataclass(frozen=True)
class Fetched:
    path: Path
    url: str
    sha256: str
    bytes: int
    months_kept: int | None


def release_url(dataset: Dataset, today: date | None = None) -> str:
    """The publisher's stable location of the newest release ({date} is filled with today, as GIAS names its files)."""
    if not dataset.fetch_url:
        then = ("run `python -m sna build --input FILE`" if dataset.used_by_build
                else "note that this version builds only from the registered vintage of it")
        raise SourceError(f"{dataset.title} has no stable download location this version knows. Download it by hand "
                          f"from {dataset.download_page} and {then}.")
    return dataset.fetch_url.format(date=(today or date.today()).strftime("%Y%m%d"))


def fetch(dataset_key: str, months: int | None = None, config: Settings | None = None, url: str | None = None,
          progress: bool = True, timeout: float = 60) -> Fetched:
    """Download the newest release of a dataset into config.cache_dir/fetched/<dataset>/ (atomic)."""
    config = config or settings()
    dataset = datasets.get(dataset_key)
    url = url or release_url(dataset)
    folder = config.cache_dir / "fetched" / dataset.key
    folder.mkdir(parents=True, exist_ok=True)
    handle, part_name = tempfile.mkstemp(prefix=".part-", dir=folder)
    part = Path(part_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            bar = _progress_bar(total, f"Downloading {dataset.title}", progress)
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                digest.update(block)
                bar.update(len(block))
            bar.close()
        target = folder / _file_name(dataset, url, part)
        kept = _keep_newest_months(part, target, months) if months else None
        if kept is None:
            os.replace(part, target)
        fetched = Fetched(target, url, digest.hexdigest(), target.stat().st_size, kept)
        _log(config, dataset, fetched)
        return fetched
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{url} answered HTTP {exc.code} ({exc.reason}): the release may have moved. Download "
                          f"{dataset.title} by hand from {dataset.download_page} and put it in {config.incoming_dir}.") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise SourceError(f"Could not reach {url} ({getattr(exc, 'reason', exc)}): this machine seems to have no internet "
                          f"connection. Download {dataset.title} by hand from {dataset.download_page}, put the file in "
                          f"{config.incoming_dir} (or pass it to `python -m sna build --input FILE`) and build again.") from exc
    finally:
        part.unlink(missing_ok=True)


def _file_name(dataset: Dataset, url: str, part: Path) -> str:
    """A dated name for an undated 'latest.zip', so a later fetch does not overwrite an earlier one."""
    name = url.rstrip("/").rsplit("/", 1)[-1] or f"{dataset.key}.download"
    if name.startswith("latest") and zipfile.is_zipfile(part):
        months = _months_in(part)
        if months:
            return f"{months[-1]}.zip"
    return name


def _months_in(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as z:
        return sorted({Path(m).name[:7] for m in z.namelist() if datasets.DATASETS["policeuk_street"].matches_name(Path(m).name)})


def _keep_newest_months(archive: Path, target: Path, months: int) -> int:
    """Copy only the newest `months` months' street files into `target` (member by member, never all in memory)."""
    if not zipfile.is_zipfile(archive):
        raise SourceError(f"The download from {archive} is not a zip archive, so --months cannot be applied. Fetch without --months.")
    keep = set(_months_in(archive)[-months:])
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target.with_suffix(".part"), "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.namelist():
            if Path(member).name[:7] in keep and datasets.DATASETS["policeuk_street"].matches_name(Path(member).name):
                with source.open(member) as src, out.open(member, "w") as dst:
                    for block in iter(lambda: src.read(CHUNK), b""):
                        dst.write(block)
    os.replace(target.with_suffix(".part"), target)
    return len(keep)


def _log(config: Settings, dataset: Dataset, fetched: Fetched) -> None:
    log = config.cache_dir / "fetched" / "fetched.csv"
    new = not log.exists()
    with log.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, LOG_COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow({"fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "dataset": dataset.key,
                         "file": str(fetched.path), "url": fetched.url, "sha256": fetched.sha256, "bytes": fetched.bytes,
                         "months_kept": fetched.months_kept or ""})


def _progress_bar(total: int, label: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total or None, unit="B", unit_scale=True, desc=label, disable=not enabled, leave=False)


def command(args: argparse.Namespace) -> int:
    fetched = fetch(args.dataset, args.months)
    kept = f", newest {fetched.months_kept} months kept" if fetched.months_kept else ""
    print(f"Fetched {fetched.url}\n  into {fetched.path} ({fetched.bytes:,} bytes{kept})\n  sha256 of the download {fetched.sha256}\n"
          "Every build now reads it; run `python -m sna build`.")
    return 0
