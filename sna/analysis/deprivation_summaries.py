"""Summaries of LSOA deprivation for larger areas, computed as the official IoD local authority
summaries are (IoD2019 Technical Report, Appendix N; Files 10 and 11 of the release):

- average score: population-weighted mean of the LSOA scores;
- average rank: population-weighted mean of the LSOAs' national ranks (1 = most deprived);
- share of LSOAs in the most deprived 10% nationally (a count of LSOAs, not weighted);
- extent: share of the population living in the most deprived LSOAs, all of the population in the
  most deprived 10% of LSOAs nationally and a sliding share of those in the 11th to 30th percentile
  (weight 0.95 in the 11th, falling by 0.9/19 each percentile to 0.05 in the 30th, 0 beyond);
- local concentration: population-weighted mean rank of the area's most deprived LSOAs that hold
  exactly 10% of the area's population (the last LSOA taken counts only for the people needed).

Pure functions over one table of LSOAs; the build step supplies ranks, scores and populations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# measure -> True where a higher value means more deprived (rank 1 among areas = most deprived).
MEASURES: dict[str, bool] = {
    "avg_score": True,
    "avg_rank": False,
    "decile1_share": True,
    "extent": True,
    "local_concentration": False,
}
LOCAL_CONCENTRATION_SHARE = 0.10


def national_percentile(rank: pd.Series, national_count: int) -> pd.Series:
    """Percentile of a national rank, 1 = the most deprived 1% of LSOAs: ceiling(rank x 100 / count)."""
    return np.ceil(rank.astype(float) * 100.0 / national_count)


def extent_weight(percentile: pd.Series) -> pd.Series:
    """The official extent weight of an LSOA by its national percentile (Appendix N)."""
    p = percentile.astype(float)
    sliding = 0.95 - (0.9 / 19.0) * (p - 11.0)
    return pd.Series(np.where(p <= 10, 1.0, np.where(p <= 30, sliding, 0.0)), index=percentile.index)


def summarise(lsoas: pd.DataFrame, national_count: int) -> pd.DataFrame:
    """One row per parent area with the five summaries.

    lsoas: one row per (parent, LSOA) with columns parent, rank, decile, population and score
    (score may be missing: that summary is then missing). LSOAs without a rank or a population
    are left out. Shares and extent are percentages (0-100)."""
    data = lsoas.dropna(subset=["rank", "population"])
    data = data[data["population"] > 0].copy()
    data["rank"] = data["rank"].astype(float)
    w = data["population"].astype(float)
    data["w"] = w
    data["w_rank"] = w * data["rank"]
    scored = data["score"].notna()
    data["w_scored"] = w.where(scored, 0.0)
    data["w_score"] = (w * data["score"]).where(scored, 0.0)
    data["in_decile1"] = (data["decile"] == 1).astype(float).where(data["decile"].notna())
    data["w_extent"] = w * extent_weight(national_percentile(data["rank"], national_count))
    grouped = data.groupby("parent", sort=True)
    sums = grouped[["w", "w_rank", "w_scored", "w_score", "w_extent"]].sum()
    out = pd.DataFrame(index=sums.index)
    out["avg_score"] = (sums["w_score"] / sums["w_scored"]).where(sums["w_scored"] > 0)
    out["avg_rank"] = sums["w_rank"] / sums["w"]
    out["decile1_share"] = grouped["in_decile1"].mean() * 100.0
    out["extent"] = sums["w_extent"] / sums["w"] * 100.0
    out["local_concentration"] = local_concentration(data[["parent", "rank", "w"]])
    out["lsoas"] = grouped.size()
    out["population"] = sums["w"]
    return out.rename_axis("parent").reset_index()


def local_concentration(data: pd.DataFrame, share: float = LOCAL_CONCENTRATION_SHARE) -> pd.Series:
    """Population-weighted mean rank of each parent's most deprived LSOAs holding exactly `share`
    of its population. data: parent, rank, w (population)."""
    ordered = data.sort_values(["parent", "rank"], kind="mergesort")
    total = ordered.groupby("parent")["w"].transform("sum")
    before = ordered.groupby("parent")["w"].cumsum() - ordered["w"]
    taken = (share * total - before).clip(lower=0.0)
    taken = np.minimum(taken, ordered["w"])
    weighted = (ordered["rank"] * taken).groupby(ordered["parent"]).sum()
    return weighted / taken.groupby(ordered["parent"]).sum()


def rank_among(values: pd.Series, higher_is_more_deprived: bool) -> pd.Series:
    """Rank of each area among all areas given, 1 = most deprived; ties share the lowest rank."""
    return values.rank(method="min", ascending=not higher_is_more_deprived, na_option="keep")
