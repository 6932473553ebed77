"""Reading tabular source files with checks that name the file and the problem.

Why: a changed header or a half-written file must stop the build with a sentence a user can act
on, not a KeyError three functions later.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sna.errors import SourceError


def require_columns(path: Path, present, columns: list[str]) -> None:
    """Stop with a sentence naming the file and the columns its header lacks."""
    missing = [c for c in columns if c not in set(present)]
    if missing:
        raise SourceError(
            f"{path} lacks the column(s) {missing}. The file's header has changed (a different vintage or "
            "format?): use the vintage named in sna/registry/sources.csv or update the registry.")


def read_csv(path: Path, columns: list[str] | None = None, **kwargs) -> pd.DataFrame:
    """Read a CSV (UTF-8 with or without BOM); require `columns` to be present."""
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", **{k: v for k, v in kwargs.items() if k in ("skiprows", "header", "names")})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path} is not a readable CSV ({exc}). Fetch the file again.") from exc
    if columns:
        require_columns(path, header.columns, columns)
    try:
        return pd.read_csv(path, usecols=columns, encoding="utf-8-sig", low_memory=False, **kwargs)
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path} could not be parsed ({exc}); it may be truncated or corrupt. Fetch it again.") from exc


def read_once(path: Path, columns: list[str] | None, cache: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """`columns` of a CSV (all when None), in the file's order as read_csv gives them; the whole file is
    parsed once into `cache` (one build's), so files several steps use (the IoD files) are read once."""
    key = str(path)
    if key not in cache:
        cache[key] = read_csv(path)
    whole = cache[key]
    if columns is None:
        return whole.copy()
    require_columns(path, whole.columns, columns)
    wanted = set(columns)
    return whole[[c for c in whole.columns if c in wanted]].copy()


def require_rows(frame: pd.DataFrame, path: Path, minimum: int) -> pd.DataFrame:
    if len(frame) < minimum:
        raise SourceError(f"{path} holds {len(frame):,} rows; at least {minimum:,} expected. The file looks truncated: fetch it again.")
    return frame


def to_number(series: pd.Series) -> pd.Series:
    """Numbers that may carry thousands separators; anything else (suppression marks) becomes missing."""
    if series.dtype == object:
        series = series.astype(str).str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(series, errors="coerce")


def key_column(path: Path, header, candidates: tuple[str, ...]) -> str:
    """The first of `candidates` in the file's header; SourceError naming them when none is."""
    for column in candidates:
        if column in header:
            return column
    raise SourceError(f"{path} has none of the key columns {list(candidates)} (its header starts {list(header)[:5]}). "
                      "The file's header has changed: use the vintage named in sna/registry/sources.csv or update the registry.")


def require_coverage(codes: pd.Series, expected: pd.Series, path: Path, what: str) -> None:
    """Every expected code must be in the file: a truncated file (even one registered with its new
    checksum) would otherwise leave areas silently without values."""
    missing = sorted(set(expected) - set(codes))
    if missing:
        raise SourceError(f"{path} lacks {len(missing):,} of the {len(set(expected)):,} {what} (e.g. {', '.join(missing[:3])}). "
                          "The file looks truncated or is the wrong edition: fetch it again.")
