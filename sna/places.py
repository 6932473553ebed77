"""Build step: the VRU's place-based impact areas and the Step Together routes.

Reads the project-authored, cited records in data/places/ (places.csv, routes.csv,
interventions.csv; see data/places/README.md) and writes:

- places (place_id, name, la_code, status, focus, narrative, extent_kind, extent, extent_note,
  extent_quality, citation, lon, lat, geometry WKB, display WKB)
- place_areas (place_id, area_code, level): the wards, LSOAs or LA that make up each place
- place_lsoas (place_id, lsoa_code, level lsoa11|lsoa21): the LSOAs used for its figures
- place_values (place_id, indicator_id, period, value, numerator, denominator, lsoas)
- routes (route_id, name, la_code, status, locality, geometry WKB, geometry_quality, method, citation)
- route_lsoas (route_id, lsoa_code, level)
- interventions (the reach table of the annex paper, with its citation)

The papers give localities, not lines: each route gets an approximate line built from its
locality (see sna.corridors) unless a real line has been imported with `python -m sna
import-routes FILE`; imported lines live in routes_imported.geojson beside the database
(git-ignored, third-party data) and replace the approximate ones on every build.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely

from geo import from_wkb
from geo.points import geom_to_bng, geom_to_lonlat
from sna import corridors
from sna.config import PLACES_DIR, Settings
from sna import context
from sna.context import BuildContext
from sna.errors import ConfigError
from sna.readers import read_csv

PLACE_COLUMNS = ["place_id", "name", "la_code", "status", "focus", "narrative", "extent_kind", "extent", "extent_quality",
                 "extent_note", "citation"]
QUALITIES = ("exact", "approximate")
ROUTE_COLUMNS = ["route_id", "name", "la_code", "status", "locality", "anchor_kind", "anchor", "school", "citation"]
INTERVENTION_COLUMNS = ["study_area", "intervention", "reach_24_and_under", "reach_25_and_over", "period", "citation"]
ROUTE_STATUSES = ("live", "in development")
IMPORTED_ROUTES_FILE = "routes_imported.geojson"
ROUTE_TABLE_COLUMNS = ["route_id", "name", "la_code", "status", "locality", "geometry", "geometry_quality", "method", "citation"]


V, D, B = "VARCHAR", "DOUBLE", "BLOB"
SCHEMAS: dict[str, dict[str, str]] = {  # column types, so that tables are typed even when empty (another partnership)
    "places": {**{c: V for c in PLACE_COLUMNS}, "lon": D, "lat": D, "geometry": B, "display": B},
    "place_areas": {"place_id": V, "area_code": V, "level": V},
    "place_lsoas": {"place_id": V, "lsoa_code": V, "level": V},
    "place_values": {"place_id": V, "indicator_id": V, "period": V, "value": D, "numerator": D, "denominator": D, "lsoas": "INTEGER"},
    "routes": {**{c: V for c in ROUTE_TABLE_COLUMNS}, "geometry": B},
    "route_lsoas": {"route_id": V, "lsoa_code": V, "level": V},
    "interventions": {"study_area": V, "intervention": V, "reach_24_and_under": "INTEGER", "reach_25_and_over": "INTEGER", "period": V, "citation": V},
}


def write_table(con, table: str, frame: pd.DataFrame) -> None:
    """Create (or replace) one of this step's tables with its declared column types."""
    context.write_table(con, table, frame, SCHEMAS[table])


def imported_routes_path(config: Settings) -> Path:
    """Where imported route lines are kept: beside the database (data/routes_imported.geojson by default)."""
    return config.db_path.parent / IMPORTED_ROUTES_FILE


def read_records(name: str, columns: list[str], folder: Path = PLACES_DIR) -> pd.DataFrame:
    """A project-authored CSV in data/places, checked for its columns and a citation on every row."""
    path = folder / name
    if not path.exists():
        raise ConfigError(f"Missing {path}: it is part of the repository; restore it from git.")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{path} lacks column(s) {', '.join(missing)}; expected {', '.join(columns)}.")
    uncited = frame.index[frame["citation"].str.strip() == ""].tolist()
    if uncited:
        raise ConfigError(f"{path}: rows {uncited} have no citation; every record must cite its paper and paragraph.")
    return frame[columns]


