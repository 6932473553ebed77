"""`python -m sna profile AREA --out FILE.pdf [--csv FILE]`: progress on stderr, errors as messages."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sna import db
from sna.errors import ChoiceError


def command(args: argparse.Namespace) -> int:
    from sna.reports import figures, pdf, subject

    started = time.perf_counter()

    def progress(step: str) -> None:
        print(f"  [{time.perf_counter() - started:5.1f} s] {step}", file=sys.stderr, flush=True)

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise ChoiceError(f"--out must name a .pdf file (got {out.name}).")
    con = db.connect()
    try:
        progress("finding the area")
        found = subject.resolve_subject(con, args.area)
        progress(f"computing the figures for {found.name} ({found.label})")
        fig = figures.figures(con, found)
        document = pdf.render(con, fig, progress)
    finally:
        con.close()
    out.write_bytes(document)
    progress(f"wrote {out} ({len(document) / 1024:.0f} KB, {len(fig.profile)} indicators)")
    if args.csv:
        Path(args.csv).write_bytes(figures.figures_csv(fig))
        progress(f"wrote {args.csv}")
    return 0
