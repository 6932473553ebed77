"""Shareable views: the explorer's state in the URL query string, and back.

A link restores the indicator, geography, classification, local authorities, the area whose profile
is open and a custom area, and carries the database's data version. Every value read from a URL is
hostile until checked: unknown or malformed values fall back to the page's defaults with a notice
(never an error, and never echoed back as markup)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode

import streamlit as st

from sna import db

MAX_PARAM_CHARS = 4000
MAX_LINK_LSOAS = 300  # longer custom areas are not put in links (URLs over ~4,000 characters break)
CODE = re.compile(r"^E\d{8}$")
LABELS = {"ind": "indicator", "lvl": "geography", "cls": "classification", "k": "number of classes",
          "la": "local authorities", "sel": "selected area", "area": "custom area"}
RESTORED_FLAG = "_url_restored"


def version_tag(meta: dict[str, str]) -> str:
    """A short tag of the build (its time stamp, digits only), carried in every link."""
    return re.sub(r"\D", "", meta.get("built_at", ""))[:14] or "unknown"


def open_version() -> str:
    """The open database's tag (its meta table is cached per database file: no query per rerun)."""
    from sna import ui

    return version_tag(ui.meta())


@dataclass
class Restored:
    """Session-state values to set before the widgets are drawn, and notices for the reader."""

    values: dict = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def _one(params: dict, key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    if value is None:
        return None
    return str(value)[:MAX_PARAM_CHARS]


def _with_notices(out: "Restored", unrecognised: list[str], linked: str | None, version: str) -> "Restored":
    """Add the notices a restored link needs: values that fell back to defaults (named, never echoed) and a
    link made with another build of the database."""
    if unrecognised:
        out.notices.append("This link had values the page does not recognise (" + ", ".join(unrecognised)
                           + "); the defaults are shown for those instead.")
    if linked is not None and linked != version:
        out.notices.append("This link was made with a different build of the database; the figures shown now may differ "
                           "from those seen when the link was made.")
    return out


def parse_explorer(params: dict, cat, lads: dict[str, str], levels: list[str], schemes: list[str], known_area,
                   lsoa21_codes: set[str], version: str) -> Restored:
    """Check a query string's values (a dict as st.query_params gives) against what the page offers.

    known_area(code, level) -> bool says whether an area exists. Pure: no streamlit calls."""
    out = Restored()
    bad: list[str] = []
    ind = _one(params, "ind")
    if ind is not None:
        row = cat[cat["id"] == ind]
        if row.empty:
            bad.append("ind")
        else:
            out.values.update(theme=row["theme"].iloc[0], indicator=ind)
    for key, state_key, allowed in (("lvl", "level", levels), ("cls", "scheme", schemes)):
        value = _one(params, key)
        if value is not None:
            (out.values.__setitem__(state_key, value) if value in allowed else bad.append(key))
    k = _one(params, "k")
    if k is not None:
        (out.values.__setitem__("k", int(k)) if re.fullmatch(r"[3-7]", k) else bad.append("k"))
    la = _one(params, "la")
    if la is not None:
        wanted = [c for c in la.split(",") if c]
        good = [c for c in wanted if c in lads]
        if len(good) < len(wanted) or not good:
            bad.append("la")
        if good:
            out.values["las"] = good
    sel = _one(params, "sel")
    if sel is not None:
        code, _, level = sel.partition(":")
        if CODE.match(code) and re.fullmatch(r"[a-z0-9]{2,12}", level) and known_area(code, level):
            out.values["selected"] = (code, level)
        else:
            bad.append("sel")
    area = _one(params, "area")
    if area is not None:
        codes = [c for c in area.split(",") if c]
        good = [c for c in codes if c in lsoa21_codes][:MAX_LINK_LSOAS]
        if len(good) < len(codes):
            bad.append("area")
        if good:
            out.values["custom_codes"] = good
    return _with_notices(out, [LABELS[x] for x in bad], _one(params, "v"), version)


def restore_once(parse: Callable[[], Restored], page: str = "explorer") -> list[str]:
    """Parse a link and apply its values to session state on the session's first run only (later runs
    belong to the user's own choices, and skip the parsing). Returns the notices to show (kept for the
    session)."""
    flag, notices = f"{RESTORED_FLAG}_{page}", f"_url_notices_{page}"  # once per page and session
    if st.session_state.get(flag):
        return st.session_state.get(notices, [])
    restored = parse()
    st.session_state[flag] = True
    for key, value in restored.values.items():
        st.session_state[key] = value
    st.session_state[notices] = restored.notices
    return restored.notices


def explorer_params(indicator: str, level: str, scheme: str, k: int, las: list[str], all_las: list[str],
                    selected: tuple[str, str] | None, custom: list[str], version: str) -> dict[str, str]:
    """The query string of the current view (defaults left out keep links short)."""
    params = {"ind": indicator, "lvl": level, "cls": scheme, "k": str(k)}
    if set(las) != set(all_las):
        params["la"] = ",".join(las)
    if selected:
        params["sel"] = f"{selected[0]}:{selected[1]}"
    if custom and len(custom) <= MAX_LINK_LSOAS:
        params["area"] = ",".join(custom)
    params["v"] = version
    return params


def write(params: dict[str, str]) -> None:
    """Replace the URL's query string when the view changed (no rerun, no history spam)."""
    current = {k: _one(st.query_params.to_dict(), k) for k in st.query_params.keys()}
    if current != params:
        st.query_params.from_dict(params)


def copy_link(params: dict[str, str], custom_too_long: bool = False) -> None:
    """A 'copy link' control: the full URL of this view in a code box (with its copy button)."""
    base = ""
    try:
        base = (st.context.url or "").split("?")[0]
    except Exception:  # noqa: BLE001 - no browser context (AppTest): a relative link still works
        base = ""
    with st.popover("Copy link to this view", icon=":material/link:"):
        st.caption("Anyone opening this link sees this indicator, geography, classes, local authorities, open profile "
                   "and custom area.")
        st.code(f"{base}?{urlencode(params)}", language=None, wrap_lines=True)
        if custom_too_long:
            st.caption(f"The custom area has more than {MAX_LINK_LSOAS} LSOAs, too many for a link: share its CSV instead.")


# --- The explorer page's two calls ----------------------------------------------------------------

def restore_explorer(con, cat, lads: dict[str, str], lsoa21_codes) -> list[str]:
    """Read the URL (first run of a session) into the explorer's widget state; the notices to show.
    lsoa21_codes: a container of the 2021 LSOA codes (membership only)."""
    from sna.analysis.classify import scheme_labels
    from sna.analysis.values import LEVELS

    return restore_once(lambda: parse_explorer(st.query_params.to_dict(), cat, lads, list(LEVELS), list(scheme_labels()),
                                               lambda code, level: not db.areas_by_code(con, code, (level,)).empty,
                                               lsoa21_codes, open_version()))


def share_explorer(lads: dict[str, str], custom: list[str]) -> None:
    """Write the explorer's current view into the URL and offer the link in the sidebar."""
    ss = st.session_state
    params = explorer_params(ss.get("indicator", ""), ss.get("level", ""), ss.get("scheme", ""), int(ss.get("k", 5)),
                             list(ss.get("las", [])), list(lads), ss.get("selected"), custom, open_version())
    write(params)
    with st.sidebar:
        copy_link(params, len(custom) > MAX_LINK_LSOAS)


# --- Priority schools: radius, weights, local authorities and the selected school ------------------

RADII = [x / 4 for x in range(2, 13)]  # the page's slider: 0.5 to 3.0 km in steps of 0.25


def parse_priority(params: dict, components: list[str], urns: set[int], lads: dict[str, str], version: str) -> Restored:
    """Check a priority-schools link: r (km), w_<component> (0-50 in 5s), la, school (URN), v. Pure."""
    out = Restored()
    bad: list[str] = []
    radius = _one(params, "r")
    if radius is not None:
        (out.values.__setitem__("radius", float(radius)) if re.fullmatch(r"\d(\.\d{1,2})?", radius) and float(radius) in RADII
         else bad.append("radius"))
    for key in components:
        weight = _one(params, f"w_{key}")
        if weight is not None:
            (out.values.__setitem__(f"w_{key}", int(weight)) if re.fullmatch(r"\d{1,2}", weight) and int(weight) % 5 == 0
             and int(weight) <= 50 else bad.append("weights"))
    la = _one(params, "la")
    if la is not None:
        good = [c for c in la.split(",") if c in lads]
        if good:
            out.values["las"] = good
        if len(good) < len([c for c in la.split(",") if c]):
            bad.append("local authorities")
    school = _one(params, "school")
    if school is not None:
        (out.values.__setitem__("school", int(school)) if re.fullmatch(r"\d{5,7}", school) and int(school) in urns
         else bad.append("school"))
    return _with_notices(out, list(dict.fromkeys(bad)), _one(params, "v"), version)


def restore_priority(components: list[str], urns: set[int], lads: dict[str, str]) -> list[str]:
    return restore_once(lambda: parse_priority(st.query_params.to_dict(), components, urns, lads, open_version()), "priority")


def share_priority(components: list[str]) -> None:
    """Write the priority page's view into the URL and offer the link in the sidebar."""
    ss = st.session_state
    params = {"r": f"{float(ss.get('radius', 1.0)):g}", **{f"w_{k}": str(int(ss.get(f"w_{k}", 0))) for k in components}}
    if ss.get("las"):
        params["la"] = ",".join(ss["las"])
    if ss.get("school"):
        params["school"] = str(int(ss["school"]))
    params["v"] = open_version()
    write(params)
    with st.sidebar:
        copy_link(params)
