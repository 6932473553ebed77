"""Reading files that users give us (route lines today): bytes in, validated rows out.

A user's file is hostile until proven otherwise: its size, nesting depth, feature count and vertex
count are capped before GDAL parses it; only recognised coordinate reference systems are accepted
(never a `link` CRS, a file path or an unknown code); PROJ and GDAL network access is off while it is
read; its text is never rendered as markup; and every problem is listed feature by feature in an
ImportFileError that changes nothing. Used by `python -m sna import-routes` and the Places page.
"""

from __future__ import annotations

import io
import json
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo.points import geom_to_bng
from sna.errors import ImportFileError

MAX_BYTES = 5 * 1024 * 1024  # .streamlit/config.toml server.maxUploadSize matches (in MB)
MAX_FEATURES = 500  # the Step Together programme has a few dozen routes
MAX_VERTICES = 50_000  # all lines together: street-following routes need a few hundred each
BLACK_HOLE = "127.0.0.1:9"  # GDAL's HTTP proxy while users' files are read: nothing listens there
MAX_NESTING = 20  # a GeoJSON FeatureCollection of MultiLineStrings nests 7 deep
# Coordinate reference systems a route file may declare (lower case) -> the EPSG code it means.
# Anything else (a `link`, a file path, an unknown code, PROJ strings) is refused before GDAL sees it.
ALLOWED_CRS = {
    "urn:ogc:def:crs:ogc:1.3:crs84": 4326, "urn:ogc:def:crs:ogc::crs84": 4326, "ogc:crs84": 4326, "crs84": 4326,
    "epsg:4326": 4326, "urn:ogc:def:crs:epsg::4326": 4326, "urn:ogc:def:crs:epsg:6.6:4326": 4326,
    "epsg:27700": 27700, "urn:ogc:def:crs:epsg::27700": 27700,
}
ALLOWED_EPSG = {4326: "longitude/latitude (WGS 84)", 27700: "British National Grid"}
CRS_HINT = ('declare {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}} for longitude/latitude '
            'or "EPSG:27700" for British National Grid')
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


def network_off() -> None:
    """No file or network fetches while reading users' files: PROJ grids and GDAL HTTP are off (idempotent)."""
    import pyogrio
    import pyproj.network

    os.environ["PROJ_NETWORK"] = "OFF"
    pyproj.network.set_network_enabled(False)
    # GDAL has no switch for its HTTP client (a GeoJSON `link` CRS is fetched with it), so its requests
    # are sent to a proxy on a closed loopback port, where they fail at once.
    pyogrio.set_gdal_config_options({"PROJ_NETWORK": "OFF", "GDAL_HTTP_PROXY": BLACK_HOLE, "GDAL_HTTPS_PROXY": BLACK_HOLE,
                                     "GDAL_HTTP_MAX_RETRY": "0", "GDAL_HTTP_TIMEOUT": "2",
                                     "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none", "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR"})


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def nesting_depth(data: bytes) -> int:
    """How deep JSON brackets nest, counted without parsing (strings blanked first): bounded time, no recursion."""
    codes = np.frombuffer(_JSON_STRING.sub(b'""', data), dtype=np.uint8)
    steps = np.isin(codes, (ord("["), ord("{"))).astype(np.int32) - np.isin(codes, (ord("]"), ord("}"))).astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def _positions(coordinates) -> int:
    """Vertices in a GeoJSON coordinates array (depth already bounded by MAX_NESTING)."""
    if not isinstance(coordinates, list) or not coordinates:
        return 0
    if not isinstance(coordinates[0], list):
        return 1
    return sum(_positions(c) for c in coordinates)


def _vertices(geometry) -> int:
    if not isinstance(geometry, dict):
        return 0
    return _positions(geometry.get("coordinates")) + sum(_vertices(g) for g in geometry.get("geometries") or [] if isinstance(g, dict))


def _declared_epsg(crs: object, filename: str) -> int:
    """The EPSG code a GeoJSON `crs` member names, if it is on the allow-list; ImportFileError otherwise."""
    if not isinstance(crs, dict) or crs.get("type") != "name":
        kind = crs.get("type") if isinstance(crs, dict) else type(crs).__name__
        raise _fail(filename, [f"the crs member is of type {_show(kind)}; only a named CRS is accepted ({CRS_HINT})"])
    name = (crs.get("properties") or {}).get("name") if isinstance(crs.get("properties"), dict) else None
    if not isinstance(name, str) or name.strip().lower() not in ALLOWED_CRS:
        raise _fail(filename, [f"the coordinate reference system {_show(name, 60)} is not one this site reads: {CRS_HINT}"])
    return ALLOWED_CRS[name.strip().lower()]


