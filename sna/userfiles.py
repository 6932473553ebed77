"""Reading files that users give us (route lines today): bytes in, validated rows out.

A user's file is hostile until proven otherwise: its size is capped before parsing, its type is
checked, its text is never rendered as markup, and every problem is listed feature by feature in an
ImportFileError that changes nothing. Used by `python -m sna import-routes` and the Places page.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo.points import geom_to_bng
from sna.errors import ImportFileError

MAX_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS_LISTED = 12
STUDY_AREA_TOLERANCE_M = 100.0  # the partnership outline is generalised: allow lines this close to its edge
SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage"}
LINE_TYPES = ("LineString", "MultiLineString")
_UNSAFE_NAME = re.compile(r"[<>\x00-\x1f\x7f]")


def _show(value: object, limit: int = 40) -> str:
    """A value quoted for a message: printable, short, never markup."""
    text = re.sub(r"[^\w .,'&/()-]", "?", str(value))
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def _fail(filename: str, problems: list[str]) -> ImportFileError:
    listed = problems[:MAX_PROBLEMS_LISTED]
    more = f"\n  ... and {len(problems) - len(listed)} more" if len(problems) > len(listed) else ""
    return ImportFileError(f"{_show(filename, 80)} cannot be imported; nothing was changed.\n  - " + "\n  - ".join(listed) + more)


def _read_frame(data: bytes, filename: str):
    """The file as a GeoDataFrame (any CRS), or ImportFileError saying why it cannot be read."""
    import geopandas as gpd
    from pyogrio.errors import DataSourceError, DataLayerError, GeometryError

    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise _fail(filename, [f"the file type {_show(suffix or 'none')} is not supported: upload GeoJSON (.geojson) or GeoPackage (.gpkg)"])
    if not data:
        raise _fail(filename, ["the file is empty"])
    if len(data) > MAX_BYTES:
        raise _fail(filename, [f"the file is {len(data) / 1e6:.1f} MB; route files over {MAX_BYTES // 1_000_000} MB are not accepted"])
    if SUFFIXES[suffix] == "GeoJSON":
        try:
            document = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise _fail(filename, ["the file is not text (UTF-8): is it really GeoJSON?"]) from None
        except json.JSONDecodeError as exc:
            raise _fail(filename, [f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]) from None
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise _fail(filename, ["the file is JSON but not a GeoJSON FeatureCollection"])
        if not document.get("features"):
            raise _fail(filename, ["the FeatureCollection has no features"])
        if "crs" not in document:
            raise _fail(filename, ['no coordinate reference system is declared: add a "crs" member (e.g. '
                                   '{"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}} for longitude/latitude, '
                                   'or "EPSG:27700" for British National Grid) or export the file as GeoPackage'])
    try:
        with warnings.catch_warnings():  # GDAL notes that in-memory bytes have no .gpkg extension; harmless
            warnings.filterwarnings("ignore", message=".*non conformant file extension.*")
            frame = gpd.read_file(io.BytesIO(data), engine="pyogrio")
    except (DataSourceError, DataLayerError, GeometryError, ValueError, RuntimeError) as exc:
        raise _fail(filename, [f"the file cannot be read as {SUFFIXES[suffix]} ({_show(exc, 160)})"]) from None
    if frame.crs is None:
        raise _fail(filename, ["no coordinate reference system is declared in the file: set one (e.g. EPSG:27700) and export again"])
    return frame


def validate_routes(frame, filename: str, known: dict[str, str], study_area) -> pd.DataFrame:
    """Check a GeoDataFrame of route lines; return route_id, name, geometry (WKB lon/lat).

    known: route_id -> name of the routes in the database. study_area: shapely polygon (lon/lat)."""
    from pyproj.exceptions import CRSError, ProjError

    problems: list[str] = []
    missing = [c for c in ("route_id", "name") if c not in frame.columns]
    if missing:
        found = ", ".join(_show(c) for c in frame.columns if c != "geometry") or "none"
        raise _fail(filename, [f"required propert{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)} missing (found: {found})"])
    try:
        lonlat = frame.to_crs("EPSG:4326")
    except (CRSError, ProjError, ValueError) as exc:
        raise _fail(filename, [f"its coordinate reference system cannot be converted to longitude/latitude ({_show(exc, 120)})"]) from None
    area_bng = geom_to_bng(study_area).buffer(STUDY_AREA_TOLERANCE_M)
    seen: set[str] = set()
    rows = []
    for index, (route_id, name, geom) in enumerate(zip(lonlat["route_id"], lonlat["name"], lonlat.geometry)):
        rid = "" if route_id is None or (isinstance(route_id, float) and np.isnan(route_id)) else str(route_id).strip()
        where = f"feature {index}" + (f" (route_id {_show(rid)})" if rid else "")
        if not rid:
            problems.append(f"{where}: route_id is empty")
        elif rid not in known:
            problems.append(f"{where}: route_id is not a known Step Together route (known ids look like {_show(sorted(known)[0] if known else '')})")
        elif rid in seen:
            problems.append(f"{where}: route_id appears more than once in the file")
        seen.add(rid)
        label = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name).strip()
        if not label:
            problems.append(f"{where}: name is empty")
        elif _UNSAFE_NAME.search(label) or len(label) > 120:
            problems.append(f"{where}: name contains characters not allowed in a route name (<, > or control characters) or is over 120 characters")
        if geom is None or geom.is_empty:
            problems.append(f"{where}: geometry is missing or empty")
            continue
        if geom.geom_type not in LINE_TYPES:
            problems.append(f"{where}: geometry is a {geom.geom_type}; a route must be a LineString or MultiLineString")
            continue
        if not np.isfinite(shapely.get_coordinates(geom)).all():
            problems.append(f"{where}: geometry has coordinates that are not numbers")
            continue
        if not area_bng.covers(geom_to_bng(geom)):
            lon, lat = geom.centroid.x, geom.centroid.y
            problems.append(f"{where}: the line is not inside the study area (its centre is at {lon:.4f}, {lat:.4f}); "
                            "check the coordinate reference system and the coordinates")
            continue
        rows.append({"route_id": rid, "name": label, "geometry": shapely.to_wkb(geom)})
    if problems:
        raise _fail(filename, problems)
    return pd.DataFrame(rows, columns=["route_id", "name", "geometry"])


def read_routes(data: bytes, filename: str, known: dict[str, str], study_area) -> pd.DataFrame:
    """Read and validate route lines from the bytes of a GeoJSON or GeoPackage file."""
    return validate_routes(_read_frame(data, filename), filename, known, study_area)


def validate_route_upload(con, data: bytes, filename: str) -> pd.DataFrame:
    """What the Places page calls on an upload: validation against the database's routes and outline; nothing is written."""
    from geo import from_wkb
    from sna import db

    return read_routes(data, filename, db.known_routes(con), from_wkb(db.partnership_outline(con)))
