"""Users' own files of known datasets: found (named on the command line or in a watched folder), read in
place (CSV files, or CSV members of zip archives streamed one at a time), checked against their
dataset's schema, and recorded (file, sha256, vintage, rows).

Why: a board that downloads this month's police.uk archive or today's GIAS extract should be able to
build from it without a code change. Files identical to a mirrored source are accepted by checksum.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sna.build.schema_check import check_frame
from sna.config import Settings
from sna.errors import SourceError
from sna.registry import datasets, sources
from sna.registry.datasets import Dataset

USER = "user-supplied"
INCOMING = "watched folder"
POLICE_DATASETS = ("policeuk_street", "policeuk_api")


@dataclass(frozen=True)
class InputFile:
    """A CSV on disk, or a CSV member of a zip archive (read in place, never unpacked to disk)."""

    path: Path
    member: str | None = None
    origin: str = USER

    @property
    def name(self) -> str:
        return Path(self.member).name if self.member else self.path.name

    @property
    def label(self) -> str:
        return f"{self.path} ({self.member})" if self.member else str(self.path)

    def data(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(self.member)

    def header(self) -> list[str]:
        if self.member is None:
            return _read_text(self.path, nrows=0).columns.tolist()
        with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as handle:
            return _read_text(io.BytesIO(handle.readline()), nrows=0).columns.tolist()

    def read(self, columns: list[str] | None = None, data: bytes | None = None) -> pd.DataFrame:
        """The file's columns as text (missing values NaN)."""
        return _read_text(io.BytesIO(self.data() if data is None else data), usecols=columns)


@dataclass(frozen=True)
class AcceptedInput:
    """A user's file that passed its dataset's checks (or matched a mirrored file's checksum)."""

    file: InputFile
    dataset: str
    sha256: str
    vintage: str
    rows: int
    months: tuple[str, ...] = ()
    force: str = ""
    accepted_by: str = "schema"  # or "checksum" (identical to a mirrored source)
    checked_when_read: bool = False  # police.uk files named by month: checked by the crime step as it reads them (read once)


