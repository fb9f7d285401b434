"""The one in-memory subtitle model every format, check and segmenter works on (pure).

Times are integer milliseconds; text is NFC with lines separated by "\\n". Rules are the
channel's subtitle rules (docs/standards.md "Subtitle rules": Netflix Timed Text Style Guide and
BBC Subtitle Guidelines v1.2.5), with exact frame rates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from station.text import nfc


@dataclass(frozen=True)
class Word:
    """One recognised word with its timing and Whisper's confidence (0..1)."""

    text: str
    start_ms: int
    end_ms: int
    probability: float = 1.0


@dataclass(frozen=True)
class Cue:
    """One subtitle: when it shows, what it says, and why it may need a person's eye."""

    start_ms: int
    end_ms: int
    text: str
    flags: tuple[str, ...] = ()
    words: tuple[Word, ...] = ()

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n") if self.text else []

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def with_text(self, text: str) -> Cue:
        return replace(self, text=normalize_text(text))


@dataclass
class SubtitleDoc:
    """A track's content in memory: a language (BCP-47) and its cues in time order."""

    language: str = "und"
    cues: list[Cue] = field(default_factory=list)
    title: str = ""

    def sorted(self) -> SubtitleDoc:
        return SubtitleDoc(self.language, sorted(self.cues, key=lambda c: (c.start_ms,
                                                                           c.end_ms)),
                           self.title)


MIN_TEXT_BOUND = 500  # characters: the floor of Rules.max_text_chars


@dataclass(frozen=True)
class Rules:
    """A channel's subtitle rules; defaults from docs/standards.md (frames at 25 fps)."""

    max_chars_per_line: int = 42  # Netflix/BBC; 37 for Teletext-safe partners
    max_lines: int = 2  # Netflix; BBC
    max_chars_per_second: float = 17  # Netflix Vietnamese template, NFC characters
    min_duration_ms: int = 833  # 5/6 s = 21 frames (Netflix general)
    max_duration_ms: int = 7000  # 7 s = 175 frames (Netflix general)
    min_gap_ms: int = 80  # 2 frames at 25 fps (Netflix general)
    frame_rate: Fraction = Fraction(25)  # Vietnam broadcasts at 25 fps
    # Shot changes (docs/subtitles.md "Shot changes"; Netflix timing guidelines, BBC 6.1-6.3):
    # an in/out point within this many frames of a cut snaps to it...
    shot_snap_frames: int = 7
    # ...and one that cannot snap stays at least this many frames away from the cut.
    shot_min_distance_frames: int = 2

    @property
    def frame_ms(self) -> Fraction:
        return Fraction(1000) / self.frame_rate

    @property
    def max_text_chars(self) -> int:
        """The most text a cue may hold at all (issue 12): four times what the rules let a
        viewer read, at least 500, so an over-long draft is kept for QC to flag while a
        pasted book (or 200 MB) is refused."""
        return max(MIN_TEXT_BOUND, self.max_lines * self.max_chars_per_line * 4)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Rules:
        """Rules from a channel's JSON settings; unknown keys are ignored, missing ones default."""
        values = dict(values or {})
        known = {k: values[k] for k in cls.__dataclass_fields__ if k in values}
        if "frame_rate" in known:
            known["frame_rate"] = Fraction(str(known["frame_rate"]))
        return cls(**known)

    def as_mapping(self) -> dict[str, Any]:
        """JSON-safe form, kept on a track as the rules snapshot it was cut to."""
        return {
            "max_chars_per_line": self.max_chars_per_line,
            "max_lines": self.max_lines,
            "max_chars_per_second": self.max_chars_per_second,
            "min_duration_ms": self.min_duration_ms,
            "max_duration_ms": self.max_duration_ms,
            "min_gap_ms": self.min_gap_ms,
            "frame_rate": str(self.frame_rate),
            "shot_snap_frames": self.shot_snap_frames,
            "shot_min_distance_frames": self.shot_min_distance_frames,
        }


_SPACE_RUNS = re.compile(r"[ \t]+")


def normalize_text(text: str) -> str:
    """NFC, Unix line ends, single spaces, no empty lines inside a cue.

    No-break spaces are kept: French punctuation needs them (" ;", " ?").
    """
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACE_RUNS.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def char_count(text: str) -> int:
    """Characters as readers count them: NFC code points, spaces and punctuation included,
    line breaks not (docs/standards.md: reading speed counted on NFC text)."""
    return len(nfc(text).replace("\n", ""))


def chars_per_second(cue: Cue) -> float:
    if cue.duration_ms <= 0:
        return float("inf")
    return char_count(cue.text) * 1000 / cue.duration_ms
