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
    group, parents = pd.factorize(lsoas["parent"].to_numpy(), sort=True)  # groups in sorted order; a missing parent: -1
    out = summarise_groups(group, len(parents), lsoas["rank"].to_numpy(dtype=float), lsoas["decile"].to_numpy(dtype=float),
                           lsoas["population"].to_numpy(dtype=float), lsoas["score"].to_numpy(dtype=float), national_count)
    held = out.pop("held")
    return pd.DataFrame({"parent": parents[held], **{k: v[held] for k, v in out.items()}})


def summarise_groups(group: np.ndarray, groups: int, rank: np.ndarray, decile: np.ndarray, population: np.ndarray,
                     score: np.ndarray, national_count: int) -> dict[str, np.ndarray]:
    """summarise() on arrays, parents numbered 0..groups-1 (-1: left out): one value per group for each
    summary, and `held` (the groups with at least one LSOA kept). Why: England's build summarises 18
    indices over ~73k (parent, LSOA) rows; numpy sums by group cost a fraction of pandas' groupby."""
    keep = (group >= 0) & ~np.isnan(rank) & (population > 0)  # NaN population compares False
    group, rank, decile, w, score = group[keep], rank[keep], decile[keep], population[keep], score[keep]

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=weights, minlength=groups)

    scored = ~np.isnan(score)
    count = np.bincount(group, minlength=groups)
    sum_w, sum_scored = total(w), total(np.where(scored, w, 0.0))
    rated = ~np.isnan(decile)
    deciles = np.bincount(group[rated], minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg_score = np.where(sum_scored > 0, total(np.where(scored, w * score, 0.0)) / sum_scored, np.nan)
        extent = extent_weight(national_percentile(pd.Series(rank, copy=False), national_count)).to_numpy()
        return {"avg_score": avg_score, "avg_rank": total(w * rank) / sum_w,
                "decile1_share": np.bincount(group[rated], weights=(decile[rated] == 1).astype(float), minlength=groups) / deciles * 100.0,
                "extent": total(w * extent) / sum_w * 100.0,
                "local_concentration": _local_concentration(group, groups, rank, w, sum_w, LOCAL_CONCENTRATION_SHARE),
                "lsoas": count, "population": sum_w, "held": count > 0}


def _local_concentration(group: np.ndarray, groups: int, rank: np.ndarray, w: np.ndarray, sum_w: np.ndarray,
                         share: float) -> np.ndarray:
    """local_concentration() on arrays: each group's LSOAs by rank; the people counted in each, up to `share`."""
    order = _group_rank_order(group, rank)
    group, rank, w = group[order], rank[order], w[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.array([], dtype=int)
    running = np.concatenate([np.cumsum(part) for part in np.split(w, starts[1:])]) if len(w) else w
    taken = np.minimum((share * sum_w[group] - (running - w)).clip(min=0.0), w)
    return np.bincount(group, weights=rank * taken, minlength=groups) / np.bincount(group, weights=taken, minlength=groups)


def _group_rank_order(group: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """np.lexsort((rank, group)) (stable: equal ranks keep their order). National ranks are whole and unique,
    so one exact composite key, sorted, gives the same order in a seventh of the time; else lexsort."""
    if len(rank) and rank.min() >= 0 and np.array_equal(rank, np.floor(rank)):
        top = rank.max() + 1.0
        if (group.max() + 1) * top < 2.0 ** 53:  # every key an exact whole number
            key = group * top + rank
            order = np.argsort(key)
            if not (np.diff(key[order]) == 0).any():  # no equal keys: the order is the only one
                return order
    return np.lexsort((rank, group))


def local_concentration(data: pd.DataFrame, share: float = LOCAL_CONCENTRATION_SHARE) -> pd.Series:
    """Population-weighted mean rank of each parent's most deprived LSOAs holding exactly `share`
    of its population. data: parent, rank, w (population)."""
    group, parents = pd.factorize(data["parent"].to_numpy(), sort=True)
    w = data["w"].to_numpy(dtype=float)
    values = _local_concentration(group, len(parents), data["rank"].to_numpy(dtype=float), w,
                                  np.bincount(group, weights=w, minlength=len(parents)), share)
    return pd.Series(values, index=pd.Index(parents, name="parent"))


def rank_among(values: pd.Series, higher_is_more_deprived: bool) -> pd.Series:
    """Rank of each area among all areas given, 1 = most deprived; ties share the lowest rank."""
    return values.rank(method="min", ascending=not higher_is_more_deprived, na_option="keep")
