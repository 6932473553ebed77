"""Readers for the local-authority sources: DfE LAIT, children's social care (Explore Education
Statistics), police recorded crime by CSP, the ONS Health Index and crime severity, OHID Fingertips.

Each reader takes the registry rows that name it (column `loader`) and returns indicator_values rows
for the study-area LADs, the region and England where the source publishes them, with the source's
own period labels. Suppression marks become NULL values with a note, never zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from sna.build.context import BuildContext
from sna.build.geography import ENGLAND_CODE
from sna.build.readers import read_csv, require_columns, require_rows
from sna.errors import SourceError
from sna.registry.indicators import Indicator

STEP = "la_indicators"
VALUE_COLUMNS = ["indicator_id", "area_code", "level", "period", "value", "numerator", "denominator", "note"]

# Symbols the publishers put in place of a number, with what they mean (GSS / EES conventions).
MARKS = {
    "c": "confidential",
    "x": "not available",
    "[x]": "not available",
    "z": "not applicable",
    "[z]": "not applicable",
    "u": "low reliability",
    ":": "not available",
    "..": "not available",
    "-": "not available",
    "*": "not available",
    "k": "less than 0.5",
}


def parse_marked(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers published as text with suppression marks -> (values, notes).

    Thousands separators are removed; a mark becomes a missing value with the note 'suppressed (c)'
    (plus the mark's meaning when it is not 'c'); an empty cell is noted as missing in the source."""
    text = raw.astype("string").str.strip().str.replace(",", "", regex=False).fillna("")
    values = pd.to_numeric(text.replace("", pd.NA), errors="coerce").astype(float)
    notes = np.full(len(raw), None, dtype=object)
    for i in np.flatnonzero(values.isna().to_numpy()):  # only the cells that are not numbers (few)
        cell = text.iat[i]
        token = cell.lower()
        if token in ("", "nan", "<na>"):
            notes[i] = "missing in the source"
        elif token == "c":
            notes[i] = "suppressed (c)"
        elif token in MARKS:
            notes[i] = f"suppressed ({cell}): {MARKS[token]}"
        else:
            notes[i] = f"not a number in the source ({cell[:20]})"
    return values, pd.Series(notes, index=raw.index, dtype=object)


def _rows(ind: Indicator, codes, levels, periods, raw, numerator=np.nan, denominator=np.nan) -> pd.DataFrame:
    """indicator_values rows; `levels` and `periods` may be one label for all rows."""
    values, notes = parse_marked(pd.Series(np.asarray(raw, dtype=object)))
    codes = np.asarray(codes, dtype=object)
    columns = {"indicator_id": ind.id, "area_code": codes,
               "level": levels if isinstance(levels, str) else np.asarray(levels, dtype=object),
               "period": periods if isinstance(periods, str) else pd.Series(np.asarray(periods)).astype(str).to_numpy(),
               "value": values.to_numpy(), "numerator": numerator, "denominator": denominator, "note": notes.to_numpy()}
    return pd.DataFrame({c: columns[c] for c in VALUE_COLUMNS}, index=pd.RangeIndex(len(codes)))  # one frame, not eight setitems


def _levels_for_ees(ctx: BuildContext, table: pd.DataFrame) -> pd.DataFrame:
    """Explore Education Statistics tables: keep England, the study region and the study LADs, with code and level."""
    level = table["geographic_level"]
    code = pd.Series(pd.NA, index=table.index, dtype="object")
    code[level == "National"] = ENGLAND_CODE
    regional = (level == "Regional") & (table["region_code"] == ctx.area.region_code)
    code[regional] = ctx.area.region_code
    local = (level == "Local authority") & table["new_la_code"].isin(ctx.area.lad_codes)
    code[local] = table.loc[local, "new_la_code"]
    kept = table.assign(area_code=code, level=level.map({"National": "country", "Regional": "region", "Local authority": "lad"}))
    return kept[kept["area_code"].notna()]


