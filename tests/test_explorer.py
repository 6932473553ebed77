"""The explorer: pure functions (formatting, ranks, CIs, comparisons, search, payload), figures checked
against the raw files, and every page it owns under AppTest with every widget path."""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sna.analysis import classify as mapview, formatting as fmt, headlines as hl, profile as pf, search as sr, stats, values as va
from sna.ui import charts, maps
from sna.registry import sources

ROOT = Path(__file__).resolve().parent.parent
HOME = str(ROOT / "app.py")
EXPLORER = str(ROOT / "pages" / "1_Area_explorer.py")
METHODS = str(ROOT / "pages" / "4_Data_and_methods.py")
ALL_LADS = ["E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031"]


def raw(source_id: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(sources.locate(sources.get(source_id)), encoding="utf-8-sig", low_memory=False, **kwargs)


@pytest.fixture(scope="module")
def cat(built_db):
    from sna import db

    con = db.connect(built_db)
    yield va.catalogue(con)
    con.close()


# --- Pure functions -----------------------------------------------------------------------------

@pytest.mark.parametrize("value,unit,expected", [
    (263775.0, "people", "263,775"), (42.79, "% of LSOAs", "42.8%"), (10.533, "per 1,000 at-risk population", "10.5"),
    (2.4972, "per 1,000 residents per month", "2.50"), (1234.0, "rank (1 = most deprived of 32,844)", "1,234"),
    (3.0, "decile (1 = most deprived 10%)", "3"), (0.1234, "proportion", "0.123"), (float("nan"), "people", "no data"),
    (None, "score", "no data"),
])
def test_format_value(value, unit, expected):
    assert fmt.format_value(value, unit) == expected


def test_period_label_and_sentence():
    assert fmt.period_label("2018-06") == "June 2018"
    assert fmt.period_label("mid-2020") == "mid-2020"
    assert fmt.sentence("% of LSOAs") == "% of LSOAs" and fmt.sentence("people") == "People"


def test_rank_worst_first_respects_polarity():
    values = pd.Series([1.0, 5.0, 3.0, None])
    assert list(va.rank_worst_first(values, "higher_worse")[:3]) == [3, 1, 2]
    assert list(va.rank_worst_first(values, "lower_worse")[:3]) == [1, 3, 2]
    assert pd.isna(va.rank_worst_first(values, "higher_worse")[3])


def test_byar_matches_published_formula():
    # Byar's approximation for O = 716 (Walsall, June 2018), per 1,000 of 286,716 residents
    lo, hi = stats.byar_ci(716, 286716, 1000)
    o = 716
    assert lo == pytest.approx(o * (1 - 1 / (9 * o) - 1.959964 / (3 * math.sqrt(o))) ** 3 / 286716 * 1000, rel=1e-6)
    assert lo < 716 / 286716 * 1000 < hi
    assert stats.byar_ci(0, 1000, 1000)[0] == 0.0 and stats.byar_ci(0, 1000, 1000)[1] == pytest.approx(3.69, abs=0.03)


def test_wilson_score_interval():
    lo, hi = stats.wilson_ci(282, 659, 100)  # Birmingham: 282 of 659 LSOAs in decile 1 (IMD 2025)
    assert (lo, hi) == (pytest.approx(39.07, abs=0.01), pytest.approx(46.60, abs=0.01))
    assert stats.wilson_ci(0, 10)[0] == pytest.approx(0.0, abs=1e-12) and stats.wilson_ci(10, 10)[1] == pytest.approx(1.0)


@pytest.mark.parametrize("lo,hi,comp,polarity,word", [
    (5, 6, 4, "higher_worse", "worse"), (5, 6, 7, "higher_worse", "better"), (5, 6, 5.5, "higher_worse", "similar"),
    (5, 6, 4, "lower_worse", "better"), (5, 6, 4, "neutral", "higher"), (math.nan, math.nan, 4, "higher_worse", "no CI"),
    (5, 6, math.nan, "higher_worse", "no comparator"),
])
def test_compare_like_fingertips(lo, hi, comp, polarity, word):
    assert stats.compare(lo, hi, comp, polarity) == word


def test_ci_method_by_indicator(cat):
    assert stats.ci_method(va.indicator(cat, "police_serious_violence_rate")) == "rate"
    assert stats.ci_method(va.indicator(cat, "iod25_imd_decile1_share")) == "percent"
    assert stats.ci_method(va.indicator(cat, "pop_10_24_share")) == "percent"
    assert stats.ci_method(va.indicator(cat, "iod25_violence_with_injury")) is None  # no numerator published


def test_palette_direction_follows_polarity():
    assert mapview.palette(5, "higher_worse")[-1] == mapview.SEQUENTIAL[-1]
    assert mapview.palette(5, "lower_worse")[0] == mapview.SEQUENTIAL[-1]
    assert mapview.palette(5, "neutral")[-1] == mapview.NEUTRAL[-1]


# --- Against the database and the raw files -----------------------------------------------------

def test_birmingham_residents_10_24_equal_raw_sape(con, cat):
    sape = raw("pop_sape_2020")
    brum = sape[sape["lsoa11_name"].str.startswith("Birmingham ")]
    expected = brum[[str(a) for a in range(10, 25)]].sum().sum()
    heads = hl.headlines(con, cat)
    row = heads.table[heads.table["Area"] == "Birmingham"].iloc[0]
    assert row["Residents aged 10-24"] == f"{expected:,.0f}"
    figure = va.area_values(con, va.indicator(cat, "pop_10_24"), "lad", ["E08000025"])
    assert figure["value"].iloc[0] == pytest.approx(expected)


def test_lsoa_violence_with_injury_equals_raw_iod2025(con, cat):
    f8 = raw("iod25_f8")
    code = "E01033625"  # Birmingham 138D: the LSOA holding postcode B1 1AY
    column = "violence_with_injury_rate_per_1_000_at_risk_population"
    expected = float(f8.loc[f8["lsoa21_code"] == code, column].iloc[0])
    frame = va.area_values(con, va.indicator(cat, "iod25_violence_with_injury"), "lsoa", ALL_LADS)
    assert frame.loc[frame["code"] == code, "value"].iloc[0] == pytest.approx(expected)
    prof = pf.profile(con, cat, code, "lsoa21")
    row = prof[prof["indicator_id"] == "iod25_violence_with_injury"].iloc[0]
    assert row["value"] == pytest.approx(expected) and row["vs_england"] == "no CI"
    assert pf.profile_table(prof, "Birmingham").loc[lambda t: t["Indicator"] == row["title"], "Value"].iloc[0] == \
        fmt.format_value(expected, row["unit"])


def test_area_values_rank_and_decile(con, cat):
    frame = va.area_values(con, va.indicator(cat, "iod25_imd_score"), "lsoa", ALL_LADS)
    assert len(frame) == 1719 and frame["rank"].min() == 1 and frame["decile"].notna().all()
    worst = frame.sort_values("value", ascending=False).iloc[0]
    assert worst["rank"] == 1 and worst["decile"] == 1
    assert va.area_values(con, va.indicator(cat, "pop_10_24"), "lsoa", ["E08000029"])["lad_name"].eq("Solihull").all()


def test_choices_that_have_nothing_to_show(con, cat):
    with pytest.raises(va.ChoiceError, match="not available for Wards"):
        va.area_values(con, va.indicator(cat, "iod25_imd_rank"), "ward", ALL_LADS)
    with pytest.raises(va.ChoiceError, match="No local authority"):
        va.area_values(con, va.indicator(cat, "iod25_imd_score"), "lsoa", [])
    with pytest.raises(va.ChoiceError):
        va.indicator(cat, "no_such_indicator")
    la_only = cat[cat["geography"] == "lad"]
    if not la_only.empty:  # published for local authorities only: no neighbourhood map
        ind = la_only.iloc[0].to_dict()
        assert va.levels_for(ind) == ["lad"]
        with pytest.raises(va.ChoiceError, match="Neighbourhoods"):
            va.area_values(con, ind, "lsoa", ALL_LADS)


def test_profile_cis_and_comparisons(con, cat):
    prof = pf.profile(con, cat, "E08000025", "lad")
    rate = prof[prof["indicator_id"] == "police_serious_violence_rate"].iloc[0]
    assert rate["ci"] == "Byar's method" and rate["lower"] < rate["value"] < rate["upper"]
    share = prof[prof["indicator_id"] == "iod25_imd_decile1_share"].iloc[0]
    assert share["ci"] == "Wilson score" and share["england"] == pytest.approx(10.0, abs=0.01)
    assert share["vs_england"] == "worse"  # 42.8% (39.1-46.6) against England's 10.0%
    assert not pf.spine(prof).empty


def test_search_by_postcode_code_name_and_nonsense(con):
    found = sr.search(con, "B1 1AY")
    assert set(found["level"]) == {"lsoa11", "lsoa21", "ward", "lad"}
    assert found.set_index("level").loc["lad", "name"] == "Birmingham"
    assert found.set_index("level").loc["lsoa11", "code"] == "E01033625"
    assert sr.search(con, "b11ay")["code"].tolist() == found["code"].tolist()
    assert sr.search(con, "E08000026")["name"].tolist() == ["Coventry"]
    assert "Ladywood" in sr.search(con, "ladywood")["name"].tolist()
    assert sr.search(con, "zzqq nonsense <script>").empty
    assert sr.search(con, "ZZ9 9ZZ").empty  # a well-formed postcode that is not in the study area


def test_map_names_travel_as_text_in_the_geometry_file(con):
    """Area names reach the browser once, in the level's geometry file, as they are: the map writes its
    tooltips as text (deck.gl's {text}), never as HTML. (Payload size: tests/test_map_selection.py.)"""
    from geo.display import pack_polygons
    from sna import db

    areas = db.areas(con, "lad").head(2).copy()
    areas.loc[areas.index[0], "name"] = "<script>alert(1)</script>"
    blob = pack_polygons(areas)
    header = json.loads(blob[4:4 + int.from_bytes(blob[:4], "little")])
    assert header["names"][0] == "<script>alert(1)</script>"


def test_legend_counts_add_up(con, cat):
    ind = va.indicator(cat, "iod25_violence_with_injury")
    frame = va.area_values(con, ind, "ward", ALL_LADS)
    for scheme in mapview.scheme_labels():
        mc = va.map_classes(frame["value"], ind, scheme, 6)
        assert mc.legend["areas"].sum() == len(frame) == 192


# --- AppTest: every page and widget path -----------------------------------------------------------

def run(path: str) -> AppTest:
    at = AppTest.from_file(path, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
                    + [e.value for e in at.error] + [s.value for s in at.subheader])


def test_home_page(built_db):
    at = run(HOME)
    metrics = {m.value for m in at.metric}
    assert "606,271" in metrics and "27.1%" in metrics
    assert "Source: ONS, mid-2020" in texts(at)
    assert "June 2018" in texts(at)
    assert at.dataframe[0].value["Area"].tolist()[:2] == ["West Midlands VRU", "Birmingham"]


def test_methods_page(built_db, cat):
    at = run(METHODS)
    assert "not a time series" in texts(at)
    assert len(at.dataframe[0].value) == len(cat) >= 142
    assert "Open Government Licence v3.0" in texts(at) and "OS OpenData" in texts(at)
    at.selectbox(key="theme").set_value("violence and crime").run()
    assert not at.exception and set(at.dataframe[0].value["Theme"]) == {"violence and crime"}
    assert at.dataframe[0].value["Link"].str.startswith("http").all()


def test_explorer_default_and_indicator_change(built_db):
    at = run(EXPLORER)
    assert at.subheader[0].value == "Violence with injury (IoD2025)"
    before = legend_rows(at).to_dict()
    at.selectbox(key="indicator").set_value("police_serious_violence_rate").run()
    assert not at.exception
    assert legend_rows(at).to_dict() != before
    top = ranked_rows(at)  # the top rows until "Show all", as a plain table of text
    assert len(top) == 25 and top["Rank"].iloc[0] == "1" and not at.dataframe
    assert "Rank 1 to 25 of 1,680" in texts(at)
    at.toggle(key="ranked_all").set_value(True).run()
    ranked = ranked_rows(at)  # every row, in the sortable grid
    assert len(ranked) == 1680 and ranked["Rank"].iloc[0] == 1
    value = ranked.columns[4]
    assert top[value].tolist() == fmt.format_values(ranked[value].head(25).tolist(), "per 1,000 residents per month")
    assert top["Area"].tolist() == ranked["Area"].head(25).tolist()
    assert len(at.selectbox(key="area").options) == 1680  # the list under the table offers the rows shown


class _TableCells(HTMLParser):
    """The text of each cell of an HTML table, row by row (the standard library's parser: no extra package)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_table(markup: str) -> pd.DataFrame:
    cells = _TableCells()
    cells.feed(markup)
    return pd.DataFrame(cells.rows[1:], columns=cells.rows[0])


def legend_rows(at) -> pd.DataFrame:
    """The map legend shown (an HTML table drawn with st.html), one row per class, as text."""
    return html_table(next(h.value for h in at.html if "<table" in h.value))


def test_legend_html_escapes_text_and_checks_colours():
    """The legend is markup built by the app: bounds are escaped and only #rrggbb colours are used."""
    legend = pd.DataFrame({"colour": ["#fee5d9", "red;background:url(http://x)"], "from": ["<script>x</script>", "1"],
                           "to": ["2", "3 & 4"], "areas": [1234, 5]})
    markup = charts.legend_html(legend)
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "3 &amp; 4" in markup
    assert "url(" not in markup and "background:#fee5d9" in markup and "background:#ffffff" in markup
    rows = html_table(markup)
    assert rows.columns.tolist() == ["Colour", "From", "To", "Areas"] and rows["Areas"].tolist() == ["1,234", "5"]


def ranked_rows(at):
    """The ranked table shown: a plain table of the top rows, or the sortable grid of every row."""
    tables = [html_table(h.value) for h in at.html if "<table" in h.value]
    return next(t for t in [*tables, *(d.value for d in at.dataframe)] if "Rank" in t.columns)


@pytest.mark.parametrize("level,count", [("lsoa", 1719), ("ward", 192), ("lad", 7)])
def test_explorer_levels(built_db, level, count):
    at = run(EXPLORER)
    at.radio(key="level").set_value(level).run()
    assert not at.exception
    ranked = ranked_rows(at)
    assert len(ranked) == min(count, 25) if count > 400 else len(ranked) == count
    assert len(at.selectbox(key="area").options) == len(ranked)
    assert legend_rows(at)["Areas"].map(lambda s: int(s.replace(",", ""))).sum() == count


@pytest.mark.parametrize("scheme", ["quantiles", "natural_breaks", "equal_interval"])
def test_explorer_schemes_and_classes(built_db, scheme):
    at = run(EXPLORER)
    at.selectbox(key="scheme").set_value(scheme).run()
    at.selectbox(key="k").set_value(7).run()
    assert not at.exception and len(legend_rows(at)) == 7


def test_explorer_filter_and_empty_filter(built_db):
    at = run(EXPLORER)
    at.multiselect(key="las").set_value(["E08000029"]).run()
    ranked = ranked_rows(at)
    assert set(ranked["Local authority"]) == {"Solihull"}
    at.multiselect(key="las").set_value([]).run()
    assert not at.exception and "No local authority is selected" in texts(at)


def test_explorer_indicator_not_defined_at_level(built_db):
    at = run(EXPLORER)
    at.selectbox(key="theme").set_value("deprivation").run()
    at.selectbox(key="indicator").set_value("iod25_imd_rank").run()
    at.radio(key="level").set_value("ward").run()
    assert not at.exception and "is not available for Wards" in texts(at)


def test_explorer_search_postcode_opens_profile(built_db):
    at = run(EXPLORER)
    at.text_input(key="search").input("B1 1AY").run()
    options = at.selectbox(key="search_pick").options
    assert any("Ladywood" in o for o in options) and any("E01033625" in o for o in options)
    at.selectbox(key="search_pick").set_value("E01033625|lsoa21").run()
    assert not at.exception
    assert "Profile: Birmingham 138D" in texts(at)
    assert "Byar" in texts(at)  # the CI method note
    at.button(key="close_profile").click().run()
    assert "Profile:" not in texts(at)


def test_explorer_search_nonsense(built_db):
    at = run(EXPLORER)
    at.text_input(key="search").input("qqzz nonsense").run()
    assert not at.exception and "No area in the study area matches" in texts(at)


def test_explorer_pick_area_from_map_list(built_db):
    at = run(EXPLORER)
    at.radio(key="level").set_value("lad").run()
    at.selectbox(key="area").set_value("E08000026").run()
    assert not at.exception and "Profile: Coventry" in texts(at)


def test_map_values_aligned_to_the_geometry_file_with_split_shapes_grey(cat):
    """indicator_layer puts each area's class, text, rank and decile at its position in the geometry file;
    an area drawn on the 2011 shape it was split from is grey and says so; missing values read 'no data'."""
    frame = pd.DataFrame({"code": ["A", "B", "C"], "name": ["a", "b", "c"], "value": [1234.5, None, 2.0],
                          "rank": [1, None, 2], "decile": [3, None, None], "shape": ["exact", "exact", "2011 shape (split)"]})
    ind = va.indicator(cat, "iod25_imd_score")
    mc = va.map_classes(frame["value"], ind, "quantiles", 3)
    layer = maps.indicator_layer({"C": 0, "Z": 1, "A": 2, "B": 3}, frame, mc, ind, "lsoa")
    assert layer["cls"][1] == -2 and layer["cls"][3] == -1  # Z: not shown; B: no data
    assert layer["tip"]["v"][2] == "1,234" and layer["tip"]["v"][3] == "no data" and layer["tip"]["v"][1] is None
    assert layer["tip"]["v"][0].startswith("2.00 (drawn grey") and layer["grey"] == [1, 0, 0, 0]
    assert layer["tip"]["r"] == [2, None, 1, None] and layer["tip"]["d"] == [None, None, 3, None]


def test_tooltip_names_value_rank_and_decile_where_defined(cat):
    frame = pd.DataFrame({"code": ["A"], "name": ["a"], "value": [1.0], "rank": [1], "decile": [2]})
    mc = va.map_classes(frame["value"], va.indicator(cat, "iod25_imd_score"), "quantiles", 5)
    imd = maps.indicator_layer({"A": 0}, frame, mc, va.indicator(cat, "iod25_imd_score"), "lsoa")["tip"]
    assert "{v}" in imd["value"] and "{r}" in imd["rank"] and "{d}" in imd["decile"] and imd["d"] == [2]
    assert "decile" not in maps.indicator_layer({"A": 0}, frame, mc, va.indicator(cat, "iod25_imd_score"), "ward")["tip"]
    rank = maps.indicator_layer({"A": 0}, frame, mc, va.indicator(cat, "iod25_imd_rank"), "lsoa")["tip"]
    assert "1 = lowest value, the most deprived" in rank["rank"]


def test_custom_area_panel_runs_only_when_open_and_keeps_its_picks(built_db):
    """Issue 10: the custom-area list (every LSOA) is sent only while its panel is open; the picks live under a
    plain key, so closing and reopening the panel (or sharing the link meanwhile) keeps them."""
    at = AppTest.from_file(EXPLORER, default_timeout=240)
    at.run()
    assert not at.exception and not [m for m in at.multiselect if m.key == "custom_pick"]  # closed: no list sent
    codes = ["E01008881", "E01008882"]
    at.session_state["custom_open"] = True
    at.run()
    at.multiselect(key="custom_pick").set_value(codes).run()
    assert not at.exception and at.session_state["custom_codes"] == codes
    at.session_state["custom_open"] = False
    at.run()
    assert not [m for m in at.multiselect if m.key == "custom_pick"] and at.query_params["area"] == ",".join(codes)
    at.session_state["custom_open"] = True
    at.run()
    assert at.multiselect(key="custom_pick").value == codes


def test_explorer_preloads_the_maps_library_and_shapes_before_its_widgets(built_db):
    """The sidebar's first element asks for deck.gl and the shapes the map then draws (issue 10: time to map);
    after a level change it asks for that level's shapes."""
    def components(block) -> list[dict]:
        return [json.loads(e.proto.json) for e in block if getattr(e, "type", "") == "bidi_component"]

    at = run(EXPLORER)
    first = list(at.sidebar)[1]  # [0] is the sidebar itself
    assert getattr(first, "type", "") == "bidi_component" and json.loads(first.proto.json)["preload"] is True
    preload, drawn = components(at.sidebar)[0], components(at.main)[0]
    assert preload["lib"] == drawn["lib"] and {drawn["geo"], drawn["outline"]} <= set(preload["geo"])
    at.radio(key="level").set_value("ward").run()
    preload, drawn = components(at.sidebar)[0], components(at.main)[0]
    assert "areas-ward" in drawn["geo"] and drawn["geo"] in preload["geo"]


def test_shared_cached_readers_are_left_as_read(built_db):
    """Issue 13: the catalogue, the LA names and each view's values, ranks and classes are shared read-only
    between sessions (st.cache_resource, no copy per rerun). After the explorer's widget paths ran, what the
    next session gets must still equal a fresh read."""
    from sna import db, ui

    at = run(EXPLORER)
    at.selectbox(key="indicator").set_value("police_serious_violence_rate").run()
    at.toggle(key="ranked_all").set_value(True).run()
    at.radio(key="level").set_value("lad").run()
    at.selectbox(key="area").set_value("E08000026").run()
    assert not at.exception
    con = db.connect(built_db)
    try:
        pd.testing.assert_frame_equal(ui.catalogue(), va.catalogue(con))
        assert ui.lad_names() == db.lad_names(con) and ui.meta() == db.meta(con)
        ind = va.indicator(va.catalogue(con), "police_serious_violence_rate")
        fresh = va.area_values(con, ind, "lsoa", ALL_LADS)
    finally:
        con.close()
    again = run(EXPLORER)
    again.selectbox(key="indicator").set_value("police_serious_violence_rate").run()
    again.toggle(key="ranked_all").set_value(True).run()
    shown = ranked_rows(again)
    expected = va.ranked_table(fresh, ind)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
