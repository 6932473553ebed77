"""The figures of a profile pack, and CSV with a provenance header (shared by the pack and the
explorer's downloads): one table, so the PDF and the CSV can never disagree."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import datetime, timezone

import pandas as pd

from sna import db
from sna.analysis import formatting as fmt
from sna.analysis import profile as pf
from sna.analysis.custom_area import custom_profile, main_las
from sna.reports.subject import Subject

CSV_COLUMNS = {"theme": "theme", "indicator_id": "indicator_id", "title": "indicator", "unit": "unit", "period": "period",
               "value": "value", "lower": "ci95_lower", "upper": "ci95_upper", "ci": "ci_method", "lad": "local_authority",
               "region": "region", "england": "england", "vs_england": "compared_with_england",
               "vs_lad": "compared_with_local_authority", "lsoas": "lsoas_with_a_value", "source": "source", "link": "source_page"}


@dataclass(frozen=True)
class Figures:
    subject: Subject
    profile: pd.DataFrame  # sna.analysis.profile columns (+ lsoas for LSOA sets)
    not_aggregated: pd.DataFrame  # theme, title, status (LSOA sets only)
    lad_name: str | None
    data_version: dict[str, str]  # built_at, code_version, area_name
    generated: str


def data_version(con) -> dict[str, str]:
    meta = db.meta(con)
    return {"built_at": meta.get("built_at", "unknown"), "code_version": meta.get("code_version", "unknown"),
            "area_name": meta.get("area_name", ""), "region_code": meta.get("region_code") or ""}


def version_text(version: dict[str, str]) -> str:
    return f"database built {version['built_at']}, code {version['code_version']}"


def figures(con, subject: Subject) -> Figures:
    """Every indicator for the subject against its LA, the region and England, with 95% CIs."""
    cat = db.catalogue(con)
    version = data_version(con)
    if subject.area is None:
        prof = pf.profile(con, cat, subject.code, subject.level)
        skipped = pd.DataFrame(columns=["theme", "title", "status"])
    else:
        prof, skipped = custom_profile(con, cat, subject.area, version["region_code"] or None)
    prof = latest_held(prof)
    lads = db.lad_names(con)
    lad_name = lads.get(subject.lad_code) if subject.kind != "lad" else None
    if subject.area is not None:
        las = main_las(con, subject.area)
        lad_name = lad_name or (lads.get(las[0]) if las else None)
        if len(las) > 1:
            others = ", ".join(lads.get(c, c) for c in las[1:])
            subject = replace(subject, notes=(*subject.notes, f"The area spans {len(las)} local authorities; it is compared "
                                                              f"with {lad_name}, which holds most of its LSOAs (also: {others})."))
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return Figures(subject, prof, skipped, lad_name, version, generated)


def latest_held(prof: pd.DataFrame) -> pd.DataFrame:
    """The latest period with a value of each indicator (a pack reports the current figure, not a series)."""
    held = prof[prof["value"].notna()]
    latest = held.groupby("indicator_id")["period"].transform("max")
    return held[held["period"] == latest].reset_index(drop=True)


def csv_bytes(table: pd.DataFrame, header: dict[str, str]) -> bytes:
    """CSV with '# key: value' provenance lines first (pandas: read_csv(..., comment='#')); text cells
    guarded against spreadsheet formula injection."""
    out = io.StringIO()
    for key, value in header.items():
        out.write(f"# {key}: {' '.join(str(value).split())}\n")
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].map(fmt.csv_safe)
    safe.to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def figures_csv(fig: Figures) -> bytes:
    """The pack's figures as CSV: one row per indicator, the same numbers as the PDF (unrounded)."""
    table = fig.profile.reindex(columns=list(CSV_COLUMNS)).rename(columns=CSV_COLUMNS)
    header = {"profile": f"{fig.subject.name} ({fig.subject.label}, {fig.subject.code})",
              "local authority compared": fig.lad_name or "the area is a local authority",
              "generated": fig.generated, "data version": version_text(fig.data_version),
              "notes": " ".join(fig.subject.notes) or "none",
              "licences": "each row's source column names its publisher, vintage and licence"}
    return csv_bytes(table, header)
