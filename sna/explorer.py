"""Everything the explorer pages show, computed here: choices, values on a map, ranks, classes,
legends, area profiles with confidence intervals, search and the headline figures.

Pure functions over a read-only DuckDB connection (sna.db) and DataFrames; no Streamlit. The pages
read widgets, call these and render.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from geo import from_wkb, mapview
from sna import db
from sna.classify import SCHEMES, classify
from sna.errors import SnaError

Z95 = 1.959963984540054


class ChoiceError(SnaError):
    """A combination of choices that has nothing to show (e.g. an indicator not defined at a level)."""


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


def get_level(key: str) -> Level:
    if key not in LEVELS:
        raise ChoiceError(f"Unknown geography level '{key}'. Choose one of: {', '.join(LEVELS)}.")
    return LEVELS[key]


def db_level(indicator: dict, level_key: str) -> str:
    """The database level for a level choice: LSOAs are the 2011 or 2021 set the indicator is published on."""
    level = get_level(level_key)
    native = indicator["geography"] if str(indicator["geography"]).startswith("lsoa") else "lsoa11"
    return level.db_level or native


# --- Catalogue ---------------------------------------------------------------------------------

def catalogue(con) -> pd.DataFrame:
    """The indicator catalogue, with the levels each indicator has values at (list column `levels`)."""
    cat = db.catalogue(con)
    held = db.query(con, "SELECT indicator_id, list(DISTINCT level) AS levels FROM indicator_values GROUP BY 1")
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


# --- Formatting numbers for people ------------------------------------------------------------

UNIT_KINDS: list[tuple[str, str]] = [  # (prefix of the unit text, kind); first match wins
    ("% ", "percent"), ("%", "percent"), ("rank", "rank"), ("decile", "decile"), ("people", "count"),
    ("children", "count"), ("crimes", "count"), ("incidents", "count"), ("per ", "rate"),
]


def unit_kind(unit: str | None) -> str:
    text = (unit or "").strip().lower()
    for prefix, kind in UNIT_KINDS:
        if text.startswith(prefix):
            return kind
    return "measure"


def _decimals(value: float) -> int:
    size = abs(value)
    return 0 if size >= 1000 else 1 if size >= 100 else 2 if size >= 1 else 3


def format_value(value, unit: str | None, with_unit: bool = False) -> str:
    """A number as people read it: 263,775; 42.8%; 10.5; rank 1,234; 'no data' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "no data"
    value = float(value)
    kind = unit_kind(unit)
    if kind == "percent":
        return f"{value:,.1f}%"
    if kind in ("rank", "decile", "count"):
        text = f"{value:,.0f}"
    elif kind == "rate":
        text = f"{value:,.{1 if abs(value) >= 10 else 2}f}"
    else:
        text = f"{value:,.{_decimals(value)}f}"
    return f"{text} {unit}" if with_unit and kind in ("rate", "count", "measure") else text


def sentence(text: str) -> str:
    """First letter upper case, the rest untouched ('% of LSOAs' stays; str.capitalize would lower it)."""
    return text[:1].upper() + text[1:] if text else text


