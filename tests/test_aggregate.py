"""The aggregation rules on a tiny hand-made example (numbers worked out by hand below)."""

import numpy as np
import pandas as pd
import pytest

from sna.analysis.aggregate import aggregate

VALUES = pd.DataFrame({"area_code": ["a", "b", "c", "d"], "period": "2025", "value": [10.0, 30.0, np.nan, 5.0],
                       "numerator": [1.0, 3.0, 2.0, np.nan], "denominator": [100.0, 100.0, 50.0, 10.0]})
PARENTS = pd.Series({"a": "X", "b": "X", "c": "X", "d": "Y"})
WEIGHTS = pd.Series({"a": 1.0, "b": 3.0, "c": 100.0, "d": 2.0})


def _by_parent(frame):
    return frame.set_index("area_code")


def test_sum_leaves_missing_out():
    out = _by_parent(aggregate(VALUES, PARENTS, "sum"))
    assert out.loc["X", "value"] == 40 and out.loc["Y", "value"] == 5


def test_ratio_is_summed_numerators_over_summed_denominators():
    out = _by_parent(aggregate(VALUES, PARENTS, "ratio", multiplier=1000))
    assert out.loc["X", "value"] == pytest.approx(6 / 250 * 1000)  # not the mean of 10, 30 and 40 per 1,000
    assert np.isnan(out.loc["Y", "value"]) if "Y" in out.index else True


def test_weighted_mean_skips_missing_values_and_their_weights():
    out = _by_parent(aggregate(VALUES, PARENTS, "weighted_mean", WEIGHTS))
    assert out.loc["X", "value"] == pytest.approx((10 * 1 + 30 * 3) / 4)
    assert out.loc["X", "denominator"] == 4


def test_share_counts_lsoas():
    flags = VALUES.assign(value=[100.0, 0.0, np.nan, 100.0])
    out = _by_parent(aggregate(flags, PARENTS, "lsoa_share", multiplier=100))
    assert out.loc["X", "value"] == 50 and out.loc["X", "numerator"] == 1 and out.loc["X", "denominator"] == 2


def test_many_indicators_at_once_and_unknown_method():
    both = pd.concat([VALUES.assign(indicator_id="i1"), VALUES.assign(indicator_id="i2", value=VALUES["value"] * 2)])
    out = aggregate(both, PARENTS, "sum")
    assert out.set_index(["indicator_id", "area_code"]).loc[("i2", "X"), "value"] == 80
    with pytest.raises(ValueError):
        aggregate(VALUES, PARENTS, "median")
