"""The Assessment page under AppTest: every tab's main widget path on the West Midlands database,
figures on screen equal to the analysis called directly, and the page opening on West Yorkshire and
England (slow: builds those databases)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "5_Assessment.py")


def _run(at):
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture()
def app(built_db):
    from streamlit.testing.v1 import AppTest

    os.environ["SNA_DB"] = str(built_db)
    return _run(AppTest.from_file(PAGE, default_timeout=300))


def _open(at, tab: str):
    """Switch the page's lazy tabs (only the open tab runs)."""
    at.session_state["assessment_tab"] = tab
    return _run(at)


def _frame_with(at, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with column {column}"
    return found[0]


def test_risk_index_tab(app):
    table = _frame_with(app, "robust_top")
    assert len(table) == 1719 and table["rank"].min() == 1
    before = table.set_index("code")["risk_index"]
    app.radio(key="ri_norm").set_value("zscore")
    app.number_input(key="ri_w_iod25_health_score").set_value(3.0)
    app.radio(key="ri_map_show").set_value("Uncertainty (width of the 90% rank interval)")
    _run(app)
    after = _frame_with(app, "robust_top").set_index("code")["risk_index"]
    assert not before.equals(after)
    recipe = _frame_with(app, "weight_share")
    assert recipe.set_index("indicator_id").at["iod25_health_score", "weight"] == 3.0
    assert set(recipe["normalisation"]) == {"z-score"}
    assert app.get("download_button")  # recipe and values exports are offered


def test_risk_index_with_no_indicator_says_so(app):
    app.multiselect(key="ri_indicators").set_value([])
    _run(app)
    assert any("Pick at least one indicator" in i.value for i in app.info)


def test_bivariate_tab_lists(app):
    app.radio(key="ri_norm").set_value("minmax")
    _run(app)
    _open(app, "High risk x high violence")
    assert not any(d.value.columns.isin(["robust_top"]).any() for d in app.dataframe)  # the index tab did not run
    both = [d.value for d in app.dataframe if "Risk index" in d.value.columns]
    assert len(both) == 2 and len(both[0]) > 0
    app.selectbox(key="bv_violence").set_value("iod25_public_order_weapons")
    _run(app)
    assert any("crime domain" in c.value for c in app.caption)  # the default index includes the crime domain
    # the recipe chosen in the index tab survives the switch (min-max kept) and is used here
    _open(app, "Risk index")
    assert set(_frame_with(app, "weight_share")["normalisation"]) == {"Min-max (0 to 1)"}


def test_hot_spots_tab_matches_the_analysis(app, con):
    from sna.analysis import hotspots as hs

    _open(app, "Hot spots")
    metrics = {m.label: int(m.value.replace(",", "")) for m in app.metric}
    shapes = con.execute("SELECT code, geometry FROM areas WHERE level = 'lsoa21' ORDER BY code").df()
    sw = hs.spatial_weights(hs.projected_frame(shapes["code"], shapes["geometry"]))
    series = con.execute("SELECT area_code, value FROM indicator_values WHERE indicator_id = "
                         "'iod25_violence_with_injury' AND level = 'lsoa21'").df().set_index("area_code")["value"]
    _table, summary = hs.gi_star(series, sw)
    assert metrics == summary["counts"]
    app.radio(key="hs_method").set_value("moran")
    app.radio(key="hs_weights").set_value("distance")
    app.checkbox(key="hs_fdr").uncheck()
    _run(app)
    labels = {m.label for m in app.metric}
    assert labels & {"High-high", "Low-low"}
    assert any("without a correction" in c.value for c in app.caption)


def test_maps_send_colours_and_text_not_geometry(app):
    """Each map is the shared map component: per-area palette indices and one plain-text tooltip per area,
    the geometry by URL (fetched once), never pydeck."""
    import json

    from sna.ui.assessment import HOTSPOT_COLOURS

    def map_data(at, key):
        found = [json.loads(e.proto.json) for e in at.main if getattr(e, "type", "") == "bidi_component"]
        return [d for d in found if d["name"] == key][0]

    assert not app.get("deck_gl_json_chart")
    ri = map_data(app, "ri_map")
    assert "/app/static/sna-map/areas-lsoa21-" in ri["geo"] and "p" not in ri and ri["select"] is False
    drawn = [i for i, c in enumerate(ri["cls"]) if c >= 0]
    assert len(drawn) > 1000 and all(ri["text"][i] and "index" in ri["text"][i] for i in drawn)
    _open(app, "Hot spots")
    hs_map = map_data(app, "hs_map")
    assert {tuple(c) for c in hs_map["pal"]} <= {tuple(c) for c in HOTSPOT_COLOURS.values()}
    assert any("z " in t for t in hs_map["text"] if t)


def test_rates_tab(app):
    _open(app, "Small-area rates")
    outside = _frame_with(app, "position")
    assert (outside["position"].str.contains("99.8")).all()
    app.radio(key="sr_level").set_value("ward")
    app.toggle(key="sr_eb").set_value(False)
    _run(app)
    ward = _frame_with(app, "position")
    assert ward["area_code"].str.startswith("E05").all()
    assert any("95% (dashed) and 99.8% (solid)" in c.value for c in app.caption)


def test_trends_tab(app):
    _open(app, "Trends")
    flags = _frame_with(app, "flag")
    assert len(flags) > 10
    app.selectbox(key="tr_la").set_value("E08000026")
    app.selectbox(key="tr_indicator").set_value("la_persistent_absence")
    app.multiselect(key="tr_crime_types").set_value(["Robbery"])
    _run(app)
    assert any("1 month held: 2018-06" in i.value for i in app.info)


@pytest.mark.slow
@pytest.mark.parametrize("area", ["west-yorkshire", "england"])
def test_page_opens_on_other_study_areas(area, sources_dir, tmp_path, built_db):
    from streamlit.testing.v1 import AppTest

    from sna.build import build
    from sna.config import settings

    config = replace(settings(), sources_dir=sources_dir, db_path=tmp_path / f"{area}.duckdb")
    build(area, config=config, progress=False)
    os.environ["SNA_DB"] = str(config.db_path)
    try:
        at = _run(AppTest.from_file(PAGE, default_timeout=600))
        assert len(at.tabs) == 5
        for tab in ("High risk x high violence", "Hot spots", "Small-area rates", "Trends"):
            _open(at, tab)
        if area == "west-yorkshire":  # the Trends tab is open
            assert any("3 months held: 2016-07, 2017-07, 2018-07" in i.value for i in at.info)
    finally:
        os.environ["SNA_DB"] = str(built_db)


@pytest.mark.browser
def test_assessment_page_in_a_real_browser(served_app, browser, artifacts):
    from conftest import new_page, wait_for_app, wait_map_drawn

    page, log = new_page(browser, 1400, 2600)
    try:
        page.goto(f"{served_app}/Assessment", wait_until="domcontentloaded")
        wait_for_app(page, 180000)
        wait_map_drawn(page, "ri_map")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0
        page.screenshot(path=str(artifacts / "assessment_risk_index.png"))
        for tab, name, key in (("High risk x high violence", "bivariate", "bv_map"), ("Hot spots", "hotspots", "hs_map"),
                               ("Small-area rates", "rates", "sr_map"), ("Trends", "trends", None)):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(1000)
            wait_for_app(page, 180000)
            if key:
                wait_map_drawn(page, key)
            page.wait_for_timeout(1000)
            assert page.get_by_text(tab, exact=False).count() >= 1
            page.screenshot(path=str(artifacts / f"assessment_{name}.png"))
            assert page.locator('[data-testid="stException"]').count() == 0
        assert not log.unexplained(), (list(log), log.failed)
    finally:
        page.close()
