"""Time to produce a profile pack (figures + PDF) for a local authority and for a custom area of 50
LSOAs, against the time of the explorer's own profile query for the same LA (the page's baseline).

Run: python bench/bench_profile.py   (after python -m sna build; best of 3 runs, one process, so the
ratios are comparable; the machine is shared, so read the ratios rather than the seconds)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sna import db  # noqa: E402
from sna.analysis import profile as pf  # noqa: E402
from sna.reports import figures, pdf, subject  # noqa: E402

REPEATS = 3


def best(fn) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    con = db.connect()
    lad = sorted(db.lad_names(con))[0]
    codes = db.lsoa_codes_of(con, "lad", lad, "lsoa21")[:50]
    cat = db.catalogue(con)
    la = subject.resolve_subject(con, lad)
    custom = subject.custom_subject(con, codes, "Fifty LSOAs")
    pdf.render(con, figures.figures(con, la))  # warm up: fonts, matplotlib, geometry readers

    baseline = best(lambda: pf.profile(con, cat, lad, "lad"))
    results = {
        "LA figures only": best(lambda: figures.figures(con, la)),
        "LA pack (figures + PDF)": best(lambda: pdf.render(con, figures.figures(con, la))),
        "50-LSOA figures only": best(lambda: figures.figures(con, custom)),
        "50-LSOA pack (figures + PDF)": best(lambda: pdf.render(con, figures.figures(con, custom))),
    }
    print(f"baseline: the explorer's profile query for {la.name}: {baseline:.3f} s (best of {REPEATS})")
    for name, seconds in results.items():
        print(f"{name:<30} {seconds:6.2f} s   {seconds / baseline:7.1f} x baseline")
    print(f"custom 50-LSOA pack / LA pack: {results['50-LSOA pack (figures + PDF)'] / results['LA pack (figures + PDF)']:.2f}")


if __name__ == "__main__":
    main()
