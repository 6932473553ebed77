"""Build time against the time merely to read the same raw files; database size; peak memory.

Run: python bench/bench_build.py [--area england]   (one line per figure; ratios are taken in this one run)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

READ_ONLY = r"""
import sys, time, duckdb, pandas as pd, pyogrio, pyarrow.csv
sys.path.insert(0, {repo!r})
from sna.registry import sources
from sna.build.readers import read_with_arrow
files = {files!r}
arrow = {arrow!r}  # also read with Arrow's reader the CSVs the build itself parses with it
t, c = time.perf_counter(), time.process_time()
for f in files:
    path = sources.locate(sources.get(f))
    if path.suffix in ('.geojson', '.json'):
        pyogrio.read_dataframe(path)
    elif f.startswith('pc_'):
        pd.read_csv(path, header=None)
    elif path.suffix == '.parquet':
        pd.read_parquet(path)
    elif arrow and read_with_arrow(f):
        pyarrow.csv.read_csv(path).to_pandas()
    else:
        pd.read_csv(path, low_memory=False, encoding='utf-8-sig')
print(time.process_time() - c)
print(time.perf_counter() - t)
"""


def run(code: str, env: dict) -> tuple[float, float, str]:
    """Run python code in a fresh process; return (wall seconds, peak RSS MiB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak, proc.stdout.strip()


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default=None, help="study area (a file name in data/areas without .toml); default as the build's")
    area = parser.parse_args().area
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "sna.duckdb"
        env = {**os.environ, "SNA_DB": str(db)}
        # CPU seconds of the build's process and of the second process it forks (sna.build.parallel), so
        # that CPU counts all the work done, not only the parent's
        build_code = (f"import os, sys, time; sys.path.insert(0, {str(REPO)!r}); import json; from sna.build import build; "
                      "cpu = lambda: time.process_time() + os.times().children_user + os.times().children_system; "
                      f"t, c = time.perf_counter(), cpu(); s = build({area!r}, progress=False); w = time.perf_counter() - t; "
                      "print(json.dumps(s.step_seconds)); print(cpu() - c); print(w)")
        _, build_peak, build_out = run(build_code, env)
        build_seconds = float(build_out.splitlines()[-1])
        build_cpu = float(build_out.splitlines()[-2])
        step_seconds = json.loads(build_out.splitlines()[-3])
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        files = [r[0] for r in con.execute("SELECT DISTINCT source_id FROM build_log ORDER BY 1").fetchall()]
        con.close()
        _, read_peak, read_out = run(READ_ONLY.format(repo=str(REPO), files=files, arrow=False), env)
        read_seconds = float(read_out.splitlines()[-1])
        read_cpu = float(read_out.splitlines()[-2])
        # The same files, the lookups and IoD files read with Arrow's reader as the build now reads them:
        # the stricter baseline (the first stays as it was, pandas for every CSV, so figures compare across rounds)
        _, _, arrow_out = run(READ_ONLY.format(repo=str(REPO), files=files, arrow=True), env)
        arrow_seconds = float(arrow_out.splitlines()[-1])
        result = {
            "area": area or "default",
            "sources_read": len(files),
            "build_seconds": round(build_seconds, 2),
            "read_only_seconds": round(read_seconds, 2),
            "build_over_read_ratio": round(build_seconds / read_seconds, 2),
            "read_only_arrow_seconds": round(arrow_seconds, 2),
            "build_over_read_arrow_ratio": round(build_seconds / arrow_seconds, 2),
            # CPU seconds (all threads and processes) are steadier than wall time when other work shares the
            # machine; the build uses both cores, so its CPU seconds exceed its wall time on a quiet machine
            "build_cpu_seconds": round(build_cpu, 2),
            "read_only_cpu_seconds": round(read_cpu, 2),
            "cpu_ratio": round(build_cpu / read_cpu, 2),
            "database_mib": round(db.stat().st_size / 2**20, 1),
            "peak_rss_mib_max_of_children": round(max(build_peak, read_peak), 0),
        }
        result["step_seconds"] = step_seconds
    for key, value in result.items():
        print(f"{key}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
