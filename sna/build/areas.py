"""Build step: the areas of the study area (LSOAs 2011 and 2021, wards, LADs, partnership) with
names, parents, populations and geometry, plus the population weights other steps use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import BNG
from geo.boundaries import display_geometry, dissolve, read_boundaries
from sna.build import geography
from sna.build.context import BuildContext
from sna.errors import SourceError
from sna.build.readers import english_rows, require_rows, to_number
from sna.registry.studyarea import check_region_code, resolve_lad_codes

AGES_10_24 = [str(age) for age in range(10, 25)]
LEVELS = ("lsoa11", "lsoa21", "ward", "lad", "partnership", "region", "country")


def build_areas(ctx: BuildContext) -> None:
    lad_region = ctx.read_columns("lk_lad24_region", ["ltla24_code", "ltla24_name", "region24_code", "region24_name"])
    ctx.record("areas", "lk_lad24_region", len(lad_region), len(lad_region))
    ctx.area = area = resolve_lad_codes(ctx.area, dict(zip(lad_region["ltla24_code"], lad_region["ltla24_name"])))
    check_region_code(area, dict(zip(lad_region["region24_code"], lad_region["region24_name"])))

    ward_lookup = ctx.read_columns("lk_lsoa21_ward24", ["lsoa21_code", "lsoa21_name", "ward24_code", "ward24_name", "ltla24_code", "ltla24_name"])
    require_rows(ward_lookup, ctx.source_path("lk_lsoa21_ward24"), 30000)
    link = ctx.read_csv("lk_lsoa11_lsoa21", ["lsoa11_code", "lsoa11_name", "change_code", "lsoa21_code", "lsoa21_name"])
    require_rows(link, ctx.source_path("lk_lsoa11_lsoa21"), 30000)
    lsoa21 = geography.lsoa21_hierarchy(ward_lookup, lad_region)
    lsoa11 = geography.lsoa11_hierarchy(link, lsoa21)
    ctx.record("areas", "lk_lsoa21_ward24", len(ward_lookup), len(lsoa21))
    ctx.record("areas", "lk_lsoa11_lsoa21", len(link), len(lsoa11))

    sape_path = ctx.source_path("pop_sape_2020")
    sape = require_rows(ctx.read_columns("pop_sape_2020", ["lsoa11_code", "total_population", *AGES_10_24]), sape_path, 30000)
    pop_total = sape.set_index("lsoa11_code")["total_population"].astype(float)
    pop_10_24 = sape.set_index("lsoa11_code")[AGES_10_24].astype(float).sum(axis=1)
    ctx.record("areas", "pop_sape_2020", len(sape), int(english_rows(sape["lsoa11_code"]).sum()))
    f6 = ctx.read_csv("iod19_f6", ["LSOA code (2011)", "Total population: mid 2015 (excluding prisoners)"])
    iod19_pop = to_number(f6.set_index("LSOA code (2011)")["Total population: mid 2015 (excluding prisoners)"])
    ctx.record("areas", "iod19_f6", len(f6), len(f6))

    lsoa21_pop, lsoa21_pop_10_24 = geography.lsoa21_populations(link, [pop_total, pop_10_24])
    ctx.frames.update(lsoa11=lsoa11, lsoa21=lsoa21, link=link,
                      weights={"iod19_pop": iod19_pop, "pop_2020": pop_total, "pop_lsoa21": lsoa21_pop},
                      pop_total=pop_total, pop_10_24=pop_10_24, pop_lsoa21=lsoa21_pop, pop_lsoa21_10_24=lsoa21_pop_10_24)

    study11 = lsoa11[lsoa11["lad_code"].isin(area.lad_codes)].reset_index(drop=True)
    study21 = lsoa21[lsoa21["lad_code"].isin(area.lad_codes)].reset_index(drop=True)
    ctx.frames.update(study11=study11, study21=study21)
    ctx.notes.append(f"{int(study11['ward_best_fit'].sum())} of {len(study11)} LSOAs (2011) have 2021 successors in more than one "
                     "ward; they are placed in the ward holding most of their successors (best fit).")

    ctx.write("lsoa_lookup", link[link["lsoa11_code"].isin(study11["code"]) | link["lsoa21_code"].isin(study21["code"])]
              .reset_index(drop=True))
    ctx.write("lsoa_weights", lsoa_weights(ctx.frames["weights"], set(study11["code"]) | set(study21["code"])))


def build_area_boundaries(ctx: BuildContext) -> None:
    """The geometry of the areas table: the study area's LSOAs (read and repaired once; frames geo11/geo21 for
    the steps that place points) and the levels above them (wards dissolved from the LSOAs, LADs from the area's
    LAD file or dissolved, the partnership, the region and England), as the rows build_areas_table writes.

    Reads only what build_areas left in the context, so it can run in a second process (sna.build.parallel).
    The files are read and the levels worked out in threads: GEOS and PROJ release the GIL, so the step also
    uses a core the rest of the build leaves idle (England: seconds of unions and simplification)."""
    area = ctx.area
    study11, study21 = ctx.frames["study11"], ctx.frames["study21"]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        reads = {level: pool.submit(study_geometry, ctx.source_path(area.boundaries[level]), level, study["code"])
                 for level, study in (("lsoa11", study11), ("lsoa21", study21)) if level in area.boundaries}
        lad_file = (pool.submit(lad_boundaries, ctx.source_path(area.boundaries["lad"]), area.key, tuple(area.lad_codes))
                    if "lad" in area.boundaries else None)
        geo = {}
        for level, read in reads.items():  # in this order, so that the first file that fails is the one named
            geo[level] = read.result()
            ctx.record("areas", area.boundaries[level], len(geo[level]), len(geo[level]))
        geo11, geo21 = geo["lsoa11"], geo.get("lsoa21")
        wards = pool.submit(_ward_rows, ctx, geo21.merge(study21[["code", "ward_code"]], on="code") if geo21 is not None
                            else geo11.merge(study11[["code", "ward_code"]], on="code"))
        if lad_file is not None:
            lads = lad_file.result()
            ctx.record("areas", area.boundaries["lad"], len(lads), len(lads))
            lad_rows = pool.submit(_lad_rows, ctx, lads)
        else:
            lad_rows = pool.submit(_lad_rows, ctx, None, geo11.merge(study11[["code", "lad_code"]], on="code")[["lad_code", "geometry"]])
        lsoa_rows = _lsoa_levels(ctx, pool, geo11, geo21)
        rows = [*(r.result() for r in lsoa_rows), wards.result(), *lad_rows.result(), *_benchmark_rows(ctx)]
    ctx.frames.update(geo11=geo11, geo21=geo21, area_rows=rows)  # geo21: real 2021 boundaries only (points are assigned to them)


THREADS = 2  # the build's two processes each keep about one core busy; the boundaries take the idle one where there is


def _lsoa_levels(ctx: BuildContext, pool: ThreadPoolExecutor, geo11: gpd.GeoDataFrame, geo21: gpd.GeoDataFrame | None) -> list:
    """Futures of the LSOA 2011 and 2021 rows; without a 2021 boundary file, 2021 LSOAs are drawn with 2011 shapes."""
    study11, study21 = ctx.frames["study11"], ctx.frames["study21"]
    shapes21 = geo21.assign(shape=SHAPE_BOUNDARY) if geo21 is not None else lsoa21_shapes_from_2011(ctx.frames["link"], geo11, study21)
    if geo21 is None:
        counts = shapes21["shape"].value_counts()
        ctx.notes.append("No LSOA 2021 boundary file for this study area: 2021 LSOAs are drawn with 2011 shapes through the "
                         "ONS LSOA 2011 to 2021 lookup (" + ", ".join(f"{n:,} {k}" for k, n in counts.items()) + ").")
    bng11 = geo11.geometry.to_crs(BNG).values  # projected once: 2021 LSOAs drawn with a 2011 shape reuse it
    bng21 = None
    if geo21 is None:
        bng21 = np.full(len(shapes21), None, dtype=object)
        reused = shapes21.pop("from11").to_numpy()
        bng21[reused >= 0] = np.asarray(bng11, dtype=object)[reused[reused >= 0]]
    return [pool.submit(_lsoa_rows, study11, geo11.assign(shape="2011 boundary"), "lsoa11", ctx.frames["pop_total"], ctx.frames["pop_10_24"], bng11),
            pool.submit(_lsoa_rows, study21, shapes21, "lsoa21", ctx.frames["pop_lsoa21"], ctx.frames["pop_lsoa21_10_24"], bng21)]


def _ward_rows(ctx: BuildContext, members: gpd.GeoDataFrame) -> pd.DataFrame:
    """The wards' rows, dissolved from their LSOAs."""
    wards = dissolve(members[["ward_code", "geometry"]], by="ward_code").rename(columns={"ward_code": "code"})
    return _parent_rows(ctx.frames["study11"], wards, "ward", "ward_code", "ward_name", ctx.frames["pop_total"], ctx.frames["pop_10_24"])


