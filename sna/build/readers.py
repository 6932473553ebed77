"""Reading tabular source files with checks that name the file and the problem.

Why: a changed header or a half-written file must stop the build with a sentence a user can act
on, not a KeyError three functions later.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from pandas._libs.parsers import STR_NA_VALUES

from sna.errors import SourceError


def require_columns(path: Path, present, columns: list[str]) -> None:
    """Stop with a sentence naming the file and the columns its header lacks."""
    missing = [c for c in columns if c not in set(present)]
    if missing:
        raise SourceError(
            f"{path} lacks the column(s) {missing}. The file's header has changed (a different vintage or "
            "format?): use the vintage named in sna/registry/sources.csv or update the registry.")


def read_csv(path: Path, columns: list[str] | None = None, fast: bool = False, **kwargs) -> pd.DataFrame:
    """Read a CSV (UTF-8 with or without BOM); require `columns` to be present. fast: parse with Arrow where
    it gives the same frame (read_csv_arrow; for the registered lookups and IoD files, pinned equal)."""
    if fast and not kwargs:
        fast_frame = read_csv_arrow(path, columns)
        if fast_frame is not None:
            return fast_frame
    header_kwargs = {k: v for k, v in kwargs.items() if k in ("skiprows", "header", "names")}
    if not (columns and not header_kwargs and set(columns) <= _first_row(path)):  # else pandas' header read says what is wrong
        try:
            header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", **header_kwargs)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise SourceError(f"{path} is not a readable CSV ({exc}). Fetch the file again.") from exc
        if columns:
            require_columns(path, header.columns, columns)
    try:
        return pd.read_csv(path, usecols=columns, encoding="utf-8-sig", low_memory=False, **kwargs)
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path} could not be parsed ({exc}); it may be truncated or corrupt. Fetch it again.") from exc


def _first_row(path: Path) -> set[str]:
    """The names in a plain CSV's first row (empty when it cannot be read so): every one of them is in the
    header pandas reads (which renames only repeats), at a fraction of the cost of pandas' header read."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return set(next(csv.reader(handle), []))
    except (OSError, UnicodeDecodeError, csv.Error):
        return set()


# The registered files the build parses with Arrow (BuildContext.read_csv / read_columns decide by id):
# ids starting so; tests/test_build_readers.py pins Arrow equal to pandas on each of them.
ARROW_SOURCES = ("iod19_", "iod25_", "lk_lsoa11_lsoa21", "lk_lsoa21_ward24", "lk_lad24_region", "pop_sape_2020")
ARROW_TYPES = ("int64", "double", "string", "bool")  # types whose pandas conversion is what pandas' reader infers
PANDAS_MISSING = sorted(STR_NA_VALUES)  # pandas' default missing-value marks (Arrow's lacks "None" and "<NA>")


def read_with_arrow(source_id: str) -> bool:
    """Whether the build parses this registered file with Arrow (read_csv_arrow): one test, used by the build,
    its bench's stricter baseline and the test that pins the two readers equal."""
    return source_id.startswith(ARROW_SOURCES)


def read_csv_arrow(path: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
    """The frame pd.read_csv(path, usecols=columns, encoding="utf-8-sig") gives, parsed by Arrow's CSV reader
    (several times faster, on both cores); None when the file is not plain enough to be sure of that (a type
    pandas would not infer: dates, all-missing or mixed columns; repeated names; unreadable),
    and the caller reads it with pandas. Floats: Arrow rounds every number correctly, pandas' parser is
    sometimes one unit in the last place off (or more on long decimals: GIAS longitudes): the build uses
    this only for files where the two agree exactly, pinned by tests/test_build_readers.py."""
    import pyarrow.csv as pacsv

    if columns is not None and not columns:
        return None  # no columns: pandas' empty frame
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            names = next(csv.reader(handle))
        if len(set(names)) != len(names):
            return None
        if columns is not None and not set(columns) <= set(names):
            return None  # pandas' reader names what is missing
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            include_columns=[n for n in names if columns is None or n in set(columns)], null_values=PANDAS_MISSING,
            strings_can_be_null=True, quoted_strings_can_be_null=True))
    except Exception:  # noqa: BLE001 (pandas' reader gives the message a user can act on)
        return None
    if len(table) == 0 or any(str(f.type) not in ARROW_TYPES for f in table.schema):
        return None
    frame = table.to_pandas()
    for field in table.schema:
        if str(field.type) in ("string", "bool") and table.column(field.name).null_count:
            values = frame[field.name].to_numpy(dtype=object)
            values[pd.isna(values)] = np.nan  # pandas marks missing strings NaN, Arrow None
            frame[field.name] = values
    return frame


def read_once(path: Path, columns: list[str] | None, cache: dict[str, pd.DataFrame], fast: bool = False) -> pd.DataFrame:
    """`columns` of a CSV (all when None), in the file's order as read_csv gives them; the whole file is
    parsed once into `cache` (one build's), so files several steps use (the IoD files) are read once."""
    key = str(path)
    if key not in cache:
        cache[key] = read_csv(path, fast=fast)
    whole = cache[key]
    if columns is None:
        return whole.copy()
    require_columns(path, whole.columns, columns)
    wanted = set(columns)
    return whole.take([i for i, c in enumerate(whole.columns) if c in wanted], axis=1)  # a copy, made once (not [[...]].copy())


def english_rows(codes: pd.Series) -> np.ndarray:
    """True where a code is an English LSOA's (E01...): compared as 3-character strings, a third of the
    time of .str.startswith on England's 33k codes."""
    return np.asarray(codes, dtype=object).astype("U3") == "E01"


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
    absent = ~pd.Index(expected).isin(codes)  # hashed in C: sets of 33k Python strings per file cost more
    missing = sorted(set(np.asarray(expected)[absent])) if absent.any() else []
    if missing:
        raise SourceError(f"{path} lacks {len(missing):,} of the {len(set(expected)):,} {what} (e.g. {', '.join(missing[:3])}). "
                          "The file looks truncated or is the wrong edition: fetch it again.")
