"""Aggregate LSOA values to wards, local authorities, the region and England, correctly.

Counts are summed; rates are summed numerators over summed denominators; scores are
population-weighted; 'share of LSOAs in decile 1' counts LSOAs as the official LA summaries do.
Never a plain mean of rates. One pure function, computed by an in-memory DuckDB query (fast over
millions of rows; no state kept between calls).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

VALUE_COLUMNS = ["area_code", "period", "value", "numerator", "denominator"]

# method -> (numerator, denominator, value) SQL over the rows of one parent; rows without a
# value are left out of means and shares (never counted as zero).
RULES = {
    "sum": ("sum(value)", "NULL::DOUBLE", "sum(value)"),
    "ratio": ("sum(numerator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL)",
              "sum(denominator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL)",
              "CASE WHEN sum(denominator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) > 0 "
              "THEN sum(numerator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) / "
              "sum(denominator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) * $multiplier END"),
    "weighted_mean": ("NULL::DOUBLE", "sum(weight) FILTER (WHERE value IS NOT NULL AND weight IS NOT NULL)",
                      "sum(value * weight) FILTER (WHERE value IS NOT NULL AND weight IS NOT NULL) / "
                      "sum(weight) FILTER (WHERE value IS NOT NULL AND weight IS NOT NULL)"),
    "lsoa_share": ("count(*) FILTER (WHERE value > 0)", "count(value)",
                   "CASE WHEN count(value) > 0 THEN count(*) FILTER (WHERE value > 0) / count(value) * $multiplier END"),
}


def aggregate(values: pd.DataFrame, parents: pd.Series | pd.DataFrame, method: str, weights: pd.Series | None = None,
              multiplier: float = 1.0) -> pd.DataFrame:
    """Aggregate `values` (VALUE_COLUMNS, optionally with indicator_id) to parent areas.

    parents: LSOA code -> parent code, or a DataFrame (code, level, parent) to aggregate to many
    levels in one pass (the result then has a level column). weights: LSOA code -> weight
    (weighted_mean only). Returns VALUE_COLUMNS (plus indicator_id/level) keyed by the parent code.
    """
    if method not in RULES:
        raise ValueError(f"Cannot aggregate with method '{method}'")
    if method == "weighted_mean" and weights is None:
        raise ValueError("weighted_mean needs weights")
    numerator, denominator, value = RULES[method]
    by_indicator = "indicator_id" in values.columns
    by_level = isinstance(parents, pd.DataFrame)
    keys = ("v.indicator_id, " if by_indicator else "") + ("p.level, " if by_level else "") + "p.parent, v.period"
    parent_frame = (parents[["code", "level", "parent"]] if by_level else
                    pd.DataFrame({"code": parents.index.astype(str), "parent": parents.to_numpy().astype(str)}))
    weight_frame = (pd.DataFrame({"code": weights.index.astype(str), "w": weights.to_numpy(dtype=float)})
                    if weights is not None else pd.DataFrame({"code": pd.Series(dtype=str), "w": pd.Series(dtype=float)}))
    data = values.assign(area_code=values["area_code"].astype(str))
    con = duckdb.connect(config={"threads": 1})  # one thread: sums in a fixed order, so rebuilds are identical
    try:
        con.register("v_in", data)
        con.register("p_in", parent_frame)
        con.register("w_in", weight_frame)
        sql = f"""
            SELECT {keys.replace('p.parent', 'p.parent AS area_code')},
                   {value} AS value, {numerator}::DOUBLE AS numerator, {denominator}::DOUBLE AS denominator
            FROM (SELECT v.*, w.w AS weight FROM v_in v LEFT JOIN w_in w ON w.code = v.area_code) v
            JOIN p_in p ON p.code = v.area_code
            GROUP BY {keys}"""
        out = con.execute(sql, {"multiplier": float(multiplier)} if "$multiplier" in sql else None).df()
    finally:
        con.close()
    columns = (["indicator_id"] if by_indicator else []) + (["level"] if by_level else []) + VALUE_COLUMNS
    return out[columns].sort_values(columns[: columns.index("period") + 1]).reset_index(drop=True)


def aggregate_frames(frames: dict[str, pd.DataFrame], parents: pd.DataFrame, method: str, weights: pd.Series | None = None,
                     multiplier: float = 1.0) -> pd.DataFrame:
    """The same rows as aggregate(concat of `frames` with indicator_id, parents, ...), computed with numpy.

    Why: the build aggregates ~130 national LSOA tables; tables from one file share their code
    column, so the LSOA -> parent join is worked out once per distinct code column instead of
    joining millions of string rows. frames: indicator_id -> VALUE_COLUMNS; parents: code, level,
    parent. Sums run in row order (deterministic; equal to the SQL sums within float rounding)."""
    if method not in RULES:
        raise ValueError(f"Cannot aggregate with method '{method}'")
    if method == "weighted_mean" and weights is None:
        raise ValueError("weighted_mean needs weights")
    if weights is not None and not weights.index.is_unique:
        values = pd.concat([f.assign(indicator_id=i) for i, f in frames.items()], ignore_index=True)
        return aggregate(values, parents, method, weights, multiplier)
    p_code = parents["code"].astype(str).to_numpy()
    codes = pd.Index(pd.unique(p_code))
    p_pos = codes.get_indexer(p_code)
    level, level_keys = pd.factorize(parents["level"].to_numpy(), use_na_sentinel=False)
    parent, parent_keys = pd.factorize(parents["parent"].to_numpy(), use_na_sentinel=False)
    group, group_keys = pd.factorize(level * len(parent_keys) + parent)
    group_level, group_parent = level_keys[group_keys // len(parent_keys)], parent_keys[group_keys % len(parent_keys)]
    order = np.argsort(p_pos, kind="stable")
    per_code = np.bincount(p_pos, minlength=len(codes))
    first = np.cumsum(per_code) - per_code
    weight_index = pd.Index(weights.index.astype(str)) if weights is not None else None
    weight_values = np.append(weights.to_numpy(dtype=float), np.nan) if weights is not None else None
    previous, join, periods, keyed = None, None, None, None
    parts = []
    for indicator_id, frame in frames.items():
        area = frame["area_code"].to_numpy()
        if not same_values(area, previous):
            join = _join(area.astype(str), codes, per_code, first, order, group, weight_index, weight_values)
            previous, keyed = area, None
        rows, groups, weight = join
        period_column = frame["period"].to_numpy()
        if keyed is None or not same_values(period_column, periods, compare=False):  # a file's frames share their periods
            period, period_keys = pd.factorize(period_column, use_na_sentinel=False)
            present, inverse = np.unique(groups * len(period_keys) + period[rows], return_inverse=True)
            periods, keyed = period_column, (period_keys, present, inverse)
        period_keys, present, inverse = keyed
        sums = _sums(method, frame, rows, inverse, len(present), weight, float(multiplier))
        parts.append(pd.DataFrame({"indicator_id": indicator_id,
                                   "level": group_level[present // len(period_keys)],
                                   "area_code": group_parent[present // len(period_keys)],
                                   "period": period_keys[present % len(period_keys)], **sums}, copy=False))
    columns = ["indicator_id", "level", *VALUE_COLUMNS]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)[columns]
    return out.sort_values(columns[:4]).reset_index(drop=True)


def same_values(a: np.ndarray, b: np.ndarray | None, compare: bool = True) -> bool:
    """Whether a holds b's values: views of the same memory (frames sharing a column; column access gives a new
    view each time), else, when `compare`, element by element."""
    if b is None or a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a is b or (a.strides == b.strides and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]):
        return True
    return compare and bool(np.array_equal(a, b))


def _join(area: np.ndarray, codes: pd.Index, per_code: np.ndarray, first: np.ndarray, order: np.ndarray, group: np.ndarray,
          weight_index: pd.Index | None, weight_values: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(value row, parent group, weight) for every pair of a value row and a parent row with its code."""
    pos = codes.get_indexer(area)
    count = np.where(pos >= 0, per_code[pos], 0)
    rows = np.repeat(np.arange(len(area)), count)
    within = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
    groups = group[order[first[pos[rows]] + within]]
    weight = weight_values[weight_index.get_indexer(area)][rows] if weight_index is not None else None
    return rows, groups, weight


