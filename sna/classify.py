"""Map classes with mapclassify: a registry of schemes, each with a plain-language label."""

from __future__ import annotations

from dataclasses import dataclass

import warnings

import mapclassify
import numpy as np
import pandas as pd

from sna.errors import ConfigError

SCHEMES = {"quantiles": ("Quantiles (equal counts)", mapclassify.Quantiles),
           "natural_breaks": ("Natural breaks (Jenks)", mapclassify.NaturalBreaks),
           "equal_interval": ("Equal intervals", mapclassify.EqualInterval)}


@dataclass(frozen=True)
class Classes:
    bins: list[float]  # upper bound of each class
    classes: np.ndarray  # class index per value (-1 where the value is missing)
    counts: list[int]
    lower: float

    def labels(self, fmt=lambda v: f"{v:,.2f}") -> list[str]:
        lows = [self.lower, *self.bins[:-1]]
        return [f"{fmt(lo)} to {fmt(hi)}" for lo, hi in zip(lows, self.bins)]


def classify(values: pd.Series, scheme: str = "quantiles", k: int = 5) -> Classes:
    """Class each value; missing values get class -1. Fewer distinct values -> fewer classes."""
    if scheme not in SCHEMES:
        raise ConfigError(f"Unknown classification '{scheme}'. Choose one of: {', '.join(SCHEMES)}.")
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    valid = ~np.isnan(arr)
    out = np.full(len(arr), -1)
    if not valid.any():
        return Classes([], out, [], float("nan"))
    k = max(1, min(k, len(np.unique(arr[valid]))))
    if k == 1:
        out[valid] = 0
        return Classes([float(arr[valid].max())], out, [int(valid.sum())], float(arr[valid].min()))
    with warnings.catch_warnings():  # many equal values (counts of 0): mapclassify lowers k itself and says so
        warnings.simplefilter("ignore", UserWarning)
        classifier = SCHEMES[scheme][1](arr[valid], k=k)
    out[valid] = classifier.yb
    return Classes([float(b) for b in classifier.bins], out, [int(c) for c in classifier.counts], float(arr[valid].min()))
