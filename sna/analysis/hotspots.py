"""Hot spots that pass a test: Getis-Ord Gi* (esda.G_Local, star=True) and Local Moran's I
(esda.Moran_Local) on LSOA values, with spatial weights from the LSOA polygons (libpysal), permutation
p-values with a fixed seed and Benjamini-Hochberg false discovery rate control.

Areas without neighbours (islands) and areas without a value are left out of the test and reported,
never silently tested against nothing."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import BNG, from_wkb
from sna.errors import ChoiceError

SEED = 12345
PERMUTATIONS = 999
WEIGHT_KINDS = {"queen": "Queen contiguity (areas sharing an edge or a corner)",
                "distance": "Distance band (centroids within a distance)"}
METHODS = {"gi_star": "Getis-Ord Gi* (hot and cold spots)", "moran": "Local Moran's I (clusters and outliers)"}
MORAN_QUADRANTS = {1: "High-high", 2: "Low-high", 3: "Low-low", 4: "High-low"}
HOT, COLD, NOT_SIGNIFICANT = "Hot spot", "Cold spot", "Not significant"


@dataclass(frozen=True)
class SpatialWeights:
    """libpysal weights over `codes`, with the codes that had no neighbour (left out)."""

    w: object
    codes: list[str]
    islands: list[str]
    kind: str
    threshold_m: float | None = None


def projected_frame(codes: pd.Series, geometry_wkb: pd.Series) -> gpd.GeoDataFrame:
    """Polygons in British National Grid metres (for distance bands and centroids)."""
    frame = gpd.GeoDataFrame({"code": list(codes)}, geometry=from_wkb(geometry_wkb), crs="EPSG:4326")
    return frame.to_crs(BNG).reset_index(drop=True)


def spatial_weights(frame: gpd.GeoDataFrame, kind: str = "queen", threshold_m: float = 2000.0) -> SpatialWeights:
    """Queen contiguity (default) or a binary distance band between centroids; islands removed."""
    from libpysal import weights as lw

    if kind not in WEIGHT_KINDS:
        raise ChoiceError(f"Unknown neighbour rule '{kind}': choose {' or '.join(WEIGHT_KINDS)}.")
    codes = list(frame["code"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; they are reported instead
        if kind == "queen":
            w = lw.Queen.from_dataframe(frame, ids=codes, use_index=False)
        else:
            points = np.column_stack([frame.geometry.centroid.x, frame.geometry.centroid.y])
            w = lw.DistanceBand(points, threshold=threshold_m, binary=True, ids=codes, silence_warnings=True)
        islands = [str(i) for i in w.islands]
        if islands:
            keep = [c for c in codes if c not in set(islands)]
            w = lw.w_subset(w, keep, silence_warnings=True)
            codes = keep
    return SpatialWeights(w, codes, islands, kind, threshold_m if kind == "distance" else None)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """BH adjusted p-values (q-values): p_(i) * n / i, made monotone from the largest down, capped at 1."""
    p = np.asarray(p_values, dtype=float)
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1].clip(max=1.0)
    out = np.empty(n)
    out[order] = adjusted
    return out


def _aligned(values: pd.Series, sw: SpatialWeights) -> tuple[np.ndarray, SpatialWeights, list[str]]:
    """Values in the weights' order; areas without a value are dropped from the weights and reported."""
    from libpysal import weights as lw

    present = [c for c in sw.codes if c in values.index and pd.notna(values.get(c))]
    missing = [c for c in sw.codes if c not in set(present)]
    if missing:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = lw.w_subset(sw.w, present, silence_warnings=True)
        new_islands = [str(i) for i in w.islands]
        if new_islands:
            present = [c for c in present if c not in set(new_islands)]
            w = lw.w_subset(w, present, silence_warnings=True)
        sw = SpatialWeights(w, present, sw.islands + new_islands, sw.kind, sw.threshold_m)
    if len(present) < 10:
        raise ChoiceError("Fewer than ten areas with a value and a neighbour: a hot-spot test needs more areas.")
    return values.loc[present].to_numpy(dtype=float), sw, missing


