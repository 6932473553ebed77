"""Confidence intervals and comparisons, as OHID Fingertips computes and shows them.

Byar's method for rates (a Poisson count over a population), the Wilson score for proportions;
an area is better or worse than a comparator when its 95% interval lies wholly on one side.
"""

from __future__ import annotations

import math

import pandas as pd

from sna.analysis.formatting import unit_kind

Z95 = 1.959963984540054


def byar_ci(count: float, denominator: float, multiplier: float = 1.0, z: float = Z95) -> tuple[float, float]:
    """95% CI of a rate count/denominator*multiplier with Byar's approximation to the Poisson (count >= 0)."""
    if count < 0 or denominator <= 0:
        return (math.nan, math.nan)
    lower = 0.0 if count == 0 else count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    return (lower / denominator * multiplier, upper / denominator * multiplier)


def wilson_ci(numerator: float, denominator: float, multiplier: float = 1.0, z: float = Z95) -> tuple[float, float]:
    """95% CI of a proportion numerator/denominator (Wilson score), scaled by multiplier (100 for %)."""
    if denominator <= 0 or numerator < 0 or numerator > denominator:
        return (math.nan, math.nan)
    p = numerator / denominator
    centre = p + z * z / (2 * denominator)
    spread = z * math.sqrt(p * (1 - p) / denominator + z * z / (4 * denominator ** 2))
    scale = 1 + z * z / denominator
    return ((centre - spread) / scale * multiplier, (centre + spread) / scale * multiplier)


CI_METHODS = {"rate": ("Byar's method", byar_ci), "percent": ("Wilson score", wilson_ci)}
CI_AGGREGATIONS = {"ratio", "lsoa_share"}  # indicators stored with a count numerator and a denominator


def ci_method(ind: dict) -> str | None:
    """'rate' (Byar), 'percent' (Wilson) or None when the indicator has no numerator (IoD scores and rates)."""
    if ind.get("aggregation") not in CI_AGGREGATIONS:
        return None
    kind = unit_kind(ind.get("unit"))
    return kind if kind in CI_METHODS else None


def confidence_interval(ind: dict, numerator, denominator) -> tuple[float, float]:
    method = ci_method(ind)
    if method is None or pd.isna(numerator) or pd.isna(denominator):
        return (math.nan, math.nan)
    multiplier = float(ind.get("multiplier") or 1)
    return CI_METHODS[method][1](float(numerator), float(denominator), multiplier)


COMPARISON_WORDS = {  # (polarity, direction) -> word, as Fingertips colours them
    ("higher_worse", "higher"): "worse", ("higher_worse", "lower"): "better",
    ("lower_worse", "higher"): "better", ("lower_worse", "lower"): "worse",
    ("neutral", "higher"): "higher", ("neutral", "lower"): "lower",
}


def compare(lower: float, upper: float, comparator: float, polarity: str) -> str:
    """Significance against a comparator: the 95% CI lies wholly above/below it, else 'similar'."""
    if any(pd.isna(x) for x in (lower, upper)):
        return "no CI"
    if pd.isna(comparator):
        return "no comparator"
    if lower > comparator:
        return COMPARISON_WORDS[(polarity, "higher")]
    if upper < comparator:
        return COMPARISON_WORDS[(polarity, "lower")]
    return "similar"
