"""Cue in and out points timed to the picture's shot changes (pure: cues and cuts in, cues out).

The rule is written down in docs/subtitles.md "Shot changes" (Netflix Subtitle Timing
Guidelines, BBC Subtitle Guidelines 6.1-6.3). In short, with frames at the channel's rate:

* an in point within ``shot_snap_frames`` of a cut moves onto the cut (the cue appears with
  the new shot);
* an out point within ``shot_snap_frames`` of a cut moves to ``min_gap_ms`` before it (2 frames
  by default, Netflix's convention): the cue leaves just before the picture changes, and a
  cue starting on the same cut keeps the minimum gap;
* a point that cannot snap without breaking a hard rule, or lies outside the window yet
  closer than ``shot_min_distance_frames``, is moved that far away from the cut, preferably
  on the side it is already on; if no position keeps every hard rule, it stays where it was.

Hard rules always win: cues keep their order and do not overlap, keep the minimum gap (or the
gap they had, if smaller), end after they start, never become shorter than the minimum
duration (or than they were) nor longer than the maximum (or than they were), and no moved
point passes the end of the media. Text, words and flags are never touched.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from subtitles.cues import Cue, Rules

# How good a position is for an in or out point (lower is better). It depends on the position
# alone, never on where the point came from, so repeated passes settle (see snap_to_shots).
_SNAPPED, _CLEAR, _TOO_CLOSE = 0, 1, 2


@dataclass(frozen=True)
class _Candidate:
    """One position an edge may take, with its quality."""

    ms: int
    quality: int


class _Cuts:
    """Sorted shot changes with the window and the berth, in exact milliseconds."""

    def __init__(self, shots_ms: Iterable[int], rules: Rules) -> None:
        self.times = sorted({int(t) for t in shots_ms if t >= 0})
        frame = rules.frame_ms
        self.window = frame * max(0, rules.shot_snap_frames)  # Fraction: exact at 30000/1001
        self.berth = frame * max(0, rules.shot_min_distance_frames)
        self.step = math.ceil(self.berth)  # whole ms that are at least the berth
        self.out_offset = max(0, rules.min_gap_ms)

    def near(self, ms: int, reach: Fraction) -> list[int]:
        """Cuts within reach of ms (a binary search: programmes have hundreds of cuts)."""
        lo = bisect.bisect_left(self.times, ms - reach)
        hi = bisect.bisect_right(self.times, ms + reach)
        return self.times[lo:hi]

    def clear(self, ms: int) -> bool:
        """Whether ms keeps the berth from every cut (exactly the berth away is enough)."""
        return all(abs(cut - ms) >= self.berth for cut in self.near(ms, self.berth))

    def snapped(self, ms: int, *, edge: str) -> bool:
        """Whether an in point sits on a cut, or an out point the minimum gap before one."""
        target = ms if edge == "in" else ms + self.out_offset
        index = bisect.bisect_left(self.times, target)
        return index < len(self.times) and self.times[index] == target

    def quality(self, ms: int, *, edge: str) -> int:
        """How good ms is for this edge: snapped, clear of every cut, or too close to one."""
        if self.snapped(ms, edge=edge):
            return _SNAPPED
        return _CLEAR if self.clear(ms) else _TOO_CLOSE

    def candidates(self, ms: int, *, edge: str) -> list[_Candidate]:
        """Positions for an in ("in") or out ("out") point: where it is, the cuts within the
        snap window, and, when it is too close to a cut, the berth either side of that cut;
        a point only ever moves to a snapped or a clear position."""
        positions: set[int] = set()
        for cut in self.near(ms, max(self.window, self.berth)):
            if abs(cut - ms) <= self.window:
                positions.add(cut if edge == "in" else cut - self.out_offset)
            if abs(cut - ms) < self.berth:
                positions.update((cut - self.step, cut + self.step))
        found = [_Candidate(ms, self.quality(ms, edge=edge))]
        for pos in sorted(positions - {ms}):
            quality = self.quality(pos, edge=edge)
            if pos >= 0 and quality != _TOO_CLOSE:
                found.append(_Candidate(pos, quality))
        return found


def snap_to_shots(
    cues: Sequence[Cue],
    shots_ms: Sequence[int],
    rules: Rules,
    media_duration_ms: int | None = None,
    *,
    allowed: Callable[[int, int, int], bool] | None = None,
) -> list[Cue]:
    """Time cues (in time order, as tracks store them) to the shot changes, without breaking
    any hard rule; cues with no cut nearby come back unchanged, and a second run changes
    nothing. ``allowed(index, start_ms, end_ms)`` may refuse a new timing for a cue (a
    translation must stay inside its source cues).

    A pass bounds each cue by its neighbours' current times, so a cue that moves can free its
    neighbour (a later cue's in point snapping forward lets the earlier out point extend):
    passes repeat until none changes a cue. A cue only changes for a strictly better total
    quality of its two points, which cannot fall forever, so this ends; the bound is a guard.
    """
    cuts = _Cuts(shots_ms, rules)
    current = list(cues)
    if not cuts.times or not current:
        return current
    for _ in range(6 * len(current) + 1):
        timed = _one_pass(current, cuts, rules, media_duration_ms, allowed)
        if timed == current:
            break
        current = timed
    return current


def _one_pass(cues: Sequence[Cue], cuts: _Cuts, rules: Rules, media_duration_ms: int | None,
              allowed: Callable[[int, int, int], bool] | None) -> list[Cue]:
    """Give each cue, left to right, the best pair of points its neighbours allow."""
    gap = rules.min_gap_ms
    out: list[Cue] = []
    for index, cue in enumerate(cues):
        start, end = cue.start_ms, cue.end_ms
        if end <= start:  # broken timing is QC's business, not ours
            out.append(cue)
            continue
        # Bounds that hold, or are at least not made worse than they were.
        lo_start = 0
        if out:
            lo_start = min(out[-1].end_ms + gap, start)
        hi_end: float = math.inf
        if index + 1 < len(cues):
            hi_end = min(hi_end, cues[index + 1].start_ms - gap)
        if media_duration_ms is not None:
            hi_end = min(hi_end, media_duration_ms)
        hi_end = max(hi_end, end)
        duration = end - start
        min_duration = min(duration, rules.min_duration_ms)
        max_duration = max(duration, rules.max_duration_ms)

        best: tuple[tuple[int, int], int, int] | None = None
        for s in cuts.candidates(start, edge="in"):
            if s.ms < lo_start:
                continue
            for e in cuts.candidates(end, edge="out"):
                length = e.ms - s.ms
                if e.ms > hi_end or length < max(1, min_duration) or length > max_duration:
                    continue
                rank = ((s.quality + e.quality), abs(s.ms - start) + abs(e.ms - end))
                if best is not None and rank >= best[0]:
                    continue
                if (allowed is not None and (s.ms, e.ms) != (start, end)
                        and not allowed(index, s.ms, e.ms)):
                    continue
                best = (rank, s.ms, e.ms)
        if best is None or (best[1], best[2]) == (start, end):
            out.append(cue)
        else:
            out.append(replace(cue, start_ms=best[1], end_ms=best[2]))
    return out
