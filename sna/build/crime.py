"""police.uk street-level crime: two official formats into one table, points into LSOAs.

The monthly CSV archive ("Crime ID, Month, ..., LSOA code, Crime type") carries LSOA 2011 codes;
the API output ("month, category, latitude, longitude, ...") carries category slugs and no LSOA,
so its points are assigned to 2011 LSOAs by geometry. Anti-social behaviour is kept apart from crime.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
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
from sna.build.schema_check import known_codes, lsoa11_codes
from sna.build.inputs import POLICE_DATASETS, AcceptedInput, owners, read_checked
from sna.build.readers import read_csv
from sna.registry import datasets, sources

ASB = "Anti-social behaviour"
CSV_COLUMNS = ["Crime ID", "Month", "Longitude", "Latitude", "Location", "LSOA code", "Crime type", "Last outcome category"]
API_COLUMNS = ["month", "category", "latitude", "longitude", "street_name", "crime_api_id", "outcome_category"]
CRIME_COLUMNS = ["crime_id", "month", "crime_type", "lon", "lat", "location", "lsoa11_code", "outcome"]


def api_crime_types(path: Path = REGISTRY_DIR / "crime_types.csv") -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["api_slug"]: row["crime_type"] for row in csv.DictReader(handle)}


def crime_type_aliases(path: Path = REGISTRY_DIR / "crime_type_aliases.csv") -> dict[str, str]:
    """Crime type names of other police.uk releases -> the names this version counts."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["published_name"]: row["crime_type"] for row in csv.DictReader(handle)}


def read_police_file(path: Path) -> pd.DataFrame:
    """Either official format into CRIME_COLUMNS (lsoa11_code missing where the file gives none)."""
    header = list(read_csv(path, None, nrows=0).columns)
    columns = CSV_COLUMNS if "Crime type" in header else API_COLUMNS if "category" in header else None
    if columns is None:
        raise SourceError(f"{path} is neither a police.uk street CSV (needs 'Crime type') nor API output (needs 'category').")
    return police_frame(read_csv(path, columns, dtype=str), str(path))


def police_frame(raw: pd.DataFrame, label: str, months_checked: bool = False) -> pd.DataFrame:
    """A police.uk file's text columns (CSV archive or API output) into CRIME_COLUMNS."""
    if "Crime type" in raw:
        frame = pd.DataFrame({"crime_id": raw["Crime ID"], "month": raw["Month"], "crime_type": raw["Crime type"].replace(crime_type_aliases()),
                              "lon": pd.to_numeric(raw["Longitude"], errors="coerce"), "lat": pd.to_numeric(raw["Latitude"], errors="coerce"),
                              "location": raw["Location"], "lsoa11_code": raw["LSOA code"], "outcome": raw["Last outcome category"]})
    else:
        slugs = api_crime_types()
        unknown = sorted(set(raw["category"]) - set(slugs))
        if unknown:
            raise SourceError(f"{label} has police.uk categories this version does not know: {unknown}. Add them to sna/registry/crime_types.csv.")
        raw = raw.drop_duplicates("crime_api_id")  # the API was queried by ward: a crime on a shared edge can appear twice
        frame = pd.DataFrame({"crime_id": raw["crime_api_id"], "month": raw["month"], "crime_type": raw["category"].map(slugs),
                              "lon": pd.to_numeric(raw["longitude"], errors="coerce"), "lat": pd.to_numeric(raw["latitude"], errors="coerce"),
                              "location": raw["street_name"], "lsoa11_code": None, "outcome": raw["outcome_category"]})
    bad_months = [] if months_checked else frame["month"].dropna().loc[lambda s: ~s.str.fullmatch(r"\d{4}-\d{2}")]
    if len(bad_months):
        raise SourceError(f"{label}: month values like '{bad_months.iloc[0]}' are not YYYY-MM.")
    return frame[CRIME_COLUMNS].reset_index(drop=True)


def known_crime_types() -> set[str]:
    return set(api_crime_types().values())