@dataclass
class Found:
    files: list[InputFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (label, why)


def _read_text(source, **kwargs) -> pd.DataFrame:
    """CSV as text; UTF-8 (with or without BOM) or, as GIAS downloads are, Windows-1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            if hasattr(source, "seek"):
                source.seek(0)
            return pd.read_csv(source, dtype=str, encoding=encoding, low_memory=False, **kwargs)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            raise SourceError(f"{getattr(source, 'name', 'a file')} is not a readable CSV ({exc}).") from exc
    raise SourceError("a file is neither UTF-8 nor Windows-1252 text.")


def watched_folders(config: Settings) -> list[Path]:
    """Folders every build reads newer official files from: SNA_INCOMING (data/incoming) and what `fetch` downloaded."""
    return [config.incoming_dir, config.cache_dir / "fetched"]


def find(paths: list[Path], origin: str = USER, must_exist: bool = True) -> Found:
    """CSV files and CSV members of zip archives under `paths` (files or folders), in name order."""
    found = Found()
    for path in paths:
        path = Path(path)
        if not path.exists():
            if must_exist:
                raise SourceError(f"No file or folder at {path}. Name a police.uk, GIAS or other official file, or a folder of them.")
            continue
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for candidate in candidates:
            _add(found, candidate, origin, explicit=candidate == path)
    return found


def _add(found: Found, path: Path, origin: str, explicit: bool) -> None:
    reason = datasets.skip_reason(path.name)
    if reason:
        found.skipped.append((str(path), reason))
    elif path.suffix.lower() == ".csv":
        found.files.append(InputFile(path, None, origin))
    elif path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                members = sorted(m for m in archive.namelist() if not m.endswith("/"))
        except zipfile.BadZipFile as exc:
            raise SourceError(f"{path} is not a readable zip archive ({exc}). Download it again.") from exc
        for member in members:
            why = datasets.skip_reason(member) or ("" if member.lower().endswith(".csv") else "not a CSV")
            if why:
                found.skipped.append((f"{path} ({member})", why))
            else:
                found.files.append(InputFile(path, member, origin))
    elif explicit:
        raise SourceError(f"{path} is neither a CSV file nor a zip archive of CSV files.")
    else:
        found.skipped.append((str(path), "not a CSV or zip"))


def recognise(file: InputFile) -> Dataset:
    header = file.header()
    dataset = datasets.recognise(file.name, header)
    if dataset is None:
        known = "; ".join(f"{d.title} ({d.download_page})" for d in datasets.DATASETS.values())
        raise SourceError(f"{file.label} is not a file of a dataset this version knows (its header starts "
                          f"{header[:4]}). Known datasets: {known}.")
    if not dataset.used_by_build:
        raise SourceError(f"{file.label} is a {dataset.title} file; this version builds only from the registered "
                          f"vintage of that dataset, so a newer file cannot be used yet. Leave it out.")
    return dataset


def accept(file: InputFile, known_codes: dict[str, pd.Index]) -> AcceptedInput:
    """Check one file: by checksum when it is a mirrored source, else by its dataset's schema.

    A police.uk file whose name gives its force and month (the archive layout) is only recognised and
    hashed here; `read_checked` checks it in full when the crime step reads it, so each month is read once.
    A refusal then still changes nothing: the build writes into a temporary database."""
    dataset = recognise(file)
    if file.member and dataset.key not in POLICE_DATASETS:
        raise SourceError(f"{file.label}: a {dataset.title} file is read from disk, not from inside a zip. Unzip it and name the CSV.")
    data = file.data()
    digest = hashlib.sha256(data).hexdigest()
    by_checksum = digest in {s.sha256 for s in sources.all_sources().values()}
    named_month, force = dataset.vintage_of(file.name), dataset.force_of(file.name)
    if dataset.key in POLICE_DATASETS and named_month and force:
        return AcceptedInput(file, dataset.key, digest, named_month, 0, (named_month,), force,
                             "checksum" if by_checksum else "schema", checked_when_read=not by_checksum)
    frame = file.read(list(dataset.columns), data)
    if not by_checksum:
        check_frame(frame, dataset, file.label, known_codes)
    month_column = next((c for c, kind in dataset.columns.items() if kind == "month"), None)
    months = tuple(sorted(frame[month_column].dropna().unique())) if month_column else ()
    vintage = (months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}") if months else dataset.vintage_of(file.name)
    return AcceptedInput(file, dataset.key, digest, vintage, len(frame), months, force, "checksum" if by_checksum else "schema")


def read_checked(accepted: AcceptedInput, known_codes: dict[str, pd.Index]) -> pd.DataFrame:
    """An accepted file's schema columns as text, checked in full if that was left to this read
    (including that the months inside are the months its name gives)."""
    dataset = datasets.get(accepted.dataset)
    frame = accepted.file.read(list(dataset.columns))
    if accepted.checked_when_read:
        check_frame(frame, dataset, accepted.file.label, known_codes)
        month_column = next(c for c, kind in dataset.columns.items() if kind == "month")
        inside = sorted(frame[month_column].dropna().unique())
        if inside != list(accepted.months):
            raise SourceError(f"{accepted.file.label} is named for {', '.join(accepted.months)} but holds the month(s) "
                              f"{', '.join(inside[:6])}. Use the file as police.uk publishes it, or rename it for its month.")
    return frame


def accept_all(found: Found, known_codes: dict[str, pd.Index]) -> list[AcceptedInput]:
    """Every file checked before anything is built: the first failure stops with its message."""
    return [accept(file, known_codes) for file in found.files]


def owners(items: list[tuple[str, str, tuple[str, ...]]]) -> tuple[dict[tuple[str, str], str], list[str]]:
    """Which file supplies each (force, month) when several do: the last one named (a later download
    carries late updates). Items are (file label, force, months) in reading order; returns the owner
    of every (force, month) and one sentence per month dropped as a duplicate."""
    owner: dict[tuple[str, str], str] = {}
    for label, force, months in items:
        for month in months:
            owner[(force, month)] = label
    notes = []
    for label, force, months in items:
        for month in months:
            if owner[(force, month)] != label:
                notes.append(f"{month} {force or 'unknown force'}: {label} left out, the same month is read from "
                             f"{owner[(force, month)]}")
    return owner, notes
