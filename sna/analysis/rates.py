"""Honest small-area rates: Empirical Bayes smoothing (Marshall 1991, esda.smoothing) and funnel
plots (Spiegelhalter 2005) with exact Poisson or binomial control limits around the study-area rate.

Small LSOAs have noisy rates: two crimes among 900 residents is a "high" rate by chance. Smoothing
pulls each raw rate towards the study-area rate by an amount that depends on its population; a funnel
plot shows which areas differ from the study-area rate by more than chance would give."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

LIMITS = {"95%": 0.95, "99.8%": 0.998}  # about 2 and 3 standard deviations (Spiegelhalter 2005)
FUNNEL_KINDS = {"poisson": "exact Poisson (counts over a population)", "binomial": "exact binomial (a proportion)"}


def empirical_bayes(counts: pd.Series, population: pd.Series, multiplier: float = 1.0) -> pd.Series:
    """Marshall's global Empirical Bayes rates (esda.smoothing.Empirical_Bayes), times `multiplier`.

    Areas with no population are left as missing (nothing to smooth)."""
    from esda.smoothing import Empirical_Bayes

    ok = population.notna() & counts.notna() & (population > 0)
    out = pd.Series(np.nan, index=counts.index, dtype=float)
    if ok.sum() >= 2:
        e = counts[ok].to_numpy(dtype=float).reshape(-1, 1)
        b = population[ok].to_numpy(dtype=float).reshape(-1, 1)
        out[ok] = Empirical_Bayes(e, b).r.ravel() * multiplier
    return out


def _interpolated_quantile(distribution, p: float) -> np.ndarray:
    """Spiegelhalter (2005) Appendix A.1.1: the p-quantile r of a discrete count with linear
    interpolation, r - alpha with alpha = (F(r) - p) / (F(r) - F(r - 1)), so limits run smoothly."""
    r = np.asarray(distribution.ppf(p), dtype=float)
    f_r, f_below = distribution.cdf(r), distribution.cdf(r - 1)
    gap = f_r - f_below
    alpha = np.divide(f_r - p, gap, out=np.zeros_like(r), where=gap > 0)
    return r - alpha


def count_limits(target: float, denominators, p: float, kind: str = "poisson") -> np.ndarray:
    """Control limits for the observed count at probability p, given the target rate (per unit of
    denominator, not multiplied), for each denominator; divide by the denominator for a rate."""
    n = np.asarray(denominators, dtype=float)
    if kind == "poisson":
        distribution = stats.poisson(target * n)
    elif kind == "binomial":
        distribution = stats.binom(np.round(n).astype(int), target)
    else:
        raise ValueError(f"unknown funnel kind {kind}")
    return np.where(n > 0, _interpolated_quantile(distribution, p), np.nan)


def count_limit(target: float, denominator: float, p: float, kind: str = "poisson") -> float:
    """One control limit (see count_limits)."""
    return float(count_limits(target, [denominator], p, kind)[0])


def funnel_limits(target: float, denominators: np.ndarray, multiplier: float = 1.0, kind: str = "poisson") -> pd.DataFrame:
    """Rate limits (times multiplier) at each denominator: lower and upper for 95% and 99.8%."""
    denominators = np.asarray(denominators, dtype=float)
    frame = pd.DataFrame({"denominator": denominators})
    for label, level in LIMITS.items():
        tail = (1 - level) / 2
        frame[f"lower_{label}"] = count_limits(target, denominators, tail, kind) / denominators * multiplier
        frame[f"upper_{label}"] = count_limits(target, denominators, 1 - tail, kind) / denominators * multiplier
    return frame


def funnel(frame: pd.DataFrame, multiplier: float = 1.0, kind: str = "poisson", curve_points: int = 80) -> dict:
    """Funnel plot data for areas with a numerator and a denominator.

    Returns the target (study-area rate, times multiplier), each area's position against the limits
    ('above 99.8%', 'above 95%', 'within', 'below 95%', 'below 99.8%') and a smooth curve for the chart."""
    data = frame.dropna(subset=["numerator", "denominator"])
    data = data[data["denominator"] > 0].copy()
    if data.empty:
        return {"target": np.nan, "areas": data, "curve": pd.DataFrame()}
    target = data["numerator"].sum() / data["denominator"].sum()
    data["rate"] = data["numerator"] / data["denominator"] * multiplier
    limits = funnel_limits(target, data["denominator"].to_numpy(), multiplier, kind)
    data = data.reset_index(drop=True).join(limits.drop(columns="denominator"))
    data["position"] = np.select(
        [data["rate"] > data["upper_99.8%"], data["rate"] > data["upper_95%"],
         data["rate"] < data["lower_99.8%"], data["rate"] < data["lower_95%"]],
        ["above 99.8%", "above 95%", "below 99.8%", "below 95%"], default="within")
    low, high = max(data["denominator"].min() * 0.9, 1.0), data["denominator"].max() * 1.1
    curve = funnel_limits(target, np.geomspace(low, high, curve_points), multiplier, kind)
    return {"target": target * multiplier, "areas": data, "curve": curve}


def outside(areas: pd.DataFrame, level: str = "99.8%") -> pd.DataFrame:
    """Areas beyond a limit, highest rate first (for the named lists)."""
    flags = [f"above {level}", f"below {level}"] + (["above 99.8%", "below 99.8%"] if level == "95%" else [])
    return areas[areas["position"].isin(flags)].sort_values("rate", ascending=False)
