"""Find a glossary term in text, the way each script separates its words (pure).

One matcher for every place that looks for a glossary term: the QC check (is the approved
form in the translation?), the name correction after transcription, and the workspace's
glossary panel. Text and term are compared in Unicode NFC, case-insensitively (and, when
asked, without diacritics), with runs of white space as one space.

Where a match may start and end depends on the script of the term's first and last letter
(docs/subtitles.md "Glossary matching"):

* Scripts that separate words with spaces (Latin, Vietnamese included, Cyrillic, Greek, Tai
  Viet, ...): word boundaries, so "Lai Chau" is not in "Lai Chauxyz" and "Sìn Hồ" is not in
  "Sìn Hồng". A neighbouring Han or kana character is a boundary ("欢迎来到Lai Chau省").
* Chinese and Japanese (Han, kana): a plain substring, since nothing separates words there
  ("莱州迎接游客"). A line break between two such characters is ignored.
* Thai, Lao, Khmer and Myanmar: no spaces between words either, so a substring, but only on
  a character-cluster boundary: not followed by a combining vowel or tone mark, and not
  preceded by a leading vowel (เ แ โ ใ ไ), which are written before the consonant they
  belong to.
* Korean (Hangul): spaces between words, but particles join the word ("라이쩌우에서"): a
  word boundary before the term, none after it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Written without spaces between words: Han (with compatibility ideographs and extensions),
# Hiragana, Katakana (and its phonetic extensions, half-width forms).
_UNSPACED = ((0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3021, 0x3029), (0x3031, 0x3035),
             (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
             (0xF900, 0xFAFF), (0xFF66, 0xFF9F), (0x20000, 0x3FFFF))
# Thai, Lao, Myanmar, Khmer: no spaces between words, letters build clusters with marks.
_CLUSTERED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF))
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF),
           (0xD7B0, 0xD7FF))
# Thai and Lao vowels written before the consonant they follow in speech.
_LEADING_VOWELS = frozenset("เแโใไເແໂໃໄ")

WORD, UNSPACED, CLUSTERED, HANGUL = "word", "unspaced", "clustered", "hangul"


def _in(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


@lru_cache(maxsize=4096)
def script_class(ch: str) -> str | None:
    """How the script of ``ch`` separates words; None for spaces, punctuation and symbols."""
    code = ord(ch)
    if _in(code, _UNSPACED):
        return UNSPACED if ch.isalnum() or code in (0x3005, 0x30FC) else None
    if _in(code, _CLUSTERED):
        return CLUSTERED if ch.isalnum() or unicodedata.category(ch)[0] == "M" else None
    if _in(code, _HANGUL):
        return HANGUL
    if ch.isalnum() or unicodedata.category(ch)[0] == "M":
        return WORD
    return None


@dataclass(frozen=True)
class Comparable:
    """Text in its compared form (``key``) and, for each key character, where it came from
    in the NFC text (``origin``; one more entry, the end, so spans map back exactly)."""

    nfc: str
    key: str
    origin: tuple[int, ...]
    folded: bool


def _fold_char(ch: str, fold_diacritics: bool) -> str:
    lowered = ch.casefold()
    if not fold_diacritics:
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def comparable(text: str, *, fold_diacritics: bool = False) -> Comparable:
    """NFC, case-folded (and diacritic-free if asked), white space collapsed; a line break
    inside Chinese or Japanese text is dropped, since those scripts put no space there."""
    nfc = unicodedata.normalize("NFC", text)
    key: list[str] = []
    origin: list[int] = []
    pending_space: int | None = None
    last: str | None = None  # the last non-space character of the text
    for i, ch in enumerate(nfc):
        if ch.isspace():
            if key and pending_space is None:
                pending_space = i
            continue
        if pending_space is not None:
            if not (last is not None and script_class(last) == UNSPACED
                    and script_class(ch) == UNSPACED):
                key.append(" ")
                origin.append(pending_space)
            pending_space = None
        for out in _fold_char(ch, fold_diacritics):
            key.append(out)
            origin.append(i)
        last = ch
    origin.append(len(nfc) if pending_space is None else pending_space)
    return Comparable(nfc, "".join(key), tuple(origin), fold_diacritics)


@lru_cache(maxsize=2048)
def _term(term: str, fold_diacritics: bool) -> Comparable:
    return comparable(term.strip(), fold_diacritics=fold_diacritics)


def _starts_ok(text: str, start: int, first: str) -> bool:
    before = text[start - 1] if start > 0 else ""
    if not before:
        return True
    kind = script_class(first)
    if kind in (WORD, HANGUL):
        return script_class(before) not in (WORD, HANGUL, CLUSTERED)
    if kind == CLUSTERED:
        return before not in _LEADING_VOWELS
    return True


def _ends_ok(text: str, end: int, last: str) -> bool:
    after = text[end] if end < len(text) else ""
    if not after:
        return True
    kind = script_class(last)
    if kind == WORD:
        return script_class(after) not in (WORD, CLUSTERED)
    if kind == CLUSTERED:
        return unicodedata.category(after)[0] != "M"
    return True  # Han and kana: any neighbour; Hangul: particles follow the word


def find_term(text: str | Comparable, term: str,
              *, fold_diacritics: bool = False) -> list[tuple[int, int]]:
    """Every place ``term`` occurs in ``text`` as a whole term for its script, as (start,
    end) offsets into the NFC form of ``text``; a prepared ``Comparable`` text is reused
    as it is (QC compares one cue against every term)."""
    if isinstance(text, Comparable):
        prepared, fold_diacritics = text, text.folded
    else:
        prepared = comparable(text, fold_diacritics=fold_diacritics)
    wanted = _term(term, fold_diacritics)
    if not wanted.key:
        return []
    first, last = wanted.nfc[0], wanted.nfc[-1]
    spans: list[tuple[int, int]] = []
    key, origin, nfc = prepared.key, prepared.origin, prepared.nfc
    at = key.find(wanted.key)
    while at >= 0:
        end_key = at + len(wanted.key)
        start, end = origin[at], origin[end_key - 1] + 1
        # A key character that is half of one text character ("ß" as "ss") is no boundary.
        whole = (at == 0 or origin[at - 1] != start) and origin[end_key] >= end
        if whole and _starts_ok(nfc, start, first) and _ends_ok(nfc, end, last):
            spans.append((start, end))
            at = key.find(wanted.key, end_key)
        else:
            at = key.find(wanted.key, at + 1)
    return spans


def contains_term(text: str | Comparable, term: str, *, fold_diacritics: bool = False) -> bool:
    """True when ``term`` occurs in ``text`` as a whole term (see ``find_term``)."""
    return bool(find_term(text, term, fold_diacritics=fold_diacritics))
