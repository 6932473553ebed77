"""The clickable map (sna.ui.deckmap) in a real browser: clicking an area at each level opens its
profile, an indicator change sends no geometry again, the phone viewport shows the whole map, no
console errors. Screenshots in tests/artifacts/ (map_*.png)."""

from __future__ import annotations

import pytest
import shapely
import shapely.ops

from conftest import open_page, wait_for_app
from geo import from_wkb

pytestmark = pytest.mark.browser

MAP = ".sna-map[data-drawn]"


ID_FRAMES = "() => globalThis.__snaMaps.map.idFrames"
# What the page shows at (lon, lat): the painted canvas's pixel there and the colour the data gives that area.
SHOWN = """([lon, lat]) => { const s = globalThis.__snaMaps.map, [x, y] = s.deckgl.getViewports()[0].project([lon, lat]);
    const k = s.paintCanvas.width / s.paintCanvas.clientWidth, i = Math.round(y * k) * s.paintCanvas.width + Math.round(x * k);
    const a = (s.ids[i] & 0xffffff) - 1, px = s.paintCanvas.getContext("2d").getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data;
    const d = s.data, c = d.cls[a], want = d.grey && d.grey[a] ? d.greycol : c < 0 ? d.nodata : d.pal[c];
    return { code: s.geo.codes[a], shown: [...px].slice(0, 3), want: want.slice(0, 3) }; }"""


def map_version(page) -> int:
    return page.evaluate("() => (globalThis.__snaMaps && globalThis.__snaMaps.map) ? globalThis.__snaMaps.map.version : 0")


def wait_drawn(page, after: int = 0, level: str | None = None, timeout_ms: int = 90000) -> None:
    """Until the map has drawn the data of a call later than `after` (and of `level`'s geometry)."""
    page.wait_for_function("""([after, level]) => {
        const s = globalThis.__snaMaps && globalThis.__snaMaps.map;
        return s && s.version > after && s.root.dataset.drawn === String(s.version)
            && (!level || (s.root.dataset.level || '').includes('areas-' + level + '-'));
    }""", arg=[after, level], timeout=timeout_ms)


def click_lonlat(page, lon: float, lat: float) -> None:
    """Click the map where (lon, lat) is drawn, after scrolling the map into view."""
    page.locator(".sna-map-canvas").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    x, y = page.evaluate("""([lon, lat]) => {
        const s = globalThis.__snaMaps.map, [x, y] = s.deckgl.getViewports()[0].project([lon, lat]);
        const r = s.container.getBoundingClientRect();
        return [r.left + x, r.top + y];
    }""", [lon, lat])
    page.mouse.click(x, y)


def roomiest(con, level: str, lad_code: str | None = None) -> tuple[str, str, float, float]:
    """(code, name, lon, lat) of the area of a level with the widest interior (pole of inaccessibility),
    so that a click on the drawn, simplified map lands inside it."""
    from sna import db

    areas = db.areas(con, level)
    if lad_code:
        areas = areas[areas["lad_code"] == lad_code]
    best = None
    for code, name, wkb in areas[["code", "name", "display"]].itertuples(index=False):
        geom = from_wkb(wkb)
        centre = shapely.ops.polylabel(max(getattr(geom, "geoms", [geom]), key=lambda g: g.area), tolerance=1e-5)
        radius = geom.boundary.distance(centre)
        if best is None or radius > best[0]:
            best = (radius, code, name, centre.x, centre.y)
    return best[1], best[2], best[3], best[4]


def profile_title(page) -> str:
    page.wait_for_selector(".st-key-profile h3", timeout=60000)
    wait_for_app(page)
    return page.locator(".st-key-profile h3").first.inner_text()


def choose_level(page, label: str) -> None:
    page.locator(".st-key-level").get_by_text(label, exact=True).click()


