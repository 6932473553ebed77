"""Build the database: every step writes into a temporary DuckDB file beside the target, which is
validated and then renamed over the old one. A failed or killed build leaves the old database intact.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

import sna
from sna.registry import indicators as registry
from sna.registry import sources, studyarea
from sna.config import REPO_ROOT, Settings, settings
from sna.build import inputs, parallel
from sna.build.context import BuildContext
from sna.build.schema_check import known_codes
from sna.build.crime import build_crime
from sna.db import SCHEMA_VERSION
from sna.errors import DatabaseError
from sna.build.la_indicators import build_la_indicators
from sna.build.areas import build_area_boundaries, build_areas, build_areas_table
from sna.build.lsoa_indicators import build_lsoa_indicators
from sna.build.iod_summaries import build_iod_summaries
from sna.build.places import build_places
from sna.build.routes import build_routes
from sna.build.postcodes import build_postcodes
from sna.build.schools import build_schools

# The build, in order. Each step reads its sources through the registry and writes its tables.
STEPS: list[tuple[str, Callable[[BuildContext], None]]] = [
    ("areas and populations", build_areas),
    ("area boundaries", build_area_boundaries),
    ("LSOA indicators (IoD 2019, IoD 2025, population)", build_lsoa_indicators),
    ("IoD local authority summaries", build_iod_summaries),
    ("areas table", build_areas_table),
    ("police.uk crime", build_crime),
    ("schools", build_schools),
    ("postcodes", build_postcodes),
    ("local authority indicators", build_la_indicators),
    ("impact areas", build_places),
    ("Step Together routes", build_routes),
]
# Steps that need only what the steps before them left in the context: each group runs in a second process
# from its first step on, beside the steps that follow, and is collected before the step that needs it
# (sna.build.parallel); their rows and tables keep their places in the order. One second process at a time
# (the machine may have two cores): the boundaries (the LSOA shapes read and repaired once, every level's
# geometry from them) run beside the LSOA indicators. When the build reaches a group's step while the other
# group still runs (England's boundaries outlast its LSOA indicators), the step runs here and the group
# starts at its next step; so the IoD summaries' process starts once the boundaries are collected, with the
# LSOA 2011 shapes the postcodes need. A group that ends within NEARLY_DONE seconds is waited for instead: the
# West Midlands' boundaries and LSOA indicators take about as long, and its IoD summaries in the main process
# made the build 0.4 s slower.
GROUPS = (parallel.Group(("area boundaries",), until="areas table", frames=("geo11", "geo21", "area_rows")),
          parallel.Group(("IoD local authority summaries", "postcodes", "local authority indicators")))
NEARLY_DONE = 0.3  # seconds


@dataclass(frozen=True)
class BuildSummary:
    db_path: Path
    seconds: float
    tables: dict[str, int]
    step_seconds: dict[str, float]
    inputs: list[str] = field(default_factory=list)  # what was done with users' files, one sentence each


def code_version() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{sna.__version__}+{sha}" if sha else sna.__version__


def build(area_key: str | None = None, config: Settings | None = None, progress: bool = True,
          on_step: Callable[[str], None] | None = None, inputs: list[Path] | None = None) -> BuildSummary:
    """Build the database for a study area into config.db_path (atomically), from the registered
    sources plus users' newer files (`inputs` and the watched folders), all checked before anything is built."""
    config = config or settings()
    area = studyarea.load(area_key or config.area)
    target = config.db_path
    check_target(target)
    _remove_stale_temporaries(target)
    temp = target.with_name(f".{target.name}.building-{os.getpid()}")
    temp.unlink(missing_ok=True)
    started = time.perf_counter()
    step_seconds: dict[str, float] = {}
    accepted, input_notes = _accept_inputs(config, inputs or [])
    if accepted:
        step_seconds["checking users' files"] = round(time.perf_counter() - started, 2)
    con = duckdb.connect(str(temp))
    running: dict[parallel.Group, parallel.Detached] = {}
    groups = GROUPS if parallel.workers_allowed() else ()
    try:
        ctx = BuildContext(area=area, config=config, con=con, code_version=code_version(), progress=progress, inputs=accepted)
        for position, (name, step) in enumerate(STEPS):
            if on_step:
                on_step(name)
            for group in [g for g in running if g.until == name]:
                _collect(ctx, running.pop(group), step_seconds)
            t0 = time.perf_counter()
            group = next((g for g in groups if name in g.steps), None)
            if group is not None and group not in running:
                for other in [g for g in running if running[g].finished(wait=NEARLY_DONE)]:
                    _collect(ctx, running.pop(other), step_seconds, since=t0)
                if not running:  # else the second process is busy: this step runs here
                    running[group] = parallel.start(ctx, group, STEPS[position:])
            if group in running:
                running[group].mark(ctx, name)
                continue
            step(ctx)
            step_seconds[name] = round(time.perf_counter() - t0, 2)
        for group in list(running):
            _collect(ctx, running.pop(group), step_seconds)
        t0 = time.perf_counter()
        _finish(ctx)
        tables = validate(con)
        con.close()
        step_seconds["values, catalogue, checks and writing out"] = round(time.perf_counter() - t0, 2)
        os.replace(temp, target)
    except BaseException:
        for detached in running.values():
            detached.stop()
        con.close()
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)
        raise
    return BuildSummary(target, round(time.perf_counter() - started, 2), tables, step_seconds, input_notes + ctx.notes)


