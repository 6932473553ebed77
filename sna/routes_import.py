"""`python -m sna import-routes FILE`: replace the approximate Step Together route lines with real ones.

FILE is GeoJSON (.geojson/.json, with a declared "crs" member) or GeoPackage (.gpkg), read with
geopandas/pyogrio. Every feature needs `route_id` (one of the routes in data/places/routes.csv)
and `name`, and a LineString or MultiLineString geometry lying inside the study area. A bad file
changes nothing and says what is wrong, feature by feature.

Accepted lines are third-party data, so they are not written into data/places/: they are kept in
routes_imported.geojson beside the database (data/routes_imported.geojson by default, git-ignored).
The import merges them into that file and swaps an updated copy of the database into place
(atomically); every later build reads the file too. Delete the file and rebuild to go back to the
approximate lines. The Places page validates uploads with the same reader but keeps them in the
browser session only.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import shapely

from geo import from_wkb
from sna import cli
from sna.config import Settings, settings
from sna.errors import DatabaseError, ImportFileError

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

    from sna.corridors import geom_to_bng

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


def study_area_polygon(con: duckdb.DuckDBPyConnection):
    row = con.execute("SELECT geometry FROM areas WHERE level = 'partnership' AND geometry IS NOT NULL").fetchone()
    if row is None:
        raise DatabaseError("The database has no partnership outline (areas level 'partnership'): rebuild it with python -m sna build.")
    return from_wkb(row[0])


def known_routes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        return dict(con.execute("SELECT route_id, name FROM routes").fetchall())
    except duckdb.CatalogException:
        raise DatabaseError("The database has no routes table: rebuild it with python -m sna build.") from None


def validate_upload(con: duckdb.DuckDBPyConnection, data: bytes, filename: str) -> pd.DataFrame:
    """What the Places page calls on an upload: validation only, nothing is written."""
    return read_routes(data, filename, known_routes(con), study_area_polygon(con))


def read_imported(path: Path, con: duckdb.DuckDBPyConnection, known: dict[str, str] | None = None) -> pd.DataFrame:
    """The stored imported lines, validated again (the build calls this with the routes it is writing)."""
    known = known if known is not None else known_routes(con)
    try:
        return read_routes(path.read_bytes(), path.name, known, study_area_polygon(con))
    except ImportFileError as exc:
        raise ImportFileError(f"{exc}\nThe stored file is {path}: fix it, or delete it to go back to the approximate lines.") from None


def to_geojson(lines: pd.DataFrame) -> str:
    """Imported lines as GeoJSON with an explicit longitude/latitude CRS."""
    features = [{"type": "Feature", "properties": {"route_id": r.route_id, "name": r.name},
                 "geometry": json.loads(shapely.to_geojson(from_wkb(r.geometry)))} for r in lines.itertuples(index=False)]
    return json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                       "features": features}, indent=1)


def import_routes(path: Path, config: Settings | None = None) -> dict[str, object]:
    """Validate FILE, merge it into the stored imported lines and swap in an updated database.

    Nothing changes unless everything succeeds."""
    from sna.places import apply_imported, imported_routes_path, route_lsoa_rows, write_table

    config = config or settings()
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"No file at {path}: give the path of a GeoJSON or GeoPackage file of route lines.")
    db_path = config.db_path
    if not db_path.exists():
        raise DatabaseError(f"No database at {db_path}. Build it first: python -m sna build")
    with duckdb.connect(str(db_path), read_only=True) as con:
        known = known_routes(con)
        lines = read_routes(path.read_bytes(), path.name, known, study_area_polygon(con))
    store = imported_routes_path(config)
    previous = pd.DataFrame(columns=["route_id", "name", "geometry"])
    if store.exists():
        with duckdb.connect(str(db_path), read_only=True) as con:
            previous = read_imported(store, con, known)
    merged = pd.concat([previous[~previous["route_id"].isin(lines["route_id"])], lines], ignore_index=True).sort_values("route_id")

    temp_db = db_path.with_name(f".{db_path.name}.import-{os.getpid()}")
    temp_store = store.with_name(f".{store.name}.import-{os.getpid()}")
    try:
        shutil.copyfile(db_path, temp_db)
        with duckdb.connect(str(temp_db)) as con:
            routes = con.execute("SELECT * FROM routes").df()
            routes = apply_imported(routes, merged, f"imported with python -m sna import-routes from {path.name}")
            lsoa11 = con.execute("SELECT code, geometry FROM areas WHERE level = 'lsoa11'").df()
            lsoa21 = con.execute("SELECT code, geometry FROM areas WHERE level = 'lsoa21'").df()
            write_table(con, "routes", routes)
            write_table(con, "route_lsoas", route_lsoa_rows(routes, lsoa11, lsoa21))
        temp_store.write_text(to_geojson(merged), encoding="utf-8")
        os.replace(temp_db, db_path)
        os.replace(temp_store, store)
    finally:
        temp_db.unlink(missing_ok=True)
        Path(f"{temp_db}.wal").unlink(missing_ok=True)
        temp_store.unlink(missing_ok=True)
    return {"imported": len(lines), "stored": len(merged), "store": store, "routes": sorted(lines["route_id"])}


def _handler(args: argparse.Namespace) -> int:
    summary = import_routes(Path(args.file))
    print(f"Imported {summary['imported']} route line(s): {', '.join(summary['routes'])}.")
    print(f"{summary['stored']} imported line(s) are stored in {summary['store']} (read by every build); the database is updated.")
    return 0


cli.register("import-routes", "replace approximate Step Together route lines with real ones from a GeoJSON or GeoPackage file",
             _handler, lambda p: p.add_argument("file", help="GeoJSON (.geojson, with a crs member) or GeoPackage (.gpkg) of LineStrings "
                                                              "with properties route_id and name"))
