"""TTML for broadcast partners: EBU-TT-D (EBU Tech 3380) that is also IMSC1 text profile,
read back through ``ttconv``; and EBU STL, which Station refuses to write.

EBU-TT-D carries any Unicode script, so it is the broadcast format for Vietnamese, Thái
(Tai Viet) and the VOV5/VTV4 languages. EBU STL (EBU Tech 3264) only has Latin/Cyrillic/
Greek/Arabic/Hebrew code tables: it cannot carry ơ, ư or any tone under or over a vowel
(docs/standards.md "Subtitle formats": refuse clearly, never write a broken file).
"""

from __future__ import annotations

import logging
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from xml.sax.saxutils import escape, quoteattr

from ttconv import model
from ttconv.imsc import reader as imsc_reader

from subtitles.cues import Cue, SubtitleDoc
from subtitles.formats import (
    Format,
    ReadResult,
    SubtitleFormatError,
    clean_cue_text,
    finish_doc,
    register,
)

log = logging.getLogger(__name__)

TT = "http://www.w3.org/ns/ttml"
NAMESPACES = {
    "ttp": "http://www.w3.org/ns/ttml#parameter",
    "tts": "http://www.w3.org/ns/ttml#styling",
    "ttm": "http://www.w3.org/ns/ttml#metadata",
    "ebuttm": "urn:ebu:tt:metadata",
    "ebutts": "urn:ebu:tt:style",
}
# ebuttm:conformsToStandard values: EBU-TT-D 1.0.1 (Tech 3380, 2018) and IMSC1 text profile.
CONFORMS_TO = ("urn:ebu:tt:distribution:2018-04",
               "http://www.w3.org/ns/ttml/profile/imsc1/text")
_TAI_VIET = re.compile("[\uaa80-\uaadf]")
_SPACES = re.compile(r"\s+")


def _stamp(ms: int) -> str:
    """EBU-TT-D media time: hours (2+ digits), minutes, seconds and a 3-digit fraction."""
    s, ms = divmod(max(ms, 0), 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _font_family(doc: SubtitleDoc) -> str:
    """A generic family players always have; Tai Viet needs a named font first."""
    if "-tavt" in doc.language.lower() or any(_TAI_VIET.search(c.text) for c in doc.cues):
        return "'Noto Sans Tai Viet', proportionalSansSerif"
    return "proportionalSansSerif"


def write(doc: SubtitleDoc) -> bytes:
    """An EBU-TT-D / IMSC1 document: one bottom region, text in spans, ``<br/>`` breaks."""
    xmlns = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    title = (f"      <ttm:title>{escape(doc.title)}</ttm:title>\n"
             if doc.title.strip() else "")
    standards = "".join(f"        <ebuttm:conformsToStandard>{uri}</ebuttm:conformsToStandard>\n"
                        for uri in CONFORMS_TO)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<tt xmlns="{TT}" {xmlns} xml:lang={quoteattr(doc.language or "und")} '
        'ttp:timeBase="media" ttp:cellResolution="32 15">\n',
        "  <head>\n    <metadata>\n", title,
        "      <ebuttm:documentMetadata>\n", standards, "      </ebuttm:documentMetadata>\n",
        "    </metadata>\n    <styling>\n",
        f'      <style xml:id="base" tts:fontFamily={quoteattr(_font_family(doc))} '
        'tts:fontSize="100%" tts:lineHeight="125%" tts:textAlign="center" '
        'tts:color="#FFFFFF"/>\n',
        '      <style xml:id="text" tts:backgroundColor="#000000C2" '
        'ebutts:linePadding="0.5c"/>\n',
        "    </styling>\n    <layout>\n",
        # The bottom 80% x 80% box, text aligned to its end: the lower safe area.
        '      <region xml:id="bottom" tts:origin="10% 10%" tts:extent="80% 80%" '
        'tts:displayAlign="after" tts:overflow="visible"/>\n',
        '    </layout>\n  </head>\n  <body style="base">\n    <div region="bottom">\n',
    ]
    number = 0
    for cue in doc.cues:
        text = clean_cue_text(cue.text)
        if not text:
            continue
        number += 1
        spans = "<br/>".join(f'<span style="text">{escape(_SPACES.sub(" ", line))}</span>'
                             for line in text.split("\n"))
        parts.append(f'      <p xml:id="sub{number}" begin="{_stamp(cue.start_ms)}" '
                     f'end="{_stamp(max(cue.end_ms, cue.start_ms))}">{spans}</p>\n')
    parts.append("    </div>\n  </body>\n</tt>\n")
    return "".join(parts).encode("utf-8")


# ---- reader (through ttconv) ------------------------------------------------------------

