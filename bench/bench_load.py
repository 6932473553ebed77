"""Load bench: concurrent websocket sessions, each an Area explorer load plus one indicator change.

    python3 bench/bench_load.py [--sessions 1,5,10,20] [--processes 2] [--app explorer,floor]

Runs against (a) one Streamlit process directly and (b) nginx in front of --processes Streamlit
processes (scripts/serve.py), all on loopback ports it picks and stops again. Every session sends
exactly two reruns (bounded). Reports, per concurrency, p95 of the session time (load + change)
and its ratio to one session, errors (exceptions, timeouts) and bytes per rerun. Target (issue 13):
p95 at 20 sessions <= 3x one session, 0 errors.

Two arrival modes, reported side by side (the burst figure is the issue's; never replaced):
- burst: every session starts at the same instant.
- spread (--spread-window, --think): the same number of visitors arrive evenly over a window, and each
  thinks (a seeded random pause) between the page load and the indicator change; a session's time is
  then its load plus its change, without the pause.
--app floor runs the same sessions against bench/floor_app.py (a title, a selectbox and a line of text):
Streamlit's own scaling on this machine, against which the explorer's figure can be read; --app explorer,floor
runs both in one invocation, so their ratios come from one run.
- rates (--rates 5,10,20,40): visitors arrive evenly at each rate for --rate-seconds (bounded: rate x seconds
  sessions), each loading the page and changing the indicator at once: the rate up to which a site's p95
  stays near one session's is its capacity on this machine.
The servers' CPU seconds per session (from /proc) give the physical floor of the burst: N sessions
that each need c CPU seconds, on k usable cores, cannot all finish before about N * c / k. Figures are ratios from one run on this machine,
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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO / "scripts"), str(REPO)]

from bench_explorer import free_port  # noqa: E402
from ws_client import open_session  # noqa: E402

CHANGE_TO = "IoD2025"  # the first other indicator of the default theme held at LSOA level
# What the sessions open: (script, page). "floor" is Streamlit's own floor on this machine: a page with a
# title, one selectbox (key "indicator", with an option holding CHANGE_TO) and one line of text, served the
# same ways. A page cannot scale better than that.
APPS = {"explorer": ("app.py", "Area_explorer"), "floor": ("bench/floor_app.py", "")}


async def one_session(url: str, page: str, delay: float = 0.0, think: float | None = None) -> dict:
    """A visitor who loads the page and changes the indicator. Burst (think None): the session's time is its
    whole wall time, from connecting. Spread: it arrives after `delay` seconds and reads for `think` seconds
    between load and change; its time is then its load plus its change, without the pause."""
    await asyncio.sleep(delay)
    started = time.perf_counter()
    try:
        session = await open_session(url, page)
        try:
            load = await session.rerun()
            if think is not None:
                await asyncio.sleep(think)
            change = await session.choose("indicator", CHANGE_TO)
        finally:
            await session.ws.close()
    except Exception as exc:  # a timeout or a dropped connection is an error, not a crash of the bench
        return {"error": f"{type(exc).__name__}: {exc}"[:200], "seconds": time.perf_counter() - started}
    error = load.exception or change.exception
    seconds = time.perf_counter() - started if think is None else load.seconds + change.seconds
    return {"seconds": seconds, "load_s": load.seconds, "change_s": change.seconds,
            "load_bytes": load.bytes, "change_bytes": change.bytes, **({"error": error} if error else {})}


async def wave(url: str, sessions: int, page: str = APPS["explorer"][1]) -> list[dict]:
    return await asyncio.gather(*(one_session(url, page) for _ in range(sessions)))


async def spread_wave(url: str, page: str, sessions: int, window: float, think: tuple[float, float], seed: int = 13) -> list[dict]:
    rng = np.random.default_rng(seed)
    delays = np.linspace(0, window, sessions, endpoint=False)
    thinks = rng.uniform(think[0], think[1], sessions)
    return await asyncio.gather(*(one_session(url, page, float(d), float(t)) for d, t in zip(delays, thinks)))


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc; 0 for any that is gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15 of stat)
    return total


def summarise(results: list[dict]) -> dict:
    ok = [r for r in results if "error" not in r]
    seconds = np.array([r["seconds"] for r in ok]) if ok else np.array([np.nan])
    return {"sessions": len(results), "errors": len(results) - len(ok), "error_examples": sorted({r["error"] for r in results if "error" in r})[:3],
            "p50_s": float(np.percentile(seconds, 50)), "p95_s": float(np.percentile(seconds, 95)),
            "p95_change_s": float(np.percentile([r["change_s"] for r in ok], 95)) if ok else float("nan"),
            "load_bytes": int(np.mean([r["load_bytes"] for r in ok])) if ok else 0,
            "change_bytes": int(np.mean([r["change_bytes"] for r in ok])) if ok else 0}


@dataclass(frozen=True)
class Plan:
    """What to run against each server: burst levels, the spread mode, and arrival rates."""
    levels: list[int]
    spread: tuple[float, float, float] | None = None  # window s, think low s, think high s
    rates: list[float] = field(default_factory=list)  # visitors per second, each for rate_seconds
    rate_seconds: float = 4.0


def measure(url: str, page: str, plan: Plan, warm: list[str], pids: list[int], cores: int) -> dict:
    """Burst waves at each concurrency (then the spread mode at the largest, and each arrival rate), with the
    servers' CPU per session."""
    levels, spread = plan.levels, plan.spread
    for backend in warm:  # warm every process's caches (geometry, catalogue) once, as a live site would be
        asyncio.run(wave(backend, 1, page))
    rows = []
    for sessions in levels:
        cpu0, client0 = cpu_seconds(pids), _own_cpu()
        # One session is the baseline: three in turn, so one slow sample does not set every ratio.
        results = [r for _ in range(3) for r in asyncio.run(wave(url, 1, page))] if sessions == 1 else asyncio.run(wave(url, sessions, page))
        row = summarise(results)
        row["sessions"] = sessions
        row["cpu_s_per_session"] = (cpu_seconds(pids) - cpu0) / len(results)
        row["floor_s"] = sessions * row["cpu_s_per_session"] / cores  # all of it on `cores` cores, perfectly shared
        row["client_cpu_s_per_session"] = (_own_cpu() - client0) / len(results)  # this bench's clients share the cores too
        rows.append(row)
        base = rows[0]["p95_s"]
        print(f"    {sessions:>3} sessions: p95 {row['p95_s']:6.2f} s  ({row['p95_s'] / base:4.1f}x one session), "
              f"errors {row['errors']}, {row['load_bytes'] / 1e6:.3f} MB load, {row['change_bytes'] / 1e6:.3f} MB change; "
              f"server CPU {row['cpu_s_per_session']:.3f} s per session, floor {row['floor_s']:.2f} s "
              f"({row['floor_s'] / base:.1f}x); the bench's own clients {row['client_cpu_s_per_session']:.3f} CPU s per session", flush=True)
    out = {"burst": rows}
    if spread:
        window, low, high = spread
        sessions = levels[-1]
        cpu0 = cpu_seconds(pids)
        row = summarise(asyncio.run(spread_wave(url, page, sessions, window, (low, high))))
        row.update(sessions=sessions, window_s=window, think_s=[low, high], cpu_s_per_session=(cpu_seconds(pids) - cpu0) / sessions)
        out["spread"] = row
        print(f"    spread: {sessions} visitors over {window:g} s, {low:g}-{high:g} s between load and change: p95 "
              f"{row['p95_s']:.2f} s ({row['p95_s'] / rows[0]['p95_s']:.1f}x one session), errors {row['errors']}", flush=True)
    out["rates"] = []
    for rate in plan.rates:  # visitors arriving evenly at `rate` a second, each loading the page and changing at once
        sessions = max(1, round(rate * plan.rate_seconds))
        cpu0 = cpu_seconds(pids)
        row = summarise(asyncio.run(spread_wave(url, page, sessions, plan.rate_seconds, (0.0, 0.0))))
        row.update(per_second=rate, sessions=sessions, cpu_s_per_session=(cpu_seconds(pids) - cpu0) / sessions)
        out["rates"].append(row)
        print(f"    {rate:g} visitors a second for {plan.rate_seconds:g} s ({sessions}): p95 {row['p95_s']:.2f} s "
              f"({row['p95_s'] / rows[0]['p95_s']:.1f}x one session), errors {row['errors']}", flush=True)
    return out


