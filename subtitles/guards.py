"""Hallucination and doubt guards over Whisper's output (pure): flag cues, never delete them.

Whisper invents text over silence and music (YouTube outros, "Thanks for watching"), loops
on a phrase, and is unsure of names. A person decides; these guards only raise a hand, by
adding flags to ``Cue.flags`` (sorted, unique). Words keep their own probability in
``Cue.words`` for the editor to see.
"""

from __future__ import annotations

import bisect
import logging
import math
import operator
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from subtitles.cues import Cue

log = logging.getLogger(__name__)

# faster-whisper's own defaults for WhisperModel.transcribe (faster_whisper/transcribe.py):
# a segment is treated as silence when no_speech_prob > no_speech_threshold and
# avg_logprob < log_prob_threshold; a decode is retried (temperature fallback) when
# avg_logprob < log_prob_threshold or compression_ratio > compression_ratio_threshold.
NO_SPEECH_THRESHOLD = 0.6  # faster-whisper no_speech_threshold
LOG_PROB_THRESHOLD = -1.0  # faster-whisper log_prob_threshold
COMPRESSION_RATIO_THRESHOLD = 2.4  # faster-whisper compression_ratio_threshold
LOW_PROBABILITY = 0.5  # a word below this is doubtful (the desk's brief)

# A loop is a phrase said again and again back to back: at least 3 times and at least 9
# words in all (a 3-word phrase 3 times; a 1-word phrase 9 times), so "vâng vâng" is not one.
LOOP_MIN_REPEATS = 3
LOOP_MIN_WORDS = 9
LOOP_MAX_PHRASE = 20  # longest phrase (in words) looked for

FLAG_NO_SPEECH = "no_speech"
FLAG_REPETITION = "repetition"
FLAG_LOW_LOGPROB = "low_logprob"
FLAG_ARTEFACT = "artefact"
FLAG_LOW_CONFIDENCE = "low_confidence"
FLAGS = (FLAG_ARTEFACT, FLAG_LOW_CONFIDENCE, FLAG_LOW_LOGPROB, FLAG_NO_SPEECH, FLAG_REPETITION)

# Known Whisper hallucinations (learnt from YouTube captions), matched on folded text, so
# "Hay dang ky kenh" matches too. A real outro ("Cảm ơn các bạn đã theo dõi") is flagged
# as well: a person keeps it with one click.
ARTEFACT_PHRASES: tuple[str, ...] = (
    "Hãy subscribe cho kênh",
    "Hãy đăng ký kênh",
    "Nhớ đăng ký kênh",
    "Đăng ký kênh để ủng hộ",
    "Ghiền Mì Gõ",
    "La La School",
    "để không bỏ lỡ những video hấp dẫn",
    "Cảm ơn các bạn đã theo dõi",
    "Cảm ơn các bạn đã xem",
    "Hẹn gặp lại các bạn trong những video tiếp theo",
    "like và subscribe",
    "like share và subscribe",
    "Amara.org",
    "Thanks for watching",
    "Thank you for watching",
    "Thank you so much for watching",
    "Please subscribe",
    "Like and subscribe",
    "Don't forget to subscribe",
    "Subtitles by",
    "Subtitled by",
    "Captions by",
    "Transcribed by",
)

_NON_WORD = re.compile(r"[^a-z0-9]+")
_TOKEN = re.compile(r"\w+")


def _match_form(text: str) -> str:
    """Folded to bare ASCII words, space-padded: the form artefact phrases are matched in.

    Like ``station.text.fold`` (diacritics and đ dropped) but faster, and it drops every
    non-Latin letter, which no phrase in the list has.
    """
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    bare = decomposed.encode("ascii", "ignore").decode("ascii")
    return " " + " ".join(_NON_WORD.sub(" ", bare).split()) + " "


_ARTEFACTS = tuple(_match_form(p) for p in ARTEFACT_PHRASES)


@dataclass(frozen=True)
class SegmentInfo:
    """What Whisper says about one of its segments: timing, silence odds and decode quality."""

    start_ms: int
    end_ms: int
    no_speech_prob: float
    avg_logprob: float
    compression_ratio: float
    text: str = ""

    def flags(self) -> set[str]:
        """The doubts this segment raises by faster-whisper's own thresholds."""
        out: set[str] = set()
        if self.avg_logprob < LOG_PROB_THRESHOLD:
            out.add(FLAG_LOW_LOGPROB)
            if self.no_speech_prob > NO_SPEECH_THRESHOLD:
                out.add(FLAG_NO_SPEECH)
        if self.compression_ratio > COMPRESSION_RATIO_THRESHOLD:
            out.add(FLAG_REPETITION)
        return out


