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


@pytest.mark.parametrize("method", ["sum", "ratio", "weighted_mean", "lsoa_share"])
def test_aggregate_frames_equals_the_sql_rules(method):
    """The build's numpy path (aggregate_frames) gives aggregate()'s rows, missing values and all."""
    from sna.analysis.aggregate import aggregate_frames

    rng = np.random.default_rng(7)
    codes = np.array([f"L{i:03d}" for i in range(60)], dtype=object)
    frames = {}
    for n, ind in enumerate(["i1", "i2", "i3"]):
        area = codes if n < 2 else np.concatenate([codes[::-1], codes[:5]])  # i3: other order, repeated codes
        size = len(area)
        frame = pd.DataFrame({"area_code": area, "period": rng.choice(["2019", "2020"], size).astype(object),
                              "value": np.where(rng.random(size) < 0.2, np.nan, rng.normal(1, 2, size)),
                              "numerator": np.where(rng.random(size) < 0.2, np.nan, rng.random(size) * 10),
                              "denominator": np.where(rng.random(size) < 0.2, np.nan, rng.random(size) * 100)})
        frames[ind] = frame
    frames["empty_values"] = frames["i1"].assign(value=np.nan, numerator=np.nan)
    parents = pd.concat([pd.DataFrame({"code": codes[:40], "level": "ward", "parent": [f"W{i % 7}" for i in range(40)]}),
                         pd.DataFrame({"code": codes, "level": "country", "parent": "E"}),
                         pd.DataFrame({"code": ["L999"], "level": "ward", "parent": ["W9"]})], ignore_index=True)
    weights = pd.Series(np.where(rng.random(55) < 0.1, np.nan, rng.random(55) * 50), index=codes[5:])
    weights.iloc[0] = 0.0
    long = pd.concat([f.assign(indicator_id=i) for i, f in frames.items()], ignore_index=True)
    expected = aggregate(long, parents, method, weights if method == "weighted_mean" else None, 100.0)
    got = aggregate_frames(frames, parents, method, weights if method == "weighted_mean" else None, 100.0)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-12, atol=1e-12)