def assign_points(lon: pd.Series, lat: pd.Series, polygons) -> np.ndarray:
    """Polygon code of each point, looking up each distinct point once: police.uk snaps crimes to a fixed
    set of anonymised map points, so months share points and there are far fewer points than crimes."""
    if not len(lon):
        return np.array([], dtype=object)
    points = pd.DataFrame({"lon": np.asarray(lon, dtype=float), "lat": np.asarray(lat, dtype=float)})
    distinct = points.drop_duplicates()
    codes = assign_to_polygons(distinct["lon"].to_numpy(), distinct["lat"].to_numpy(), polygons).to_numpy()
    lookup = pd.Series(codes, index=pd.MultiIndex.from_frame(distinct))
    return lookup.reindex(pd.MultiIndex.from_frame(points)).to_numpy()


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


@dataclass(frozen=True)
class PoliceFile:
    """One police.uk file the crime step reads: a mirrored source or a user's accepted file."""

    label: str
    force: str
    months: tuple[str, ...]
    source_id: str = ""  # a registered source, read through the registry (checksum)
    accepted: AcceptedInput | None = None  # or a user's file, checked by schema

    def load(self, codes: dict[str, pd.Index]) -> pd.DataFrame:
        if self.accepted is None:
            return read_police_file(sources.locate(sources.get(self.source_id)))
        return police_frame(read_checked(self.accepted, codes), self.label, months_checked=True)


def police_files(ctx: BuildContext) -> list[PoliceFile]:
    """The study area's mirrored police.uk sources, then users' files, in reading order."""
    files = []
    for source_id in ctx.area.crime_sources:
        src = sources.get(source_id)
        dataset = next((d for d in datasets.DATASETS.values() if source_id in d.mirror_sources), None)
        name = Path(src.file).name
        files.append(PoliceFile(source_id, dataset.force_of(name) if dataset else "", (dataset.vintage_of(name),) if dataset else (), source_id))
    for item in ctx.inputs:
        if item.dataset in POLICE_DATASETS:
            taken = {f.label for f in files}  # the file name, unless two files share it
            files.append(PoliceFile(item.file.name if item.file.name not in taken else item.file.label, item.force, item.months, accepted=item))
    return files