# --- DfE LAIT -------------------------------------------------------------------------------------

LAIT_COLUMNS = ["Short Desc", "Years", "LA and Regions", "LA Number", "Values"]
LAIT_ENGLAND = 970


def _read_parquet(path: Path, columns: list[str]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path} is not a readable Parquet file ({exc}). Fetch the file again.") from exc
    require_columns(path, names, columns)
    return pd.read_parquet(path, columns=columns)


def dfe_area_codes(ctx: BuildContext) -> dict[str, str]:
    """DfE LA numbers ('330') and region names ('west midlands') -> ONS codes, from DfE's own CLA table."""
    path = ctx.source_path("la_cla_rate")
    table = read_csv(path, ["time_period", "geographic_level", "region_code", "region_name", "old_la_code", "new_la_code"], dtype=str)
    table = table.sort_values("time_period", ascending=False)
    las = table[table["geographic_level"] == "Local authority"].drop_duplicates("old_la_code")
    regions = table[table["geographic_level"] == "Regional"].drop_duplicates("region_code")
    ctx.record(f"{STEP} (DfE LA numbers to ONS codes)", "la_cla_rate", len(table), len(las) + len(regions))
    mapping = {str(int(float(k))): v for k, v in zip(las["old_la_code"], las["new_la_code"])}
    mapping.update({name.strip().lower(): code for name, code in zip(regions["region_name"], regions["region_code"])})
    return mapping


def _lait(ctx: BuildContext, items: list[Indicator]) -> pd.DataFrame:
    path = ctx.source_path("la_lait")
    table = require_rows(_read_parquet(path, LAIT_COLUMNS), path, 100000)
    _check_lait_dictionary(ctx, items)
    chosen = table[table["Short Desc"].isin([i.column for i in items])].copy()
    codes = dfe_area_codes(ctx)
    number = chosen["LA Number"].round().astype("Int64")
    is_area = number < LAIT_ENGLAND
    chosen["area_code"] = np.where(is_area, number.astype(str).map(codes),
                                   chosen["LA and Regions"].str.strip().str.lower().map(codes))
    chosen.loc[number == LAIT_ENGLAND, "area_code"] = ENGLAND_CODE
    chosen["level"] = np.where(is_area, "lad", np.where(number == LAIT_ENGLAND, "country", "region"))
    missing = sorted(set(ctx.area.lad_codes) - set(chosen.loc[chosen["level"] == "lad", "area_code"]))
    if missing:
        # Shire districts are not education or children's services authorities: LAIT publishes their
        # county instead. Say so rather than fail; their LA-level values stay empty.
        ctx.fact("LA indicators", "la_lait", "all", "study-area LADs without LAIT rows", len(missing),
                 "not children's services authorities (shire districts) or a new code: " + ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else ""))
    wanted = set(ctx.area.lad_codes) | {ctx.area.region_code, ENGLAND_CODE}
    frames = []
    by_measure = dict(iter(chosen.groupby("Short Desc", sort=False)))  # each measure's rows in file order, split once
    for ind in items:
        rows = by_measure.get(ind.column, chosen.iloc[0:0])
        if rows.empty:
            raise SourceError(f"{path} holds no measure '{ind.column}' (indicator {ind.id}). LAIT renames measures "
                              "between releases: update `column` in sna/registry/indicators_la.csv.")
        frame = _rows(ind, rows["area_code"], rows["level"], rows["Years"], rows["Values"])
        frame = _check_benchmarks(ctx, ind, frame)
        frames.append(frame[frame["area_code"].isin(wanted)])
    ctx.record(STEP, "la_lait", len(table), sum(len(f) for f in frames))
    return pd.concat(frames, ignore_index=True)


