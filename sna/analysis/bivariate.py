"""High risk x high violence: a 3x3 bivariate classification (tertiles of a risk index against
tertiles of a violence measure) with a Stevens-style bivariate palette and the two named lists a
board asks for: areas high on both, and areas high on risk but not (yet) on violence."""

from __future__ import annotations

import pandas as pd

from sna.analysis.risk_index import tertiles

# Joshua Stevens' blue-pink bivariate scheme: (risk tertile, violence tertile) -> colour.
PALETTE: dict[tuple[int, int], str] = {
    (1, 1): "#e8e8e8", (2, 1): "#ace4e4", (3, 1): "#5ac8c8",
    (1, 2): "#dfb0d6", (2, 2): "#a5add3", (3, 2): "#5698b9",
    (1, 3): "#be64ac", (2, 3): "#8c62aa", (3, 3): "#3b4994",
}
TERTILE_WORDS = {1: "low", 2: "middle", 3: "high"}
CAVEAT = ("Violence is counted where offences are recorded, risk where people live. Town- and city-centre "
          "neighbourhoods have few residents and many visitors, so their violence rates per resident are high "
          "without their residents being at high risk; read them as places, not as populations.")


def rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


def classify(risk: pd.Series, violence: pd.Series) -> pd.DataFrame:
    """Areas with both measures: their tertiles (1..3), class label and colour."""
    both = pd.DataFrame({"risk": risk, "violence": violence}).dropna()
    both["risk_tertile"] = tertiles(both["risk"])
    both["violence_tertile"] = tertiles(both["violence"])
    both["class"] = [f"{TERTILE_WORDS[r]} risk, {TERTILE_WORDS[v]} violence"
                     for r, v in zip(both["risk_tertile"], both["violence_tertile"])]
    both["colour"] = [PALETTE[(r, v)] for r, v in zip(both["risk_tertile"], both["violence_tertile"])]
    return both


def high_both(classes: pd.DataFrame) -> pd.DataFrame:
    """Top third on risk and on violence, highest risk first."""
    return classes[(classes["risk_tertile"] == 3) & (classes["violence_tertile"] == 3)].sort_values("risk", ascending=False)


def high_risk_not_violence(classes: pd.DataFrame) -> pd.DataFrame:
    """Top third on risk, bottom third on violence: where prevention may come before the harm."""
    return classes[(classes["risk_tertile"] == 3) & (classes["violence_tertile"] == 1)].sort_values("risk", ascending=False)


def legend_grid() -> pd.DataFrame:
    """The nine legend cells: risk tertile (x), violence tertile (y), colour (for a 3x3 legend chart)."""
    return pd.DataFrame([{"risk": r, "violence": v, "colour": c} for (r, v), c in PALETTE.items()])
