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

import duckdb
import numpy as np
import pandas as pd
import shapely

from geo import from_wkb
from geo.points import geom_to_bng, to_bng
from sna.errors import ConfigError, DatabaseError

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
              "police.uk street-level crime (months held in the database)", ("crime_wmp_2018_06_api",), 15, "area", "Police-recorded (police.uk)"),
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
IOD25_VIOLENCE = ("iod25_violence_with_injury", "iod25_public_order_weapons")
IOD25_IMD = "iod25_imd_score"


@dataclass(frozen=True)
class PriorityInputs:
    """Everything the score needs, read once from the database (no geometry work yet)."""

    schools: pd.DataFrame  # the `schools` table
    lsoa21: pd.DataFrame  # code, pop_total, geometry (WKB), violence, imd
    lsoa11: pd.DataFrame  # code, geometry (WKB), idaci_numerator, children_0_15
    crimes: pd.DataFrame  # lon, lat, month (violence, robbery, weapons)
    months: tuple[str, ...]  # police.uk months held


def _values(con: duckdb.DuckDBPyConnection, indicator_id: str, level: str) -> pd.Series:
    frame = con.execute("""SELECT area_code, value FROM indicator_values WHERE indicator_id = ? AND level = ?
                           AND period = (SELECT max(period) FROM indicator_values WHERE indicator_id = ? AND level = ?)""",
                        [indicator_id, level, indicator_id, level]).df()
    return frame.set_index("area_code")["value"]


def load_inputs(con: duckdb.DuckDBPyConnection) -> PriorityInputs:
    """Read the schools, the LSOA measures and the crime points; a clear error if the build is too old."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = {"schools", "idaci19_lsoa11", "crimes", "areas", "indicator_values"} - tables
    if missing:
        raise DatabaseError(f"The database lacks {sorted(missing)}: rebuild it with `python -m sna build`.")
    schools = con.execute("SELECT * FROM schools ORDER BY urn").df()
    lsoa21 = con.execute("SELECT code, pop_total, geometry FROM areas WHERE level = 'lsoa21' ORDER BY code").df()
    lsoa21["violence"] = sum(lsoa21["code"].map(_values(con, i, "lsoa21")) for i in IOD25_VIOLENCE)
    lsoa21["imd"] = lsoa21["code"].map(_values(con, IOD25_IMD, "lsoa21"))
    lsoa11 = con.execute("""SELECT a.code, a.geometry, i.idaci_numerator, i.children_0_15 FROM areas a
                            JOIN idaci19_lsoa11 i USING (code) WHERE a.level = 'lsoa11' ORDER BY a.code""").df()
    crimes = con.execute("SELECT lon, lat, month FROM crimes WHERE serious_violence AND lon IS NOT NULL").df()
    months = tuple(r[0] for r in con.execute("SELECT DISTINCT month FROM crimes ORDER BY month").fetchall())
    return PriorityInputs(schools, lsoa21, lsoa11, crimes, months)


def bng_geometries(wkb: pd.Series) -> np.ndarray:
    """LSOA polygons (WKB, EPSG:4326) in British National Grid metres."""
    return geom_to_bng(from_wkb(wkb))


def members(school_xy: np.ndarray, polygons_bng: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(school index, polygon index) pairs: polygons intersecting the circle of radius_m around each school."""
    if radius_m <= 0:
        raise ConfigError("The radius must be positive (metres).")
    tree = shapely.STRtree(polygons_bng)
    school_idx, poly_idx = tree.query(shapely.points(school_xy), predicate="dwithin", distance=float(radius_m))
    order = np.lexsort((poly_idx, school_idx))
    return school_idx[order], poly_idx[order]


