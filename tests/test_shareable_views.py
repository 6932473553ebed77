"""Shareable views and downloads: a link restores the explorer's state under AppTest (and in a real
browser), hostile values fall back with a notice, the URL follows the view; the view's CSV carries
its provenance and the GeoPackage opens with pyogrio holding the right rows."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

from sna import db
from sna.analysis import values as va
from sna.reports import downloads
from sna.ui import state

ROOT = Path(__file__).resolve().parent.parent
EXPLORER = str(ROOT / "pages" / "1_Area_explorer.py")
SHARED = {"ind": "police_robbery_rate", "lvl": "ward", "cls": "equal_interval", "k": "4", "la": "E08000026,E08000025",
          "sel": "E05011151:ward", "area": "E01008881,E01008882"}


@pytest.fixture(scope="module")
def con(built_db):
    connection = db.connect(built_db)
    yield connection
    connection.close()


def explorer(params: dict) -> AppTest:
    at = AppTest.from_file(EXPLORER, default_timeout=240)
    at.query_params.update(params)
    return at.run()


def test_a_shared_link_restores_the_view(con):
    at = explorer({**SHARED, "v": state.version_tag(db.meta(con))})
    assert not at.exception
    assert not at.info, [i.value for i in at.info]  # same build: no notice
    ss = at.session_state
    assert (ss["indicator"], ss["level"], ss["scheme"], ss["k"]) == ("police_robbery_rate", "ward", "equal_interval", 4)
    assert ss["las"] == ["E08000026", "E08000025"] and ss["selected"] == ("E05011151", "ward")
    assert ss["custom_codes"] == ["E01008881", "E01008882"]
    assert at.selectbox(key="indicator").value == "police_robbery_rate" and at.radio(key="level").value == "ward"
    assert any("Profile: Ladywood" in s.value for s in at.subheader)
    assert at.query_params["ind"] == "police_robbery_rate" and at.query_params["area"] == "E01008881,E01008882"
    labels = [b.label for b in at.get("download_button")]
    assert {"Download as CSV", "Download as GeoPackage", "Download profile pack (PDF)"} <= set(labels)
    assert labels.count("Download profile pack (PDF)") == 2  # the open profile and the custom area
    link = [c.value for c in at.get("code")]
    assert any("ind=police_robbery_rate" in c and "sel=E05011151%3Award" in c for c in link)


def test_the_url_follows_the_view_and_another_build_is_noticed(con):
    at = explorer({"v": "19990101000000"})
    assert any("different build" in i.value for i in at.info)
    at.radio(key="level").set_value("lad").run()
    assert at.query_params["lvl"] == "lad" and at.query_params["v"] == state.version_tag(db.meta(con))
    assert "la" not in at.query_params  # all LAs: the default is left out of the link


@pytest.mark.parametrize("params", [
    {"ind": "<script>alert(1)</script>", "lvl": "x" * 9000, "k": "99", "la": "E0'; DROP TABLE areas; --",
     "sel": "E05011151:ward'", "area": "../../etc/passwd"},
    {"ind": ["a", "b"], "cls": "", "k": "3.5", "sel": "E99999999:lad", "area": "E01008881," * 50},
])
def test_hostile_links_fall_back_with_a_notice(params):
    at = explorer(params)
    assert not at.exception
    notices = " ".join(i.value for i in at.info)
    assert "does not recognise" in notices and "<script>" not in notices and "DROP" not in notices
    assert at.session_state["indicator"] == "iod25_violence_with_injury" or "ind" not in params
    assert at.selectbox(key="scheme").value == "quantiles"


def test_parse_is_pure_and_checks_every_value(con):
    cat = va.catalogue(con)
    lads = db.lad_names(con)
    restored = state.parse_explorer({"ind": "pop_total", "k": "7", "la": "E08000025,E0800002X"}, cat, lads, ["lsoa", "ward", "lad"],
                                    ["quantiles"], lambda c, lvl: False, {"E01008881"}, "v1")
    assert restored.values == {"theme": "population", "indicator": "pop_total", "k": 7, "las": ["E08000025"]}
    assert len(restored.notices) == 1 and "local authorities" in restored.notices[0]


def test_view_csv_has_provenance_and_integer_ranks(con):
    cat = va.catalogue(con)
    ind = va.indicator(cat, "police_serious_violence_rate")
    frame = va.area_values(con, ind, "ward", list(db.lad_names(con)))
    data = downloads.view_csv(con, va.ranked_table(frame, ind), ind, "ward", str(frame["period"].iloc[0]))
    text = data.decode("utf-8")
    header = [line for line in text.splitlines() if line.startswith("# ")]
    keys = {line[2:].split(":")[0] for line in header}
    assert {"indicator", "unit", "source", "vintage", "licence", "data version"} <= keys
    assert db.meta(con)["built_at"] in text
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert table["Rank"].dtype.kind == "i" and len(table) == len(frame)


def test_geopackage_opens_with_pyogrio_and_holds_the_rows(con, tmp_path):
    cat = va.catalogue(con)
    ind = va.indicator(cat, "iod25_violence_with_injury")
    lads = ["E08000026"]
    frame = va.area_values(con, ind, "lsoa", lads)
    level = va.db_level(ind, "lsoa")
    path = tmp_path / "view.gpkg"
    path.write_bytes(downloads.view_geopackage(con, frame, ind, level))
    layers = dict(pyogrio.list_layers(path))
    assert ind["id"] in layers and "about" in layers
    read = pyogrio.read_dataframe(path, layer=ind["id"])
    assert len(read) == len(frame) == len(db.lsoa_codes_of(con, "lad", "E08000026", "lsoa21"))
    assert read.crs.to_epsg() == 4326 and read.geometry.notna().all() and read.geometry.is_valid.all()
    merged = read.merge(frame, on="code", suffixes=("", "_db"))
    assert (merged["value"] - merged["value_db"]).abs().max() < 1e-12
    assert merged["rank"].dtype.kind == "i"
    about = pyogrio.read_dataframe(path, layer="about", read_geometry=False).set_index("key")["value"]
    assert about["licence"] == ind["licence"] and "code" in about["data version"]


PRIORITY = str(ROOT / "pages" / "2_Priority_schools.py")


def test_a_priority_link_restores_weights_radius_and_school(con):
    urn = int(db.schools(con, located_only=True).query("is_secondary")["urn"].iloc[0])
    at = AppTest.from_file(PRIORITY, default_timeout=300)
    at.query_params.update({"r": "1.5", "w_violence": "50", "w_fsm": "0", "school": str(urn), "la": "E08000025",
                            "v": state.version_tag(db.meta(con))})
    at.run()
    assert not at.exception and not at.info or all("Choose a school" in i.value for i in at.info)
    assert at.slider(key="radius").value == 1.5 and at.slider(key="w_violence").value == 50 and at.slider(key="w_fsm").value == 0
    assert at.session_state["school"] == urn and at.session_state["las"] == ["E08000025"]
    assert at.query_params["r"] == "1.5" and at.query_params["school"] == str(urn)
    assert "Download profile pack (PDF)" in [b.label for b in at.get("download_button")]
    at.slider(key="radius").set_value(2.0).run()
    assert at.query_params["r"] == "2"


def test_a_hostile_priority_link_falls_back():
    at = AppTest.from_file(PRIORITY, default_timeout=300)
    at.query_params.update({"r": "9", "w_police": "7", "school": "<b>x</b>", "la": "nowhere"})
    at.run()
    assert not at.exception
    assert any("does not recognise" in i.value and "<b>" not in i.value for i in at.info)
    assert at.slider(key="radius").value == 1.0
