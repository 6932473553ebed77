"""A user's delivery area (a set of LSOAs) aggregated for every indicator, with the project's rules,
and compared with its local authorities, the region and England with 95% confidence intervals.

A custom area is defined in ONE LSOA generation: 2021 LSOAs by default (the current boundaries, the
IoD 2025 and the map), or 2011 LSOAs when every code given is a 2011 code. Indicators published on
the other generation (IoD 2019 and police.uk on 2011 LSOAs; IoD 2025 on 2021 LSOAs) use the LSOAs of
that generation lying WHOLLY inside the area by the ONS LSOA 2011 to 2021 lookup (unchanged, merged
or split LSOAs whose every counterpart is in the area); partly covered ones are left out and counted
in the notes, never apportioned.

Rules (as sna.analysis.aggregate applies them to wards and LAs): counts summed; rates from summed
numerators and denominators; scores population-weighted with the registry's weights; shares of LSOAs
in decile 1 counted. Ranks, deciles and LA-only indicators cannot be aggregated and are listed so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sna import db
from sna.analysis.aggregate import aggregate
from sna.analysis.profile import comparison_record
from sna.errors import ChoiceError

GENERATIONS = {"lsoa21": "LSOA 2021", "lsoa11": "LSOA 2011"}
DEFAULT_GENERATION = "lsoa21"
OTHER = {"lsoa21": "lsoa11", "lsoa11": "lsoa21"}
AGGREGABLE = {"sum", "ratio", "weighted_mean", "lsoa_share"}
WHY_NOT = {"none": "ranks and deciles are positions among all LSOAs in England: they cannot be added up",
           "native": "published only for local authorities by the source"}
MAX_LSOAS = 5000


@dataclass(frozen=True)
class CustomArea:
    """A named set of LSOAs: codes per generation (the defining one and the one derived from it)."""

    name: str
    generation: str
    codes: dict[str, tuple[str, ...]]
    notes: tuple[str, ...] = field(default=())

    @property
    def defining_codes(self) -> tuple[str, ...]:
        return self.codes[self.generation]


def wholly_inside(codes: set[str], lookup: pd.DataFrame, source: str, target: str) -> tuple[list[str], int]:
    """(target-generation LSOAs all of whose source-generation counterparts are in `codes`, number of
    target LSOAs only partly covered). lookup: lsoa11_code, lsoa21_code (the ONS best-fit links)."""
    links = lookup[[f"{source}_code", f"{target}_code"]].drop_duplicates()
    links = links.assign(inside=links[f"{source}_code"].isin(codes))
    touched = links[links[f"{target}_code"].isin(links.loc[links["inside"], f"{target}_code"])]
    share = touched.groupby(f"{target}_code")["inside"].all()
    return sorted(share.index[share]), int((~share).sum())


def resolve(con, codes: list[str], name: str = "Custom area", generation: str | None = None) -> CustomArea:
    """Check a list of LSOA codes against the study area and build the area (a ChoiceError saying what to
    fix). generation: force one (a polygon chose LSOAs of that generation); else 2021 unless a code is 2011-only."""
    cleaned = list(dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()))
    if not cleaned:
        raise ChoiceError("No LSOA codes given: choose at least one LSOA (codes look like E01008881).")
    if len(cleaned) > MAX_LSOAS:
        raise ChoiceError(f"{len(cleaned):,} LSOA codes given; a custom area can hold at most {MAX_LSOAS:,}.")
    index = db.lsoa_index(con)
    held = {g: set(index.loc[index["level"] == g, "code"]) for g in GENERATIONS}
    if generation not in GENERATIONS:
        generation = DEFAULT_GENERATION if all(c in held[DEFAULT_GENERATION] for c in cleaned) else "lsoa11"
    outside = [c for c in cleaned if c not in held[generation]]
    if outside:
        known = [c for c in outside if c.startswith("E01") and len(c) == 9]
        bad = [c for c in outside if c not in known]
        parts = []
        if bad:
            parts.append(f"{len(bad)} are not LSOA codes (e.g. {', '.join(bad[:3])})")
        if known:
            parts.append(f"{len(known)} are not LSOAs of this study area in one generation (2021 or 2011) "
                         f"(e.g. {', '.join(known[:3])})")
        raise ChoiceError("Some codes cannot be used: " + "; ".join(parts) + ". Remove them, or give codes of "
                          "one LSOA generation inside the study area.")
    other, partial = wholly_inside(set(cleaned), db.lsoa_lookup(con), generation, OTHER[generation])
    notes = [f"Defined by {len(cleaned)} {GENERATIONS[generation]} codes."]
    notes.append(f"Indicators on {GENERATIONS[OTHER[generation]]} boundaries use the {len(other)} LSOAs wholly inside "
                 "the area by the ONS lookup" + (f"; {partial} partly inside are left out." if partial else "."))
    return CustomArea(name, generation, {generation: tuple(sorted(cleaned)), OTHER[generation]: tuple(other)}, tuple(notes))


def _multiplier(ind: dict) -> float:
    text = str(ind.get("multiplier") or "").strip()
    return float(text) if text not in ("", "nan", "None") else 1.0


def aggregate_area(values: pd.DataFrame, weights: pd.DataFrame, catalogue: pd.DataFrame, area: CustomArea) -> pd.DataFrame:
    """One row per indicator of the catalogue: the area's value (latest period) or why there is none.

    values: indicator_id, area_code, period, value, numerator, denominator of the area's LSOAs (both
    generations); weights: weight, code, value. Indicators that aggregate alike (generation, method,
    weight, multiplier) go through sna.analysis.aggregate in one pass, as in the build. Returns
    indicator_id, period, value, numerator, denominator, lsoas (LSOAs with a value), status."""
    cat = catalogue.assign(scale=[_multiplier(r) for r in catalogue.to_dict("records")],
                           weight=catalogue["weight"].fillna("").astype(str))
    status = pd.Series("aggregated", index=cat["id"].to_numpy())
    status[~cat["geography"].isin(list(GENERATIONS)).to_numpy()] = "not aggregated: " + WHY_NOT["native"]
    cannot = cat["geography"].isin(list(GENERATIONS)) & ~cat["aggregation"].isin(AGGREGABLE)
    status[cannot.to_numpy()] = ["not aggregated: " + WHY_NOT.get(m, "no rule to aggregate it") for m in cat.loc[cannot, "aggregation"]]
    latest = values.groupby("indicator_id")["period"].transform("max")
    values = values[values["period"] == latest]
    parts = []
    for (generation, method, weight, scale), group in cat[status.to_numpy() == "aggregated"].groupby(["geography", "aggregation", "weight", "scale"]):
        codes = sorted(set(area.codes.get(generation, ())))
        own = values[values["indicator_id"].isin(group["id"]) & values["area_code"].isin(codes)]
        if own.empty:
            continue
        w = weights[weights["weight"] == weight].set_index("code")["value"] if method == "weighted_mean" else None
        agg = aggregate(own[["indicator_id", "area_code", "period", "value", "numerator", "denominator"]],
                        pd.Series("area", index=codes), method, w, scale)
        counts = own[own["value"].notna()].groupby("indicator_id").size().rename("lsoas")
        parts.append(agg.drop(columns="area_code").merge(counts, left_on="indicator_id", right_index=True, how="left"))
    columns = ["indicator_id", "period", "value", "numerator", "denominator", "lsoas"]
    done = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    out = pd.DataFrame({"indicator_id": cat["id"].to_numpy()}).merge(done, on="indicator_id", how="left")
    out["status"] = status.reindex(out["indicator_id"]).to_numpy()
    missing = (out["status"] == "aggregated") & out["value"].isna() & out["period"].isna()
    out.loc[missing, "status"] = "no LSOA of the area has a value"
    out["lsoas"] = out["lsoas"].fillna(0).astype(int)
    return out


def main_las(con, area: CustomArea) -> list[str]:
    """The area's local authorities, the one holding most of its LSOAs first."""
    index = db.lsoa_index(con)
    mine = index[(index["level"] == area.generation) & index["code"].isin(area.defining_codes)]
    return mine["lad_code"].value_counts().index.tolist()