def period_label(period: str) -> str:
    """'2018-06' -> 'June 2018'; others unchanged."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(period))
    if not match:
        return str(period)
    return pd.Timestamp(int(match[1]), int(match[2]), 1).strftime("%B %Y")


# --- Values for the map and the ranked table --------------------------------------------------

def rank_worst_first(values: pd.Series, polarity: str) -> pd.Series:
    """Rank within the areas given: 1 = the 'worst' end (highest unless lower is worse; highest for neutral)."""
    ascending = polarity == "lower_worse"
    return values.rank(method="min", ascending=ascending).astype("Int64")


def area_values(con, ind: dict, level_key: str, lad_codes: list[str]) -> pd.DataFrame:
    """One row per area on screen: code, name, lad_name, value, numerator, denominator, rank, decile.

    Raises ChoiceError for an empty filter or an indicator not defined at the level."""
    if not lad_codes:
        raise ChoiceError("No local authority is selected. Choose at least one to see the map.")
    level = require_level(ind, level_key)
    frame = db.values(con, ind["id"], level, lad_codes=lad_codes)
    if frame.empty:
        raise ChoiceError(f"'{ind['title']}' has no values for the chosen local authorities at this level.")
    lads = db.query(con, "SELECT code AS lad_code, name AS lad_name FROM areas WHERE level = 'lad'")
    frame = frame.merge(lads, on="lad_code", how="left").rename(columns={"area_code": "code"})
    frame["rank"] = rank_worst_first(frame["value"], ind["polarity"])
    frame["decile"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    decile_id = ind.get("decile_indicator")
    if level.startswith("lsoa") and isinstance(decile_id, str) and decile_id:
        deciles = db.values(con, decile_id, level, lad_codes=lad_codes)[["area_code", "value"]]
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
    colours = mapview.palette(len(result.counts), ind["polarity"])
    lows = [result.lower, *result.bins[:-1]]
    unit = ind["unit"]
    legend = pd.DataFrame({"colour": [mapview.hex_colour(c) for c in colours],
                           "from": [format_value(v, unit) for v in lows],
                           "to": [format_value(v, unit) for v in result.bins],
                           "areas": result.counts})
    missing = int((result.classes < 0).sum())
    if missing:
        legend.loc[len(legend)] = [mapview.hex_colour(mapview.NO_DATA), "no data", "", missing]
    return MapClasses(result.classes, colours, legend)


def map_rows(geometry: list[dict], frame: pd.DataFrame, mc: MapClasses, ind: dict) -> list[dict]:
    """PolygonLayer rows: geometry prepared once, joined by code to this rerun's values.

    Properties are short and pre-formatted (n name, c code, v value, r rank, d decile, f fill);
    text is HTML-escaped because pydeck tooltips render HTML."""
    import html

    unit = ind["unit"]
    total = int(frame["value"].notna().sum())
    props: dict[str, dict] = {}
    for row, cls in zip(frame.itertuples(index=False), mc.classes):
        colour = list(mc.colours[cls]) if cls >= 0 else list(mapview.NO_DATA)
        item = {"n": html.escape(str(row.name)), "v": html.escape(format_value(row.value, unit)),
                "r": f"{row.rank} of {total}" if not pd.isna(row.rank) else "not ranked", "f": colour}
        if not pd.isna(row.decile):
            item["d"] = f"{int(row.decile)}"
        props[row.code] = item
    return [{"c": g["c"], "p": g["p"], **props[g["c"]]} for g in geometry if g["c"] in props]


RANK_ONE = {"higher_worse": "highest value", "lower_worse": "lowest value, the most deprived", "neutral": "highest value"}


def tooltip(ind: dict, level_key: str) -> dict:
    """Tooltip template: name, code, value with unit, rank within the areas shown, decile where defined."""
    import html

    unit = html.escape(ind["unit"] or "")
    decile = "<br/>National decile: {d} (1 = most deprived 10%)" if level_key == "lsoa" and ind.get("decile_indicator") else ""
    first = RANK_ONE[ind["polarity"]]
    return {"html": f"<b>{{n}}</b> <span style='opacity:.75'>{{c}}</span><br/>{{v}} <i>{unit}</i>"
                    f"<br/>Rank {{r}} in the areas shown (1 = {first})" + decile,
            "style": {"backgroundColor": "#1b2631", "color": "white", "fontSize": "13px"}}


def ranked_table(frame: pd.DataFrame, ind: dict) -> pd.DataFrame:
    """The areas on screen, worst first: the accessible alternative to the map (and the CSV download)."""
    table = frame[["rank", "name", "code", "lad_name", "value", "decile"]].copy()
    table = table.rename(columns={"rank": "Rank", "name": "Area", "code": "Code", "lad_name": "Local authority",
                                  "value": f"{ind['title']} ({ind['unit']})", "decile": "National decile"})
    if table["National decile"].isna().all():
        table = table.drop(columns="National decile")
    return table.sort_values(["Rank", "Area"], na_position="last").reset_index(drop=True)


def lad_choices(con) -> dict[str, str]:
    """The study area's local authorities, code -> name."""
    frame = db.query(con, "SELECT code, name FROM areas WHERE level = 'lad' ORDER BY name")
    return dict(zip(frame["code"], frame["name"]))


# --- Confidence intervals and comparison (as Fingertips shows them) ---------------------------

def byar_ci(count: float, denominator: float, multiplier: float = 1.0, z: float = Z95) -> tuple[float, float]:
    """95% CI of a rate count/denominator*multiplier with Byar's approximation to the Poisson (count >= 0)."""
    if count < 0 or denominator <= 0:
        return (math.nan, math.nan)
    lower = 0.0 if count == 0 else count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    return (lower / denominator * multiplier, upper / denominator * multiplier)


