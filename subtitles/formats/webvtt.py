"""WebVTT (W3C WebVTT: Web Video Text Tracks Format) for the web player and HLS.

The writer emits the plain subset every player reads: the ``WEBVTT`` header, then cues with
``HH:MM:SS.mmm --> HH:MM:SS.mmm`` and escaped text (``&amp; &lt; &gt;``), UTF-8, LF. The
reader follows the W3C parser's block structure for uploaded files: header lines, NOTE,
STYLE and REGION blocks, cue identifiers and cue settings are skipped; cue tags are stripped
and character references decoded. ``webvtt-py`` is used in the tests as the independent
reader; it is not used here because it silently drops malformed cues.
"""

from __future__ import annotations

import html
import logging
import re

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
)

log = logging.getLogger(__name__)

_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_SKIPPED_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")
# Timestamps per the W3C spec: optional hours (2+ digits), minutes and seconds 00-59, "."
# and exactly three digits; settings follow after whitespace.
_STAMP = r"(?:([0-9]{2,}):)?([0-5][0-9]):([0-5][0-9])\.([0-9]{3})"
_TIMING = re.compile(rf"\s*{_STAMP}[ \t]+-->[ \t]+{_STAMP}(?:[ \t].*)?")
_RUBY_TEXT = re.compile(r"<rt(?:[.\s][^>]*)?>.*?</rt>", re.DOTALL)
_TAG = re.compile(r"<[^>\n]*>")
_ARROW = "-->"
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _ms(h: str | None, m: str, s: str, ms: str) -> int:
    return ((int(h or 0) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def _stamp(ms: int) -> str:
    ms = max(ms, 0)
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _blocks(lines: list[str], first: int) -> list[tuple[int, list[str]]]:
    """Blocks separated by blank lines from line index ``first``, with 1-based numbers."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number in range(first, len(lines)):
        line = lines[number]
        if line.strip():
            if not current:
                start = number + 1
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _cue_text(payload: list[str]) -> tuple[str, bool]:
    """Plain text of a cue payload: tags (and ruby annotations) gone, references decoded."""
    raw = "\n".join(payload)
    if "<" in raw:
        plain = _TAG.sub("", _RUBY_TEXT.sub("", raw))
        return html.unescape(plain), True
    return (html.unescape(raw) if "&" in raw else raw), False


def parse(text: str, language: str = "und") -> tuple[SubtitleDoc, list[str]]:
    """WebVTT text (decoded, "\\n" line ends) to a document and notes; all or nothing."""
    lines = text.split("\n")
    if not _HEADER.fullmatch(lines[0].rstrip()):
        raise SubtitleFormatError("This is not a WebVTT file: the first line must be WEBVTT")
    # The header runs to the first blank line; a timing line right under it (no blank line,
    # which the W3C parser would swallow into the header) starts the first cue instead.
    header_end = next((i for i, line in enumerate(lines)
                       if i and (not line.strip() or _ARROW in line)), len(lines))
    cues: list[Cue] = []
    tagged = 0
    for first, block in _blocks(lines, header_end):
        if _SKIPPED_BLOCK.fullmatch(block[0].rstrip()) and _ARROW not in block[0]:
            continue
        if _ARROW in block[0]:
            timing = 0
        elif len(block) > 1 and _ARROW in block[1]:
            timing = 1  # a cue identifier, which Station does not keep
        else:
            raise SubtitleFormatError("Line {line}: text without a timestamp line before it "
                                      "({text!r})", line=first, text=block[0].strip())
        match = _TIMING.fullmatch(block[timing].rstrip())
        if not match:
            raise SubtitleFormatError("Line {line}: bad timestamp {text!r}",
                                      line=first + timing, text=block[timing].strip())
        start, end = _ms(*match.group(1, 2, 3, 4)), _ms(*match.group(5, 6, 7, 8))
        if end < start:
            raise SubtitleFormatError("Line {line}: the cue ends before it starts ({text!r})",
                                      line=first + timing, text=block[timing].strip())
        plain, had_tags = _cue_text(block[timing + 1:])
        tagged += had_tags
        cues.append(Cue(start, end, clean_cue_text(plain)))
    notes: list[str] = []
    if tagged:
        notes.append(Message("Removed formatting tags (italics, bold, colour, position) from "
                          "{count} cues", count=tagged))
    return finish_doc(cues, language, notes), notes


def read(data: bytes, language: str = "und") -> ReadResult:
    """Read an uploaded .vtt (meant to be UTF-8; other encodings are converted with a note)."""
    text, encoding, notes = decode(data, language=language)
    doc, more = parse(text, language)
    log.debug("WebVTT: %d cues", len(doc.cues))
    return ReadResult(doc, [*notes, *more], encoding)


def write(doc: SubtitleDoc) -> bytes:
    """UTF-8, LF, ``WEBVTT`` header, one block per non-empty cue, text escaped."""
    parts = ["WEBVTT\n"]
    for cue in doc.cues:
        text = clean_cue_text(cue.text)
        if not text:
            continue
        parts.append(f"\n{_stamp(cue.start_ms)} --> {_stamp(max(cue.end_ms, cue.start_ms))}\n"
                     f"{text.translate(_ESCAPES)}\n")
    return "".join(parts).encode("utf-8")


FORMAT = register(Format("webvtt", "vtt", "text/vtt", read, write))
