"""The Assessment page's cached computations and its maps. Heavy work (spatial weights, Gi*, the
Monte-Carlo index) is cached per database version and per choice; maps are small functions taking
(codes, colours, tooltip text) so the drawing call can be swapped in one place."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from sna import db, ui
from sna.analysis import bivariate, hotspots as hs, risk_index as ri
from sna.analysis.classify import NO_DATA
from sna.errors import ChoiceError
from sna.ui import maps

MAP_HEIGHT = 520
LARGE_STUDY_AREA = 5000  # LSOAs above which maps and hot spots default to one local authority


# --- Cached computations -------------------------------------------------------------------------

@st.cache_data(show_spinner="Building the index and its uncertainty...", max_entries=32)
def risk_index(level: str, indicators: tuple[str, ...], weights: tuple[float, ...], normalisation: str, built: str):
    """(table with names, left-out codes, recipe table, Recipe) for one recipe."""
    con = ui.cursor()
    cat = ui.catalogue()
    recipe = ri.Recipe(level, indicators, weights, normalisation)
    ri.check_recipe(recipe, cat)
    matrix, periods = db.latest_wide(con, list(indicators), level)
    missing = [i for i in indicators if i not in matrix.columns]
    if missing:
        raise ChoiceError(f"No values held for {', '.join(missing)} in this study area: pick other indicators.")
    polarities = cat.set_index("id").loc[list(indicators), "polarity"].to_dict()
    table, left_out = ri.build_index(matrix, polarities, recipe)
    table = table.join(names(level)).reset_index().rename(columns={"index": "risk_index", "area_code": "code"})
    return table, left_out, ri.recipe_table(recipe, cat, periods)


@st.cache_data(show_spinner=False, max_entries=8)
def _names(level: str, built: str) -> pd.DataFrame:
    frame = db.areas(ui.cursor(), level)[["code", "name", "lad_code"]]
    lads = db.lad_names(ui.cursor())
    return frame.assign(la=frame["lad_code"].map(lads)).set_index("code")[["name", "la"]]


def names(level: str) -> pd.DataFrame:
    return _names(level, ui.version())


@st.cache_resource(show_spinner="Finding each area's neighbours...", max_entries=8)
def _weights(level: str, kind: str, threshold_m: float, lad_code: str | None, built: str) -> hs.SpatialWeights:
    shapes = db.area_shapes_in(ui.cursor(), level, [lad_code] if lad_code else None)
    return hs.spatial_weights(hs.projected_frame(shapes["code"], shapes["geometry"]), kind, threshold_m)


@st.cache_data(show_spinner="Testing for hot spots...", max_entries=32)
def hot_spots(level: str, indicator_id: str, method: str, kind: str, threshold_m: float, alpha: float, fdr: bool,
              lad_code: str | None, built: str) -> tuple[pd.DataFrame, dict]:
    sw = _weights(level, kind, threshold_m, lad_code, built)
    series = db.latest_wide(ui.cursor(), [indicator_id], level)[0]
    if indicator_id not in series.columns:
        raise ChoiceError("This indicator has no values here: pick another.")
    test = hs.gi_star if method == "gi_star" else hs.local_moran
    table, summary = test(series[indicator_id], sw, alpha=alpha, fdr=fdr)
    return table.join(names(level), on="code"), summary


# --- Maps -----------------------------------------------------------------------------------------

def area_map(level: str, codes: list[str], colours: list[list[int]], tooltips: list[str], key: str,
             lad_code: str | None = None) -> None:
    """A choropleth of some areas (explicit colours, one plain-text tooltip each) with LA outlines and
    labels, framed on those areas; the one drawing call of the page."""
    index = maps.geometry_index(level)
    if not any(c in index for c in codes):
        st.info("No boundaries are held for these areas, so there is nothing to map; the tables below still apply.")
        return
    lads = ui.areas("lad", [lad_code] if lad_code else None)
    maps.area_map(key=key, level=level, values=maps.colour_layer(index, codes, colours, tooltips),
                  focus=ui.areas(level, codes), opacity=0.9, select_areas=False,
                  height=MAP_HEIGHT, alt="Map of the areas shown", labels=lads["code"].tolist() if len(lads) <= 40 else [])


def ramp_colours(values: pd.Series, reverse: bool = False) -> list[list[int]]:
    """Five quantile classes on the sequential ramp (darker = more); missing values grey."""
    from sna.analysis.classify import SEQUENTIAL

    ranks = values.rank(pct=True, ascending=not reverse)
    classes = np.ceil(ranks * 5).clip(1, 5)
    return [list(SEQUENTIAL[int(k) - 1]) if pd.notna(k) else list(NO_DATA) for k in classes]


def bivariate_colours(classes: pd.DataFrame) -> list[list[int]]:
    return [bivariate.rgb(c) for c in classes["colour"]]


HOTSPOT_COLOURS = {hs.HOT: [215, 48, 39], hs.COLD: [69, 117, 180], hs.NOT_SIGNIFICANT: [230, 230, 230],
                   "High-high": [215, 48, 39], "Low-low": [69, 117, 180], "High-low": [253, 174, 97],
                   "Low-high": [171, 217, 233]}


def hotspot_colours(classes: pd.Series) -> list[list[int]]:
    return [HOTSPOT_COLOURS.get(c, list(NO_DATA)) for c in classes]


# --- Rates and trends -----------------------------------------------------------------------------

def count_indicators(level_kind: str) -> pd.DataFrame:
    """Indicators stored as a count over a denominator (police.uk rates, population shares)."""
    cat = ui.catalogue()
    wanted = {"lsoa": {"lsoa11", "lsoa21"}}.get(level_kind, {level_kind})
    found = cat[(cat["aggregation"] == "ratio") & cat["levels"].apply(lambda ls: bool(wanted & set(ls)))].set_index("id")
    violence_first = found.index.str.startswith("police_serious_violence")  # the local serious-violence definition
    return pd.concat([found[violence_first], found[~violence_first]])


@st.cache_data(show_spinner=False, max_entries=32)
def rate_values(indicator_id: str, level: str, built: str) -> pd.DataFrame:
    return db.values(ui.cursor(), indicator_id, level)


@st.cache_data(show_spinner="Reading local authority series...", max_entries=16)
def la_flags(la_code: str, built: str) -> pd.DataFrame:
    """Every LA indicator's latest value, change and flag for one LA (the summary table)."""
    from sna.analysis import trends

    cat = ui.catalogue()
    rows = []
    for ind in cat[cat["geography"] == "lad"].itertuples():
        wide = trends.la_series(db.la_series_rows(ui.cursor(), ind.id, la_code))
        if "Local authority" not in wide or wide["Local authority"].notna().sum() == 0:
            continue
        f = trends.flag(wide, ind.polarity, comparable=not trends.is_count(ind.unit))
        rows.append({"indicator_id": ind.id, "title": ind.title, "unit": ind.unit, "period": f["period"],
                     "value": f["value"], "previous": f["previous"], "change": f["change"], "england": f["england"],
                     "versus_england": f["versus_england"], "direction": f["direction"], "flag": f["flag"],
                     "points": int(wide["Local authority"].notna().sum())})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    first = frame["indicator_id"].isin(["la_fte_rate", "la_reoffending_rate"])  # youth justice first
    return pd.concat([frame[first], frame[~first]], ignore_index=True)


