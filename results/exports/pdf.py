"""The review as a PDF (fpdf2), the same administrative layout as the DOCX.

A PDF carries its fonts: DejaVu Sans (regular, bold, oblique) is embedded, subset, because it
has every Vietnamese letter; it comes from Debian's fonts-dejavu-core, or from the copy
matplotlib ships when that package is missing. Charts are the same PNGs as the web page's.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from results import charts
from results.exports.report import Report, build, numbered
from results.labels import cell, column_label, text
from results.types import Results, Table
from station.errors import StationError
from station.i18n import N_ as _

FAMILY = "DejaVu"
STYLES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf",
          "BI": "DejaVuSans-BoldOblique.ttf"}
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
NUMERIC = ("count", "minutes", "percent", "bytes", "number")
LEFT, TOP, RIGHT = 25.0, 18.0, 15.0  # mm; A4 is 210 mm wide


@functools.cache
def font_files() -> dict[str, Path]:
    """DejaVu Sans in each style, from the system or else from matplotlib's own copy."""
    import matplotlib

    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    found: dict[str, Path] = {}
    for style, name in STYLES.items():
        for folder in (SYSTEM_FONTS, bundled):
            if (folder / name).is_file():
                found[style] = folder / name
                break
        else:
            raise StationError("The font {name} is missing; install fonts-dejavu-core",
                               name=name)
    return found


class _PDF(FPDF):
    """A4 pages numbered "Trang 2/5" at the bottom."""

    page_word = "Trang"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "I", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"{self.page_word} {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _line(pdf: FPDF, text: str, *, size: float = 11, style: str = "", align: str = "L",
          height: float = 5.5, indent: float = 0.0) -> None:
    pdf.set_font(FAMILY, style, size)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.epw - indent, height, text, align=align, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)


def _header(pdf: FPDF, report: Report) -> None:
    top = pdf.get_y()
    left_w, right_w = 70.0, pdf.epw - 72.0
    pdf.set_font(FAMILY, "B", 10)
    pdf.set_xy(pdf.l_margin, top)
    pdf.multi_cell(left_w, 5, "\n".join(report.agency), align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    _rule(pdf, pdf.l_margin + left_w / 2, 16)
    pdf.set_font(FAMILY, "", 10)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(left_w, 5, report.number, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()

    x = pdf.l_margin + pdf.epw - right_w
    pdf.set_xy(x, top)
    pdf.set_font(FAMILY, "B", 10)
    pdf.multi_cell(right_w, 5, report.nation[0], align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 10.5)
    pdf.set_x(x)
    pdf.multi_cell(right_w, 5, report.nation[1], align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    _rule(pdf, x + right_w / 2, 44)
    pdf.set_font(FAMILY, "I", 10)
    pdf.set_x(x)
    pdf.multi_cell(right_w, 5, report.place_date, align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)


def _rule(pdf: FPDF, centre: float, width: float) -> None:
    y = pdf.get_y() + 1.2
    pdf.set_line_width(0.3)
    pdf.line(centre - width / 2, y, centre + width / 2, y)
    pdf.set_y(y + 1.5)


def _table(pdf: FPDF, table: Table, lang: str) -> None:
    columns = table.columns
    widths = [2.2 if i == 0 else (1.6 if c.kind in ("text", "group", "language") else 1.0)
              for i, c in enumerate(columns)]
    size = 9 if len(columns) <= 6 else 8
    pdf.set_font(FAMILY, "", size)
    bold = FontFace(emphasis="BOLD")
    with pdf.table(col_widths=widths, line_height=5, text_align="LEFT", width=pdf.epw,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(232, 238, 247)),
                   padding=(0.8, 1.2)) as out:
        heading = out.row()
        for column in columns:
            heading.cell(column_label(column, lang), align="CENTER")
        for row in table.rows:
            line = out.row()
            for column in columns:
                line.cell(cell(column, row.get(column.key), lang),
                          align="RIGHT" if column.kind in NUMERIC else "LEFT")
        if table.total:
            line = out.row()
            for i, column in enumerate(columns):
                value = text(_("Total (row)"), lang) if i == 0 else (
                    cell(column, table.total.get(column.key), lang)
                    if column.key in table.total else "")
                line.cell(value, style=bold,
                          align="RIGHT" if column.kind in NUMERIC and i else "LEFT")
    pdf.ln(2)


def _signature(pdf: FPDF, report: Report) -> None:
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    top = pdf.get_y() + 4
    half = pdf.epw / 2
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(FAMILY, "BI", 10)
    pdf.multi_cell(half, 5, report.recipients_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 9)
    for line in report.recipients:
        pdf.multi_cell(half, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(half, 5.5, report.signer[0], align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "I", 9)
    pdf.multi_cell(half, 5, report.signer[1], align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)


def write(results: Results, lang: str = "vi", **_options: Any) -> bytes:
    """The PDF file's bytes."""
    report = build(results, lang)
    images = charts.render_all(results, lang, width=7.0, height=3.0, dpi=150)
    pdf = _PDF(format="A4", unit="mm")
    pdf.page_word = text(_("Page"), lang)
    for style, path in font_files().items():
        pdf.add_font(FAMILY, style, str(path))
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(" ".join(report.title))
    pdf.set_author("Station")
    pdf.set_creator("Station")
    pdf.set_lang("vi-VN" if lang == "vi" else "en")
    pdf.set_creation_date(results.generated_at)
    pdf.add_page()

    _header(pdf, report)
    for i, line in enumerate(report.title):
        _line(pdf, line, size=14 if i == 0 else 12, style="B", align="C",
              height=7 if i == 0 else 6)
    _line(pdf, report.dates, size=10, style="I", align="C")
    if report.filters:
        _line(pdf, report.filters, size=10, style="I", align="C")
    pdf.ln(1.5)
    _rule(pdf, pdf.l_margin + pdf.epw / 2, 30)
    pdf.ln(3)
    _line(pdf, report.intro, indent=0)

    for block, caption in numbered(report):
        if block.kind == "section":
            if pdf.get_y() > pdf.h - 50:
                pdf.add_page()
            pdf.ln(2)
            _line(pdf, block.text, size=11, style="B")
        elif block.kind == "paragraph":
            _line(pdf, block.text, size=10.5, align="J")
        elif block.kind == "table" and block.table is not None:
            if pdf.get_y() > pdf.h - 45:
                pdf.add_page()
            _line(pdf, caption, size=10, style="BI")
            _table(pdf, block.table, lang)
        elif block.kind == "chart" and block.chart in images:
            if pdf.get_y() > pdf.h - 85:
                pdf.add_page()
            pdf.image(io.BytesIO(images[block.chart]), x=pdf.l_margin, w=pdf.epw)
            _line(pdf, caption, size=9, style="I", align="C")
            pdf.ln(2)

    pdf.ln(2)
    _line(pdf, report.notes_title, size=10, style="BI")
    for note in report.notes:
        _line(pdf, f"- {note}", size=9, style="I", height=4.5)
    _signature(pdf, report)
    return bytes(pdf.output())
