"""Build step: LSOA indicators from the registry (IoD 2019 and 2025, population), each kept on
its own LSOA generation and vintage, with ward, LAD, partnership, region and England aggregates."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from sna.registry import indicators as registry
from sna.analysis.aggregate import VALUE_COLUMNS, aggregate_frames, same_values
from sna.build.context import BuildContext
from sna.registry.indicators import Indicator
from sna.build.areas import parents_of
from sna.build.readers import english_rows, key_column, require_coverage, require_rows, to_number

KEY_COLUMNS = ("LSOA code (2011)", "lsoa11_code", "lsoa21_code")
GENERATION_OF_KEY = {"LSOA code (2011)": "lsoa11", "lsoa11_code": "lsoa11", "lsoa21_code": "lsoa21"}
PERIOD_OF_SOURCE = {"iod19": "2019", "iod25": "2025", "pop_sape_2020": "mid-2020"}
# The official IMD 2019 weights applied to File 9's exponentially transformed domain scores.
IMD19_WEIGHTS = {
    "Income Score - exponentially transformed": 0.225,
    "Employment Score - exponentially transformed": 0.225,
    "Education Score - exponentially transformed": 0.135,
    "Health Score - exponentially transformed": 0.135,
    "Crime Score - exponentially transformed": 0.093,
    "Barriers Score - exponentially transformed": 0.093,
    "Living Environment Score - exponentially transformed": 0.093,
}


def period_of(source_id: str) -> str:
    return next((p for prefix, p in PERIOD_OF_SOURCE.items() if source_id.startswith(prefix)), "")


def expand_many(ctx: BuildContext, items: list[Indicator], national: dict[str, pd.DataFrame], benchmarks: bool = True) -> list[pd.DataFrame]:
    """Study-area LSOA rows plus every aggregate level, in indicator_values form (without note), as parts for
    ctx.values: the build writes them sorted in one query, so they are not stacked here (England: concatenating
    five million rows of differently ordered columns in pandas took seconds).

    Indicators that aggregate alike (same geography, method, weight and multiplier) are
    aggregated together in one pass. benchmarks=False leaves out the region and England: for
    data held only for the study area."""
    groups: dict[tuple, list[Indicator]] = defaultdict(list)
    for ind in items:
        groups[(ind.geography, ind.aggregation, ind.weight, ind.scale)].append(ind)
    memberships: dict[str, pd.DataFrame] = {}  # one LSOA -> (level, parent) table per LSOA generation
    parts = []
    for (geography, method, weight, scale), members in groups.items():
        study_codes = ctx.frames["study11" if geography == "lsoa11" else "study21"]["code"]
        frames = {i.id: national[i.id] for i in members}
        parts.append(_study_rows(frames, study_codes, geography))
        if method == "none":
            continue
        weights = ctx.frames["weights"].get(weight) if weight else None
        if geography not in memberships:
            memberships[geography] = pd.concat([pd.DataFrame({"code": parents.index, "level": level, "parent": parents.to_numpy()})
                                                for level, parents in parents_of(ctx, geography)
                                                if benchmarks or level not in ("region", "country")], ignore_index=True)
        parts.append(aggregate_frames(frames, memberships[geography], method, weights, scale))
    return parts


def _study_rows(frames: dict[str, pd.DataFrame], study_codes: pd.Series, geography: str) -> pd.DataFrame:
    """Every indicator's rows (at least one) for the study area's LSOAs, as one frame (the rows are worked out once per distinct
    code column; the frame is built from the columns' arrays: one frame per indicator, then concat, cost more)."""
    columns: dict[str, list] = {c: [] for c in VALUE_COLUMNS}
    ids, counts, previous, rows = [], [], None, None
    for indicator_id, frame in frames.items():
        area = frame["area_code"].to_numpy()
        if not same_values(area, previous):
            keep = pd.Series(area).isin(study_codes).to_numpy()
            rows = slice(None) if keep.all() else np.flatnonzero(keep)  # England: every row, and no copy before the concatenation
            previous, codes = area, area[rows]
        columns["area_code"].append(codes)
        for c in VALUE_COLUMNS[1:]:
            columns[c].append(frame[c].to_numpy()[rows])
        ids.append(indicator_id)
        counts.append(len(codes))
    return pd.DataFrame({**{c: np.concatenate(parts) for c, parts in columns.items()},
                         "indicator_id": np.repeat(np.array(ids, dtype=object), counts), "level": geography}, copy=False)


def _frame(codes: pd.Series, values: pd.Series, period: str, numerator=None, denominator=None,
           shared: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """One indicator's national rows (in VALUE_COLUMNS order), not consolidated. `shared`: the read-only period
    and missing-number columns of the file's frames (constant_columns); building 130 national frames with
    pandas' copies of them took a quarter of the step."""
    area = codes.to_numpy()
    shared = shared or constant_columns(len(area), period)
    return pd.DataFrame({"area_code": area, "period": shared["period"], "value": np.asarray(values, dtype=float),
                         "numerator": shared["missing"] if numerator is None else numerator,
                         "denominator": shared["missing"] if denominator is None else denominator}, copy=False)


def constant_columns(rows: int, period: str) -> dict[str, np.ndarray]:
    """Read-only arrays of `rows` periods and NaNs, for frames to share (writing to them raises)."""
    columns = {"period": np.full(rows, period, dtype=object), "missing": np.full(rows, np.nan)}
    for array in columns.values():
        array.setflags(write=False)
    return columns


def build_lsoa_indicators(ctx: BuildContext) -> None:
    catalogue = registry.catalogue()
    by_source: dict[str, list[Indicator]] = defaultdict(list)
    for ind in catalogue.values():
        if ind.loader == "column":
            by_source[ind.source].append(ind)
    national: dict[str, pd.DataFrame] = {}
    for source_id, items in sorted(by_source.items()):
        path = ctx.source_path(source_id)
        header = ctx.header(source_id)
        key = key_column(path, header, KEY_COLUMNS)
        table = require_rows(ctx.read_csv(source_id, [key, *sorted({i.column for i in items})]), path, 30000)
        english = english_rows(table[key])
        table = table if english.all() else table[english]  # the national files hold England only: no copy then
        _require_every_lsoa(ctx, table[key], GENERATION_OF_KEY[key], path)
        shared = constant_columns(len(table), period_of(source_id))
        for ind in items:
            national[ind.id] = _frame(table[key], to_number(table[ind.column]), period_of(source_id), shared=shared)
        ctx.record("lsoa_indicators", source_id, len(table), len(items))

    for ind in catalogue.values():
        if ind.loader == "imd19_score":
            national[ind.id] = _imd19_score(ctx, ind)
        elif ind.loader == "population":
            national[ind.id] = _population(ctx, ind)
    for ind in catalogue.values():
        if ind.loader == "share_decile1":
            decile = national[ind.column]
            national[ind.id] = decile.assign(value=np.where(decile["value"].isna(), np.nan, np.where(decile["value"] == 1, ind.scale, 0.0)))

    ctx.values.extend(expand_many(ctx, [catalogue[i] for i in national], national))
    ctx.frames["national_lsoa_values"] = national


def _require_every_lsoa(ctx: BuildContext, codes: pd.Series, generation: str, path) -> None:
    """A national LSOA file must hold every English LSOA of its generation (per the official lookup)."""
    english = ctx.frames.setdefault("english_lsoas", {})
    if generation not in english:
        every = ctx.frames[generation]["code"]
        english[generation] = every[english_rows(every)]
    require_coverage(codes, english[generation], path, f"English LSOAs ({generation[-2:]}) in the official lookup")


def _imd19_score(ctx: BuildContext, ind: Indicator) -> pd.DataFrame:
    path = ctx.source_path(ind.source)
    table = ctx.read_columns(ind.source, ["LSOA code (2011)", *IMD19_WEIGHTS])
    table = table[english_rows(table["LSOA code (2011)"])]
    _require_every_lsoa(ctx, table["LSOA code (2011)"], "lsoa11", path)
    score = sum(to_number(table[col]) * weight for col, weight in IMD19_WEIGHTS.items())
    ctx.record("lsoa_indicators", ind.source, len(table), 1)
    return _frame(table["LSOA code (2011)"], score.round(3), "2019")


def _population(ctx: BuildContext, ind: Indicator) -> pd.DataFrame:
    total, young = ctx.frames["pop_total"], ctx.frames["pop_10_24"]
    england = total.index[english_rows(total.index)]
    total, young = total.loc[england], young.loc[england]
    codes = pd.Series(england)
    if ind.column == "total":
        return _frame(codes, total, "mid-2020")
    if ind.column == "10-24":
        return _frame(codes, young, "mid-2020")
    share = young / total * ind.scale
    return _frame(codes, share, "mid-2020", numerator=young.to_numpy(), denominator=total.to_numpy())
