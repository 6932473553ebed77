"""Find an area by postcode (the areas containing it), area code or part of a name."""

from __future__ import annotations

import re

import pandas as pd
import shapely

from geo import from_wkb
from sna import db

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}$")
# A postcode district ("B6") or sector ("B6 5"): the areas its postcodes fall in.
PARTIAL_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s+([0-9])[A-Z]?)?$")
CODE = re.compile(r"^E\d{8}$")
SEARCH_LEVELS = ("lsoa11", "lsoa21", "ward", "lad")
NAME_ORDER = {"place": 0, "lad": 1, "ward": 2}  # a name search lists impact areas, LAs and wards before LSOAs
COLUMNS = ["code", "name", "level", "level_label", "matched"]
MAX_QUERY_CHARS = 100  # the longest area name is under 60 characters; the page's text box has this limit too


def normalise_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text.upper())


def search(con, text: str, limit: int = 20) -> pd.DataFrame:
    """Areas matching a postcode (the areas containing it), an area code or part of a name.

    Returns code, name, level, level_label, matched (how it matched); empty when nothing matches."""
    text = (text or "").strip()[:MAX_QUERY_CHARS]
    if len(text) < 2:
        return pd.DataFrame(columns=COLUMNS)
    upper = text.upper()
    if POSTCODE.match(upper):
        found = postcode_areas(con, normalise_postcode(upper))
    elif CODE.match(upper):
        found = db.areas_by_code(con, upper, SEARCH_LEVELS).assign(matched="code")
    elif PARTIAL_POSTCODE.match(upper) and not db.areas_by_name(con, text, SEARCH_LEVELS, 1).shape[0]:
        found = postcode_prefix_areas(con, upper, limit)
    else:
        found = pd.concat([db.places_by_name(con, text), db.areas_by_name(con, text, SEARCH_LEVELS, limit).assign(matched="name")],
                          ignore_index=True).drop_duplicates(["code", "level"])
        order = found["level"].map(NAME_ORDER).fillna(len(NAME_ORDER))
        found = found.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o").head(limit)
    if found.empty:
        return pd.DataFrame(columns=COLUMNS)
    found["level_label"] = found["level"].map({**db.LEVEL_LABELS, "place": "Impact area"})
    return found[COLUMNS].reset_index(drop=True)


def postcode_areas(con, postcode: str) -> pd.DataFrame:
    """The LSOA (2011 and 2021), ward and LA containing a Code-Point Open postcode's point."""
    hit = db.postcode_point(con, postcode)
    if hit is None:
        return pd.DataFrame(columns=["code", "name", "level", "matched"])
    display, lon, lat = hit
    rows = []
    for level in SEARCH_LEVELS:
        frame = db.areas_near(con, level, lon, lat, 0.5)
        if frame.empty:
            continue
        inside = shapely.contains_xy(from_wkb(frame["geometry"]), lon, lat)
        for code, name in frame.loc[inside, ["code", "name"]].itertuples(index=False):
            rows.append({"code": code, "name": name, "level": level, "matched": f"postcode {display}"})
    return pd.DataFrame.from_records(rows, columns=["code", "name", "level", "matched"])


def postcode_prefix_areas(con, text: str, limit: int = 20) -> pd.DataFrame:
    """The LSOAs covered by a postcode district ('B6') or sector ('B6 5'), most postcodes first."""
    district, sector = PARTIAL_POSTCODE.match(text.strip().upper()).groups()
    prefix = f"{district} {sector}" if sector else f"{district} "
    found = db.postcode_prefix_areas(con, prefix, limit)
    return found.assign(matched=[f"{n:,} postcode{'s' if n != 1 else ''} in {prefix.strip()}" for n in found["postcodes"]])
