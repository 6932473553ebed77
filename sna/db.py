"""Read-only access to the built database: the only way pages and analyses reach the data.

Every SQL statement the app runs lives here, grouped by topic; callers get DataFrames, dicts or
tuples back. The build writes the database (sna.build); nothing here writes.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from sna.config import settings
from sna.errors import DatabaseError

LEVEL_LABELS = {"lsoa11": "LSOA (2011)", "lsoa21": "LSOA (2021)", "ward": "Ward (2024)", "lad": "Local authority",
                "partnership": "Partnership area", "region": "Region", "country": "England"}
ENGLAND_CODE = "E92000001"


CATALOG = "sna"  # the name the database file is attached under
SCHEMA_VERSION = "2"  # written by the build into meta; bump when the tables the app reads change
APP_TABLES = ("areas", "indicator_values", "indicators", "sources", "build_log", "meta", "crimes", "crime_counts", "data_quality")


def connect(db_path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection; a clear error when the database has not been built.

    The file is ATTACHed to a fresh in-memory instance instead of opened with duckdb.connect(path):
    DuckDB shares one instance per path, so after a rebuild renames a new file into place,
    connect(path) would return the OLD data for as long as any connection to it is open."""
    path = Path(db_path) if db_path else settings().db_path
    if not path.is_file():
        what = "a folder, not a database file" if path.is_dir() else "no database"
        raise DatabaseError(f"There is {what} at {path}. Build the database first: python -m sna build")
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{_sql_text(str(path))}' AS {CATALOG} (READ_ONLY)")
        con.execute(f"USE {CATALOG}")
    except duckdb.Error as exc:
        con.close()
        raise DatabaseError(f"Cannot open the database at {path} ({type(exc).__name__}). Rebuild it: python -m sna build") from exc
    return con


def check_schema(con: duckdb.DuckDBPyConnection) -> None:
    """DatabaseError unless the database has every table the app reads and this code's schema version.

    One catalogue query and one meta lookup: cheap enough to run once per database file version."""
    present = tables(con)
    missing = [t for t in APP_TABLES if t not in present]
    if len(missing) == len(APP_TABLES):
        raise DatabaseError("The database is empty (it holds none of the tables this site reads). "
                            "Rebuild it: python -m sna build")
    if missing:
        raise DatabaseError(f"The database was built by an older version of this software (it lacks {', '.join(missing)}). "
                            "Rebuild it: python -m sna build")
    found = con.execute("SELECT max(value) FROM meta WHERE key = 'schema_version'").fetchone()[0]
    if found != SCHEMA_VERSION:
        raise DatabaseError(f"The database has schema version {found or 'none'}; this software reads version {SCHEMA_VERSION}. "
                            "Rebuild it: python -m sna build")


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of a connection made by connect(), reading the attached database by default."""
    cur = con.cursor()
    cur.execute(f"USE {CATALOG}")
    return cur


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()[0])


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


# --- The indicator catalogue and values -----------------------------------------------------------

def catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The indicator catalogue with provenance, one row per indicator held."""
    return query(con, "SELECT * FROM indicators ORDER BY theme, title")


def levels_held(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """indicator_id, levels (list of the levels it has values at)."""
    return query(con, "SELECT indicator_id, list(DISTINCT level ORDER BY level) AS levels FROM indicator_values GROUP BY 1")


def levels_of(con: duckdb.DuckDBPyConnection, indicator_id: str) -> list[str]:
    rows = con.execute("SELECT DISTINCT level FROM indicator_values WHERE indicator_id = ?", [indicator_id]).fetchall()
    order = list(LEVEL_LABELS)
    return sorted((r[0] for r in rows), key=order.index)


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


def benchmarks(con: duckdb.DuckDBPyConnection, indicator_id: str, period: str) -> pd.DataFrame:
    """The indicator for every LAD, the partnership, the region and England (for comparison)."""
    return query(con, """SELECT v.level, v.area_code, a.name, v.value, v.numerator, v.denominator, v.note
                         FROM indicator_values v JOIN areas a ON a.code = v.area_code AND a.level = v.level
                         WHERE v.indicator_id = ? AND v.period = ? AND v.level IN ('lad', 'partnership', 'region', 'country')
                         ORDER BY v.level, a.name""", [indicator_id, period])


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


# --- Areas ----------------------------------------------------------------------------------------

def areas(con: duckdb.DuckDBPyConnection, level: str, lad_codes: list[str] | None = None) -> pd.DataFrame:
    """Areas of a level (code, name, parents, population, display geometry as WKB)."""
    sql = "SELECT code, name, level, ward_code, lad_code, pop_total, pop_10_24, lon, lat, display, shape FROM areas WHERE level = ?"
    params: list = [level]
    if lad_codes:
        sql += " AND lad_code IN (SELECT unnest(?))"
        params.append(list(lad_codes))
    return query(con, sql + " ORDER BY code", params)


def area_geometry(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """code, full geometry (WKB) of every area of a level (for geometry work, not drawing)."""
    return query(con, "SELECT code, geometry FROM areas WHERE level = ? ORDER BY code", [level])


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
