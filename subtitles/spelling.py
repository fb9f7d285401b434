"""Vietnamese spell check (pure): syllables that Debian's hunspell-vi word list does not know.

Vietnamese writes one syllable per word, and hunspell-vi's ``vi_VN.dic`` is in effect the
list of valid syllables (about 6,600, no affix rules), so a set lookup is the whole check:
no hunspell binding is needed. Everything is NFC and lowercase before lookup. Both tone-mark
placements are accepted ("hoà"/"hòa", "thuỷ"/"thủy", "khoẻ"/"khỏe"): ``canonical`` moves the
mark to the old placement the dictionary uses, and only for the rhymes where the two
conventions differ (oa, oe, uy with no final consonant), so "nghiã" stays wrong.

What is not checked, and why (a flag there would be noise, never a Vietnamese typo):
tokens with digits (2025, VTV4, 12h30), URLs, e-mail addresses and dotted abbreviations
(vtv.vn, v.v., TP.HCM), all-capital acronyms (UBND, HĐND), inner capitals (iPhone, TikTok),
hyphenated transliterations (Mát-xcơ-va), tokens with letters Vietnamese does not write
(f, j, w, z, ü, ç, other scripts) or no vowel at all (km, kg), and unaccented tokens that
cannot be one syllable (two vowel groups or a consonant cluster Vietnamese has no onset
for: video, online, stress). A trailing Telex tone key ("tinhr", "tinhf") is a typo, not a
foreign word: it is flagged and its intended syllable is suggested first.

Capitalised syllables are checked by their lowercase form. An unknown one inside a run of
capitalised words, or mid-sentence, is most likely a name (Mông, Thái and Hà Nhì place
names, foreign people): ``Unknown.name`` is set so QC can report it at a lower severity.
Unknown syllables are never corrected here: ``suggest`` only proposes (same letters with
other diacritics first, the commonest error in ASR and typing, then one edit away).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# Debian's hunspell-vi package (and the older myspell layout).
DICTIONARY_PATHS = (
    Path("/usr/share/hunspell/vi_VN.dic"),
    Path("/usr/share/myspell/vi_VN.dic"),
    Path("/usr/share/myspell/dicts/vi_VN.dic"),
)
DEBIAN_PACKAGE = "hunspell-vi"
MAX_SUGGESTIONS = 5

# The five tone marks (huyền, sắc, ngã, hỏi, nặng); the vowel marks (circumflex, breve,
# horn) are part of the letter and stay.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWEL_MARKS = frozenset("\u0302\u0306\u031b")
_VOWELS = frozenset("aăâeêioôơuưy")
_LETTERS = frozenset("abcdđeghiklmnopqrstuvxy")  # the Vietnamese alphabet, lowercase
_FOREIGN = frozenset("fjwz")
_ONSETS = frozenset({"", "b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n",
                     "ng", "ngh", "nh", "p", "ph", "q", "r", "s", "t", "th", "tr", "v", "x"})
# Telex types the tone after the syllable: a leftover key means the tone was never applied.
_TELEX = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_SEEN_MAX = 200_000  # distinct spellings remembered per process (a few MB at most)
# Where the old and new conventions place the tone differently (hoà/hòa, khoẻ/khỏe, thuỷ/thủy).
_TWO_PLACEMENTS = frozenset({"oa", "oe", "uy"})
# Frequent syllables, most frequent first: only breaks ties between equally close suggestions
# ("đươc" is one mark from both "được" and "đước"; the first is the one meant).
_COMMON = (
    "và của có các là được trong cho không người những một với này đã đến để về năm theo "
    "từ tại khi nhiều ra đó cũng như nhà làm sẽ thì nước động phát hiện công ngày việc "
    "đi mới trên sau hơn chúng tôi họ ta bị vào lại rất vì nên hành tỉnh huyện xã dân "
    "tộc bản đồng chính quyền tế hội triển sản xuất nghiệp học sinh giáo dục y tế đường "
    "điện ở cùng giữa đầu cao thấp lớn nhỏ tốt mùa lúa núi sông hoa đào chợ phiên người "
    "nhân viên thực tổ chức đoàn kết kinh hoạt thông tin nghĩa tiếng việt"
)
_RANK = {word: n for n, word in enumerate(dict.fromkeys(_COMMON.split()))}

_CHUNK = re.compile(r"\S+")
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
_URLISH = re.compile(r"://|^www\.|@|[^\W\d_]\.[^\W\d_]")
_JOINERS = frozenset("-\u2010\u2011'\u2019._&+")  # Mát-xcơ-va, O'Neil, a_b: not syllables
_OPENERS = "\"'“‘«([{-–—…"
_SENTENCE_END = ".!?…:"


@dataclass(frozen=True)
class Token:
    """A syllable to check, where it is in the cue's text (code points) and its case."""

    word: str  # as written
    start: int
    end: int
    line: int  # 1-based
    capitalised: bool
    sentence_start: bool


