"""Every study area in data/areas/ is a product: each builds, and every page opens on it without an
error, with its main widget paths, whatever sources the area has (AppTest against a real build)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sna.build import build
from sna.config import settings
from sna import ui
from sna.registry import studyarea

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["app.py", *(file for file, _label, _purpose in ui.pages(with_home=True))]  # every page the menu lists
OTHER_AREAS = [a for a in studyarea.available() if a != "west-midlands"]


@pytest.fixture(scope="module", params=OTHER_AREAS)
def area_db(request, sources_dir, tmp_path_factory, built_db):
    """A real build of another study area; SNA_DB points at it for the module, then back."""
    path = tmp_path_factory.mktemp(request.param) / "sna.duckdb"
    build(request.param, config=replace(settings(), sources_dir=sources_dir, db_path=path), progress=False)
    previous = os.environ["SNA_DB"]
    os.environ["SNA_DB"] = str(path)
    yield request.param, path
    os.environ["SNA_DB"] = previous


def run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    at.run()
    return at


def errors(at: AppTest) -> list[str]:
    return [str(e.value)[:300] for e in at.exception] + [e.value for e in at.error]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens(area_db, page):
    at = run(page)
    assert not errors(at), errors(at)
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "West Midlands" not in text, f"{page} names the West Midlands on {area_db[0]}"


@pytest.mark.slow
def test_explorer_widget_paths(area_db):
    at = run("pages/1_Area_explorer.py")
    for level in ("ward", "lad", "lsoa"):
        at.radio(key="level").set_value(level).run()
        assert not errors(at), (level, errors(at))
    at.selectbox(key="theme").set_value("deprivation").run()
    at.selectbox(key="indicator").set_value("iod19_imd_score").run()
    assert not errors(at)
    import duckdb

    with duckdb.connect(str(area_db[1]), read_only=True) as con:
        code = con.execute("SELECT min(code) FROM areas WHERE level = 'lsoa11'").fetchone()[0]
    at.toggle(key="ranked_all").set_value(True).run()  # the list under the ranked table offers the rows shown
    at.selectbox(key="area").set_value(code).run()
    assert not errors(at) and any("Profile" in s.value for s in at.subheader)
    at.text_input(key="search").input("E0").run()
    assert not errors(at)


@pytest.mark.slow
def test_explorer_says_which_shapes_it_draws(area_db):
    """Without LSOA 2021 boundaries, IoD2025 (LSOA 2021) values are drawn on 2011 shapes, and the map says so."""
    at = run("pages/1_Area_explorer.py")  # default: an IoD2025 indicator by LSOA
    assert not errors(at)
    assert any("2011" in c.value and "lookup" in c.value for c in at.caption)


@pytest.mark.slow
def test_priority_widget_paths(area_db):
    at = run("pages/2_Priority_schools.py")
    at.slider(key="w_imd").set_value(40).run()
    assert not errors(at)
    import duckdb

    with duckdb.connect(str(area_db[1]), read_only=True) as con:
        urn = con.execute("SELECT min(urn) FROM schools WHERE is_secondary AND has_coordinates").fetchone()[0]
    at.selectbox(key="school").set_value(int(urn)).run()
    assert not errors(at)
    assert any("ranks" in m.value for m in at.markdown)
