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
from typing import Any

from station.errors import ValidationError
from station.i18n import register_vi
from subtitles.cues import Cue, SubtitleDoc, normalize_text

log = logging.getLogger(__name__)


class SubtitleFormatError(ValidationError):
    """A subtitle file that cannot be read or written; the message names the line."""

    http_status = 422


class Note(str):
    """A note for the user: English text as a ``str``, plus its template for translation."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Note:
        note = super().__new__(cls, template.format(**params))
        note.template = template
        note.params = params
        return note

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        """Pickle and copy from the template, so a queued job's notes stay translatable."""
        return (self.template,), self.params

    def message(self, lang: str = "en") -> str:
        """Render the note in ``lang`` (falls back to English), like ``StationError``."""
        from station.i18n import translate

        try:
            return translate(self.template, lang).format(**self.params)
        except (KeyError, IndexError, ValueError):
            return str(self)


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


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    FORMATS[fmt.name] = fmt
    return fmt


# Names people type for the same format (file extensions, older names).
ALIASES = {"vtt": "webvtt", "dfxp": "ttml", "ebu-tt-d": "ttml", "imsc": "ttml", "subrip": "srt"}


def get(name: str) -> Format:
    """The registered format for a name or a common alias ("vtt", "dfxp")."""
    _load()
    key = name.lower()
    try:
        return FORMATS[ALIASES.get(key, key)]
    except KeyError:
        raise SubtitleFormatError(
            "Unknown subtitle format {name}; use one of {names}",
            name=name, names=", ".join(sorted(FORMATS)),
        ) from None


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
        notes.append(Note("The cues were not in time order; sorted by start time"))
        doc = doc.sorted()
    return doc


def _load() -> None:
    """Import the format modules so they register (kept lazy: no work at import time).

    Always all of them: one module imported directly must not hide the others."""
    from subtitles.formats import srt, ttml, txt, webvtt  # noqa: F401  (ttml: also stl)


