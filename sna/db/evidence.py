"""Reads for custom areas, profile packs and downloads of the view."""

from __future__ import annotations

import duckdb
import pandas as pd

from sna.db.core import ENGLAND_CODE, LEVEL_LABELS, has_table, query  # noqa: F401
from sna.errors import DatabaseError


# --- Custom areas, profile packs and downloads (issue 12) -----------------------------------------

def lsoa_index(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """code, level (lsoa11 | lsoa21), name, lad_code of every study-area LSOA (to check users' codes)."""
    return query(con, "SELECT code, level, name, lad_code FROM areas WHERE level IN ('lsoa11', 'lsoa21') ORDER BY level, code")


def lsoa_lookup(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """lsoa11_code, lsoa21_code, change_code: the ONS best-fit links between the two generations."""
    return query(con, "SELECT lsoa11_code, lsoa21_code, change_code FROM lsoa_lookup")


def lsoa_weights(con: duckdb.DuckDBPyConnection, codes: list[str]) -> pd.DataFrame:
    """weight, code, value: the registry's aggregation weights of some LSOAs (empty on an old build)."""
    if not has_table(con, "lsoa_weights"):
        raise DatabaseError("The database has no LSOA weights table: rebuild it with python -m sna build.")
    return query(con, "SELECT weight, code, value FROM lsoa_weights WHERE code IN (SELECT unnest(?))", [list(codes)])


def lsoa_indicator_values(con: duckdb.DuckDBPyConnection, codes: list[str], level: str) -> pd.DataFrame:
    """indicator_id, area_code, period, value, numerator, denominator of some LSOAs of one generation."""
    return query(con, """SELECT indicator_id, area_code, period, value, numerator, denominator FROM indicator_values
                         WHERE level = ? AND area_code IN (SELECT unnest(?))""", [level, list(codes)])


def benchmark_values(con: duckdb.DuckDBPyConnection, lad_codes: list[str], region_code: str | None) -> pd.DataFrame:
    """indicator_id, period, level, area_code, value, numerator, denominator of some LAs, a region and England."""
    return query(con, """SELECT indicator_id, period, level, area_code, value, numerator, denominator FROM indicator_values
                         WHERE (level = 'lad' AND area_code IN (SELECT unnest(?))) OR (level = 'region' AND area_code = ?)
                            OR (level = 'country' AND area_code = ?)""", [list(lad_codes), region_code, ENGLAND_CODE])


def area_shapes(con: duckdb.DuckDBPyConnection, level: str, codes: list[str] | None = None,
                boundaries_only: bool = False) -> pd.DataFrame:
    """code, name, lad_code, geometry (WKB, lon/lat) of the areas of a level (all, or the codes given).

    boundaries_only: leave out 2021 LSOAs drawn on 2011 shapes (no boundary file): fit for drawing, not for
    geometry that decides membership (a split LSOA's parts share one shape)."""
    sql = "SELECT code, name, lad_code, geometry FROM areas WHERE level = ? AND geometry IS NOT NULL"
    if boundaries_only:
        sql += " AND coalesce(shape, '') NOT LIKE '2011 shape%'"
    params: list = [level]
    if codes is not None:
        sql += " AND code IN (SELECT unnest(?))"
        params.append(list(codes))
    return query(con, sql + " ORDER BY code", params)


def place_record(con: duckdb.DuckDBPyConnection, place_id: str) -> dict | None:
    """An impact area: place_id, name, la_code, extent_note, geometry (WKB), or None."""
    frame = query(con, "SELECT place_id, name, la_code, extent_note, extent_quality, geometry FROM places WHERE place_id = ?", [place_id])
    return None if frame.empty else frame.iloc[0].to_dict()


def place_lsoa_codes(con: duckdb.DuckDBPyConnection, place_id: str, level: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT lsoa_code FROM place_lsoas WHERE place_id = ? AND level = ? ORDER BY 1",
                                      [place_id, level]).fetchall()]


def lsoa_codes_of(con: duckdb.DuckDBPyConnection, parent_level: str, code: str, level: str) -> list[str]:
    """The LSOAs of one generation inside a ward or LA (by the areas table's parent columns)."""
    column = {"ward": "ward_code", "lad": "lad_code"}[parent_level]
    return [r[0] for r in con.execute(f"SELECT code FROM areas WHERE level = ? AND {column} = ? ORDER BY code",
                                      [level, code]).fetchall()]


def school_record(con: duckdb.DuckDBPyConnection, urn: int) -> dict | None:
    frame = query(con, "SELECT * FROM schools WHERE urn = ?", [int(urn)])
    return None if frame.empty else frame.iloc[0].to_dict()


def source_records(con: duckdb.DuckDBPyConnection, source_ids: list[str]) -> pd.DataFrame:
    """id, publisher, title, vintage, licence, official_page of some sources."""
    return query(con, """SELECT id, publisher, title, vintage, licence, official_page FROM sources
                         WHERE id IN (SELECT unnest(?)) ORDER BY id""", [list(source_ids)])
