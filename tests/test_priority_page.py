"""Priority schools: the score recomputed by hand from the raw files, re-ranking by weights, sensitivity,
missing components, the page under AppTest (every widget) and in a real browser."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.points import to_bng
from sna.analysis import formatting, priority as pr, school_areas as sa
from sna.ui import overlays
from sna.registry import sources

URN = 103493  # Bordesley Green Girls' School & Sixth Form: central Birmingham, far from the study-area edge
RADIUS = 1000.0
PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "2_Priority_schools.py")


def raw(source_id: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(sources.locate(sources.get(source_id)), encoding="utf-8-sig", low_memory=False, **kwargs)


@pytest.fixture(scope="module")
def scored(built_db):
    from sna import db

    con = db.connect(built_db)
    inputs = sa.load_inputs(con)
    con.close()
    geometry = sa.project(inputs)
    values = sa.component_values(inputs, geometry, RADIUS)
    return inputs, geometry, values


def _within(path_id: str, code_col: str, x: float, y: float) -> list[str]:
    """Codes of the raw boundary file's polygons within RADIUS metres of (x, y), in British National Grid."""
    polygons = gpd.read_file(sources.locate(sources.get(path_id))).to_crs("EPSG:27700")
    near = polygons[polygons.distance(Point(x, y)) <= RADIUS]
    return sorted(near[code_col])


def test_one_school_recomputed_by_hand_from_raw_files(scored, con):
    inputs, geometry, values = scored
    gias = raw("sch_gias_2025").set_index("urn").loc[URN]
    x, y = float(gias["easting"]), float(gias["northing"])

    # the LSOAs whose polygon comes within 1 km of the school (raw boundary files, BNG metres)
    lsoa21 = _within("bnd_lsoa21_wm7", "lsoa21cd", x, y)
    lsoa11 = _within("bnd_lsoa11_wm7", "LSOA11CD", x, y)
    assert sorted(sa.member_codes(inputs, geometry, RADIUS, URN)["lsoa21"]) == lsoa21
    assert sorted(sa.member_codes(inputs, geometry, RADIUS, URN)["lsoa11"]) == lsoa11
    assert 8 <= len(lsoa21) <= 40

    # population-weighted rates (population: the build's mid-2020 LSOA 2021 population, areas.pop_total)
    pop = con.execute("SELECT code, pop_total FROM areas WHERE level = 'lsoa21'").df().set_index("code")["pop_total"].loc[lsoa21]
    f8 = raw("iod25_f8").set_index("lsoa21_code").loc[lsoa21]
    rate = f8["violence_with_injury_rate_per_1_000_at_risk_population"] + f8["public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population"]
    violence = (rate * pop).sum() / pop.sum()
    imd = (raw("iod25_f7").set_index("lsoa21_code").loc[lsoa21, "IMD_score"] * pop).sum() / pop.sum()
    # IDACI 2019: pooled numerators over pooled children aged 0-15 (LSOAs with a published numerator)
    num = raw("iod19_f8").set_index("lsoa11_code").loc[lsoa11, "income_deprivation_affecting_children_index_idaci_numerator"]
    kids = pd.to_numeric(raw("iod19_f6").set_index("LSOA code (2011)").loc[lsoa11, "Dependent Children aged 0-15: mid 2015 (excluding prisoners)"]
                         .astype(str).str.replace(",", ""))
    idaci = 100 * num.sum() / kids[num.notna()].sum()
    # police.uk: violence, robbery and weapons points within 1 km (one month, 2018-06)
    crimes = raw("crime_wmp_2018_06_api").drop_duplicates("crime_api_id")
    crimes = crimes[crimes["category"].isin(["violent-crime", "robbery", "possession-of-weapons"])]
    cx, cy = to_bng(crimes["longitude"].to_numpy(), crimes["latitude"].to_numpy())
    police = float((np.hypot(cx - x, cy - y) <= RADIUS).sum())
    absence = float(raw("sch_abs_1819", dtype=str).set_index("URN").loc[str(URN), "PERCTOT"])
    by_hand = {"violence": violence, "police": police, "idaci": idaci, "imd": imd,
               "fsm": float(gias["percentage_fsm"]), "absence": absence}
    for key, value in by_hand.items():
        assert values.loc[URN, key] == pytest.approx(value, rel=1e-9), key

    # percentiles among the study area's state-funded secondary schools, then the weighted sum
    secondary = inputs.schools.loc[inputs.schools["is_secondary"], "urn"]
    pcts = {}
    for key in pr.COMPONENTS:
        column = values.loc[secondary, key].dropna()
        mine = values.loc[URN, key]
        average_rank = (column < mine).sum() + ((column == mine).sum() + 1) / 2
        pcts[key] = 100 * (average_rank - 0.5) / len(column)
    weights = pr.DEFAULT_WEIGHTS
    score = sum(weights[k] * pcts[k] for k in pcts) / sum(weights.values())
    ranked, _ = pr.ranked_table(inputs, values, weights)
    row = ranked.set_index("urn").loc[URN]
    assert row["score"] == pytest.approx(score, rel=1e-9)
    for key in pr.COMPONENTS:
        assert row[f"pct_{key}"] == pytest.approx(pcts[key], rel=1e-9)
    assert row["rank"] == (ranked["score"] > row["score"]).sum() + 1


