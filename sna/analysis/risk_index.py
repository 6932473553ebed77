"""A composite risk index over LSOA indicators, built the way the OECD/JRC Handbook on Constructing
Composite Indicators (2008) asks: indicators on ONE LSOA generation, polarity made explicit, a
switchable normalisation, explicit weights, and an uncertainty analysis (Saisana, Saltelli and
Tarantola 2005) that varies the weights and the normalisation and reports each area's median rank
and 90% rank interval. Pure functions: the caller supplies the values (sna.db) and renders."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from sna.errors import ChoiceError

# The IMD's exponential transformation (MHCLG, English Indices of Deprivation technical report):
# ranks scaled to (0, 1] with 1 = most deprived, X = -23 ln(1 - R (1 - exp(-100/23))), 0..100.
# It stretches the deprived end so that a low value on one domain cannot be fully offset by another.
EXP_CONSTANT = 23.0


def exponential_transform(values: pd.Series) -> pd.Series:
    """Rank (1 = least, n = most) scaled to (0, 1], then the IMD exponential transform (0..100)."""
    ranks = values.rank(method="average")
    scaled = ranks / ranks.count()
    return -EXP_CONSTANT * np.log(1 - scaled * (1 - np.exp(-100 / EXP_CONSTANT)))


def z_score(values: pd.Series) -> pd.Series:
    sd = values.std(ddof=0)
    return (values - values.mean()) / sd if sd > 0 else values * 0.0


def min_max(values: pd.Series) -> pd.Series:
    span = values.max() - values.min()
    return (values - values.min()) / span if span > 0 else values * 0.0


@dataclass(frozen=True)
class Normalisation:
    label: str
    function: object
    explanation: str


NORMALISATIONS: dict[str, Normalisation] = {
    "exponential": Normalisation("Rank, then exponential (as the IMD)", exponential_transform,
                                 "Ranks within the study area, stretched towards the worst end as the IMD combines its "
                                 "domains: a very bad value on one indicator is not cancelled by a good one elsewhere."),
    "zscore": Normalisation("z-score", z_score, "Distance from the study-area mean in standard deviations: keeps the "
                                                "shape of each distribution, so extreme values weigh more."),
    "minmax": Normalisation("Min-max (0 to 1)", min_max, "Rescaled to 0 (best) .. 1 (worst) within the study area: "
                                                         "sensitive to the single most extreme area."),
}
POLARITY_SIGN = {"higher_worse": 1.0, "lower_worse": -1.0}  # neutral indicators are not offered

# Documented defaults (issue 11: child poverty, education, health, crime, living environment), per
# generation: IoD2025 on 2021 LSOAs, IoD2019 on 2011 LSOAs. IoD2025 IDACI is not in the database,
# so the income domain stands in for child poverty on 2021 LSOAs.
DEFAULTS: dict[str, list[str]] = {
    "lsoa21": ["iod25_income_score", "iod25_sub_children_and_young_people_score", "iod25_health_score",
               "iod25_crime_score", "iod25_living_env_score"],
    "lsoa11": ["iod19_idaci_rank", "iod19_sub_children_and_young_people_rank", "iod19_health_rank",
               "iod19_crime_rank", "iod19_living_env_rank"],
}
DEFAULTS_NOTE = ("Defaults: child poverty (IDACI on 2011 LSOAs; the income domain on 2021 LSOAs, as IoD2025 IDACI is "
                 "not held), the children and young people education sub-domain, health, crime and living environment, "
                 "the risk-factor domains named in issue 11 and used by published VRU needs assessments; equal weights.")


@dataclass(frozen=True)
class Recipe:
    """Everything needed to rebuild the index: indicators, weights, method, generation."""

    level: str
    indicators: tuple[str, ...]
    weights: tuple[float, ...]
    normalisation: str = "exponential"
    draws: int = 200
    weight_spread: float = 0.5
    seed: int = 20251130
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def weight_map(self) -> dict[str, float]:
        return dict(zip(self.indicators, self.weights))


def check_recipe(recipe: Recipe, catalogue: pd.DataFrame) -> None:
    """One generation, known indicators with a direction, positive weights: else a ChoiceError."""
    if not recipe.indicators:
        raise ChoiceError("Pick at least one indicator for the index.")
    if recipe.normalisation not in NORMALISATIONS:
        raise ChoiceError(f"Unknown normalisation '{recipe.normalisation}': choose one of {', '.join(NORMALISATIONS)}.")
    cat = catalogue.set_index("id")
    for ind in recipe.indicators:
        if ind not in cat.index:
            raise ChoiceError(f"Indicator '{ind}' is not in the database: pick another.")
        if cat.at[ind, "geography"] != recipe.level:
            raise ChoiceError(f"'{cat.at[ind, 'title']}' is on {cat.at[ind, 'geography']} LSOAs, not {recipe.level}: "
                              "an index uses one LSOA generation; pick indicators of one generation.")
        if cat.at[ind, "polarity"] not in POLARITY_SIGN:
            raise ChoiceError(f"'{cat.at[ind, 'title']}' has no 'worse' direction, so it cannot enter a risk index.")
    if sum(recipe.weights) <= 0 or min(recipe.weights) < 0:
        raise ChoiceError("Weights must be zero or more, with at least one above zero.")


def normalise(matrix: pd.DataFrame, polarities: dict[str, str], method: str) -> pd.DataFrame:
    """Each column oriented so that higher = worse, then normalised by the chosen method."""
    function = NORMALISATIONS[method].function
    return pd.DataFrame({c: function(matrix[c] * POLARITY_SIGN[polarities[c]]) for c in matrix.columns})


def complete_rows(matrix: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Areas with every indicator, and the codes left out (never imputed)."""
    keep = matrix.notna().all(axis=1)
    return matrix[keep], list(matrix.index[~keep])


