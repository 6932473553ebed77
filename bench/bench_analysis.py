"""Bench: are the assessment's heavy analyses interactive?

Times, on the database SNA_DB points at (the study area's LSOAs: 1,719 for the West Midlands, 32,844
for England):
  - the pure calls: queen contiguity weights, Gi* with 999 permutations over every LSOA, and the
    composite index with its 200-draw Monte-Carlo rank intervals;
  - the Assessment page under AppTest: first run (cold caches), a no-op rerun (every cache hit), a
    normalisation change (index and its uncertainty recomputed) and a hot-spot test change.
Prints milliseconds (median of N for the page) and the ratio of each to the no-op page rerun.

Usage: SNA_DB=path/to/sna.duckdb python bench/bench_analysis.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from streamlit.testing.v1 import AppTest  # noqa: E402

from sna import db  # noqa: E402
from sna.analysis import hotspots as hs, risk_index as ri, values  # noqa: E402

PAGE = str(REPO / "pages" / "5_Assessment.py")


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def pure_calls(level: str) -> dict[str, float]:
    con = db.connect()
    cat = values.catalogue(con)
    ids = [i for i in ri.DEFAULTS[level] if i in set(cat["id"])]
    matrix, _ = db.latest_wide(con, ids, level)
    polarities = cat.set_index("id").loc[ids, "polarity"].to_dict()
    recipe = ri.Recipe(level, tuple(ids), (1.0,) * len(ids))
    shapes = db.area_shapes(con, level)
    frame = hs.projected_frame(shapes["code"], shapes["geometry"])
    t_weights, sw = timed(lambda: hs.spatial_weights(frame))
    t_gi, _ = timed(lambda: hs.gi_star(matrix[ids[0]], sw))
    t_index, (table, _) = timed(lambda: ri.build_index(matrix, polarities, recipe))
    return {"areas": len(table), "weights": t_weights, "gi_star": t_gi, "index_mc": t_index}


def page_runs(repeats: int) -> dict[str, float]:
    """Tabs are lazy (only the open one runs): the index is timed on its tab, the hot spots on theirs,
    each against a no-op rerun of the same tab."""
    at = AppTest.from_file(PAGE, default_timeout=900)
    first, _ = timed(at.run)
    assert not at.exception, at.exception
    noop, norm, noop_hs, test = [], [], [], []
    norms = ["zscore", "minmax", "exponential"]
    for i in range(repeats):
        noop.append(timed(at.run)[0])
        # a new weight each time, so the index cache misses (normalisation alone would hit after 3)
        norm.append(timed(lambda i=i: (at.radio(key="ri_norm").set_value(norms[i % 3]),
                                       at.number_input(key=at.number_input[0].key).set_value(1.0 + 0.5 * (i + 1)), at.run()))[0])
    at.session_state["assessment_tab"] = "Hot spots"
    tab_switch, _ = timed(at.run)
    for i in range(repeats):
        noop_hs.append(timed(at.run)[0])
        # a new significance level / method pair each time: a cache miss (permutation test rerun)
        test.append(timed(lambda i=i: (at.radio(key="hs_method").set_value(["moran", "gi_star"][i % 2]),
                                       at.selectbox(key="hs_alpha").set_value([0.05, 0.01, 0.10][(i // 2) % 3]), at.run()))[0])
    assert not at.exception, at.exception
    med = statistics.median
    return {"first": first, "noop": med(noop), "index_change": med(norm), "tab_switch": tab_switch,
            "noop_hs": med(noop_hs), "hotspot_change": med(test)}


def main(repeats: int = 4) -> None:
    con = db.connect()
    meta = db.meta(con)
    level = "lsoa21" if "lsoa21" in db.levels_with_geometry(con) else "lsoa11"
    pure = pure_calls(level)
    page = page_runs(repeats)
    noop = page["noop"]
    print(f"Assessment bench: {meta.get('area_name')} ({pure['areas']:,} {level} areas); machine shared with other sessions")
    print(f"  pure: queen weights            {pure['weights']:9.0f} ms   ratio to no-op page rerun {pure['weights'] / noop:7.1f}")
    print(f"  pure: Gi* (999 permutations)   {pure['gi_star']:9.0f} ms   ratio {pure['gi_star'] / noop:7.1f}")
    print(f"  pure: index + 200 MC draws     {pure['index_mc']:9.0f} ms   ratio {pure['index_mc'] / noop:7.1f}")
    print(f"  page: first run (cold caches)  {page['first']:9.0f} ms   ratio {page['first'] / noop:7.1f}")
    print(f"  page: no-op rerun (index tab)  {noop:9.0f} ms")
    print(f"  page: index recipe change      {page['index_change']:9.0f} ms   ratio {page['index_change'] / noop:7.1f}")
    print(f"  page: switch to Hot spots tab  {page['tab_switch']:9.0f} ms   ratio {page['tab_switch'] / noop:7.1f}   (weights and test computed)")
    print(f"  page: no-op rerun (hot spots)  {page['noop_hs']:9.0f} ms")
    print(f"  page: hot-spot test change     {page['hotspot_change']:9.0f} ms   ratio to its no-op {page['hotspot_change'] / page['noop_hs']:5.1f}"
          f"   (median of {repeats}; each change a cache miss)")

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
