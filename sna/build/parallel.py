"""Build steps run in a second process, on the second core, while the build goes on.

Why: most of a build is pandas and GEOS work driven from Python, which holds the GIL, so threads
cannot share it out; a forked process can. A detached step reads only what the steps before it left
in the context (frames, parsed files, the area); in the second process its table writes are held
back, and its rows (log, facts, notes, values), its tables and the frames it names are handed back
and put where the step stands in the build's order. The database is the same whatever the
scheduling, and the same as a build that runs every step in turn (SNA_BUILD_WORKERS=1).
"""

from __future__ import annotations

import os
import pickle
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

from sna.build.context import BuildContext

ORDERED = ("log", "quality", "notes")  # the context's lists whose order is the build's order
Step = tuple[str, Callable[[BuildContext], None]]


@dataclass(frozen=True)
class Group:
    """Steps that run together, in order, in one second process. `until`: the step that needs them (they
    are collected before it; None: before the build finishes). `frames`: what they leave for later steps."""
    steps: tuple[str, ...]
    until: str | None = None
    frames: tuple[str, ...] = ()


def workers_allowed() -> bool:
    """A second process only where fork exists, there is a second core, and SNA_BUILD_WORKERS is not 1."""
    import multiprocessing

    return (os.environ.get("SNA_BUILD_WORKERS", "") != "1" and (os.cpu_count() or 1) > 1
            and "fork" in multiprocessing.get_all_start_methods())


class _Slot:
    """Stands in a context list where a detached step's rows will go."""


@dataclass
class Detached:
    """A group running in a forked process, and the slots its steps' rows will fill."""
    group: Group
    process: object = None
    receiver: object = None
    slots: dict[str, _Slot] = field(default_factory=dict)
    steps: tuple[str, ...] = ()  # the steps it runs (a group's steps from the one it started at)

    def mark(self, ctx: BuildContext, name: str) -> None:
        """The build has reached step `name` in its order: its rows will go here."""
        self.slots[name] = slot = _Slot()
        for attr in ORDERED:
            getattr(ctx, attr).append(slot)

    def finished(self, wait: float = 0.0) -> bool:
        """Whether the process has sent its result (waiting up to `wait` seconds for it) and the build has passed
        each of its steps (it may be collected)."""
        return len(self.slots) == len(self.steps) and self.receiver.poll(wait)

    def stop(self) -> None:
        """End the process (the build failed elsewhere)."""
        if self.process is not None and self.process.is_alive():
            self.process.kill()
        if self.process is not None:
            self.process.join()

    def collect(self, ctx: BuildContext) -> dict[str, float]:
        """Wait for the group; put its rows in their slots, its frames in the context, write its tables (in
        step order); raise what a step raised. Returns the steps' seconds (in the second process)."""
        try:
            outcome = pickle.loads(self.receiver.recv_bytes())
        except EOFError:
            ended = RuntimeError("The build's second process ended without a result (killed, or out of memory?).")
            outcome = ("error", pickle.dumps(ended), "")
        finally:
            self.process.join()
        if outcome[0] == "error":
            try:
                error = pickle.loads(outcome[1])
            except Exception:  # an exception class that cannot be rebuilt here: its traceback as text
                error = RuntimeError(f"A build step failed in the build's second process:\n{outcome[2]}")
            raise error
        _, results, frames = outcome
        seconds = {}
        for name, rows, writes, took in results:
            for attr in ORDERED:
                held = getattr(ctx, attr)
                at = next(i for i, item in enumerate(held) if item is self.slots[name])
                held[at:at + 1] = rows[attr]
            ctx.values.extend(rows["values"])  # values are sorted when written: their order does not matter
            for table, frame, types in writes:
                ctx.write(table, frame, types)
            seconds[name] = took
        ctx.frames.update(frames)
        return seconds


def start(ctx: BuildContext, group: Group, steps: list[Step]) -> Detached:
    """Fork a process that runs the group's steps among `steps` in order on a copy of the context as it is now."""
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    receiver, sender = fork.Pipe(duplex=False)
    chosen = [s for s in steps if s[0] in group.steps]
    detached = Detached(group, receiver=receiver, steps=tuple(name for name, _ in chosen))
    detached.process = fork.Process(target=_run, args=(ctx, group, chosen, sender), daemon=True, name="sna-build-worker")
    detached.process.start()
    sender.close()
    return detached


class _NoDatabase:
    def __getattr__(self, name):
        raise RuntimeError("A step run in the build's second process used the database connection; it may only "
                           "write through ctx.write (held back) and must not read tables.")


def _run(ctx: BuildContext, group: Group, steps: list[Step], sender) -> None:
    """In the forked process: run the steps, send back their rows, tables and frames (or what went wrong).
    The database connection stays referenced and untouched (closing the copy could write to the parent's
    file); the process ends with os._exit (multiprocessing), so nothing is finalised."""
    _die_with_parent()
    keep = ctx.con  # noqa: F841 (never used or closed here)
    ctx.con = _NoDatabase()
    writes: list = []
    ctx.write = lambda table, frame, types=None: writes.append((table, frame, types))  # held back for the parent
    results = []
    try:
        for name, step in steps:
            for attr in (*ORDERED, "values"):
                setattr(ctx, attr, [])
            writes = []
            started = time.perf_counter()
            step(ctx)
            rows = {attr: getattr(ctx, attr) for attr in (*ORDERED, "values")}
            results.append((name, rows, writes, round(time.perf_counter() - started, 2)))
        payload = pickle.dumps(("ok", results, {k: ctx.frames.get(k) for k in group.frames}), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 (sent to the parent, raised there)
        text = traceback.format_exc()
        try:
            error = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that cannot be pickled: its text
            error = pickle.dumps(RuntimeError(text), protocol=pickle.HIGHEST_PROTOCOL)
        payload = pickle.dumps(("error", error, text), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        sender.send_bytes(payload)
        sender.close()
    except OSError:  # the build was stopped (killed or failed) before it collected this
        pass


def _die_with_parent() -> None:
    """Linux: end this process when the build's process ends (a killed build leaves no worker running)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
