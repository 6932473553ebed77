"""An area's profile: every indicator held for it against its local authority, the region and
England, with 95% confidence intervals and Fingertips-style comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sna import db
from sna.analysis.formatting import format_value, unit_kind
from sna.analysis.stats import CI_METHODS, ci_method, compare, confidence_interval
from sna.errors import ChoiceError


def area_record(con, code: str, level: str) -> dict:
    rows = db.area_record(con, code, level)
    if rows.empty:
        raise ChoiceError(f"No area with code {code} at level {level}. Search again by name, code or postcode.")
    return rows.iloc[0].to_dict()


def comparison_record(row: dict, lad: float | None, region: float, england: float) -> dict:
    """One profile row: an indicator's value (row: the catalogue's columns plus value, numerator,
    denominator, period) with its 95% CI and Fingertips-style comparisons with England and the LA
    (lad None: the area is the LA itself)."""
    lo, hi = confidence_interval(row, row["numerator"], row["denominator"])
    method = ci_method(row)
    return {"theme": row["theme"], "indicator_id": row["indicator_id"], "title": row["title"], "unit": row["unit"],
            "polarity": row["polarity"], "period": row["period"], "value": row["value"], "lower": lo, "upper": hi,
            "ci": CI_METHODS[method][0] if method else "none (no count numerator)",
            "lad": np.nan if lad is None else lad, "region": region, "england": england,
            "vs_england": compare(lo, hi, england, row["polarity"]),
            "vs_lad": "is the LA" if lad is None else compare(lo, hi, lad, row["polarity"]),
            "source": f"{row['publisher']} ({row['vintage']}), {row['licence']}", "link": row["official_page"],
            "aggregation": row.get("aggregation"), "source_id": row.get("source")}


def profile(con, cat: pd.DataFrame, code: str, level: str) -> pd.DataFrame:
    """Every indicator held for one area against its LA, the region and England, with 95% CIs where
    the indicator has a count numerator, and Fingertips-style comparisons with England and the LA."""
    area = area_record(con, code, level)
    own = db.area_indicator_values(con, code, level)
    lad = area["lad_code"] if level != "lad" else None
    comp = db.comparator_values(con, lad, area["region_code"])
    wide = comp.pivot_table(index=["indicator_id", "period"], columns="level", values="value", aggfunc="first")
    wide = wide.reindex(columns=["lad", "region", "country"]).reset_index()
    frame = own.merge(wide, on=["indicator_id", "period"], how="left")
    frame = frame.merge(cat, left_on="indicator_id", right_on="id", how="inner")
    records = [comparison_record(row, row["lad"] if level != "lad" else None, row["region"], row["country"])
               for row in frame.to_dict("records")]
    out = pd.DataFrame.from_records(records)
    if out.empty:
        raise ChoiceError(f"No indicators are held for {area['name']} ({code}).")
    return out.sort_values(["theme", "title"]).reset_index(drop=True)


def latest(prof: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: its latest period with a value (or its latest period when none has one)."""
    if "indicator_id" not in prof:
        return prof
    ordered = prof.assign(_has=prof["value"].notna()).sort_values(["indicator_id", "_has", "period"])
    return ordered.drop_duplicates("indicator_id", keep="last").drop(columns="_has").sort_values(["theme", "title"]).reset_index(drop=True)


def benchmark_note(row: dict) -> str:
    """Why a benchmark is missing, in words ('' when region and England are both there)."""
    if not pd.isna(row["england"]) and not pd.isna(row["region"]):
        return ""
    if str(row.get("unit", "")).startswith("rank among LAs"):
        return "a rank among local authorities: there is no region or England value"
    if "police" in str(row.get("source_id", "")) or "crime_" in str(row.get("source_id", "")):
        return "police.uk street-level data is held for the study area only: no region or England figure"
    if pd.isna(row["england"]) and pd.isna(row["region"]):
        return "the source publishes no region or England figure for this measure"
    return "the source publishes no regional figure" if pd.isna(row["region"]) else "the source publishes no England figure"


def profile_table(prof: pd.DataFrame, lad_name: str | None, history: bool = False) -> pd.DataFrame:
    """The profile formatted for reading (strings), one row per indicator (its latest period unless
    history=True), grouped by theme. A local authority's own profile has no 'local authority' column."""
    prof = prof if history else latest(prof)
    prof = prof.sort_values(["theme", "title", "period"], ascending=[True, True, False]).reset_index(drop=True)

    def fmt(col):
        return [format_value(v, u) for v, u in zip(prof[col], prof["unit"])]

    ci = [f"{format_value(lo, u)} to {format_value(hi, u)}" if not pd.isna(lo) else "no CI"
          for lo, hi, u in zip(prof["lower"], prof["upper"], prof["unit"])]
    table = pd.DataFrame({"Theme": prof["theme"], "Indicator": prof["title"], "Unit": prof["unit"],
                          "Period": prof["period"], "Value": fmt("value"), "95% CI": ci})
    if lad_name:
        table[lad_name] = fmt("lad")
    table["Region"] = fmt("region")
    table["England"] = fmt("england")
    table["Compared with England"] = prof["vs_england"]
    if lad_name:
        table["Compared with the LA"] = prof["vs_lad"]
    table["Benchmarks"] = [benchmark_note(r) for r in prof.to_dict("records")]
    table["Source"] = prof["source"]
    table["Link"] = prof["link"]
    return table


SPINE_LIMIT = 300.0  # England = 100: values beyond this are drawn at the edge and labelled with their value


def spine(prof: pd.DataFrame) -> pd.DataFrame:
    """The comparable measures for the chart, latest period only, relative to England (England = 100):
    rates, percentages and ratio-scale measures; never counts (a count is not comparable with England's
    total) nor scores (which can be negative or centred on zero). Values beyond SPINE_LIMIT are clipped
    to the edge (column `clipped`), so one outlier does not squash every other row."""
    prof = latest(prof)
    kind = prof["unit"].map(unit_kind)
    aggregation = prof["aggregation"] if "aggregation" in prof else pd.Series("", index=prof.index)
    comparable = (kind.isin(["rate", "percent", "measure"]) & (aggregation != "sum")
                  & ~prof["unit"].str.contains("score|rank|decile|count|number", case=False))
    ratio_scale = (prof["england"] > 0) & (prof["value"] >= 0)
    rows = prof[prof["england"].notna() & prof["value"].notna() & ratio_scale & comparable]
    rel = lambda col: rows[col] / rows["england"] * 100  # noqa: E731
    out = pd.DataFrame({"title": rows["title"], "period": rows["period"], "area": rel("value"), "lad": rel("lad"),
                        "region": rel("region"), "lower": rel("lower"), "upper": rel("upper"),
                        "vs_england": rows["vs_england"], "value": rows["value"], "unit": rows["unit"]})
    out["relative"] = out["area"]
    out["clipped"] = out["area"] > SPINE_LIMIT
    for col in ("area", "lad", "region", "lower", "upper"):
        out[col] = out[col].clip(upper=SPINE_LIMIT)
    return out.reset_index(drop=True)