@dataclass(frozen=True)
class Unknown:
    """A syllable the dictionary does not know, with what might have been meant."""

    word: str
    start: int
    end: int
    line: int
    name: bool  # capitalised among capitals or mid-sentence: probably a proper name
    suggestions: tuple[str, ...]


def is_vietnamese(language: str | None) -> bool:
    """True for "vi", "vi-VN", "vi_VN": the tracks the dictionary applies to."""
    return (language or "").replace("_", "-").split("-", 1)[0].casefold() == "vi"


# ---- letters and tones ----------------------------------------------------------------------


def _letters(word: str) -> tuple[list[str], list[tuple[int, str]]]:
    """Split NFD into letters (base plus vowel marks) and the tone marks with their letter."""
    letters: list[str] = []
    tones: list[tuple[int, str]] = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONE_MARKS and letters:
            tones.append((len(letters) - 1, ch))
        elif unicodedata.combining(ch) and letters:
            letters[-1] += ch
        else:
            letters.append(ch)
    return letters, tones


@lru_cache(maxsize=65536)
def canonical(word: str) -> str:
    """The lowercase NFC syllable with its tone where the dictionary puts it (hòa -> hoà)."""
    word = unicodedata.normalize("NFC", word).lower()
    if not any(ch in _TONE_MARKS for ch in unicodedata.normalize("NFD", word)):
        return word
    letters, tones = _letters(word)
    if len(tones) != 1:
        return word
    bases = [unicodedata.normalize("NFC", letter) for letter in letters]
    onset = 0
    while onset < len(bases) and bases[onset] not in _VOWELS:
        onset += 1
    if onset == 1 and bases[0] == "q" and bases[1:2] == ["u"]:
        onset = 2  # "qu" is the onset: the tone of "quý" stays on y
    elif onset == 1 and bases[0] == "g" and bases[1:2] == ["i"] and len(bases) > 2 \
            and bases[2] in _VOWELS:
        onset = 2  # "gi" before a vowel
    vowels = "".join(bases[onset:])
    at, tone = tones[0]
    if vowels in _TWO_PLACEMENTS and at == onset:
        letters[onset + 1] += tone  # new placement (hòa) -> old (hoà)
        return unicodedata.normalize("NFC", "".join(letters))
    return word


def _untoned(word: str) -> str:
    """Drop the tone mark but keep the letter's own marks: "tỉnh" -> "tinh", "được" -> "đươc"."""
    return unicodedata.normalize("NFC", "".join(
        ch for ch in unicodedata.normalize("NFD", word) if ch not in _TONE_MARKS))


def _tone(word: str) -> str:
    return next((ch for ch in unicodedata.normalize("NFD", word) if ch in _TONE_MARKS), "")


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Base letters only, the key of same-letters suggestions: "được" -> "duoc"."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word.lower())
                   if not unicodedata.combining(ch)).replace("đ", "d")


def _distance(a: str, b: str) -> int:
    """Edit distance with transpositions, on NFD (a diacritic is one edit)."""
    a, b = unicodedata.normalize("NFD", a), unicodedata.normalize("NFD", b)
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


