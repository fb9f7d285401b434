"""Subtitle formats: a registry of reader/writer pairs over ``subtitles.cues.SubtitleDoc``.

Readers take bytes (any supported encoding) and return the document plus notes on what was
converted; writers return UTF-8 NFC bytes. A format registers itself by name.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from station.errors import ValidationError
from station.messages import Message
from station.registry import Registry
from subtitles.cues import Cue, SubtitleDoc, normalize_text

log = logging.getLogger(__name__)


class SubtitleFormatError(ValidationError):
    """A subtitle file that cannot be read or written; the message names the line."""

    http_status = 422


@dataclass
class ReadResult:
    """What a reader made of a file, and every conversion it applied (shown to the user)."""

    doc: SubtitleDoc
    notes: list[str] = field(default_factory=list)
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    mimetype: str
    read: Callable[[bytes, str], ReadResult] | None
    write: Callable[[SubtitleDoc], bytes] | None


FORMATS: Registry[Format] = Registry("Unknown subtitle format {name}; use one of {names}",
                                     error=SubtitleFormatError)


def register(fmt: Format) -> Format:
    return FORMATS.add(fmt.name, fmt)


# Names people type for the same format (file extensions, older names).
ALIASES = {"vtt": "webvtt", "dfxp": "ttml", "ebu-tt-d": "ttml", "imsc": "ttml", "subrip": "srt"}


def get(name: str) -> Format:
    """The registered format for a name or a common alias ("vtt", "dfxp")."""
    _load()
    key = name.lower()
    if ALIASES.get(key, key) in FORMATS:
        return FORMATS[ALIASES.get(key, key)]
    return FORMATS.lookup(name)


def read(name: str, data: bytes, *, language: str = "und") -> ReadResult:
    """Read ``data`` as format ``name``: the whole file or an error, never half of it."""
    fmt = get(name)
    if fmt.read is None:
        raise SubtitleFormatError(
            "Station writes {name} files but cannot import them; use SRT, WebVTT or TTML",
            name=fmt.name,
        )
    result = fmt.read(data, language)
    log.info("read %s file: %d cues, encoding %s, %d notes", fmt.name,
             len(result.doc.cues), result.encoding, len(result.notes))
    return result


def write(name: str, doc: SubtitleDoc) -> bytes:
    """Write ``doc`` as format ``name`` (UTF-8, NFC), or refuse with the reason."""
    fmt = get(name)
    if fmt.write is None:
        raise SubtitleFormatError("Station reads {name} files but does not write them",
                                  name=fmt.name)
    return fmt.write(doc)


# File-name extensions people actually send, mapped to the format that reads them.
_EXTENSIONS = {
    ".srt": "srt",
    ".vtt": "webvtt",
    ".webvtt": "webvtt",
    ".ttml": "ttml",
    ".dfxp": "ttml",
    ".xml": "ttml",
    ".stl": "stl",
    ".txt": "txt",
    ".docx": "docx",
}
_SRT_TIMING = re.compile(r"^\s*\d+:\d{1,2}:\d{1,2}[,.]\d+\s*-->", re.MULTILINE)
_TTML_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?tt[\s>]")


def detect(filename: str, data: bytes) -> str:
    """The format of an uploaded file: its content when that is unambiguous, else its name."""
    from subtitles.encodings import sniff_text

    head = sniff_text(data)
    stripped = head.lstrip()
    if stripped.startswith("WEBVTT"):
        return "webvtt"
    if stripped.startswith("<") and _TTML_ROOT.search(head):
        return "ttml"
    if data[3:11] in (b"STL25.01", b"STL30.01", b"STL24.01", b"STL23.01", b"STL50.01"):
        return "stl"  # EBU STL GSI block: code page number then disk format code
    if _SRT_TIMING.search(head):
        return "srt"  # also an SRT saved as .txt, as translators' editors do
    extension = os.path.splitext(filename or "")[1].lower()
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    raise SubtitleFormatError(
        "Station cannot tell which subtitle format {filename} is; use .srt, .vtt or .ttml",
        filename=filename or "?",
    )


# ---- helpers the readers and writers share ----------------------------------------------

# SRT formatting people meet: <i> <b> <u> <s> <font ...> (any case), ASS overrides such as
# {\an8} (position) and {\i1}, and <br> as a line break. Other "<...>" is text in SRT:
# players show "<bạn>" as typed, so it is kept.
_SRT_TAGS = re.compile(r"</?(?:[ibus]|font)(?:\s[^<>\n]*)?>|\{\\[^{}\n]*\}", re.IGNORECASE)
_SRT_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x85": "\n", "\t": " "})
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")


def strip_srt_tags(text: str) -> tuple[str, bool]:
    """SRT text without formatting tags, and whether there were any (line breaks kept)."""
    if "<" not in text and "{" not in text:
        return text, False
    text = _SRT_BREAK.sub("\n", text)
    plain, count = _SRT_TAGS.subn("", text)
    return plain, count > 0


def clean_cue_text(text: str) -> str:
    """Cue text as the model keeps it and every format can carry: NFC, "\\n" breaks, no
    blank lines, no control characters (XML forbids them; players show them as boxes)."""
    return normalize_text(_CONTROLS.sub("", text.translate(_LINE_BREAKS)))


def finish_doc(cues: list[Cue], language: str, notes: list[str]) -> SubtitleDoc:
    """The document a reader returns: never empty, in time order (with a note if sorted)."""
    if not cues:
        raise SubtitleFormatError("The file has no subtitles")
    keys = [(c.start_ms, c.end_ms) for c in cues]
    doc = SubtitleDoc(language, cues)
    if any(a > b for a, b in pairwise(keys)):
        notes.append(Message("The cues were not in time order; sorted by start time"))
        doc = doc.sorted()
    return doc


def _load() -> None:
    """Import the format modules so they register (kept lazy: no work at import time).

    Always all of them: one module imported directly must not hide the others."""
    from subtitles.formats import srt, ttml, txt, webvtt  # noqa: F401  (ttml: also stl)