def test_click_opens_profile_at_every_level(browser, served_app, con, artifacts):
    page, log = open_page(browser, served_app, "Area_explorer", 1280, 900)
    wait_drawn(page)
    code, name, lon, lat = roomiest(con, "lsoa21", "E08000026")  # Coventry
    click_lonlat(page, lon, lat)
    assert profile_title(page) == f"Profile: {name}", code
    wait_drawn(page)
    page.locator(".sna-map-canvas").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "map_lsoa_selected.png"))

    for label, level in (("Wards", "ward"), ("Local authorities", "lad")):
        before = map_version(page)
        choose_level(page, label)
        wait_drawn(page, before, level)
        wait_for_app(page)
        code, name, lon, lat = roomiest(con, level)
        click_lonlat(page, lon, lat)
        page.wait_for_function("(name) => { const h = document.querySelector('.st-key-profile h3'); return h && h.innerText === 'Profile: ' + name; }",
                               arg=name, timeout=60000)
        wait_for_app(page)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(artifacts / f"map_{level}_selected.png"))
    assert log.unexplained() == []
    page.close()


def test_indicator_change_sends_no_geometry(browser, served_app, con, artifacts):
    from conftest import new_page

    page, log = new_page(browser, 1280, 900)
    frames: list[int] = []
    geometry_requests: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
    page.on("request", lambda r: geometry_requests.append(r.url) if "/app/static/sna-map/areas-" in r.url else None)
    page.goto(f"{served_app}/Area_explorer", wait_until="domcontentloaded")
    wait_for_app(page)
    wait_drawn(page)
    first_load = sum(frames)
    geometry_files = len(geometry_requests)
    assert geometry_files == 2  # the LSOAs and the local authority outlines
    legend_before = page.locator(".st-key-legend table").inner_text()
    before, mark = map_version(page), len(frames)

    combo = page.locator(".st-key-indicator [role='combobox']")
    combo.click()
    combo.fill("Serious violence (local definition): rate")  # the combobox filters its options as one types
    page.get_by_role("option", name="Serious violence (local definition): rate per 1,000 residents").click()
    wait_drawn(page, before)
    wait_for_app(page)
    change = sum(frames[mark:])
    assert page.locator(".st-key-legend table").inner_text() != legend_before
    assert len(geometry_requests) == geometry_files + 1  # the 2011 LSOAs: a new level, fetched once
    page.wait_for_function("() => globalThis.__snaMaps.map.mode === 'ids'")  # drawn in colour first, then as ids when idle
    before, mark = map_version(page), len(frames)
    id_frames = page.evaluate(ID_FRAMES)
    scheme = page.locator(".st-key-scheme [role='combobox']")
    scheme.scroll_into_view_if_needed()
    scheme.click()
    scheme.fill("Equal intervals")
    page.get_by_role("option", name="Equal intervals").click()
    wait_drawn(page, before)
    wait_for_app(page)
    recolour = sum(frames[mark:])
    assert len(geometry_requests) == geometry_files + 1  # same level: nothing fetched again
    assert page.evaluate(ID_FRAMES) == id_frames  # a recolour repaints the areas without drawing their polygons
    code, _, lon, lat = roomiest(con, "lsoa11")
    shown = page.evaluate(SHOWN, [lon, lat])
    assert shown["code"] == code and shown["shown"] == shown["want"]  # the area shows its new class colour
    print(f"websocket bytes: first load {first_load:,}, indicator change {change:,}, scheme change {recolour:,}")
    assert recolour < 300_000  # the page's deltas (table, lists, map values); the LSOA geometry file alone is ~320 kB
    page.locator(".sna-map-canvas").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "map_recoloured.png"))
    assert log.unexplained() == []
    page.close()


def test_phone_shows_whole_map(browser, served_app, artifacts):
    page, log = open_page(browser, served_app, "Area_explorer", 390, 844)
    wait_drawn(page)
    page.locator(".sna-map-canvas").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    box = page.locator(".sna-map-canvas").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5 and box["width"] > 300
    # the areas' id image (invisible, takes the pointer), the painted areas, then the LA outlines
    canvases = [c.bounding_box() for c in page.locator(".sna-map-canvas canvas").all()]
    assert len(canvases) == 3 and all(c["width"] <= box["width"] + 0.5 for c in canvases)
    page.screenshot(path=str(artifacts / "map_phone.png"))
    assert log.unexplained() == []
    page.close()


