"""A 36-month police.uk build against the one-month build: build time, crime step, database size, rows read.

The mirror holds one West Midlands month (API output). For this bench only, 36 months are generated in
the official archive layout (YYYY-MM/YYYY-MM-west-midlands-street.csv, resampled rows with shifted
dates, LSOA codes assigned from the points; see tests/fixtures/police_archive.py) into a temporary
folder, never into the product's data, and built once as a folder and once as a zip.
Target: build time grows no faster than the rows read.

Run: python bench/bench_fresh.py [--months 36]   (each build in its own process; ratios from one run)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "fixtures"))

BUILD = r"""
import json, sys, duckdb
sys.path.insert(0, {repo!r})
from sna.build import build
summary = build("west-midlands", progress=False, inputs=[__import__("pathlib").Path(p) for p in {inputs!r}])
con = duckdb.connect({db!r}, read_only=True)
rows_read = con.execute("SELECT sum(rows_read) FROM build_log").fetchone()[0]
crime_rows = con.execute("SELECT coalesce(sum(rows_read), 0) FROM build_log WHERE step = 'crime'").fetchone()[0]
months = con.execute("SELECT count(DISTINCT month) FROM crimes").fetchone()[0]
print(json.dumps({{"seconds": summary.seconds, "steps": summary.step_seconds, "rows_read": int(rows_read),
                  "crime_rows": int(crime_rows), "months": months}}))
"""


def run_build(work: Path, name: str, inputs: list[Path]) -> dict:
    db = work / f"{name}.duckdb"
    env = {**os.environ, "SNA_DB": str(db), "SNA_INCOMING": str(work / "no-incoming"), "SNA_CACHE": str(work / "cache")}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", BUILD.format(repo=str(REPO), inputs=[str(p) for p in inputs], db=str(db))],
                         env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = round(time.perf_counter() - started, 2)
    result["db_mb"] = round(db.stat().st_size / 1e6, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=36)
    args = parser.parse_args()
    import police_archive

    with tempfile.TemporaryDirectory(prefix="sna-bench-fresh-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        months = police_archive.months_ending("2018-06", args.months)  # ends on the mirrored month, which it supersedes
        police_archive.write_months(work / "archive", months, seed=14)
        zipped = police_archive.zip_folder(work / "archive", work / "archive.zip")
        print(f"generated {len(months)} months ({months[0]} to {months[-1]}) in {time.perf_counter() - t0:.1f} s; "
              f"zip {zipped.stat().st_size / 1e6:.1f} MB")
        one = run_build(work, "one-month", [])
        folder = run_build(work, "folder", [work / "archive"])
        archive = run_build(work, "zip", [zipped])
    crime = "police.uk crime"
    print(f"one-month build (mirror):  {one['seconds']:.1f} s, crime step {one['steps'][crime]:.1f} s, "
          f"{one['rows_read']:,} rows read ({one['crime_rows']:,} crime), {one['months']} month(s), database {one['db_mb']} MB")
    for label, res in (("folder", folder), ("zip", archive)):
        print(f"{args.months}-month build ({label}): {res['seconds']:.1f} s, crime step {res['steps'][crime]:.1f} s, "
              f"{res['rows_read']:,} rows read ({res['crime_rows']:,} crime), {res['months']} months, database {res['db_mb']} MB")
        print(f"  ratios vs one month: build time {res['seconds'] / one['seconds']:.2f}x, rows read "
              f"{res['rows_read'] / one['rows_read']:.2f}x, database size {res['db_mb'] / one['db_mb']:.2f}x; "
              f"crime step {res['steps'][crime] / one['steps'][crime]:.1f}x for {res['crime_rows'] / one['crime_rows']:.1f}x crime rows")
        met = res["seconds"] / one["seconds"] <= res["rows_read"] / one["rows_read"]
        print(f"  target (build time grows no faster than rows read): {'met' if met else 'NOT met'}")
    print("Note: 2 cores shared with other sessions; figures vary between runs.")


if __name__ == "__main__":
    main()