def wilson_ci(numerator: float, denominator: float, multiplier: float = 1.0, z: float = Z95) -> tuple[float, float]:
    """95% CI of a proportion numerator/denominator (Wilson score), scaled by multiplier (100 for %)."""
    if denominator <= 0 or numerator < 0 or numerator > denominator:
        return (math.nan, math.nan)
    p = numerator / denominator
    centre = p + z * z / (2 * denominator)
    spread = z * math.sqrt(p * (1 - p) / denominator + z * z / (4 * denominator ** 2))
    scale = 1 + z * z / denominator
    return ((centre - spread) / scale * multiplier, (centre + spread) / scale * multiplier)


CI_METHODS = {"rate": ("Byar's method", byar_ci), "percent": ("Wilson score", wilson_ci)}
CI_AGGREGATIONS = {"ratio", "lsoa_share"}  # indicators stored with a count numerator and a denominator


def ci_method(ind: dict) -> str | None:
    """'rate' (Byar), 'percent' (Wilson) or None when the indicator has no numerator (IoD scores and rates)."""
    if ind.get("aggregation") not in CI_AGGREGATIONS:
        return None
    kind = unit_kind(ind.get("unit"))
    return kind if kind in CI_METHODS else None


def confidence_interval(ind: dict, numerator, denominator) -> tuple[float, float]:
    method = ci_method(ind)
    if method is None or pd.isna(numerator) or pd.isna(denominator):
        return (math.nan, math.nan)
    multiplier = float(ind.get("multiplier") or 1)
    return CI_METHODS[method][1](float(numerator), float(denominator), multiplier)


COMPARISON_WORDS = {  # (polarity, direction) -> word, as Fingertips colours them
    ("higher_worse", "higher"): "worse", ("higher_worse", "lower"): "better",
    ("lower_worse", "higher"): "better", ("lower_worse", "lower"): "worse",
    ("neutral", "higher"): "higher", ("neutral", "lower"): "lower",
}


def compare(lower: float, upper: float, comparator: float, polarity: str) -> str:
    """Significance against a comparator: the 95% CI lies wholly above/below it, else 'similar'."""
    if any(pd.isna(x) for x in (lower, upper)):
        return "no CI"
    if pd.isna(comparator):
        return "no comparator"
    if lower > comparator:
        return COMPARISON_WORDS[(polarity, "higher")]
    if upper < comparator:
        return COMPARISON_WORDS[(polarity, "lower")]
    return "similar"


# --- Area profiles ----------------------------------------------------------------------------

def area_record(con, code: str, level: str) -> dict:
    rows = db.query(con, """SELECT a.code, a.name, a.level, a.lad_code, l.name AS lad_name, a.region_code, a.ward_code
                            FROM areas a LEFT JOIN areas l ON l.code = a.lad_code AND l.level = 'lad'
                            WHERE a.code = ? AND a.level = ?""", [code, level])
    if rows.empty:
        raise ChoiceError(f"No area with code {code} at level {level}. Search again by name, code or postcode.")
    return rows.iloc[0].to_dict()


def profile(con, cat: pd.DataFrame, code: str, level: str) -> pd.DataFrame:
    """Every indicator held for one area against its LA, the region and England, with 95% CIs where
    the indicator has a count numerator, and Fingertips-style comparisons with England and the LA."""
    area = area_record(con, code, level)
    own = db.query(con, """SELECT indicator_id, period, value, numerator, denominator FROM indicator_values
                           WHERE area_code = ? AND level = ?""", [code, level])
    comparators = {"lad": area["lad_code"] if level != "lad" else None, "region": area["region_code"],
                   "country": "E92000001"}
    comp = db.query(con, """SELECT indicator_id, period, level, value FROM indicator_values
                            WHERE (level = 'lad' AND area_code = ?) OR (level = 'region' AND area_code = ?)
                               OR (level = 'country' AND area_code = ?)""",
                    [comparators["lad"], comparators["region"], comparators["country"]])
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


# --- Search by name, code or postcode ---------------------------------------------------------

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}$")
CODE = re.compile(r"^E\d{8}$")
SEARCH_LEVELS = ("lsoa11", "lsoa21", "ward", "lad")


def normalise_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text.upper())


