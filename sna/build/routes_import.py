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
import json
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import shapely

from geo import from_wkb
from sna import db, userfiles
from sna.build.routes import apply_imported, imported_routes_path, read_imported, route_lsoa_rows, write_table
from sna.config import Settings, settings
from sna.errors import DatabaseError, ImportFileError


def to_geojson(lines: pd.DataFrame) -> str:
    """Imported lines as GeoJSON with an explicit longitude/latitude CRS."""
    features = [{"type": "Feature", "properties": {"route_id": r.route_id, "name": r.name},
                 "geometry": json.loads(shapely.to_geojson(from_wkb(r.geometry)))} for r in lines.itertuples(index=False)]
    return json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                       "features": features}, separators=(",", ":"))


def remove_stale_temporaries(db_path: Path, store: Path) -> None:
    """A killed import leaves its temporary copies behind; remove those whose process is gone."""
    for pattern, folder in ((f".{db_path.name}.import-*", db_path.parent), (f".{store.name}.import-*", store.parent)):
        for stale in folder.glob(pattern):
            pid = stale.name.rsplit("-", 1)[-1].split(".")[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                stale.unlink(missing_ok=True)


def check_storable(text: str, known: dict[str, str], outline) -> None:
    """The merged file must pass the very checks every later build applies to it (size, counts,
    CRS, lines), or the import would break the next build."""
    data = text.encode("utf-8")
    if len(data) > userfiles.MAX_BYTES:
        raise ImportFileError(f"Together with the lines already imported, the stored file would be {len(data) / 1e6:.1f} MB; "
                              f"builds read at most {userfiles.MAX_BYTES / 1e6:.1f} MB. Simplify the lines and import again; nothing was changed.")
    userfiles.read_routes(data, "routes_imported.geojson", known, outline)


def import_routes(path: Path, config: Settings | None = None) -> dict[str, object]:
    """Validate FILE, merge it into the stored imported lines and swap in an updated database.

    Nothing changes unless everything succeeds."""
    config = config or settings()
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"No file at {path}: give the path of a GeoJSON or GeoPackage file of route lines.")
    db_path = config.db_path
    if not db_path.exists():
        raise DatabaseError(f"No database at {db_path}. Build it first: python -m sna build")
    if path.stat().st_size > userfiles.MAX_BYTES:
        raise ImportFileError(f"{path} is {path.stat().st_size / 1e6:.1f} MB; route files over {userfiles.MAX_BYTES / 1e6:.1f} MB "
                              "are not accepted (builds could not read them). Simplify the lines and export again.")
    store = imported_routes_path(config)
    remove_stale_temporaries(db_path, store)
    with db.connect(db_path) as con:
        known = db.known_routes(con)
        outline = from_wkb(db.partnership_outline(con))
    lines = userfiles.read_routes(path.read_bytes(), path.name, known, outline)
    previous = pd.DataFrame(columns=["route_id", "name", "geometry"])
    if store.exists():
        with db.connect(db_path) as con:
            previous = read_imported(store, con, known)
    merged = pd.concat([previous[~previous["route_id"].isin(lines["route_id"])], lines], ignore_index=True).sort_values("route_id")
    stored_text = to_geojson(merged)
    check_storable(stored_text, known, outline)

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
        temp_store.write_text(stored_text, encoding="utf-8")
        os.replace(temp_db, db_path)
        os.replace(temp_store, store)
    finally:
        temp_db.unlink(missing_ok=True)
        Path(f"{temp_db}.wal").unlink(missing_ok=True)
        temp_store.unlink(missing_ok=True)
    return {"imported": len(lines), "stored": len(merged), "store": store, "routes": sorted(lines["route_id"])}


def command(args: argparse.Namespace) -> int:
    """`python -m sna import-routes FILE`."""
    summary = import_routes(Path(args.file))
    print(f"Imported {summary['imported']} route line(s): {', '.join(summary['routes'])}.")
    print(f"{summary['stored']} imported line(s) are stored in {summary['store']} (read by every build); the database is updated.")
    return 0

