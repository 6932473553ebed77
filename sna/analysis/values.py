"""An indicator on screen: the levels offered, the values of the areas shown, their ranks, classes,
legend and the ranked table (the accessible alternative to the map)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sna import db
from sna.analysis.classify import NO_DATA, classify, hex_colour, palette
from sna.analysis.formatting import format_value, format_values, is_missing
from sna.errors import ChoiceError


# --- Geography levels offered to people --------------------------------------------------------

@dataclass(frozen=True)
class Level:
    key: str
    label: str
    db_level: str | None  # None: the indicator's own LSOA vintage (2011 or 2021)
    noun: str


LEVELS: dict[str, Level] = {
    "lsoa": Level("lsoa", "Neighbourhoods (LSOAs)", None, "neighbourhood"),
    "ward": Level("ward", "Wards", "ward", "ward"),
    "lad": Level("lad", "Local authorities", "lad", "local authority"),
}
POLARITY_WORDS = {"higher_worse": "worse", "lower_worse": "better", "neutral": "neither better nor worse"}
RANK_ONE = {"higher_worse": "highest value", "lower_worse": "lowest value, the most deprived", "neutral": "highest value"}


def get_level(key: str) -> Level:
    if key not in LEVELS:
        raise ChoiceError(f"Unknown geography level '{key}'. Choose one of: {', '.join(LEVELS)}.")
    return LEVELS[key]


def db_level(indicator: dict, level_key: str) -> str:
    """The database level for a level choice: LSOAs are the 2011 or 2021 set the indicator is published on."""
    level = get_level(level_key)
    native = indicator["geography"] if str(indicator["geography"]).startswith("lsoa") else "lsoa11"
    return level.db_level or native


def drawn_level(cat: pd.DataFrame, indicator_id: str, level_key: str) -> str | None:
    """The database level a map of this indicator at this level choice draws; None when the catalogue
    has no such indicator (a page may ask before its widgets have checked the choice)."""
    try:
        ind = indicator(cat, indicator_id)
    except ChoiceError:
        return None
    return db_level(ind, level_key)


# --- Catalogue ---------------------------------------------------------------------------------

def catalogue(con) -> pd.DataFrame:
    """The indicator catalogue, with the levels each indicator has values at (list column `levels`)."""
    cat = db.catalogue(con)
    held = db.levels_held(con)
    cat = cat.merge(held, left_on="id", right_on="indicator_id", how="inner").drop(columns="indicator_id")
    cat["levels"] = cat["levels"].map(list)
    return cat.reset_index(drop=True)


def indicator(cat: pd.DataFrame, indicator_id: str) -> dict:
    rows = cat[cat["id"] == indicator_id]
    if rows.empty:
        raise ChoiceError(f"No indicator '{indicator_id}' in this database. Pick one from the list.")
    return rows.iloc[0].to_dict()


def themes(cat: pd.DataFrame) -> list[str]:
    return sorted(cat["theme"].dropna().unique(), key=lambda t: (t != "violence and crime", t))


def indicators_in(cat: pd.DataFrame, theme: str) -> dict[str, str]:
    """id -> title for one theme, in catalogue order."""
    rows = cat[cat["theme"] == theme]
    return dict(zip(rows["id"], rows["title"]))


def levels_for(ind: dict) -> list[str]:
    """Level keys at which the indicator has values."""
    return [key for key in LEVELS if db_level(ind, key) in ind["levels"]]


def require_level(ind: dict, level_key: str) -> str:
    """The database level, or a ChoiceError naming where the indicator is defined."""
    level = db_level(ind, level_key)
    if level not in ind["levels"]:
        where = " and ".join(LEVELS[k].label for k in levels_for(ind)) or "no level"
        raise ChoiceError(f"'{ind['title']}' is not available for {get_level(level_key).label}: it is available "
                          f"for {where} only. Choose another level or indicator.")
    return level


# --- Values for the map and the ranked table --------------------------------------------------

def rank_worst_first(values: pd.Series, polarity: str) -> pd.Series:
    """Rank within the areas given: 1 = the 'worse' end (highest unless lower is worse; highest for neutral)."""
    ascending = polarity == "lower_worse"
    return values.rank(method="min", ascending=ascending).astype("Int64")


def area_values(con, ind: dict, level_key: str, lad_codes: list[str]) -> pd.DataFrame:
    """One row per area on screen: code, name, lad_name, value, numerator, denominator, rank, decile.

    Raises ChoiceError for an empty filter or an indicator not defined at the level."""
    if not lad_codes:
        raise ChoiceError("No local authority is selected. Choose at least one to see the map.")
    level = require_level(ind, level_key)
    lads = db.lad_names(con)
    # Every area of a level lies in one of the study area's LAs, so choosing them all filters nothing: the
    # filter (a semi-join on the chosen codes) is left out then, England's 32,844 LSOAs in 3x less time.
    chosen = None if set(lad_codes) >= set(lads) else lad_codes
    frame = db.values(con, ind["id"], level, lad_codes=chosen)
    if frame.empty:
        raise ChoiceError(f"'{ind['title']}' has no values for the chosen local authorities at this level.")
    frame = frame.rename(columns={"area_code": "code"})
    frame["lad_name"] = frame["lad_code"].map(lads)
    frame["rank"] = rank_worst_first(frame["value"], ind["polarity"])
    frame["decile"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    decile_id = ind.get("decile_indicator")
    if level.startswith("lsoa") and isinstance(decile_id, str) and decile_id:
        deciles = db.values(con, decile_id, level, lad_codes=chosen)[["area_code", "value"]]
        frame = frame.drop(columns="decile").merge(
            deciles.rename(columns={"area_code": "code", "value": "decile"}), on="code", how="left")
        frame["decile"] = frame["decile"].round().astype("Int64")
    return frame.reset_index(drop=True)


@dataclass
class MapClasses:
    classes: np.ndarray  # class per row (-1 missing)
    colours: list[tuple[int, int, int]]  # one per class
    legend: pd.DataFrame  # colour, from, to, areas


def map_classes(values: pd.Series, ind: dict, scheme: str, k: int) -> MapClasses:
    """Classes with mapclassify, a palette whose dark end is the worse end, and the legend table."""
    result = classify(values, scheme, k)
    colours = palette(len(result.counts), ind["polarity"])
    lows = [result.lower, *result.bins[:-1]]
    unit = ind["unit"]
    legend = pd.DataFrame({"colour": [hex_colour(c) for c in colours],
                           "from": [format_value(v, unit) for v in lows],
                           "to": [format_value(v, unit) for v in result.bins],
                           "areas": result.counts})
    missing = int((result.classes < 0).sum())
    if missing:
        legend.loc[len(legend)] = [hex_colour(NO_DATA), "no data", "", missing]
    return MapClasses(result.classes, colours, legend)


def ranked_table(frame: pd.DataFrame, ind: dict) -> pd.DataFrame:
    """The areas on screen, worst first: the accessible alternative to the map (and the CSV download)."""
    table = frame[["rank", "name", "code", "lad_name", "value", "decile"]].copy()
    table = table.rename(columns={"rank": "Rank", "name": "Area", "code": "Code", "lad_name": "Local authority",
                                  "value": f"{ind['title']} ({ind['unit']})", "decile": "National decile"})
    if table["National decile"].isna().all():
        table = table.drop(columns="National decile")
    return table.sort_values(["Rank", "Area"], na_position="last").reset_index(drop=True)


def ranked_text(table: pd.DataFrame, ind: dict) -> pd.DataFrame:
    """Rows of ranked_table as the text a plain table shows: values written as the map's tooltips write
    them, ranks and deciles as whole numbers, blank where missing."""
    value_col = table.columns[4]
    text = table.assign(**{value_col: format_values(table[value_col].astype(float).tolist(), ind["unit"])})
    for column in ("Rank", "National decile"):
        if column in text:
            text[column] = ["" if is_missing(v) else str(int(v)) for v in text[column]]
    return text


def shapes_note(counts: dict[str, int]) -> str:
    """Which shapes the map draws, when they are not the level's own boundaries ('' otherwise): 2021 LSOAs
    drawn on 2011 shapes through the ONS lookup, with how many are split (grey) or merged."""
    derived = {k: n for k, n in counts.items() if k.startswith("2011 shape")}
    if not derived:
        return ""
    parts = ", ".join(f"{n:,} {k.replace('2011 shapes ', '').replace('2011 shape ', '').strip('()')}" for k, n in derived.items())
    return ("Shapes: no LSOA 2021 boundary file is held for this study area, so 2021 LSOAs are drawn on their 2011 "
            f"shapes through the ONS LSOA 2011 to 2021 lookup ({parts}). A 2011 LSOA split in 2021 is drawn once, in "
            "grey, because its parts have no separate shapes; their values are in the table.")
