"""Reads of the indicator catalogue and values (every level, every period)."""

from __future__ import annotations

import duckdb
import pandas as pd

from sna.db.core import ENGLAND_CODE, LEVEL_LABELS, has_table, query  # noqa: F401


# --- The indicator catalogue and values -----------------------------------------------------------

def catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The indicator catalogue with provenance, one row per indicator held."""
    return query(con, "SELECT * FROM indicators ORDER BY theme, title")


def levels_held(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """indicator_id, levels (list of the levels it has values at)."""
    return query(con, "SELECT indicator_id, list(DISTINCT level ORDER BY level) AS levels FROM indicator_values GROUP BY 1")


def periods_of(con: duckdb.DuckDBPyConnection, indicator_id: str) -> list[str]:
    rows = con.execute("SELECT DISTINCT period FROM indicator_values WHERE indicator_id = ? ORDER BY period", [indicator_id]).fetchall()
    return [r[0] for r in rows]


def values(con: duckdb.DuckDBPyConnection, indicator_id: str, level: str, period: str | None = None,
           lad_codes: list[str] | None = None) -> pd.DataFrame:
    """Values of one indicator at one level (latest period unless given), with area names."""
    period = period or (periods_of(con, indicator_id) or [None])[-1]
    sql = """SELECT v.area_code, a.name, a.lad_code, v.period, v.value, v.numerator, v.denominator, v.note, a.shape
             FROM indicator_values v JOIN areas a ON a.code = v.area_code AND a.level = v.level
             WHERE v.indicator_id = ? AND v.level = ? AND v.period = ?"""
    params: list = [indicator_id, level, period]
    if lad_codes:
        sql += " AND a.lad_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    return query(con, sql + " ORDER BY v.area_code", params)


def latest_values(con: duckdb.DuckDBPyConnection, indicator_id: str, level: str) -> pd.Series:
    """area_code -> value of the latest period (no names; for computations over every area)."""
    frame = query(con, """SELECT area_code, value FROM indicator_values WHERE indicator_id = ? AND level = ?
                          AND period = (SELECT max(period) FROM indicator_values WHERE indicator_id = ? AND level = ?)""",
                  [indicator_id, level, indicator_id, level])
    return frame.set_index("area_code")["value"]


def summary_values(con: duckdb.DuckDBPyConnection, indicator_ids: list[str]) -> pd.DataFrame:
    """Values of some indicators for the partnership, its LAs, the region and England, with names."""
    return query(con, """SELECT v.indicator_id, v.area_code, v.level, v.period, v.value, a.name FROM indicator_values v
                         JOIN areas a ON a.code = v.area_code AND a.level = v.level
                         WHERE v.indicator_id IN (SELECT unnest(?)) AND v.level IN ('partnership', 'lad', 'region', 'country')""",
                 [list(indicator_ids)])


def area_indicator_values(con: duckdb.DuckDBPyConnection, code: str, level: str) -> pd.DataFrame:
    """Every indicator value held for one area (all periods)."""
    return query(con, """SELECT indicator_id, period, value, numerator, denominator FROM indicator_values
                         WHERE area_code = ? AND level = ?""", [code, level])


def comparator_values(con: duckdb.DuckDBPyConnection, lad_code: str | None, region_code: str | None) -> pd.DataFrame:
    """Every indicator value of an LA, a region and England (indicator_id, period, level, value)."""
    return query(con, """SELECT indicator_id, period, level, value FROM indicator_values
                         WHERE (level = 'lad' AND area_code = ?) OR (level = 'region' AND area_code = ?)
                            OR (level = 'country' AND area_code = ?)""", [lad_code, region_code, ENGLAND_CODE])
