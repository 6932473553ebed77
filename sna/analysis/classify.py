"""Map classes with mapclassify, and their colours: a registry of schemes, each with a plain label.

Colours live beside the classes (not in the Streamlit glue) because every map of the product uses
them: the pages, the downloadable profile's static map and the legend in a CSV's header.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd

from sna.errors import ConfigError

SCHEMES = {"quantiles": ("Quantiles (equal counts)", mapclassify.Quantiles),
           "natural_breaks": ("Natural breaks (Jenks)", mapclassify.NaturalBreaks),
           "equal_interval": ("Equal intervals", mapclassify.EqualInterval)}

# ColorBrewer YlOrRd (colour-blind safe, sequential), light to dark: for indicators where one end is worse.
SEQUENTIAL = [(255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38),
              (128, 0, 38), (90, 0, 30)]
# ColorBrewer PuBu (colour-blind safe, sequential): for neutral indicators (population), so that
# "darker" never reads as "worse" when neither end is worse.
NEUTRAL = [(241, 238, 246), (208, 209, 230), (166, 189, 219), (116, 169, 207), (54, 144, 192),
           (5, 112, 176), (3, 78, 123)]
RAMPS = {"higher_worse": SEQUENTIAL, "lower_worse": SEQUENTIAL, "neutral": NEUTRAL}
NO_DATA = (200, 200, 200)
# 2021 LSOAs drawn on the 2011 shape they were split from (no boundary file of their own): one shape,
# several values, so the map shows them hatched-grey and names them instead of picking one value's colour.
SPLIT_COLOUR = (150, 150, 165)
SPLIT_SHAPES = ("2011 shape (split)",)


def scheme_labels() -> dict[str, str]:
    return {key: label for key, (label, _cls) in SCHEMES.items()}


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
    """Class each value; missing values get class -1. Fewer distinct values -> fewer classes.

    Ties can leave a quantile class empty (many LSOAs with 0 crimes share one bound): empty classes
    are merged away, so every class in the legend holds at least one area."""
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
    bins = np.asarray(classifier.bins, dtype=float)
    counts = np.asarray(classifier.counts)
    keep = counts > 0
    if not keep.all():  # drop empty classes: values keep their bound, class indices close up
        bins = bins[keep]
        classes = np.searchsorted(bins, arr[valid], side="left")
        out[valid] = np.minimum(classes, len(bins) - 1)
        counts = np.bincount(out[valid], minlength=len(bins))
    else:
        out[valid] = classifier.yb
    return Classes([float(b) for b in bins], out, [int(c) for c in counts], float(arr[valid].min()))


def palette(k: int, polarity: str) -> list[tuple[int, int, int]]:
    """k colours, darkest for the 'worse' end: reversed when lower values are worse."""
    ramp = RAMPS.get(polarity, SEQUENTIAL)
    idx = np.linspace(0, len(ramp) - 1, max(k, 1)).round().astype(int)
    colours = [ramp[i] for i in idx]
    return colours[::-1] if polarity == "lower_worse" else colours


def hex_colour(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*[int(c) for c in rgb[:3]])
