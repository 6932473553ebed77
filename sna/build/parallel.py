"""Build steps run in a second process, on the second core, while the build goes on.

Why: most of a build is pandas work, which holds the GIL, so threads cannot share it out; a forked
process can. A detached step reads only what the steps before it left in the context (frames, the
parsed files) and gives back only rows for the context's lists (log, quality facts, notes, values):
it writes nothing to the database. Its rows are put back where the step stands in the build's order,
so the database is the same whatever the scheduling, and the same as a build without a second process.
"""

from __future__ import annotations

import os
import pickle
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

from sna.build.context import BuildContext

LISTS = ("log", "quality", "notes", "values")  # the context's lists a step appends to, in the build's order


def workers_allowed() -> bool:
    """A second process only where fork exists, there is a second core, and SNA_BUILD_WORKERS is not 1."""
    import multiprocessing

    return (os.environ.get("SNA_BUILD_WORKERS", "") != "1" and (os.cpu_count() or 1) > 1
            and "fork" in multiprocessing.get_all_start_methods())


@dataclass
class Detached:
    """Steps running in a forked process, and where their rows go in the context's lists."""
    names: list[str]
    process: object = None
    receiver: object = None
    slots: dict[str, dict[str, int]] = field(default_factory=dict)  # step -> list name -> position

    def mark(self, ctx: BuildContext, name: str) -> None:
        """The build has reached `name` in its order: its rows will go here."""
        self.slots[name] = {attr: len(getattr(ctx, attr)) for attr in LISTS}

    def stop(self) -> None:
        """End the process (the build failed elsewhere)."""
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join()

    def collect(self, ctx: BuildContext) -> dict[str, float]:
        """Wait for the steps; put their rows in place; raise what a step raised. Returns step seconds."""
        try:
            outcome = pickle.loads(self.receiver.recv_bytes())
        except EOFError:
            outcome = ("error", RuntimeError("The build's second process ended without a result (killed, or out of memory?)."), "")
        finally:
            self.process.join()
        if outcome[0] == "error":
            raise outcome[1]
        seconds = {}
        for name, rows, took in sorted(outcome[1], key=lambda r: [self.slots[r[0]][a] for a in LISTS], reverse=True):
            for attr in LISTS:  # the last slot first, so the earlier positions still hold
                at = self.slots[name][attr]
                getattr(ctx, attr)[at:at] = rows[attr]
            seconds[name] = took
        return seconds


def start(ctx: BuildContext, steps: list[tuple[str, Callable[[BuildContext], None]]]) -> Detached:
    """Fork a process that runs `steps` in order on a copy of the context as it is now."""
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    receiver, sender = fork.Pipe(duplex=False)
    detached = Detached([name for name, _ in steps], receiver=receiver)
    detached.process = fork.Process(target=_run, args=(ctx, steps, sender), daemon=True, name="sna-build-worker")
    detached.process.start()
    sender.close()
    return detached


def _run(ctx: BuildContext, steps: list[tuple[str, Callable[[BuildContext], None]]], sender) -> None:
    """In the forked process: run the steps, send back their rows (or what went wrong). The database
    connection stays referenced and untouched (closing the copy could write to the parent's file); the
    process ends with os._exit, so nothing is finalised."""
    keep = ctx.con  # noqa: F841 (never closed here)
    ctx.background, ctx.pending = None, {}  # the parent's threads are not in this process
    results = []
    try:
        for name, step in steps:
            for attr in LISTS:
                setattr(ctx, attr, [])
            started = time.perf_counter()
            step(ctx)
            results.append((name, {attr: getattr(ctx, attr) for attr in LISTS}, round(time.perf_counter() - started, 2)))
        payload = pickle.dumps(("ok", results), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 (sent to the parent, raised there)
        try:
            payload = pickle.dumps(("error", exc, traceback.format_exc()), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that cannot be pickled: its text
            payload = pickle.dumps(("error", RuntimeError(traceback.format_exc()), ""), protocol=pickle.HIGHEST_PROTOCOL)
    sender.send_bytes(payload)
    sender.close()
