"""Reproducibility (issue 13): indirect dependencies are pinned (constraints.txt covers every pin at the
same version and the setup command installs with it), and two builds of the same inputs give the same
tables, whether or not steps ran in a second process."""

from __future__ import annotations

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sna.config import REPO_ROOT


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = str(req.specifier).removeprefix("==")
    return pins


def test_constraints_cover_every_pin_at_the_same_version():
    locked = _pins("constraints.txt")
    assert len(locked) > 40  # the indirect ones too (streamlit alone pulls in ~30)
    for name in ("requirements.txt", "requirements-dev.txt"):
        for package, version in _pins(name).items():
            assert locked.get(package) == version, f"{package}: {name} pins {version}, constraints.txt has {locked.get(package)}"
    for indirect in ("protobuf", "starlette", "uvicorn", "pyproj", "packaging"):  # pulled in, never pinned directly
        assert indirect in locked, indirect


def test_setup_installs_with_the_constraints_and_make_lock_refreshes_them():
    setup = (REPO_ROOT / "scripts/setup.sh").read_text()
    assert "-c constraints.txt" in setup
    assert "scripts/lock.py" in (REPO_ROOT / "Makefile").read_text()


# --- builds: the same inputs give the same tables, whatever the scheduling --------------------------

def _tables(path) -> dict[str, list[tuple]]:
    """Every table's rows in stored order (NaN as a marker, so that equal rows compare equal), without the
    build times."""
    import math

    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
            columns = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                                  "ORDER BY ordinal_position", [table]).fetchall() if c != "built_at"]
            where = " WHERE key <> 'built_at'" if table == "meta" else ""
            rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{table}"{where}').fetchall()
            out[table] = [tuple("NaN" if isinstance(v, float) and math.isnan(v) else v for v in row) for row in rows]
        return out
    finally:
        con.close()


def test_two_builds_of_the_same_inputs_give_identical_tables(built_db, tmp_path, monkeypatch):
    """The session's build (steps in a second process where there are two cores) against a build that runs
    every step in turn: every table, row for row in stored order, every value exactly (issue 13)."""
    from dataclasses import replace

    from sna.build import build
    from sna.config import settings

    monkeypatch.setenv("SNA_BUILD_WORKERS", "1")
    again = tmp_path / "again.duckdb"
    build("west-midlands", config=replace(settings(), db_path=again), progress=False)
    first, second = _tables(built_db), _tables(again)
    assert sorted(first) == sorted(second)
    for table in first:
        assert len(first[table]) == len(second[table]), table
        assert first[table] == second[table], f"table {table} differs between two builds of the same inputs"