def test_changing_a_weight_reranks_as_expected(scored):
    inputs, _, values = scored
    only_fsm = {k: 0.0 for k in pr.COMPONENTS} | {"fsm": 1.0}
    ranked, not_scored = pr.ranked_table(inputs, values, only_fsm)
    assert ranked["raw_fsm"].is_monotonic_decreasing  # rank follows FSM % alone
    assert ranked["raw_fsm"].notna().all()
    assert not_scored["reason"].str.contains("free school meals").all()  # no FSM %: listed, not scored

    base, _ = pr.ranked_table(inputs, values, pr.DEFAULT_WEIGHTS)
    more_absence = pr.DEFAULT_WEIGHTS | {"absence": 50.0}
    moved, _ = pr.ranked_table(inputs, values, more_absence)
    b, m = base.set_index("urn"), moved.set_index("urn")
    high = b[b["pct_absence"] > 90].index
    low = b[b["pct_absence"] < 10].index
    assert (m.loc[high, "rank"] <= b.loc[high, "rank"]).all()  # high-absence schools move up (or stay)
    assert (m.loc[low, "rank"] >= b.loc[low, "rank"]).all()


def test_missing_component_renormalises_and_flags(scored):
    inputs, _, values = scored
    ranked, not_scored = pr.ranked_table(inputs, values, pr.DEFAULT_WEIGHTS)
    lacking = ranked[ranked["missing"] == "absence"]
    assert len(lacking) > 0  # URN changed since 2018-19
    row = lacking.iloc[0]
    w = {k: v for k, v in pr.DEFAULT_WEIGHTS.items() if k != "absence"}
    expected = sum(w[k] * row[f"pct_{k}"] for k in w) / sum(w.values())
    assert row["score"] == pytest.approx(expected)
    assert "2018-19" in row["reason"] or "suppressed" in row["reason"]
    assert row["weight_used_pct"] == pytest.approx(90.0)
    assert len(ranked) + len(not_scored) == int(inputs.schools["is_secondary"].sum())  # nobody silently dropped


def test_sensitivity_is_deterministic_and_collapses_without_spread(scored):
    inputs, _, values = scored
    secondary = inputs.schools.loc[inputs.schools["is_secondary"], "urn"]
    pct = pr.percentiles(values.loc[secondary])
    base = pr.score(pct, pr.DEFAULT_WEIGHTS)
    flat = pr.sensitivity(pct, pr.DEFAULT_WEIGHTS, draws=20, spread=0.0, top_n=10)
    unique = base["score"].rank(ascending=False, method="first")
    assert (flat["rank_low"] == unique).all() and (flat["rank_high"] == unique).all()
    assert ((flat["top_n_share"] == 100) == (unique <= 10)).all()
    a = pr.sensitivity(pct, pr.DEFAULT_WEIGHTS, draws=200)
    b = pr.sensitivity(pct, pr.DEFAULT_WEIGHTS, draws=200)
    pd.testing.assert_frame_equal(a, b)
    assert (a["rank_low"] <= a["rank_high"]).all() and a["top_n_share"].between(0, 100).all()


