"""Trends: local authority series against region and England with the latest change and a flag in
the Fingertips manner, and monthly police.uk counts with a 12-month rolling total and an XmR
statistical process control chart read with the NHS "Making Data Count" rules.

Pure functions over frames from sna.db; they say which months exist and degrade when too few do."""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_SPC_POINTS = 12  # Making Data Count advises 15-20 points; below 12 the limits mean little
SHIFT_RUN = 7  # MDC: seven or more consecutive points on one side of the mean
TREND_RUN = 6  # MDC: six or more consecutive points all increasing or all decreasing
XMR_CONSTANT = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two points


# --- Local authority series -----------------------------------------------------------------------

def la_series(frame: pd.DataFrame) -> pd.DataFrame:
    """period x {LA, Region, England} values from long rows (period, level, value)."""
    names = {"lad": "Local authority", "region": "Region", "country": "England"}
    wide = frame.assign(series=frame["level"].map(names)).pivot_table(index="period", columns="series", values="value",
                                                                      aggfunc="first")
    return wide.reindex(columns=[c for c in names.values() if c in wide.columns]).sort_index()


def latest_change(series: pd.Series) -> tuple[str | None, float | None, str | None, float | None]:
    """(latest period, latest value, previous period, previous value) over non-missing values."""
    held = series.dropna()
    if held.empty:
        return None, None, None, None
    if len(held) == 1:
        return held.index[-1], float(held.iloc[-1]), None, None
    return held.index[-1], float(held.iloc[-1]), held.index[-2], float(held.iloc[-2])


def is_count(unit: str | None) -> bool:
    """Counts (people, episodes, crimes) are not compared with England's count: only rates and shares are."""
    text = str(unit or "").lower()
    return "count" in text or text in {"people", "crimes", "children"}


def flag(wide: pd.DataFrame, polarity: str, comparable: bool = True) -> dict:
    """Compare the LA's latest value with England's for the same period and its latest change.

    LAIT publishes no counts, so no confidence interval can be drawn: the comparison is by value
    and says so ("higher than England", not "significantly higher"). A count (comparable=False) is
    never compared with England's count; only its direction is flagged."""
    if not comparable:
        wide = wide.drop(columns=[c for c in ("England", "Region") if c in wide.columns])
    la = wide.get("Local authority", pd.Series(dtype=float))
    period, value, previous_period, previous = latest_change(la)
    out = {"period": period, "value": value, "previous_period": previous_period, "previous": previous,
           "change": None if previous is None else value - previous, "england": None, "versus_england": "no England value",
           "direction": "no earlier value", "flag": "not enough data"}
    if period is None:
        return out
    england = wide["England"].get(period) if "England" in wide else None
    if england is not None and pd.notna(england):
        out["england"] = float(england)
        out["versus_england"] = ("similar to England" if value == england else
                                 "higher than England" if value > england else "lower than England")
    if out["change"] is not None:
        out["direction"] = "no change" if out["change"] == 0 else "rising" if out["change"] > 0 else "falling"
    worse_way = {"higher_worse": "higher", "lower_worse": "lower"}.get(polarity)
    if worse_way and out["england"] is not None:
        worse = out["versus_england"].startswith(worse_way)
        worsening = out["direction"] == ("rising" if worse_way == "higher" else "falling")
        out["flag"] = {(True, True): "worse than England and worsening", (True, False): "worse than England",
                       (False, True): "worsening", (False, False): "no concern flagged"}[(worse, worsening)]
    elif out["england"] is not None:
        out["flag"] = "no direction (neutral indicator)"
    elif not comparable:
        out["versus_england"] = "a count: not compared with England"
        worsening = worse_way and out["direction"] == ("rising" if worse_way == "higher" else "falling")
        out["flag"] = "worsening" if worsening else "no concern flagged" if out["change"] is not None else "not enough data"
    elif worse_way and out["change"] is not None:  # no England figure for this period
        worsening = out["direction"] == ("rising" if worse_way == "higher" else "falling")
        out["flag"] = "worsening (no England figure)" if worsening else "no concern flagged (no England figure)"
    return out


# --- Monthly police.uk series ---------------------------------------------------------------------

def month_range(months: list[str]) -> list[str]:
    """Every calendar month from the first to the last held ('YYYY-MM')."""
    if not months:
        return []
    return list(pd.period_range(min(months), max(months), freq="M").strftime("%Y-%m"))


def monthly_series(counts: pd.DataFrame, crime_types: list[str] | None = None) -> pd.DataFrame:
    """month, crimes (summed over the chosen types), held (whether the month is in the data): every
    month between the first and the last, so gaps show as gaps rather than as zeros."""
    chosen = counts if not crime_types else counts[counts["crime_type"].isin(crime_types)]
    held_months = sorted(counts["month"].dropna().unique())
    totals = chosen.groupby("month")["n"].sum()
    frame = pd.DataFrame({"month": month_range(held_months)})
    frame["held"] = frame["month"].isin(held_months)
    frame["crimes"] = frame["month"].map(totals).where(frame["held"])
    frame.loc[frame["held"] & frame["crimes"].isna(), "crimes"] = 0.0
    return frame