def flag_cues(cues: Sequence[Cue], segments_info: Sequence[SegmentInfo]) -> list[Cue]:
    """Return the cues with guard flags added (sorted, unique); text, times and words kept."""
    found: list[set[str]] = [set(cue.flags) for cue in cues]
    segments = sorted(segments_info, key=lambda s: (s.start_ms, s.end_ms))
    segment_flags = [s.flags() for s in segments]
    if any(segment_flags):
        starts = [s.start_ms for s in segments]
        for index, cue in enumerate(cues):
            for s in _segments_of(cue, segments, starts):
                found[index] |= segment_flags[s]
    for index in _looping_cues(cues):
        found[index].add(FLAG_REPETITION)
    for index, cue in enumerate(cues):
        if is_artefact(cue.text):
            found[index].add(FLAG_ARTEFACT)
        if cue.words:
            low = sum(1 for w in cue.words if w.probability < LOW_PROBABILITY)
            if low * 2 >= len(cue.words):  # at least half the words are doubtful
                found[index].add(FLAG_LOW_CONFIDENCE)
    out = [replace(cue, flags=tuple(sorted(flags))) if tuple(sorted(flags)) != cue.flags
           else cue for cue, flags in zip(cues, found, strict=True)]
    log.debug("guards flagged %d of %d cues", sum(1 for c in out if c.flags), len(out))
    return out


def is_artefact(text: str) -> bool:
    """True when the text contains a known Whisper hallucination (diacritics ignored)."""
    form = _match_form(text)
    return any(phrase in form for phrase in _ARTEFACTS)


def _segments_of(cue: Cue, segments: list[SegmentInfo], starts: list[int]) -> set[int]:
    """Indices of the segments a cue's words came from (by each word's midpoint), or, for a
    cue without words, of the segments that cover most of the cue or that it mostly covers."""
    out: set[int] = set()
    if cue.words:
        for word in cue.words:
            mid = (word.start_ms + word.end_ms) // 2
            index = _nearest(segments, starts, mid)
            if index is not None:
                out.add(index)
        return out
    lo = bisect.bisect_right(starts, cue.start_ms) - 1
    for index in range(max(lo, 0), len(segments)):
        s = segments[index]
        if s.start_ms >= cue.end_ms:
            break
        inter = min(s.end_ms, cue.end_ms) - max(s.start_ms, cue.start_ms)
        if inter > 0 and inter * 2 >= min(s.end_ms - s.start_ms, cue.duration_ms):
            out.add(index)
    return out


def _nearest(segments: list[SegmentInfo], starts: list[int], moment: int) -> int | None:
    """The segment containing ``moment``, else the closest one (word times stray a little)."""
    if not segments:
        return None
    index = bisect.bisect_right(starts, moment) - 1
    if index >= 0 and moment <= segments[index].end_ms:
        return index
    candidates = [i for i in (index, index + 1) if 0 <= i < len(segments)]
    return min(candidates, key=lambda i: max(segments[i].start_ms - moment,
                                             moment - segments[i].end_ms))


def _looping_cues(cues: Sequence[Cue]) -> set[int]:
    """Cues holding part of a phrase looped back to back, within a cue or across cues."""
    tokens: list[str] = []
    owner: list[int] = []
    for index in sorted(range(len(cues)), key=lambda i: (cues[i].start_ms, cues[i].end_ms)):
        found = _TOKEN.findall(cues[index].text.casefold())
        tokens.extend(found)
        owner.extend([index] * len(found))
    looped: set[int] = set()
    n = len(tokens)
    for period in range(1, LOOP_MAX_PHRASE + 1):
        repeats = max(LOOP_MIN_REPEATS, math.ceil(LOOP_MIN_WORDS / period))
        need = (repeats - 1) * period  # consecutive tokens equal to the one a period later
        if need + period > n:
            continue
        # byte i is 1 when token i equals token i + period; a run of `need` ones is a loop
        same = bytes(map(operator.eq, tokens, tokens[period:]))
        for run in re.finditer(b"\x01{%d,}" % need, same):
            looped.update(owner[run.start():run.end() + period])
    return looped
