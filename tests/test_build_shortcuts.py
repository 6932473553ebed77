"""The build's faster paths give exactly what the plain ones gave (generated inputs; the whole-database
comparison of the built tables is tests/test_reproducible.py's)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
import geopandas as gpd

from geo.points import assign_to_polygons
from sna.analysis.aggregate import same_values
from sna.analysis.deprivation_summaries import _group_rank_order, local_concentration, summarise
from sna.build.postcodes import _keys, normalise
from sna.build.readers import english_rows, read_csv
from sna.errors import SourceError


@pytest.mark.parametrize("seed", range(30))
def test_group_rank_order_is_lexsort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 60))
    group = rng.integers(0, 6, n)
    rank = rng.integers(1, 25, n).astype(float)  # ties within a group: the composite key must give way to lexsort
    if seed % 3 == 0:
        rank = rank + rng.random(n)  # not whole numbers
    if seed % 3 == 1:
        rank = rng.permutation(n).astype(float) + 1  # unique national ranks: the composite key
    assert np.array_equal(_group_rank_order(group, rank), np.lexsort((rank, group)))


def test_summarise_matches_pandas_groupby():
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame({"parent": rng.choice(["b", "a", "c"], n), "rank": rng.permutation(n) + 1.0,
                          "decile": rng.integers(1, 11, n).astype(float), "population": rng.integers(0, 3000, n).astype(float),
                          "score": np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 50)})
    frame.loc[::17, "decile"] = np.nan
    out = summarise(frame, national_count=n).set_index("parent")
    data = frame[frame["population"] > 0]
    for parent, g in data.groupby("parent"):
        w = g["population"]
        scored = g["score"].notna()
        assert out.loc[parent, "avg_rank"] == pytest.approx((w * g["rank"]).sum() / w.sum(), rel=1e-12)
        assert out.loc[parent, "avg_score"] == pytest.approx((w * g["score"])[scored].sum() / w[scored].sum(), rel=1e-12)
        assert out.loc[parent, "decile1_share"] == pytest.approx((g["decile"].dropna() == 1).mean() * 100, rel=1e-12)
        assert out.loc[parent, "lsoas"] == len(g)
    assert list(out.index) == ["a", "b", "c"]
    lc = local_concentration(data.assign(w=data["population"])[["parent", "rank", "w"]])
    assert np.allclose(lc.loc[out.index].to_numpy(), out["local_concentration"].to_numpy(), rtol=1e-12)


def test_postcode_keys_as_python_gives_them():
    raw = pd.Series(["B1  1AY", " b2 3cd ", "X\t1\x1cY", "WV1 1AA", "single"])
    key, display = _keys(raw)
    assert key.tolist() == raw.map(normalise).tolist()
    assert display.tolist() == raw.str.split().str.join(" ").tolist()
    other = pd.Series(["a\u00a0b", "c d"])  # not ASCII: the Python path
    key, display = _keys(other)
    assert key.tolist() == other.map(normalise).tolist() and display.tolist() == other.str.split().str.join(" ").tolist()


def test_points_take_the_first_polygon_that_holds_them():
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    polygons = gpd.GeoDataFrame({"code": ["L", "R"]}, geometry=[left, right])
    lon = np.array([0.5, 1.5, 1.0, 5.0, np.nan])
    lat = np.array([0.5, 0.5, 0.5, 5.0, 0.5])
    codes = assign_to_polygons(lon, lat, polygons).tolist()
    within = [next((c for c, g in zip(["L", "R"], [left, right]) if np.isfinite(x) and shapely.Point(x, y).within(g)), None)
              for x, y in zip(lon, lat)]
    assert codes == within == ["L", "R", None, None, None]  # an edge point is within neither (GEOS 'within')


def test_english_rows_and_same_values():
    codes = pd.Series(["E01000001", "W01000001", "E02000001", "E01"])
    assert english_rows(codes).tolist() == codes.str.startswith("E01").tolist()
    a = np.array(["x", "y"], dtype=object)
    assert same_values(a, a) and same_values(a, a.copy()) and not same_values(a, a.copy(), compare=False)
    assert not same_values(a, None) and not same_values(a, np.array(["x", "z"], dtype=object))


def test_read_csv_header_check_names_what_is_missing(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,a\n1,2,3\n", encoding="utf-8")
    assert read_csv(path, ["a", "b"]).columns.tolist() == ["a", "b"]
    assert read_csv(path, ["a.1"]).columns.tolist() == ["a.1"]  # pandas' name for a repeat: its header read decides
    with pytest.raises(SourceError, match="lacks the column"):
        read_csv(path, ["c"])
