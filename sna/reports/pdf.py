"""The profile pack as a PDF (fpdf2; fonts from matplotlib's DejaVu so any name prints): title, date,
data version, a map, a chart and a table per theme, sources and licences, method notes, caveats."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import matplotlib
import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from sna import db
from sna.analysis import formatting as fmt
from sna.analysis import methods
from sna.analysis import profile as pf
from sna.reports import images
from sna.reports.figures import Figures, version_text

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 233, 236))
TABLE_COLUMNS = ("Indicator", "Period", "Value", "95% CI", "LA", "Region", "England", "vs England")
WIDTHS = (58, 16, 17, 28, 17, 17, 17, 20)


def caveats(con, fig: Figures) -> list[str]:
    """The caveats that apply to this pack (the IoD editions, police.uk, schools, custom-area boundaries)."""
    themes = set(fig.profile["indicator_id"].str.split("_").str[0])
    out = [methods.IOD_NOT_A_SERIES] if {"iod19", "iod25"} & themes else []
    if "police" in themes:
        months = fmt.months_label(db.police_months(con))
        out.append(f"police.uk street-level crime is anonymised: each crime is moved to a nearby 'snap point' (a street, "
                   f"a park or a building) and attributed to that point's LSOA, so small-area counts are approximate. "
                   f"Months held: {months}; rates are per 1,000 residents per month over those months.")
    if fig.subject.area is not None:
        out.append("A set of LSOAs is aggregated with the same rules as wards and local authorities; indicators on the other "
                   "LSOA generation use only the LSOAs wholly inside the area (see the notes).")
    out += [n for n in fig.subject.notes if "not where" in n]
    return out


class Pack(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=15)
        self.set_margins(12, 12, 12)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("DejaVu", "", 6.5)
        self.cell(0, 5, f"{self.footer_text}  ·  page {self.page_no()}", align="C")

    def heading(self, text: str, size: float = 12) -> None:
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def para(self, text: str, size: float = 8) -> None:
        self.set_font("DejaVu", "", size)
        self.multi_cell(0, size * 0.45, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1.2)


def _theme_table(pdf: Pack, rows: pd.DataFrame, is_la: bool) -> None:
    pdf.set_font("DejaVu", "", 6.5)
    with pdf.table(col_widths=WIDTHS, headings_style=HEADINGS, line_height=3.2, text_align="LEFT",
                   first_row_as_headings=True) as table:
        table.row(list(TABLE_COLUMNS))
        for r in rows.to_dict("records"):
            u = r["unit"]
            ci = "no CI" if pd.isna(r["lower"]) else f"{fmt.format_value(r['lower'], u)} to {fmt.format_value(r['upper'], u)}"
            table.row([f"{r['title']} ({u})", str(r["period"]), fmt.format_value(r["value"], u), ci,
                       "this area" if is_la else fmt.format_value(r["lad"], u), fmt.format_value(r["region"], u), fmt.format_value(r["england"], u),
                       r["vs_england"]])


def render(con, fig: Figures, progress: Callable[[str], None] = lambda s: None) -> bytes:
    """The PDF bytes of a profile pack."""
    s = fig.subject
    pdf = Pack(f"SNA profile: {s.name}  ·  {version_text(fig.data_version)}")
    pdf.add_page()
    pdf.heading(f"Area profile: {s.name}", 16)
    pdf.para(f"{s.label} {s.code}" + (f", compared with {fig.lad_name}" if fig.lad_name else "")
             + f", the region and England. Produced {fig.generated} from the SNA explorer for "
             f"{fig.data_version['area_name']} ({version_text(fig.data_version)}).", 9)
    for note in s.notes:
        pdf.para(note)
    progress("drawing the map")
    pdf.image(io.BytesIO(images.map_png(con, s)), w=150, x=30)
    pdf.para("Map: the area in orange over the LSOAs of its local authority. Boundaries: ONS (Open Government Licence "
             "v3.0); contains OS data © Crown copyright and database right.", 6.5)
    counts = fig.profile["vs_england"].value_counts()
    pdf.para(f"{len(fig.profile)} indicators. Compared with England (95% confidence intervals, where the indicator has a "
             f"count numerator): {counts.get('worse', 0)} worse, {counts.get('similar', 0)} similar, "
             f"{counts.get('better', 0)} better; {counts.get('no CI', 0)} have no interval (IoD scores and rates).", 8.5)
    progress("charts and tables per theme")
    for theme, rows in fig.profile.groupby("theme", sort=True):
        pdf.add_page() if pdf.get_y() > 200 else pdf.ln(3)
        pdf.heading(fmt.sentence(str(theme)))
        sp = pf.spine(rows[~rows["unit"].str.contains("count|people|children", case=False)])  # counts are not relative to England
        if len(sp):
            pdf.image(io.BytesIO(images.theme_chart_png(sp, s.name, fig.lad_name)), w=180)
        _theme_table(pdf, rows, s.kind == "lad")
        sources = sorted(set(rows["source"]))
        pdf.para("Sources: " + "; ".join(sources) + ".", 6.5)
    if not fig.not_aggregated.empty:
        pdf.heading("Indicators not shown for this area")
        for status, rows in fig.not_aggregated.groupby("status"):
            pdf.para(f"{fmt.sentence(status)} ({len(rows)}): " + "; ".join(rows["title"].head(40)) + ("..." if len(rows) > 40 else ""), 7)
    pdf.add_page()
    pdf.heading("Method notes")
    for text in (methods.AGGREGATION_WORDS[k] for k in ("sum", "ratio", "weighted_mean", "lsoa_share", "none")):
        pdf.para(text)
    pdf.para(methods.CI_TEXT)
    pdf.heading("Caveats")
    for text in caveats(con, fig):
        pdf.para(text)
    pdf.heading("Sources, vintages and licences")
    used = sorted(set(fig.profile["source"]))
    links = fig.profile.drop_duplicates("source").set_index("source")["link"]
    for source in used:
        pdf.para(f"{source}. {links.get(source) or ''}", 7)
    pdf.para(methods.ATTRIBUTION, 7)
    return bytes(pdf.output())
