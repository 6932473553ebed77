"""Profile packs: a PDF and a CSV of every figure for an LSOA, ward, LA, impact area, school's
surroundings or custom area (no streamlit: used by the CLI and the explorer's download button)."""

from __future__ import annotations


def profile_pack(con, area_text: str, progress=lambda s: None) -> tuple[bytes, bytes, str]:
    """(PDF bytes, CSV bytes, subject name) for what a user typed (see subject.resolve_subject)."""
    from sna.reports import figures, pdf, subject

    progress("finding the area")
    found = subject.resolve_subject(con, area_text)
    progress(f"computing the figures for {found.name}")
    fig = figures.figures(con, found)
    return pdf.render(con, fig, progress), figures.figures_csv(fig), found.name
