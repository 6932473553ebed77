"""The Places page: AppTest for its widgets, story, corridor and upload; a real-browser check of the map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import new_page, wait_for_app, wait_map_drawn

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "3_Places.py")
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_page(built_db) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at: AppTest, column: str):
    """The first dataframe on the page with this column (AppTest does not expose dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_renders_routes_places_and_interventions(built_db):
    at = run_page(built_db)
    routes = table(at, "line shown")
    assert len(routes) == 19
    assert (routes["line shown"] == "APPROXIMATE").all()
    interventions = table(at, "intervention")
    assert interventions["reach_24_and_under"].sum() == 2934
    assert any("approximate" in w.value.lower() for w in at.warning)
    assert any("needs more police.uk months" in i.value for i in at.info)


def map_data(at: AppTest) -> dict[str, dict]:
    """The data the page sends to each map component (sna.ui.deckmap), by key."""
    found = [json.loads(e.proto.json) for e in at.main if getattr(e, "type", "") == "bidi_component"]
    return {d["name"]: d for d in found}


def test_three_maps_send_overlays_not_geometry(built_db):
    at = run_page(built_db)
    at.selectbox(key="place").set_value("lozells").run()
    at.selectbox(key="route").set_value("bham-lozells-1").run()
    maps = map_data(at)
    assert set(maps) == {"places_map", "story_map", "corridor_map"} and not at.get("deck_gl_json_chart")
    for data in maps.values():
        assert "/app/static/sna-map/areas-lsoa" in data["geo"] and data["select"] is False  # geometry by URL, once
        assert max(data["cls"]) >= 4 and "tip" in data
    overview = {o["id"]: o for o in maps["places_map"]["overlays"]}
    assert len(overview["routes"]["paths"]) == len(overview["route_markers"]["lon"]) == 19
    assert len(overview["places"]["rings"]) >= 9 and overview["place_labels"]["type"] == "labels"
    assert all("APPROXIMATE" in t for t in overview["routes"]["tip"])
    story = {o["id"]: o for o in maps["story_map"]["overlays"]}
    assert story["place"]["ids"][0] == "lozells"
    west, south, east, north = maps["story_map"]["bounds"]
    assert all(west <= x <= east for x in story["place"]["rings"][0][0][::2])  # the view frames the place
    corridor = {o["id"]: o for o in maps["corridor_map"]["overlays"]}
    assert corridor["route"]["ids"] == ["bham-lozells-1"] and corridor["corridor"]["fill"][3] < 255
    assert len(corridor["crimes"]["lon"]) == int(metric(at, "police.uk crimes in the corridor").replace(",", ""))
    assert len(json.dumps(maps["places_map"]["overlays"], separators=(",", ":"))) < 30_000  # small, inline per rerun


def test_filters_by_local_authority_and_status(built_db):
    at = run_page(built_db)
    at.multiselect(key="places_las").set_value(["E08000027"]).run()
    assert len(table(at, "line shown")) == 2  # Dudley: St James, Kates Hill
    assert set(at.selectbox(key="place").options) == {"St James's, Dudley"}
    at.multiselect(key="places_las").set_value(["E08000025", "E08000026"]).run()
    at.multiselect(key="route_status").set_value(["in development"]).run()
    assert list(table(at, "line shown")["route_id"]) == ["coventry-wood-end"]
    at.multiselect(key="places_las").set_value([]).run()
    assert not at.exception
    assert any("No local authority is selected" in i.value for i in at.info)


def test_story_view_shows_the_place_and_its_indicators(built_db):
    at = run_page(built_db)
    at.selectbox(key="place").set_value("lozells").run()
    assert not at.exception
    assert any("Lozells" in m.value for m in at.markdown)
    assert any("Eyes Wide Open" in m.value for m in at.markdown)
    indicators = table(at, "indicator")
    assert len(indicators) == 4
    assert indicators["place"].notna().all()
    assert any("para 5.2" in c.value for c in at.caption)


def test_corridor_buffer_slider_changes_the_counts(built_db):
    at = run_page(built_db)
    at.selectbox(key="route").set_value("bham-lozells-1").run()
    narrow = int(metric(at, "police.uk crimes in the corridor").replace(",", ""))
    at.slider(key="buffer_m").set_value(800).run()
    assert not at.exception
    wide = int(metric(at, "police.uk crimes in the corridor").replace(",", ""))
    assert wide > narrow >= 0
    assert any("APPROXIMATE" in w.value for w in at.warning)
    assert len(table(at, "lsoa21_code")) > 0


def test_upload_valid_file_previews_in_session_only(built_db):
    at = run_page(built_db)
    data = (FIXTURES / "routes_valid.geojson").read_bytes()
    at.file_uploader(key="routes_upload").set_value(("routes_valid.geojson", data, "application/geo+json")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2 route line(s) previewed" in s.value for s in at.success)
    routes = table(at, "line shown")
    assert (routes["line shown"] == "route line").sum() == 2
    # the database is untouched: a fresh session still sees 19 approximate lines
    fresh = run_page(built_db)
    assert (table(fresh, "line shown")["line shown"] == "APPROXIMATE").all()


@pytest.mark.parametrize("name, words", [("routes_not_json.geojson", "not valid JSON"),
                                         ("routes_point.geojson", "geometry is a Point"),
                                         ("routes_no_crs.geojson", "no coordinate reference system"),
                                         ("routes_outside.geojson", "not inside the study area"),
                                         ("routes_hostile.geojson", "characters not allowed")])
def test_upload_broken_file_gives_a_plain_message(built_db, name, words):
    at = run_page(built_db)
    at.file_uploader(key="routes_upload").set_value((name, (FIXTURES / name).read_bytes(), "application/geo+json")).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(words in e for e in errors), errors
    assert all("<script>" not in e for e in errors)
    assert (table(at, "line shown")["line shown"] == "APPROXIMATE").all()



@pytest.mark.browser
def test_places_page_in_a_real_browser(served_app, browser, artifacts):
    page, log = new_page(browser, 1400, 2400)
    try:
        page.goto(f"{served_app}/Places", wait_until="domcontentloaded")
        wait_for_app(page)
        for name in ("places_map", "story_map"):
            wait_map_drawn(page, name)
        assert page.get_by_text("Places: impact areas and Step Together routes").count() == 1
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0
        assert page.locator(".st-key-places_map .sna-map-bar").is_hidden()
        page.locator(".st-key-places_map").scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(artifacts / "places.png"))
        page.locator(".st-key-story_map").scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(artifacts / "places_story.png"))
        page.get_by_role("tab", name="Route corridor").click()
        wait_for_app(page)
        wait_map_drawn(page, "corridor_map")
        page.locator(".st-key-corridor_map").scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        # first drawn in a closed tab, the corridor map is fitted again once it has a width
        assert page.evaluate("() => globalThis.__snaMaps.corridor_map.fitWidth") > 300
        page.screenshot(path=str(artifacts / "places_corridor.png"))
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not log.unexplained(), (list(log), log.failed)
    finally:
        page.close()
