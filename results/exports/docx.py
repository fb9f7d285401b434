"""The review as a Word document (python-docx), laid out as a Vietnamese administrative report.

A4, margins 20/20/30/15 mm and Times New Roman 13 pt as Decree 30/2020/NĐ-CP asks; the
header (issuing body, national name and motto, place and date), the title, numbered
sections with their tables and charts, the notes on how figures are counted, then the
recipients and the signer. Word shows Vietnamese with Times New Roman (Unicode, TCVN 6909).
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from results import charts
from results.exports.report import Report, build, numbered
from results.labels import cell, column_label, text
from results.types import Results, Table
from station.i18n import N_ as _

FONT = "Times New Roman"
NUMERIC = ("count", "minutes", "percent", "bytes", "number")


def _font(run: Any, *, size: float | None = None, bold: bool = False,
          italic: bool = False) -> Any:
    run.font.name = FONT
    run.bold, run.italic = bold or None, italic or None
    if size:
        run.font.size = Pt(size)
    return run


def _paragraph(container: Any, text: str = "", *, align: Any = None, size: float | None = None,
               bold: bool = False, italic: bool = False, space_after: float = 3,
               first_line: float | None = None) -> Any:
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    paragraph.paragraph_format.space_before = Pt(0)
    if first_line is not None:
        paragraph.paragraph_format.first_line_indent = Cm(first_line)
    if text:
        _font(paragraph.add_run(text), size=size, bold=bold, italic=italic)
    return paragraph


def _cell_text(target: Any, text: str, *, align: Any = None, bold: bool = False,
               italic: bool = False, size: float = 13, space_after: float = 0) -> None:
    paragraph = target.paragraphs[0] if not target.paragraphs[0].text else \
        target.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    _font(paragraph.add_run(text), size=size, bold=bold, italic=italic)


def _rule(cell_: Any, width_chars: int = 14) -> None:
    """The short line under the motto (a bottom border would span the whole cell)."""
    _cell_text(cell_, "―" * width_chars, align=WD_ALIGN_PARAGRAPH.CENTER, size=8)


def _shade(cell_: Any, colour: str) -> None:
    properties = cell_._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    properties.append(shading)


def _header(doc: Any, report: Report) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(9.5)
    for line in report.agency:
        _cell_text(left, line, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=12)
    _rule(left, 10)
    _cell_text(left, report.number, align=WD_ALIGN_PARAGRAPH.CENTER, size=13,
               space_after=2)
    _cell_text(right, report.nation[0], align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=12)
    _cell_text(right, report.nation[1], align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=13)
    _rule(right, 18)
    _cell_text(right, report.place_date, align=WD_ALIGN_PARAGRAPH.CENTER, italic=True,
               size=13)


def _table(doc: Any, table: Table, lang: str) -> None:
    columns = table.columns
    rows = [*table.rows, *([table.total] if table.total else [])]
    out = doc.add_table(rows=1 + len(rows), cols=len(columns), style="Table Grid")
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, column in enumerate(columns):
        header = out.rows[0].cells[i]
        _cell_text(header, column_label(column, lang), align=WD_ALIGN_PARAGRAPH.CENTER,
                   bold=True, size=11)
        _shade(header, "E8EEF7")
    for r, row in enumerate(rows, start=1):
        is_total = table.total is not None and r == len(rows)
        for i, column in enumerate(columns):
            if i == 0 and is_total:
                value = text(_("Total (row)"), lang)
            elif is_total and column.key not in row:
                value = ""
            else:
                value = cell(column, row.get(column.key), lang)
            _cell_text(out.rows[r].cells[i], value, bold=is_total, size=11,
                       align=WD_ALIGN_PARAGRAPH.RIGHT if column.kind in NUMERIC
                       else WD_ALIGN_PARAGRAPH.LEFT)


def _signature(doc: Any, report: Report) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Cm(8), Cm(8)
    _cell_text(left, report.recipients_title, bold=True, italic=True, size=12)
    for line in report.recipients:
        _cell_text(left, line, size=11)
    _cell_text(right, report.signer[0], align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=13)
    _cell_text(right, report.signer[1], align=WD_ALIGN_PARAGRAPH.CENTER, italic=True, size=12)


def write(results: Results, lang: str = "vi", **_options: Any) -> bytes:
    """The DOCX file's bytes."""
    report = build(results, lang)
    images = charts.render_all(results, lang, width=7.0, height=3.0, dpi=150)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.core_properties.title = " ".join(report.title)
    doc.core_properties.author = "Station"
    doc.core_properties.language = "vi-VN" if lang == "vi" else "en"

    _header(doc, report)
    _paragraph(doc, space_after=6)
    for i, line in enumerate(report.title):
        _paragraph(doc, line, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True,
                   size=14 if i == 0 else 13, space_after=0)
    _paragraph(doc, report.dates, align=WD_ALIGN_PARAGRAPH.CENTER, italic=True, space_after=0)
    if report.filters:
        _paragraph(doc, report.filters, align=WD_ALIGN_PARAGRAPH.CENTER, italic=True,
                   space_after=0)
    _paragraph(doc, "―" * 8, align=WD_ALIGN_PARAGRAPH.CENTER, size=8, space_after=8)
    _paragraph(doc, report.intro, first_line=1, space_after=6)

    for block, caption in numbered(report):
        if block.kind == "section":
            _paragraph(doc, block.text, bold=True, space_after=4).paragraph_format \
                .space_before = Pt(8)
        elif block.kind == "paragraph":
            _paragraph(doc, block.text, first_line=1, space_after=4)
        elif block.kind == "table" and block.table is not None:
            _paragraph(doc, caption, bold=True, italic=True, size=12, space_after=2)
            _table(doc, block.table, lang)
            _paragraph(doc, space_after=2)
        elif block.kind == "chart" and block.chart in images:
            doc.add_picture(io.BytesIO(images[block.chart]), width=Cm(16))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _paragraph(doc, caption, align=WD_ALIGN_PARAGRAPH.CENTER, italic=True, size=11,
                       space_after=6)

    _paragraph(doc, report.notes_title, bold=True, italic=True, size=12, space_after=2)
    for note in report.notes:
        paragraph = _paragraph(doc, f"- {note}", italic=True, size=11, space_after=1)
        for run in paragraph.runs:
            run.font.color.rgb = RGBColor(0x37, 0x41, 0x51)
    _paragraph(doc, space_after=6)
    _signature(doc, report)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