def _lad_rows(ctx: BuildContext, lads: gpd.GeoDataFrame | None, members: gpd.GeoDataFrame | None = None) -> list[pd.DataFrame]:
    """The LADs' rows (from the LAD file, else dissolved from their LSOAs) and the partnership's, their union."""
    if lads is None:
        lads = dissolve(members, by="lad_code").rename(columns={"lad_code": "code"})
    area, study11, pop_total, pop_10_24 = ctx.area, ctx.frames["study11"], ctx.frames["pop_total"], ctx.frames["pop_10_24"]
    partnership = gpd.GeoDataFrame({"code": [area.key], "geometry": [shapely.union_all(lads.geometry.values)]}, crs=lads.crs)
    return [_parent_rows(study11, lads[["code", "geometry"]], "lad", "lad_code", "lad_name", pop_total, pop_10_24),
            _parent_rows(study11.assign(p=area.key, pn=area.short_name), partnership, "partnership", "p", "pn", pop_total, pop_10_24)]


def _benchmark_rows(ctx: BuildContext) -> list[pd.DataFrame]:
    """The region's and England's rows (no geometry)."""
    area, lsoa11, pop_total, pop_10_24 = ctx.area, ctx.frames["lsoa11"], ctx.frames["pop_total"], ctx.frames["pop_10_24"]
    rows = []
    if area.region_code:
        region = lsoa11[lsoa11["region_code"] == area.region_code]
        rows.append(_parent_rows(region, None, "region", "region_code", "region_name", pop_total, pop_10_24))
    england = lsoa11.assign(c=geography.ENGLAND_CODE, n="England")
    rows.append(_parent_rows(england, None, "country", "c", "n", pop_total, pop_10_24))
    return rows


