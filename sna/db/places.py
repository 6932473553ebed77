"""Reads of the impact areas, Step Together routes, and what the Data and methods page shows."""

from __future__ import annotations

import duckdb
import pandas as pd

from sna.db.core import ENGLAND_CODE, LEVEL_LABELS, has_table, query  # noqa: F401
from sna.errors import DatabaseError


# --- Places and routes ----------------------------------------------------------------------------

def places(con: duckdb.DuckDBPyConnection, lad_codes: list[str] | None = None) -> pd.DataFrame:
    """Impact areas with their LA name and display geometry."""
    sql = """SELECT p.*, a.name AS la_name FROM places p LEFT JOIN areas a ON a.code = p.la_code AND a.level = 'lad'"""
    params: list = []
    if lad_codes:
        sql += " WHERE p.la_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    return query(con, sql + " ORDER BY p.name", params)


def routes(con: duckdb.DuckDBPyConnection, lad_codes: list[str] | None = None, statuses: list[str] | None = None) -> pd.DataFrame:
    """Step Together routes with their LA name (geometry WKB lon/lat)."""
    sql = """SELECT r.*, a.name AS la_name FROM routes r LEFT JOIN areas a ON a.code = r.la_code AND a.level = 'lad' WHERE true"""
    params: list = []
    if lad_codes:
        sql += " AND r.la_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    if statuses:
        sql += " AND r.status IN (SELECT unnest(?))"
        params.append(list(statuses))
    return query(con, sql + " ORDER BY r.la_code, r.route_id", params)


def known_routes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """route_id -> name of the routes in the database."""
    if not has_table(con, "routes"):
        raise DatabaseError("The database has no routes table: rebuild it with python -m sna build.")
    return dict(con.execute("SELECT route_id, name FROM routes").fetchall())


def place_areas(con: duckdb.DuckDBPyConnection, place_id: str) -> pd.DataFrame:
    """The areas (wards, LSOAs or the LA) that make up a place, with names."""
    return query(con, """SELECT pa.area_code, pa.level, a.name FROM place_areas pa
                         LEFT JOIN areas a ON a.code = pa.area_code AND a.level = pa.level
                         WHERE pa.place_id = ? ORDER BY pa.area_code""", [place_id])


def place_value(con: duckdb.DuckDBPyConnection, place_id: str, indicator_id: str) -> tuple | None:
    """(period, value, lsoas) of a place's latest value of an indicator, or None."""
    return con.execute("""SELECT period, value, lsoas FROM place_values WHERE place_id = ? AND indicator_id = ?
                          ORDER BY period DESC LIMIT 1""", [place_id, indicator_id]).fetchone()


def indicator_meta(con: duckdb.DuckDBPyConnection, indicator_id: str) -> dict | None:
    frame = query(con, "SELECT * FROM indicators WHERE id = ?", [indicator_id])
    return None if frame.empty else frame.iloc[0].to_dict()


def latest_period(con: duckdb.DuckDBPyConnection, indicator_id: str) -> str | None:
    return con.execute("SELECT max(period) FROM indicator_values WHERE indicator_id = ?", [indicator_id]).fetchone()[0]


def la_region_england(con: duckdb.DuckDBPyConnection, indicator_id: str, period: str, la_code: str) -> dict[str, float]:
    """{'la': ..., 'region': ..., 'country': ...} values of an indicator in one period."""
    return dict(con.execute("""SELECT CASE WHEN level = 'lad' THEN 'la' ELSE level END, value FROM indicator_values
                               WHERE indicator_id = ? AND period = ? AND
                               ((level = 'lad' AND area_code = ?) OR level IN ('region', 'country'))""",
                            [indicator_id, period, la_code]).fetchall())


def place_crime_trend(con: duckdb.DuckDBPyConnection, place_id: str) -> pd.DataFrame:
    """police.uk crimes in a place's LSOAs (2011) by month and crime type, for the months held."""
    return query(con, """SELECT c.month, c.crime_type, sum(c.n)::INTEGER AS crimes FROM crime_counts c
                         JOIN place_lsoas p ON p.lsoa_code = c.lsoa11_code AND p.level = 'lsoa11'
                         WHERE p.place_id = ? GROUP BY ALL ORDER BY c.month, crimes DESC, c.crime_type""", [place_id])


def lsoa21_in_box(con: duckdb.DuckDBPyConnection, minx: float, miny: float, maxx: float, maxy: float) -> pd.DataFrame:
    return query(con, """SELECT code, name, geometry FROM areas WHERE level = 'lsoa21'
                         AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?""", [minx, maxx, miny, maxy])


def violence_of_lsoa21(con: duckdb.DuckDBPyConnection, codes: list[str]) -> pd.DataFrame:
    return query(con, """SELECT a.code AS lsoa21_code, a.name, v.value AS violence_with_injury, v.period
                         FROM areas a LEFT JOIN indicator_values v ON v.area_code = a.code AND v.level = 'lsoa21'
                              AND v.indicator_id = 'iod25_violence_with_injury'
                         WHERE a.level = 'lsoa21' AND a.code IN (SELECT unnest(?)) ORDER BY v.value DESC NULLS LAST""",
                 [list(codes)])


def interventions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not has_table(con, "interventions"):
        return pd.DataFrame()
    return query(con, "SELECT * FROM interventions")


# --- Data and methods -----------------------------------------------------------------------------

def data_quality(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Facts users need to trust a figure (rows without LSOA codes, months missing, suppressions...)."""
    return query(con, "SELECT topic, source_id, period, measure, value, detail FROM data_quality")


def build_log(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per source file read by one build step (with its origin, vintage and sha256 when the build recorded them)."""
    provenance = ", origin, vintage, sha256" if "origin" in _columns(con, "build_log") else ""
    return query(con, f"""SELECT step, source_id, file, rows_read, rows_loaded{provenance}, built_at, code_version
                          FROM build_log ORDER BY built_at, step""")


def files_by_dataset(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """dataset, file, origin, vintage, rows_read of every file of a known dataset (sna.registry.datasets) the build read."""
    if "dataset" not in _columns(con, "build_log"):
        return pd.DataFrame(columns=["dataset", "file", "origin", "vintage", "rows_read"])
    return query(con, """SELECT dataset, file, origin, vintage, rows_read FROM build_log
                         WHERE dataset <> '' ORDER BY dataset, vintage, file""")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}


def sources_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The source registry as built into the database."""
    return query(con, "SELECT id, publisher, title, vintage, licence, official_page FROM sources ORDER BY id")