# ---- the dictionary --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The valid syllables, indexed for lookup and for suggestions."""

    path: str
    words: frozenset[str] = field(repr=False)  # canonical forms
    by_fold: dict[str, tuple[str, ...]] = field(repr=False)  # "duoc" -> ("được", "đước", ...)
    by_untoned: dict[str, tuple[str, ...]] = field(repr=False)  # "tinh" -> ("tinh", "tỉnh", ...)
    # Verdicts by the word as written: a clean cue costs one dict lookup per syllable.
    seen: dict[str, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def from_words(cls, words: Iterable[str], path: str = "") -> Lexicon:
        """Index a list of syllables (the .dic's entries, or a test's few)."""
        forms: dict[str, None] = {}
        for raw in words:
            word = unicodedata.normalize("NFC", raw).strip().lower()
            if word:
                forms[word] = None
        by_fold: dict[str, list[str]] = {}
        by_untoned: dict[str, list[str]] = {}
        for word in forms:
            by_fold.setdefault(fold(word), []).append(word)
            by_untoned.setdefault(_untoned(word), []).append(word)
        return cls(path, frozenset(canonical(w) for w in forms),
                   {k: tuple(v) for k, v in by_fold.items()},
                   {k: tuple(v) for k, v in by_untoned.items()})

    def known(self, word: str) -> bool:
        """True when the syllable (any case, either tone placement) is in the dictionary."""
        return canonical(word) in self.words

    def passes(self, word: str) -> bool:
        """Known, or not a Vietnamese syllable at all (see ``_skip``); remembered per spelling."""
        verdict = self.seen.get(word)
        if verdict is None:
            if len(self.seen) > _SEEN_MAX:
                self.seen.clear()
            verdict = self.seen[word] = self.known(word) or _skip(word, self)
        return verdict

    def suggest(self, word: str, limit: int = MAX_SUGGESTIONS) -> tuple[str, ...]:
        """What the writer probably meant: the Telex reading, then the same letters with other
        diacritics, then one letter away; closest and commonest first."""
        return self._suggest(canonical(word))[:limit]

    @lru_cache(maxsize=8192)  # noqa: B019 -- a Lexicon lives as long as the process
    def _suggest(self, word: str) -> tuple[str, ...]:
        out: dict[str, None] = {}
        telex = _TELEX.get(word[-1:]) if len(word) > 1 else None
        if telex:
            for cand in self.by_untoned.get(_untoned(word[:-1]), ()):
                if _tone(cand) == telex:
                    out[cand] = None

        tone, common = _tone(word), len(_RANK)

        def closest(c: str) -> tuple[int, bool, int, str]:
            # Fewest edits; then the one keeping the tone typed ("qúy" -> "quý"), the commonest.
            return _distance(word, c), _tone(c) != tone, _RANK.get(c, common), c

        key = fold(word)
        # Same letters: a very common syllable first ("duoc", "đươc" -> "được"), then closest.
        for cand in sorted(set(self.by_fold.get(key, ())) - {word},
                           key=lambda c: (_RANK.get(c, common), closest(c))):
            out[cand] = None
        near = {c for variant in _edits1(key) for c in self.by_fold.get(variant, ())}
        for cand in sorted(near - {word}, key=closest):
            out[cand] = None
        return tuple(out)


def _edits1(word: str) -> set[str]:
    """Every folded string one edit from ``word`` (Norvig's speller, Vietnamese letters)."""
    alphabet = "abcdeghiklmnopqrstuvxy"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in alphabet}
    out |= {a + c + b for a, b in splits for c in alphabet}
    out.discard(word)
    return out


def read_dictionary(path: Path) -> list[str]:
    """The entries of a hunspell .dic: the header count and ``/FLAGS`` suffixes dropped, in the
    encoding its .aff names with ``SET`` (hunspell's default is ISO-8859-1)."""
    encoding = "ISO-8859-1"
    aff = path.with_suffix(".aff")
    if aff.exists():
        for line in aff.read_bytes().splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == b"SET":
                encoding = parts[1].decode("ascii", "replace")
                break
    words: list[str] = []
    lines = path.read_bytes().decode(encoding, "replace").splitlines()
    for number, line in enumerate(lines):
        entry = line.strip()
        if not entry or entry.startswith("#") or (number == 0 and entry.isdigit()):
            continue
        entry = entry.split()[0]  # morphological fields follow a tab
        entry = re.split(r"(?<!\\)/", entry, maxsplit=1)[0].replace("\\/", "/")
        if entry:
            words.append(unicodedata.normalize("NFC", entry))
    return words


_LOCK = threading.Lock()
_LOADED: dict[str, Lexicon | None] = {}


def find_dictionary() -> Path | None:
    """The installed hunspell-vi word list, if any."""
    return next((p for p in DICTIONARY_PATHS if p.is_file()), None)


def load(path: Path | None = None) -> Lexicon | None:
    """The dictionary, read once per process (thread-safe); None when it is not installed."""
    key = str(path) if path is not None else ""
    if key in _LOADED:
        return _LOADED[key]
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        found = path if path is not None else find_dictionary()
        lexicon = None
        if found is None or not found.is_file():
            log.warning("Vietnamese spelling dictionary not found (%s); install the Debian "
                        "package %s", found or DICTIONARY_PATHS[0], DEBIAN_PACKAGE)
        else:
            began = time.perf_counter()
            lexicon = Lexicon.from_words(read_dictionary(found), str(found))
            log.debug("loaded %d Vietnamese syllables from %s in %.0f ms", len(lexicon.words),
                     found, (time.perf_counter() - began) * 1000)
        _LOADED[key] = lexicon
        return lexicon