def weighted_mean(school_idx: np.ndarray, area_idx: np.ndarray, values: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Per school: sum(w*v)/sum(w) over its areas with a value (NaN where none has one)."""
    v, w = values[area_idx], weights[area_idx]
    ok = ~np.isnan(v) & ~np.isnan(w)
    num = np.bincount(school_idx[ok], weights=(v * w)[ok], minlength=n)
    den = np.bincount(school_idx[ok], weights=w[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def points_within(school_xy: np.ndarray, points_xy: np.ndarray, radius_m: float) -> np.ndarray:
    """Per school: the number of points within radius_m (metres)."""
    if not len(points_xy):
        return np.zeros(len(school_xy))
    tree = shapely.STRtree(shapely.points(points_xy))
    school_idx, _ = tree.query(shapely.points(school_xy), predicate="dwithin", distance=float(radius_m))
    return np.bincount(school_idx, minlength=len(school_xy)).astype(float)


@dataclass(frozen=True)
class Geometry:
    """Projected geometry, computed once per database (the expensive part of a new radius is the query)."""

    school_xy: np.ndarray  # BNG metres of the schools with coordinates (rows of `located`)
    located: np.ndarray  # positional index into inputs.schools
    lsoa21: np.ndarray
    lsoa11: np.ndarray
    crime_xy: np.ndarray


def project(inputs: PriorityInputs) -> Geometry:
    schools = inputs.schools
    located = np.flatnonzero(schools["has_coordinates"].to_numpy())
    sx, sy = to_bng(schools["lon"].to_numpy()[located], schools["lat"].to_numpy()[located])
    cx, cy = to_bng(inputs.crimes["lon"].to_numpy(), inputs.crimes["lat"].to_numpy())
    return Geometry(np.column_stack([sx, sy]), located, bng_geometries(inputs.lsoa21["geometry"]),
                    bng_geometries(inputs.lsoa11["geometry"]), np.column_stack([cx, cy]))


def component_values(inputs: PriorityInputs, geometry: Geometry, radius_m: float) -> pd.DataFrame:
    """Raw component values for every school (index urn), plus the LSOA counts used.
    Schools without coordinates get NaN for the area components."""
    schools = inputs.schools
    n = len(geometry.located)
    s21, a21 = members(geometry.school_xy, geometry.lsoa21, radius_m)
    s11, a11 = members(geometry.school_xy, geometry.lsoa11, radius_m)
    l21, l11 = inputs.lsoa21, inputs.lsoa11
    pop = l21["pop_total"].to_numpy(dtype=float)
    area = pd.DataFrame(index=geometry.located)
    area["violence"] = weighted_mean(s21, a21, l21["violence"].to_numpy(dtype=float), pop, n)
    area["imd"] = weighted_mean(s21, a21, l21["imd"].to_numpy(dtype=float), pop, n)
    num, kids = l11["idaci_numerator"].to_numpy(dtype=float), l11["children_0_15"].to_numpy(dtype=float)
    ok = ~np.isnan(num[a11])
    idaci_num = np.bincount(s11[ok], weights=num[a11][ok], minlength=n)
    idaci_den = np.bincount(s11[ok], weights=kids[a11][ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        area["idaci"] = np.where(idaci_den > 0, 100 * idaci_num / idaci_den, np.nan)
    area["police"] = points_within(geometry.school_xy, geometry.crime_xy, radius_m)
    area["n_lsoa21"] = np.bincount(s21, minlength=n)
    area["n_lsoa11"] = np.bincount(s11, minlength=n)
    out = pd.DataFrame(index=pd.RangeIndex(len(schools)))
    out = out.join(area)
    out["fsm"] = schools["fsm_pct"].to_numpy(dtype=float)
    out["absence"] = schools["absence_pct_1819"].to_numpy(dtype=float)
    out.index = schools["urn"].to_numpy()
    out.index.name = "urn"
    return out[[*COMPONENTS, "n_lsoa21", "n_lsoa11"]]


def member_codes(inputs: PriorityInputs, geometry: Geometry, radius_m: float, urn: int) -> dict[str, list[str]]:
    """The LSOA codes (2021 and 2011) within the radius of one school (for 'why' and for tests)."""
    pos = np.flatnonzero(inputs.schools["urn"].to_numpy() == urn)
    where = np.flatnonzero(geometry.located == pos[0]) if len(pos) else []
    if not len(where):
        return {"lsoa21": [], "lsoa11": []}
    xy = geometry.school_xy[where]
    return {"lsoa21": inputs.lsoa21["code"].to_numpy()[members(xy, geometry.lsoa21, radius_m)[1]].tolist(),
            "lsoa11": inputs.lsoa11["code"].to_numpy()[members(xy, geometry.lsoa11, radius_m)[1]].tolist()}


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


def markdown_text(text: str) -> str:
    """Data shown inside st.markdown: HTML-escaped and markdown syntax neutralised (a school name is data)."""
    import html
    import re

    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>])", r"\\\1", html.escape(text, quote=False))


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


def feeder_primaries(inputs: PriorityInputs, urn: int, radius_m: float | None = None, nearest: int | None = None) -> pd.DataFrame:
    """Open state-funded primary schools near a secondary: within radius_m, or the nearest N (distances in m)."""
    schools = inputs.schools
    me = schools[schools["urn"] == urn]
    if me.empty or not bool(me["has_coordinates"].iloc[0]):
        return pd.DataFrame(columns=["urn", "name", "la_name", "type", "pupils", "fsm_pct", "distance_m", "lon", "lat"])
    prim = schools[schools["is_primary"] & schools["has_coordinates"]].copy()
    x0, y0 = to_bng(me["lon"].to_numpy(), me["lat"].to_numpy())
    px, py = to_bng(prim["lon"].to_numpy(), prim["lat"].to_numpy())
    prim["distance_m"] = np.hypot(px - x0[0], py - y0[0]).round()
    prim = prim.sort_values("distance_m")
    if nearest:
        prim = prim.head(int(nearest))
    elif radius_m:
        prim = prim[prim["distance_m"] <= radius_m]
    return prim[["urn", "name", "la_name", "type", "pupils", "fsm_pct", "distance_m", "lon", "lat"]].reset_index(drop=True)


def export_csv(ranked: pd.DataFrame, not_scored: pd.DataFrame, weights: dict[str, float], radius_m: float,
               months: tuple[str, ...], top_n: int) -> bytes:
    """The priority list as CSV, headed by '#' lines naming the weights, radius, sources and vintages."""
    buf = io.StringIO()
    buf.write("# Priority secondary schools (West Midlands SNA explorer)\n")
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
    out["name"] = out["name"].map(_csv_safe)
    out.round(2).to_csv(buf, index=False)
    if len(not_scored):
        buf.write("# Not scored:\n")
        ns = not_scored.copy()
        ns["name"] = ns["name"].map(_csv_safe)
        ns.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def _csv_safe(text: str) -> str:
    """Guard against spreadsheet formula injection in names opened in Excel."""
    return "'" + text if isinstance(text, str) and text[:1] in ("=", "+", "-", "@") else text


# --- Map pieces (pure: data in, pydeck-ready records out) -------------------------------------------

SECONDARY_COLOUR = [31, 90, 135]
SELECTED_COLOUR = [230, 0, 126]
PRIMARY_COLOUR = [0, 158, 115]
TOOLTIP = {"html": "<b>{n}</b><br/>{t}", "style": {"backgroundColor": "#1b2631", "color": "white", "fontSize": "13px"}}


def choropleth_rows(geometry_rows: list[dict], values: pd.DataFrame, polarity: str, k: int = 5) -> tuple[list[dict], list[tuple[str, str]]]:
    """PolygonLayer rows (c code, p rings, f fill, n name, t value text; text HTML-escaped) and a legend
    [(hex colour, class label)] from an indicator's LSOA values (columns area_code, name, value)."""
    import html

    from geo import mapview
    from sna.classify import classify

    classes = classify(values["value"], "quantiles", k)
    colours = mapview.palette(len(classes.bins), polarity)
    props = {}
    for row, cls in zip(values.itertuples(index=False), classes.classes):
        value = "no data" if pd.isna(row.value) else f"{row.value:,.1f}"
        props[row.area_code] = {"f": list(colours[cls]) if cls >= 0 else list(mapview.NO_DATA),
                                "n": html.escape(str(row.name)), "t": html.escape(f"{row.area_code}: {value}")}
    legend = [(mapview.hex_colour(c), label) for c, label in zip(colours, classes.labels(lambda v: f"{v:,.1f}"))]
    return [{"c": g["c"], "p": g["p"], **props[g["c"]]} for g in geometry_rows if g["c"] in props], legend


def school_points(frame: pd.DataFrame, colour: list[int], label: str) -> list[dict]:
    """ScatterplotLayer rows for schools with coordinates; names HTML-escaped (pydeck tooltips render HTML)."""
    import html

    located = frame[frame["lon"].notna() & frame["lat"].notna()]
    out = []
    for row in located.itertuples(index=False):
        extra = f" - rank {int(row.rank)}, score {row.score:.0f}" if "rank" in located and not pd.isna(getattr(row, "rank", np.nan)) else ""
        out.append({"lon": round(float(row.lon), 5), "lat": round(float(row.lat), 5), "f": colour, "u": int(row.urn),
                    "n": html.escape(str(row.name)), "t": html.escape(f"{label}, URN {row.urn}{extra}")})
    return out


def circle(lon: float, lat: float, radius_m: float, n: int = 64) -> list[list[float]]:
    """A circle of radius_m (metres, drawn in British National Grid) as lon/lat ring, for the map."""
    from geo.points import to_lonlat

    x0, y0 = to_bng(np.array([lon]), np.array([lat]))
    angles = np.linspace(0, 2 * np.pi, n)
    lons, lats = to_lonlat(x0[0] + radius_m * np.cos(angles), y0[0] + radius_m * np.sin(angles))
    return [[round(float(a), 5), round(float(b), 5)] for a, b in zip(lons, lats)]


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
places within the radius, over the months the database holds: **{months}** (one month for the West Midlands, so
this component is noisy: weight it lightly). Each component becomes a percentile among the study area's
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


def view_around(lon: float, lat: float, radius_m: float):
    """A map view centred on a school, zoomed so that its radius and nearby primaries fit."""
    import pydeck as pdk

    zoom = float(np.clip(12.9 - np.log2(max(radius_m, 250) / 1000), 10, 16))
    return pdk.ViewState(longitude=float(lon), latitude=float(lat), zoom=zoom)