def _collect(ctx: BuildContext, detached: parallel.Detached, step_seconds: dict[str, float], since: float | None = None) -> None:
    """Wait for a group run in the second process and put its results in place (the wait, from `since` when
    given, is timed too). While it is still running, the tables written so far are checkpointed (written out),
    which closing would do."""
    t0 = time.perf_counter() if since is None else since
    if not detached.finished():
        ctx.con.execute("CHECKPOINT")
    step_seconds.update({f"{name} (second process)": seconds for name, seconds in detached.collect(ctx).items()})
    step_seconds[f"waiting for: {', '.join(detached.group.steps)}"] = round(time.perf_counter() - t0, 2)


def _accept_inputs(config: Settings, named: list[Path]) -> tuple[list, list[str]]:
    """Users' files (named, then the watched folders), each checked against its dataset; the first that
    fails stops the build before anything is written. Returns the accepted files and one line about each."""
    found = inputs.find(named)
    for folder in inputs.watched_folders(config):
        more = inputs.find([folder], origin=inputs.INCOMING, must_exist=False)
        found.files += more.files
        found.skipped += more.skipped
    if not found.files:
        return [], [f"skipped {label}: {why}" for label, why in found.skipped]
    accepted = inputs.accept_all(found, known_codes(config))
    notes = [f"accepted {a.file.label}: {a.dataset}, " + ("checked as it is read" if a.checked_when_read else f"{a.rows:,} rows")
             + f", vintage {a.vintage}, by {a.accepted_by}, sha256 {a.sha256[:12]}..." for a in accepted]
    skipped = Counter(why for _, why in found.skipped)
    return accepted, notes + [f"skipped {n} file(s): {why}" for why, n in skipped.items()]


MIN_FREE_BYTES = 256 * 1024 * 1024  # a West Midlands build needs ~20 MB, England a few hundred


def check_target(target: Path) -> None:
    """Before any work: SNA_DB must name a file (not a folder) in a folder we can write, on a disk with room
    for the new file beside the old one. DatabaseError saying what to change otherwise."""
    import shutil
    import tempfile

    if target.is_dir():
        raise DatabaseError(f"SNA_DB names the folder {target}; it must name a database file, e.g. {target / 'sna.duckdb'}.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.probe-"):
            pass
    except OSError as exc:
        raise DatabaseError(f"Cannot write in {target.parent} ({exc.strerror or exc}). Point SNA_DB at a file in a "
                            "writable folder, e.g. SNA_DB=/tmp/sna.duckdb, or fix the folder's permissions.") from None
    needed = max(MIN_FREE_BYTES, 2 * (target.stat().st_size if target.exists() else 0))
    free = shutil.disk_usage(target.parent).free
    if free < needed:
        raise DatabaseError(f"Only {free / 1e6:,.0f} MB is free on the disk holding {target.parent}; the build needs about "
                            f"{needed / 1e6:,.0f} MB. Free some space or point SNA_DB at another disk. The previous database is unchanged.")


def _remove_stale_temporaries(target: Path) -> None:
    """A killed build leaves its temporary file behind; remove those whose process is gone."""
    for stale in target.parent.glob(f".{target.name}.building-*"):
        pid = stale.name.rsplit("-", 1)[-1].split(".")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            stale.unlink(missing_ok=True)


