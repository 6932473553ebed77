"""Charts and styled tables (plotly, pandas Styler) for the pages: presentation only."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from sna.analysis.formatting import format_value

# Comparison colours as Fingertips uses them (blue better, red worse, amber similar; purple/light blue for
# higher/lower where neither is better), with the words the caption uses: one source for both.
COMPARISONS = {"better": ("#0072B2", "blue"), "worse": ("#C0392B", "red"), "similar": ("#F0A202", "amber"),
               "higher": ("#8E44AD", "purple"), "lower": ("#56B4E9", "light blue"), "no CI": ("#ffffff", "white"),
               "no comparator": ("#ffffff", "white")}
COMPARISON_COLOURS = {key: colour for key, (colour, _word) in COMPARISONS.items()}


def comparison_caption() -> str:
    """The chart's key in words, from the same table as the drawing (so the two cannot disagree)."""
    return ("Dots: this area, coloured by comparison with England (" +
            ", ".join(f"{COMPARISONS[k][1]} {k}" for k in ("better", "similar", "worse")) +
            ", white not tested). Bars: 95% confidence intervals where the indicator has a count numerator.")


def spine_figure(sp: pd.DataFrame, area_name: str, lad_name: str | None, region_name: str = "Region"):
    """Plotly dot chart of the area against its LA and the region, England = 100, with 95% CIs."""
    import plotly.graph_objects as go

    height = 120 + 30 * len(sp)
    fig = go.Figure()
    fig.add_vline(x=100, line_color="#1b2631", line_width=1.5)  # the x-axis title names it (England = 100)
    if lad_name and sp["lad"].notna().any():
        fig.add_trace(go.Scatter(x=sp["lad"], y=sp["title"], mode="markers", name=lad_name,
                                 marker={"symbol": "diamond", "size": 9, "color": "#7f8c8d"}))
    fig.add_trace(go.Scatter(x=sp["region"], y=sp["title"], mode="markers", name=region_name,
                             marker={"symbol": "line-ns-open", "size": 14, "color": "#1b2631", "line": {"width": 2}}))
    has_ci = sp["lower"].notna()
    clipped = sp["clipped"] if "clipped" in sp else pd.Series(False, index=sp.index)
    fig.add_trace(go.Scatter(
        x=sp["area"], y=sp["title"], mode="markers+text", name=area_name,
        text=[f"{r:,.0f} →" if c else "" for r, c in zip(sp.get("relative", sp["area"]), clipped)], textposition="middle left",
        error_x={"type": "data", "symmetric": False, "array": (sp["upper"] - sp["area"]).where(has_ci),
                 "arrayminus": (sp["area"] - sp["lower"]).where(has_ci), "color": "#1b2631", "thickness": 1.2},
        marker={"size": 12, "color": [COMPARISON_COLOURS.get(v, "#ffffff") for v in sp["vs_england"]],
                "line": {"color": "#1b2631", "width": 1}},
        customdata=np.stack([[format_value(v, u) for v, u in zip(sp["value"], sp["unit"])], sp["unit"], sp["vs_england"]], axis=-1),
        hovertemplate="%{y}<br>%{customdata[0]} %{customdata[1]}<br>Compared with England: %{customdata[2]}<extra></extra>"))
    fig.update_layout(height=height + 40, margin={"l": 10, "r": 10, "t": 70, "b": 50}, plot_bgcolor="#ffffff",
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
                      xaxis={"title": {"text": "Relative to England (England = 100)", "standoff": 8}, "gridcolor": "#e5e8eb",
                             "zeroline": False, "rangemode": "tozero"},
                      yaxis={"autorange": "reversed", "automargin": True})
    return fig


_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_CELL = 'style="padding:2px 8px;border-bottom:1px solid #e5e8eb;text-align:{}"'


def _table(columns: list[tuple[str, str]], rows: list[list[str]]) -> str:
    """An HTML table: header cells (text, alignment) and rows of cell markup, which callers escape."""
    aligns = [align for _, align in columns]
    head = "".join(f'<th scope="col" {_CELL.format(align)}>{html.escape(title)}</th>' for title, align in columns)
    body = "".join("<tr>" + "".join(f"<td {_CELL.format(a)}>{cell}</td>" for a, cell in zip(aligns, row)) + "</tr>" for row in rows)
    return (f'<table style="border-collapse:collapse;font-size:0.9rem;width:100%"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def legend_html(legend: pd.DataFrame) -> str:
    """The map legend as a small HTML table built here (a swatch, class bounds, counts). Every text is escaped
    and every colour must be #rrggbb, so nothing from data becomes markup. It replaced a pandas Styler in
    st.table, whose rendering was the largest single cost of an explorer rerun (5 ms; issue 13)."""
    rows = []
    for colour, low, high, count in zip(legend["colour"], legend["from"], legend["to"], legend["areas"]):
        swatch = colour if _HEX_COLOUR.fullmatch(str(colour)) else "#ffffff"
        rows.append([f'<span style="display:inline-block;width:1.6em;height:1em;background:{swatch};border:1px solid #8a949e" '
                     f'role="img" aria-label="colour {swatch}"></span>', html.escape(str(low)), html.escape(str(high)), f"{int(count):,}"])
    return _table([("Colour", "left"), ("From", "left"), ("To", "left"), ("Areas", "right")], rows)


def text_table_html(frame: pd.DataFrame, right: tuple[str, ...] = ()) -> str:
    """A frame of text as an HTML table, every cell escaped (columns in `right` aligned right): for plain
    tables drawn with st.html, which costs the server a string where st.table converted the frame to Arrow."""
    columns = [(str(c), "right" if c in right else "left") for c in frame.columns]
    rows = [[html.escape("" if v is None else str(v)) for v in row] for row in frame.itertuples(index=False)]
    return _table(columns, rows)