def consecutive_run(frame: pd.DataFrame) -> pd.DataFrame:
    """The latest stretch of consecutive held months (the only part a rolling line or SPC can use)."""
    if frame.empty:
        return frame
    breaks = (~frame["held"]).cumsum()
    last = frame[frame["held"]]
    return frame[(breaks == breaks[last.index[-1]]) & frame["held"]] if not last.empty else frame.iloc[0:0]


def rolling_12(frame: pd.DataFrame) -> dict:
    """12-month rolling total and the change of the latest 12 months against the previous 12, where held."""
    run = consecutive_run(frame).copy()
    run["rolling_12"] = run["crimes"].rolling(12).sum()
    change = None
    if len(run) >= 24:
        latest, previous = run["crimes"].iloc[-12:].sum(), run["crimes"].iloc[-24:-12].sum()
        change = {"latest_12": float(latest), "previous_12": float(previous),
                  "change_pct": (latest - previous) / previous * 100 if previous else None}
    return {"series": run, "change": change, "months_in_run": len(run)}


def xmr(values: pd.Series) -> dict:
    """XmR limits: mean, average moving range, natural process limits mean +/- 2.66 mR-bar."""
    y = values.astype(float).to_numpy()
    moving = np.abs(np.diff(y))
    mean, mr_bar = float(y.mean()), float(moving.mean()) if len(moving) else 0.0
    return {"mean": mean, "mr_bar": mr_bar, "upper": mean + XMR_CONSTANT * mr_bar, "lower": mean - XMR_CONSTANT * mr_bar,
            "upper_2sigma": mean + 2 / 3 * XMR_CONSTANT * mr_bar, "lower_2sigma": mean - 2 / 3 * XMR_CONSTANT * mr_bar}


def _runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Points that belong to a run of at least `length` consecutive True values."""
    out = np.zeros(len(mask), dtype=bool)
    start = None
    for i, value in enumerate(list(mask) + [False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def spc_signals(values: pd.Series) -> pd.DataFrame:
    """Making Data Count rules on an XmR chart, one column per rule (True where the point signals):
    outside a process limit; a shift (7+ on one side of the mean); a trend (6+ rising or falling,
    counting the point that starts the run); two of three points beyond 2 sigma on the same side."""
    limits = xmr(values)
    y = values.astype(float).to_numpy()
    outside = (y > limits["upper"]) | (y < limits["lower"])
    shift = _runs(y > limits["mean"], SHIFT_RUN) | _runs(y < limits["mean"], SHIFT_RUN)
    steps = np.diff(y)
    trend = np.zeros(len(y), dtype=bool)
    for direction in (steps > 0, steps < 0):
        step_run = _runs(direction, TREND_RUN - 1)  # n-1 steps make a run of n points
        trend[1:] |= step_run
        trend[:-1] |= step_run
    near = np.zeros(len(y), dtype=bool)
    for side in (y > limits["upper_2sigma"], y < limits["lower_2sigma"]):
        for i in range(len(y) - 2):
            window = side[i:i + 3]
            if window.sum() >= 2:
                near[i:i + 3] |= window
    return pd.DataFrame({"value": y, "outside_limits": outside, "shift": shift, "trend": trend, "two_of_three": near},
                        index=values.index)


def spc_summary(signals: pd.DataFrame) -> str:
    """Plain words for a board: which rules fired, or common-cause variation only."""
    fired = {"outside_limits": "a point outside the process limits", "shift": "a shift (7 or more points on one side of the mean)",
             "trend": "a trend (6 or more points rising or falling)", "two_of_three": "two of three points near a limit"}
    found = [text for column, text in fired.items() if signals[column].any()]
    return ("Special-cause variation: " + "; ".join(found) + "." if found
            else "Common-cause variation only: no rule fired, so the ups and downs are within what chance gives.")


def months_statement(months: list[str]) -> str:
    """Which months exist and what can be done with them."""
    if not months:
        return "No police.uk months are held for this study area."
    run = len(consecutive_run(monthly_series(pd.DataFrame({"month": months, "crime_type": "x", "n": 0}))))
    text = f"{len(months)} month{'s' if len(months) != 1 else ''} held: {', '.join(months)}."
    if run < MIN_SPC_POINTS:
        text += (f" The longest recent run of consecutive months is {run}: a 12-month rolling line needs 12 and a "
                 f"control chart at least {MIN_SPC_POINTS}, so only the monthly counts are shown.")
    return text
