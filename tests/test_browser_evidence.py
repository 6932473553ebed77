"""Shareable views in a real browser: a shared URL restores the explorer's view, the URL follows a
change, the copy-link control shows the link, and the profile pack downloads as a PDF."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from conftest import wait_for_app
from test_browser_explorer import open_app, real_errors

pytestmark = pytest.mark.browser

SHARED = "Area_explorer?ind=police_robbery_rate&lvl=ward&cls=equal_interval&k=4&la=E08000026%2CE08000025&sel=E05011151%3Award"


def test_shared_url_restores_the_view_and_downloads_the_pack(browser, served_app, artifacts, tmp_path):
    page, errors, failed = open_app(browser, served_app, SHARED, height=1000)
    page.wait_for_selector(".st-key-profile", state="visible", timeout=90000)
    page.wait_for_selector(".st-key-ranked h3", state="visible", timeout=90000)  # drawn after the profile
    headings = " ".join(page.locator("h3").all_inner_texts())
    assert "Robbery" in headings and "Ranked wards" in headings
    assert "Profile: Ladywood" in page.locator(".st-key-profile").inner_text()
    assert "Equal intervals" in page.locator(".st-key-legend").inner_text()
    page.wait_for_function("() => window.location.search.includes('v=')", timeout=30000)
    url = page.url
    assert "ind=police_robbery_rate" in url and "sel=E05011151%3Award" in url and "v=" in url
    page.wait_for_timeout(2000)
    page.screenshot(path=str(artifacts / "evidence_shared_view.png"), full_page=False)

    with page.expect_download(timeout=180000) as caught:
        page.locator(".st-key-profile").get_by_role("button", name="Download profile pack (PDF)").click()
    path = tmp_path / "pack.pdf"
    caught.value.save_as(path)
    text = " ".join(p.extract_text() for p in PdfReader(str(path)).pages)
    assert "Ladywood" in text and "Open Government Licence" in text

    page.locator(".st-key-level").get_by_text("Local authorities").click()
    wait_for_app(page)
    page.wait_for_function("() => window.location.search.includes('lvl=lad')", timeout=60000)
    assert real_errors(served_app, errors, failed) == []
    page.close()


def test_hostile_url_shows_a_notice_not_an_error(browser, served_app, artifacts):
    page, errors, failed = open_app(browser, served_app, "Area_explorer?ind=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&k=0&v=1")
    page.wait_for_selector("[data-testid='stAlert']", timeout=90000)
    alerts = page.locator("[data-testid='stAlert']").all_inner_texts()
    assert any("does not recognise" in a for a in alerts) and any("different build" in a for a in alerts)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("img[src='x']").count() == 0
    page.screenshot(path=str(artifacts / "evidence_hostile_url.png"))
    assert real_errors(served_app, errors, failed) == []
    page.close()