@st.cache_data(show_spinner=False, max_entries=16)
def la_series(indicator_id: str, la_code: str, built: str) -> pd.DataFrame:
    from sna.analysis import trends

    return trends.la_series(db.la_series_rows(ui.cursor(), indicator_id, la_code))


@st.cache_data(show_spinner=False, max_entries=16)
def crime_counts(lad_code: str | None, built: str) -> pd.DataFrame:
    return db.crime_by_month_and_type(ui.cursor(), lad_code)


@st.cache_data(show_spinner=False, max_entries=4)
def geometry_levels(built: str) -> list[str]:
    return db.levels_with_geometry(ui.cursor())


@st.cache_data(show_spinner="Smoothing the rates and drawing the funnel...", max_entries=16)
def small_area_rates(indicator_id: str, level: str, built: str) -> tuple[pd.DataFrame, dict, str]:
    """Raw and Empirical Bayes rates and the funnel (areas, limits) of a count-based indicator."""
    from sna.analysis import rates

    ind = ui.catalogue().set_index("id").loc[indicator_id]
    frame = db.values(ui.cursor(), indicator_id, level)
    if frame["numerator"].notna().sum() < 3:
        raise ChoiceError("This indicator has no counts at this level: pick another.")
    multiplier = float(ind["multiplier"] or 1)
    kind = "binomial" if str(ind["unit"]).startswith("%") else "poisson"
    frame = frame.assign(eb=rates.empirical_bayes(frame["numerator"], frame["denominator"], multiplier))
    return frame, rates.funnel(frame, multiplier, kind), kind


@st.cache_resource(show_spinner=False, max_entries=8)
def funnel_chart(indicator_id: str, level: str, built: str):
    """The funnel figure, built once per indicator and level (tens of thousands of points in England)."""
    from sna.ui import assessment_charts as charts

    _frame, result, _kind = small_area_rates(indicator_id, level, built)
    return charts.funnel_figure(result, ui.catalogue().set_index("id").at[indicator_id, "unit"], "Denominator (population)")


@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs={pd.DataFrame: lambda f: pd.util.hash_pandas_object(f).sum()})
def bivariate_chart(classes: pd.DataFrame, violence_title: str, built: str):
    from sna.ui import assessment_charts as charts

    return charts.bivariate_scatter(classes, "Risk index", violence_title)
