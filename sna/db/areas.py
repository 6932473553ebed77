"""Reads of areas, names, search, police.uk crimes and schools."""

from __future__ import annotations

import duckdb
import pandas as pd

from sna.db.core import ENGLAND_CODE, LEVEL_LABELS, has_table, query  # noqa: F401
from sna.errors import DatabaseError


# --- Areas ----------------------------------------------------------------------------------------

def areas(con: duckdb.DuckDBPyConnection, level: str, lad_codes: list[str] | None = None) -> pd.DataFrame:
    """Areas of a level (code, name, parents, population, display geometry as WKB)."""
    sql = "SELECT code, name, level, ward_code, lad_code, pop_total, pop_10_24, lon, lat, display, shape FROM areas WHERE level = ?"
    params: list = [level]
    if lad_codes:
        sql += " AND lad_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    return query(con, sql + " ORDER BY code", params)


def shape_counts(con: duckdb.DuckDBPyConnection, level: str) -> dict[str, int]:
    """How the areas of a level are drawn (areas.shape -> count): boundary files, or 2011 shapes for 2021 LSOAs."""
    return dict(con.execute("SELECT coalesce(shape, 'boundary'), count(*) FROM areas WHERE level = ? GROUP BY 1 ORDER BY 2 DESC",
                            [level]).fetchall())


def region_name(con: duckdb.DuckDBPyConnection) -> str | None:
    """The name of the study area's region (None for an England-wide study area)."""
    row = con.execute("SELECT name FROM areas WHERE level = 'region' LIMIT 1").fetchone()
    return row[0] if row else None


def largest_area(con: duckdb.DuckDBPyConnection, level: str) -> tuple[str, str] | None:
    """(code, name) of the most populous area of a level: an example people will recognise."""
    return con.execute("SELECT code, name FROM areas WHERE level = ? ORDER BY pop_total DESC NULLS LAST, code LIMIT 1",
                       [level]).fetchone()


def postcode_in(con: duckdb.DuckDBPyConnection, lsoa11_code: str | None = None) -> str | None:
    """A postcode held (in an LSOA if given), in its display form; None when no postcodes are held."""
    if not has_table(con, "postcodes"):
        return None
    sql = "SELECT display FROM postcodes" + (" WHERE lsoa11_code = ?" if lsoa11_code else "") + " ORDER BY postcode LIMIT 1"
    row = con.execute(sql, [lsoa11_code] if lsoa11_code else []).fetchone()
    return row[0] if row else None


def lad_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The study area's local authorities, code -> name, by name."""
    return dict(con.execute("SELECT code, name FROM areas WHERE level = 'lad' ORDER BY name").fetchall())


def area_record(con: duckdb.DuckDBPyConnection, code: str, level: str) -> pd.DataFrame:
    return query(con, """SELECT a.code, a.name, a.level, a.lad_code, l.name AS lad_name, a.region_code, a.ward_code
                         FROM areas a LEFT JOIN areas l ON l.code = a.lad_code AND l.level = 'lad'
                         WHERE a.code = ? AND a.level = ?""", [code, level])


def areas_by_code(con: duckdb.DuckDBPyConnection, code: str, levels: tuple[str, ...]) -> pd.DataFrame:
    return query(con, "SELECT code, name, level FROM areas WHERE code = ? AND level IN (SELECT unnest(?))", [code, list(levels)])


def areas_by_name(con: duckdb.DuckDBPyConnection, text: str, levels: tuple[str, ...], limit: int) -> pd.DataFrame:
    """Areas whose name contains the text (any case), LAs first, then wards."""
    return query(con, """SELECT code, name, level FROM areas WHERE level IN (SELECT unnest(?))
                         AND name ILIKE '%' || ? || '%' ORDER BY level = 'lad' DESC, level = 'ward' DESC, name LIMIT ?""",
                 [list(levels), text, limit])


def areas_near(con: duckdb.DuckDBPyConnection, level: str, lon: float, lat: float, pad: float) -> pd.DataFrame:
    """code, name, geometry of the areas of a level whose point lies within pad degrees of (lon, lat)."""
    return query(con, "SELECT code, name, geometry FROM areas WHERE level = ? AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?",
                 [level, lon - pad, lon + pad, lat - pad, lat + pad])