def test_feeders_and_export(scored):
    inputs, _, values = scored
    near = sa.feeder_primaries(inputs, URN, RADIUS)
    assert len(near) > 0 and (near["distance_m"] <= RADIUS).all() and near["distance_m"].is_monotonic_increasing
    five = sa.feeder_primaries(inputs, URN, RADIUS, nearest=5)
    assert len(five) == 5
    ranked, not_scored = pr.ranked_table(inputs, values, pr.DEFAULT_WEIGHTS)
    text = pr.export_csv(ranked, not_scored, pr.DEFAULT_WEIGHTS, RADIUS, inputs.months, 10).decode()
    assert "# radius_m: 1000" in text and "violence=25" in text and "2018-06" in text and "Indices of Deprivation 2025" in text
    body = pd.read_csv(pd.io.common.StringIO(text), comment="#")
    assert len(body) >= len(ranked) and "score" in body.columns


def test_explain_is_plain_language_and_safe(scored):
    inputs, _, values = scored
    ranked, _ = pr.ranked_table(inputs, values, pr.DEFAULT_WEIGHTS)
    row = ranked.iloc[0].copy()
    text = pr.explain(row, pr.DEFAULT_WEIGHTS, RADIUS, len(ranked))
    assert text.startswith("**" + formatting.markdown_text(row["name"])) and "ranks **1 of" in text
    assert "not where all its pupils live" in text and "varies by up to 50%" in text
    row["name"] = "<script>alert(1)</script> [x](javascript:alert(1)) Academy"
    hostile = pr.explain(row, pr.DEFAULT_WEIGHTS, RADIUS, len(ranked))
    assert "<script>" not in hostile and "](" not in hostile


def test_map_points_are_compact_columns_with_plain_text(scored):
    """School dots are one overlay of columns; a hostile name is carried as text (the map writes tooltips
    with deck.gl's {text}, never as HTML: see test_page_in_browser)."""
    frame = pd.DataFrame({"urn": [1, 2], "name": ["<script>alert(1)</script> Academy", "B"], "lon": [-1.9123456, None],
                          "lat": [52.5, 52.6]})
    layer = overlays.school_points("schools", frame, [0, 0, 0], "Secondary", pick=True)
    assert layer["type"] == "points" and layer["id"] == "schools" and layer["pick"] is True
    assert layer["lon"] == [-1.91235] and layer["lat"] == [52.5] and layer["ids"] == [1] and layer["pal"] == [[0, 0, 0]]
    assert layer["tip"] == ["<script>alert(1)</script> Academy\nSecondary, URN 1"]
    json.dumps(layer)  # sent as JSON: plain types only


def test_view_around_a_school_holds_its_radius():
    west, south, east, north = overlays.bounds_around(-1.9, 52.5, 1000)
    assert west < -1.9 < east and south < 52.5 < north
    assert 2 * 1000 < (north - south) * 111_320 < 3 * 1000  # the circle with a margin


def map_data(at, key: str = "map") -> dict:
    """The data the page sends to the map component (sna.ui.deckmap) with this key."""
    found = [json.loads(e.proto.json) for e in at.main if getattr(e, "type", "") == "bidi_component"]
    return [d for d in found if d.get("name") == key][0]


# --- the page under AppTest ----------------------------------------------------------------------

