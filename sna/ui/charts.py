"""Charts and styled tables (plotly, pandas Styler) for the pages: presentation only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sna.analysis.formatting import format_value

# Okabe-Ito colours (colour-blind safe) for Fingertips-style comparisons.
COMPARISON_COLOURS = {"better": "#0072B2", "worse": "#D55E00", "similar": "#E69F00", "higher": "#CC79A7",
                      "lower": "#56B4E9", "no CI": "#ffffff", "no comparator": "#ffffff"}


def spine_figure(sp: pd.DataFrame, area_name: str, lad_name: str | None, region_name: str = "Region"):
    """Plotly dot chart of the area against its LA and the region, England = 100, with 95% CIs."""
    import plotly.graph_objects as go

    height = 120 + 30 * len(sp)
    fig = go.Figure()
    fig.add_vline(x=100, line_color="#1b2631", line_width=1.5,
                  annotation_text="England = 100", annotation_position="top")
    if lad_name and sp["lad"].notna().any():
        fig.add_trace(go.Scatter(x=sp["lad"], y=sp["title"], mode="markers", name=lad_name,
                                 marker={"symbol": "diamond", "size": 9, "color": "#7f8c8d"}))
    fig.add_trace(go.Scatter(x=sp["region"], y=sp["title"], mode="markers", name=region_name,
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
