"""Check a file against its dataset's schema (sna/registry/datasets.py): columns, types, rows, codes, months.

Why: files that are not in the mirror cannot be checked by checksum; their shape is checked instead,
and a file that fails is refused with a sentence naming the file and the problem.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from sna.config import Settings
from sna.errors import SourceError
from sna.registry import sources
from sna.registry.datasets import CODE_SETS, Dataset

MONTH = r"\d{4}-(0[1-9]|1[0-2])"
MIN_NUMBER_SHARE = 0.95  # of the non-empty values in a number column


def check_frame(frame: pd.DataFrame, dataset: Dataset, label: str, known_codes: dict[str, pd.Index]) -> None:
    """Raise SourceError naming `label` and the first problem; return quietly when the frame fits the schema.

    `frame` holds the file's columns as text (dtype str, missing values as NaN)."""
    fix = f"Download it again from {dataset.download_page}, or leave it out."
    missing = [c for c in dataset.columns if c not in frame.columns]
    if missing:
        raise SourceError(f"{label} is not a usable {dataset.title} file: it lacks the column(s) {missing}. {fix}")
    low, high = dataset.rows
    if not low <= len(frame) <= high:
        raise SourceError(f"{label} holds {len(frame):,} rows; a {dataset.title} file holds {low:,} to {high:,}. "
                          f"It looks truncated or is a different file. {fix}")
    for column, kind in dataset.columns.items():
        values = frame[column]
        if kind == "month":
            months = pd.Series(values.unique())  # a few distinct values: check those, then count rows
            wrong = months[months.isna() | ~months.astype(str).str.fullmatch(MONTH)]
            if len(wrong):
                rows = int(values.isna().sum() + values.isin(wrong.dropna()).sum())
                raise SourceError(f"{label}: {rows:,} row(s) of column '{column}' are not a month (YYYY-MM), "
                                  f"e.g. '{wrong.iloc[0]}'. {fix}")
        elif kind == "number":
            given = values.dropna()
            numbers = pd.to_numeric(given, errors="coerce")
            unparsed = given[numbers.isna()].astype(str).str.strip().str.rstrip("%")  # '94%' and padded numbers count
            unparsed = unparsed[unparsed != ""]
            bad = unparsed[pd.to_numeric(unparsed, errors="coerce").isna()]
            non_empty = len(given) - (len(given[numbers.isna()]) - len(unparsed))
            if non_empty and len(bad) / non_empty > 1 - MIN_NUMBER_SHARE:
                raise SourceError(f"{label}: column '{column}' should hold numbers but "
                                  f"{len(bad) / non_empty:.0%} of its values do not parse, e.g. '{bad.iloc[0]}'. {fix}")
    for column, code_set in dataset.codes.items():
        counts = frame[column].dropna().astype(str).str.strip().value_counts()  # distinct codes with their rows
        counts = counts[counts.index.str.fullmatch(dataset.code_pattern)]
        unknown = counts[~counts.index.isin(known_codes[code_set])]
        if counts.sum() and unknown.sum() / counts.sum() > dataset.max_unknown_code_share:
            examples = ", ".join(sorted(unknown.index)[:3])
            raise SourceError(f"{label}: {int(unknown.sum()):,} code(s) in column '{column}' are not {CODE_SETS[code_set]} "
                              f"(e.g. {examples}). The file may be for another geography or corrupt. {fix}")


@lru_cache(maxsize=4)
def _lsoa_codes(path: Path) -> tuple[pd.Index, pd.Index]:
    """As pandas indexes: isin() against an index does not rebuild an array from a set on every call."""
    table = pd.read_csv(path, usecols=["lsoa11_code", "lsoa21_code"], dtype=str)
    return pd.Index(table["lsoa11_code"].unique()), pd.Index(table["lsoa21_code"].unique())


def lsoa11_codes(config: Settings | None = None) -> pd.Index:
    """Every LSOA 2011 code of England and Wales (ONS LSOA 2011 to 2021 lookup)."""
    return _lsoa_codes(sources.path_of("lk_lsoa11_lsoa21", config))[0]


def known_codes(config: Settings | None = None) -> dict[str, pd.Index]:
    """The code sets the schemas refer to, from the checksum-verified ONS lookups."""
    return {"lsoa": _known_lsoa(sources.path_of("lk_lsoa11_lsoa21", config))}


@lru_cache(maxsize=4)
def _known_lsoa(path: Path) -> pd.Index:
    lsoa11, lsoa21 = _lsoa_codes(path)
    return lsoa11.union(lsoa21)
