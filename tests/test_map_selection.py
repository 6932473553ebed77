"""The clickable map's state (sna.ui.maps): what a click does to the session, the per-rerun payload
aligned to the geometry file, and the Area explorer under AppTest (a pick opens the profile and
outlines the area; several areas can be chosen). The browser side is tests/test_browser_map.py."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
from streamlit.testing.v1 import AppTest

from geo import from_wkb
from geo.display import pack_polygons
from sna.analysis import values as va
from sna.ui import maps

EXPLORER = str(Path(__file__).resolve().parent.parent / "pages" / "1_Area_explorer.py")


def test_apply_pick_opens_adds_removes_and_clears():
    state: dict = {}
    maps.apply_pick(state, {"code": "E01009999"}, "lsoa21")
    assert state["selected"] == ("E01009999", "lsoa21")
    maps.apply_pick(state, {"code": "E05001", "add": True}, "ward")
    maps.apply_pick(state, {"code": "E05002", "add": True}, "ward")
    maps.apply_pick(state, {"code": "E05001", "add": True}, "ward")
    assert state["map_chosen"] == ["E05002"] and state["selected"] == ("E01009999", "lsoa21")
    maps.apply_pick(state, {"clear": True}, "ward")
    assert state["map_chosen"] == []
    maps.apply_pick(state, {"code": None}, "ward")
    maps.apply_pick(state, {}, "ward")
    assert state["selected"] == ("E01009999", "lsoa21")


def test_packed_geometry_round_trips(con):
    from sna import db

    areas = db.areas(con, "ward")
    blob = pack_polygons(areas)
    size = int(np.frombuffer(blob[:4], "<u4")[0])
    header = json.loads(blob[4:4 + size])
    assert header["codes"] == areas["code"].tolist() and len(header["names"]) == len(areas)
    offset = 4 + size
    part_area = np.frombuffer(blob, "<u4", header["parts"], offset)
    offset += 4 * header["parts"]
    part_ring = np.frombuffer(blob, "<u4", header["parts"] + 1, offset)
    offset += 4 * (header["parts"] + 1)
    ring_vertex = np.frombuffer(blob, "<u4", header["rings"] + 1, offset)
    offset += 4 * (header["rings"] + 1)
    coords = np.frombuffer(blob, "<f4", 2 * header["vertices"], offset).reshape(-1, 2)
    assert offset + coords.nbytes == len(blob)
    assert set(part_area) == set(range(len(areas))) and part_ring[-1] == header["rings"]
    # The first part of the first ward is a closed ring near its stored geometry.
    ring = coords[ring_vertex[part_ring[0]]:ring_vertex[part_ring[0] + 1]]
    assert (ring[0] == ring[-1]).all()
    geom = from_wkb(areas["display"].iloc[int(part_area[0])])
    assert geom.buffer(0.002).contains(gpd.points_from_xy(ring[:, 0], ring[:, 1])).all()


def test_indicator_payload_is_aligned_and_small(con):
    from sna import db

    cat = va.catalogue(con)
    ind = va.indicator(cat, "iod25_violence_with_injury")
    solihull = ["E08000029"]
    frame = va.area_values(con, ind, "lsoa", solihull)
    areas = db.areas(con, "lsoa21")
    index = {c: i for i, c in enumerate(areas["code"])}
    payload = maps.indicator_layer(index, frame, va.map_classes(frame["value"], ind, "quantiles", 5), ind, "lsoa")
    shown = {i for i, c in enumerate(payload["cls"]) if c != -2}
    assert shown == {index[c] for c in frame["code"]} and len(payload["cls"]) == len(areas)
    first = frame.iloc[0]
    assert payload["tip"]["r"][index[first["code"]]] == int(first["rank"])
    assert ("d" in payload["tip"]) == bool(ind.get("decile_indicator"))
    full = db.query(con, "SELECT * FROM areas WHERE level = 'lsoa21'")
    naive = gpd.GeoDataFrame(full.drop(columns=["geometry", "display"]), geometry=from_wkb(full["geometry"]), crs=4326).to_json()
    everything = va.area_values(con, ind, "lsoa", list(db.lad_names(con)))
    whole = maps.indicator_layer(index, everything, va.map_classes(everything["value"], ind, "quantiles", 5), ind, "lsoa")
    assert len(json.dumps(whole, separators=(",", ":"))) <= 0.05 * len(naive)


def map_data(at) -> dict:
    element = [e for e in at.main if getattr(e, "type", "") == "bidi_component"][0]
    return json.loads(element.proto.json)


def test_explorer_pick_opens_profile_and_outlines_area(built_db):
    at = AppTest.from_file(EXPLORER, default_timeout=120)
    at.run()
    data = map_data(at)
    assert data["geo"].startswith("/app/static/sna-map/areas-lsoa21-") and data["sel"] == [] and "p" not in data
    assert "Profile:" not in " ".join(m.value for m in at.subheader)
    maps.apply_pick(at.session_state, {"code": "E01033625"}, "lsoa21")  # what a click on the map does
    at.run()
    assert not at.exception
    assert "Profile: Birmingham 138D" in [m.value for m in at.subheader]
    assert map_data(at)["sel"] == ["E01033625"]
    maps.apply_pick(at.session_state, {"code": "E01033625", "add": True}, "lsoa21")
    maps.apply_pick(at.session_state, {"code": "E01009001", "add": True}, "lsoa21")
    at.run()
    assert map_data(at)["multi"] == ["E01033625", "E01009001"]
    at.radio(key="level").set_value("ward").run()
    data = map_data(at)
    assert not at.exception and data["sel"] == [] and "areas-ward-" in data["geo"]


def test_lsoas_chosen_on_the_map_become_the_custom_area(built_db):
    """Issue 12 x 10: LSOAs chosen on the map ("Select several") are offered as the custom area."""
    from streamlit.testing.v1 import AppTest

    from sna import db

    con = db.connect(built_db)
    codes = db.lsoa_codes_of(con, "lad", "E08000026", "lsoa21")[:3]
    con.close()
    at = AppTest.from_file(str(EXPLORER), default_timeout=300)
    at.session_state["map_chosen"] = codes
    at.run()
    at.button(key="custom_from_map").click().run()
    assert not at.exception, at.exception
    assert list(at.session_state["custom_codes"]) == codes
    assert len([d for d in at.dataframe if "Compared with England" in d.value.columns]) >= 1  # the custom area's profile


def test_old_geometry_files_are_pruned_after_a_day(tmp_path):
    """Files of the same level and database from earlier versions go once a day old; the current one, fresh
    ones, other levels and other databases' files stay."""
    import os

    from sna.ui import deckmap

    now = 1_800_000_000.0
    ages = {"areas-lsoa21-db1-old.bin": 30, "areas-lsoa21-db1-new.bin": 30, "areas-lsoa21-db1-fresh.bin": 2,
            "areas-ward-db1-old.bin": 30, "areas-lsoa21-db2-old.bin": 30, "deckgl-9.0.12-core.min.js": 300,
            "areas-lsoa21-0123456789ab.bin": 30}  # the last: a name from before the database was in them
    for name, age_hours in ages.items():
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (now - age_hours * 3600, now - age_hours * 3600))
    gone = ["areas-lsoa21-0123456789ab.bin", "areas-lsoa21-db1-old.bin"]
    assert deckmap.prune_geometry(tmp_path, keep="areas-lsoa21-db1-new.bin", now=now) == gone
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(ages) - set(gone))


def test_sent_script_parses_without_its_comments(tmp_path):
    """The map's script is sent without comment lines and indentation: what is sent still parses as a module."""
    import shutil
    import subprocess

    import pytest

    from sna.ui import deckmap

    source = deckmap.SOURCE.read_text(encoding="utf-8")
    sent = deckmap.script_text(source)
    assert len(sent) < 0.85 * len(source) and "export default function" in sent
    if not shutil.which("node"):
        pytest.skip("node is not installed")
    path = tmp_path / "map.mjs"
    path.write_text(sent, encoding="utf-8")
    subprocess.run(["node", "--check", str(path)], check=True)
