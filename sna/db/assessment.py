"""Reads for the assessment (risk index, hot spots, rates, trends)."""

from __future__ import annotations

import duckdb
import pandas as pd

from sna.db.core import ENGLAND_CODE, LEVEL_LABELS, has_table, query  # noqa: F401


# --- Analysis (sna.analysis.risk_index, hotspots, rates, trends) ----------------------------------

def latest_wide(con: duckdb.DuckDBPyConnection, indicator_ids: list[str], level: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Latest-period values of several indicators at one level as one column each (index area_code),
    and the period used for each indicator."""
    long = query(con, """WITH latest AS (SELECT indicator_id, max(period) AS period FROM indicator_values
                                         WHERE indicator_id IN (SELECT unnest(?)) AND level = ? GROUP BY 1)
                         SELECT v.indicator_id, v.area_code, v.value, v.period FROM indicator_values v
                         JOIN latest USING (indicator_id, period) WHERE v.level = ?""", [list(indicator_ids), level, level])
    periods = long.groupby("indicator_id")["period"].first().to_dict()
    wide = long.pivot_table(index="area_code", columns="indicator_id", values="value", aggfunc="first")
    return wide.reindex(columns=[i for i in indicator_ids if i in wide.columns]), periods


def area_shapes_in(con: duckdb.DuckDBPyConnection, level: str, lad_codes: list[str] | None = None) -> pd.DataFrame:
    """Areas of a level (in some LAs) with their full-resolution boundary geometry (WKB), for spatial weights:
    never 2021 LSOAs drawn on 2011 shapes (a split LSOA's parts would share one shape and touch everywhere)."""
    sql = ("SELECT code, name, lad_code, geometry FROM areas WHERE level = ? AND geometry IS NOT NULL"
           " AND coalesce(shape, '') NOT LIKE '2011 shape%'")
    params: list = [level]
    if lad_codes:
        sql += " AND lad_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    return query(con, sql + " ORDER BY code", params)


def levels_with_geometry(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The area levels whose boundaries are held (maps and spatial tests need them)."""
    return [r[0] for r in con.execute("""SELECT DISTINCT level FROM areas WHERE geometry IS NOT NULL
                                         AND coalesce(shape, '') NOT LIKE '2011 shape%' ORDER BY 1""").fetchall()]


def crime_by_month_and_type(con: duckdb.DuckDBPyConnection, lad_code: str | None = None) -> pd.DataFrame:
    """police.uk counts (month, crime_type, n) for the study area or one LA (by 2011 LSOA)."""
    sql = """SELECT c.month, c.crime_type, sum(c.n)::BIGINT AS n FROM crime_counts c
             JOIN areas a ON a.code = c.lsoa11_code AND a.level = 'lsoa11'"""
    params: list = []
    if lad_code:
        sql += " WHERE a.lad_code = ?"
        params.append(lad_code)
    return query(con, sql + " GROUP BY ALL ORDER BY 1, 2", params)


def la_series_rows(con: duckdb.DuckDBPyConnection, indicator_id: str, la_code: str) -> pd.DataFrame:
    """Every period of an indicator for one LA, the region(s) held and England (period, level, value)."""
    return query(con, """SELECT period, level, value FROM indicator_values WHERE indicator_id = ?
                         AND ((level = 'lad' AND area_code = ?) OR level = 'region' OR (level = 'country' AND area_code = ?))
                         ORDER BY period""", [indicator_id, la_code, ENGLAND_CODE])
