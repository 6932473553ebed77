"""Profile packs: a PDF and a CSV of every figure for an LSOA, ward, LA, impact area, school's
surroundings or custom area (no streamlit: used by the CLI and the explorer's download button)."""

from __future__ import annotations


def pack_for(con, found, progress=lambda s: None) -> tuple[bytes, bytes]:
    """(PDF bytes, CSV bytes) of a profile pack for a resolved subject (sna.reports.subject)."""
    from sna.reports import figures, pdf

    progress(f"computing the figures for {found.name}")
    fig = figures.figures(con, found)
    return pdf.render(con, fig, progress), figures.figures_csv(fig)
