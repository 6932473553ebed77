"""The assessment: a composite risk index with its uncertainty, high risk x high violence, hot spots
that pass a test, honest small-area rates and trends. Renders only: numbers come from sna.analysis
(risk_index, bivariate, hotspots, rates, trends) through the cached helpers in sna.ui.assessment."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sna import ui
from sna.analysis import bivariate, hotspots as hs, rates, risk_index as ri, trends
from sna.analysis.formatting import format_value
from sna.errors import SnaError
from sna.ui import assessment as ax, assessment_charts as charts

ui.page_setup("Assessment", map_levels=list)  # no level known yet: the library and LA outlines
con = ui.cursor()
built = ui.version()
cat = ui.catalogue().set_index("id")
meta = ui.meta()
GENERATIONS = {"lsoa21": "2021 LSOAs (IoD2025)", "lsoa11": "2011 LSOAs (IoD2019, police.uk, population)"}

st.title("Assessment: where risk and violence concentrate")
st.caption("Five views a needs assessment asks for, each with what it means and what it does not. Every figure is "
           "computed from the official sources in the database; the methods and their settings are shown with them.")

with st.sidebar:
    st.header("Neighbourhoods")
    with_geometry = ax.geometry_levels(built)
    generations = sorted((g for g in GENERATIONS if g in set(cat["geography"])), key=lambda g: g not in with_geometry)
    level = st.radio("LSOA generation", generations, key="generation",
                     format_func=lambda g: GENERATIONS[g] + ("" if g in with_geometry else ": no boundaries held, no maps"),
                     help="Indicators of one generation only: 2011 and 2021 LSOAs are never mixed.")
    lad_names = ui.lad_names()
    large = len(ax.names(level)) > ax.LARGE_STUDY_AREA
    lad_options = ([] if large else [None]) + list(lad_names)
    lad_code = st.selectbox("Local authority (maps and hot spots)", lad_options, key="lad",
                            format_func=lambda c: "The whole study area" if c is None else lad_names.get(c, c))
    if large:
        st.caption("This study area has too many neighbourhoods to map or test at once here: maps and hot-spot tests "
                   "cover one local authority; the index and its ranks are computed over the whole area.")


def in_lad(codes: pd.Series) -> pd.Series:
    """Whether each LSOA is in the chosen local authority (everything when none is chosen)."""
    if lad_code is None:
        return pd.Series(True, index=codes.index)
    return codes.map(ax.names(level)["la"]).eq(lad_names.get(lad_code))


def index_options() -> pd.DataFrame:
    """Indicators of this generation with a 'worse' direction (deciles left out: they are coarse ranks)."""
    return ri.candidate_indicators(cat, level)


def saved_recipe(options: pd.DataFrame) -> dict:
    """The recipe last chosen on this generation (kept outside the widgets, which a hidden tab drops)."""
    defaults = {"indicators": [i for i in ri.DEFAULTS.get(level, []) if i in options.index], "weights": {}, "norm": "exponential"}
    saved = st.session_state.get(f"ri_saved_{level}", defaults)
    return {**saved, "indicators": [i for i in saved["indicators"] if i in options.index]}


def saved_index() -> pd.DataFrame | None:
    """The index of the saved recipe, for the bivariate tab when the index tab is not open."""
    saved = saved_recipe(index_options())
    if not saved["indicators"]:
        return None
    weights = tuple(saved["weights"].get(i, 1.0) for i in saved["indicators"])
    try:
        return ax.risk_index(level, tuple(saved["indicators"]), weights, saved["norm"], built)[0]
    except SnaError:
        return None


def risk_tab() -> pd.DataFrame | None:
    st.markdown("**A composite risk index** combines several neighbourhood indicators into one score, built as the "
                "OECD/JRC handbook on composite indicators sets out. **It means** where the chosen risk factors "
                "coincide, relative to the rest of the study area. **It does not** measure violence, predict who will "
                "be harmed, or compare with places outside the study area.")
    options = index_options()
    saved = saved_recipe(options)
    chosen = st.multiselect("Indicators", list(options.index), default=saved["indicators"], key="ri_indicators",
                            format_func=lambda i: options.at[i, "title"])
    st.caption(ri.DEFAULTS_NOTE)
    if not chosen:
        st.info("Pick at least one indicator to build an index.")
        return None
    cols = st.columns(min(len(chosen), 5))
    weights = tuple(float(cols[n % len(cols)].number_input(options.at[i, "title"][:40], 0.0, 10.0,
                                                            saved["weights"].get(i, 1.0), 0.5, key=f"ri_w_{i}"))
                    for n, i in enumerate(chosen))
    methods = list(ri.NORMALISATIONS)
    norm = st.radio("Normalisation", methods, key="ri_norm", horizontal=True, index=methods.index(saved["norm"]),
                    format_func=lambda k: ri.NORMALISATIONS[k].label)
    st.caption(ri.NORMALISATIONS[norm].explanation + " Direction is handled: every indicator is turned so that "
               "higher = worse before it is combined.")
    st.session_state[f"ri_saved_{level}"] = {"indicators": chosen, "weights": dict(zip(chosen, weights)), "norm": norm}
    try:
        table, left_out, recipe = ax.risk_index(level, tuple(chosen), weights, norm, built)
    except SnaError as exc:  # a message in this tab; the other tabs still render
        st.warning(str(exc))
        return None
    show = st.radio("Map", ["Index", "Uncertainty (width of the 90% rank interval)"], key="ri_map_show", horizontal=True)
    shown = table[in_lad(table["code"]).to_numpy()]
    column = "risk_index" if show == "Index" else "rank_width"
    tips = [f"{n} ({c}), {la}: index {v:.1f}, rank {r} (90% interval {lo:.0f}-{hi:.0f})" for n, c, la, v, r, lo, hi
            in zip(shown["name"], shown["code"], shown["la"], shown["risk_index"], shown["rank"], shown["rank_low"], shown["rank_high"])]
    ax.area_map(level, list(shown["code"]), ax.ramp_colours(shown[column]), tips, "ri_map", lad_code)
    st.caption(f"Darker = {'higher index (more risk)' if column == 'risk_index' else 'less certain rank'}; five classes "
               f"of equal counts. Ranks: 1 = the highest index of {len(table):,} areas.")
    robust = table[table["robust_top"]]
    st.markdown(f"**{len(robust)} areas are robustly in the top tenth**: their rank stays in the worst 10% in 95% "
                "of 200 draws that vary every weight by up to +/-50% and switch the normalisation.")
    st.dataframe(table[["rank", "name", "la", "code", "risk_index", "median_rank", "rank_low", "rank_high", "robust_top"]],
                 hide_index=True, key="ri_table", column_config={
                     "rank": "Rank", "name": "Neighbourhood", "la": "Local authority", "code": "Code",
                     "risk_index": st.column_config.NumberColumn("Index", format="%.2f"),
                     "median_rank": st.column_config.NumberColumn("Median rank", format="%.0f"),
                     "rank_low": st.column_config.NumberColumn("90% interval from", format="%.0f"),
                     "rank_high": st.column_config.NumberColumn("to", format="%.0f"),
                     "robust_top": "Robustly in top 10%"})
    if left_out:
        st.caption(f"{len(left_out)} areas lack a chosen indicator and are left out (never imputed): {', '.join(left_out[:10])}"
                   + ("..." if len(left_out) > 10 else ""))
    st.dataframe(recipe, hide_index=True, key="ri_recipe")
    c1, c2 = st.columns(2)
    c1.download_button("Recipe (CSV)", recipe.to_csv(index=False), "risk_index_recipe.csv", "text/csv", key="ri_recipe_csv")
    c2.download_button("Index values (CSV)", table.to_csv(index=False), "risk_index_values.csv", "text/csv", key="ri_values_csv")
    return table


def bivariate_tab(index: pd.DataFrame | None) -> None:
    st.markdown("**High risk x high violence** puts each neighbourhood in one of nine groups: its third of the study "
                "area on the risk index (from the first tab) against its third on a violence measure. **It means** "
                "where risk and recorded violence coincide, and where risk is high but violence is not (yet). **It "
                "does not** show cause and effect.")
    st.warning(bivariate.CAVEAT, icon=":material/info:")
    if index is None:
        st.info("Build a risk index in the first tab to compare it with violence.")
        return
    options = cat[(cat["geography"] == level) & (cat["theme"] == "violence and crime") & (cat["polarity"] == "higher_worse")
                  & ~cat.index.str.endswith(("_decile", "_rank", "_count"))]
    if options.empty:
        st.info("No violence measure is held on this LSOA generation: switch generation in the sidebar.")
        return
    preferred = [i for i in ("iod25_violence_with_injury", "police_serious_violence_rate") if i in options.index]
    violence_id = st.selectbox("Violence measure", list(options.index), key="bv_violence",
                               index=list(options.index).index(preferred[0]) if preferred else 0,
                               format_func=lambda i: options.at[i, "title"])
    if any(i.endswith(("crime_score", "crime_rank")) for i in saved_recipe(index_options())["indicators"]):
        st.caption("The index includes the IoD crime domain, which itself counts violence: the two axes overlap.")
    violence = ax.rate_values(violence_id, level, built).set_index("area_code")["value"]
    classes = bivariate.classify(index.set_index("code")["risk_index"], violence)
    classes = classes.join(ax.names(level)).reset_index(names="code")
    scatter = st.plotly_chart(ax.bivariate_chart(classes, options.at[violence_id, "title"], built),
                              key="bv_scatter", on_select="rerun", selection_mode=("points", "box", "lasso"))
    picked = {p["customdata"][0] for p in (scatter.selection.get("points", []) if scatter else []) if p.get("customdata")}
    shown = classes[in_lad(classes["code"]).to_numpy()]
    colours = [c if not picked or code in picked else [235, 235, 235]
               for code, c in zip(shown["code"], ax.bivariate_colours(shown))]
    map_col, legend_col = st.columns([4, 1])
    with map_col:
        ax.area_map(level, list(shown["code"]), colours, [f"{n} ({c}): {k}" for n, c, k in
                                                          zip(shown["name"], shown["code"], shown["class"])], "bv_map", lad_code)
    legend_col.plotly_chart(charts.bivariate_legend("Risk", "Violence"), key="bv_legend")
    if picked:
        st.caption(f"{len(picked)} areas selected in the chart are coloured on the map; clear the selection to see all.")
    ind = cat.loc[violence_id]
    st.caption(f"Violence: {ind['title']} ({ind['unit']}; {ind['publisher']}, {ind['vintage']}, {ind['licence']}).")
    columns = {"name": "Neighbourhood", "la": "Local authority", "code": "Code", "risk": "Risk index", "violence": "Violence"}
    c1, c2 = st.columns(2)
    c1.markdown(f"**High risk and high violence** ({len(bivariate.high_both(classes))} areas)")
    c1.dataframe(bivariate.high_both(classes)[list(columns)].rename(columns=columns), hide_index=True, key="bv_both")
    c2.markdown(f"**High risk, low violence (not yet)** ({len(bivariate.high_risk_not_violence(classes))} areas)")
    c2.dataframe(bivariate.high_risk_not_violence(classes)[list(columns)].rename(columns=columns), hide_index=True, key="bv_risk_only")


def hotspot_tab() -> None:
    st.markdown("**Hot spots** are groups of neighbouring areas with higher values than chance would put together; "
                "each area is tested against random rearrangements of the values (permutations). **It means** a "
                "cluster unlikely to be a coincidence of the map. **It does not** explain the cluster, and a "
                "neighbourhood can be high without being in a hot spot.")
    if level not in with_geometry:
        st.info("No boundaries are held for this LSOA generation here, so neighbours cannot be found: switch "
                "generation in the sidebar.")
        return
    options = cat[(cat["geography"] == level) & ~cat.index.str.endswith(("_decile", "_rank"))]
    default = next((i for i in ("iod25_violence_with_injury", "police_serious_violence_rate") if i in options.index), options.index[0])
    c1, c2, c3 = st.columns(3)
    indicator_id = c1.selectbox("Indicator", list(options.index), index=list(options.index).index(default), key="hs_indicator",
                                format_func=lambda i: options.at[i, "title"])
    method = c2.radio("Test", list(hs.METHODS), format_func=hs.METHODS.get, key="hs_method")
    kind = c3.radio("Neighbours", list(hs.WEIGHT_KINDS), format_func=hs.WEIGHT_KINDS.get, key="hs_weights")
    c1, c2, c3 = st.columns(3)
    threshold = float(c1.slider("Distance band (m)", 500, 5000, 1500, 250, key="hs_distance", disabled=kind != "distance"))
    alpha = float(c2.selectbox("Significance level", [0.05, 0.01, 0.10], key="hs_alpha"))
    fdr = c3.checkbox("False discovery rate control (Benjamini-Hochberg)", True, key="hs_fdr",
                      help="Testing every area at once finds some 'significant' ones by chance; this controls the "
                           "expected share of false finds among them.")
    try:
        table, summary = ax.hot_spots(level, indicator_id, method, kind, threshold if kind == "distance" else 0.0,
                                      alpha, fdr, lad_code, built)
    except SnaError as exc:
        st.warning(str(exc))
        return
    counts = summary["counts"]
    cols = st.columns(4)
    for col, (label, n) in zip(cols, sorted(counts.items(), key=lambda kv: kv[0] == hs.NOT_SIGNIFICANT)):
        col.metric(label, f"{n:,}")
    ax.area_map(level, list(table["code"]), ax.hotspot_colours(table["class"]), hs.tooltips(table), "hs_map", lad_code)
    st.caption(hs.describe(summary, method) + " Red: hot spots (or high-high); blue: cold spots (or low-low); orange and "
               "light blue: outliers (high-low, low-high); grey: not significant. p is esda's one-sided permutation "
               "p-value; q is its Benjamini-Hochberg adjustment.")
    if summary["islands"] or summary["no_value"]:
        st.info(f"Left out of the test: {len(summary['islands'])} areas without a neighbour under this rule "
                f"({', '.join(summary['islands'][:8]) or 'none'}) and {len(summary['no_value'])} without a value.")
    st.dataframe(hs.significant(table), hide_index=True, key="hs_table")


def rates_tab() -> None:
    st.markdown("**Small-area rates** from small numbers jump about by chance. **Empirical Bayes smoothing** (Marshall "
                "1991) pulls each area's rate towards the study-area rate, more for small populations. A **funnel plot** "
                "(Spiegelhalter 2005) shows which areas differ from the study-area rate by more than chance: points "
                "outside the 99.8% limits are very unlikely to be chance alone. **It does not** rank areas.")
    level_kind = st.radio("Areas", ["lsoa", "ward", "lad"], key="sr_level", horizontal=True,
                          format_func={"lsoa": "Neighbourhoods (LSOA)", "ward": "Wards", "lad": "Local authorities"}.get)
    options = ax.count_indicators(level_kind)
    if options.empty:
        st.info("No count-based indicator (a count over a population) is held for this study area at this level.")
        return
    indicator_id = st.selectbox("Indicator", list(options.index), key="sr_indicator", format_func=lambda i: options.at[i, "title"])
    ind = options.loc[indicator_id]
    db_level = ind["geography"] if level_kind == "lsoa" else level_kind
    try:
        frame, result, kind = ax.small_area_rates(indicator_id, db_level, built)
    except SnaError as exc:
        st.info(str(exc))
        return
    smoothed = st.toggle("Show the smoothed (Empirical Bayes) rate on the map", True, key="sr_eb")
    column = "eb" if smoothed else "value"
    shown = frame[frame["lad_code"] == lad_code] if lad_code and level_kind != "lad" else frame
    tips = [f"{n} ({c}): raw {format_value(v, ind['unit'])}, smoothed {format_value(e, ind['unit'])}; count {k:,.0f} of {d:,.0f}"
            for n, c, v, e, k, d in zip(shown["name"], shown["area_code"], shown["value"], shown["eb"], shown["numerator"], shown["denominator"])]
    ax.area_map(db_level, list(shown["area_code"]), ax.ramp_colours(shown[column]), tips, "sr_map",
                lad_code if level_kind != "lad" else None)
    st.caption(f"{ind['title']} ({ind['unit']}; {ind['publisher']}, {ind['vintage']}). Darker = higher "
               f"{'smoothed' if smoothed else 'raw'} rate, five classes of equal counts.")
    st.plotly_chart(ax.funnel_chart(indicator_id, db_level, built), key="sr_funnel")
    st.caption(f"Limits: {rates.FUNNEL_KINDS[kind]}, 95% (dashed) and 99.8% (solid), around the study-area rate "
               f"{result['target']:.3g}. No over-dispersion allowance is made: with large populations most areas fall "
               "outside, which says the areas genuinely differ, not that each one is unusual.")
    above = rates.outside(result["areas"])
    st.markdown(f"**Outside the 99.8% limits: {len(above)} areas**")
    st.dataframe(above[["name", "area_code", "numerator", "denominator", "rate", "eb", "position"]], hide_index=True, key="sr_outside")


def trends_tab() -> None:
    st.markdown("**Trends** for each local authority against its region and England, and monthly police.uk crime. "
                "**The flag** compares the latest value with England's and says whether it moved the worse way since "
                "the previous period. LAIT publishes no counts, so no confidence interval can be drawn: 'worse' "
                "means a worse value, not a significant difference.")
    if not lad_names:
        st.info("No local authority is held.")
        return
    la = st.selectbox("Local authority", list(lad_names), key="tr_la", format_func=lad_names.get)
    flags = ax.la_flags(la, built)
    if flags.empty:
        st.info("No local authority time series is held for this area.")
    else:
        indicator_id = st.selectbox("Indicator", list(flags["indicator_id"]), key="tr_indicator",
                                    format_func=dict(zip(flags["indicator_id"], flags["title"])).get)
        wide = ax.la_series(indicator_id, la, built)
        ind = cat.loc[indicator_id]
        if trends.is_count(ind["unit"]):
            wide = wide[["Local authority"]] if "Local authority" in wide else wide
            st.caption("A count: shown for the local authority alone (a count is not comparable with England's).")
        st.plotly_chart(charts.la_trend_figure(wide, lad_names[la], ind["unit"]), key="tr_la_chart")
        me = flags.set_index("indicator_id").loc[indicator_id]
        st.markdown(f"**{me['flag'].capitalize()}.** Latest {me['period']}: {format_value(me['value'], ind['unit'])} "
                    f"({me['versus_england']}; {me['direction']} since the previous period).")
        st.caption(f"Source: {ind['publisher']}, {ind['vintage']}, {ind['licence']}.")
        st.dataframe(flags.drop(columns=["indicator_id"]), hide_index=True, key="tr_flags")
    st.subheader("Monthly police.uk crime")
    area = st.selectbox("Area", [None, *lad_names], key="tr_area",
                        format_func=lambda c: "The whole study area" if c is None else lad_names[c])
    counts = ax.crime_counts(area, built)
    months = sorted(counts["month"].unique()) if not counts.empty else []
    st.info(trends.months_statement(months))
    if not months:
        return
    types = st.multiselect("Crime types", sorted(counts["crime_type"].unique()), key="tr_crime_types",
                           placeholder="All crime types")
    series = trends.monthly_series(counts, types)
    rolling = trends.rolling_12(series)
    st.plotly_chart(charts.monthly_figure(series, rolling["series"]), key="tr_monthly")
    if rolling["change"]:
        c = rolling["change"]
        st.markdown(f"Latest 12 months: {c['latest_12']:,.0f} crimes against {c['previous_12']:,.0f} in the 12 before "
                    f"({c['change_pct']:+.1f}%).")
    run = rolling["series"]
    if len(run) >= trends.MIN_SPC_POINTS:
        signals = trends.spc_signals(run["crimes"].reset_index(drop=True))
        st.plotly_chart(charts.spc_figure(run["month"], signals, trends.xmr(run["crimes"])), key="tr_spc")
        st.markdown(trends.spc_summary(signals))


# Lazy tabs: only the open tab runs (each tab draws a map; England has 32,844 neighbourhoods).
tabs = st.tabs(["Risk index", "High risk x high violence", "Hot spots", "Small-area rates", "Trends"],
               key="assessment_tab", on_change="rerun")
for tab, render in zip(tabs, [risk_tab, lambda: bivariate_tab(saved_index()), hotspot_tab, rates_tab, trends_tab]):
    with tab:
        if tab.open is not False:
            render()
