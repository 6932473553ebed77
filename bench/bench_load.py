"""Load bench: concurrent websocket sessions, each an Area explorer load plus one indicator change.

    python3 bench/bench_load.py [--sessions 1,5,10,20] [--processes 2]

Runs against (a) one Streamlit process directly and (b) nginx in front of --processes Streamlit
processes (scripts/serve.py), all on loopback ports it picks and stops again. Every session sends
exactly two reruns (bounded). Reports, per concurrency, p95 of the session time (load + change)
and its ratio to one session, errors (exceptions, timeouts) and bytes per rerun. Target (issue 13):
p95 at 20 sessions <= 3x one session, 0 errors. Figures are ratios from one run on this machine,
which other jobs share: repeat before trusting a small difference. Writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO / "scripts"), str(REPO)]

from ws_client import open_session  # noqa: E402

PAGE = "Area_explorer"
CHANGE_TO = "IoD2025"  # the first other indicator of the default theme held at LSOA level


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def one_session(url: str) -> dict:
    started = time.perf_counter()
    try:
        session = await open_session(url, PAGE)
        try:
            load = await session.rerun()
            change = await session.choose("indicator", CHANGE_TO)
        finally:
            await session.ws.close()
    except Exception as exc:  # a timeout or a dropped connection is an error, not a crash of the bench
        return {"error": f"{type(exc).__name__}: {exc}"[:200], "seconds": time.perf_counter() - started}
    error = load.exception or change.exception
    return {"seconds": time.perf_counter() - started, "load_s": load.seconds, "change_s": change.seconds,
            "load_bytes": load.bytes, "change_bytes": change.bytes, **({"error": error} if error else {})}


async def wave(url: str, sessions: int) -> list[dict]:
    return await asyncio.gather(*(one_session(url) for _ in range(sessions)))


def summarise(results: list[dict]) -> dict:
    ok = [r for r in results if "error" not in r]
    seconds = np.array([r["seconds"] for r in ok]) if ok else np.array([np.nan])
    return {"sessions": len(results), "errors": len(results) - len(ok), "error_examples": sorted({r["error"] for r in results if "error" in r})[:3],
            "p50_s": float(np.percentile(seconds, 50)), "p95_s": float(np.percentile(seconds, 95)),
            "p95_change_s": float(np.percentile([r["change_s"] for r in ok], 95)) if ok else float("nan"),
            "load_bytes": int(np.mean([r["load_bytes"] for r in ok])) if ok else 0,
            "change_bytes": int(np.mean([r["change_bytes"] for r in ok])) if ok else 0}


def measure(url: str, levels: list[int], warm: list[str]) -> list[dict]:
    for backend in warm:  # warm every process's caches (geometry, catalogue) once, as a live site would be
        asyncio.run(wave(backend, 1))
    rows = []
    for sessions in levels:
        # One session is the baseline: three in turn, so one slow sample does not set every ratio.
        results = [r for _ in range(3) for r in asyncio.run(wave(url, 1))] if sessions == 1 else asyncio.run(wave(url, sessions))
        row = summarise(results)
        row["sessions"] = sessions
        rows.append(row)
        base = rows[0]["p95_s"]
        print(f"    {sessions:>3} sessions: p95 {row['p95_s']:6.2f} s  ({row['p95_s'] / base:4.1f}x one session), "
              f"errors {row['errors']}, {row['load_bytes'] / 1e6:.2f} MB load, {row['change_bytes'] / 1e6:.3f} MB change", flush=True)
    return rows


def direct_server(db: Path, run: Path):
    from serve import STREAMLIT_FLAGS, wait_for

    port = free_port()
    flags = [f"--{k}={v}" for k, v in {**STREAMLIT_FLAGS, "server.port": str(port)}.items()]
    log = (run / "direct.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", *flags], cwd=REPO,
                            env={**os.environ, "SNA_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health")
    except BaseException:
        proc.kill()
        raise
    return proc, f"http://127.0.0.1:{port}"


def main() -> int:
    parser = argparse.ArgumentParser(description="Concurrent-session load bench, direct and through the proxy.")
    parser.add_argument("--sessions", default="1,5,10,20")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--only", choices=["direct", "proxy"], default=None)
    args = parser.parse_args()
    levels = [int(x) for x in args.sessions.split(",")]
    from sna.config import settings
    from serve import launch

    db = settings().db_path
    run = Path(tempfile.mkdtemp(prefix="sna-bench-load-"))
    report = {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg(), "page": PAGE, "levels": levels}
    if args.only in (None, "direct"):
        print("One Streamlit process, directly:", flush=True)
        proc, url = direct_server(db, run)
        try:
            report["direct"] = measure(url, levels, [url])
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    if args.only in (None, "proxy"):
        print(f"nginx in front of {args.processes} Streamlit processes:", flush=True)
        port = free_port()
        base = free_ports(args.processes)
        site = launch(args.processes, "127.0.0.1", port, base, run, db)
        try:
            report["proxy"] = measure(f"http://127.0.0.1:{port}", levels, [f"http://127.0.0.1:{base + i}" for i in range(args.processes)])
        finally:
            site.stop()
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "load.json").write_text(json.dumps(report, indent=1))
    for name in ("direct", "proxy"):
        if name in report:
            rows = report[name]
            print(f"{name}: p95 ratio at {rows[-1]['sessions']} sessions = {rows[-1]['p95_s'] / rows[0]['p95_s']:.1f}x "
                  f"(target <= 3x), errors {sum(r['errors'] for r in rows)}")
    print(f"Load average at start {report['load_average_at_start']}: the machine is shared; ratios are from one run.")
    return 0


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports (the launcher numbers its processes from it)."""
    for _ in range(50):
        start = free_port()
        if all(_free(p) for p in range(start, start + count)):
            return start
    raise RuntimeError("no run of free loopback ports found")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


if __name__ == "__main__":
    sys.exit(main())