def _check_lait_dictionary(ctx: BuildContext, items: list[Indicator]) -> None:
    """Every LAIT measure used must still be described in the LAIT data dictionary."""
    path = ctx.source_path("la_lait_dictionary")
    dictionary = read_csv(path, ["Measure_short", "Measure", "Polarity", "y_axis_name"])
    unknown = sorted({i.column for i in items} - set(dictionary["Measure_short"]))
    if unknown:
        raise SourceError(f"{path} does not describe the LAIT measure(s) {unknown}; the dictionary or LAIT has changed.")
    ctx.record(STEP, "la_lait_dictionary", len(dictionary), len({i.column for i in items}))


def _check_benchmarks(ctx: BuildContext, ind: Indicator, frame: pd.DataFrame) -> pd.DataFrame:
    """An England or region average cannot lie outside the range of every LA's value: LAIT has such rows
    (e.g. first-time entrants for England are not a rate). Those are kept as NULL with a note."""
    spread = frame[frame["level"] == "lad"].groupby("period")["value"].agg(["min", "max"])
    bench = frame["level"].isin(["country", "region"]) & frame["value"].notna()
    low = frame["period"].map(spread["min"])
    high = frame["period"].map(spread["max"])
    outside = bench & ((frame["value"] < low) | (frame["value"] > high))
    for _, row in frame[outside & frame["area_code"].isin([ENGLAND_CODE, ctx.area.region_code])].iterrows():
        ctx.fact("LA indicators", ind.source.split(",")[0], row["period"], f"{ind.id}: {row['level']} value dropped", row["value"],
                 "outside the range of every local authority's value in the source, so not the same measure")
    frame.loc[outside, "note"] = frame.loc[outside, "value"].map(
        lambda v: f"not shown: the source's figure ({v:g}) lies outside the range of every local authority's value")
    frame.loc[outside, "value"] = np.nan
    return frame


# --- DfE children's social care (Explore Education Statistics) -------------------------------------

EES_KEYS = ["time_period", "geographic_level", "region_code", "new_la_code"]


def _cla_rate(ctx: BuildContext, items: list[Indicator]) -> pd.DataFrame:
    path = ctx.source_path("la_cla_rate")
    raw = require_rows(read_csv(path, [*EES_KEYS, "population_type", "population_estimate", "children_count", "rate_per_10000"], dtype=str), path, 1000)
    table = _levels_for_ees(ctx, raw)
    frames = []
    for ind in items:
        rows = table[table["population_type"] == ind.column]
        if rows.empty:
            raise SourceError(f"{path} has no rows with population_type '{ind.column}' (indicator {ind.id}).")
        numerator, _ = parse_marked(rows["children_count"])
        denominator, _ = parse_marked(rows["population_estimate"])
        frames.append(_rows(ind, rows["area_code"], rows["level"], rows["time_period"], rows["rate_per_10000"],
                            numerator.to_numpy(), denominator.to_numpy()))
    ctx.record(STEP, "la_cla_rate", len(raw), sum(len(f) for f in frames))
    return pd.concat(frames, ignore_index=True)


def _c3_table(ctx: BuildContext, items: list[Indicator]) -> tuple[int, pd.DataFrame]:
    """(rows read, the rows for England, the study region and the study LADs) of the C3 factors table."""
    path = ctx.source_path("la_cin_c3_factors")
    table = read_csv(path, [*EES_KEYS, "Episodes_with_assessment_factor", *sorted({i.column for i in items})], dtype=str)
    return len(table), _levels_for_ees(ctx, require_rows(table, path, 1000))


def _c3_count(ctx: BuildContext, items: list[Indicator]) -> pd.DataFrame:
    """Assessments (episodes) with the factor identified at the end of assessment, as published."""
    rows_read, table = _c3_table(ctx, items)
    frames = []
    for ind in items:
        values, _ = parse_marked(table[ind.column])
        frames.append(_rows(ind, table["area_code"], table["level"], table["time_period"], table[ind.column], values.to_numpy()))
    ctx.record(STEP, "la_cin_c3_factors", rows_read, sum(len(f) for f in frames))
    return pd.concat(frames, ignore_index=True)