def _sums(method: str, frame: pd.DataFrame, rows: np.ndarray, inverse: np.ndarray, n: int, weight: np.ndarray | None,
          multiplier: float) -> dict[str, np.ndarray]:
    """value, numerator, denominator per group, as RULES defines them (NULL -> NaN)."""
    def total(x: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=x, minlength=n)

    nothing = np.full(n, np.nan)
    value = frame["value"].to_numpy(dtype=float)[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "sum":
            valid = ~np.isnan(value)
            summed = np.where(total(valid) > 0, total(np.where(valid, value, 0.0)), np.nan)
            return {"value": summed, "numerator": summed, "denominator": nothing}
        if method == "ratio":
            num, den = frame["numerator"].to_numpy(dtype=float)[rows], frame["denominator"].to_numpy(dtype=float)[rows]
            both = ~np.isnan(num) & ~np.isnan(den)
            held = total(both) > 0
            num_sum = np.where(held, total(np.where(both, num, 0.0)), np.nan)
            den_sum = np.where(held, total(np.where(both, den, 0.0)), np.nan)
            return {"value": np.where(den_sum > 0, num_sum / den_sum * multiplier, np.nan), "numerator": num_sum, "denominator": den_sum}
        if method == "weighted_mean":
            both = ~np.isnan(value) & ~np.isnan(weight)
            held = total(both) > 0
            weight_sum = np.where(held, total(np.where(both, weight, 0.0)), np.nan)
            value_sum = total(np.where(both, value * weight, 0.0))
            return {"value": np.where(held, value_sum / weight_sum, np.nan), "numerator": nothing, "denominator": weight_sum}
        valid = ~np.isnan(value)
        positive, counted = total(valid & (value > 0)), total(valid)
        return {"value": np.where(counted > 0, positive / counted * multiplier, np.nan), "numerator": positive, "denominator": counted}
