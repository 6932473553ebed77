"""Aggregate LSOA values to wards, local authorities, the region and England, correctly.

Counts are summed; rates are summed numerators over summed denominators; scores are
population-weighted; 'share of LSOAs in decile 1' counts LSOAs as the official LA summaries do.
Never a plain mean of rates. Pure functions on DataFrames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALUE_COLUMNS = ["area_code", "period", "value", "numerator", "denominator"]


def aggregate(values: pd.DataFrame, parents: pd.Series, method: str, weights: pd.Series | None = None,
              multiplier: float = 1.0) -> pd.DataFrame:
    """Aggregate `values` (VALUE_COLUMNS, one row per LSOA and period) to parent areas.

    parents: LSOA code -> parent code. weights: LSOA code -> weight (weighted_mean only).
    Returns VALUE_COLUMNS keyed by the parent code. LSOAs without a value are left out of
    means and shares (never counted as zero); a sum over LSOAs that are all missing is missing.
    """
    frame = values.assign(parent=values["area_code"].map(parents)).dropna(subset=["parent"])
    keys = ["parent", "period"]
    if method == "sum":
        out = frame.groupby(keys, as_index=False).agg(value=("value", lambda s: s.sum(min_count=1)))
        out["numerator"], out["denominator"] = out["value"], np.nan
    elif method == "ratio":
        valid = frame.dropna(subset=["numerator", "denominator"])
        out = valid.groupby(keys, as_index=False).agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"))
        out["value"] = np.where(out["denominator"] > 0, out["numerator"] / out["denominator"] * multiplier, np.nan)
    elif method == "weighted_mean":
        if weights is None:
            raise ValueError("weighted_mean needs weights")
        valid = frame.dropna(subset=["value"]).assign(weight=lambda f: f["area_code"].map(weights))
        valid = valid.dropna(subset=["weight"])
        valid = valid.assign(weighted=valid["value"] * valid["weight"])
        out = valid.groupby(keys, as_index=False).agg(numerator=("weighted", "sum"), denominator=("weight", "sum"))
        out["value"] = out["numerator"] / out["denominator"]
        out["numerator"] = np.nan  # a weighted sum is not a count: do not show it as one
    elif method == "lsoa_share":
        valid = frame.dropna(subset=["value"])
        out = valid.groupby(keys, as_index=False).agg(numerator=("value", lambda s: (s > 0).sum()), denominator=("value", "size"))
        out["value"] = out["numerator"] / out["denominator"] * multiplier
    else:
        raise ValueError(f"Cannot aggregate with method '{method}'")
    return out.rename(columns={"parent": "area_code"})[VALUE_COLUMNS]
