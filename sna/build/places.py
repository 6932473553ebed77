"""Build step: the VRU's place-based impact areas (data/places/places.csv) and the interventions'
reach (interventions.csv), each record citing the paper and paragraph it comes from. Writes:

- places (place_id, name, la_code, status, focus, narrative, extent_kind, extent, extent_note,
  extent_quality, citation, lon, lat, geometry WKB, display WKB)
- place_areas (place_id, area_code, level): the wards, LSOAs or LA that make up each place
- place_lsoas (place_id, lsoa_code, level lsoa11|lsoa21): the LSOAs used for its figures
- place_values (place_id, indicator_id, period, value, numerator, denominator, lsoas)
- interventions (the reach table of the annex paper, with its citation)

The papers name localities, not boundaries: every extent says how it was drawn and whether it is
exact or approximate.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely

from geo import from_wkb
from geo.points import geom_to_bng, geom_to_lonlat
from sna.analysis import corridors
from sna.build import context
from sna.build.context import BuildContext
from sna.build.gazetteer import Gazetteer, neighbourhood_names, read_records
from sna.config import PLACES_DIR
from sna.errors import ConfigError
from sna.registry import indicators as registry

PLACE_COLUMNS = ["place_id", "name", "la_code", "status", "focus", "narrative", "extent_kind", "extent", "extent_quality",
                 "extent_note", "citation"]
QUALITIES = ("exact", "approximate")
INTERVENTION_COLUMNS = ["study_area", "intervention", "reach_24_and_under", "reach_25_and_over", "period", "citation"]

V, D, B = "VARCHAR", "DOUBLE", "BLOB"
SCHEMAS: dict[str, dict[str, str]] = {  # column types, so that tables are typed even when empty (another partnership)
    "places": {**{c: V for c in PLACE_COLUMNS}, "lon": D, "lat": D, "geometry": B, "display": B},
    "place_areas": {"place_id": V, "area_code": V, "level": V},
    "place_lsoas": {"place_id": V, "lsoa_code": V, "level": V},
    "place_values": {"place_id": V, "indicator_id": V, "period": V, "value": D, "numerator": D, "denominator": D, "lsoas": "INTEGER"},
    "neighbourhood_names": {"name": V, "lsoa11_code": V},
    "interventions": {"study_area": V, "intervention": V, "reach_24_and_under": "INTEGER", "reach_25_and_over": "INTEGER", "period": V, "citation": V},
}


def write_table(con, table: str, frame: pd.DataFrame) -> None:
    """Create (or replace) one of this step's tables with its declared column types."""
    context.write_table(con, table, frame, SCHEMAS[table])


def load_places(folder: Path = PLACES_DIR) -> pd.DataFrame:
    frame = read_records("places.csv", PLACE_COLUMNS, folder)
    bad = frame.loc[~frame["extent_quality"].isin(QUALITIES), "place_id"].tolist()
    if bad:
        raise ConfigError(f"places.csv: place(s) {bad} need extent_quality 'exact' (only if the paper defines the extent) or 'approximate'.")
    return frame


def load_interventions(folder: Path = PLACES_DIR) -> pd.DataFrame:
    frame = read_records("interventions.csv", INTERVENTION_COLUMNS, folder)
    return frame.astype({"reach_24_and_under": int, "reach_25_and_over": int})



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



def build_places(ctx: BuildContext) -> None:
    """Write the places, place values and interventions tables (empty for a partnership without records)."""
    place_records = load_places()
    place_records = place_records[place_records["la_code"].isin(set(ctx.area.lad_codes))].reset_index(drop=True)
    gaz = Gazetteer.of(ctx)
    places, place_areas, place_lsoas = build_place_tables(ctx, gaz, place_records)
    write_table(ctx.con, "places", places)
    write_table(ctx.con, "place_areas", place_areas)
    write_table(ctx.con, "place_lsoas", place_lsoas)

    keys = {k.id for k in corridors.KEY_INDICATORS}
    catalogue = pd.DataFrame([{"id": i.id, "geography": i.geography, "aggregation": i.aggregation, "weight": i.weight,
                               "multiplier": i.multiplier} for i in registry.catalogue().values() if i.id in keys])
    values = _lsoa_values(ctx, set(catalogue["id"]) if not catalogue.empty else set())
    write_table(ctx.con, "place_values", corridors.place_values(values, place_lsoas, catalogue, ctx.frames.get("weights", {})))
    write_table(ctx.con, "neighbourhood_names", neighbourhood_names(gaz))
    interventions = load_interventions()
    write_table(ctx.con, "interventions", interventions[interventions["study_area"] == ctx.area.key].reset_index(drop=True))
    ctx.notes.append(f"{len(places)} impact areas.")
