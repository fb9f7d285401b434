"""Two engines, one transcript: viet-asr's words written the way Whisper writes them (pure).

viet-asr hears Vietnamese far better than Whisper base (docs/transcription.md: about a third
of the word errors) but gives bare lowercase syllables with no times. Whisper base gives
punctuation, capitals and a time for every word, with many wrong words. This module aligns the
two word sequences per voice-activity chunk (edit distance on normalised syllables, a tone or
vowel-mark difference costing less than a different syllable) and keeps viet-asr's words with:

* Whisper's punctuation (after the matched word, or the word before an unmatched one) and its
  capitals where both engines heard the same letters;
* Whisper's word times where the words match; elsewhere the time viet-asr itself emitted the
  word while streaming (a fixed latency earlier), clamped between the matched neighbours, or
  spread by length over the gap when viet-asr gave no usable time;
* an agreement score in ``Word.probability`` (1 when both engines heard the word, lower when
  only the tone differs, low when they disagree or the syllable is not Vietnamese), which the
  doubt guards and the workspace read like Whisper's own word probability;
* sentence capitals, full stops where a long pause ends a stretch Whisper left open, and the
  glossary's names ("lai châu" -> "Lai Châu").

Nothing here deletes a word viet-asr heard: a person decides (issue 11, "flag, never delete").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from station.text import fold, nfc
from subtitles.cues import Word

# Agreement scores, in Whisper's probability scale (guards.LOW_PROBABILITY is 0.5).
AGREE = 1.0  # both engines heard the same syllable
TONE_ONLY = 0.7  # same letters, another tone or vowel mark: viet-asr is usually right
DISAGREE = 0.35  # Whisper heard something else, or nothing: worth a look
NOT_A_SYLLABLE = 0.2  # viet-asr's syllable is not in the Vietnamese dictionary

# A pause this long with no punctuation from Whisper ends a sentence (subtitle reading: a
# new thought starts after a breath of a second; shorter pauses are commas Whisper places).
SENTENCE_PAUSE_MS = 1000

SENTENCE_END = ".?!…"
# A syllable takes at least this long to say (Vietnamese is read at about 4-6 syllables a
# second): emission times closer than this are not trusted as word boundaries.
MIN_WORD_MS = 80
_TRAIL = ".,;:?!…\"'”’)»"
_LEAD = "\"'“‘(«"


@dataclass(frozen=True)
class HeardWord:
    """One syllable viet-asr produced, with the moment it was emitted while streaming."""

    text: str
    emitted_ms: int | None = None


@dataclass(frozen=True)
class Chunk:
    """A stretch of speech the voice-activity detector found, as viet-asr heard it."""

    start_ms: int
    end_ms: int
    words: tuple[HeardWord, ...]


def syllable(text: str) -> str:
    """The comparable form of a word: NFC, lower case, no punctuation."""
    text = nfc(text).casefold()
    return "".join(c for c in text if not unicodedata.category(c).startswith("P")).strip()


def _cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if fold(a) == fold(b):
        return 0.4  # a tone or vowel mark apart: the same word more often than not
    return 1.0


def align(left: Sequence[str], right: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Edit-distance alignment of two syllable sequences: pairs of indices, None for a gap.

    Quadratic in the chunk's words, which is fine: a chunk is at most about 12 s of speech.
    """
    n, m = len(left), len(right)
    dist = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        dist[i][0] = float(i)
    for j in range(1, m + 1):
        dist[0][j] = float(j)
    for i in range(1, n + 1):
        row, prev = dist[i], dist[i - 1]
        for j in range(1, m + 1):
            row[j] = min(prev[j] + 1.0, row[j - 1] + 1.0,
                         prev[j - 1] + _cost(left[i - 1], right[j - 1]))
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and dist[i][j] == dist[i - 1][j - 1] + _cost(left[i - 1],
                                                                          right[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i > 0 and dist[i][j] == dist[i - 1][j] + 1.0:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    pairs.reverse()
    return pairs


def _split_punctuation(text: str) -> tuple[str, str, str]:
    """(leading marks, core, trailing marks) of a Whisper word."""
    core = text.strip()
    lead = ""
    while core and core[0] in _LEAD:
        lead, core = lead + core[0], core[1:]
    trail = ""
    while core and core[-1] in _TRAIL:
        trail, core = core[-1] + trail, core[:-1]
    return lead, core, trail


def _whisper_syllables(words: Sequence[Word]) -> list[Word]:
    """Whisper words split into syllables (a "word" may hold two, or a number with spaces)."""
    out: list[Word] = []
    for word in words:
        parts = word.text.split()
        if len(parts) <= 1:
            out.append(word)
            continue
        span = max(word.end_ms - word.start_ms, 0)
        total = sum(len(p) for p in parts) or 1
        at = word.start_ms
        for part in parts:
            length = round(span * len(part) / total)
            out.append(Word(part, at, at + length, word.probability))
            at += length
    return out


def assign(whisper: Sequence[Word], chunks: Sequence[Chunk]) -> list[list[Word]]:
    """Whisper's words per chunk, by each word's midpoint (nearest chunk when between two)."""
    out: list[list[Word]] = [[] for _ in chunks]
    if not chunks:
        return out
    k = 0
    for word in whisper:
        mid = (word.start_ms + word.end_ms) // 2
        while k + 1 < len(chunks) and mid > chunks[k].end_ms and (
                mid - chunks[k].end_ms > chunks[k + 1].start_ms - mid):
            k += 1
        out[k].append(word)
    return out


def fuse(
    chunks: Sequence[Chunk],
    whisper: Sequence[Word],
    *,
    latency_ms: int,
    is_syllable: Callable[[str], bool] | None = None,
    names: Iterable[str] = (),
) -> list[Word]:
    """viet-asr's words with Whisper's punctuation, capitals and times (see the module doc)."""
    per_chunk = assign(_whisper_syllables(whisper), chunks)
    parts = [(chunk, _fuse_chunk(chunk, per_chunk[i], latency_ms, is_syllable))
             for i, chunk in enumerate(chunks)]
    parts = [(chunk, fused) for chunk, fused in parts if fused]
    words: list[Word] = []
    for index, (chunk, fused) in enumerate(parts):
        next_start = parts[index + 1][0].start_ms if index + 1 < len(parts) else None
        last = fused[-1]
        if not last.text.endswith(tuple(_TRAIL)) and (
                next_start is None or next_start - chunk.end_ms >= SENTENCE_PAUSE_MS):
            fused[-1] = Word(last.text + ".", last.start_ms, last.end_ms, last.probability)
        words.extend(fused)
    return capitalise(words, names)


def _fuse_chunk(chunk: Chunk, whisper: list[Word], latency_ms: int,
                is_syllable: Callable[[str], bool] | None) -> list[Word]:
    heard = [syllable(w.text) for w in chunk.words]
    keep = [i for i, s in enumerate(heard) if s]
    heard = [heard[i] for i in keep]
    emitted = [chunk.words[i].emitted_ms for i in keep]
    if not heard:
        return []
    parts = [_split_punctuation(w.text) for w in whisper]
    written = [syllable(core) for _, core, _ in parts]
    texts = list(heard)
    probability = [DISAGREE] * len(heard)
    anchors: dict[int, tuple[int, int]] = {}
    lead_marks = [""] * len(heard)
    trail_marks = [""] * len(heard)
    last_i: int | None = None
    pending_lead = ""
    for i, j in align(heard, written):
        if j is not None:
            lead, core, trail = parts[j]
            if i is None:
                # A word only Whisper heard: its marks go to viet-asr's neighbours.
                if trail and last_i is not None:
                    trail_marks[last_i] = _merge(trail_marks[last_i], trail)
                pending_lead += lead
                continue
            if written[j] == heard[i]:
                probability[i] = AGREE * max(whisper[j].probability, 0.5) ** 0.25
                anchors[i] = (whisper[j].start_ms, whisper[j].end_ms)
            elif fold(written[j]) == fold(heard[i]):
                probability[i] = TONE_ONLY
                anchors[i] = (whisper[j].start_ms, whisper[j].end_ms)
            if fold(written[j]) == fold(heard[i]) and core[:1].isupper():
                texts[i] = texts[i][:1].upper() + texts[i][1:]
            lead_marks[i] = pending_lead + lead
            pending_lead = ""
            trail_marks[i] = trail
        elif i is not None and pending_lead:
            lead_marks[i], pending_lead = pending_lead, ""
        if i is not None:
            last_i = i
    if is_syllable is not None:
        for i, text in enumerate(heard):
            if not is_syllable(text):
                probability[i] = min(probability[i], NOT_A_SYLLABLE)
    times = _times(chunk, emitted, anchors, latency_ms, [len(t) for t in heard])
    return [Word(lead_marks[i] + texts[i] + trail_marks[i], times[i][0], times[i][1],
                 round(probability[i], 3)) for i in range(len(heard))]


def _merge(have: str, more: str) -> str:
    """Trailing marks of a skipped Whisper word join the previous word's, without doubling."""
    return have if more in have else have + more


def _times(chunk: Chunk, emitted: list[int | None], anchors: dict[int, tuple[int, int]],
           latency_ms: int, lengths: list[int]) -> list[tuple[int, int]]:
    """A start and end for every word: anchors where Whisper matched, estimates between.

    Between two anchors (or an anchor and the chunk's edge) the unmatched words end when
    viet-asr emitted them minus its latency, kept in order inside the gap; without usable
    emission times, the gap is shared by the words' lengths.
    """
    n = len(lengths)
    ends: list[float | None] = [None] * n
    starts: list[float | None] = [None] * n
    for i, (start, end) in anchors.items():
        starts[i], ends[i] = float(start), float(end)
    i = 0
    while i < n:
        if i in anchors:
            i += 1
            continue
        j = i
        while j < n and j not in anchors:
            j += 1
        lo = ends[i - 1] if i > 0 and ends[i - 1] is not None else float(chunk.start_ms)
        hi = starts[j] if j < n and starts[j] is not None else float(chunk.end_ms)
        lo, hi = float(lo), float(max(hi, lo))
        guesses = [None if emitted[k] is None else float(emitted[k]) - latency_ms
                   for k in range(i, j)]
        # Usable when every guess falls in the gap, in order, leaving each word a share of it.
        usable = all(g is not None for g in guesses)
        if usable:
            points = [lo, *(g for g in guesses if g is not None)]
            usable = points[-1] <= hi and all(
                b - a >= MIN_WORD_MS for a, b in pairwise(points))
        if usable:
            prev = lo
            for k, g in zip(range(i, j), guesses, strict=True):
                assert g is not None
                starts[k], ends[k] = prev, g
                prev = g
        else:
            total = sum(lengths[i:j]) or 1
            at = lo
            for k in range(i, j):
                step = (hi - lo) * lengths[k] / total
                starts[k], ends[k] = at, at + step
                at += step
        i = j
    # Inside the chunk and in order: a Whisper word may overrun the speech the VAD found,
    # and the next chunk's words must not start before this one's.
    out: list[tuple[int, int]] = []
    floor, ceiling = chunk.start_ms, max(chunk.end_ms, chunk.start_ms + 1)
    for k in range(n):
        s = min(max(round(starts[k] or 0.0), floor), ceiling - 1)
        e = min(max(round(ends[k] or 0.0), s + 1), ceiling)
        out.append((s, e))
        floor = s
    return out


def capitalise(words: Sequence[Word], names: Iterable[str] = ()) -> list[Word]:
    """Capitals where a subtitle reader expects them: sentence starts and the glossary's
    names, matched on exact lowercase syllables (viet-asr writes every word in lower case)."""
    out = list(words)
    lowered = [syllable(w.text) for w in out]
    for name in sorted(set(names), key=lambda n: -len(n.split())):
        parts = [syllable(p) for p in name.split()]
        target = name.split()
        if not parts or not any(p[:1].isupper() for p in target):
            continue
        size = len(parts)
        for i in range(len(out) - size + 1):
            if lowered[i:i + size] == parts:
                for k in range(size):
                    word = out[i + k]
                    lead, core, trail = _split_punctuation(word.text)
                    out[i + k] = Word(lead + target[k] + trail, word.start_ms, word.end_ms,
                                      word.probability)
    start = True
    for i, word in enumerate(out):
        lead, core, trail = _split_punctuation(word.text)
        if start and core:
            out[i] = Word(lead + core[:1].upper() + core[1:] + trail, word.start_ms,
                          word.end_ms, word.probability)
        if core:
            start = bool(trail) and trail.rstrip("\"'”’)»")[-1:] in SENTENCE_END
    return out
