"""In a real browser: a link straight to a page shows the product's own menu (not Streamlit's automatic
one) on a freshly started server; a phone sees the whole map and no sideways scrolling of the page; the
second partnership (West Yorkshire) opens every page without a console error."""

from __future__ import annotations

import pytest

from conftest import open_page, serve, wait_for_app
from sna import ui

pytestmark = pytest.mark.browser
# Each page's path and an element that exists only once it has finished drawing.
PAGE_PATHS = {"": ".st-key-headlines [data-testid='stMetricValue']", "Area_explorer": ".st-key-legend table",
              "Priority_schools": "[data-testid='stDataFrame']", "Places": "[data-testid='stAlert']",
              "Data_and_methods": "[data-testid='stDataFrame']"}


def menu(page) -> list[str]:
    page.wait_for_selector(".st-key-menu [data-testid='stPageLink']", timeout=60000)
    return [t.strip() for t in page.locator(".st-key-menu [data-testid='stPageLink']").all_inner_texts()]


def test_deep_link_on_a_fresh_server_shows_the_product_menu(browser, built_db):
    with serve(built_db, "streamlit-fresh.log") as url:  # nobody has opened Home on this server
        page, log = open_page(browser, url, "Area_explorer")
        assert menu(page) == [label for _file, label, _purpose in ui.pages(with_home=True)]
        assert menu(page)[0] == "Home" and "Data and methods" in menu(page)
        assert page.locator("[data-testid='stSidebarNav']").count() == 0  # no automatic menu ('app', ...)
        assert log.unexplained() == []
        page.close()


def test_phone_sees_the_whole_map_without_sideways_scrolling(browser, served_app, artifacts):
    page, log = open_page(browser, served_app, "Area_explorer", width=390, height=844)
    page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas, .st-key-map canvas", state="visible", timeout=90000)
    page.wait_for_timeout(2000)
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas, .st-key-map canvas").first.bounding_box()
    assert canvas["x"] >= 0 and canvas["x"] + canvas["width"] <= 390 + 1
    overflow = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow} px on a phone"
    page.screenshot(path=str(artifacts / "phone_explorer.png"))
    assert log.unexplained() == []
    page.close()


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_west_yorkshire_pages_in_the_browser(browser, west_yorkshire_db, path, artifacts, request):
    server = request.getfixturevalue("served_west_yorkshire")
    page, log = open_page(browser, server, path)
    page.wait_for_selector(PAGE_PATHS[path], state="visible", timeout=120000)
    wait_for_app(page)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "West Midlands" not in body and "Traceback" not in body
    page.screenshot(path=str(artifacts / f"west_yorkshire_{path or 'home'}.png"), full_page=True)
    assert log.unexplained() == []
    page.close()


@pytest.fixture(scope="module")
def served_west_yorkshire(west_yorkshire_db):
    with serve(west_yorkshire_db, "streamlit-wy.log") as url:
        yield url
