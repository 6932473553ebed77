"""Aggregate LSOA values to wards, local authorities, the region and England, correctly.

Counts are summed; rates are summed numerators over summed denominators; scores are
population-weighted; 'share of LSOAs in decile 1' counts LSOAs as the official LA summaries do.
Never a plain mean of rates. One pure function, computed by an in-memory DuckDB query (fast over
millions of rows; no state kept between calls).
"""

from __future__ import annotations

import duckdb
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
