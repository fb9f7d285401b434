"""Plain transcripts for radio (VOV5): scripts for voice-over and translation, as TXT and DOCX.

One cue per paragraph with its start time ("[00:01:02] ..."), the cue's lines joined into
running text, because a script is read aloud and translated, not displayed. Write-only.
"""

from __future__ import annotations

import io
import logging

from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from subtitles.cues import SubtitleDoc
from subtitles.formats import Format, clean_cue_text, register

log = logging.getLogger(__name__)

# TXT goes to people on Windows: CRLF, and a UTF-8 byte order mark so that Notepad before
# Windows 10 1903 and Word's plain-text import read Vietnamese as UTF-8, not as cp1258.
TXT_EOL = "\r\n"
TXT_BOM = "\ufeff"

# Fonts with the script's letters, on the station's Windows PCs or from Noto. Times New
# Roman is the font of Vietnamese administrative documents (Decree 30/2020/ND-CP) and has
# every Vietnamese letter; other scripts get a font that has theirs.
_FONTS = {
    "blt-tavt": "Noto Sans Tai Viet",
    "lo": "Noto Sans Lao",
    "th": "Tahoma",
    "km": "Khmer UI",
    "zh": "SimSun",
    "ja": "MS Mincho",
    "ko": "Malgun Gothic",
}
DEFAULT_FONT = "Times New Roman"


def _clock(ms: int) -> str:
    s = max(ms, 0) // 1000
    return f"[{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}]"


def _paragraphs(doc: SubtitleDoc) -> list[tuple[str, str]]:
    """(start time, running text) for every cue with text."""
    out = []
    for cue in doc.cues:
        text = clean_cue_text(cue.text).replace("\n", " ")
        if text:
            out.append((_clock(cue.start_ms), text))
    return out


def write_txt(doc: SubtitleDoc) -> bytes:
    """The title (if any), then one "[HH:MM:SS] text" paragraph per cue, blank-line separated."""
    parts = [TXT_BOM]
    if doc.title.strip():
        parts.append(doc.title.strip() + TXT_EOL + TXT_EOL)
    parts.extend(f"{clock} {text}{TXT_EOL}{TXT_EOL}" for clock, text in _paragraphs(doc))
    return "".join(parts).encode("utf-8")


def font_for(language: str) -> str:
    """The font to set for ``language`` (BCP-47): most specific tag first."""
    tag = (language or "").lower()
    while tag:
        if tag in _FONTS:
            return _FONTS[tag]
        tag = tag.rpartition("-")[0]
    return DEFAULT_FONT


def write_docx(doc: SubtitleDoc) -> bytes:
    """A Word script: title, language, then one paragraph per cue with its start time in bold."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # A4, as Vietnam prints
    font_name = font_for(doc.language)
    normal = document.styles["Normal"]
    normal.font.name = font_name
    normal.font.size = Pt(13)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.ONE_POINT_FIVE
    run_fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:cs"):  # CJK and complex scripts use their own slots
        run_fonts.set(qn(attribute), font_name)
    for style in ("Title", "Heading 1"):
        document.styles[style].font.name = font_name
    document.core_properties.title = doc.title
    document.core_properties.language = doc.language
    document.add_heading(doc.title.strip() or "Transcript", level=1)
    document.add_paragraph(f"Language: {doc.language}")
    for clock, text in _paragraphs(doc):
        paragraph = document.add_paragraph()
        paragraph.add_run(clock).bold = True
        paragraph.add_run(" " + text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


TXT = register(Format("txt", "txt", "text/plain; charset=utf-8", None, write_txt))
DOCX = register(Format(
    "docx", "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    None, write_docx))