# ---- text -----------------------------------------------------------------------------------


def _vietnamese_letters(word: str) -> bool:
    """Only letters Vietnamese writes, with only its five tones and three vowel marks."""
    for ch in unicodedata.normalize("NFD", word.lower()):
        if unicodedata.combining(ch):
            if ch not in _TONE_MARKS and ch not in _VOWEL_MARKS:
                return False
        elif ch not in _LETTERS:
            return False
    return True


def _cannot_be_one_syllable(word: str) -> bool:
    """An unaccented token shaped like no Vietnamese syllable: a foreign word (video, stress)."""
    groups = re.findall(r"[aeiouy]+", word)
    if len(groups) != 1:
        return True
    return word[:word.index(groups[0])] not in _ONSETS


def tokens(text: str) -> Iterator[Token]:
    """The syllables of a cue worth checking, with offsets into ``text``; see the module's
    docstring for what is skipped and why."""
    line, line_at = 1, 0
    for chunk in _CHUNK.finditer(text):
        line += text.count("\n", line_at, chunk.start())
        line_at = chunk.start()
        raw = chunk.group()
        if _URLISH.search(raw) or any(ch.isdigit() for ch in raw):
            continue
        words = list(_WORD.finditer(raw))
        if not words:
            continue
        core = raw[words[0].start():words[-1].end()]
        if len(words) > 1 and _JOINERS & set(_WORD.sub("", core)):
            continue  # hyphens, apostrophes, dots inside: a transliteration or a code
        for found in words:
            word = found.group()
            start = chunk.start() + found.start()
            before = text[:start].rstrip().rstrip(_OPENERS).rstrip()
            yield Token(word, start, start + len(word), line, word[:1].isupper(),
                        not before or before[-1] in _SENTENCE_END)


def _telex_typo(lower: str, lexicon: Lexicon) -> bool:
    """True for an unaccented syllable followed by the Telex key of a tone it can take."""
    tone = _TELEX.get(lower[-1:]) if len(lower) > 1 and lower.isascii() else None
    return tone is not None and any(
        _tone(c) == tone for c in lexicon.by_untoned.get(lower[:-1], ()))


def _skip(word: str, lexicon: Lexicon) -> bool:
    """True for tokens that are not Vietnamese syllables at all (acronyms, foreign words)."""
    if len(word) > 1 and word.isupper():
        return True  # UBND, HĐND, VTV
    if any(ch.isupper() for ch in word[1:]):
        return True  # iPhone, TikTok
    lower = unicodedata.normalize("NFC", word).lower()
    if not _vietnamese_letters(lower):
        return True
    if not any(ch in _VOWELS for ch in _untoned(lower)):
        return True  # km, kg, single consonants
    if _telex_typo(lower, lexicon):
        return False  # a Telex key left over: "tinhr", "tinhf"
    if any(ch in _FOREIGN for ch in lower):
        return True
    return lower.isascii() and _cannot_be_one_syllable(lower)


def allow_list(terms: Iterable[str]) -> frozenset[str]:
    """Every syllable of the glossary's terms, canonical: names the station spells its way."""
    return frozenset(canonical(m.group()) for term in terms for m in _WORD.finditer(term or ""))


def check_text(text: str, lexicon: Lexicon,
               allowed: frozenset[str] = frozenset()) -> list[Unknown]:
    """The unknown syllables of one cue's text, in order, with suggestions; nothing changed."""
    passes, seen = lexicon.passes, lexicon.seen
    if all(seen.get(w) or passes(w) or canonical(w) in allowed for w in _WORD.findall(text)):
        return []  # the usual cue: one dict lookup per syllable, no need to look at context
    found = list(tokens(text))
    out: list[Unknown] = []
    for n, token in enumerate(found):
        if passes(token.word) or canonical(token.word) in allowed:
            continue
        name = False
        if token.capitalised:
            neighbours = [found[i] for i in (n - 1, n + 1) if 0 <= i < len(found)]
            among_capitals = any(
                other.capitalised and other.line == token.line
                and not text[min(other.end, token.end):max(other.start, token.start)].strip()
                for other in neighbours)
            name = among_capitals or not token.sentence_start
        suggestions = lexicon.suggest(token.word)
        if token.capitalised:  # offered as a replacement: keep the writer's capital
            suggestions = tuple(s[:1].upper() + s[1:] for s in suggestions)
        out.append(Unknown(token.word, token.start, token.end, token.line, name, suggestions))
    return out