# Vietnamese for every message template the format modules raise or note; the lead merges
# this into ``station.i18n.VI``.
VI_MESSAGES: dict[str, str] = {
    # registry
    "Unknown subtitle format {name}; use one of {names}":
        "Không có định dạng phụ đề {name}; hãy dùng một trong: {names}",
    "Station writes {name} files but cannot import them; use SRT, WebVTT or TTML":
        "Station xuất được tệp {name} nhưng không nhập được; hãy dùng SRT, WebVTT hoặc TTML",
    "Station reads {name} files but does not write them":
        "Station đọc được tệp {name} nhưng không xuất ra định dạng này",
    "Station cannot tell which subtitle format {filename} is; use .srt, .vtt or .ttml":
        "Station không nhận ra định dạng phụ đề của {filename}; hãy dùng .srt, .vtt hoặc .ttml",
    # encodings
    "This file is not a text subtitle file (binary data at byte {offset})":
        "Tệp này không phải tệp phụ đề dạng văn bản (có dữ liệu nhị phân ở byte {offset})",
    "The file starts with a {encoding} byte order mark but is not valid {encoding} "
    "(byte {offset})":
        "Tệp bắt đầu bằng dấu BOM {encoding} nhưng không phải {encoding} hợp lệ "
        "(byte {offset})",
    "This file is not UTF-8 (byte {offset}) and Station cannot tell its encoding; save it "
    "as UTF-8 (Unicode) and upload it again":
        "Tệp này không phải UTF-8 (byte {offset}) và Station không nhận ra bảng mã; hãy lưu "
        "lại dưới dạng UTF-8 (Unicode) rồi tải lên lại",
    "Converted from {encoding} to Unicode ({count} characters changed)":
        "Đã chuyển từ {encoding} sang Unicode ({count} ký tự đã đổi)",
    "The file is UTF-8 but its text was typed in {encoding}; converted to Unicode "
    "({count} characters changed)":
        "Tệp là UTF-8 nhưng chữ được gõ bằng bảng mã {encoding}; đã chuyển sang Unicode "
        "({count} ký tự đã đổi)",
    "Read as Windows-1252 (Western European): the file is not UTF-8; check the accents":
        "Đã đọc theo Windows-1252 (Tây Âu) vì tệp không phải UTF-8; hãy kiểm tra dấu",
    "Repaired text that had been converted to UTF-8 twice (e.g. \"Viá»‡t\" for \"Việt\")":
        "Đã sửa chữ bị chuyển sang UTF-8 hai lần (ví dụ \"Viá»‡t\" thay cho \"Việt\")",
    "Read as {encoding}": "Đã đọc theo bảng mã {encoding}",
    "Converted decomposed Unicode (NFD) to the composed form (NFC)":
        "Đã chuyển Unicode dạng tách dấu (NFD) sang dạng dựng sẵn (NFC)",
    # shared reader notes and errors
    "The file has no subtitles": "Tệp không có phụ đề nào",
    "Removed formatting tags (italics, bold, colour, position) from {count} cues":
        "Đã bỏ thẻ định dạng (nghiêng, đậm, màu, vị trí) ở {count} phụ đề",
    "The cues were not in time order; sorted by start time":
        "Các phụ đề không theo thứ tự thời gian; đã sắp xếp theo thời điểm bắt đầu",
    # SRT
    "Line {line}: bad timestamp {text!r}": "Dòng {line}: mốc thời gian sai {text!r}",
    "Line {line}: the cue ends before it starts ({text!r})":
        "Dòng {line}: phụ đề kết thúc trước khi bắt đầu ({text!r})",
    "Line {line}: text without a timestamp line before it ({text!r})":
        "Dòng {line}: có chữ nhưng thiếu dòng mốc thời gian phía trước ({text!r})",
    "Line {line}: a cue needs a timestamp line like 00:00:01,000 --> 00:00:02,500 "
    "(found {text!r})":
        "Dòng {line}: phụ đề cần một dòng mốc thời gian dạng 00:00:01,000 --> 00:00:02,500 "
        "(gặp {text!r})",
    "The cue numbers were missing, repeated or out of order; Station numbers cues itself":
        "Số thứ tự phụ đề bị thiếu, lặp hoặc sai thứ tự; Station tự đánh số lại",
    # WebVTT
    "This is not a WebVTT file: the first line must be WEBVTT":
        "Đây không phải tệp WebVTT: dòng đầu tiên phải là WEBVTT",
    # TTML
    "This is not a TTML file: {detail}": "Đây không phải tệp TTML: {detail}",
    "Cue {index} has no end time": "Phụ đề {index} không có thời điểm kết thúc",
    "Station could not read the timing of {count} of the {total} cues in this TTML file; "
    "ask for times on each cue (p element)":
        "Station không đọc được thời gian của {count} trong số {total} phụ đề trong tệp TTML "
        "này; hãy đề nghị gửi tệp có thời gian trên từng phụ đề (phần tử p)",
    "Line {line}: {detail}": "Dòng {line}: {detail}",
    # EBU STL
    "EBU STL cannot carry Vietnamese (its character tables lack ơ, ư, ả, ạ, ế...); use "
    "TTML (EBU-TT-D) or SRT":
        "EBU STL không chứa được tiếng Việt (bảng ký tự của nó thiếu ơ, ư, ả, ạ, ế...); "
        "hãy dùng TTML (EBU-TT-D) hoặc SRT",
    "EBU STL cannot carry these characters: {chars}; use TTML (EBU-TT-D) or SRT":
        "EBU STL không chứa được các ký tự: {chars}; hãy dùng TTML (EBU-TT-D) hoặc SRT",
    "EBU STL export is not supported; use TTML (EBU-TT-D) or SRT":
        "Station không xuất EBU STL; hãy dùng TTML (EBU-TT-D) hoặc SRT",
}

register_vi(VI_MESSAGES)