def _c3_share(ctx: BuildContext, items: list[Indicator]) -> pd.DataFrame:
    """The factor's count over the assessments with any factor recorded (both published in the same row)."""
    rows_read, table = _c3_table(ctx, items)
    denominator, denominator_note = parse_marked(table["Episodes_with_assessment_factor"])
    frames = []
    for ind in items:
        numerator, numerator_note = parse_marked(table[ind.column])
        share = np.where(denominator > 0, numerator / denominator * ind.scale, np.nan)
        frame = _rows(ind, table["area_code"], table["level"], table["time_period"], share, numerator.to_numpy(), denominator.to_numpy())
        frame["note"] = numerator_note.combine_first(denominator_note).to_numpy()
        frames.append(frame)
    ctx.record(STEP, "la_cin_c3_factors", rows_read, sum(len(f) for f in frames))
    return pd.concat(frames, ignore_index=True)


# --- ONS / Home Office police recorded crime by CSP (Table C2) -------------------------------------

C2_HEADER_ROW = 7  # title and note rows above the header
C2_PERIOD = "YE June 2025"


def _prc_csp(ctx: BuildContext, items: list[Indicator]) -> pd.DataFrame:
    path = ctx.source_path("la_prc_csp_ye2025_06")
    table = read_csv(path, ["Local Authority code", *sorted({i.column for i in items})], skiprows=C2_HEADER_ROW, dtype=str)
    table = require_rows(table, path, 300)
    rows = table[table["Local Authority code"].isin(ctx.area.lad_codes)]
    frames = []
    for ind in items:
        counts, _ = parse_marked(rows[ind.column])
        frames.append(_rows(ind, rows["Local Authority code"], "lad", C2_PERIOD, rows[ind.column], counts.to_numpy()))
    ctx.record(STEP, "la_prc_csp_ye2025_06", len(table), sum(len(f) for f in frames))
    return pd.concat(frames, ignore_index=True)


# --- ONS Health Index underlying indicators and Crime Severity Score -------------------------------

CARRIED_FORWARD_SHARE = 0.9


def carried_forward_years(table: pd.DataFrame) -> dict[int, float]:
    """Years in which (nearly) every LA repeats the previous year's value, with the share that does: the
    Health Index fills years without new data that way, so they are not new observations."""
    wide = table.pivot_table(index="ltla21_code", columns="year", values="value", aggfunc="first").sort_index(axis=1)
    years = list(wide.columns)
    shares = {y: float((wide[y] == wide[prev]).mean()) for prev, y in zip(years, years[1:])}
    return {y: share for y, share in shares.items() if share >= CARRIED_FORWARD_SHARE}


def _health_index(ctx: BuildContext, items: list[Indicator]) -> pd.DataFrame:
    path = ctx.source_path("la_health_index")
    table = require_rows(read_csv(path, ["ltla21_code", "year", "indicator", "value"]), path, 10000)
    frames = []
    for ind in items:
        national = table[table["indicator"] == ind.column]
        if national.empty:
            raise SourceError(f"{path} has no indicator '{ind.column}' (indicator {ind.id}).")
        repeated = carried_forward_years(national)
        for year, share in repeated.items():
            ctx.fact("LA indicators", ind.source, str(year), f"{ind.id}: share of LAs repeating the previous year (year not loaded)", share,
                     "the Health Index repeats the previous year's values when there are no new data")
        rows = national[national["ltla21_code"].isin(ctx.area.lad_codes) & ~national["year"].isin(list(repeated))]
        frames.append(_rows(ind, rows["ltla21_code"], "lad", rows["year"], rows["value"]))
    ctx.record(STEP, "la_health_index", len(table), sum(len(f) for f in frames))
    return pd.concat(frames, ignore_index=True)


