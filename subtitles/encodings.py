"""Subtitle bytes to NFC Unicode text, with a report of every conversion (docs/standards.md
"Vietnamese text": detect TCVN3, VNI, VISCII and cp1258 and convert them, or refuse clearly;
never store mojibake).

Order of evidence: a byte order mark; a NUL pattern (BOM-less UTF-16); strict UTF-8 (a file
that decodes as UTF-8 *is* UTF-8, with two repairs that only apply when its text holds
nothing beyond Latin-1: UTF-8 encoded twice, and legacy font text pasted into a UTF-8 file);
then the 8-bit readings, each judged as Vietnamese (see ``_judge``). ``viparse`` supplies the
TCVN3/VNI/VISCII tables, the converter and the Vietnamese character model.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from viparse.normalize.frequency import vietnamese_score
from viparse.normalize.tables import Charmap, build_charmap, convert
from viparse.normalize.tcvn3 import TCVN3
from viparse.normalize.viscii import VISCII
from viparse.normalize.vni import VNI

from station.messages import Message
from subtitles.formats import SubtitleFormatError

log = logging.getLogger(__name__)

__all__ = ["DISPLAY_NAMES", "decode", "sniff_text"]

DISPLAY_NAMES = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16 (little-endian)",
    "utf-16-be": "UTF-16 (big-endian)",
    "utf-32-le": "UTF-32 (little-endian)",
    "utf-32-be": "UTF-32 (big-endian)",
    "tcvn3": "TCVN3 (ABC)",
    "vni": "VNI",
    "viscii": "VISCII",
    "cp1258": "Windows-1258 (Vietnamese)",
    "cp1252": "Windows-1252 (Western European)",
}

_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# TCVN 5712:1993 VN1 letters that the ABC (VN3) table viparse ships leaves out: uppercase
# toned vowels in C0, C1 and among the lowercase block, and five combining tone marks. From
# glibc's TCVN5712-1 charmap (what ``iconv -f TCVN5712-1`` uses); none of these bytes has
# another meaning in the VN3 table, so adding them cannot change a VN3 file's reading.
_VN1_EXTRA = {
    0x01: "Ú", 0x02: "Ụ", 0x04: "Ừ", 0x05: "Ử", 0x06: "Ữ", 0x11: "Ứ", 0x12: "Ự",
    0x13: "Ỳ", 0x14: "Ỷ", 0x15: "Ỹ", 0x16: "Ý", 0x17: "Ỵ",
    0x80: "À", 0x81: "Ả", 0x82: "Ã", 0x83: "Á", 0x84: "Ạ", 0x85: "Ặ", 0x86: "Ậ",
    0x87: "È", 0x88: "Ẻ", 0x89: "Ẽ", 0x8A: "É", 0x8B: "Ẹ", 0x8C: "Ệ", 0x8D: "Ì",
    0x8E: "Ỉ", 0x8F: "Ĩ", 0x90: "Í", 0x91: "Ị", 0x92: "Ò", 0x93: "Ỏ", 0x94: "Õ",
    0x95: "Ó", 0x96: "Ọ", 0x97: "Ộ", 0x98: "Ờ", 0x99: "Ở", 0x9A: "Ỡ", 0x9B: "Ớ",
    0x9C: "Ợ", 0x9D: "Ù", 0x9E: "Ủ", 0x9F: "Ũ",
    0xAF: "Ằ", 0xB0: "\u0300", 0xB1: "\u0309", 0xB2: "\u0303", 0xB3: "\u0301",
    0xB4: "\u0323", 0xBA: "Ẳ", 0xBF: "Ẵ", 0xC0: "Ắ", 0xC1: "Ầ", 0xC2: "Ẩ", 0xC3: "Ẫ",
    0xC4: "Ấ", 0xC5: "Ề", 0xCD: "Ể", 0xD9: "Ễ", 0xDA: "Ế", 0xDB: "Ồ", 0xE0: "Ổ",
    0xF0: "Ỗ", 0xFF: "Ố",
}
# C0 bytes that are letters in TCVN3 (VN1) or VISCII, so not evidence of binary data.
_LEGACY_C0_LETTERS = frozenset(b for b in _VN1_EXTRA if b < 0x20) | {0x02, 0x05, 0x06,
                                                                     0x14, 0x19, 0x1E}
_TEXT_CONTROLS = frozenset(b"\t\n\v\f\r\x1a")  # 0x1A: the DOS end-of-file mark
_JUNK_BYTES = bytes(b for b in range(0x20) if b not in _TEXT_CONTROLS
                    and b not in _LEGACY_C0_LETTERS) + b"\x7f"
_NOT_JUNK = bytes(b for b in range(256) if b not in _JUNK_BYTES)
_JUNK_CHARS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")

# Languages whose 8-bit files are Windows-1252, and languages whose 8-bit files may be legacy
# Vietnamese: Vietnamese and the Vietnamese-alphabet orthographies of Lai Châu's minorities
# (docs/standards.md "Channels and languages"). Any other language must send Unicode.
_WESTERN = frozenset({"en", "fr", "de", "es", "it", "pt", "nl", "id", "ms", "ca", "da",
                      "sv", "no", "nb", "nn", "fi", "is", "ga"})
_VIETNAMESE_ALPHABET = frozenset({"vi", "und", "blt", "twh", "hnj", "mww", "hmv", "hmn",
                                  "ium", "mji", "hni", "khb", "pcc", "kjg", "lhu", "zng",
                                  "cnc", "slt", "kjm"})
_NON_LATIN_SCRIPTS = frozenset({"tavt", "hans", "hant", "cyrl", "laoo", "thai", "khmr",
                                "arab", "hebr", "grek", "jpan", "kore", "deva", "mymr"})

# Lines that carry timing or numbering, not words: left out of the text that is judged.
_NOT_WORDS = re.compile(r"^(?:\s*\d+\s*|.*-->.*|WEBVTT.*)$", re.MULTILINE)
_SAMPLE_CHARS = 20_000  # characters judged per reading: enough, and bounded
_MIN_PASTED_LEGACY_CHARS = 24  # viparse's floor: shorter text is a guess

# Judging a reading (see ``_judge``).
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD_SPLIT = re.compile(r"[\s\-–—/]+")
_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{}<>.,;:!?…*#"
_PLAUSIBLE_TIE = 0.03  # readings this close in plausibility are told apart by score
_SCORE_SEPARATION = 0.05  # viparse's _CONTENT_SEPARATION
_PASTED_MARGIN = 0.15  # viparse's _CONTENT_MARGIN: a UTF-8 file must gain this much
# viparse's guard against European text (its detector.py, measured on its corpus):
# Vietnamese has no f j w z and writes one syllable per word.
_ALIEN_LETTERS = frozenset("fjwzFJWZ")
_ALIEN_RATE_CEILING = 0.05
_LONG_WORD_RATE_CEILING = 0.04
_LETTERS = re.compile(r"[^\W\d_]+")
# Vietnamese spelling (without tones): initial consonants, longest first, and every rhyme.
_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d",
           "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_RHYMES = frozenset((
    "a", "ai", "ao", "au", "ay", "ac", "ach", "am", "an", "ang", "anh", "ap", "at", "ăc", "ăm",
    "ăn", "ăng", "ăp", "ăt", "âc", "âm", "ân", "âng", "âp", "ât", "âu", "ây", "e", "eo", "ec",
    "em", "en", "eng", "ep", "et", "ê", "êch", "êm", "ên", "ênh", "êp", "êt", "êu", "i", "ia",
    "ich", "im", "in", "inh", "ip", "it", "iu", "iêc", "iêm", "iên", "iêng", "iêp", "iêt",
    "iêu", "o", "oi", "oc", "om", "on", "ong", "op", "ot", "oong", "ooc", "oa", "oai", "oao",
    "oay", "oac", "oach", "oam", "oan", "oang", "oanh", "oap", "oat", "oăc", "oăm", "oăn",
    "oăng", "oăt", "oe", "oeo", "oen", "oet", "ô", "ôi", "ôc", "ôm", "ôn", "ông", "ôp", "ôt",
    "ơ", "ơi", "ơm", "ơn", "ơp", "ơt", "u", "ua", "ui", "uc", "um", "un", "ung", "up", "ut",
    "uân", "uâng", "uât", "uây", "uê", "uêch", "uênh", "uơ", "uôi", "uôc", "uôm", "uôn",
    "uông", "uôt", "uy", "uya", "uych", "uyên", "uyêt", "uynh", "uyt", "uyu", "ư", "ưa", "ưi",
    "ưu", "ưc", "ưng", "ưt", "ưm", "ưn", "ươ", "ươi", "ươu", "ươc", "ươm", "ươn", "ương",
    "ươp", "ươt", "y", "yêm", "yên", "yêng", "yêt", "yêu",
))
# The only Vietnamese letters Latin-1 has. Unicode Vietnamese text made of these and ASCII
# alone ("bà má", "xã hè") is genuine, however a legacy table might read it; pasted legacy
# text always shows other characters (TCVN3: ¸ µ © ¬ Ö...; VNI: ä ö ñ ï û...).
_VIETNAMESE_IN_LATIN1 = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_MIN_FOREIGN_WORDS = 0.1  # share of words with a non-Vietnamese character, to look further


@cache
def _charmaps() -> dict[str, Charmap]:
    """Legacy tables over the Latin-1 surface of the bytes (byte N read as U+00NN)."""
    tcvn3 = build_charmap("tcvn3", [*TCVN3.pairs,
                                    *((chr(b), u) for b, u in _VN1_EXTRA.items())])
    # VNI writes ẳ as a + 0xFA (ú), like ắ ằ ẵ ặ with their own marks (VNI-Windows chart);
    # viparse leaves it out only because its corpus never showed one.
    vni = build_charmap("vni", [*VNI.pairs, ("aú", "ẳ"), ("AÚ", "Ẳ")])
    cp1258 = []
    for byte in range(0x80, 0x100):
        try:
            char = bytes([byte]).decode("cp1258")
        except UnicodeDecodeError:
            continue
        if char != chr(byte):
            cp1258.append((chr(byte), char))
    return {"tcvn3": tcvn3, "vni": vni, "viscii": VISCII,
            "cp1258": build_charmap("cp1258", cp1258)}


def _language_kind(language: str) -> str:
    """"western" (8-bit means cp1252), "vietnamese" (may be legacy), else "unicode-only"."""
    parts = (language or "und").lower().replace("_", "-").split("-")
    if any(p in _NON_LATIN_SCRIPTS for p in parts[1:]):
        return "unicode-only"
    if parts[0] in _WESTERN:
        return "western"
    if parts[0] in _VIETNAMESE_ALPHABET:
        return "vietnamese"
    return "unicode-only"


# ---- judging a reading --------------------------------------------------------------------

@dataclass(frozen=True)
class _Reading:
    names: tuple[str, ...]  # every encoding that gives this text
    text: str
    plausible: float  # share of words spelled as Vietnamese (or any Latin) words can be
    score: float  # viparse's Vietnamese character model


def _plausible_word(word: str) -> bool:
    """Could this word be written Vietnamese? ASCII words pass (names, English, numbers);
    others must be one syllable as Vietnamese spells them: an initial consonant and a rhyme
    from the orthography, one tone mark, and no capital after a small letter. A wrong table
    makes "trỡnh", "Chõu", "bỰn", "ệở" out of "trình", "Châu", "bạn", "đã"."""
    if word.isascii():
        return True
    letters = [ch for ch in word if ch.isalpha()]
    if any(a.islower() and b.isupper() for a, b in pairwise(letters)):
        return False
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(ch in _TONE_MARKS for ch in decomposed) > 1:
        return False
    toneless = unicodedata.normalize("NFC", "".join(ch for ch in decomposed
                                                    if ch not in _TONE_MARKS))
    return any(toneless.startswith(onset) and toneless[len(onset):] in _RHYMES
               for onset in _ONSETS)


def _plausibility(text: str) -> float:
    words = [w for w in (t.strip(_EDGE_PUNCTUATION) for t in _WORD_SPLIT.split(text))
             if w and not w.isdigit()]
    if not words:
        return 1.0
    return sum(map(_plausible_word, words)) / len(words)


def _rates(text: str) -> tuple[float, float]:
    """Shares of words with f/j/w/z and of words over 7 letters."""
    words = [w for w in _LETTERS.findall(text) if len(w) > 1]
    if not words:
        return 0.0, 0.0
    alien = sum(1 for w in words if _ALIEN_LETTERS & set(w)) / len(words)
    return alien, sum(1 for w in words if len(w) > 7) / len(words)


def _reads_as_vietnamese(text: str) -> bool:
    """viparse's guard: European text converts to "Vietnamese" letters but keeps f/j/w/z
    and long words, which Vietnamese (one syllable per word) does not have."""
    alien, long_words = _rates(text)
    return alien <= _ALIEN_RATE_CEILING and long_words <= _LONG_WORD_RATE_CEILING


def _judge(readings: dict[str, str]) -> list[_Reading]:
    """Distinct readings, best first: most plausible words, then most Vietnamese-like."""
    by_text: dict[str, list[str]] = {}
    for name, text in readings.items():
        by_text.setdefault(text, []).append(name)
    judged = [_Reading(tuple(names), text, _plausibility(text), vietnamese_score(text))
              for text, names in by_text.items()]
    top = max(r.plausible for r in judged)
    return sorted(judged, key=lambda r: (r.plausible >= top - _PLAUSIBLE_TIE, r.score),
                  reverse=True)


def _decided(ranked: list[_Reading]) -> bool:
    """The best reading is clearly ahead of the next one that is as plausible."""
    if len(ranked) < 2:
        return True
    best, second = ranked[0], ranked[1]
    return (second.plausible < best.plausible - _PLAUSIBLE_TIE
            or best.score - second.score >= _SCORE_SEPARATION)


# ---- decoding -----------------------------------------------------------------------------

def _binary_error(offset: int) -> SubtitleFormatError:
    return SubtitleFormatError(
        "This file is not a text subtitle file (binary data at byte {offset})", offset=offset)


def _check_not_binary(data: bytes, base: int = 0) -> None:
    """Refuse NUL bytes, or control bytes beyond the odd stray one: that is not text."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _binary_error(base + nul)
    junk = data.translate(None, delete=_NOT_JUNK)
    if len(junk) > max(3, len(data) // 100):
        raise _binary_error(base + min(data.find(bytes([b])) for b in set(junk)))


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs sit in every other byte (ASCII in UTF-16), else None."""
    sample = data[:4000]
    pairs = len(sample) // 2
    if pairs < 2 or b"\x00" not in sample:
        return None
    even = sample[0::2].count(0) / pairs
    odd = sample[1::2].count(0) / pairs
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _finish(text: str, encoding: str, notes: list[Message]) -> tuple[str, str, list[Message]]:
    """Unix line ends, no stray BOM, NFC (with a note when the file was decomposed)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\x1a")
    nfc = unicodedata.normalize("NFC", text)
    if nfc != text:
        notes.append(Message("Converted decomposed Unicode (NFD) to the composed form (NFC)"))
    log.info("decoded subtitle file as %s (%d notes)", encoding, len(notes))
    return nfc, encoding, notes


def _unicode_text(data: bytes, encoding: str, bom: int) -> str | None:
    """A UTF-16/32 file's text, or None when its "characters" are controls (not text)."""
    try:
        text = data[bom:].decode(encoding)
    except UnicodeDecodeError as exc:
        if bom:
            raise SubtitleFormatError(
                "The file starts with a {encoding} byte order mark but is not valid "
                "{encoding} (byte {offset})",
                encoding=DISPLAY_NAMES[encoding], offset=bom + exc.start) from None
        return None
    junk = _JUNK_CHARS.findall(text)
    if bom and len(junk) > max(3, len(text) // 100):
        first = _JUNK_CHARS.search(text)
        assert first is not None
        raise _binary_error(bom + len(text[:first.start()].encode(encoding)))
    return None if junk and not bom else text


def _words_sample(text: str) -> str:
    """The text people wrote, without timing and numbering lines, cut to a bounded sample."""
    return _NOT_WORDS.sub("", text[: _SAMPLE_CHARS * 2])[:_SAMPLE_CHARS]


def _changed(text: str) -> int:
    return sum(1 for ch in text if not ch.isascii())


def _cp1252_bytes(text: str) -> bytes | None:
    """The bytes a UTF-8 file was misread from, when every character is a cp1252 byte."""
    out = bytearray()
    for ch in text:
        if ch.isascii():
            out.append(ord(ch))
            continue
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return None
            out.append(ord(ch))  # cp1252 leaves 0x81, 0x8D... undefined: Latin-1 maps them
    return bytes(out)


def _repair_utf8(text: str, language: str) -> tuple[str, list[Message], str]:
    """Undo double UTF-8 and legacy font text in a UTF-8 file; both only ever hold Latin-1."""
    if text.isascii():
        return text, [], "utf-8"
    raw = _cp1252_bytes(text)
    if raw is None:  # a character beyond Latin-1/cp1252: real Unicode text
        return text, [], "utf-8"
    try:
        once = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return once, [Message('Repaired text that had been converted to UTF-8 twice '
                           '(e.g. "Viá»‡t" for "Việt")')], "utf-8"
    sample = _words_sample(text)
    words = sample.split()
    foreign = sum(1 for w in words
                  if any(not ch.isascii() and ch not in _VIETNAMESE_IN_LATIN1 for ch in w))
    if (_language_kind(language) != "vietnamese" or len(sample.strip()) < _MIN_PASTED_LEGACY_CHARS
            or foreign < _MIN_FOREIGN_WORDS * len(words)):
        return text, [], "utf-8"
    charmaps = _charmaps()
    ranked = _judge({"utf-8": sample, **{name: convert(sample, charmaps[name])
                                         for name in ("tcvn3", "vni")}})
    best = ranked[0]
    unchanged = next(r for r in ranked if "utf-8" in r.names)
    if ("utf-8" in best.names or not _decided(ranked) or best.plausible < unchanged.plausible
            or best.score - unchanged.score < _PASTED_MARGIN
            or not _reads_as_vietnamese(best.text)):
        return text, [], "utf-8"
    name = best.names[0]
    converted = convert(text, charmaps[name])
    note = Message("The file is UTF-8 but its text was typed in {encoding}; converted to Unicode "
                "({count} characters changed)",
                encoding=DISPLAY_NAMES[name], count=_changed(converted))
    return converted, [note], f"utf-8+{name}"


def _not_utf8_error(offset: int) -> SubtitleFormatError:
    return SubtitleFormatError(
        "This file is not UTF-8 (byte {offset}) and Station cannot tell its encoding; save it "
        "as UTF-8 (Unicode) and upload it again", offset=offset)


def _cp1252(data: bytes, bad_offset: int) -> tuple[str, str, list[Message]]:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise _not_utf8_error(bad_offset) from None
    note = Message("Read as Windows-1252 (Western European): the file is not UTF-8; check the "
                "accents")
    return _finish(text, "cp1252", [note])


def _eight_bit(data: bytes, language: str, bad_offset: int) -> tuple[str, str, list[Message]]:
    """A file that is not UTF-8: legacy Vietnamese, Windows-1258, or Western Windows-1252."""
    kind = _language_kind(language)
    if kind == "western":
        return _cp1252(data, bad_offset)
    if kind != "vietnamese":
        raise _not_utf8_error(bad_offset)
    surface = data.decode("latin-1")
    sample = _words_sample(surface)
    charmaps = _charmaps()
    readings = {name: convert(sample, charmap) for name, charmap in charmaps.items()}
    readings["cp1252"] = sample.encode("latin-1").decode("cp1252", errors="replace")
    undetermined = (language or "und").lower() == "und"
    if undetermined and _rates(readings["cp1252"])[0] > _ALIEN_RATE_CEILING:
        return _cp1252(data, bad_offset)  # f/j/w/z: European text, whatever tables make of it
    ranked = _judge(readings)
    best = ranked[0]
    log.debug("8-bit readings: %s", [(r.names, round(r.plausible, 2), round(r.score, 2))
                                     for r in ranked])
    if not _decided(ranked):
        raise _not_utf8_error(bad_offset)
    if "cp1252" in best.names:  # no legacy table reads it better than Windows-1252 does
        return _cp1252(data, bad_offset)
    if not _reads_as_vietnamese(best.text):
        if undetermined:
            return _cp1252(data, bad_offset)
        raise _not_utf8_error(bad_offset)
    name = best.names[0]
    text = convert(surface, charmaps[name])
    note = Message("Converted from {encoding} to Unicode ({count} characters changed)",
                encoding=DISPLAY_NAMES[name], count=_changed(text))
    return _finish(text, name, [note])


def decode(data: bytes, *, language: str = "und") -> tuple[str, str, list[Message]]:
    """Subtitle bytes as NFC text with "\\n" line ends, the encoding read, and notes for people.

    ``language`` (BCP-47, the track's) steers only the guesswork for files that are not
    Unicode: a Western language's 8-bit file is Windows-1252; Vietnamese, its minority
    languages and "und" are tried as legacy Vietnamese; any other language must be Unicode.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom) and encoding != "utf-8":
            text = _unicode_text(data, encoding, len(bom)) or ""
            return _finish(text, encoding, [Message("Read as {encoding}",
                                                 encoding=DISPLAY_NAMES[encoding])])
    if data.startswith(b"\xef\xbb\xbf"):
        _check_not_binary(data[3:], base=3)
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SubtitleFormatError(
                "The file starts with a {encoding} byte order mark but is not valid "
                "{encoding} (byte {offset})", encoding="UTF-8", offset=3 + exc.start) from None
        text, notes, encoding = _repair_utf8(text, language)
        return _finish(text, encoding, notes)
    utf16 = _utf16_without_bom(data)
    if utf16 and len(data) % 2 == 0:
        text = _unicode_text(data, utf16, 0)
        if text is not None:
            return _finish(text, utf16, [Message("Read as {encoding}",
                                              encoding=DISPLAY_NAMES[utf16])])
    _check_not_binary(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _eight_bit(data, language, exc.start)
    text, notes, encoding = _repair_utf8(text, language)
    return _finish(text, encoding, notes)


def sniff_text(data: bytes, limit: int = 4096) -> str:
    """The start of a file as text, leniently, just to recognise its format."""
    head = data[:limit]
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom):].decode(encoding, errors="ignore")
    utf16 = _utf16_without_bom(head)
    if utf16:
        return head.decode(utf16, errors="ignore")
    return head.decode("utf-8", errors="replace")
