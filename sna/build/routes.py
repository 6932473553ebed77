"""Build step: the Step Together routes (data/places/routes.csv), each citing its paper and paragraph.

The papers give localities, not lines: each route gets an approximate line built from its locality
unless a real line has been imported with `python -m sna import-routes FILE`; imported lines live in
routes_imported.geojson beside the database (git-ignored, third-party data) and replace the
approximate ones on every build. Writes:

- routes (route_id, name, la_code, status, locality, geometry WKB, geometry_quality, method, citation)
- route_lsoas (route_id, lsoa_code, level): the LSOAs (2011 and 2021) each line crosses
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely

from geo import from_wkb
from geo.points import geom_to_bng, geom_to_lonlat
from sna import db, userfiles
from sna.analysis import corridors
from sna.build import context
from sna.build.context import BuildContext
from sna.build.gazetteer import Gazetteer, read_records
from sna.config import PLACES_DIR, Settings
from sna.errors import ConfigError, ImportFileError

ROUTE_COLUMNS = ["route_id", "name", "la_code", "status", "locality", "anchor_kind", "anchor", "school", "citation"]
ROUTE_STATUSES = ("live", "in development")
IMPORTED_ROUTES_FILE = "routes_imported.geojson"
ROUTE_TABLE_COLUMNS = ["route_id", "name", "la_code", "status", "locality", "geometry", "geometry_quality", "method", "citation"]
SCHEMAS: dict[str, dict[str, str]] = {  # column types, so that tables are typed even when empty (another partnership)
    "routes": {**{c: "VARCHAR" for c in ROUTE_TABLE_COLUMNS}, "geometry": "BLOB"},
    "route_lsoas": {"route_id": "VARCHAR", "lsoa_code": "VARCHAR", "level": "VARCHAR"},
}


def write_table(con, table: str, frame: pd.DataFrame) -> None:
    """Create (or replace) one of this step's tables with its declared column types."""
    context.write_table(con, table, frame, SCHEMAS[table])


def imported_routes_path(config: Settings) -> Path:
    """Where imported route lines are kept: beside the database (data/routes_imported.geojson by default)."""
    return config.db_path.parent / IMPORTED_ROUTES_FILE


def load_routes(folder: Path = PLACES_DIR) -> pd.DataFrame:
    frame = read_records("routes.csv", ROUTE_COLUMNS, folder)
    bad = frame.loc[~frame["status"].isin(ROUTE_STATUSES), "route_id"].tolist()
    if bad:
        raise ConfigError(f"routes.csv: route(s) {bad} have a status other than {' or '.join(ROUTE_STATUSES)}.")
    if frame["route_id"].duplicated().any():
        raise ConfigError(f"routes.csv: duplicate route ids {frame.loc[frame['route_id'].duplicated(), 'route_id'].tolist()}.")
    return frame



def approximate_routes(gaz: Gazetteer, records: pd.DataFrame) -> pd.DataFrame:
    """Each route's approximate line and a sentence saying how it was drawn."""
    out = []
    keys = [(r.la_code, r.anchor_kind + r.anchor + r.school) for r in records.itertuples(index=False)]
    sharing = {key: keys.count(key) for key in keys}
    seen: dict[tuple[str, str], int] = {}
    for r, key in zip(records.itertuples(index=False), keys):
        index = seen.get(key, 0)
        seen[key] = index + 1
        anchor_point, anchor_text = None, ""
        if r.anchor_kind == "ward":
            ward = gaz.ward(r.anchor, r.la_code)
            anchor_point = from_wkb(ward["geometry"]).representative_point()
            anchor_text = f"the representative point of the 2024 ward '{r.anchor}'"
        elif r.anchor_kind == "ward_prefix":
            wards = gaz.wards_with_prefix(r.anchor, r.la_code)
            anchor_point = shapely.union_all(from_wkb(wards["geometry"])).representative_point()
            anchor_text = f"the representative point of the 2024 wards named '{r.anchor.strip()} ...' ({', '.join(sorted(wards['name']))})"
        elif r.anchor_kind == "msoa_hocl":
            msoa = gaz.msoa_named(r.anchor, r.la_code)
            anchor_point = from_wkb(msoa["geometry"]).representative_point()
            anchor_text = f"the representative point of the MSOA {msoa['code']}, named '{r.anchor}' by the House of Commons Library"
        elif r.anchor_kind != "school":
            raise ConfigError(f"routes.csv: unknown anchor_kind '{r.anchor_kind}' for {r.route_id}; use ward, ward_prefix, msoa_hocl or school.")
        school_point, school_text = None, ""
        if r.school:
            school = gaz.school(r.school, r.la_code)
            school_point = shapely.Point(float(school["longitude"]), float(school["latitude"]))
            school_text = f"{r.school} (GIAS URN {school['urn']})"
        if anchor_point is not None and school_point is not None:
            a, s = geom_to_bng(anchor_point), geom_to_bng(school_point)
            line = corridors.segment_line((a.x, a.y), (s.x, s.y))
            method = f"Approximate: a straight line from {anchor_text} to {school_text}; this is not the route walked."
        else:
            centre = geom_to_bng(school_point if school_point is not None else anchor_point)
            line = corridors.schematic_line((centre.x, centre.y), index, sharing[key])
            where = f"{school_text}, the school of that name in the LA (our reading of the locality '{r.locality}')" if school_point is not None else anchor_text
            method = (f"Approximate: a schematic {corridors.SCHEMATIC_LENGTH_M:.0f} m line centred on {where}"
                      + (f", drawn {abs(corridors.parallel_offset(index, sharing[key])):.0f} m to the "
                         f"{'north-west' if corridors.parallel_offset(index, sharing[key]) > 0 else 'south-east'} of it, parallel to the "
                         f"other {sharing[key] - 1} route(s) of this locality so each can be seen"
                         if corridors.parallel_offset(index, sharing[key]) else "")
                      + ". The paper names the locality only; this is not the route walked.")
        out.append({"route_id": r.route_id, "name": r.name, "la_code": r.la_code, "status": r.status, "locality": r.locality,
                    "geometry": shapely.to_wkb(geom_to_lonlat(line)), "geometry_quality": "approximate",
                    "method": method, "citation": r.citation})
    return pd.DataFrame(out, columns=ROUTE_TABLE_COLUMNS)


