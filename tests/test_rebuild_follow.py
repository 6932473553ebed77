"""A rebuilt database is served on the next page load, without a restart (issue 13, defect 1).

DuckDB keeps one database instance per path: while any connection to `p` is open, connecting to
`p` again after os.replace returns the old rows. The app must not fall into that."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from sna.config import REPO_ROOT


def _rename_area(path, name: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'area_name'", [name])


def _home_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.fixture()
def db_copy(built_db, tmp_path, monkeypatch):
    target = tmp_path / "sna.duckdb"
    shutil.copyfile(built_db, target)
    monkeypatch.setenv("SNA_DB", str(target))
    yield target


def test_replaced_database_is_read_on_the_next_run(db_copy, tmp_path):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert "West Midlands Violence Reduction Unit" in _home_text(at)

    from sna import ui
    held = ui.cursor()  # another session's cursor, still open during the swap
    rebuilt = tmp_path / ".sna.duckdb.building-1"
    shutil.copy2(db_copy, rebuilt)  # copy2 keeps the modification time: the swap must still be seen
    _rename_area(rebuilt, "Rebuilt Partnership")
    os.utime(rebuilt, ns=(db_copy.stat().st_atime_ns, db_copy.stat().st_mtime_ns))
    os.replace(rebuilt, db_copy)

    at.run()
    assert not at.exception
    assert "Rebuilt Partnership" in _home_text(at)
    assert held.execute("SELECT count(*) FROM meta").fetchone()[0] > 0  # the old session's cursor still works
    held.close()
