"""Profile packs: the CLI writes a PDF whose text holds the area's name, figures from the database,
the data version and the attributions, and a CSV of the same figures; unknown areas are clear errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from pypdf import PdfReader

from sna import db
from sna.analysis import formatting as fmt
from sna.reports import figures, subject

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def con(built_db):
    connection = db.connect(built_db)
    yield connection
    connection.close()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sna", "profile", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ})


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)


def test_la_pack_holds_name_figures_version_and_attributions(con, tmp_path):
    out, csv = tmp_path / "coventry.pdf", tmp_path / "coventry.csv"
    done = run_cli("E08000026", "--out", str(out), "--csv", str(csv))
    assert done.returncode == 0, done.stderr
    assert "computing the figures" in done.stderr and "Traceback" not in done.stderr
    text = pdf_text(out)
    meta = db.meta(con)
    assert "Area profile: Coventry" in text and meta["built_at"] in text and meta["code_version"] in text
    rate = db.values(con, "police_serious_violence_rate", "lad").set_index("area_code").loc["E08000026", "value"]
    imd = db.values(con, "iod25_imd_score", "lad").set_index("area_code").loc["E08000026", "value"]
    for value, unit in ((rate, "per 1,000 residents per month"), (imd, "score")):
        assert fmt.format_value(value, unit) in text
    for words in ("Open Government Licence v3.0", "Crown copyright", "police.uk", "not a time series", "Byar"):
        assert words in text
    table = pd.read_csv(csv, comment="#")
    got = table.set_index("indicator_id")
    assert got.loc["police_serious_violence_rate", "value"] == pytest.approx(rate)
    assert got["source"].notna().all() and table["indicator_id"].is_unique
    assert open(csv, encoding="utf-8").readline().startswith("# profile: Coventry")


def test_custom_area_file_pack(con, tmp_path):
    codes = db.lsoa_codes_of(con, "lad", "E08000026", "lsoa21")[:50]
    listing = tmp_path / "area.csv"
    listing.write_text("lsoa21cd\n" + "\n".join(codes) + "\n", encoding="utf-8")
    out, csv = tmp_path / "custom.pdf", tmp_path / "custom.csv"
    done = run_cli(str(listing), "--out", str(out), "--csv", str(csv))
    assert done.returncode == 0, done.stderr
    text = pdf_text(out)
    assert "Custom area (area.csv)" in text and "wholly inside" in text and "Indicators not shown" in text
    table = pd.read_csv(csv, comment="#").set_index("indicator_id")
    fig = figures.figures(con, subject.resolve_subject(con, str(listing)))
    expected = fig.profile.set_index("indicator_id")["value"]
    assert table["value"].to_dict() == pytest.approx(expected.to_dict())
    unit = fig.profile.set_index("indicator_id").loc["pop_total", "unit"]
    assert fmt.format_value(expected["pop_total"], unit) in text


def test_school_and_place_and_stored_subjects(con):
    school = db.schools(con, located_only=True).query("is_secondary").iloc[0]
    found = subject.resolve_subject(con, str(int(school["urn"])))
    assert found.kind == "school" and found.area.codes["lsoa21"] and found.area.codes["lsoa11"]
    assert any("not where its pupils live" in n for n in found.notes)
    places = db.places(con)
    if not places.empty:
        place = subject.resolve_subject(con, places["place_id"].iloc[0])
        assert place.kind == "place" and list(place.area.codes["lsoa11"]) == db.place_lsoa_codes(con, places["place_id"].iloc[0], "lsoa11")
        assert not figures.figures(con, place).profile.empty
    assert subject.resolve_subject(con, "E05011151").kind == "ward"
    assert subject.resolve_subject(con, "e01008881").level == "lsoa21"


@pytest.mark.parametrize("area", ["E99999999", "nowhere-at-all", "999999", "<script>"])
def test_unknown_area_is_a_clear_error(built_db, area, tmp_path):
    done = run_cli(area, "--out", str(tmp_path / "x.pdf"))
    assert done.returncode == 2
    assert "Unknown area" in done.stderr and "Traceback" not in done.stderr and "<script>" not in done.stderr
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.slow
def test_west_yorkshire_without_2021_boundaries(sources_dir, tmp_path):
    """West Yorkshire's database holds no 2021 LSOA boundaries: maps and polygons fall back to 2011."""
    import json
    from dataclasses import replace

    import shapely

    from geo import from_wkb
    from sna import areafiles
    from sna.build import build
    from sna.config import settings
    from sna.reports import pdf

    config = replace(settings(), sources_dir=sources_dir, db_path=tmp_path / "wy.duckdb")
    build("west-yorkshire", config=config, progress=False)
    con = db.connect(config.db_path)
    try:
        codes = db.lsoa_codes_of(con, "lad", "E08000035", "lsoa21")[:50]
        fig = figures.figures(con, subject.custom_subject(con, codes, "Fifty Leeds LSOAs"))
        text = " ".join(p.extract_text() for p in PdfReader(__import__("io").BytesIO(pdf.render(con, fig))).pages)
        assert "Fifty Leeds LSOAs" in text and "Leeds" in text
        shapes = db.area_shapes(con, "lsoa11", db.lsoa_codes_of(con, "lad", "E08000035", "lsoa11")[:4])
        outline = shapely.union_all(from_wkb(shapes["geometry"])).buffer(-0.0003)
        doc = {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(outline))}
        area = areafiles.area_from_upload(con, json.dumps(doc).encode(), "leeds.geojson")
        assert area.generation == "lsoa11" and list(area.codes["lsoa11"]) == sorted(shapes["code"])
        assert "2011 LSOAs" in area.notes[0]
        school = db.schools(con, located_only=True).query("is_secondary").iloc[0]
        found = subject.resolve_subject(con, str(int(school["urn"])))
        assert found.area.codes["lsoa11"]
    finally:
        con.close()