def search(con, text: str, limit: int = 20) -> pd.DataFrame:
    """Areas matching a postcode (the areas containing it), an area code or part of a name.

    Returns code, name, level, level_label, matched (how it matched); empty when nothing matches."""
    text = (text or "").strip()
    columns = ["code", "name", "level", "level_label", "matched"]
    if len(text) < 2:
        return pd.DataFrame(columns=columns)
    upper = text.upper()
    if POSTCODE.match(upper):
        found = postcode_areas(con, normalise_postcode(upper))
    elif CODE.match(upper):
        found = db.query(con, "SELECT code, name, level FROM areas WHERE code = ? AND level IN (SELECT unnest(?))",
                         [upper, list(SEARCH_LEVELS)]).assign(matched="code")
    else:
        found = db.query(con, """SELECT code, name, level FROM areas WHERE level IN (SELECT unnest(?))
                                 AND name ILIKE '%' || ? || '%' ORDER BY level = 'lad' DESC, level = 'ward' DESC, name LIMIT ?""",
                         [list(SEARCH_LEVELS), text, limit]).assign(matched="name")
    if found.empty:
        return pd.DataFrame(columns=columns)
    found["level_label"] = found["level"].map(db.LEVEL_LABELS)
    return found[columns].reset_index(drop=True)


def postcode_areas(con, postcode: str) -> pd.DataFrame:
    """The LSOA (2011 and 2021), ward and LA containing a Code-Point Open postcode's point."""
    hit = con.execute("SELECT display, lon, lat FROM postcodes WHERE postcode = ?", [postcode]).fetchone()
    if hit is None:
        return pd.DataFrame(columns=["code", "name", "level", "matched"])
    display, lon, lat = hit
    rows = []
    for level in SEARCH_LEVELS:
        frame = db.query(con, "SELECT code, name, geometry FROM areas WHERE level = ? AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?",
                         [level, lon - 0.5, lon + 0.5, lat - 0.5, lat + 0.5])
        if frame.empty:
            continue
        geoms = from_wkb(frame["geometry"])
        inside = shapely.contains_xy(geoms, lon, lat)
        for code, name in frame.loc[inside, ["code", "name"]].itertuples(index=False):
            rows.append({"code": code, "name": name, "level": level, "matched": f"postcode {display}"})
    return pd.DataFrame.from_records(rows, columns=["code", "name", "level", "matched"])


# --- Headline figures for the Home page -------------------------------------------------------

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
    values = db.query(con, """SELECT v.indicator_id, v.area_code, v.level, v.period, v.value, a.name FROM indicator_values v
                              JOIN areas a ON a.code = v.area_code AND a.level = v.level
                              WHERE v.indicator_id IN (SELECT unnest(?)) AND v.level IN ('partnership', 'lad', 'region', 'country')""",
                      [ids])
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


def police_months(con) -> list[str]:
    """The months of police.uk data held (for 'latest months held' captions)."""
    return [r[0] for r in con.execute("SELECT DISTINCT month FROM crime_counts ORDER BY 1").fetchall()]


# --- Data and methods -------------------------------------------------------------------------

def catalogue_table(cat: pd.DataFrame) -> pd.DataFrame:
    """The indicator catalogue for people: definition, unit, source, publisher, vintage, licence, link."""
    return pd.DataFrame({"Theme": cat["theme"], "Indicator": cat["title"], "Definition": cat["definition"],
                         "Unit": cat["unit"], "Higher is": cat["polarity"].map(POLARITY_WORDS),
                         "Published for": cat["geography"].map(db.LEVEL_LABELS),
                         "How areas are combined": cat["aggregation_text"], "Publisher": cat["publisher"],
                         "Vintage": cat["vintage"], "Licence": cat["licence"], "Link": cat["official_page"],
                         "Id": cat["id"]}).sort_values(["Theme", "Indicator"]).reset_index(drop=True)


POLARITY_WORDS = {"higher_worse": "worse", "lower_worse": "better", "neutral": "neither better nor worse"}

AGGREGATION_WORDS = {
    "sum": "Counts are added up over the LSOAs in the ward or local authority.",
    "ratio": "Rates and shares are recomputed from summed numerators and denominators (not averaged).",
    "weighted_mean": "IoD scores and rates are population-weighted means of the LSOA values.",
    "lsoa_share": "Shares of LSOAs count the LSOAs in a decile, as the official local authority summaries do.",
    "none": "Ranks and deciles belong to single LSOAs and are not combined to wards or local authorities.",
    "native": "Published for local authorities by the source; used as published.",
}

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0: Office for National "
    "Statistics (population estimates, boundaries and lookups), Ministry of Housing, Communities and Local Government "
    "(English Indices of Deprivation 2019 and 2025), Department for Education, and police.uk (street-level crime). "
    "Contains OS data © Crown copyright and database right (OS OpenData: Code-Point Open, boundaries). "
    "Contains Royal Mail data © Royal Mail copyright and database right."
)

