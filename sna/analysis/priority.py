"""Priority schools: a transparent, adjustable score for the Education Inclusion Advisers.

Method (each step a pure function below):
1. Around each school ("within the radius"): the LSOAs whose polygon intersects a circle of the radius
   around the school, computed in British National Grid metres (`members`), precomputed once per radius.
2. Component values (`component_values`): population-weighted means of LSOA rates (IoD2025 violence,
   IMD 2025), the pooled IDACI 2019 rate (sum of numerators / sum of children aged 0-15), police.uk
   violence, robbery and weapons offences recorded within the radius (counts over the months held),
   and the school's own free school meals % (GIAS 2025) and overall absence (2018-19 tables).
3. Percentiles (`percentiles`): each component as a percentile (0-100) among the scored schools of
   the study area; higher = more of the factor.
4. Score (`score`): the weighted mean of the percentiles present. A missing component is never a zero:
   the weights are re-normalised over the components the school has and the school is flagged.
5. Sensitivity (`sensitivity`): each weight multiplied by an independent uniform draw in [1-s, 1+s]
   (default s = 0.5, 200 draws, fixed seed); rank interval (5th-95th percentile) and share of draws
   in the top N. Vectorised: one matrix product for all draws.

The area around a school is not where all its pupils live: the area components describe the
neighbourhood of the school building, not its intake.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sna.analysis.formatting import csv_safe, format_count, format_value, markdown_text
from sna.analysis.school_areas import PriorityInputs
from sna.errors import ConfigError

RANK_BAND = (5, 95)  # percentiles of the rank over the draws shown as the rank interval


@dataclass(frozen=True)
class Component:
    """One ingredient of the priority score, with its provenance shown next to the number."""

    key: str
    label: str
    measure: str  # what the raw value is
    source: str  # publisher, dataset, vintage
    source_ids: tuple[str, ...]
    default_weight: int
    scope: str  # "area" (around the school) or "school" (the school itself)
    short: str  # column heading: the measure and its vintage


COMPONENTS: dict[str, Component] = {c.key: c for c in (
    Component("violence", "Violence around the school",
              "violence with injury + public order and weapons offences per 1,000 at-risk population, "
              "population-weighted over the LSOAs (2021) within the radius",
              "MHCLG, English Indices of Deprivation 2025, File 8 (LSOA 2021; police recorded crime behind the IoD2025 crime domain)", ("iod25_f8",), 25, "area", "Violence (IoD2025)"),
    Component("police", "Recorded violence, robbery and weapons offences near the school",
              "police.uk violence and sexual offences, robbery and possession of weapons recorded within the radius "
              "(count over the months held)",
              "police.uk street-level crime (months held in the database)", (), 15, "area", "Police-recorded (police.uk)"),
    Component("idaci", "Children in income-deprived families around the school",
              "IDACI 2019 rate: children aged 0-15 in income-deprived families / children aged 0-15, pooled over the "
              "LSOAs (2011) within the radius (%)",
              "MHCLG, English Indices of Deprivation 2019, Files 6 and 8 (LSOA 2011)", ("iod19_f8", "iod19_f6"), 20, "area", "IDACI (IoD2019)"),
    Component("imd", "Deprivation around the school",
              "IMD 2025 score, population-weighted over the LSOAs (2021) within the radius",
              "MHCLG, English Indices of Deprivation 2025, File 7 (LSOA 2021)", ("iod25_f7",), 15, "area", "IMD (IoD2025)"),
    Component("fsm", "Pupils eligible for free school meals",
              "% of pupils eligible for free school meals (the school's own figure)",
              "DfE, Get Information About Schools, 2025-05-24", ("sch_gias_2025",), 15, "school", "FSM % (GIAS 2025)"),
    Component("absence", "Pupil absence",
              "overall absence, % of sessions missed (only where the school kept its URN since)",
              "DfE, school performance tables 2018-19 (absence of 2017/18)", ("sch_abs_1819",), 10, "school", "Absence (2017/18)"),
)}
DEFAULT_WEIGHTS: dict[str, float] = {k: float(c.default_weight) for k, c in COMPONENTS.items()}


def percentiles(raw: pd.DataFrame) -> pd.DataFrame:
    """Each component as a percentile (0-100, ties averaged) among the rows given; NaN stays NaN.
    Percentile = 100 * (rank - 0.5) / n: the middle school sits at 50 whatever n is."""
    cols = [c for c in COMPONENTS if c in raw]
    ranks = raw[cols].rank(method="average")
    counts = raw[cols].notna().sum()
    return 100 * (ranks - 0.5) / counts


def _weight_vector(weights: dict[str, float]) -> np.ndarray:
    unknown = set(weights) - set(COMPONENTS)
    if unknown:
        raise ConfigError(f"Unknown score components {sorted(unknown)}; valid: {list(COMPONENTS)}.")
    w = np.array([float(weights.get(k, 0.0)) for k in COMPONENTS])
    if (w < 0).any() or w.sum() <= 0:
        raise ConfigError("Weights must be zero or more, and at least one must be above zero.")
    return w


def _scores(pct: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean of the percentiles present; w is (k,) or (draws, k). Returns (n,) or (n, draws)."""
    present = ~np.isnan(pct)
    filled = np.where(present, pct, 0.0)
    num = filled @ w.T
    den = present.astype(float) @ w.T
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def score(pct: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Score (0-100) and rank (1 = highest priority) from percentiles and weights.
    `missing` names the weighted components a school lacks (its weights were re-normalised over the rest)."""
    w = _weight_vector(weights)
    values = pct[list(COMPONENTS)].to_numpy(dtype=float)
    out = pd.DataFrame(index=pct.index)
    out["score"] = _scores(values, w)
    out["rank"] = out["score"].rank(ascending=False, method="min").astype("Int64")
    lacking = np.isnan(values) & (w > 0)
    names = np.array(list(COMPONENTS))
    out["missing"] = [", ".join(names[row]) for row in lacking]
    out["weight_used_pct"] = 100 * (~np.isnan(values) * w).sum(axis=1) / w.sum()
    return out


def sensitivity(pct: pd.DataFrame, weights: dict[str, float], draws: int = 200, spread: float = 0.5, top_n: int = 10,
                seed: int = 20251123) -> pd.DataFrame:
    """Rank stability when every weight is multiplied by an independent uniform draw in [1-spread, 1+spread].
    Returns rank_low/rank_high (5th-95th percentile of the rank over the draws), rank_median and
    top_n_share (% of draws in which the school ranks in the top N). Schools without a score get NaN."""
    w = _weight_vector(weights)
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, len(w)))
    wd = w * factors
    values = pct[list(COMPONENTS)].to_numpy(dtype=float)
    s = _scores(values, wd)  # (n, draws)
    scored = ~np.isnan(s[:, 0])
    # rank 1 = highest score; ties broken by row order (stable), the same for every draw
    order = np.argsort(-s[scored], axis=0, kind="stable")
    r = np.empty_like(order)
    np.put_along_axis(r, order, np.arange(1, scored.sum() + 1)[:, None].repeat(draws, axis=1), axis=0)
    out = pd.DataFrame(np.nan, index=pct.index, columns=["rank_low", "rank_high", "rank_median", "top_n_share"])
    if scored.any():
        lo, hi = np.percentile(r, RANK_BAND, axis=1)
        out.loc[scored, "rank_low"] = np.round(lo)
        out.loc[scored, "rank_high"] = np.round(hi)
        out.loc[scored, "rank_median"] = np.median(r, axis=1)
        out.loc[scored, "top_n_share"] = 100 * (r <= top_n).mean(axis=1)
    return out


def explain(row: pd.Series, weights: dict[str, float], radius_m: float, n_scored: int) -> str:
    """A plain-language 'why this school ranks here' (markdown; the name is escaped) from a ranked-table row:
    the rank, how stable it is when the weights vary, then each weighted component in order of contribution."""
    name = markdown_text(str(row["name"]))
    if pd.isna(row.get("score")):
        return f"{name} has no score: {row.get('reason') or 'no component is available'}."
    w = _weight_vector(weights)
    share = 100 * w / w.sum()
    lines = []
    for (key, comp), wk, sk in zip(COMPONENTS.items(), w, share):
        p = row.get(f"pct_{key}")
        if wk == 0:
            continue
        if pd.isna(p):
            lines.append((-1.0, f"- {comp.label}: **not available** ({markdown_text(_missing_reason(key, row))}); "
                                "left out, the other weights scaled up"))
            continue
        band = ("higher than most" if p >= 75 else "above the middle" if p >= 50 else
                "below the middle" if p >= 25 else "lower than most")
        lines.append((p * wk, f"- {comp.label}: percentile **{p:.0f}**, {band} of the study area's schools "
                              f"(weight {sk:.0f}%)"))
    lines.sort(key=lambda t: -t[0])
    stability = ""
    if not pd.isna(row.get("rank_low")):
        stability = (f" When each weight varies by up to 50%, its rank stays between {int(row['rank_low'])} and "
                     f"{int(row['rank_high'])} in 90% of draws.")
    head = (f"**{name}** ranks **{int(row['rank'])} of {n_scored}** with a score of {row['score']:.1f} out of 100."
            f"{stability} In order of contribution:")
    tail = (f"Area measures describe the {radius_m / 1000:g} km around the school building, not where all its "
            "pupils live.")
    return "\n".join([head, "", *(t for _, t in lines), "", tail])


def _missing_reason(key: str, row: pd.Series) -> str:
    if key == "absence":
        return str(row.get("perf_1819_note") or "suppressed or not published for 2018-19")
    if key == "fsm":
        return "no free school meals % in GIAS 2025"
    if not row.get("has_coordinates", True):
        return "the school has no coordinates"
    return "no value within the radius"


def ranked_table(inputs: PriorityInputs, raw: pd.DataFrame, weights: dict[str, float], top_n: int = 10,
                 draws: int = 200, spread: float = 0.5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked, not_scored): the state-funded secondary schools with raw values, percentiles, score, rank and
    sensitivity; and the schools left without a score, each with the reason."""
    schools = inputs.schools.set_index("urn")
    eligible = schools[schools["is_secondary"]]
    values = raw.loc[eligible.index]
    pct = percentiles(values)
    scored = score(pct, weights)
    sens = sensitivity(pct, weights, draws=draws, spread=spread, top_n=top_n)
    table = eligible[["name", "lad_code", "la_name", "phase", "type", "pupils", "lon", "lat", "has_coordinates",
                      "perf_1819_note"]].copy()
    for key in COMPONENTS:
        table[f"raw_{key}"] = values[key]
        table[f"pct_{key}"] = pct[key]
    table = table.join(scored).join(sens)
    table["reason"] = [_reason(r, m) for r, m in zip(table.itertuples(), table["missing"])]
    ranked = table[table["score"].notna()].sort_values(["rank", "name"]).reset_index()
    not_scored = table[table["score"].isna()].reset_index()[["urn", "name", "la_name", "reason"]]
    return ranked, not_scored


def _reason(row, missing: str) -> str:
    """Why a school lacks components (empty when it has all of them)."""
    if not row.has_coordinates:
        return "no coordinates in GIAS: the area components cannot be computed"
    keys = [m for m in missing.split(", ") if m]
    return "; ".join(f"{k}: {_missing_reason(k, pd.Series(row._asdict()))}" for k in keys)


def export_csv(ranked: pd.DataFrame, not_scored: pd.DataFrame, weights: dict[str, float], radius_m: float,
               months: tuple[str, ...], top_n: int, area_name: str = "study area") -> bytes:
    """The priority list as CSV, headed by '#' lines naming the weights, radius, sources and vintages."""
    buf = io.StringIO()
    buf.write(f"# Priority secondary schools ({area_name}, SNA explorer)\n")
    buf.write(f"# radius_m: {radius_m:g}; weights: " + ", ".join(f"{k}={v:g}" for k, v in weights.items()) + "\n")
    buf.write(f"# sensitivity: 200 draws, each weight x U(0.5, 1.5); top_n_share = % of draws in the top {top_n}\n")
    for comp in COMPONENTS.values():
        buf.write(f"# {comp.key}: {comp.measure}. Source: {comp.source}.\n")
    buf.write(f"# police.uk months held: {', '.join(months) or 'none'}\n")
    buf.write("# Missing components are left out and the weights re-normalised over the rest (column missing).\n")
    buf.write("# The area around a school is not where all its pupils live. Licence: Open Government Licence v3.0.\n")
    cols = ["rank", "urn", "name", "la_name", "phase", "type", "score", "rank_low", "rank_high", "top_n_share", "missing",
            *[f"raw_{k}" for k in COMPONENTS], *[f"pct_{k}" for k in COMPONENTS]]
    out = ranked[cols].copy()
    out["name"] = out["name"].map(csv_safe)
    out = out.round(2)
    for col in ("rank", "urn", "rank_low", "rank_high"):  # whole numbers stay whole ("45", never "45.0")
        out[col] = out[col].round().astype("Int64")
    out.to_csv(buf, index=False)
    if len(not_scored):
        buf.write("# Not scored:\n")
        ns = not_scored.copy()
        ns["name"] = ns["name"].map(csv_safe)
        ns.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def filter_table(ranked: pd.DataFrame, lad_codes: list[str] | None, phases: list[str] | None, types: list[str] | None,
                 search: str = "") -> pd.DataFrame:
    """The ranked schools matching the filters; search matches part of the name (any case) or the URN."""
    out = ranked
    if lad_codes:
        out = out[out["lad_code"].isin(lad_codes)]
    if phases:
        out = out[out["phase"].isin(phases)]
    if types:
        out = out[out["type"].isin(types)]
    text = (search or "").strip()
    if text:
        by_name = out["name"].str.contains(text, case=False, regex=False)
        by_urn = out["urn"].astype(str).str.startswith(text)
        out = out[by_name | by_urn]
    return out


METHOD_TEXT = """**How the score is made.** Around each school means the LSOAs whose boundary comes within
{radius:g} km of the school (measured in British National Grid metres). Violence and IMD are averages of those
LSOAs weighted by their population (ONS mid-2020); the IDACI rate pools the LSOAs' children in income-deprived
families and divides by their children aged 0-15 (LSOAs whose small numerator is not published are left out).
Police-recorded offences are the violence and sexual offences, robbery and possession of weapons that police.uk
places within the radius, over the months the database holds: **{months}** (with only a month or two held, this component is noisy:
weight it lightly). Each component becomes a percentile among the study area's
state-funded secondary and all-through schools (100 = the most). The score is the weighted mean of the
percentiles a school has: **a missing component is left out and the weights re-normalised over the rest**, and the
school is flagged. Absence is from the 2018-19 performance tables (absence of 2017/18) and exists only for
schools that kept their URN since (academy conversions change it). IoD2019 (LSOA 2011) and IoD2025 (LSOA 2021) use
different LSOA generations and are not directly comparable. **Sensitivity:** 200 draws with a fixed seed, each
weight multiplied by a random factor between 0.5 and 1.5; the rank range is the 5th to 95th percentile of a
school's rank over the draws. **Why IDACI 2019:** the IoD2025 files held here give the IDACI numerator for
LSOAs 2021 but not the child population it is divided by, so a rate around a school can only be made honestly
from IoD2019 (Files 6 and 8, LSOAs 2011); it describes income deprivation around 2015-16."""


def components_table(weights: dict[str, float]) -> pd.DataFrame:
    """Component, what it measures, source and vintage, weight and share of the total weight."""
    w = _weight_vector(weights)
    return pd.DataFrame({"Component": [c.label for c in COMPONENTS.values()],
                         "Measure": [c.measure for c in COMPONENTS.values()],
                         "Source and vintage": [c.source for c in COMPONENTS.values()],
                         "Default weight": [c.default_weight for c in COMPONENTS.values()],
                         "Weight": w, "Share of weight (%)": (100 * w / w.sum()).round(1)})


def school_components(row: pd.Series, weights: dict[str, float]) -> pd.DataFrame:
    """One school's components: raw value, percentile and weight, each with its source and vintage."""
    w = _weight_vector(weights)
    return pd.DataFrame({"Component": [c.label for c in COMPONENTS.values()],
                         "Value": [None if pd.isna(row[f"raw_{k}"]) else round(float(row[f"raw_{k}"]), 1) for k in COMPONENTS],
                         "Measure": [c.measure for c in COMPONENTS.values()],
                         "Percentile": [None if pd.isna(row[f"pct_{k}"]) else round(float(row[f"pct_{k}"])) for k in COMPONENTS],
                         "Weight": w,
                         "Source and vintage": [c.source for c in COMPONENTS.values()]})


def column_label(component: Component, months: tuple[str, ...]) -> str:
    """Table heading: short name with vintage; police.uk names the months held (e.g. 2018-06)."""
    if component.key == "police" and months:
        span = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"
        return f"Police-recorded ({span})"
    return component.short




def feeder_table(feeders: pd.DataFrame) -> pd.DataFrame:
    """Nearby primary schools for reading: numbers formatted, a missing figure says 'not published'."""
    return pd.DataFrame({"URN": feeders["urn"].astype(str), "School": feeders["name"], "Local authority": feeders["la_name"],
                         "Type": feeders["type"],
                         "Pupils (GIAS 2025)": [format_count(v) if not pd.isna(v) else "not published" for v in feeders["pupils"]],
                         "FSM % (GIAS 2025)": [format_value(v, "%") if not pd.isna(v) else "not published" for v in feeders["fsm_pct"]],
                         "Distance (m)": [format_count(v) for v in feeders["distance_m"]]})
