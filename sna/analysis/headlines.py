"""Headline figures for the Home page: the partnership, each LA, the region and England."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from sna import db
from sna.analysis.formatting import format_value, period_label
from sna.analysis.values import indicator

HEADLINES: dict[str, str] = {  # indicator id -> short label, in the order shown: the most recent measures first
    "iod25_violence_with_injury": "Violence with injury per 1,000 (IoD2025)",
    "la_prc_violence_with_injury_count": "Violence with injury recorded by the police",
    "la_prc_robbery_count": "Robbery recorded by the police",
    "la_prc_weapons_count": "Possession of weapons offences recorded by the police",
    "iod25_imd_decile1_share": "LSOAs in England's most deprived 10% (IMD 2025)",
    "pop_10_24": "Residents aged 10-24",
    "police_serious_violence_rate": "Serious violence per 1,000 residents (police.uk street-level)",
}
OLD_AFTER_YEARS = 4  # a figure whose period ends this many years before the newest headline is labelled as older


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
                        "raw_period": str(period), "source": ind["publisher"], "vintage": ind["vintage"], "licence": ind["licence"],
                        "area": meta.get("area_short_name", "")})
    newest = max((_year(f["raw_period"]) for f in figures if _year(f["raw_period"])), default=None)
    for fig in figures:
        fig["caveat"] = freshness_caveat(fig["raw_period"], newest)
    return Headlines(table.reset_index(drop=True), figures)


def _year(period: str) -> int | None:
    """The last four-digit year in a period label ('2018-06' -> 2018, 'year ending June 2025' -> 2025, '2024/25' -> 2024)."""
    years = re.findall(r"(?<!\d)(\d{4})(?!\d)", str(period))
    return int(years[-1]) if years else None


def freshness_caveat(period: str, newest_year: int | None) -> str:
    """'' for a current figure; otherwise why it is not the current picture (one month only, or older)."""
    notes = []
    if re.fullmatch(r"\d{4}-\d{2}", str(period)):
        notes.append("one month only")
    year = _year(period)
    if year and newest_year and newest_year - year >= OLD_AFTER_YEARS:
        notes.append(f"from {year}: not the current picture")
    return "; ".join(notes)