def partnership_outline(con: duckdb.DuckDBPyConnection) -> bytes:
    """The study area's outline (WKB, lon/lat)."""
    row = con.execute("SELECT geometry FROM areas WHERE level = 'partnership' AND geometry IS NOT NULL").fetchone()
    if row is None:
        raise DatabaseError("The database has no partnership outline (areas level 'partnership'): rebuild it with python -m sna build.")
    return row[0]


def postcode_prefix_areas(con: duckdb.DuckDBPyConnection, prefix: str, limit: int) -> pd.DataFrame:
    """The LSOAs (2011) covered by the postcodes starting with a district or sector ('B6 ', 'B6 5'), with
    how many of those postcodes each holds (most first)."""
    if not has_table(con, "postcodes"):
        return pd.DataFrame(columns=["code", "name", "level", "postcodes"])
    return query(con, """SELECT a.code, a.name, a.level, count(*) AS postcodes FROM postcodes p
                         JOIN areas a ON a.code = p.lsoa11_code AND a.level = 'lsoa11'
                         WHERE CAST(p.display AS VARCHAR) LIKE ? || '%' GROUP BY ALL ORDER BY postcodes DESC, a.code LIMIT ?""", [prefix, limit])


def places_by_name(con: duckdb.DuckDBPyConnection, text: str) -> pd.DataFrame:
    """Impact areas (code = place_id, level 'place') and the LSOAs of neighbourhoods whose name contains the text."""
    frames = []
    if has_table(con, "places"):
        frames.append(query(con, """SELECT place_id AS code, name, 'place' AS level, 'impact area' AS matched FROM places
                                    WHERE name ILIKE '%' || ? || '%' ORDER BY name""", [text]))
    if has_table(con, "neighbourhood_names"):
        frames.append(query(con, """SELECT a.code, a.name, a.level, 'in the neighbourhood ' || n.name AS matched
                                    FROM neighbourhood_names n JOIN areas a ON a.code = n.lsoa11_code AND a.level = 'lsoa11'
                                    WHERE n.name ILIKE '%' || ? || '%' ORDER BY n.name, a.code""", [text]))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["code", "name", "level", "matched"])


def postcode_point(con: duckdb.DuckDBPyConnection, postcode: str) -> tuple[str, float, float] | None:
    """(display form, lon, lat) of a normalised postcode, or None."""
    return con.execute("SELECT display, lon, lat FROM postcodes WHERE postcode = ?", [postcode]).fetchone()


# --- police.uk crime ------------------------------------------------------------------------------

def police_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The months of police.uk data held."""
    return [r[0] for r in con.execute("SELECT DISTINCT month FROM crimes WHERE month IS NOT NULL ORDER BY 1").fetchall()]


def crimes_in_box(con: duckdb.DuckDBPyConnection, minx: float, miny: float, maxx: float, maxy: float) -> pd.DataFrame:
    return query(con, """SELECT crime_id, month, crime_type, lon, lat, location, lsoa11_code, serious_violence FROM crimes
                         WHERE lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? AND lon IS NOT NULL""", [minx, maxx, miny, maxy])


def serious_violence_points(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return query(con, "SELECT lon, lat, month FROM crimes WHERE serious_violence AND lon IS NOT NULL")


# --- Schools --------------------------------------------------------------------------------------

def schools(con: duckdb.DuckDBPyConnection, located_only: bool = False) -> pd.DataFrame:
    sql = "SELECT * FROM schools" + (" WHERE lon IS NOT NULL AND lat IS NOT NULL" if located_only else "")
    return query(con, sql + " ORDER BY urn")


def idaci19(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """LSOA 2011 code, geometry, IDACI 2019 numerator and children aged 0-15."""
    return query(con, """SELECT a.code, a.geometry, i.idaci_numerator, i.children_0_15 FROM areas a
                         JOIN idaci19_lsoa11 i USING (code) WHERE a.level = 'lsoa11' ORDER BY a.code""")


def lsoa21_for_scores(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return query(con, "SELECT code, pop_total, geometry FROM areas WHERE level = 'lsoa21' ORDER BY code")