def load_places(folder: Path = PLACES_DIR) -> pd.DataFrame:
    frame = read_records("places.csv", PLACE_COLUMNS, folder)
    bad = frame.loc[~frame["extent_quality"].isin(QUALITIES), "place_id"].tolist()
    if bad:
        raise ConfigError(f"places.csv: place(s) {bad} need extent_quality 'exact' (only if the paper defines the extent) or 'approximate'.")
    return frame


def load_routes(folder: Path = PLACES_DIR) -> pd.DataFrame:
    frame = read_records("routes.csv", ROUTE_COLUMNS, folder)
    bad = frame.loc[~frame["status"].isin(ROUTE_STATUSES), "route_id"].tolist()
    if bad:
        raise ConfigError(f"routes.csv: route(s) {bad} have a status other than {' or '.join(ROUTE_STATUSES)}.")
    if frame["route_id"].duplicated().any():
        raise ConfigError(f"routes.csv: duplicate route ids {frame.loc[frame['route_id'].duplicated(), 'route_id'].tolist()}.")
    return frame


def load_interventions(folder: Path = PLACES_DIR) -> pd.DataFrame:
    frame = read_records("interventions.csv", INTERVENTION_COLUMNS, folder)
    return frame.astype({"reach_24_and_under": int, "reach_25_and_over": int})


# --- resolving named localities against the official data ---------------------------------

class Gazetteer:
    """Named areas the records refer to: 2024 wards, House of Commons Library MSOA names, GIAS schools."""

    def __init__(self, ctx: BuildContext):
        self.ctx = ctx
        self.wards = ctx.con.execute("SELECT code, name, lad_code, geometry FROM areas WHERE level = 'ward'").df()
        self.lsoa11 = ctx.con.execute("SELECT code, ward_code, lad_code, geometry FROM areas WHERE level = 'lsoa11'").df()
        self.lsoa21 = ctx.con.execute("SELECT code, ward_code, lad_code, geometry FROM areas WHERE level = 'lsoa21'").df()
        self._msoa: pd.DataFrame | None = None
        self._msoa_lsoa: pd.DataFrame | None = None
        self._schools: pd.DataFrame | None = None

    def ward(self, name: str, lad_code: str) -> pd.Series:
        hit = self.wards[(self.wards["name"] == name) & (self.wards["lad_code"] == lad_code)]
        if len(hit) != 1:
            raise ConfigError(f"No single 2024 ward named '{name}' in {lad_code} (found {len(hit)}); fix data/places.")
        return hit.iloc[0]

    def wards_with_prefix(self, prefix: str, lad_code: str) -> pd.DataFrame:
        hit = self.wards[self.wards["name"].str.startswith(prefix) & (self.wards["lad_code"] == lad_code)]
        if hit.empty:
            raise ConfigError(f"No 2024 ward in {lad_code} has a name starting '{prefix}'; fix data/places.")
        return hit

    @property
    def msoa(self) -> pd.DataFrame:
        if self._msoa is None:
            import geopandas as gpd

            path = self.ctx.source_path("bnd_msoa11_wm7")
            frame = gpd.read_file(path)
            self.ctx.record("impact areas and routes", "bnd_msoa11_wm7", len(frame), len(frame))
            self._msoa = pd.DataFrame({"code": frame["MSOA11CD"], "name": frame["msoa11hclnm"],
                                       "la_name": frame["Laname"], "geometry": shapely.to_wkb(frame.geometry.to_crs("EPSG:4326").values)})
        return self._msoa

    def msoa_named(self, name: str, lad_code: str) -> pd.Series:
        la_name = self.ctx.con.execute("SELECT name FROM areas WHERE level = 'lad' AND code = ?", [lad_code]).fetchone()
        hit = self.msoa[(self.msoa["name"] == name) & (self.msoa["la_name"] == (la_name[0] if la_name else None))]
        if len(hit) != 1:
            raise ConfigError(f"No single MSOA named '{name}' (House of Commons Library names) in {lad_code}; fix data/places.")
        return hit.iloc[0]

    def msoa_lsoas(self, msoa_code: str) -> list[str]:
        if self._msoa_lsoa is None:
            path = self.ctx.source_path("lk_lsoa11_msoa11")
            self._msoa_lsoa = read_csv(path, ["lsoa11_code", "msoa11_code"])
            self.ctx.record("impact areas and routes", "lk_lsoa11_msoa11", len(self._msoa_lsoa), len(self._msoa_lsoa))
        return sorted(self._msoa_lsoa.loc[self._msoa_lsoa["msoa11_code"] == msoa_code, "lsoa11_code"])

    def school(self, name: str, lad_code: str) -> pd.Series:
        if self._schools is None:
            path = self.ctx.source_path("sch_gias_2025")
            frame = read_csv(path, ["urn", "establishment_name", "la_name", "longitude", "latitude"])
            self.ctx.record("impact areas and routes", "sch_gias_2025", len(frame), len(frame))
            self._schools = frame
        la_name = self.ctx.con.execute("SELECT name FROM areas WHERE level = 'lad' AND code = ?", [lad_code]).fetchone()
        hit = self._schools[(self._schools["establishment_name"] == name) & (self._schools["la_name"] == (la_name[0] if la_name else None))]
        if len(hit) != 1:
            raise ConfigError(f"No single open establishment named '{name}' in {lad_code} in GIAS; fix data/places.")
        return hit.iloc[0]

    def ward_containing(self, lon: float, lat: float, lad_code: str) -> pd.Series:
        wards = self.wards[self.wards["lad_code"] == lad_code]
        point = shapely.Point(lon, lat)
        inside = [i for i, g in zip(wards.index, from_wkb(wards["geometry"])) if g.covers(point)]
        if not inside:
            raise ConfigError(f"No 2024 ward of {lad_code} contains ({lon:.5f}, {lat:.5f}); fix data/places.")
        return wards.loc[inside[0]]