def _crime_severity(ctx: BuildContext, items: list[Indicator]) -> pd.DataFrame:
    path = ctx.source_path("la_crime_severity_2223")
    table = read_csv(path, ["ltla23_code", *sorted({i.column for i in items})], dtype=str)
    rows = require_rows(table, path, 250)
    rows = rows[rows["ltla23_code"].isin(ctx.area.lad_codes)]
    frames = [_rows(ind, rows["ltla23_code"], "lad", "2022/23", rows[ind.column]) for ind in items]
    ctx.record(STEP, "la_crime_severity_2223", len(table), sum(len(f) for f in frames))
    return pd.concat(frames, ignore_index=True)


# --- OHID Fingertips extracts -----------------------------------------------------------------------

FINGERTIPS_WIDE = ["Area Code", "Sex", "Category Type", "Time period", "Value", "Count", "Denominator", "Value note"]


def _fingertips_area_levels(ctx: BuildContext, codes: pd.Series) -> pd.Series:
    levels = {**{c: "lad" for c in ctx.area.lad_codes}, ctx.area.region_code: "region", ENGLAND_CODE: "country"}
    return codes.map(levels)


def _fingertips_tidy(ctx: BuildContext, items: list[Indicator]) -> pd.DataFrame:
    """Tidy extracts (area_code, period, value, indicator): one indicator per file, values as published."""
    frames = []
    for ind in items:
        path = ctx.source_path(ind.source)
        table = read_csv(path, ["area_code", "period", "value", "indicator"], dtype=str, keep_default_na=False)
        rows = table[table["indicator"] == ind.column]
        if rows.empty:
            raise SourceError(f"{path} has no indicator '{ind.column}' (indicator {ind.id}).")
        level = _fingertips_area_levels(ctx, rows["area_code"])
        rows = rows[level.notna()].drop_duplicates(["area_code", "period"])
        frames.append(_rows(ind, rows["area_code"], level[rows.index], rows["period"], rows["value"].replace("NA", "")))
        ctx.record(STEP, ind.source, len(table), len(frames[-1]))
    return pd.concat(frames, ignore_index=True)


def _fingertips_wide(ctx: BuildContext, items: list[Indicator]) -> pd.DataFrame:
    """Fingertips 'all data' downloads: persons, no category breakdown, with the published count and denominator."""
    frames = []
    for ind in items:
        path = ctx.source_path(ind.source)
        table = read_csv(path, ["Indicator ID", *FINGERTIPS_WIDE], dtype=str)
        rows = table[(table["Indicator ID"] == ind.column) & (table["Sex"] == "Persons") & table["Category Type"].isna()]
        if rows.empty:
            raise SourceError(f"{path} has no rows for Fingertips indicator {ind.column} (indicator {ind.id}).")
        level = _fingertips_area_levels(ctx, rows["Area Code"])
        rows = rows[level.notna()].drop_duplicates(["Area Code", "Time period"])
        numerator, _ = parse_marked(rows["Count"])
        denominator, _ = parse_marked(rows["Denominator"])
        frame = _rows(ind, rows["Area Code"], level[rows.index], rows["Time period"], rows["Value"], numerator.to_numpy(), denominator.to_numpy())
        frame["note"] = frame["note"].where(frame["note"].notna(), rows["Value note"].to_numpy())
        frames.append(frame)
        ctx.record(STEP, ind.source, len(table), len(frame))
    return pd.concat(frames, ignore_index=True)


# Loader name (registry `loader`) -> reader. A reader returns rows for every indicator it is given.
LOADERS: dict[str, Callable[[BuildContext, list[Indicator]], pd.DataFrame]] = {
    "lait": _lait,
    "dfe_cla_rate": _cla_rate,
    "dfe_c3_count": _c3_count,
    "dfe_c3_share": _c3_share,
    "ons_prc_csp": _prc_csp,
    "ons_health_index": _health_index,
    "ons_crime_severity": _crime_severity,
    "fingertips_tidy": _fingertips_tidy,
    "fingertips_wide": _fingertips_wide,
}