def gi_star(values: pd.Series, sw: SpatialWeights, permutations: int = PERMUTATIONS, seed: int = SEED,
            alpha: float = 0.05, fdr: bool = True) -> tuple[pd.DataFrame, dict]:
    """Gi* per area: z-score, permutation p-value (esda's one-sided pseudo p), BH q-value and class.

    A hot spot has z > 0 and (q or p) <= alpha; a cold spot z < 0. Returns the table and a summary."""
    import esda

    y, sw, missing = _aligned(values, sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, sw.w, transform="R", permutations=permutations,
                         star=True, seed=seed, n_jobs=1, keep_simulations=False)
    table = pd.DataFrame({"code": sw.codes, "value": y, "z": g.Zs, "p": g.p_sim, "p_normal": g.p_norm})
    table["q"] = benjamini_hochberg(table["p"].to_numpy())
    test = table["q"] if fdr else table["p"]
    table["class"] = np.where(test <= alpha, np.where(table["z"] > 0, HOT, COLD), NOT_SIGNIFICANT)
    return table, _summary(table, sw, missing, alpha, fdr, permutations, seed)


def local_moran(values: pd.Series, sw: SpatialWeights, permutations: int = PERMUTATIONS, seed: int = SEED,
                alpha: float = 0.05, fdr: bool = True) -> tuple[pd.DataFrame, dict]:
    """Local Moran's I per area: quadrant (high-high, low-low, high-low, low-high) where significant."""
    import esda

    y, sw, missing = _aligned(values, sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = esda.Moran_Local(y, sw.w, transformation="r", permutations=permutations, seed=seed, n_jobs=1,
                             keep_simulations=False)
    table = pd.DataFrame({"code": sw.codes, "value": y, "z": m.z_sim, "local_i": m.Is, "p": m.p_sim})
    table["q"] = benjamini_hochberg(table["p"].to_numpy())
    test = table["q"] if fdr else table["p"]
    quadrant = pd.Series(m.q).map(MORAN_QUADRANTS).to_numpy()
    table["class"] = np.where(test <= alpha, quadrant, NOT_SIGNIFICANT)
    return table, _summary(table, sw, missing, alpha, fdr, permutations, seed)


def _summary(table: pd.DataFrame, sw: SpatialWeights, missing: list[str], alpha: float, fdr: bool,
             permutations: int, seed: int) -> dict:
    return {"tested": len(table), "counts": table["class"].value_counts().to_dict(), "islands": sw.islands,
            "no_value": missing, "alpha": alpha, "fdr": fdr, "permutations": permutations, "seed": seed,
            "weights": WEIGHT_KINDS[sw.kind] + (f", {sw.threshold_m:,.0f} m" if sw.threshold_m else ""),
            "mean_neighbours": float(np.mean(list(sw.w.cardinalities.values()))) if sw.codes else 0.0}


def describe(summary: dict, method: str) -> str:
    """One plain sentence on what was tested and how."""
    correction = ("with the Benjamini-Hochberg false discovery rate control" if summary["fdr"]
                  else "without a correction for testing many areas at once")
    return (f"{METHODS[method]} on {summary['tested']:,} areas; neighbours: {summary['weights']} "
            f"(on average {summary['mean_neighbours']:.1f} each); {summary['permutations']} permutations "
            f"(seed {summary['seed']}), significance {summary['alpha']:g} {correction}.")


def tooltips(table: pd.DataFrame) -> list[str]:
    """One line of text per area for the map: name, code, class, value, z, p and q."""
    return [f"{n} ({c}): {k}, value {v:.2f}, z {z:.2f}, p {p:.3f}, q {q:.3f}" for n, c, k, v, z, p, q
            in zip(table["name"], table["code"], table["class"], table["value"], table["z"], table["p"], table["q"])]


def significant(table: pd.DataFrame) -> pd.DataFrame:
    """The areas found significant, strongest hot spots first (the table beside the map)."""
    rows = table[table["class"] != NOT_SIGNIFICANT].sort_values("z", ascending=False)
    return rows[["name", "la", "code", "class", "value", "z", "p", "q"]]