def _check_geojson(data: bytes, filename: str) -> int:
    """Checks on the raw GeoJSON before GDAL reads it; returns the declared EPSG code."""
    if nesting_depth(data) > MAX_NESTING:
        raise _fail(filename, [f"the JSON nests more than {MAX_NESTING} levels deep; a route file never does"])
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _fail(filename, ["the file is not text (UTF-8): is it really GeoJSON?"]) from None
    except json.JSONDecodeError as exc:
        raise _fail(filename, [f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]) from None
    except RecursionError:
        raise _fail(filename, ["the JSON nests too deeply to be a route file"]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise _fail(filename, ["the file is JSON but not a GeoJSON FeatureCollection"])
    features = document.get("features")
    if not features or not isinstance(features, list):
        raise _fail(filename, ["the FeatureCollection has no features"])
    if "crs" not in document:
        raise _fail(filename, [f"no coordinate reference system is declared: add a \"crs\" member ({CRS_HINT}) or export the file as GeoPackage"])
    epsg = _declared_epsg(document["crs"], filename)
    _check_counts(filename, len(features), sum(_vertices(f.get("geometry")) for f in features if isinstance(f, dict)))
    return epsg


def _check_counts(filename: str, features: int, vertices: int) -> None:
    if features > MAX_FEATURES:
        raise _fail(filename, [f"the file has {features:,} features; at most {MAX_FEATURES:,} route lines are accepted"])
    if vertices > MAX_VERTICES:
        raise _fail(filename, [f"the lines have {vertices:,} vertices in all; at most {MAX_VERTICES:,} are accepted "
                               "(simplify the lines, e.g. to 1 m, and export again)"])


def _read_frame(data: bytes, filename: str):
    """The file as a GeoDataFrame in an allowed CRS, or ImportFileError saying why it cannot be read."""
    import geopandas as gpd
    import pyogrio
    from pyogrio.errors import DataSourceError, DataLayerError, GeometryError

    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise _fail(filename, [f"the file type {_show(suffix or 'none')} is not supported: upload GeoJSON (.geojson) or GeoPackage (.gpkg)"])
    if not data:
        raise _fail(filename, ["the file is empty"])
    if len(data) > MAX_BYTES:
        raise _fail(filename, [f"the file is {len(data) / 1e6:.1f} MB; route files over {MAX_BYTES // 1_000_000} MB are not accepted"])
    network_off()
    epsg = _check_geojson(data, filename) if SUFFIXES[suffix] == "GeoJSON" else None
    try:
        with warnings.catch_warnings():  # GDAL notes that in-memory bytes have no .gpkg extension; harmless
            warnings.filterwarnings("ignore", message=".*non conformant file extension.*")
            if epsg is None:  # GeoPackage: count before reading the geometry
                info = pyogrio.read_info(io.BytesIO(data))
                _check_counts(filename, int(info.get("features") or 0), 0)
            frame = gpd.read_file(io.BytesIO(data), engine="pyogrio")
    except (DataSourceError, DataLayerError, GeometryError, ValueError, RuntimeError) as exc:
        raise _fail(filename, [f"the file cannot be read as {SUFFIXES[suffix]} ({_show(exc, 160)})"]) from None
    if epsg is None:
        epsg = _frame_epsg(frame, filename)
        _check_counts(filename, len(frame), int(shapely.get_num_coordinates(frame.geometry.values).sum()))
    return frame.set_crs(epsg=epsg, allow_override=True)  # the canonical CRS, never the file's own definition


def _frame_epsg(frame, filename: str) -> int:
    """The allowed EPSG code a GeoPackage layer's CRS is, or ImportFileError."""
    if frame.crs is None:
        raise _fail(filename, ["no coordinate reference system is declared in the file: set one (e.g. EPSG:27700) and export again"])
    try:
        epsg = frame.crs.to_epsg()
    except Exception:  # pyproj raises several kinds for odd definitions; all mean "not recognised"
        epsg = None
    if epsg not in ALLOWED_EPSG:
        raise _fail(filename, [f"the coordinate reference system {_show(frame.crs.name, 60)} is not one this site reads: "
                               "use " + " or ".join(f"EPSG:{code} ({label})" for code, label in ALLOWED_EPSG.items())])
    return epsg


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