def composite(matrix: pd.DataFrame, polarities: dict[str, str], recipe: Recipe) -> pd.Series:
    """The index: weighted mean of normalised indicators (weights re-scaled to sum to 1); higher = more risk."""
    weights = np.array(recipe.weights, dtype=float)
    normalised = normalise(matrix[list(recipe.indicators)], polarities, recipe.normalisation)
    return pd.Series(normalised.to_numpy() @ (weights / weights.sum()), index=matrix.index, name="index")


def worst_first_rank(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest index (most risk), ties share the lowest rank; along the last axis."""
    return rankdata(-scores, method="min", axis=-1)


def monte_carlo_ranks(matrix: pd.DataFrame, polarities: dict[str, str], recipe: Recipe) -> pd.DataFrame:
    """Median rank and 90% rank interval per area over random draws: every weight multiplied by a
    uniform factor in [1 - spread, 1 + spread], the normalisation drawn from all methods."""
    rng = np.random.default_rng(recipe.seed)
    columns = list(recipe.indicators)
    base = np.array(recipe.weights, dtype=float)
    methods = list(NORMALISATIONS)
    stacks = np.stack([normalise(matrix[columns], polarities, m).to_numpy() for m in methods])  # (m, areas, k)
    factors = rng.uniform(1 - recipe.weight_spread, 1 + recipe.weight_spread, size=(recipe.draws, len(columns)))
    weights = base * factors
    weights = weights / weights.sum(axis=1, keepdims=True)
    choice = rng.integers(0, len(methods), size=recipe.draws)
    scores = np.einsum("dak,dk->da", stacks[choice], weights)  # (draws, areas)
    ranks = worst_first_rank(scores)
    low, median, high = np.percentile(ranks, [5, 50, 95], axis=0)
    return pd.DataFrame({"median_rank": median, "rank_low": low, "rank_high": high,
                         "rank_width": high - low}, index=matrix.index)


def build_index(matrix: pd.DataFrame, polarities: dict[str, str], recipe: Recipe) -> tuple[pd.DataFrame, list[str]]:
    """The index, its rank and its Monte-Carlo rank interval for every complete area, plus the left-out codes.

    `robust_top` marks areas in the worst tenth of the study area in at least 95% of draws."""
    complete, left_out = complete_rows(matrix[list(recipe.indicators)])
    if len(complete) < 3:
        raise ChoiceError("Fewer than three areas have every chosen indicator: pick other indicators.")
    score = composite(complete, polarities, recipe)
    table = pd.DataFrame({"index": score, "rank": worst_first_rank(score.to_numpy())}, index=complete.index)
    table = table.join(monte_carlo_ranks(complete, polarities, recipe))
    cut = max(1, int(np.ceil(len(table) / 10)))
    table["robust_top"] = table["rank_high"] <= cut
    table["tertile"] = tertiles(table["index"])
    return table.sort_values("rank"), left_out


def tertiles(values: pd.Series) -> pd.Series:
    """1 (lowest third) .. 3 (highest third) by rank, so ties and skew cannot empty a class."""
    pct = values.rank(method="first", pct=True)
    return pd.Series(np.ceil(pct * 3).clip(1, 3).astype(int), index=values.index)


def recipe_table(recipe: Recipe, catalogue: pd.DataFrame, periods: dict[str, str]) -> pd.DataFrame:
    """The full recipe as rows: what, how much, which way, from where and when (exported as CSV)."""
    cat = catalogue.set_index("id")
    total = sum(recipe.weights)
    rows = [{"indicator_id": ind, "title": cat.at[ind, "title"], "polarity": cat.at[ind, "polarity"],
             "weight": w, "weight_share": w / total, "period": periods.get(ind, ""),
             "source": cat.at[ind, "publisher"] if "publisher" in cat else "",
             "vintage": cat.at[ind, "vintage"] if "vintage" in cat else "",
             "licence": cat.at[ind, "licence"] if "licence" in cat else ""}
            for ind, w in recipe.weight_map().items()]
    frame = pd.DataFrame(rows)
    frame["level"] = recipe.level
    frame["normalisation"] = NORMALISATIONS[recipe.normalisation].label
    frame["uncertainty"] = (f"{recipe.draws} draws, weights x U({1 - recipe.weight_spread:g}, {1 + recipe.weight_spread:g}), "
                            f"normalisation drawn from {', '.join(NORMALISATIONS)}; seed {recipe.seed}")
    return frame


def candidate_indicators(cat: pd.DataFrame, level: str) -> pd.DataFrame:
    """Catalogue rows (indexed by id) an index can use on one LSOA generation: a 'worse' direction, and no
    deciles (coarse ranks)."""
    return cat[(cat["geography"] == level) & cat["polarity"].isin(list(POLARITY_SIGN)) & ~cat.index.str.endswith("_decile")]
