"""Overlapping slots on one channel, found by a sort-and-sweep (pure).

Slots are half-open intervals [start, start + duration): a slot ending at 19:00 and the next
starting at 19:00 do not overlap (station.timecode.overlaps). Checking every pair is O(n²),
about 1.8e9 pairs for a year of four channels; sorting by start and sweeping with a heap of
the still-running slots' ends is O(n log n + k) for k overlapping pairs. The SQL twin that
asks the database the same question for the week grid lives with the services.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Hashable, Sequence
from typing import Protocol

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


class Interval(Protocol):
    """What the sweep reads from a slot (a SlotItem, or a row with the same attributes)."""

    @property
    def id(self) -> int | None: ...
    @property
    def channel(self) -> Hashable: ...
    @property
    def start(self) -> dt.datetime: ...
    @property
    def duration_s(self) -> int: ...


def overlapping_indices(slots: Sequence[Interval]) -> list[tuple[int, int]]:
    """Index pairs (i, j) of slots on the same channel that overlap, each pair once.

    In each pair ``i`` starts no later than ``j``; pairs come in the order of ``j``'s start
    per channel. Works on unsaved slots too (ids may be None). Durations must be positive:
    an empty interval overlaps nothing, and the schedule refuses it earlier.
    """
    by_channel: dict[Hashable, list[tuple[int, int, int]]] = {}
    for index, slot in enumerate(slots):
        # Integer microseconds: exact, so back-to-back slots never touch by float rounding.
        start = (slot.start - _EPOCH) // _MICROSECOND
        end = start + slot.duration_s * 1_000_000
        by_channel.setdefault(slot.channel, []).append((start, end, index))
    pairs: list[tuple[int, int]] = []
    for items in by_channel.values():
        items.sort()
        running: list[tuple[int, int]] = []  # heap of (end, index) of slots not yet over
        for start, end, index in items:
            while running and running[0][0] <= start:  # ended at or before: half-open
                heapq.heappop(running)
            pairs.extend((other, index) for _, other in running)
            heapq.heappush(running, (end, index))
    return pairs


def overlapping_pairs(slots: Sequence[Interval]) -> list[tuple[int | None, int | None]]:
    """Slot id pairs that overlap on one channel, the earlier-starting slot first."""
    return [(slots[i].id, slots[j].id) for i, j in overlapping_indices(slots)]


def conflicted_ids(slots: Sequence[Interval]) -> set[int]:
    """Ids of saved slots that overlap anything: the grid's red badges in one pass."""
    found: set[int] = set()
    for i, j in overlapping_indices(slots):
        for slot_id in (slots[i].id, slots[j].id):
            if slot_id is not None:
                found.add(slot_id)
    return found
