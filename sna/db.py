"""Read-only access to the built database: the only way pages and analyses reach the data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from sna.config import settings
from sna.errors import DatabaseError

LEVEL_LABELS = {"lsoa11": "LSOA (2011)", "lsoa21": "LSOA (2021)", "ward": "Ward (2024)", "lad": "Local authority",
                "partnership": "Partnership area", "region": "Region", "country": "England"}


def connect(db_path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection; a clear error when the database has not been built."""
    path = Path(db_path) if db_path else settings().db_path
    if not path.exists():
        raise DatabaseError(f"No database at {path}. Build it first: python -m sna build")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise DatabaseError(f"Cannot open the database at {path} ({exc}). Rebuild it: python -m sna build") from exc


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The indicator catalogue with provenance, one row per indicator held."""
    return query(con, "SELECT * FROM indicators ORDER BY theme, title")


def levels_of(con: duckdb.DuckDBPyConnection, indicator_id: str) -> list[str]:
    rows = con.execute("SELECT DISTINCT level FROM indicator_values WHERE indicator_id = ?", [indicator_id]).fetchall()
    order = list(LEVEL_LABELS)
    return sorted((r[0] for r in rows), key=order.index)


def periods_of(con: duckdb.DuckDBPyConnection, indicator_id: str) -> list[str]:
    rows = con.execute("SELECT DISTINCT period FROM indicator_values WHERE indicator_id = ? ORDER BY period", [indicator_id]).fetchall()
    return [r[0] for r in rows]


def areas(con: duckdb.DuckDBPyConnection, level: str, lad_codes: list[str] | None = None) -> pd.DataFrame:
    """Areas of a level (code, name, parents, population, display geometry as WKB)."""
    sql = "SELECT code, name, level, ward_code, lad_code, pop_total, pop_10_24, lon, lat, display FROM areas WHERE level = ?"
    params: list = [level]
    if lad_codes:
        sql += " AND lad_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    return query(con, sql + " ORDER BY code", params)


def values(con: duckdb.DuckDBPyConnection, indicator_id: str, level: str, period: str | None = None,
           lad_codes: list[str] | None = None) -> pd.DataFrame:
    """Values of one indicator at one level (latest period unless given), with area names."""
    period = period or (periods_of(con, indicator_id) or [None])[-1]
    sql = """SELECT v.area_code, a.name, a.lad_code, v.period, v.value, v.numerator, v.denominator, v.note
             FROM indicator_values v JOIN areas a ON a.code = v.area_code AND a.level = v.level
             WHERE v.indicator_id = ? AND v.level = ? AND v.period = ?"""
    params: list = [indicator_id, level, period]
    if lad_codes:
        sql += " AND a.lad_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    return query(con, sql + " ORDER BY v.area_code", params)


def benchmarks(con: duckdb.DuckDBPyConnection, indicator_id: str, period: str) -> pd.DataFrame:
    """The indicator for every LAD, the partnership, the region and England (for comparison)."""
    return query(con, """SELECT v.level, v.area_code, a.name, v.value, v.numerator, v.denominator, v.note
                         FROM indicator_values v JOIN areas a ON a.code = v.area_code AND a.level = v.level
                         WHERE v.indicator_id = ? AND v.period = ? AND v.level IN ('lad', 'partnership', 'region', 'country')
                         ORDER BY v.level, a.name""", [indicator_id, period])


def data_quality(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Facts users need to trust a figure (rows without LSOA codes, months missing, suppressions...)."""
    return query(con, "SELECT topic, source_id, period, measure, value, detail FROM data_quality")


def build_log(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per source file read by one build step."""
    return query(con, """SELECT step, source_id, file, rows_read, rows_loaded, built_at, code_version
                         FROM build_log ORDER BY built_at, step""")


def sources_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The source registry as built into the database."""
    return query(con, "SELECT id, publisher, title, vintage, licence, official_page FROM sources ORDER BY id")
