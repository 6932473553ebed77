"""What the build steps share: the study area, settings, the open database and what they log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from sna.registry import datasets, sources
from sna.config import Settings
from sna.build.readers import read_csv, read_once, read_with_arrow
from sna.registry.studyarea import StudyArea


@dataclass
class BuildContext:
    area: StudyArea
    config: Settings
    con: duckdb.DuckDBPyConnection
    code_version: str
    progress: bool = True
    frames: dict[str, object] = field(default_factory=dict)  # shared intermediate results between steps
    values: list[pd.DataFrame] = field(default_factory=list)  # indicator_values rows from every step
    log: list[dict] = field(default_factory=list)
    quality: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    inputs: list = field(default_factory=list)  # users' files that passed their checks (sna.build.inputs.AcceptedInput)
    located: dict[str, Path] = field(default_factory=dict)  # source id -> its verified file, this build only
    reads: dict[str, pd.DataFrame] = field(default_factory=dict)  # CSV files parsed in this build (see read_csv)

    def source_path(self, source_id: str) -> Path:
        """The registered file, its checksum verified once per build (steps ask for the same files many times)."""
        if source_id not in self.located:
            self.located[source_id] = sources.locate(sources.get(source_id), self.config)
        return self.located[source_id]

    def read_csv(self, source_id: str, columns: list[str] | None = None) -> pd.DataFrame:
        """`columns` of a registered CSV, parsed once per build (sna.build.readers.read_once)."""
        return read_once(self.source_path(source_id), columns, self.reads, fast=read_with_arrow(source_id))

    def read_columns(self, source_id: str, columns: list[str]) -> pd.DataFrame:
        """`columns` of a registered CSV that one step alone reads (parsed for them only, not kept)."""
        return read_csv(self.source_path(source_id), columns, fast=read_with_arrow(source_id))

    def header(self, source_id: str) -> pd.Index:
        """The column names of a registered CSV (the file is parsed once per build, as for read_csv)."""
        self.read_csv(source_id, [])
        return self.reads[str(self.source_path(source_id))].columns

    def record(self, step: str, source_id: str, rows_read: int, rows_loaded: int) -> None:
        """One build-log row per source a step read."""
        src = sources.get(source_id)
        dataset = next((d for d in datasets.DATASETS.values() if source_id in d.mirror_sources), None)
        vintage = dataset.vintage_of(src.file.rsplit("/", 1)[-1]) if dataset and src.vintage == "see file name" else src.vintage
        self._log(step, source_id, src.file, src.sha256, rows_read, rows_loaded, "mirror", vintage, dataset.key if dataset else "")

    def record_input(self, step: str, accepted, rows_loaded: int, rows_read: int | None = None) -> None:
        """One build-log row for a user's file (an AcceptedInput): its path, sha256, vintage and rows."""
        origin = f"{accepted.file.origin} (accepted by {accepted.accepted_by})"
        rows = accepted.rows if rows_read is None else rows_read
        self._log(step, accepted.file.name, accepted.file.label, accepted.sha256, rows, rows_loaded,
                  origin, accepted.vintage, accepted.dataset)

    def _log(self, step: str, source_id: str, file: str, sha256: str, rows_read: int, rows_loaded: int,
             origin: str, vintage: str, dataset: str) -> None:
        self.log.append({"step": step, "source_id": source_id, "file": file, "sha256": sha256,
                         "rows_read": int(rows_read), "rows_loaded": int(rows_loaded), "origin": origin,
                         "vintage": vintage, "dataset": dataset,
                         "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "code_version": self.code_version})

    def fact(self, topic: str, source_id: str, period: str, measure: str, value: float, detail: str = "") -> None:
        """A data-quality fact users need to trust a figure (shown on Data and methods)."""
        self.quality.append({"topic": topic, "source_id": source_id, "period": period, "measure": measure,
                             "value": float(value), "detail": detail})

    def write(self, table: str, frame: pd.DataFrame, types: dict[str, str] | None = None) -> None:
        """Create (or replace) a table from a DataFrame (see write_table)."""
        write_table(self.con, table, frame, types)


def write_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, types: dict[str, str] | None = None) -> None:
    """Create (or replace) a table from a DataFrame. With `types` (column -> SQL type) the table has
    exactly those columns and types, even when the frame is empty."""
    if types is not None:
        frame = frame.reindex(columns=list(types))
        if frame.empty:
            frame = pd.DataFrame({c: pd.Series([None], dtype=object) for c in types}).iloc[0:0]
    columns = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in types.items()) if types else "*"
    con.register("_frame", frame)
    con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT {columns} FROM _frame')
    con.unregister("_frame")
