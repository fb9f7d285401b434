"""SubRip (.srt) through ``pysrt``, with the checks pysrt does not make.

pysrt (1.1.2, unmaintained since 2020) is lenient where Station must not be: by default it
skips a broken block silently, it reads "aa:bb:cc,ddd" as 00:00:00,000 (non-digits become 0)
and "00:00:01,5" as 5 ms, and with ``ERROR_RAISE`` it reports the blank line *after* a bad
block. So every block is first validated here, with the line number people see in their
editor; pysrt then parses the validated text, and its result is cross-checked.
"""

from __future__ import annotations

import io
import logging
import re

import pysrt

from station.messages import Message
from subtitles.cues import Cue, SubtitleDoc
from subtitles.encodings import decode
from subtitles.formats import (
    Format,
    ReadResult,
    SubtitleFormatError,
    clean_cue_text,
    finish_doc,
    register,
    strip_srt_tags,
)

log = logging.getLogger(__name__)

# HH:MM:SS,mmm --> HH:MM:SS,mmm, "." accepted for ",", hours of any width, then optional
# display coordinates after a space ("X1:100 X2:600 ...", pysrt splits them off on a space).
# Milliseconds must have 3 digits: "01,5" could mean 5 ms (pysrt) or 500 ms (most players),
# so it is refused rather than guessed. ASCII digits only: ``\d`` and ``int`` accept "٣".
_TIMING = re.compile(
    r"\s*([0-9]+):([0-5]?[0-9]):([0-5]?[0-9])[,.]([0-9]{3})\s*-->\s*"
    r"([0-9]+):([0-5]?[0-9]):([0-5]?[0-9])[,.]([0-9]{3})(?: (?:(?!-->).)*)?"
)
_INDEX = re.compile(r"\s*[0-9]+\s*")
_ARROW = "-->"

# SRT is written with CRLF: SubRip itself was a Windows tool and so are most partners'
# subtitle tools (Subtitle Edit, EZTitles, broadcast ingest); every reader we test (pysrt,
# srt, ffmpeg, webvtt-py) also reads CRLF, while some Windows tools mis-read bare LF.
EOL = "\r\n"


def _ms(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Blocks separated by blank lines, each with its first line's 1-based number.

    "Blank" is ``not line.strip()``, exactly as pysrt decides, so both see the same blocks.
    """
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _validate(first: int, block: list[str]) -> tuple[int, int, bool]:
    """(start_ms, end_ms, had an index line) of one block, or the error with its line."""
    if _ARROW in block[0]:
        timing, has_index = 0, False
    elif len(block) > 1 and _ARROW in block[1] and _INDEX.fullmatch(block[0]):
        timing, has_index = 1, True
    elif _INDEX.fullmatch(block[0]):
        found = block[1].strip() if len(block) > 1 else ""
        raise SubtitleFormatError(
            "Line {line}: a cue needs a timestamp line like 00:00:01,000 --> 00:00:02,500 "
            "(found {text!r})", line=first + 1, text=found)
    else:
        raise SubtitleFormatError("Line {line}: text without a timestamp line before it "
                                  "({text!r})", line=first, text=block[0].strip())
    line = block[timing]
    match = _TIMING.fullmatch(line.rstrip())
    if not match:
        raise SubtitleFormatError("Line {line}: bad timestamp {text!r}",
                                  line=first + timing, text=line.strip())
    start, end = _ms(*match.group(1, 2, 3, 4)), _ms(*match.group(5, 6, 7, 8))
    if end < start:
        raise SubtitleFormatError("Line {line}: the cue ends before it starts ({text!r})",
                                  line=first + timing, text=line.strip())
    return start, end, has_index


def parse(text: str, language: str = "und") -> tuple[SubtitleDoc, list[str]]:
    """SRT text (already decoded, "\\n" line ends) to a document and notes; all or nothing."""
    lines = text.split("\n")
    blocks = _blocks(lines)
    checked = [_validate(first, block) for first, block in blocks]
    # pysrt splits on every str.splitlines() boundary (U+2028, \x0c...) in from_string; a
    # list of "\n"-ended lines keeps its blocks identical to ours.
    try:
        items = pysrt.SubRipFile().read([line + "\n" for line in lines],
                                        error_handling=pysrt.ERROR_RAISE)
    except pysrt.Error as exc:  # validated above, so this is a pysrt quirk: still an error
        line = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        raise SubtitleFormatError("Line {line}: {detail}", line=line,
                                  detail=type(exc).__name__) from None
    if len(items) != len(checked):
        raise RuntimeError(f"pysrt read {len(items)} SRT blocks, the validator {len(checked)}")
    notes: list[str] = []
    cues: list[Cue] = []
    tagged = 0
    numbers: list[int] = []
    for item, (first, _block), (start, end, has_index) in zip(items, blocks, checked,
                                                                strict=True):
        if (item.start.ordinal, item.end.ordinal) != (start, end):
            raise RuntimeError(f"pysrt read line {first} as {item.start} --> {item.end}")
        if has_index and isinstance(item.index, int):
            numbers.append(item.index)
        plain, had_tags = strip_srt_tags(item.text)
        tagged += had_tags
        cues.append(Cue(start, end, clean_cue_text(plain)))
    if numbers != list(range(1, len(cues) + 1)):
        notes.append(Message("The cue numbers were missing, repeated or out of order; Station "
                          "numbers cues itself"))
    if tagged:
        notes.append(Message("Removed formatting tags (italics, bold, colour, position) from "
                          "{count} cues", count=tagged))
    return finish_doc(cues, language, notes), notes


def read(data: bytes, language: str = "und") -> ReadResult:
    """Read an uploaded .srt in any encoding Station knows (see ``subtitles.encodings``)."""
    text, encoding, notes = decode(data, language=language)
    doc, more = parse(text, language)
    log.debug("SRT: %d cues", len(doc.cues))
    return ReadResult(doc, [*notes, *more], encoding)


def _time(ms: int) -> pysrt.SubRipTime:
    return pysrt.SubRipTime.from_ordinal(max(ms, 0))


def write(doc: SubtitleDoc) -> bytes:
    """UTF-8 (no BOM), NFC, CRLF, cues numbered from 1, HH:MM:SS,mmm; empty cues left out."""
    items = pysrt.SubRipFile(eol=EOL)
    for cue in doc.cues:
        text = clean_cue_text(cue.text)
        if not text:
            continue
        items.append(pysrt.SubRipItem(len(items) + 1, _time(cue.start_ms),
                                      _time(max(cue.end_ms, cue.start_ms)), text))
    out = io.StringIO()
    items.write_into(out)
    return out.getvalue().encode("utf-8")


FORMAT = register(Format("srt", "srt", "application/x-subrip", read, write))