def build_areas_table(ctx: BuildContext) -> None:
    """Table areas: every level's codes, names, parents, populations, geometry and display geometry, from
    the rows of the boundaries step."""
    areas = pd.concat(ctx.frames.pop("area_rows"), ignore_index=True)
    areas["in_study"] = ~areas["level"].isin(["region", "country"])
    ctx.write("areas", areas)


def lsoa_weights(weights: dict[str, pd.Series], codes: set[str]) -> pd.DataFrame:
    """weight name, LSOA code, weight: the registry's weights for the study LSOAs, so that any set of
    LSOAs (a user's custom area) can be aggregated later with the same rules as wards and LAs."""
    frames = [pd.DataFrame({"weight": name, "code": series.index.astype(str), "value": series.to_numpy(dtype=float)})
              for name, series in weights.items()]
    frame = pd.concat(frames, ignore_index=True)
    return frame[frame["code"].isin(codes)].reset_index(drop=True)


# How a 2021 LSOA is drawn (areas.shape). Without a 2021 boundary file, the ONS lookup's change code says
# how a 2021 LSOA relates to 2011 ones: U unchanged, M merged (union of 2011 shapes: exact), S split (the
# 2011 shape is shared by its 2021 parts: they cannot be told apart on the map), X irregular (approximate).
SHAPE_BOUNDARY = "2021 boundary"
SHAPE_FROM_2011 = {"U": "2011 shape (unchanged)", "M": "2011 shapes merged", "S": "2011 shape (split)",
                   "X": "2011 shapes (irregular change, approximate)"}


