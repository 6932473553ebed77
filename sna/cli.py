"""Command line: `python -m sna build | doctor | ...`. The one place CLI errors become messages."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable

from sna.config import settings
from sna.errors import SnaError


def _build(args: argparse.Namespace) -> int:
    from sna.build import build

    started = time.perf_counter()
    print(f"Building the database for study area {args.area or settings().area!r}...")
    summary = build(args.area, progress=not args.quiet, on_step=lambda name: print(f"  - {name}", flush=True))
    print(f"Built {summary.db_path} in {summary.seconds:.1f} s ({time.perf_counter() - started:.1f} s with start-up).")
    for table, rows in summary.tables.items():
        print(f"  {table:<24} {rows:>10,} rows")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from sna.doctor import run_checks

    problems = 0
    for ok, line in run_checks(args.area):
        print(("  ok    " if ok else "  FIX   ") + line)
        problems += not ok
    print("All checks passed." if not problems else f"{problems} problem(s): follow the FIX lines above.")
    return 0 if not problems else 1


# Subcommands: name -> (help, handler, argument adder). A new command is one more entry.
COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int], Callable[[argparse.ArgumentParser], None]]] = {
    "build": ("build the database from the official sources", _build,
              lambda p: (p.add_argument("--area", help="study area: a file name in data/areas without .toml (default west-midlands)"),
                         p.add_argument("--quiet", action="store_true", help="no progress bars"))),
    "doctor": ("check sources, database and package versions; say what to fix", _doctor,
               lambda p: p.add_argument("--area", help="study area to check (default west-midlands)")),
}


def register(name: str, help_text: str, handler: Callable[[argparse.Namespace], int], add_arguments: Callable[[argparse.ArgumentParser], None]) -> None:
    COMMANDS[name] = (help_text, handler, add_arguments)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m sna", description="SNA explorer: build and check the serious youth violence needs assessment database.")
    sub = top.add_subparsers(dest="command", required=True)
    for name, (help_text, _, add_arguments) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return top


def main(argv: list[str] | None = None) -> int:
    _load_plugins()
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command][1](args)
    except SnaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted: the previous database (if any) is unchanged.", file=sys.stderr)
        return 130


def _load_plugins() -> None:
    """Modules that add subcommands register themselves on import."""
    import sna.routes_import  # noqa: F401  (import-routes)
