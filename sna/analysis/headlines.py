"""Headline figures for the Home page: the partnership, each LA, the region and England."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from sna import db
from sna.analysis.formatting import format_value, period_label
from sna.analysis.values import indicator

HEADLINES: dict[str, str] = {  # indicator id -> short label, in the order shown
    "pop_10_24": "Residents aged 10-24",
    "iod25_violence_with_injury": "Violence with injury per 1,000 (IoD2025)",
    "police_serious_violence_count": "Serious violence crimes (police.uk)",
    "police_serious_violence_rate": "Serious violence per 1,000 residents (police.uk)",
    "iod25_imd_decile1_share": "LSOAs in England's most deprived 10% (IMD 2025)",
}


@dataclass
class Headlines:
    table: pd.DataFrame  # one row per area (partnership, LAs, region, England), formatted strings
    figures: list[dict] = field(default_factory=list)  # for the partnership: title, value, unit, source, vintage, period


def headlines(con, cat: pd.DataFrame, labels: dict[str, str] | None = None) -> Headlines:
    """Headline figures for the partnership, each LA, the region and England, with sources and vintages."""
    labels = labels or HEADLINES
    ids = [i for i in labels if i in set(cat["id"])]
    meta = db.meta(con)
    values = db.summary_values(con, ids)
    order = {"partnership": 0, "lad": 1, "region": 2, "country": 3}
    areas = (values[["area_code", "name", "level"]].drop_duplicates()
             .assign(o=lambda f: f["level"].map(order)).sort_values(["o", "name"]))
    table = pd.DataFrame({"Area": areas["name"].to_numpy(), "Type": areas["level"].map(db.LEVEL_LABELS).to_numpy()})
    figures = []
    for ind_id in ids:
        ind = indicator(cat, ind_id)
        these = values[values["indicator_id"] == ind_id]
        by_code = dict(zip(these["area_code"], these["value"]))
        period = these["period"].max() if not these.empty else ""
        column = labels[ind_id]
        table[column] = [format_value(by_code.get(c), ind["unit"]) if c in by_code else "not held" for c in areas["area_code"]]
        part = these[these["level"] == "partnership"]
        figures.append({"id": ind_id, "title": ind["title"], "label": labels[ind_id], "unit": ind["unit"], "period": period_label(period),
                        "value": float(part["value"].iloc[0]) if not part.empty else math.nan,
                        "text": format_value(part["value"].iloc[0], ind["unit"]) if not part.empty else "not held",
                        "source": ind["publisher"], "vintage": ind["vintage"], "licence": ind["licence"],
                        "area": meta.get("area_short_name", "")})
    return Headlines(table.reset_index(drop=True), figures)
