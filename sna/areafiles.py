"""Reading a user's custom-area file: a CSV of LSOA codes, or a GeoJSON/GeoPackage polygon.

Bytes in, a CustomArea out; nothing is written anywhere (the bytes live only in the request).
Sizes are capped BEFORE parsing, text must be UTF-8, and every problem is an ImportFileError that
says what to fix. A polygon selects the 2021 LSOAs with at least half of their AREA inside it
(area share, in British National Grid metres): ONS population-weighted centroids are not among
the project's sources, so the choice is by area, and the notes say so.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from pathlib import Path

import pandas as pd
import shapely

from geo import from_wkb
from geo.points import geom_to_bng
from sna import db
from sna.analysis.custom_area import MAX_LSOAS, CustomArea, resolve
from sna.errors import ImportFileError, SnaError

MAX_CSV_BYTES = 1 * 1024 * 1024
MAX_GEOMETRY_BYTES = 10 * 1024 * 1024
MIN_AREA_SHARE = 0.5
CODE = re.compile(r"^E01\d{6}$")
CODE_SUFFIXES = {".csv", ".txt"}
GEOMETRY_SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage"}
POLYGON_TYPES = ("Polygon", "MultiPolygon")


def _show(value: object, limit: int = 40) -> str:
    """A value quoted for a message: printable, short, never markup."""
    text = re.sub(r"[^\w .,'&/()-]", "?", str(value))
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def _fail(filename: str, problem: str) -> ImportFileError:
    return ImportFileError(f"{_show(filename, 80)} cannot be used as a custom area: {problem}. Nothing was stored.")


def read_codes(data: bytes, filename: str) -> list[str]:
    """LSOA codes from a CSV or text file: every cell that looks like an LSOA code (E01 and six digits),
    under any header. Rejects non-UTF-8 text, huge files and files with no code at all."""
    if not data:
        raise _fail(filename, "the file is empty")
    if len(data) > MAX_CSV_BYTES:
        raise _fail(filename, f"the file is {len(data) / 1e6:.1f} MB; code lists over {MAX_CSV_BYTES // 1_000_000} MB are not accepted")
    if b"\x00" in data[:4096]:
        raise _fail(filename, "the file is not plain text (is it a spreadsheet or UTF-16? save it as CSV, UTF-8)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _fail(filename, "the file is not UTF-8 text: save it as 'CSV UTF-8' and upload again") from None
    codes, odd = [], []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            value = cell.strip().strip('"').upper()
            if CODE.match(value):
                codes.append(value)
            elif value.startswith("E01") or (value.startswith("E0") and len(value) == 9):
                odd.append(value)
        if len(codes) > MAX_LSOAS:
            raise _fail(filename, f"it lists more than {MAX_LSOAS:,} LSOA codes")
    if odd:
        raise _fail(filename, f"{len(odd)} code(s) are not LSOA codes (e.g. {', '.join(_show(c) for c in odd[:3])}); LSOA codes "
                              "look like E01008881 (ward, MSOA or LA codes cannot be mixed in)")
    if not codes:
        raise _fail(filename, "no LSOA code found (codes look like E01008881, one per row or in a column)")
    return list(dict.fromkeys(codes))


def read_polygon(data: bytes, filename: str):
    """The union of a GeoJSON/GeoPackage file's polygons, in British National Grid metres."""
    import geopandas as gpd
    from pyogrio.errors import DataLayerError, DataSourceError, GeometryError
    from pyproj.exceptions import CRSError

    suffix = Path(filename).suffix.lower()
    if not data:
        raise _fail(filename, "the file is empty")
    if len(data) > MAX_GEOMETRY_BYTES:
        raise _fail(filename, f"the file is {len(data) / 1e6:.1f} MB; polygon files over {MAX_GEOMETRY_BYTES // 1_000_000} MB are not accepted")
    if GEOMETRY_SUFFIXES[suffix] == "GeoJSON":
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _fail(filename, "the file is not valid GeoJSON (UTF-8 JSON text)") from None
        if not isinstance(document, dict) or document.get("type") not in ("FeatureCollection", "Feature"):
            raise _fail(filename, "the file is JSON but not a GeoJSON Feature or FeatureCollection")
    if suffix == ".gpkg" and not data.startswith(b"SQLite format 3\x00"):
        raise _fail(filename, "the file is not a GeoPackage (an SQLite database)")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*non conformant file extension.*")
            frame = gpd.read_file(io.BytesIO(data), engine="pyogrio")
    except (DataSourceError, DataLayerError, GeometryError, ValueError, RuntimeError):
        raise _fail(filename, f"it cannot be read as {GEOMETRY_SUFFIXES[suffix]}") from None
    if frame.empty or frame.geometry.isna().all():
        raise _fail(filename, "it holds no geometry")
    kinds = set(frame.geometry.dropna().geom_type)
    if not kinds <= set(POLYGON_TYPES):
        raise _fail(filename, f"it holds {', '.join(sorted(kinds))}; a delivery area must be a Polygon or MultiPolygon")
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")  # GeoJSON without a crs member is longitude/latitude (RFC 7946)
    try:
        bng = frame.to_crs("EPSG:27700")
    except (CRSError, ValueError):
        raise _fail(filename, "its coordinate reference system cannot be converted to British National Grid") from None
    polygon = shapely.make_valid(shapely.union_all(bng.geometry.dropna().values))
    if polygon.is_empty or polygon.area <= 0:
        raise _fail(filename, "its polygons have no area")
    return polygon