def _link(ctx: BuildContext) -> pd.DataFrame:
    link = ctx.frames.get("link")
    if link is None:
        link = ctx.con.execute("SELECT lsoa11_code, lsoa21_code FROM lsoa_lookup").df()
    return link


def _lsoa_values(ctx: BuildContext, ids: set[str]) -> pd.DataFrame:
    frames = [v[v["indicator_id"].isin(ids) & v["level"].isin(["lsoa11", "lsoa21"])] for v in ctx.values]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "area_code", "level", "period", "value", "numerator", "denominator"])
    return pd.concat(frames, ignore_index=True)


def place_extent(ctx: BuildContext, gaz: Gazetteer, place: pd.Series) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(place_areas rows, LSOA 2011 codes, LSOA 2021 codes) for one place record."""
    kind, extent, lad = place["extent_kind"], place["extent"], place["la_code"]
    if kind == "ward":
        ward = gaz.ward(extent, lad)
        areas = pd.DataFrame({"area_code": [ward["code"]], "level": "ward"})
        l11 = gaz.lsoa11.loc[gaz.lsoa11["ward_code"] == ward["code"], "code"].tolist()
        l21 = gaz.lsoa21.loc[gaz.lsoa21["ward_code"] == ward["code"], "code"].tolist()
        return areas, l11, l21
    if kind == "school_ward":
        school = gaz.school(extent, lad)
        ward = gaz.ward_containing(float(school["longitude"]), float(school["latitude"]), lad)
        return place_extent(ctx, gaz, pd.Series({**place.to_dict(), "extent_kind": "ward", "extent": ward["name"]}))
    if kind == "lad":
        areas = pd.DataFrame({"area_code": [extent], "level": "lad"})
        return areas, gaz.lsoa11.loc[gaz.lsoa11["lad_code"] == extent, "code"].tolist(), gaz.lsoa21.loc[gaz.lsoa21["lad_code"] == extent, "code"].tolist()
    if kind == "msoa_hocl":
        l11 = [c for c in gaz.msoa_lsoas(gaz.msoa_named(extent, lad)["code"]) if c in set(gaz.lsoa11["code"])]
    elif kind == "rule":
        l11 = _rule_lsoas(ctx, gaz, extent, lad)
    else:
        raise ConfigError(f"places.csv: unknown extent_kind '{kind}' for {place['place_id']}; use ward, school_ward, lad, msoa_hocl or rule.")
    link = _link(ctx)
    l21 = sorted(set(link.loc[link["lsoa11_code"].isin(l11), "lsoa21_code"]) & set(gaz.lsoa21["code"]))
    return pd.DataFrame({"area_code": l11, "level": "lsoa11"}), l11, l21


def _rule_lsoas(ctx: BuildContext, gaz: Gazetteer, rule: str, lad_code: str) -> list[str]:
    """LSOAs (2011) of the LA meeting every 'indicator_id=value' condition of the rule."""
    conditions = [part.split("=") for part in rule.split(";") if part]
    codes = set(gaz.lsoa11.loc[gaz.lsoa11["lad_code"] == lad_code, "code"])
    values = _lsoa_values(ctx, {c[0] for c in conditions})
    for indicator_id, wanted in conditions:
        rows = values[(values["indicator_id"] == indicator_id) & (values["level"] == "lsoa11")]
        if rows.empty:
            raise ConfigError(f"places.csv rule uses '{indicator_id}', which the build does not hold at LSOA 2011 level.")
        codes &= set(rows.loc[rows["value"] == float(wanted), "area_code"])
    return sorted(codes)


def _union_geometry(frame: pd.DataFrame, codes: list[str]):
    """The outline of a set of LSOAs: their union without interior rings (generalised boundaries leave
    sliver gaps between neighbours, which would otherwise draw as hundreds of tiny holes)."""
    geoms = from_wkb(frame.loc[frame["code"].isin(codes), "geometry"])
    if not len(geoms):
        return None
    # Close the sliver gaps between generalised neighbours (20 m, in British National Grid metres).
    union = geom_to_lonlat(geom_to_bng(shapely.union_all(geoms)).buffer(20).buffer(-20))
    parts = list(union.geoms) if union.geom_type == "MultiPolygon" else [union]
    return shapely.MultiPolygon([shapely.Polygon(p.exterior) for p in parts]) if len(parts) > 1 else shapely.Polygon(parts[0].exterior)


def build_place_tables(ctx: BuildContext, gaz: Gazetteer, records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows, area_rows, lsoa_rows = [], [], []
    for place in records.itertuples(index=False):
        series = pd.Series(place._asdict())
        areas, l11, l21 = place_extent(ctx, gaz, series)
        if not l11:
            raise ConfigError(f"Place '{place.place_id}' resolves to no LSOAs: check its extent in data/places/places.csv.")
        geom = _union_geometry(gaz.lsoa11, l11)
        point = geom.representative_point()
        display = shapely.simplify(geom, 0.0002, preserve_topology=True)
        rows.append({**series.to_dict(), "lon": point.x, "lat": point.y,
                     "geometry": shapely.to_wkb(geom), "display": shapely.to_wkb(display)})
        area_rows.append(areas.assign(place_id=place.place_id))
        lsoa_rows += [{"place_id": place.place_id, "lsoa_code": c, "level": "lsoa11"} for c in l11]
        lsoa_rows += [{"place_id": place.place_id, "lsoa_code": c, "level": "lsoa21"} for c in l21]
    places = pd.DataFrame(rows, columns=[*PLACE_COLUMNS, "lon", "lat", "geometry", "display"])
    place_areas = (pd.concat(area_rows, ignore_index=True) if area_rows else pd.DataFrame(columns=["place_id", "area_code", "level"]))
    return places, place_areas[["place_id", "area_code", "level"]], pd.DataFrame(lsoa_rows, columns=["place_id", "lsoa_code", "level"])


# --- routes ----------------------------------------------------------------------------------

def approximate_routes(gaz: Gazetteer, records: pd.DataFrame) -> pd.DataFrame:
    """Each route's approximate line and a sentence saying how it was drawn."""
    out = []
    seen: dict[tuple[str, str], int] = {}
    for r in records.itertuples(index=False):
        key = (r.la_code, r.anchor_kind + r.anchor + r.school)
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
            line = corridors.schematic_line((centre.x, centre.y), index)
            where = f"{school_text}, the school of that name in the LA (our reading of the locality '{r.locality}')" if school_point is not None else anchor_text
            method = (f"Approximate: a schematic {corridors.SCHEMATIC_LENGTH_M:.0f} m line centred on {where}"
                      + (f", turned {index * corridors.ROTATION_STEP_DEG:.0f} degrees to keep routes sharing a locality apart" if index else "")
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
    """The LSOAs (2011 and 2021) each route line crosses."""
    rows = []
    for r in routes.itertuples(index=False):
        line = from_wkb(r.geometry)
        rows += [{"route_id": r.route_id, "lsoa_code": c, "level": "lsoa11"} for c in corridors.codes_crossed(line, lsoa11)]
        rows += [{"route_id": r.route_id, "lsoa_code": c, "level": "lsoa21"} for c in corridors.codes_crossed(line, lsoa21)]
    return pd.DataFrame(rows, columns=["route_id", "lsoa_code", "level"])


def build_places(ctx: BuildContext) -> None:
    """Write the places, routes and interventions tables (empty for a partnership without records)."""
    lads = set(ctx.area.lad_codes)
    place_records = load_places()
    route_records = load_routes()
    place_records = place_records[place_records["la_code"].isin(lads)].reset_index(drop=True)
    route_records = route_records[route_records["la_code"].isin(lads)].reset_index(drop=True)
    gaz = Gazetteer(ctx)

    places, place_areas, place_lsoas = build_place_tables(ctx, gaz, place_records)
    write_table(ctx.con, "places", places)
    write_table(ctx.con, "place_areas", place_areas)
    write_table(ctx.con, "place_lsoas", place_lsoas)

    catalogue = pd.DataFrame([{"id": i.id, "geography": i.geography, "aggregation": i.aggregation, "weight": i.weight,
                               "multiplier": i.multiplier} for i in _catalogue_items({k.id for k in corridors.KEY_INDICATORS})])
    values = _lsoa_values(ctx, set(catalogue["id"]) if not catalogue.empty else set())
    write_table(ctx.con, "place_values", corridors.place_values(values, place_lsoas, catalogue, ctx.frames.get("weights", {})))

    routes = approximate_routes(gaz, route_records)
    from sna.routes_import import read_imported  # the import module validates the stored file the same way as an upload

    imported_path = imported_routes_path(ctx.config)
    if imported_path.exists() and not routes.empty:
        imported = read_imported(imported_path, ctx.con, dict(zip(routes["route_id"], routes["name"])))
        routes = apply_imported(routes, imported, f"from {imported_path.name}")
        ctx.notes.append(f"{len(imported)} Step Together route line(s) imported from {imported_path.name} replace approximate ones.")
    write_table(ctx.con, "routes", routes)
    write_table(ctx.con, "route_lsoas", route_lsoa_rows(routes, gaz.lsoa11, gaz.lsoa21))
    interventions = load_interventions()
    write_table(ctx.con, "interventions", interventions[interventions["study_area"] == ctx.area.key].reset_index(drop=True))
    ctx.notes.append(f"{len(places)} impact areas and {len(routes)} Step Together routes "
                     f"({int((routes['geometry_quality'] == 'approximate').sum()) if len(routes) else 0} with approximate geometry).")


def _catalogue_items(ids: set[str]):
    from sna import indicators as registry

    return [ind for ind in registry.catalogue().values() if ind.id in ids]