IOD_NOT_A_SERIES = (
    "The Indices of Deprivation 2019 are published for 2011 LSOAs and the 2025 indices for 2021 LSOAs, with different "
    "indicators, data years and methods. They are not a time series: compare ranks within one edition, not scores "
    "between editions."
)

CI_TEXT = (
    "Where an indicator is a count divided by a population (police.uk rates per 1,000 residents), its 95% confidence "
    "interval uses Byar's method; where it is a proportion (a share of residents or of LSOAs), the Wilson score "
    "method. This is what Fingertips (OHID) does. An area is shown as better or worse than England or its local "
    "authority when its interval does not include the comparator's value, otherwise similar. IoD scores and rates "
    "are published without numerators, so they have no interval and are not tested."
)


def scheme_labels() -> dict[str, str]:
    return {key: label for key, (label, _cls) in SCHEMES.items()}


# --- Presentation helpers (no Streamlit) ------------------------------------------------------

NUMBER_FORMATS = {"percent": "%.1f%%", "count": "localized", "rank": "localized", "decile": "%d", "rate": "%.2f",
                  "measure": "%.3f"}

# Okabe-Ito colours (colour-blind safe) for Fingertips-style comparisons.
COMPARISON_COLOURS = {"better": "#0072B2", "worse": "#D55E00", "similar": "#E69F00", "higher": "#CC79A7",
                      "lower": "#56B4E9", "no CI": "#ffffff", "no comparator": "#ffffff"}


def number_format(unit: str | None) -> str:
    """A Streamlit NumberColumn format for an indicator's unit."""
    return NUMBER_FORMATS[unit_kind(unit)]


def spine_figure(sp: pd.DataFrame, area_name: str, lad_name: str | None):
    """Plotly dot chart of the area against its LA and the region, England = 100, with 95% CIs."""
    import plotly.graph_objects as go

    height = 120 + 30 * len(sp)
    fig = go.Figure()
    fig.add_vline(x=100, line_color="#1b2631", line_width=1.5,
                  annotation_text="England = 100", annotation_position="top")
    if lad_name and sp["lad"].notna().any():
        fig.add_trace(go.Scatter(x=sp["lad"], y=sp["title"], mode="markers", name=lad_name,
                                 marker={"symbol": "diamond", "size": 9, "color": "#7f8c8d"}))
    fig.add_trace(go.Scatter(x=sp["region"], y=sp["title"], mode="markers", name="West Midlands region",
                             marker={"symbol": "line-ns-open", "size": 14, "color": "#1b2631", "line": {"width": 2}}))
    has_ci = sp["lower"].notna()
    fig.add_trace(go.Scatter(
        x=sp["area"], y=sp["title"], mode="markers", name=area_name,
        error_x={"type": "data", "symmetric": False, "array": (sp["upper"] - sp["area"]).where(has_ci),
                 "arrayminus": (sp["area"] - sp["lower"]).where(has_ci), "color": "#1b2631", "thickness": 1.2},
        marker={"size": 12, "color": [COMPARISON_COLOURS.get(v, "#ffffff") for v in sp["vs_england"]],
                "line": {"color": "#1b2631", "width": 1}},
        customdata=np.stack([[format_value(v, u) for v, u in zip(sp["value"], sp["unit"])], sp["unit"], sp["vs_england"]], axis=-1),
        hovertemplate="%{y}<br>%{customdata[0]} %{customdata[1]}<br>Compared with England: %{customdata[2]}<extra></extra>"))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="#ffffff",
                      legend={"orientation": "h", "y": -0.02 if len(sp) > 8 else -0.15, "yanchor": "top"},
                      xaxis={"title": "Relative to England (England = 100)", "gridcolor": "#e5e8eb", "zeroline": False},
                      yaxis={"autorange": "reversed", "automargin": True})
    return fig


def legend_styler(legend: pd.DataFrame):
    """The legend as a pandas Styler: a colour swatch cell, class bounds and counts (no HTML from data)."""
    frame = pd.DataFrame({"Colour": [""] * len(legend), "From": legend["from"], "To": legend["to"],
                          "Areas": [f"{n:,}" for n in legend["areas"]]})
    colours = list(legend["colour"])
    return (frame.style.apply(lambda col: [f"background-color: {c}" for c in colours], subset=["Colour"])
            .hide(axis="index"))
