"""Downloads of the explorer's current view: the ranked table as CSV with a provenance header, and
the same values with their boundaries as a GeoPackage (pyogrio). Bytes out; nothing kept on disk."""

from __future__ import annotations

import os
import tempfile

import geopandas as gpd
import pandas as pd

from geo import from_wkb
from sna import db
from sna.reports.figures import csv_bytes, data_version, version_text


def provenance(con, ind: dict, level: str, period: str | None) -> dict[str, str]:
    """The header every download carries: what the figure is, where it comes from, which build made it."""
    source = db.source_records(con, [str(ind.get("source", ""))])
    title = source["title"].iloc[0] if not source.empty else str(ind.get("source", ""))
    return {"indicator": f"{ind['title']} ({ind['id']})", "unit": ind["unit"], "period": period or "latest held",
            "geography": db.LEVEL_LABELS.get(level, level), "source": f"{ind['publisher']}, {title}",
            "vintage": ind["vintage"], "licence": ind["licence"], "source page": ind.get("official_page") or "",
            "how areas are combined": ind.get("aggregation_text") or "", "data version": version_text(data_version(con))}


def _integer_ranks(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for column in [c for c in out.columns if c in ("Rank", "rank", "National decile", "decile")]:
        out[column] = pd.to_numeric(out[column], errors="coerce").round().astype("Int64")
    return out


def view_csv(con, table: pd.DataFrame, ind: dict, level: str, period: str | None = None) -> bytes:
    """The ranked table (sna.analysis.values.ranked_table) as CSV; ranks as integers."""
    return csv_bytes(_integer_ranks(table), provenance(con, ind, level, period))


def view_geopackage(con, frame: pd.DataFrame, ind: dict, level: str) -> bytes:
    """The values on screen (sna.analysis.values.area_values rows) with their full boundaries, EPSG:4326,
    one layer named after the indicator; the provenance goes in a second, geometry-less layer 'about'."""
    shapes = db.area_shapes(con, level, frame["code"].tolist())
    values = frame[["code", "name", "lad_name", "period", "value", "numerator", "denominator", "rank", "decile"]].copy()
    values = _integer_ranks(values).merge(shapes[["code", "geometry"]], on="code", how="inner")
    layer = gpd.GeoDataFrame(values.drop(columns="geometry").assign(indicator_id=ind["id"], unit=ind["unit"]),
                             geometry=from_wkb(values["geometry"]), crs="EPSG:4326")
    about = pd.DataFrame({"key": list(provenance(con, ind, level, None)), "value": list(provenance(con, ind, level, None).values())})
    handle, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(handle)
    try:
        os.remove(path)
        layer.to_file(path, layer=ind["id"][:60], driver="GPKG", engine="pyogrio")
        gpd.GeoDataFrame(about, geometry=[None] * len(about)).to_file(path, layer="about", driver="GPKG", engine="pyogrio")
        with open(path, "rb") as f:
            return f.read()
    finally:
        if os.path.exists(path):
            os.remove(path)
