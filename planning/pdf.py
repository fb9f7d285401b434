"""The rundown on paper: the running order with its timings, then the anchor's script.

The same document as the page and ``station rundown show`` (``planning.script.document``),
so the studio's printout never disagrees with the screen. A PDF carries its font: DejaVu Sans
(every Vietnamese letter), found by fontconfig as the subtitle burn-in finds it
(``subtitles.fonts``); the results exports embed the same family.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from planning.script import KIND_LABELS, over_under
from station.errors import StationError
from station.i18n import N_, translate
from station.messages import render
from subtitles.fonts import font_file

_ = N_
FAMILY = "DejaVu"
# (heading, width in mm) of the running order's columns on A4 landscape's 267 mm of text.
COLUMNS = ((_("No."), 10), (_("On air"), 20), (_("Kind"), 32), (_("Title"), 101),
           (_("Length"), 20), (_("Total"), 22), (_("Back time"), 22), (_("Anchor"), 40))


def _pdf() -> FPDF:
    path = font_file("DejaVu Sans")
    if path is None:
        raise StationError("The font {name} is missing; install fonts-dejavu-core",
                           name="DejaVu Sans")
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(True, 12)
    pdf.add_font(FAMILY, "", str(path))
    return pdf


def _running_order(pdf: FPDF, doc: dict[str, Any], lang: str) -> None:
    pdf.add_page()
    pdf.set_font(FAMILY, size=15)
    pdf.cell(0, 8, doc["title"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=9)
    pdf.cell(0, 6, render(_("{channel}, on air {on_air}, off air {off_air}"), lang, {
        "channel": doc["channel"], "on_air": doc["on_air"], "off_air": doc["off_air"]}),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_fill_color(233, 239, 246)
    for heading, width in COLUMNS:
        pdf.cell(width, 7, translate(heading, lang), border=1, fill=True)
    pdf.ln()
    for line in doc["lines"]:
        mark = " *" if line["changed_after_approval"] else ""
        values = (str(line["position"] + 1), line["front_time"],
                  translate(KIND_LABELS[line["kind"]], lang), line["title"] + mark,
                  line["duration"], line["cumulative"], line["back_time"], line["anchor"])
        for (_heading, width), value in zip(COLUMNS, values, strict=True):
            text = value if pdf.get_string_width(value) < width - 2 else \
                value[:max(1, int(len(value) * (width - 4) / pdf.get_string_width(value)))] + "…"
            pdf.cell(width, 6.5, text, border=1)
        pdf.ln()
    pdf.ln(2)
    pdf.set_font(FAMILY, size=11)
    pdf.cell(0, 7, render(_("Total {total} of {planned}: {over_under}"), lang, {
        "total": doc["total"], "planned": doc["planned"], "over_under": over_under(doc, lang)}),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _script(pdf: FPDF, doc: dict[str, Any], lang: str) -> None:
    """One block per line: its time and kind, and what the anchor reads, large."""
    pdf.add_page()
    for line in doc["lines"]:
        pdf.set_font(FAMILY, size=9)
        who = f" · {line['anchor']}" if line["anchor"] else ""
        pdf.multi_cell(0, 5, f"[{line['front_time']}] {line['position'] + 1}. "
                       f"{translate(KIND_LABELS[line['kind']], lang).upper()}{who}: "
                       f"{line['title']} ({line['duration']})",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if line["anchor_text"]:
            pdf.set_font(FAMILY, size=16)
            pdf.multi_cell(0, 8, line["anchor_text"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)


def write(doc: dict[str, Any], lang: str = "vi") -> bytes:
    """The PDF of a rundown document: the running order, then the anchor's script."""
    pdf = _pdf()
    pdf.set_lang("vi-VN" if lang == "vi" else "en")
    pdf.set_title(doc["title"])
    _running_order(pdf, doc, lang)
    _script(pdf, doc, lang)
    return bytes(pdf.output())