@pytest.fixture()
def app(built_db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


# AppTest does not expose a dataframe's key: tell the page's tables apart by a column only each one has.
TABLE_MARKERS = {"ranked": "rank_interval", "detail": "Percentile", "feeders": "Distance (m)", "flagged": "reason",
                 "components": "Default weight"}


def _table(at, key: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if TABLE_MARKERS[key] in d.value.columns]
    return found[0] if found else pd.DataFrame()


def test_page_renders_ranked_table_map_and_caveat(app):
    at = app
    assert at.title[0].value == "Priority schools"
    assert any("not where all its pupils live" in w.value for w in at.warning)
    ranked = _table(at, "ranked")
    assert len(ranked) > 150 and ranked["rank"].iloc[0] == 1
    assert len(at.get("deck_gl_json_chart")) == 0  # the map component, not st.pydeck_chart
    data = map_data(at)
    schools = {o["id"]: o for o in data["overlays"]}["schools"]
    assert len(schools["ids"]) == len(ranked) and schools["pick"] and data["opacity"] == 0.75 and data["select"] is False
    assert "p" not in data and "/app/static/sna-map/areas-" in data["geo"]  # geometry by URL, never inline
    assert "2018-06" in at.expander[0].markdown[0].value  # the months held are stated


def test_page_every_widget_path(app):
    at = app
    total = len(_table(at, "ranked"))
    at.multiselect(key="las").set_value(["E08000029"]).run()  # Solihull
    solihull = _table(at, "ranked")
    assert 0 < len(solihull) < total and not at.exception
    at.multiselect(key="las").set_value([]).run()
    at.multiselect(key="phase").set_value(["All-through"]).run()
    assert len(_table(at, "ranked")) < total
    at.multiselect(key="phase").set_value([]).run()
    types = at.multiselect(key="types").options
    at.multiselect(key="types").set_value([types[0]]).run()
    assert not at.exception
    at.multiselect(key="types").set_value([]).run()

    first = _table(at, "ranked").iloc[0]
    at.slider(key="w_fsm").set_value(50).run()
    at.slider(key="w_violence").set_value(0).run()
    assert not at.exception
    at.button(key="reset").click().run()
    assert at.slider(key="w_fsm").value == 15 and at.slider(key="w_violence").value == 25
    assert _table(at, "ranked").iloc[0]["urn"] == first["urn"]
    at.slider(key="radius").set_value(2.0).run()
    assert not at.exception
    at.slider(key="radius").set_value(1.0).run()
    at.number_input(key="top_n").set_value(5).run()
    assert not at.exception

    at.text_input(key="search").input("bordesley green girls").run()
    found = _table(at, "ranked")
    assert found["urn"].tolist() == [URN]
    at.text_input(key="search").input(str(URN)).run()
    assert _table(at, "ranked")["urn"].tolist() == [URN]
    at.text_input(key="search").input("no such school zzz").run()
    assert any("No school matches" in i.value for i in at.info)
    at.text_input(key="search").input("").run()

    at.selectbox(key="school").set_value(URN).run()
    assert any("ranks" in m.value and "Bordesley Green Girls" in m.value for m in at.markdown)
    data = map_data(at)
    layers = {o["id"]: o for o in data["overlays"]}
    assert layers["selected"]["ids"] == [URN] and "radius" in layers and len(layers["feeders"]["ids"]) > 0
    assert data["bounds"][0] < layers["selected"]["lon"][0] < data["bounds"][2]  # the view is around the school
    assert len(_table(at, "detail")) == len(pr.COMPONENTS)
    within = _table(at, "feeders")
    assert len(within) > 0 and (within["Distance (m)"].str.replace(",", "").astype(float) <= 1000).all()
    assert "None" not in within.to_string() and "nan" not in within.to_string()
    at.radio(key="feeder_mode").set_value("Nearest N").run()
    at.number_input(key="feeder_n").set_value(3).run()
    assert len(_table(at, "feeders")) == 3
    at.selectbox(key="map_indicator").set_value("iod19_idaci_rank").run()
    assert not at.exception
    assert len(_table(at, "flagged")) > 0  # schools with a missing measure are listed with the reason
    download = [b for b in at.get("download_button") if b.key == "download"]  # (plus the school's profile pack)
    assert len(download) == 1


def test_page_all_weights_zero_is_a_message(app):
    at = app
    for key in pr.COMPONENTS:
        at.slider(key=f"w_{key}").set_value(0)
    at.run()
    assert not at.exception
    assert any("All weights are zero" in i.value for i in at.info)


# --- the page in a real browser ------------------------------------------------------------------

def _assert_map_drawn(page, path) -> None:
    """The map canvas shows a choropleth: many colours, none covering most of the map (a layer gone wrong)."""
    from PIL import Image

    page.locator(".st-key-map .sna-map-canvas").screenshot(path=str(path))
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    drawn = pixels[(pixels < 240).any(axis=1)]  # not the light background
    assert len(drawn) > 0.15 * len(pixels), f"map looks blank: {path}"
    colours, counts = np.unique(drawn, axis=0, return_counts=True)
    assert len(colours) > 20, f"map has only {len(colours)} colours: {path}"
    assert counts.max() / counts.sum() < 0.6, f"one colour covers most of the map: {path}"


def _wait_drawn(page, after: int = 0) -> None:
    """Until the map (key "map") has drawn the data of a call later than `after`."""
    page.wait_for_function("""(after) => { const s = globalThis.__snaMaps && globalThis.__snaMaps.map;
        return s && s.version > after && s.root.dataset.drawn === String(s.version); }""", arg=after, timeout=90000)


def _school_on_screen(page, urn: int | None = None) -> tuple[int, float, float]:
    """(URN, x, y) of a secondary school's dot on the page (the middle one of the overlay unless urn is given)."""
    return page.evaluate("""(urn) => {
        const s = globalThis.__snaMaps.map, o = s.data.overlays.find((l) => l.id === 'schools');
        const i = urn === null ? o.ids.length >> 1 : o.ids.indexOf(urn);
        const [x, y] = s.deckgl.getViewports()[0].project([o.lon[i], o.lat[i]]);
        const r = s.container.getBoundingClientRect();
        return [o.ids[i], r.left + x, r.top + y];
    }""", urn)


@pytest.mark.browser
def test_page_in_browser(served_app, browser, artifacts):
    from conftest import new_page, wait_for_app

    page, log = new_page(browser, 1400, 1000)
    page.goto(f"{served_app}/Priority_schools", wait_until="domcontentloaded")
    wait_for_app(page)
    try:
        _wait_drawn(page)
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60000)
        assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0
        box = page.locator(".st-key-map .sna-map-canvas").bounding_box()
        assert box and box["height"] > 300
        assert page.locator(".st-key-map .sna-map-bar").is_hidden()  # areas are not for choosing here
        assert "not where all its pupils live" in page.content()
        page.locator(".st-key-map").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        _assert_map_drawn(page, artifacts / "priority_schools_map.png")
        # hovering a school shows its name as text next to the pointer
        urn, x, y = _school_on_screen(page, URN)
        page.mouse.move(x, y)
        tip = page.locator(".st-key-map .deck-tooltip:visible")  # the outline canvas has its own, hidden and unused
        tip.wait_for(state="visible", timeout=10000)
        assert "Bordesley Green Girls" in tip.inner_text() and f"URN {URN}" in tip.inner_text()
        tip_box = tip.bounding_box()
        assert abs(tip_box["x"] - x) < 400 and abs(tip_box["y"] - y) < 200  # beside the pointer, not in a corner
        page.screenshot(path=str(artifacts / "priority_schools.png"), full_page=False)
        # tooltips are text: a hostile name shows as the characters it is made of, never as markup
        hostile = "<img src=x onerror=\"window.__pwned=1\"><b>School</b>"
        page.evaluate("""([urn, text]) => { const s = globalThis.__snaMaps.map, o = s.overlays['ov-schools'];
            const tip = [...o.tip]; tip[o.ids.indexOf(urn)] = text; s.overlays['ov-schools'] = { ...o, tip }; }""", [URN, hostile])
        for _ in range(5):  # deck.gl picks once per frame, on a pointer move
            page.mouse.move(x + 60, y + 60, steps=3)
            page.wait_for_timeout(300)
            page.mouse.move(x, y, steps=3)
            page.wait_for_timeout(700)
            if tip.is_visible() and tip.inner_text() == hostile:
                break
        assert tip.inner_text() == hostile
        assert tip.locator("img, b").count() == 0 and not page.evaluate("() => window.__pwned")
        # clicking a school selects it: its 'why', the radius and its feeder primaries appear
        before = page.evaluate("() => globalThis.__snaMaps.map.version")
        page.mouse.click(x, y)
        wait_for_app(page)
        page.get_by_text("Feeder primaries").wait_for(timeout=60000)
        _wait_drawn(page, before)
        assert page.get_by_text("Bordesley Green Girls", exact=False).count() >= 1
        layers = page.evaluate("() => globalThis.__snaMaps.map.data.overlays.map((o) => o.id)")
        assert {"selected", "radius", "feeders"} <= set(layers)
        assert page.evaluate("() => globalThis.__snaMaps.map.data.overlays.find((o) => o.id === 'selected').ids") == [URN]
        page.locator(".st-key-map").scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(artifacts / "priority_schools_selected.png"))
        _assert_map_drawn(page, artifacts / "priority_schools_selected_map.png")
        page.locator('[data-testid="stDataFrame"]').first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "priority_schools_table.png"))
    finally:
        page.close()
    assert not log.unexplained(), (list(log), log.failed)
