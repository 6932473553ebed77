"""Images for the profile pack drawn without a browser (matplotlib, Agg backend): a locator map of
the area over its local authority's LSOAs, and a dot chart per theme (England = 100, 95% CIs)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402

from geo import from_wkb  # noqa: E402
from sna import db  # noqa: E402
from sna.analysis.formatting import format_value  # noqa: E402
from sna.reports.subject import Subject  # noqa: E402

# Okabe-Ito colours (colour-blind safe), as the explorer's profile chart.
COMPARISON_COLOURS = {"better": "#0072B2", "worse": "#D55E00", "similar": "#E69F00", "higher": "#CC79A7",
                      "lower": "#56B4E9", "no CI": "#ffffff", "no comparator": "#ffffff"}
DPI = 110


def _png(fig, tight: bool = True) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight" if tight else None)
    plt.close(fig)
    return out.getvalue()


def _frame(shapes: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(shapes.drop(columns="geometry"), geometry=from_wkb(shapes["geometry"]), crs="EPSG:4326").to_crs("EPSG:27700")


def map_png(con, subject: Subject) -> bytes:
    """The subject (orange) over the LSOAs of its local authorities (grey), LA boundaries in black."""
    generation = "lsoa11" if subject.kind == "lsoa11" else "lsoa21"
    shapes = db.area_shapes(con, generation)
    if shapes.empty:  # a study area whose database holds no 2021 LSOA boundaries draws the 2011 ones
        generation, shapes = "lsoa11", db.area_shapes(con, "lsoa11")
    highlight = subject.codes_of(con, generation)
    lsoas = _frame(shapes)
    mine = lsoas[lsoas["code"].isin(highlight)]
    las = set(mine["lad_code"]) | ({subject.lad_code} if subject.lad_code else set())
    lads = _frame(db.area_shapes(con, "lad"))
    context = lsoas[lsoas["lad_code"].isin(las)]
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    lads.plot(ax=ax, color="#f7f9fa", edgecolor="#90a4ae", linewidth=0.5)  # neighbours, for orientation
    context.plot(ax=ax, color="#eceff1", edgecolor="#b0bec5", linewidth=0.2)
    mine.plot(ax=ax, color="#E69F00", edgecolor="#8a5a00", linewidth=0.3)
    lads[lads["code"].isin(las)].boundary.plot(ax=ax, color="#1b2631", linewidth=0.8)
    if not mine.empty:
        gpd.GeoSeries([shapely.union_all(mine.geometry.values)], crs=mine.crs).boundary.plot(ax=ax, color="#1b2631", linewidth=1.2)
    minx, miny, maxx, maxy = (context if not context.empty else mine).total_bounds
    pad = 0.08 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(f"{subject.name} (orange) and the 20{generation[-2:]} LSOAs of its local authority (grey)", fontsize=8)
    return _png(fig)


def theme_chart_png(sp: pd.DataFrame, area_name: str, lad_name: str | None) -> bytes:
    """Dot chart relative to England = 100: the area (coloured by comparison, with its 95% CI), its LA
    (grey diamond) and the region (black bar)."""
    height = 0.9 + 0.22 * len(sp)
    fig, ax = plt.subplots(figsize=(7.6, height))
    fig.subplots_adjust(left=0.5, right=0.98, top=1 - 0.1 / height, bottom=0.75 / height)  # fixed margins: one draw
    y = range(len(sp))
    ax.axvline(100, color="#1b2631", linewidth=1)
    if lad_name and sp["lad"].notna().any():
        ax.scatter(sp["lad"], y, marker="D", s=22, color="#7f8c8d", label=lad_name, zorder=2)
    ax.scatter(sp["region"], y, marker="|", s=90, color="#1b2631", label="Region", zorder=2)
    has_ci = sp["lower"].notna().to_numpy()
    area, lower, upper = (sp[c].to_numpy(dtype=float) for c in ("area", "lower", "upper"))
    ys = np.arange(len(sp))
    if has_ci.any():
        ax.errorbar(area[has_ci], ys[has_ci], xerr=np.vstack([(area - lower)[has_ci].clip(0), (upper - area)[has_ci].clip(0)]),
                    fmt="none", ecolor="#1b2631", elinewidth=1, capsize=2, zorder=3)
    ax.scatter(area, ys, s=40, c=[COMPARISON_COLOURS.get(v, "#ffffff") for v in sp["vs_england"]],
               edgecolors="#1b2631", linewidths=0.8, label=area_name[:40], zorder=4)
    labels = [f"{t[:55]} ({format_value(v, u)})" for t, v, u in zip(sp["title"], sp["value"], sp["unit"])]
    ax.set_yticks(list(y), labels, fontsize=7)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("Relative to England (England = 100)", fontsize=7, labelpad=1)
    ax.grid(axis="x", color="#e5e8eb")
    fig.legend(fontsize=6, loc="lower center", ncol=3, frameon=False)
    return _png(fig, tight=False)
