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
    records = []
    for row in frame.to_dict("records"):
        lo, hi = confidence_interval(row, row["numerator"], row["denominator"])
        method = ci_method(row)
        records.append({
            "theme": row["theme"], "indicator_id": row["indicator_id"], "title": row["title"], "unit": row["unit"],
            "polarity": row["polarity"], "period": row["period"], "value": row["value"], "lower": lo, "upper": hi,
            "ci": CI_METHODS[method][0] if method else "none (no count numerator)",
            "lad": row["lad"] if level != "lad" else np.nan, "region": row["region"], "england": row["country"],
            "vs_england": compare(lo, hi, row["country"], row["polarity"]),
            "vs_lad": compare(lo, hi, row["lad"], row["polarity"]) if level != "lad" else "is the LA",
            "source": f"{row['publisher']} ({row['vintage']}), {row['licence']}", "link": row["official_page"],
        })
    out = pd.DataFrame.from_records(records)
    if out.empty:
        raise ChoiceError(f"No indicators are held for {area['name']} ({code}).")
    return out.sort_values(["theme", "title"]).reset_index(drop=True)


def profile_table(prof: pd.DataFrame, lad_name: str | None) -> pd.DataFrame:
    """The profile formatted for reading (strings), one row per indicator."""
    def fmt(col):
        return [format_value(v, u) for v, u in zip(prof[col], prof["unit"])]

    ci = [f"{format_value(lo, u)} to {format_value(hi, u)}" if not pd.isna(lo) else "no CI"
          for lo, hi, u in zip(prof["lower"], prof["upper"], prof["unit"])]
    return pd.DataFrame({"Theme": prof["theme"], "Indicator": prof["title"], "Unit": prof["unit"],
                         "Period": prof["period"], "Value": fmt("value"), "95% CI": ci,
                         lad_name or "Local authority": fmt("lad"), "Region": fmt("region"), "England": fmt("england"),
                         "Compared with England": prof["vs_england"], "Compared with the LA": prof["vs_lad"],
                         "Source": prof["source"], "Link": prof["link"]})


def spine(prof: pd.DataFrame) -> pd.DataFrame:
    """Values relative to England (England = 100) for the indicators where that is meaningful: rates,
    percentages and measures on a ratio scale (never scores, which can be negative or centred on zero)."""
    ratio_scale = (~prof["unit"].str.contains("score", case=False)) & (prof["england"] > 0) & (prof["value"] >= 0)
    rows = prof[prof["england"].notna() & ratio_scale & prof["unit"].map(unit_kind).isin(["rate", "percent", "measure"])]
    out = pd.DataFrame({"title": rows["title"], "area": rows["value"] / rows["england"] * 100,
                        "lad": rows["lad"] / rows["england"] * 100, "region": rows["region"] / rows["england"] * 100,
                        "lower": rows["lower"] / rows["england"] * 100, "upper": rows["upper"] / rows["england"] * 100,
                        "vs_england": rows["vs_england"], "value": rows["value"], "unit": rows["unit"]})
    return out.reset_index(drop=True)
