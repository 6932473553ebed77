"""Bench: is re-scoring every school for a new set of weights interactive?

Runs the Priority schools page under Streamlit's AppTest (the same script the server runs) and times
  - a no-op rerun (nothing changed: every cache hit),
  - a weight change (a new set of weights: scores, ranks and 200-draw sensitivity recomputed),
  - a radius change (LSOAs within the new radius of every school recomputed),
and the pure scoring call alone. Prints absolute milliseconds (median of N) and the ratio to the no-op rerun.

Usage: SNA_DB=path/to/sna.duckdb python bench/bench_priority.py [repeats]
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
from sna.analysis import priority as pr, school_areas as sa  # noqa: E402

PAGE = str(REPO / "pages" / "2_Priority_schools.py")


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main(repeats: int = 8) -> None:
    at = AppTest.from_file(PAGE, default_timeout=300)
    first = timed(at.run)
    assert not at.exception, at.exception
    noop, weight, radius = [], [], []
    # interleaved so that machine load drifts affect both alike; each new weight pair misses the cached ranking
    for i in range(repeats):
        noop.append(timed(at.run))
        weight.append(timed(lambda i=i: at.slider(key=f"w_{'fsm' if i % 2 else 'imd'}").set_value(20 + 5 * (i // 2 % 6)).run()))
    for value in (1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0)[:repeats]:
        noop.append(timed(at.run))
        radius.append(timed(lambda v=value: at.slider(key="radius").set_value(v).run()))
    assert not at.exception, at.exception

    con = db.connect()
    inputs = sa.load_inputs(con)
    values = sa.component_values(inputs, sa.project(inputs), 1000.0)
    pure = [timed(lambda k=k: pr.ranked_table(inputs, values, pr.DEFAULT_WEIGHTS | {"imd": float(k)})) for k in range(repeats)]
    n = int(inputs.schools["is_secondary"].sum())

    med = statistics.median
    print(f"Priority schools page, {n} schools scored, 200 sensitivity draws, median of {repeats} runs")
    print(f"  first run (cold caches)       {first:8.0f} ms")
    print(f"  no-op rerun                   {med(noop):8.0f} ms")
    print(f"  weight change (server time)   {med(weight):8.0f} ms   ratio to no-op {med(weight) / med(noop):5.2f}")
    print(f"  radius change (server time)   {med(radius):8.0f} ms   ratio to no-op {med(radius) / med(noop):5.2f}")
    print(f"  scoring + sensitivity alone   {med(pure):8.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