def _finish(ctx: BuildContext) -> None:
    """Tables every step contributes to: values, the catalogue, sources, the log and metadata."""
    used = _write_values(ctx.con, [v for v in ctx.values if not v.empty])  # empty parts (no crime months) would blur types
    catalogue = pd.DataFrame([vars(i) for i in registry.catalogue().values() if i.id in used])
    crime_sources = ",".join(ctx.area.crime_sources)
    catalogue["source"] = catalogue["source"].replace({"crime": crime_sources})
    catalogue["aggregation_text"] = catalogue["aggregation"].map(registry.AGGREGATIONS)
    catalogue["polarity_text"] = catalogue["polarity"].map(registry.POLARITIES)
    extra = ctx.frames.get("extra_indicators")
    if extra is not None:
        catalogue = pd.concat([catalogue, extra[extra["id"].isin(used) & ~extra["id"].isin(catalogue["id"])]], ignore_index=True)
    first_source = catalogue["source"].str.split(",").str[0].map(sources.all_sources())
    catalogue["publisher"] = [s.publisher if s else "" for s in first_source]
    catalogue["vintage"] = [s.vintage if s else "" for s in first_source]
    catalogue["licence"] = [s.licence if s else "" for s in first_source]
    _crime_vintage(ctx, catalogue)
    catalogue["official_page"] = [s.official_page if s else "" for s in first_source]
    ctx.write("indicators", catalogue)
    ctx.write("sources", pd.DataFrame([vars(s) for s in sources.all_sources().values()]))
    ctx.write("build_log", pd.DataFrame(ctx.log))
    ctx.write("data_quality", pd.DataFrame(ctx.quality, columns=["topic", "source_id", "period", "measure", "value", "detail"]))
    meta = {"area_key": ctx.area.key, "area_name": ctx.area.name, "area_short_name": ctx.area.short_name,
            "region_code": ctx.area.region_code, "lad_codes": ",".join(ctx.area.lad_codes),
            "serious_violence": ",".join(ctx.area.serious_violence), "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "code_version": ctx.code_version, "schema_version": SCHEMA_VERSION, "notes": "\n".join(ctx.notes)}
    ctx.write("meta", pd.DataFrame({"key": list(meta), "value": list(meta.values())}))


VALUE_TYPES = {"indicator_id": "VARCHAR", "area_code": "VARCHAR", "level": "VARCHAR", "period": "VARCHAR", "value": "DOUBLE",
               "numerator": "DOUBLE", "denominator": "DOUBLE", "note": "VARCHAR"}


SMALL_PART = 100_000  # rows


def _write_values(con: duckdb.DuckDBPyConnection, parts: list[pd.DataFrame]) -> set[str]:
    """Table indicator_values: every step's rows, stacked and sorted by DuckDB straight from the steps' frames
    (stacking and sorting England's five million rows in pandas, then copying them in, took seconds).
    Returns the indicator ids held."""
    def columns(part: pd.DataFrame) -> str:  # a part without a note column (LSOA indicators) has none
        held = {c: f'"{c}"' if c in part.columns else "NULL" for c in VALUE_TYPES}
        return ", ".join(f'CAST({held[c]} AS {t}) AS "{c}"' for c, t in VALUE_TYPES.items())

    small = [part for part in parts if len(part) < SMALL_PART]
    if len(small) > 1:  # scanned as one frame: DuckDB's set-up per frame cost more than the rows (West Midlands: 30 parts)
        parts = [part for part in parts if len(part) >= SMALL_PART] + [pd.concat([part.reindex(columns=list(VALUE_TYPES)) for part in small], ignore_index=True)]
    names = [f"_values_{i}" for i in range(len(parts))]
    for name, part in zip(names, parts):
        con.register(name, part)
    try:
        union = " UNION ALL ".join(f"SELECT {columns(part)} FROM {name}" for name, part in zip(names, parts))
        con.execute(f"CREATE OR REPLACE TABLE indicator_values AS {union} ORDER BY indicator_id, level, area_code, period")
    finally:
        for name in names:
            con.unregister(name)
    return {row[0] for row in con.execute("SELECT DISTINCT indicator_id FROM indicator_values").fetchall()}


def _crime_vintage(ctx: BuildContext, catalogue: pd.DataFrame) -> None:
    """police.uk indicators carry the months actually held (mirror and users' files), not the first file's."""
    held = ctx.frames.get("crime_vintage")
    if held:
        catalogue.loc[catalogue["loader"] == "policeuk", "vintage"] = held


REQUIRED_TABLES = ("areas", "indicator_values", "indicators", "sources", "build_log", "meta", "crimes", "crime_counts", "data_quality")


EXACT_DUPLICATES = "SELECT count(*) FROM (SELECT indicator_id, area_code, level, period FROM indicator_values GROUP BY ALL HAVING count(*) > 1)"


def validate(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Checks before the new database replaces the old: tables, keys, metadata for every value."""
    present = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = [t for t in REQUIRED_TABLES if t not in present]
    if missing:
        raise DatabaseError(f"Build produced no {', '.join(missing)} table(s).")
    checks = {
        "areas without a code or name": "SELECT count(*) FROM areas WHERE code IS NULL OR name IS NULL",
        "duplicate area codes": "SELECT count(*) - count(DISTINCT code || level) FROM areas",
        "values whose indicator has no metadata": "SELECT count(*) FROM indicator_values v ANTI JOIN indicators i ON v.indicator_id = i.id",
        "duplicate values": "SELECT count(*) FROM (SELECT hash(indicator_id, area_code, level, period) AS h FROM indicator_values GROUP BY h HAVING count(*) > 1)",
        "study LSOAs without geometry": "SELECT count(*) FROM areas WHERE level = 'lsoa11' AND geometry IS NULL",
    }
    problems = {name: con.execute(sql).fetchone()[0] for name, sql in checks.items()}
    if problems["duplicate values"]:  # hashes of the keys first (half the time for England); a collision is confirmed here
        problems["duplicate values"] = con.execute(EXACT_DUPLICATES).fetchone()[0]
    bad = {k: v for k, v in problems.items() if v}
    if bad:
        raise DatabaseError("The new database failed validation: " + "; ".join(f"{v} {k}" for k, v in bad.items()) + ". The previous database was kept.")
    if con.execute("SELECT count(*) FROM areas WHERE level = 'lsoa11'").fetchone()[0] == 0:
        raise DatabaseError("The new database holds no LSOAs. The previous database was kept.")
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(present)}