def test_select_several_areas(browser, served_app, con, artifacts):
    """"Select several" then two clicks: both areas outlined (the list for a custom area); "Clear" empties it."""
    page, log = open_page(browser, served_app, "Area_explorer", 1280, 900)
    wait_drawn(page)
    page.locator(".sna-map-multi").click()
    picked = []
    for lad in ("E08000026", "E08000029"):  # Coventry, Solihull
        code, _, lon, lat = roomiest(con, "lsoa21", lad)
        before = map_version(page)
        click_lonlat(page, lon, lat)
        wait_drawn(page, before)
        wait_for_app(page)
        picked.append(code)
    assert page.evaluate("() => globalThis.__snaMaps.map.data.multi") == picked
    assert page.locator(".st-key-profile").count() == 0  # choosing several does not open a profile
    page.wait_for_timeout(1000)
    page.locator(".sna-map-canvas").screenshot(path=str(artifacts / "map_several.png"))
    before = map_version(page)
    page.locator(".sna-map-clear").click()
    wait_drawn(page, before)
    assert page.evaluate("() => globalThis.__snaMaps.map.data.multi") == []
    assert log.unexplained() == []
    page.close()


def test_outline_canvas_follows_the_map(browser, served_app, artifacts):
    """LA outlines are drawn on their own canvas (a recolour redraws only the areas): dragging and zooming
    the map moves the outlines with it."""
    page, log = open_page(browser, served_app, "Area_explorer", 1280, 900)
    wait_drawn(page)
    views = """() => { const s = globalThis.__snaMaps.map; const v = (d) => { const p = d.getViewports()[0];
                       return [p.longitude, p.latitude, p.zoom]; }; return [v(s.deckgl), v(s.frameDeck)]; }"""
    box = page.locator(".sna-map-canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = page.evaluate(views)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y + 60, steps=8)
    page.mouse.up()
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(1500)
    main, frame = page.evaluate(views)
    assert main != before[0]  # the map moved
    assert main == pytest.approx(frame, abs=1e-9)
    page.locator(".sna-map-canvas").screenshot(path=str(artifacts / "map_dragged.png"))
    assert log.unexplained() == []
    page.close()


def test_labels_do_not_overlap_and_none_is_lost(browser, served_app, artifacts):
    """The Places overview labels every impact area and the LAs: each label is drawn where it is, or just
    above or below, clear of the others (they lay on top of each other before); none is left out there."""
    page, log = open_page(browser, served_app, "Places", 1280, 1000)
    page.wait_for_function("() => { const s = globalThis.__snaMaps && globalThis.__snaMaps.places_map; "
                           "return s && s.root.dataset.drawn === String(s.version) && s.placed; }", timeout=90000)
    placed = page.evaluate("""() => { const s = globalThis.__snaMaps.places_map, spec = s.data.overlays.find((o) => o.type === 'labels');
        const boxes = s.labelBoxes;  // each label's box, where the map placed it
        const overlaps = boxes.filter((a, j) => boxes.some((b, k) => k > j && a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3])).length;
        return { places: spec.text.length, placedPlaces: Object.keys(s.placed['ov-' + spec.id] || {}).length,
                 las: (s.data.labels || []).length, placedLas: Object.keys(s.placed.la || {}).length, boxes: boxes.length, overlaps }; }""")
    assert placed["places"] >= 9 and placed["placedPlaces"] == placed["places"]
    assert placed["las"] == 7 and placed["placedLas"] == placed["las"]
    assert placed["boxes"] == placed["placedPlaces"] + placed["placedLas"] and placed["overlaps"] == 0
    page.locator(".sna-map-canvas").first.screenshot(path=str(artifacts / "map_places_labels.png"))
    assert log.unexplained() == []
    page.close()