def apply_imported(routes: pd.DataFrame, imported: pd.DataFrame | None, source_text: str) -> pd.DataFrame:
    """Replace approximate lines with imported ones (imported: route_id, name, geometry WKB lon/lat)."""
    if imported is None or imported.empty:
        return routes
    routes = routes.copy()
    lines = imported.set_index("route_id")
    hit = routes["route_id"].isin(lines.index)
    routes.loc[hit, "geometry"] = routes.loc[hit, "route_id"].map(lines["geometry"])
    routes.loc[hit, "geometry_quality"] = "exact"
    routes.loc[hit, "method"] = f"Imported route line ({source_text})."
    return routes


def route_lsoa_rows(routes: pd.DataFrame, lsoa11: pd.DataFrame, lsoa21: pd.DataFrame) -> pd.DataFrame:
    """The LSOAs (2011 and 2021) each route line crosses, each generation's polygons parsed and indexed once
    for all routes, not once per route (England's are 33,000)."""
    indexed = {"lsoa11": corridors.polygon_index(lsoa11), "lsoa21": corridors.polygon_index(lsoa21)} if not routes.empty else {}
    rows = []
    for r in routes.itertuples(index=False):
        line = from_wkb(r.geometry)
        for level, index in indexed.items():
            rows += [{"route_id": r.route_id, "lsoa_code": c, "level": level} for c in corridors.codes_crossed(line, index)]
    return pd.DataFrame(rows, columns=["route_id", "lsoa_code", "level"])


def read_imported(path: Path, con, known: dict[str, str] | None = None) -> pd.DataFrame:
    """The stored imported lines, validated again as an upload is (the build calls this with the routes it is writing)."""
    known = known if known is not None else db.known_routes(con)
    try:
        return userfiles.read_routes(path.read_bytes(), path.name, known, from_wkb(db.partnership_outline(con)))
    except ImportFileError as exc:
        raise ImportFileError(f"{exc}\nThe stored file is {path}: fix it, or delete it to go back to the approximate lines.") from None


def build_routes(ctx: BuildContext) -> None:
    """Write the routes and route_lsoas tables (empty for a partnership without records)."""
    records = load_routes()
    records = records[records["la_code"].isin(set(ctx.area.lad_codes))].reset_index(drop=True)
    gaz = Gazetteer.of(ctx)
    routes = approximate_routes(gaz, records)
    imported_path = imported_routes_path(ctx.config)
    if imported_path.exists() and not routes.empty:
        imported = read_imported(imported_path, ctx.con, dict(zip(routes["route_id"], routes["name"])))
        routes = apply_imported(routes, imported, f"from {imported_path.name}")
        ctx.notes.append(f"{len(imported)} Step Together route line(s) imported from {imported_path.name} replace approximate ones.")
    write_table(ctx.con, "routes", routes)
    write_table(ctx.con, "route_lsoas", route_lsoa_rows(routes, gaz.lsoa11, gaz.lsoa21))
    ctx.notes.append(f"{len(routes)} Step Together routes "
                     f"({int((routes['geometry_quality'] == 'approximate').sum()) if len(routes) else 0} with approximate geometry).")
