"""The connection, the schema check and the generic helpers every query module uses.

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