def direct_server(db: Path, run: Path, script: str = "app.py"):
    from serve import STREAMLIT_FLAGS, wait_for

    port = free_port()
    flags = [f"--{k}={v}" for k, v in {**STREAMLIT_FLAGS, "server.port": str(port)}.items()]
    log = (run / "direct.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", script, *flags], cwd=REPO,
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
    parser.add_argument("--app", default="explorer",
                        help="comma-separated, run in turn in one invocation: explorer, floor (Streamlit's own floor, bench/floor_app.py)")
    parser.add_argument("--spread-window", type=float, default=20.0, help="seconds over which the spread visitors arrive (0: no spread mode)")
    parser.add_argument("--think", default="2,6", help="seconds between load and change in the spread mode: low,high")
    parser.add_argument("--rates", default="", help="arrival rates to run, visitors a second (e.g. 5,10,20,40): "
                                                    "where a site's p95 leaves one session's")
    parser.add_argument("--rate-seconds", type=float, default=4.0, help="how long each arrival rate runs")
    args = parser.parse_args()
    apps = args.app.split(",")
    if unknown := [a for a in apps if a not in APPS]:
        parser.error(f"unknown --app {unknown}; choose from {sorted(APPS)}")
    think = [float(x) for x in args.think.split(",")]
    spread = (args.spread_window, think[0], think[1]) if args.spread_window > 0 else None
    levels = [int(x) for x in args.sessions.split(",")]
    plan = Plan(levels, spread, [float(x) for x in args.rates.split(",") if x], args.rate_seconds)
    reports = {app: run_app(app, plan, args.processes, args.only) for app in apps}
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    for app, report in reports.items():
        (results / ("load.json" if app == "explorer" else f"load-{app}.json")).write_text(json.dumps(report, indent=1))
    for app, report in reports.items():
        for name in ("direct", "proxy"):
            if name in report:
                rows, base = report[name]["burst"], report[name]["burst"][0]["p95_s"]
                last = rows[-1]
                print(f"{app}, {name}: burst p95 at {last['sessions']} sessions {last['p95_s']:.2f} s vs one session {base:.3f} s = "
                      f"{last['p95_s'] / base:.1f}x (target <= 3x), errors {sum(r['errors'] for r in rows)}; its CPU floor "
                      f"{last['floor_s'] / base:.1f}x ({last['cpu_s_per_session']:.3f} CPU s per session)")
                if "spread" in report[name]:
                    sp = report[name]["spread"]
                    print(f"{app}, {name}: spread p95 ratio at {sp['sessions']} visitors = {sp['p95_s'] / base:.1f}x, errors {sp['errors']}")
                for row in report[name]["rates"]:
                    print(f"{app}, {name}: {row['per_second']:g} visitors a second: p95 {row['p95_s']:.2f} s = {row['p95_s'] / base:.1f}x "
                          f"one session, errors {row['errors']}")
    print(f"Load average at start {os.getloadavg()}: the machine is shared; ratios are from one run.")
    return 0


def run_app(app: str, plan: Plan, processes: int, only: str | None) -> dict:
    """One app's burst (and spread) figures, directly and through nginx."""
    from sna.config import settings
    from serve import launch

    db = settings().db_path
    run = Path(tempfile.mkdtemp(prefix="sna-bench-load-"))
    script, page = APPS[app]
    report = {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg(), "app": app, "page": page, "levels": plan.levels}
    if only in (None, "direct"):
        print(f"{app}: one Streamlit process, directly:", flush=True)
        proc, url = direct_server(db, run, script)
        try:
            report["direct"] = measure(url, page, plan, [url], [proc.pid], 1)  # one process: one core at most
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    if only in (None, "proxy"):
        print(f"{app}: nginx in front of {processes} Streamlit processes:", flush=True)
        port = free_port()
        base = free_ports(processes)
        site = launch(processes, "127.0.0.1", port, base, run, db, script)
        try:
            report["proxy"] = measure(f"http://127.0.0.1:{port}", page, plan, [f"http://127.0.0.1:{base + i}" for i in range(processes)],
                                      [child.pid for child in site.children], min(processes, os.cpu_count() or 1))
        finally:
            site.stop()
    return report


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
