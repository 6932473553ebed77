"""Plotly charts for the Assessment page: bivariate legend and scatter, funnel plot, LA trend lines,
monthly counts and the XmR control chart. Presentation only: the numbers come from sna.analysis."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sna.analysis import bivariate

LAYOUT = {"plot_bgcolor": "#ffffff", "margin": {"l": 10, "r": 10, "t": 40, "b": 10}}


def bivariate_legend(risk_label: str, violence_label: str) -> go.Figure:
    """The 3x3 legend: risk tertile across, violence tertile up; each cell its colour and words."""
    grid = bivariate.legend_grid()
    fig = go.Figure(go.Scatter(x=grid["risk"], y=grid["violence"], mode="markers",
                               marker={"symbol": "square", "size": 46, "color": grid["colour"]},
                               hovertext=[f"{bivariate.TERTILE_WORDS[r]} risk, {bivariate.TERTILE_WORDS[v]} violence"
                                          for r, v in zip(grid["risk"], grid["violence"])], hoverinfo="text"))
    ticks = {"tickvals": [1, 2, 3], "ticktext": ["low", "mid", "high"], "showgrid": False, "zeroline": False,
             "range": [0.4, 3.6]}
    fig.update_layout(height=260, width=280, **LAYOUT, xaxis={"title": f"{risk_label} →", **ticks},
                      yaxis={"title": f"{violence_label} →", **ticks})
    return fig


def bivariate_scatter(classes: pd.DataFrame, risk_label: str, violence_label: str) -> go.Figure:
    """Each area at (risk index, violence), coloured by its bivariate class; tertile cuts drawn."""
    fig = go.Figure(go.Scatter(x=classes["risk"], y=classes["violence"], mode="markers",
                               marker={"color": classes["colour"], "size": 7, "line": {"color": "#555", "width": 0.4}},
                               customdata=classes[["code", "name", "class"]].to_numpy(),
                               hovertemplate="%{customdata[1]} (%{customdata[0]})<br>%{customdata[2]}<br>"
                                             "risk %{x:.1f}, violence %{y:.1f}<extra></extra>"))
    for column, axis in (("risk", "x"), ("violence", "y")):
        for tertile in (1, 2):
            cut = classes.loc[classes[f"{column}_tertile"] == tertile, column].max()
            (fig.add_vline if axis == "x" else fig.add_hline)(cut, line_dash="dot", line_color="#888")
    fig.update_layout(height=460, **LAYOUT, xaxis={"title": risk_label, "gridcolor": "#eee"},
                      yaxis={"title": violence_label, "gridcolor": "#eee"})
    return fig


POSITION_COLOURS = {"above 99.8%": "#b2182b", "above 95%": "#ef8a62", "within": "#999999",
                    "below 95%": "#67a9cf", "below 99.8%": "#2166ac"}


def funnel_figure(result: dict, unit: str, denominator_label: str) -> go.Figure:
    """Areas (rate against denominator) inside 95% and 99.8% limits around the study-area rate."""
    fig = go.Figure()
    curve = result["curve"]
    for label, dash in (("95%", "dash"), ("99.8%", "solid")):
        for side in ("lower", "upper"):
            fig.add_trace(go.Scatter(x=curve["denominator"], y=curve[f"{side}_{label}"], mode="lines",
                                     line={"color": "#444", "dash": dash, "width": 1},
                                     name=f"{label} limits", showlegend=side == "upper", hoverinfo="skip"))
    fig.add_hline(result["target"], line_color="#1b2631", annotation_text=f"Study area {result['target']:.3g}")
    areas = result["areas"]
    for position, colour in POSITION_COLOURS.items():
        part = areas[areas["position"] == position]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(x=part["denominator"], y=part["rate"], mode="markers", name=position,
                                 marker={"color": colour, "size": 6},
                                 customdata=part[["area_code", "name", "numerator"]].to_numpy(),
                                 hovertemplate="%{customdata[1]} (%{customdata[0]})<br>%{y:.2f} " + unit +
                                               "<br>count %{customdata[2]:,.0f} of %{x:,.0f}<extra></extra>"))
    fig.update_layout(height=480, **LAYOUT, xaxis={"title": denominator_label, "gridcolor": "#eee"},
                      yaxis={"title": unit, "gridcolor": "#eee"}, legend={"orientation": "h", "y": -0.15})
    return fig


SERIES_STYLE = {"Local authority": {"color": "#D55E00", "width": 3}, "Region": {"color": "#0072B2", "width": 1.5},
                "England": {"color": "#1b2631", "width": 1.5, "dash": "dash"}}


def la_trend_figure(wide: pd.DataFrame, la_name: str, unit: str) -> go.Figure:
    fig = go.Figure()
    for column in wide.columns:
        fig.add_trace(go.Scatter(x=wide.index, y=wide[column], mode="lines+markers", connectgaps=False,
                                 name=la_name if column == "Local authority" else column, line=SERIES_STYLE.get(column)))
    fig.update_layout(height=380, **LAYOUT, yaxis={"title": unit, "gridcolor": "#eee"}, xaxis={"type": "category"},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def monthly_figure(series: pd.DataFrame, rolling: pd.DataFrame | None = None) -> go.Figure:
    """Monthly counts (gaps left empty) with the 12-month rolling mean where one can be drawn."""
    fig = go.Figure(go.Bar(x=series["month"], y=series["crimes"], name="Crimes in the month", marker_color="#7f8c8d"))
    if rolling is not None and rolling["rolling_12"].notna().any():
        fig.add_trace(go.Scatter(x=rolling["month"], y=rolling["rolling_12"] / 12, mode="lines", name="12-month rolling mean",
                                 line={"color": "#D55E00", "width": 2.5}))
    fig.update_layout(height=340, **LAYOUT, xaxis={"type": "category"}, yaxis={"title": "crimes", "gridcolor": "#eee"},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def spc_figure(months: pd.Series, signals: pd.DataFrame, limits: dict) -> go.Figure:
    """XmR chart: points, mean and process limits; special-cause points in orange (MDC colours)."""
    special = signals[["outside_limits", "shift", "trend", "two_of_three"]].any(axis=1)
    fig = go.Figure(go.Scatter(x=months, y=signals["value"], mode="lines+markers", name="Monthly count",
                               line={"color": "#7f8c8d"},
                               marker={"color": ["#ED8B00" if s else "#7f8c8d" for s in special], "size": 8}))
    for name, value, dash in (("Mean", limits["mean"], "solid"), ("Upper process limit", limits["upper"], "dash"),
                              ("Lower process limit", limits["lower"], "dash")):
        fig.add_hline(value, line_dash=dash, line_color="#1b2631", annotation_text=name)
    fig.update_layout(height=380, **LAYOUT, xaxis={"type": "category"}, yaxis={"title": "crimes", "gridcolor": "#eee"})
    return fig
