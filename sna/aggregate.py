"""Aggregate LSOA values to wards, local authorities, the region and England, correctly.

Counts are summed; rates are summed numerators over summed denominators; scores are
population-weighted; 'share of LSOAs in decile 1' counts LSOAs as the official LA summaries do.
Never a plain mean of rates. Pure functions on DataFrames, vectorised over many indicators at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALUE_COLUMNS = ["area_code", "period", "value", "numerator", "denominator"]


def aggregate(values: pd.DataFrame, parents: pd.Series, method: str, weights: pd.Series | None = None,
              multiplier: float = 1.0) -> pd.DataFrame:
    """Aggregate `values` (VALUE_COLUMNS, optionally with indicator_id) to parent areas.

    parents: LSOA code -> parent code. weights: LSOA code -> weight (weighted_mean only).
    Returns VALUE_COLUMNS (plus indicator_id when given) keyed by the parent code. LSOAs without a
    value are left out of means and shares (never counted as zero); a sum over LSOAs that are all
    missing is missing.
    """
    frame = values.assign(parent=values["area_code"].map(parents)).dropna(subset=["parent"])
    frame["parent"] = frame["parent"].astype(str)
    keys = [k for k in ("indicator_id",) if k in frame.columns] + ["parent", "period"]
    if method == "sum":
        out = frame.groupby(keys, as_index=False)["value"].sum(min_count=1)
        out["numerator"], out["denominator"] = out["value"], np.nan
    elif method == "ratio":
        valid = frame.dropna(subset=["numerator", "denominator"])
        out = valid.groupby(keys, as_index=False)[["numerator", "denominator"]].sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = np.where(out["denominator"] > 0, out["numerator"] / out["denominator"] * multiplier, np.nan)
    elif method == "weighted_mean":
        if weights is None:
            raise ValueError("weighted_mean needs weights")
        valid = frame.dropna(subset=["value"])
        valid = valid.assign(weight=valid["area_code"].map(weights).astype(float)).dropna(subset=["weight"])
        valid = valid.assign(weighted=valid["value"] * valid["weight"])
        out = valid.groupby(keys, as_index=False)[["weighted", "weight"]].sum().rename(columns={"weight": "denominator"})
        out["value"] = out["weighted"] / out["denominator"]
        out["numerator"] = np.nan  # a weighted sum is not a count: do not show it as one
    elif method == "lsoa_share":
        valid = frame.dropna(subset=["value"])
        valid = valid.assign(hit=(valid["value"] > 0).astype(float), one=1.0)
        out = valid.groupby(keys, as_index=False)[["hit", "one"]].sum().rename(columns={"hit": "numerator", "one": "denominator"})
        out["value"] = out["numerator"] / out["denominator"] * multiplier
    else:
        raise ValueError(f"Cannot aggregate with method '{method}'")
    out = out.rename(columns={"parent": "area_code"})
    out["area_code"] = out["area_code"].astype(str)
    return out[[k for k in ("indicator_id",) if k in out.columns] + VALUE_COLUMNS]
