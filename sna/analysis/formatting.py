"""Numbers and words as people read them: one place, used by every page, table, chart and export.

Why one module: a rate shown as "189.000" on one page and "189.0" on another, "local authoritys", or a
rank exported as "45.0" are small things that tell a reader the figures were not looked after.
"""

from __future__ import annotations

import html
import math
import re

import pandas as pd

UNIT_KINDS: list[tuple[str, str]] = [  # (prefix of the unit text, kind); first match wins
    ("% ", "percent"), ("%", "percent"), ("rank", "rank"), ("decile", "decile"), ("people", "count"),
    ("children", "count"), ("crimes", "count"), ("incidents", "count"), ("number", "count"), ("count", "count"),
    ("per ", "rate"),
]
# Streamlit NumberColumn formats by unit kind (the ranked tables).
NUMBER_FORMATS = {"percent": "%.1f%%", "count": "localized", "rank": "localized", "decile": "%d", "rate": "%.1f",
                  "measure": "%.2f"}
PLURALS = {"local authority": "local authorities", "neighbourhood": "neighbourhoods", "ward": "wards",
           "school": "schools", "area": "areas", "month": "months", "LSOA": "LSOAs", "class": "classes"}


def unit_kind(unit: str | None) -> str:
    """'percent', 'rank', 'decile', 'count', 'rate' or 'measure' (a score or anything else)."""
    text = (unit or "").strip().lower()
    if "(count)" in text:
        return "count"
    for prefix, kind in UNIT_KINDS:
        if text.startswith(prefix):
            return kind
    return "measure"


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))


def _decimals(value: float) -> int:
    size = abs(value)
    return 0 if size >= 1000 else 1 if size >= 10 else 2 if size >= 1 else 3


def format_value(value, unit: str | None, with_unit: bool = False) -> str:
    """263,775; 42.8%; 189.0 (a rate); 12.35 (a score); rank 1,234; 'no data' when missing."""
    if is_missing(value):
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


def format_values(values, unit: str | None) -> list[str]:
    """format_value over many values (a map's 32,844 tooltips): the unit's kind is worked out once."""
    kind = unit_kind(unit)
    out = []
    for value in values:
        if value is None or value != value:  # None or NaN
            out.append("no data")
        elif kind == "percent":
            out.append(f"{value:,.1f}%")
        elif kind in ("rank", "decile", "count"):
            out.append(f"{value:,.0f}")
        elif kind == "rate":
            out.append(f"{value:,.{1 if abs(value) >= 10 else 2}f}")
        else:
            out.append(f"{value:,.{_decimals(value)}f}")
    return out


def format_count(value) -> str:
    """A whole number with thousands separators ('no data' when missing)."""
    return "no data" if is_missing(value) else f"{float(value):,.0f}"


def plural_word(noun: str) -> str:
    """'local authority' -> 'local authorities'; 'ward' -> 'wards'."""
    return PLURALS.get(noun, noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s")


def plural(n: int, noun: str) -> str:
    """'1 local authority', '7 local authorities', '1,719 neighbourhoods'."""
    return f"{n:,} {noun if n == 1 else plural_word(noun)}"


def number_format(unit: str | None) -> str:
    """A Streamlit NumberColumn format for an indicator's unit."""
    return NUMBER_FORMATS[unit_kind(unit)]


def sentence(text: str) -> str:
    """First letter upper case, the rest untouched ('% of LSOAs' stays; str.capitalize would lower it)."""
    return text[:1].upper() + text[1:] if text else text


def period_label(period: str) -> str:
    """'2018-06' -> 'June 2018'; others unchanged."""
    match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", str(period))
    if not match:
        return str(period)
    return pd.Timestamp(int(match[1]), int(match[2]), 1).strftime("%B %Y")


def months_label(months: list[str] | tuple[str, ...]) -> str:
    """'June 2018' / 'July 2016 to July 2018 (3 months)' / 'none'."""
    if not months:
        return "none"
    if len(months) == 1:
        return period_label(months[0])
    return f"{period_label(months[0])} to {period_label(months[-1])} ({plural(len(months), 'month')})"


def markdown_text(text: str) -> str:
    """Data shown inside st.markdown: HTML-escaped and markdown syntax neutralised (a name is data, not markup)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>])", r"\\\1", html.escape(str(text), quote=False))


def csv_safe(text):
    """Guard against spreadsheet formula injection in text opened in Excel."""
    return "'" + text if isinstance(text, str) and text[:1] in ("=", "+", "-", "@") else text
