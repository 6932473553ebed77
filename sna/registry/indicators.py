"""The indicator catalogue: what each indicator means, where it comes from, how it aggregates.

The catalogue is data (registry/indicators.csv). Adding an indicator computed by an existing
loader is a new row; the build copies the catalogue into the database for the pages.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sna.config import REGISTRY_DIR
from sna.errors import ConfigError

AGGREGATIONS = {
    "sum": "counts summed",
    "ratio": "summed numerators over summed denominators",
    "weighted_mean": "population-weighted mean of the LSOA values",
    "lsoa_share": "share of LSOAs (a count, as in the official LA summaries)",
    "none": "not aggregated (defined for LSOAs only)",
    "native": "published for this geography by the source",
    "iod_summary": "computed from the area's LSOAs by the official IoD summary method",
}
POLARITIES = {"higher_worse": "Higher is worse", "lower_worse": "Lower is worse", "neutral": "Neither higher nor lower is worse"}
GEOGRAPHIES = {"lsoa11": "LSOA (2011)", "lsoa21": "LSOA (2021)", "lad": "Local authority"}


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    theme: str
    unit: str
    polarity: str
    source: str
    loader: str
    column: str
    geography: str
    aggregation: str
    weight: str
    multiplier: str
    decile_indicator: str
    definition: str

    @property
    def scale(self) -> float:
        return float(self.multiplier) if self.multiplier else 1.0


def _validate(ind: Indicator) -> None:
    if ind.aggregation not in AGGREGATIONS:
        raise ConfigError(f"Indicator {ind.id}: aggregation '{ind.aggregation}' is not one of {sorted(AGGREGATIONS)}.")
    if ind.polarity not in POLARITIES:
        raise ConfigError(f"Indicator {ind.id}: polarity '{ind.polarity}' is not one of {sorted(POLARITIES)}.")
    if ind.geography not in GEOGRAPHIES:
        raise ConfigError(f"Indicator {ind.id}: geography '{ind.geography}' is not one of {sorted(GEOGRAPHIES)}.")


@lru_cache(maxsize=None)
def _catalogue(path: Path) -> dict[str, Indicator]:
    with path.open(newline="", encoding="utf-8") as handle:
        items = [Indicator(**row) for row in csv.DictReader(handle)]
    for item in items:
        _validate(item)
    ids = [i.id for i in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"Duplicate indicator ids in {path}: {', '.join(duplicates)}")
    return {i.id: i for i in items}


def catalogue(registry_files: tuple[Path, ...] | None = None) -> dict[str, Indicator]:
    """Every registered indicator by id, from all registry/indicators*.csv files."""
    files = registry_files or tuple(sorted(REGISTRY_DIR.glob("indicators*.csv")))
    merged: dict[str, Indicator] = {}
    for path in files:
        for key, item in _catalogue(path).items():
            if key in merged:
                raise ConfigError(f"Indicator id '{key}' is defined twice (second time in {path}).")
            merged[key] = item
    return merged


def get(indicator_id: str) -> Indicator:
    items = catalogue()
    if indicator_id not in items:
        raise ConfigError(f"Unknown indicator '{indicator_id}'. See the Data and methods page for the catalogue.")
    return items[indicator_id]
