"""Whether two built databases hold the same tables: every table's rows sorted (floats within 1e-12), the
stored order of indicator_values, areas, build_log and data_quality, ignoring build times and code version.

Run: python bench/compare_databases.py OLD.duckdb NEW.duckdb   (prints one line per table, then IDENTICAL or DIFFERENT)
Why: a build-speed change must leave every output as it was; this is the check used before and after.
"""

from __future__ import annotations

import math
import sys

import duckdb

IGNORED = {("build_log", "built_at"), ("build_log", "code_version")}
IGNORED_META = ("built_at", "code_version")
STORED_ORDER = {"indicator_values": "*", "areas": "code, level, geometry, display", "data_quality": "*",
                "build_log": "step, source_id, file, rows_read, rows_loaded"}


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list[str], list[tuple]]:
    columns = [c for (c, *_) in con.execute(f'DESCRIBE "{table}"').fetchall() if (table, c) not in IGNORED]
    where = f" WHERE key NOT IN {IGNORED_META}" if table == "meta" else ""
    rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{table}"{where}').fetchall()

    def key(row: tuple) -> tuple:
        return tuple((0, "") if v is None else (2, f"{v:.9g}") if isinstance(v, float) else (1, repr(v)) for v in row)
    return columns, sorted(rows, key=key)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    return a == b


def main(old: str, new: str) -> bool:
    a, b = duckdb.connect(old, read_only=True), duckdb.connect(new, read_only=True)
    tables = [{t for (t,) in c.execute("SELECT table_name FROM information_schema.tables").fetchall()} for c in (a, b)]
    same = tables[0] == tables[1]
    if not same:
        print("tables differ:", sorted(tables[0] ^ tables[1]))
    for table in sorted(tables[0] & tables[1]):
        (cols_a, rows_a), (cols_b, rows_b) = _rows(a, table), _rows(b, table)
        differing = (len(rows_a) != len(rows_b) or cols_a != cols_b
                     or sum(not all(map(_same, x, y)) for x, y in zip(rows_a, rows_b)))
        ordered = table not in STORED_ORDER or all(map(lambda x, y: all(map(_same, x, y)),
                                                       a.execute(f"SELECT {STORED_ORDER[table]} FROM {table}").fetchall(),
                                                       b.execute(f"SELECT {STORED_ORDER[table]} FROM {table}").fetchall()))
        print(f"{table}: {len(rows_a)} rows, {'differs' if differing else 'same'}" + ("" if ordered else ", stored order differs"))
        same = same and not differing and ordered
    print("IDENTICAL" if same else "DIFFERENT")
    return same


if __name__ == "__main__":
    sys.exit(0 if main(*sys.argv[1:3]) else 1)
