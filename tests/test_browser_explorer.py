"""The explorer's pages in a real browser (Playwright + Debian's Chromium): drawn map canvas, legend,
table, no console errors, the legend follows the indicator; screenshots in tests/artifacts/."""

from __future__ import annotations

import re

import pytest

from conftest import wait_for_app

pytestmark = pytest.mark.browser

# Streamlit's frontend probes /<page>/_stcore/health and /<page>/_stcore/host-config before falling
# back to /_stcore/...: two harmless 404s on any page opened by its own URL. Only those are ignored,
# matched on the URL of the failed response, not on the console text.
HARMLESS_404 = re.compile(r"^/[A-Za-z_]+/_stcore/(health|host-config)$")


def open_app(browser, url: str, path: str = "", width: int = 1280, height: int = 800):
    """Like conftest.open_page, but also records failed responses so that known noise can be told apart."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    wait_for_app(page)
    page.wait_for_selector("h1", timeout=60000)
    return page, errors, failed


def real_errors(url: str, errors: list[str], failed: list[str]) -> list[str]:
    harmless = [f for f in failed if f.startswith(url) and HARMLESS_404.match(f[len(url):])]
    unexplained = [f for f in failed if f not in harmless]
    resource_errors = [e for e in errors if e.startswith("Failed to load resource")]
    other = [e for e in errors if not e.startswith("Failed to load resource")]
    if len(resource_errors) > len(harmless):
        other += resource_errors
    return other + unexplained


def test_home(browser, served_app, artifacts):
    page, errors, failed = open_app(browser, served_app)
    page.wait_for_selector(".st-key-headlines [data-testid='stMetricValue']", timeout=60000)
    assert "606,271" in page.locator(".st-key-headlines").inner_text()
    page.wait_for_selector("[data-testid='stPageLink']", timeout=30000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "explorer_home.png"), full_page=True)
    assert real_errors(served_app, errors, failed) == []
    page.close()


def legend_text(page) -> str:
    return page.locator(".st-key-legend table").inner_text()


def test_area_explorer_map_legend_table_and_indicator_change(browser, served_app, artifacts):
    page, errors, failed = open_app(browser, served_app, "Area_explorer")
    page.wait_for_selector(".sna-map[data-drawn] canvas", state="visible", timeout=90000)
    page.wait_for_selector(".st-key-legend table", state="visible", timeout=30000)
    page.wait_for_selector(".st-key-ranked table", state="visible", timeout=30000)
    before = legend_text(page)
    assert "Areas" in before and "1,719 neighbourhoods" in page.locator(".st-key-legend").inner_text()
    page.wait_for_timeout(2500)  # let software WebGL finish drawing before the screenshot
    page.screenshot(path=str(artifacts / "explorer_map.png"))

    page.locator(".st-key-indicator [role='combobox']").click()
    page.keyboard.type("Serious violence (local definition): rate")  # the option list is virtualised: filter it
    page.get_by_role("option", name="Serious violence (local definition): rate per 1,000 residents").click()
    page.wait_for_function("""(before) => {
        const t = document.querySelector('.st-key-legend table');
        return t && t.innerText !== before && !document.querySelector('[data-testid="stStatusWidget"]');
    }""", arg=before, timeout=60000)
    wait_for_app(page)
    after = legend_text(page)
    assert after != before and "Per 1,000 residents per month" in page.locator(".st-key-legend").inner_text()
    page.wait_for_selector(".sna-map[data-drawn] canvas", state="visible", timeout=60000)
    page.wait_for_timeout(2500)
    page.screenshot(path=str(artifacts / "explorer_map_police.png"))

    # Find a postcode and open the profile of the LSOA that holds it.
    page.locator(".st-key-search input").fill("B1 1AY")
    page.locator(".st-key-search input").press("Enter")
    page.wait_for_selector(".st-key-search_pick [role='combobox']", timeout=60000)
    wait_for_app(page)
    combo = page.locator(".st-key-search_pick [role='combobox']")
    combo.click()
    combo.fill("LSOA (2011)")  # the combobox filters its options as one types
    page.wait_for_selector("[role='option']", timeout=30000)
    combo.press("ArrowDown")
    combo.press("Enter")
    page.wait_for_selector(".st-key-profile h3", timeout=60000)
    wait_for_app(page)
    assert "Profile:" in page.locator(".st-key-profile").inner_text()
    page.wait_for_selector(".st-key-profile .js-plotly-plot", state="visible", timeout=30000)
    page.locator(".st-key-profile").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "explorer_profile.png"))
    assert real_errors(served_app, errors, failed) == []
    page.close()


def test_area_explorer_narrow_window(browser, served_app, artifacts):
    page, errors, failed = open_app(browser, served_app, "Area_explorer", width=420, height=900)
    page.wait_for_selector(".sna-map[data-drawn] canvas", state="visible", timeout=90000)
    page.wait_for_selector(".st-key-legend table", state="visible", timeout=30000)
    page.wait_for_timeout(2500)
    page.screenshot(path=str(artifacts / "explorer_narrow.png"))
    assert real_errors(served_app, errors, failed) == []
    page.close()


def test_data_and_methods(browser, served_app, artifacts):
    page, errors, failed = open_app(browser, served_app, "Data_and_methods")
    page.wait_for_selector("[data-testid='stDataFrame']", state="visible", timeout=60000)
    assert "not a time series" in page.locator("[data-testid='stAlert']").first.inner_text()
    assert "Open Government Licence v3.0" in page.locator("[data-testid='stMain']").inner_text()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "explorer_methods.png"))
    assert real_errors(served_app, errors, failed) == []
    page.close()


def test_area_explorer_indicator_change_sends_little_and_custom_panel_opens_on_demand(browser, served_app, artifacts):
    """Issue 10: an indicator change sends values, not the page's long lists (the whole page's websocket bytes stay
    under 5% of naive GeoJSON of the 1,719 LSOAs, 3.41 MB); the custom-area list arrives only when its panel opens."""
    page, errors, failed = open_app(browser, served_app, "Area_explorer")
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".sna-map[data-drawn] canvas", state="visible", timeout=90000)
    wait_for_app(page)
    assert page.locator(".st-key-custom_pick").count() == 0  # closed panel: its list is not sent
    before = legend_text(page)
    mark = len(frames)
    combo = page.locator(".st-key-indicator [role='combobox']")
    combo.click()
    combo.fill("Crime 2025: score")
    page.get_by_role("option").first.click()
    page.wait_for_function("(before) => { const t = document.querySelector('.st-key-legend table'); return t && t.innerText !== before; }",
                           arg=before, timeout=60000)
    wait_for_app(page)
    page.wait_for_timeout(500)
    assert 0 < sum(frames[mark:]) < 0.05 * 3_412_906, sum(frames[mark:])
    page.locator(".st-key-custom_open summary").click()
    page.wait_for_selector(".st-key-custom_pick", timeout=60000)
    wait_for_app(page)
    page.locator(".st-key-custom_open").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "explorer_custom_panel.png"))
    assert real_errors(served_app, errors, failed) == []
    page.close()