def lsoas_by_area_share(polygon_bng, shapes: pd.DataFrame, min_share: float = MIN_AREA_SHARE) -> list[str]:
    """Codes of the LSOAs (shapes: code, geometry WKB lon/lat) with at least min_share of their area inside."""
    lsoas = geom_to_bng(from_wkb(shapes["geometry"]))
    tree = shapely.STRtree(lsoas)
    hits = tree.query(polygon_bng, predicate="intersects")
    inside = shapely.area(shapely.intersection(lsoas[hits], polygon_bng)) / shapely.area(lsoas[hits])
    return sorted(shapes["code"].to_numpy()[hits[inside >= min_share]].tolist())


def area_from_upload(con, data: bytes, filename: str, name: str | None = None) -> CustomArea:
    """A CustomArea from the bytes of an uploaded file (CSV/TXT of codes, GeoJSON or GeoPackage polygon)."""
    suffix = Path(filename).suffix.lower()
    label = name or f"Custom area from {Path(filename).name[:60]}"
    if suffix in CODE_SUFFIXES:
        codes, how, generation = read_codes(data, filename), "codes listed in the file", None
    elif suffix in GEOMETRY_SUFFIXES:
        polygon = read_polygon(data, filename)
        shapes, year = db.area_shapes(con, "lsoa21", boundaries_only=True), "2021"
        if shapes.empty:  # this study area's database holds no 2021 LSOA boundaries: use the 2011 ones
            shapes, year = db.area_shapes(con, "lsoa11"), "2011"
        codes = lsoas_by_area_share(polygon, shapes)
        if not codes:
            raise _fail(filename, f"no {year} LSOA of the study area has half or more of its area inside the polygon; check "
                                  "that it lies in the study area and its coordinate reference system")
        generation = f"lsoa{year[2:]}"
        how = f"{year} LSOAs with at least {MIN_AREA_SHARE:.0%} of their area inside the uploaded polygon (area share)"
    else:
        raise _fail(filename, f"the file type {_show(suffix or 'none')} is not supported: upload a CSV of LSOA codes, "
                              "GeoJSON (.geojson) or GeoPackage (.gpkg)")
    try:
        area = resolve(con, codes, label, generation)
    except SnaError as exc:
        raise _fail(filename, str(exc).rstrip(".")) from None
    return CustomArea(area.name, area.generation, area.codes, (f"LSOAs chosen: {how}.", *area.notes))