def lsoa21_shapes_from_2011(link: pd.DataFrame, geo11: gpd.GeoDataFrame, study21: pd.DataFrame) -> gpd.GeoDataFrame:
    """code, geometry, shape for the study area's 2021 LSOAs, drawn from their 2011 predecessors' shapes.

    Unchanged and merged LSOAs are exact; split ones share their 2011 parent's shape (flagged so maps
    grey them and say so); irregular changes are the union of the 2011 shapes they draw on (approximate)."""
    rows = link[link["lsoa21_code"].isin(study21["code"])][["lsoa11_code", "lsoa21_code", "change_code"]]
    shapes = rows.merge(geo11[["code", "geometry"]], left_on="lsoa11_code", right_on="code", how="inner")
    # grouped by 2021 code over one sorted array (pandas' groupby collecting lists of shapes took over a second for England)
    group, codes = pd.factorize(shapes["lsoa21_code"].to_numpy(), sort=True)
    order = np.argsort(group, kind="stable")  # each group keeps the merge's order, as groupby does
    bounds = np.searchsorted(group[order], np.arange(len(codes) + 1))
    geoms = np.asarray(shapes["geometry"].to_numpy(), dtype=object)[order]
    change = pd.Series(shapes["change_code"].to_numpy()[order]).groupby(group[order], sort=True).first().to_numpy()  # first not missing
    geometry = [geoms[a] if b - a == 1 else shapely.union_all(geoms[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    # from11: the geo11 row whose shape a 2021 LSOA is drawn with unchanged (-1: a union), so its projection is reused
    row11 = pd.Index(geo11["code"]).get_indexer(shapes["lsoa11_code"].to_numpy()[order][bounds[:-1]])
    from11 = np.where(np.diff(bounds) == 1, row11, -1)
    return gpd.GeoDataFrame({"code": np.asarray(codes, dtype=object), "shape": pd.Series(change).map(SHAPE_FROM_2011).fillna("2011 shapes").to_numpy(),
                             "from11": from11}, geometry=geometry, crs=geo11.crs)


def lad_boundaries(path, area_key: str, lad_codes: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The study area's LADs from its LAD boundary file; SourceError unless it holds every one."""
    lads = read_boundaries(path, set(lad_codes))
    if len(lads) != len(lad_codes):
        raise SourceError(f"{path} holds {len(lads)} of the {len(lad_codes)} LADs of '{area_key}'. Use a boundary file that covers them.")
    return lads


def study_geometry(path, level: str, codes: pd.Series) -> gpd.GeoDataFrame:
    """The study area's LSOAs of one generation from a boundary file; SourceError naming any it lacks."""
    frame = read_boundaries(path, set(codes))
    missing = sorted(set(codes) - set(frame["code"]))
    if missing:
        raise SourceError(f"{path} lacks {len(missing)} of the study area's {level.upper()}s (e.g. {missing[:3]}). "
                          "Use a boundary file that covers every LAD of the study area.")
    return frame


def _geometry_columns(frame: gpd.GeoDataFrame | None, codes: pd.Series, projected: np.ndarray | None = None) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame({"code": codes, "lon": np.nan, "lat": np.nan, "geometry": None, "display": None, "shape": None})
    points = frame.geometry.representative_point()
    shape = frame["shape"].to_numpy() if "shape" in frame else None
    return pd.DataFrame({"code": frame["code"], "lon": points.x, "lat": points.y,
                         "geometry": shapely.to_wkb(frame.geometry.values),
                         "display": shapely.to_wkb(display_geometry(frame, projected=projected).values), "shape": shape})


def _lsoa_rows(study: pd.DataFrame, geo: gpd.GeoDataFrame | None, level: str, pop: pd.Series, pop_young: pd.Series,
               projected: np.ndarray | None = None) -> pd.DataFrame:
    base = study.assign(level=level, pop_total=study["code"].map(pop), pop_10_24=study["code"].map(pop_young))
    base = base[["code", "name", "level", "ward_code", "lad_code", "region_code", "pop_total", "pop_10_24"]]
    return base.merge(_geometry_columns(geo, study["code"], projected), on="code", how="left")


def _parent_rows(members: pd.DataFrame, geo: gpd.GeoDataFrame | None, level: str, code_col: str, name_col: str,
                 pop: pd.Series, pop_young: pd.Series) -> pd.DataFrame:
    grouped = members.assign(pt=members["code"].map(pop), py=members["code"].map(pop_young))
    out = grouped.groupby(code_col, as_index=False).agg(name=(name_col, "first"), pop_total=("pt", "sum"), pop_10_24=("py", "sum"),
                                                       lad_code=("lad_code", "first"), region_code=("region_code", "first"))
    out = out.rename(columns={code_col: "code"}).assign(level=level)
    out["ward_code"] = out["code"] if level == "ward" else None
    if level not in ("ward", "lsoa11", "lsoa21"):
        out["lad_code"] = out["code"] if level == "lad" else None
    if level in ("region", "country"):
        out["region_code"] = out["code"] if level == "region" else None
    geo_cols = _geometry_columns(geo, out["code"]) if geo is not None else _geometry_columns(None, out["code"])
    return out.merge(geo_cols, on="code", how="left")[
        ["code", "name", "level", "ward_code", "lad_code", "region_code", "pop_total", "pop_10_24", "lon", "lat", "geometry", "display", "shape"]]


def parents_of(ctx: BuildContext, geography_level: str) -> list[tuple[str, pd.Series]]:
    """For an LSOA generation, (level, LSOA code -> parent code) for every aggregate level.

    Ward, LAD and partnership use the study area's LSOAs; region and England use every LSOA."""
    frame = ctx.frames["lsoa11" if geography_level == "lsoa11" else "lsoa21"]
    study = frame[frame["lad_code"].isin(ctx.area.lad_codes)]
    region = frame[frame["region_code"] == ctx.area.region_code]
    levels = [
        ("ward", study.set_index("code")["ward_code"]),
        ("lad", study.set_index("code")["lad_code"]),
        ("partnership", pd.Series(ctx.area.key, index=study["code"])),
        ("region", region.set_index("code")["region_code"]),
        ("country", pd.Series(geography.ENGLAND_CODE, index=frame["code"])),
    ]
    return [(level, parents) for level, parents in levels if len(parents)]