def custom_profile(con, cat: pd.DataFrame, area: CustomArea, region_code: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(profile, not_aggregated): the profile in sna.analysis.profile's columns (lad = the LA holding
    most of the area), plus lsoas; and the indicators that could not be aggregated, with the reason."""
    all_codes = sorted(set(area.codes.get("lsoa11", ())) | set(area.codes.get("lsoa21", ())))
    values = pd.concat([db.lsoa_indicator_values(con, list(area.codes.get(g, ())), g) for g in GENERATIONS], ignore_index=True)
    agg = aggregate_area(values, db.lsoa_weights(con, all_codes), cat, area)
    las = main_las(con, area)
    bench = db.benchmark_values(con, las, region_code)
    lad_value = bench[(bench["level"] == "lad") & (bench["area_code"] == (las[0] if las else None))]
    pick = {lvl: bench[bench["level"] == lvl].set_index(["indicator_id", "period"])["value"] for lvl in ("region", "country")}
    pick["lad"] = lad_value.set_index(["indicator_id", "period"])["value"]
    frame = agg.merge(cat, left_on="indicator_id", right_on="id", how="inner")
    done = frame[frame["status"] == "aggregated"]
    records = []
    for row in done.to_dict("records"):
        key = (row["indicator_id"], row["period"])
        comp = {lvl: s.get(key, np.nan) for lvl, s in pick.items()}
        records.append({**comparison_record(row, comp["lad"], comp["region"], comp["country"]),
                        "lsoas": row["lsoas"], "numerator": row["numerator"], "denominator": row["denominator"]})
    if not records:
        raise ChoiceError(f"No indicator could be aggregated for {area.name}: check its LSOA codes.")
    prof = pd.DataFrame.from_records(records).sort_values(["theme", "title"]).reset_index(drop=True)
    skipped = frame.loc[frame["status"] != "aggregated", ["theme", "title", "status"]].sort_values(["theme", "title"])
    return prof, skipped.reset_index(drop=True)
