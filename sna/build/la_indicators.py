"""Local authority risk factors for youth violence: youth justice, children's social care, education,
health, recorded crime and child poverty, as published for each LA by DfE, ONS and the Home Office.

The indicators are data (registry/indicators_la.csv, geography 'lad'): each row names a loader and,
in `column`, the measure or column it takes from the source. A loader reads one source file and
returns rows for the study-area LADs, the region and England where the source publishes them, each
with the source's own period label. Suppression marks become NULL values with a note, never zero.
The partnership value is added only where it can be computed exactly from what the source publishes
(summed counts; summed numerators over summed denominators) and every LAD has a value.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from sna.build.context import BuildContext
from sna.build.la_sources import LOADERS, VALUE_COLUMNS
from sna.registry import indicators as registry
from sna.registry.indicators import Indicator


def partnership_rows(ctx: BuildContext, ind: Indicator, frame: pd.DataFrame) -> pd.DataFrame:
    """The partnership's value where it is exact: counts summed ('sum') or summed numerators over
    summed denominators ('ratio'), only for periods where every LAD has a number."""
    if ind.aggregation not in ("sum", "ratio"):
        return frame.iloc[0:0]
    lads = frame[frame["level"] == "lad"]
    out = []
    n = len(ctx.area.lad_codes)
    for period, group in lads.groupby("period", sort=True):
        complete = group["area_code"].nunique() == n and group["numerator"].notna().all()
        if ind.aggregation == "ratio":
            complete = complete and group["denominator"].notna().all() and group["denominator"].sum() > 0
        if not complete:
            continue
        numerator = float(group["numerator"].sum())
        if ind.aggregation == "sum":
            value, denominator, how = numerator, np.nan, f"sum of the {n} local authorities' published counts"
        else:
            denominator = float(group["denominator"].sum())
            value, how = numerator / denominator * ind.scale, f"summed numerators over summed denominators of the {n} local authorities"
        out.append({"indicator_id": ind.id, "area_code": ctx.area.key, "level": "partnership", "period": period, "value": value,
                    "numerator": numerator, "denominator": denominator, "note": how})
    return pd.DataFrame(out, columns=VALUE_COLUMNS)


def la_catalogue() -> dict[str, Indicator]:
    """The LA-level indicators this step loads (registry rows whose loader is one of LOADERS)."""
    return {k: i for k, i in registry.catalogue().items() if i.geography == "lad" and i.loader in LOADERS}


def one_row_per_area(ctx: BuildContext, frame: pd.DataFrame) -> pd.DataFrame:
    """Where a source has several rows for one LA and period (an LA formed from several CSPs or
    older districts), counts are summed; other measures cannot be combined and become missing
    with a note. Never two values for one area."""
    keys = ["indicator_id", "area_code", "level", "period"]
    repeated = frame.duplicated(keys, keep=False)
    if not repeated.any():
        return frame
    catalogue = la_catalogue()
    single, many = frame[~repeated], frame[repeated]
    combined = []
    for key, rows in many.groupby(keys, sort=False):
        ind = catalogue[key[0]]
        summable = ind.aggregation == "sum" and rows["value"].notna().all()
        combined.append({**dict(zip(keys, key)), "value": rows["value"].sum() if summable else np.nan,
                         "numerator": rows["numerator"].sum(min_count=1) if summable else np.nan, "denominator": np.nan,
                         "note": f"sum of {len(rows)} source rows for this area" if summable else
                                 f"{len(rows)} source rows for this area; not combined (not a count)"})
    ctx.fact("LA indicators", ",".join(sorted({catalogue[k].source for k in many["indicator_id"]})), "all",
             "LA-periods published in several rows", len(combined), "counts summed; other measures left missing")
    return pd.concat([single, pd.DataFrame(combined)], ignore_index=True)[frame.columns]


def build_la_indicators(ctx: BuildContext) -> None:
    """Load every LA indicator in the registry into ctx.values."""
    by_loader: dict[str, list[Indicator]] = defaultdict(list)
    for ind in la_catalogue().values():
        by_loader[ind.loader].append(ind)
    for loader, items in sorted(by_loader.items()):
        frame = one_row_per_area(ctx, LOADERS[loader](ctx, items))
        parts = [frame]
        for ind in items:
            parts.append(partnership_rows(ctx, ind, frame[frame["indicator_id"] == ind.id]))
        values = pd.concat([p for p in parts if not p.empty], ignore_index=True)
        values["value"] = values["value"].astype(float)
        values["numerator"] = values["numerator"].astype(float)
        values["denominator"] = values["denominator"].astype(float)
        values["note"] = values["note"].astype(object).where(values["note"].notna(), None)
        ctx.values.append(values[VALUE_COLUMNS])
