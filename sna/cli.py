"""Command line: `python -m sna build | doctor | import-routes ...`. The one place CLI errors become messages.

Commands are a table (name -> help, handler, arguments); a handler is named by module and function
and imported only when its command runs, so the CLI starts fast and imports run one way."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sna.config import settings
from sna.errors import DatabaseError, SnaError


def build_command(args: argparse.Namespace) -> int:
    from sna.build import build

    started = time.perf_counter()
    print(f"Building the database for study area {args.area or settings().area!r}...")
    named = [Path(p) for p in args.input or []]
    try:
        summary = build(args.area, progress=not args.quiet, on_step=lambda name: print(f"  - {name}", flush=True), inputs=named)
    except OSError as exc:  # e.g. the disk filled up during the build: the old database is kept
        raise DatabaseError(f"The build could not write its database ({exc.strerror or exc}). Free some space or point "
                            "SNA_DB elsewhere; the previous database is unchanged.") from None
    except Exception as exc:
        if type(exc).__name__ in ("IOException", "OutOfMemoryException"):  # duckdb's, without importing duckdb here
            raise DatabaseError(f"The build could not write its database ({str(exc).splitlines()[0][:200]}). Free some space "
                                "or point SNA_DB elsewhere; the previous database is unchanged.") from None
        raise
    for line in summary.inputs:
        print(f"  {line}")
    print(f"Built {summary.db_path} in {summary.seconds:.1f} s ({time.perf_counter() - started:.1f} s with start-up).")
    for table, rows in summary.tables.items():
        print(f"  {table:<24} {rows:>10,} rows")
    return 0


def doctor_command(args: argparse.Namespace) -> int:
    from sna.doctor import run_checks

    problems = 0
    for ok, line in run_checks(args.area):
        print(("  ok    " if ok else "  FIX   ") + line)
        problems += not ok
    print("All checks passed." if not problems else f"{problems} problem(s): follow the FIX lines above.")
    return 0 if not problems else 1


@dataclass(frozen=True)
class Command:
    help: str
    handler: str  # "module:function" taking the parsed arguments, returning the exit code
    arguments: Callable[[argparse.ArgumentParser], None]


def _area_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--area", help="study area: a file name in data/areas without .toml (default west-midlands)")


COMMANDS: dict[str, Command] = {
    "build": Command("build the database from the official sources", "sna.cli:build_command",
                     lambda p: (_area_argument(p), p.add_argument("--quiet", action="store_true", help="no progress bars"),
                                p.add_argument("--input", action="append", metavar="PATH",
                                               help="a newer official file, zip or folder of a known dataset (repeatable); "
                                                    "files in data/incoming (SNA_INCOMING) are read too"))),
    "fetch": Command("download the newest official release of a dataset into the cache (needs internet)", "sna.build.fetch:command",
                     lambda p: (p.add_argument("dataset", help="policeuk_street (police.uk archive) or gias (GIAS edubasealldata)"),
                                p.add_argument("--months", type=int, help="police.uk: keep only the newest N months of the archive"))),
    "doctor": Command("check sources, database and package versions; say what to fix", "sna.cli:doctor_command", _area_argument),
    "import-routes": Command("replace approximate Step Together route lines with real ones from a GeoJSON or GeoPackage file",
                             "sna.build.routes_import:command",
                             lambda p: p.add_argument("file", help="GeoJSON (.geojson, with a crs member) or GeoPackage (.gpkg) of "
                                                                   "LineStrings with properties route_id and name")),
    "profile": Command("write a profile pack (PDF, and CSV with --csv) for an area code, impact area, school URN or file of LSOA codes",
                       "sna.reports.command:command",
                       lambda p: (p.add_argument("area", help="an LSOA, ward or LA code, an impact-area id, a school URN, or a "
                                                              "CSV of LSOA codes / GeoJSON or GeoPackage polygon file"),
                                  p.add_argument("--out", required=True, help="the PDF file to write"),
                                  p.add_argument("--csv", help="also write the figures as CSV to this file"))),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m sna", description="SNA explorer: build and check the serious youth violence needs assessment database.")
    sub = top.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        command.arguments(sub.add_parser(name, help=command.help, description=command.help))
    return top


def _handler(name: str) -> Callable[[argparse.Namespace], int]:
    module, function = COMMANDS[name].handler.split(":")
    return getattr(importlib.import_module(module), function)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _handler(args.command)(args)
    except SnaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted: the previous database (if any) is unchanged.", file=sys.stderr)
        return 130