def build_crime(ctx: BuildContext) -> None:
    study11 = ctx.frames["study11"]
    study_codes = set(study11["code"])
    lad_of = study11.set_index("code")["lad_code"]
    files = police_files(ctx)
    owner, duplicates = owners([(f.label, f.force, f.months) for f in files])
    for note in duplicates:
        ctx.fact("police.uk crime", "duplicate months", note.split(" ")[0], "month supplied by two files: one kept", 1, note)
        ctx.notes.append(f"police.uk duplicate month: {note}.")
    known_types = known_crime_types()
    lsoa11 = lsoa11_codes(ctx.config)
    codes = known_codes(ctx.config)
    frames = []
    for item in files:
        source_id = item.label
        if item.months and all(owner[(item.force, m)] != source_id for m in item.months):
            continue  # every month it holds comes from a later file: not read at all
        frame = item.load(codes)
        frame = frame[[owner.get((item.force, m), source_id) == source_id for m in frame["month"]]].reset_index(drop=True)
        given = frame["lsoa11_code"].isin(lsoa11)
        frame.loc[~given, "lsoa11_code"] = None  # blank, or a 2021 code in newer releases: placed by its point
        has_point = frame["lon"].notna() & frame["lat"].notna()
        assign = ~given & has_point
        frame.loc[assign, "lsoa11_code"] = assign_points(frame.loc[assign, "lon"], frame.loc[assign, "lat"], ctx.frames["geo11"])
        frame["lsoa_from_source"] = given
        inside = frame["lsoa11_code"].isin(study_codes)
        for month, rows in frame.groupby("month"):
            ctx.fact("police.uk crime", source_id, month, "rows in file", len(rows))
            ctx.fact("police.uk crime", source_id, month, "share of rows without an LSOA code in the file (%)",
                     100 * (~rows["lsoa_from_source"]).mean(), "assigned to LSOAs by their coordinates" if (~rows["lsoa_from_source"]).any() else "")
            ctx.fact("police.uk crime", source_id, month, "rows without coordinates", int((rows["lon"].isna()).sum()), "left out of counts")
            ctx.fact("police.uk crime", source_id, month, "rows outside the study area", int((~inside.loc[rows.index]).sum()), "left out")
            ctx.fact("police.uk crime", source_id, month, "anti-social behaviour incidents (kept apart from crime)", int(rows["crime_type"].eq(ASB).sum()))
        for crime_type, n in frame.loc[~frame["crime_type"].isin(known_types), "crime_type"].value_counts().items():
            ctx.fact("police.uk crime", source_id, "all", f"rows of a crime type this version does not know: '{crime_type}'", n,
                     "counted in all crime, in no other group; map it in sna/registry/crime_type_aliases.csv")
        kept = frame[inside].assign(source_id=source_id)
        if item.accepted is None:
            ctx.record("crime", source_id, len(frame), len(kept))
        else:
            ctx.record_input("crime", item.accepted, len(kept), rows_read=len(frame))
        frames.append(kept)
    crimes = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*CRIME_COLUMNS, "lsoa_from_source", "source_id"])
    crimes["lad_code"] = crimes["lsoa11_code"].map(lad_of)
    # Points also go into 2021 LSOAs where their boundaries are held, so crime can sit beside IoD2025
    # on the same geography without converting counts between LSOA generations.
    geo21 = ctx.frames.get("geo21")
    crimes["lsoa21_code"] = (assign_points(crimes["lon"], crimes["lat"], geo21)
                             if geo21 is not None and len(crimes) else None)
    crimes["serious_violence"] = crimes["crime_type"].isin(ctx.area.serious_violence)
    ctx.write("crimes", crimes)
    counts = crimes.groupby(["lsoa11_code", "month", "crime_type"], as_index=False).size().rename(columns={"size": "n"})
    ctx.write("crime_counts", counts)
    months = sorted(crimes["month"].dropna().unique())
    gaps = missing_months(months)
    held_from = ",".join(f.label for f in files) if len(files) <= 3 else f"{len(files)} files"
    ctx.frames["crime_vintage"] = (months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}") if months else ""
    ctx.fact("police.uk crime", held_from, "all", "months held", len(months), _month_list(months))
    ctx.fact("police.uk crime", held_from, "all", "months missing between the first and last held", len(gaps),
             (", ".join(gaps[:6]) + (" ..." if len(gaps) > 6 else "")) if gaps else "")
    _crime_indicators(ctx, crimes, months)


def _month_list(months: list[str]) -> str:
    return ", ".join(months) if len(months) <= 12 else f"{months[0]} to {months[-1]}"


def _crime_indicators(ctx: BuildContext, crimes: pd.DataFrame, months: list[str]) -> None:
    codes = ctx.frames["study11"]["code"]
    population = codes.map(ctx.frames["pop_total"]).to_numpy()
    masks = group_of(crimes["crime_type"], ctx.area.serious_violence)
    items = [ind for ind in registry.catalogue().values() if ind.loader == "policeuk"]
    national = {}
    n_codes = len(codes)
    area_code = np.tile(codes.to_numpy(), len(months))
    period = np.repeat(np.asarray(months, dtype=object), n_codes)
    pop = np.tile(population, len(months))
    for ind in items:
        chosen = crimes[masks[ind.column]]
        # one LSOA x month table per indicator, month-major like the rows it becomes
        table = chosen.groupby(["lsoa11_code", "month"]).size().unstack("month")
        count = table.reindex(index=codes.to_numpy(), columns=months).fillna(0).to_numpy(dtype=float).T.ravel()
        if ind.aggregation == "ratio":
            value = np.where(pop > 0, count / np.where(pop > 0, pop, 1) * ind.scale, np.nan)
            frame = pd.DataFrame({"area_code": area_code, "period": period, "value": value, "numerator": count, "denominator": pop})
        else:
            frame = pd.DataFrame({"area_code": area_code, "period": period, "value": count, "numerator": count, "denominator": np.nan})
        national[ind.id] = frame[VALUE_COLUMNS]
    ctx.values.extend(expand_many(ctx, items, national, benchmarks=False))
