"""Build step: the official-style local authority summaries of the Indices of Deprivation (average
score, average rank, share of LSOAs in the most deprived 10%, extent, local concentration, and each
one's rank among England's local authorities) for IoD2019 and IoD2025, computed from LSOA data.

Every English LAD is summarised, so that ranks among LAs and the region and England benchmarks mean
what they say; rows are written for the study-area LADs, the partnership (from its own LSOAs by the
same method), the region and England. LADs are the 2024 LADs: IoD2019 was published on 2019 LADs,
so its LSOAs are placed in 2024 LADs through the project's LSOA 2011 -> 2021 -> LAD 2024 hierarchy
(sna.build.geography) instead of File 1's LAD 2019 column; for merged LAs (e.g. Buckinghamshire,
North Yorkshire) the summaries therefore differ from the published 2019 ones. Three 2011 LSOAs
were later split between LADs (Gateshead 024C, East Hertfordshire 002D, Welwyn Hatfield 014C); the
hierarchy places each in the LAD of its first 2021 successor in the official lookup.

The indicators are data (registry/indicators_iod_summaries.csv, loader 'iod_summary'); `column`
reads 'edition:index:measure' or 'edition:index:measure:rank'. How each index's ranks, deciles,
scores and population weights are read is declared in EDITIONS below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from sna.analysis.aggregate import same_values
from sna.analysis.deprivation_summaries import MEASURES, rank_among, summarise_groups
from sna.build.context import BuildContext
from sna.build.geography import ENGLAND_CODE
from sna.build.readers import english_rows, require_rows, to_number
from sna.registry import indicators as registry

LOADER = "iod_summary"
F2 = " Rank (where 1 is most deprived)", " Decile (where 1 is most deprived 10% of LSOAs)"
F6_POPULATIONS = {
    "total": "Total population: mid 2015 (excluding prisoners)",
    "children": "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "older": "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    "working_age": "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)",
}


@dataclass(frozen=True)
class IndexSpec:
    """Where one index's LSOA ranks, deciles and scores are, and which population weights it.

    score: None (no LSOA score in the mirror), ('column', name in the rank file),
    ('indicator', an LSOA indicator already built) or ('numerator', File 8 column: score =
    numerator / the index's population, as the income-based scores are defined)."""
    source: str
    rank: str
    decile: str
    population: str = "total"
    score: tuple[str, str] | None = None


@dataclass(frozen=True)
class Edition:
    period: str
    geography: str  # the LSOA generation: lsoa11 or lsoa21
    key_column: str
    national_count: int
    indices: dict[str, IndexSpec] = field(default_factory=dict)


def _f2(name: str, **kw) -> IndexSpec:
    return IndexSpec("iod19_f2", name + F2[0], name + F2[1], **kw)


def _f7(name: str) -> IndexSpec:
    return IndexSpec("iod25_f7", f"{name}_rank", f"{name}_decile", score=("column", f"{name}_score"))


EDITIONS: dict[str, Edition] = {
    "iod19": Edition("2019", "lsoa11", "LSOA code (2011)", 32844, {
        "imd": IndexSpec("iod19_f1", "Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) Decile",
                         score=("indicator", "iod19_imd_score")),
        "income": _f2("Income", score=("numerator", "income_domain_numerator")),
        "employment": _f2("Employment", population="working_age", score=("numerator", "employment_domain_numerator")),
        "education": _f2("Education, Skills and Training"),
        "health": _f2("Health Deprivation and Disability"),
        "crime": _f2("Crime"),
        "barriers": _f2("Barriers to Housing and Services"),
        "living_env": _f2("Living Environment"),
        "idaci": IndexSpec("iod19_f3", "Income Deprivation Affecting Children Index (IDACI)" + F2[0],
                           "Income Deprivation Affecting Children Index (IDACI)" + F2[1], population="children",
                           score=("numerator", "income_deprivation_affecting_children_index_idaci_numerator")),
        "idaopi": IndexSpec("iod19_f3", "Income Deprivation Affecting Older People (IDAOPI)" + F2[0],
                            "Income Deprivation Affecting Older People (IDAOPI)" + F2[1], population="older",
                            score=("numerator", "income_deprivation_affecting_older_people_index_idaopi_numerator")),
    }),
    "iod25": Edition("2025", "lsoa21", "lsoa21_code", 33755, {
        "imd": _f7("IMD"), "income": _f7("Income"), "employment": _f7("Employment"), "education": _f7("Education"),
        "health": _f7("Health"), "crime": _f7("Crime"), "barriers": _f7("Housing_and_Services"),
        "living_env": _f7("Environment"),
    }),
}


@dataclass(frozen=True)
class Spec:
    """One registry row's request, parsed from its `column`."""
    edition: str
    index: str
    measure: str
    ranked: bool


def parse_column(column: str) -> Spec:
    parts = column.split(":")
    if len(parts) not in (3, 4) or parts[0] not in EDITIONS or parts[1] not in EDITIONS[parts[0]].indices \
            or parts[2] not in MEASURES or (len(parts) == 4 and parts[3] != "rank"):
        raise ValueError(f"Bad IoD summary column '{column}': expected edition:index:measure[:rank]")
    return Spec(parts[0], parts[1], parts[2], len(parts) == 4)


def lsoa_table(ctx: BuildContext, edition_key: str, index_key: str) -> pd.DataFrame:
    """Every English LSOA of the edition: code, rank, decile, population, score."""
    edition = EDITIONS[edition_key]
    spec = edition.indices[index_key]
    raw = _source_rows(ctx, edition_key, spec.source)
    table = pd.DataFrame({"code": raw[edition.key_column].to_numpy(), "rank": to_number(raw[spec.rank]).to_numpy(),
                          "decile": to_number(raw[spec.decile]).to_numpy()})
    population = populations(ctx, edition_key)[spec.population]
    table["population"] = _mapped(ctx, (spec.source, spec.population), table["code"], population)
    table["score"] = _scores(ctx, edition_key, spec, raw, table)
    return table


def _mapped(ctx: BuildContext, key: tuple, codes: pd.Series, values: pd.Series) -> np.ndarray:
    """codes.map(values) as floats, its positions looked up once per (file, population): the indices of one
    file share their codes (values' index is unique, so this is what map gives)."""
    if not values.index.is_unique or values.empty:
        return codes.map(values).astype(float).to_numpy()
    position = _per_codes(ctx, "iod_summary_mapped", key, codes.to_numpy(), lambda: values.index.get_indexer(codes.to_numpy()))
    return np.where(position >= 0, values.to_numpy(dtype=float)[position], np.nan)


def _per_codes(ctx: BuildContext, cache_name: str, key, codes: np.ndarray, make: Callable[[], object]):
    """make(), worked out again only when `codes` changes: the indices of one file share its code column."""
    cache = ctx.frames.setdefault(cache_name, {})
    held = cache.get(key)
    if held is None or not same_values(codes, held[0]):
        held = cache[key] = (codes, make())
    return held[1]


def _source_rows(ctx: BuildContext, edition_key: str, source_id: str) -> pd.DataFrame:
    """The English LSOA rows of one IoD file, with every column any index needs from it (read once)."""
    cache = ctx.frames.setdefault("iod_summary_sources", {})
    if source_id not in cache:
        edition = EDITIONS[edition_key]
        columns = [edition.key_column]
        for spec in edition.indices.values():
            if spec.source == source_id:
                columns += [spec.rank, spec.decile] + ([spec.score[1]] if spec.score and spec.score[0] == "column" else [])
        path = ctx.source_path(source_id)
        raw = require_rows(ctx.read_csv(source_id, list(dict.fromkeys(columns))), path, 30000)
        cache[source_id] = raw[english_rows(raw[edition.key_column])]
    return cache[source_id]


def _scores(ctx: BuildContext, edition_key: str, spec: IndexSpec, raw: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    if spec.score is None:
        return np.full(len(table), np.nan)
    how, name = spec.score
    if how == "column":
        return to_number(raw[name]).to_numpy(dtype=float)
    if how == "indicator":
        frame = ctx.frames["national_lsoa_values"][name]
        return table["code"].map(frame.set_index("area_code")["value"]).to_numpy(dtype=float)
    numerators = _file8_numerators(ctx)
    return (table["code"].map(numerators[name]) / table["population"]).to_numpy(dtype=float)


def _file8_numerators(ctx: BuildContext) -> pd.DataFrame:
    if "iod19_f8_numerators" not in ctx.frames:
        names = sorted({s.score[1] for s in EDITIONS["iod19"].indices.values() if s.score and s.score[0] == "numerator"})
        frame = ctx.read_csv("iod19_f8", ["lsoa11_code", *names]).set_index("lsoa11_code")
        ctx.frames["iod19_f8_numerators"] = frame.apply(to_number)
        ctx.record("iod_summaries", "iod19_f8", len(frame), len(frame))
    return ctx.frames["iod19_f8_numerators"]


def populations(ctx: BuildContext, edition_key: str) -> dict[str, pd.Series]:
    """Population weights by kind. IoD2019: its own denominators (File 6, mid-2015, excluding
    prisoners). IoD2025: its denominators are not in the mirror, so the total population is ONS
    mid-2020 carried onto LSOA 2021 (sna.build.geography.lsoa21_populations)."""
    if edition_key == "iod25":
        return {"total": ctx.frames["weights"]["pop_lsoa21"]}
    if "iod19_f6_populations" not in ctx.frames:
        f6 = ctx.read_csv("iod19_f6", ["LSOA code (2011)", *F6_POPULATIONS.values()]).set_index("LSOA code (2011)")
        ctx.frames["iod19_f6_populations"] = {kind: to_number(f6[col]) for kind, col in F6_POPULATIONS.items()}
        ctx.record("iod_summaries", "iod19_f6", len(f6), len(f6))
    return ctx.frames["iod19_f6_populations"]


def memberships(ctx: BuildContext, geography_level: str) -> dict[str, pd.DataFrame]:
    """For each level, (code, parent) for every LSOA counted in it: every English LAD (2024), the
    partnership's LSOAs, the region's and England's."""
    frame = ctx.frames[geography_level]
    out = {"lad": pd.DataFrame({"code": frame["code"], "parent": frame["lad_code"]}).dropna(),
           "partnership": pd.DataFrame({"code": frame.loc[frame["lad_code"].isin(ctx.area.lad_codes), "code"], "parent": ctx.area.key}),
           "country": pd.DataFrame({"code": frame["code"], "parent": ENGLAND_CODE})}
    if ctx.area.region_code:
        out["region"] = pd.DataFrame({"code": frame.loc[frame["region_code"] == ctx.area.region_code, "code"], "parent": ctx.area.region_code})
    return out


def summaries(ctx: BuildContext, edition_key: str, index_key: str) -> dict[str, pd.DataFrame]:
    """level -> one summary row per area (see sna.analysis.deprivation_summaries.summarise)."""
    edition = EDITIONS[edition_key]
    table = lsoa_table(ctx, edition_key, index_key)
    members, keys, levels_of_keys, codes_of_keys = _members(ctx, edition.geography)
    codes = table["code"].to_numpy()

    def join() -> tuple[np.ndarray, np.ndarray]:
        """The inner join of members and the table, by position: the table's rows and the members' parents."""
        position = pd.Index(codes).get_indexer(members["code"].to_numpy())
        found = position >= 0
        return position[found], members["parent"].to_numpy()[found]

    take, parents = _per_codes(ctx, "iod_summary_positions", edition.geography, codes, join)
    out = summarise_groups(parents, len(keys), *(table[c].to_numpy(dtype=float)[take] for c in ("rank", "decile", "population", "score")),
                           edition.national_count)
    present = out.pop("held")  # by parent number: in the sorted order of the "level|code" strings (_members)
    levels = ["lad", "partnership", "country"] + (["region"] if ctx.area.region_code else [])
    result = {}
    for level in levels:
        chosen = present & (levels_of_keys == level)
        result[level] = pd.DataFrame({"parent": codes_of_keys[chosen], **{k: v[chosen] for k, v in out.items()}})
    return result


def _members(ctx: BuildContext, geography_level: str) -> tuple[pd.DataFrame, pd.Index, np.ndarray, np.ndarray]:
    """Every level's (code, parent) in one table, parents as integers numbered in the sorted order of
    "level|parent code" (so grouping by them orders areas as grouping by the strings would), and each
    number's level and parent code; built once."""
    cache = ctx.frames.setdefault("iod_summary_members", {})
    if geography_level not in cache:
        levels = memberships(ctx, geography_level)
        members = pd.concat([m.assign(parent=level + "|" + m["parent"].astype(str)) for level, m in levels.items()], ignore_index=True)
        keys = pd.Index(sorted(set(members["parent"])))
        split = keys.str.split("|", n=1)
        cache[geography_level] = (members.assign(parent=keys.get_indexer(members["parent"])), keys,
                                  split.str[0].to_numpy(dtype=object), split.str[1].to_numpy(dtype=object))
    return cache[geography_level]


ROW_COLUMNS = ("indicator_id", "area_code", "level", "value", "note")


def rows_for(ctx: BuildContext, indicator_id: str, spec: Spec, by_level: dict[str, pd.DataFrame]) -> dict[str, list]:
    """indicator_values rows of one registry row (as column lists; the period is the edition's): study
    LADs (and, for a measure, the partnership, region and England)."""
    lads = by_level["lad"]
    held = set(lads["parent"])
    study = [c for c in ctx.area.lad_codes if c in held]
    if spec.ranked:
        measure = lads.set_index("parent")[spec.measure]
        ranks = rank_among(measure, MEASURES[spec.measure])
        count = int(measure.notna().sum())
        values = ranks.loc[study].to_numpy(dtype=float)
        notes = [f"rank {int(r)} of {count} local authorities in England (2024 boundaries)" if pd.notna(r) else None for r in values]
        return {"indicator_id": [indicator_id] * len(study), "area_code": study, "level": ["lad"] * len(study),
                "value": list(values), "note": notes}
    out: dict[str, list] = {c: [] for c in ROW_COLUMNS}
    for level, frame in by_level.items():
        frame = frame[frame["parent"].isin(study)] if level == "lad" else frame
        out["indicator_id"] += [indicator_id] * len(frame)
        out["area_code"] += frame["parent"].tolist()
        out["level"] += [level] * len(frame)
        out["value"] += list(frame[spec.measure].to_numpy(dtype=float))
        out["note"] += [f"from {n:,} LSOAs" for n in frame["lsoas"]]
    return out


def build_iod_summaries(ctx: BuildContext) -> None:
    """Write every registered IoD summary into ctx.values."""
    requests = {k: parse_column(i.column) for k, i in registry.catalogue().items() if i.loader == LOADER}
    computed: dict[tuple[str, str], dict[str, pd.DataFrame]] = {}
    parts = []
    for indicator_id, spec in sorted(requests.items()):
        key = (spec.edition, spec.index)
        if key not in computed:
            computed[key] = summaries(ctx, *key)
            lads = computed[key]["lad"]
            ctx.fact("IoD summaries", EDITIONS[spec.edition].indices[spec.index].source, EDITIONS[spec.edition].period,
                     f"{spec.edition} {spec.index}: local authorities summarised", len(lads),
                     "every English LAD (2024 boundaries), from its LSOAs")
        rows = rows_for(ctx, indicator_id, spec, computed[key])
        parts.append({**rows, "period": [EDITIONS[spec.edition].period] * len(rows["area_code"])})
    if parts:
        columns = {c: [v for part in parts for v in part[c]] for c in (*ROW_COLUMNS, "period")}
        ctx.values.append(pd.DataFrame({"indicator_id": columns["indicator_id"], "area_code": columns["area_code"],
                                        "level": columns["level"], "period": columns["period"],
                                        "value": np.asarray(columns["value"], dtype=float), "numerator": np.nan,
                                        "denominator": np.nan, "note": pd.Series(columns["note"], dtype=object)}))
    for (edition_key, index_key) in sorted(computed):
        ctx.record("iod_summaries", EDITIONS[edition_key].indices[index_key].source, EDITIONS[edition_key].national_count,
                   len(computed[(edition_key, index_key)]["lad"]))
