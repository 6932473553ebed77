"""police.uk street-level crime: two official formats into one table, points into LSOAs.

The monthly CSV archive ("Crime ID, Month, ..., LSOA code, Crime type") carries LSOA 2011 codes;
the API output ("month, category, latitude, longitude, ...") carries category slugs and no LSOA,
so its points are assigned to 2011 LSOAs by geometry. Anti-social behaviour is kept apart from crime.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from geo.points import assign_to_polygons
from sna.registry import indicators as registry
from sna.analysis.aggregate import VALUE_COLUMNS
from sna.config import REGISTRY_DIR
from sna.build.context import BuildContext
from sna.errors import SourceError
from sna.build.lsoa_indicators import expand_many
from sna.build.readers import read_csv

ASB = "Anti-social behaviour"
CSV_COLUMNS = ["Crime ID", "Month", "Longitude", "Latitude", "Location", "LSOA code", "Crime type", "Last outcome category"]
API_COLUMNS = ["month", "category", "latitude", "longitude", "street_name", "crime_api_id", "outcome_category"]
CRIME_COLUMNS = ["crime_id", "month", "crime_type", "lon", "lat", "location", "lsoa11_code", "outcome"]


def api_crime_types(path: Path = REGISTRY_DIR / "crime_types.csv") -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["api_slug"]: row["crime_type"] for row in csv.DictReader(handle)}


def read_police_file(path: Path) -> pd.DataFrame:
    """Either official format into CRIME_COLUMNS (lsoa11_code missing where the file gives none)."""
    header = list(read_csv(path, None, nrows=0).columns)
    if "Crime type" in header:
        raw = read_csv(path, CSV_COLUMNS, dtype=str)
        frame = pd.DataFrame({"crime_id": raw["Crime ID"], "month": raw["Month"], "crime_type": raw["Crime type"],
                              "lon": pd.to_numeric(raw["Longitude"], errors="coerce"), "lat": pd.to_numeric(raw["Latitude"], errors="coerce"),
                              "location": raw["Location"], "lsoa11_code": raw["LSOA code"], "outcome": raw["Last outcome category"]})
    elif "category" in header:
        raw = read_csv(path, API_COLUMNS, dtype=str)
        slugs = api_crime_types()
        unknown = sorted(set(raw["category"]) - set(slugs))
        if unknown:
            raise SourceError(f"{path} has police.uk categories this version does not know: {unknown}. Add them to sna/registry/crime_types.csv.")
        raw = raw.drop_duplicates("crime_api_id")  # the API was queried by ward: a crime on a shared edge can appear twice
        frame = pd.DataFrame({"crime_id": raw["crime_api_id"], "month": raw["month"], "crime_type": raw["category"].map(slugs),
                              "lon": pd.to_numeric(raw["longitude"], errors="coerce"), "lat": pd.to_numeric(raw["latitude"], errors="coerce"),
                              "location": raw["street_name"], "lsoa11_code": None, "outcome": raw["outcome_category"]})
    else:
        raise SourceError(f"{path} is neither a police.uk street CSV (needs 'Crime type') nor API output (needs 'category').")
    bad_months = frame["month"].dropna().loc[lambda s: ~s.str.fullmatch(r"\d{4}-\d{2}")]
    if len(bad_months):
        raise SourceError(f"{path}: month values like '{bad_months.iloc[0]}' are not YYYY-MM.")
    return frame[CRIME_COLUMNS].reset_index(drop=True)


def group_of(crime_types: pd.Series, serious_violence: tuple[str, ...]) -> dict[str, pd.Series]:
    """Boolean masks for the police.uk indicator groups (registry column 'column')."""
    return {
        "serious_violence": crime_types.isin(serious_violence),
        "violence_sexual": crime_types.eq("Violence and sexual offences"),
        "robbery": crime_types.eq("Robbery"),
        "weapons": crime_types.eq("Possession of weapons"),
        "asb": crime_types.eq(ASB),
        "all_crime": crime_types.ne(ASB),
    }


def missing_months(months: list[str]) -> list[str]:
    """Calendar months between the first and last held that no file covers."""
    if not months:
        return []
    held = pd.PeriodIndex(sorted(set(months)), freq="M")
    full = pd.period_range(held.min(), held.max(), freq="M")
    return [str(p) for p in full.difference(held)]


def build_crime(ctx: BuildContext) -> None:
    study11 = ctx.frames["study11"]
    study_codes = set(study11["code"])
    lad_of = study11.set_index("code")["lad_code"]
    frames = []
    for source_id in ctx.area.crime_sources:
        path = ctx.source_path(source_id)
        frame = read_police_file(path)
        given = frame["lsoa11_code"].notna()
        has_point = frame["lon"].notna() & frame["lat"].notna()
        assign = ~given & has_point
        frame.loc[assign, "lsoa11_code"] = assign_to_polygons(frame.loc[assign, "lon"], frame.loc[assign, "lat"], ctx.frames["geo11"]).to_numpy()
        frame["lsoa_from_source"] = given
        inside = frame["lsoa11_code"].isin(study_codes)
        for month, rows in frame.groupby("month"):
            ctx.fact("police.uk crime", source_id, month, "rows in file", len(rows))
            ctx.fact("police.uk crime", source_id, month, "share of rows without an LSOA code in the file (%)",
                     100 * (~rows["lsoa_from_source"]).mean(), "assigned to LSOAs by their coordinates" if (~rows["lsoa_from_source"]).any() else "")
            ctx.fact("police.uk crime", source_id, month, "rows without coordinates", int((rows["lon"].isna()).sum()), "left out of counts")
            ctx.fact("police.uk crime", source_id, month, "rows outside the study area", int((~inside.loc[rows.index]).sum()), "left out")
            ctx.fact("police.uk crime", source_id, month, "anti-social behaviour incidents (kept apart from crime)", int(rows["crime_type"].eq(ASB).sum()))
        kept = frame[inside].assign(source_id=source_id)
        ctx.record("crime", source_id, len(frame), len(kept))
        frames.append(kept)
    crimes = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*CRIME_COLUMNS, "lsoa_from_source", "source_id"])
    crimes["lad_code"] = crimes["lsoa11_code"].map(lad_of)
    # Points also go into 2021 LSOAs where their boundaries are held, so crime can sit beside IoD2025
    # on the same geography without converting counts between LSOA generations.
    geo21 = ctx.frames.get("geo21")
    crimes["lsoa21_code"] = (assign_to_polygons(crimes["lon"], crimes["lat"], geo21).to_numpy()
                             if geo21 is not None and len(crimes) else None)
    crimes["serious_violence"] = crimes["crime_type"].isin(ctx.area.serious_violence)
    ctx.write("crimes", crimes)
    counts = crimes.groupby(["lsoa11_code", "month", "crime_type"], as_index=False).size().rename(columns={"size": "n"})
    ctx.write("crime_counts", counts)
    months = sorted(crimes["month"].dropna().unique())
    gaps = missing_months(months)
    ctx.fact("police.uk crime", ",".join(ctx.area.crime_sources), "all", "months held", len(months), ", ".join(months))
    ctx.fact("police.uk crime", ",".join(ctx.area.crime_sources), "all", "months missing between the first and last held", len(gaps),
             (", ".join(gaps[:6]) + (" ..." if len(gaps) > 6 else "")) if gaps else "")
    _crime_indicators(ctx, crimes, months)


def _crime_indicators(ctx: BuildContext, crimes: pd.DataFrame, months: list[str]) -> None:
    codes = ctx.frames["study11"]["code"]
    population = codes.map(ctx.frames["pop_total"]).to_numpy()
    masks = group_of(crimes["crime_type"], ctx.area.serious_violence)
    items = [ind for ind in registry.catalogue().values() if ind.loader == "policeuk"]
    national = {}
    for ind in items:
        chosen = crimes[masks[ind.column]]
        table = chosen.groupby(["lsoa11_code", "month"]).size()
        rows = []
        for month in months:
            count = codes.map(table.xs(month, level="month") if month in table.index.get_level_values("month") else {}).fillna(0).to_numpy()
            if ind.aggregation == "ratio":
                value = np.where(population > 0, count / population * ind.scale, np.nan)
                rows.append(pd.DataFrame({"area_code": codes, "period": month, "value": value, "numerator": count, "denominator": population}))
            else:
                rows.append(pd.DataFrame({"area_code": codes, "period": month, "value": count.astype(float), "numerator": count, "denominator": np.nan}))
        national[ind.id] = pd.concat(rows, ignore_index=True)[VALUE_COLUMNS] if rows else pd.DataFrame(columns=VALUE_COLUMNS)
    ctx.values.append(expand_many(ctx, items, national, benchmarks=False))