class _Collect(logging.Handler):
    """Keeps ttconv's error log records: ttconv logs a bad document instead of raising."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _ttconv_errors() -> Iterator[_Collect]:
    handler = _Collect()
    ttconv_log = logging.getLogger("ttconv")
    ttconv_log.addHandler(handler)
    try:
        yield handler
    finally:
        ttconv_log.removeHandler(handler)


def _text(element: model.ContentElement, preserve: bool) -> str:
    """The characters of a paragraph, with ``br`` as a line break (ruby readings left out)."""
    if isinstance(element, model.Text):
        text = element.get_text()
        return text if preserve else _SPACES.sub(" ", text)
    if isinstance(element, model.Br):
        return "\n"
    if isinstance(element, model.Rt | model.Rp | model.Rtc):
        return ""
    preserve = element.get_space() is model.WhiteSpaceHandling.PRESERVE or preserve
    return "".join(_text(child, preserve) for child in element)


def _paragraphs(element: model.ContentElement, parent_begin: Fraction,
                parent_end: Fraction | None) -> Iterator[tuple[Fraction, Fraction | None, str]]:
    """Every ``p`` with absolute times: ttconv keeps begin/end relative to the parent."""
    begin = parent_begin + (element.get_begin() or 0)
    end = parent_begin + element.get_end() if element.get_end() is not None else parent_end
    if isinstance(element, model.P):
        preserve = element.get_space() is model.WhiteSpaceHandling.PRESERVE
        yield begin, end, _text(element, preserve)
        return
    for child in element:
        yield from _paragraphs(child, begin, end)


def _ms(seconds: Fraction) -> int:
    return round(seconds * 1000)


def parse(data: bytes, language: str = "und") -> tuple[SubtitleDoc, list[str]]:
    """TTML bytes (the XML declaration names the encoding) to a document; all or nothing."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SubtitleFormatError("Line {line}: {detail}", line=exc.position[0],
                                  detail=str(exc)) from None
    with _ttconv_errors() as errors:
        content = imsc_reader.to_model(ET.ElementTree(root))
    if content is None or errors.messages:
        detail = errors.messages[0] if errors.messages else "the root element is not tt"
        raise SubtitleFormatError("This is not a TTML file: {detail}", detail=detail)
    body = content.get_body()
    found = list(_paragraphs(body, Fraction(0), None)) if body is not None else []
    # ttconv 1.2.3 drops every p inside a div (or body) that has a begin but no end: it
    # compares the container's begin with its children's ends in different time bases.
    # Count the p elements that should be shown, so no cue is lost without a word.
    written = [p for p in root.iter(f"{{{TT}}}p")
               if p.get("begin") is None or p.get("begin") != p.get("end")]
    if len(found) < len(written):
        raise SubtitleFormatError(
            "Station could not read the timing of {count} of the {total} cues in this TTML "
            "file; ask for times on each cue (p element)",
            count=len(written) - len(found), total=len(written))
    cues: list[Cue] = []
    for number, (begin, end, text) in enumerate(found, 1):
        if end is None:
            raise SubtitleFormatError("Cue {index} has no end time", index=number)
        cues.append(Cue(_ms(begin), _ms(end), clean_cue_text(text)))
    notes: list[str] = []
    language = language if language != "und" else (content.get_lang() or language)
    return finish_doc(cues, language, notes), notes


def read(data: bytes, language: str = "und") -> ReadResult:
    """Read an uploaded TTML / IMSC / EBU-TT-D file through ttconv's IMSC reader."""
    doc, notes = parse(data, language)
    log.debug("TTML: %d cues", len(doc.cues))
    return ReadResult(doc, notes, "utf-8")


FORMAT = register(Format("ttml", "ttml", "application/ttml+xml", read, write))


# ---- EBU STL: refused -------------------------------------------------------------------

# Diacritics ISO 6937 (STL's Latin code table) can put on a letter, one at a time.
_STL_MARKS = frozenset("\u0300\u0301\u0302\u0303\u0304\u0306\u0307\u0308\u030a\u0327"
                       "\u030b\u0328\u030c")
_STL_SPECIALS = frozenset("¡¢£¥§¤‘“«°±²³×µ¶·’”»¼½¾¿―¹®©™♪¬¦⅛⅜⅝⅞ΩÆĐªĦĲĿŁØŒºÞŦŊŉĸæđðħıĳŀłøœßþŧŋ\xad")
# Marks only Vietnamese puts on Latin letters: horn, dot below, hook above.
_VIETNAMESE_MARKS = frozenset("\u031b\u0323\u0309")


def _stl_can_carry(char: str) -> bool:
    if char == "\n" or " " <= char <= "~" or char in _STL_SPECIALS:
        return True
    decomposed = unicodedata.normalize("NFD", char)
    return (len(decomposed) == 2 and decomposed[0].isascii() and decomposed[0].isalpha()
            and decomposed[1] in _STL_MARKS)


def _vietnamese(char: str) -> bool:
    decomposed = unicodedata.normalize("NFD", char)
    return bool(_VIETNAMESE_MARKS & set(decomposed)) or (
        decomposed[0].isascii() and len(decomposed) > 2) or char in "ơưƠƯ"


def write_stl(doc: SubtitleDoc) -> bytes:
    """Refuse: Vietnamese (any Vietnamese track, even a line that happens to fit) and other
    text STL cannot carry get the reason; text it could carry is pointed to TTML too, as
    Station has no STL writer."""
    missing = sorted({ch for cue in doc.cues for ch in cue.text if not _stl_can_carry(ch)})
    if doc.language.lower().split("-")[0] == "vi" or any(_vietnamese(ch) for ch in missing):
        raise SubtitleFormatError("EBU STL cannot carry Vietnamese (its character tables lack "
                                  "ơ, ư, ả, ạ, ế...); use TTML (EBU-TT-D) or SRT")
    if missing:
        raise SubtitleFormatError(
            "EBU STL cannot carry these characters: {chars}; use TTML (EBU-TT-D) or SRT",
            chars=" ".join(missing[:12]))
    raise SubtitleFormatError("EBU STL export is not supported; use TTML (EBU-TT-D) or SRT")


STL = register(Format("stl", "stl", "application/x-ebu-stl", None, write_stl))
