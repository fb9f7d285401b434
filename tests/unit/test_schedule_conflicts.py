"""Overlap detection: the sort-and-sweep against a brute-force oracle, and its speed.

Slots are half-open [start, end) on one channel (station.timecode.overlaps); a year of four
channels (about 60,000 slots) must check in well under a second (issue 5, "Benchmark").
"""

from __future__ import annotations

import datetime as dt
import random
from collections import namedtuple
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from schedule.conflicts import conflicted_ids, overlapping_indices, overlapping_pairs
from schedule.items import SlotItem
from station.timecode import overlaps

BASE = dt.datetime(2026, 12, 6, 22, 0, tzinfo=dt.UTC)  # 05:00 local on 7 Dec


def slot(slot_id: int | None, seconds: float, duration_s: int, channel: str = "VTV4") -> SlotItem:
    return SlotItem(slot_id, channel, BASE + dt.timedelta(seconds=seconds), duration_s,
                    f"Slot {slot_id}")


def oracle(slots: list[SlotItem]) -> set[frozenset[int]]:
    """Every pair, the obvious way: O(n²), used only to check the sweep."""
    us = dt.timedelta(microseconds=1)

    def bounds(s: SlotItem) -> tuple[int, int]:
        start = (s.start - BASE) // us
        return start, start + s.duration_s * 1_000_000

    return {frozenset((i, j)) for (i, a), (j, b) in combinations(enumerate(slots), 2)
            if a.channel == b.channel and overlaps(*bounds(a), *bounds(b))}


def as_sets(pairs: list[tuple[int, int]]) -> set[frozenset[int]]:
    return {frozenset(p) for p in pairs}


def test_back_to_back_slots_do_not_overlap() -> None:
    assert overlapping_pairs([slot(1, 0, 1800), slot(2, 1800, 1800)]) == []


def test_overlaps_found_each_pair_once_earlier_slot_first() -> None:
    slots = [slot(3, 600, 60), slot(1, 0, 1800), slot(2, 1799, 10), slot(4, 1800, 5)]
    assert sorted(overlapping_pairs(slots)) == [(1, 2), (1, 3), (2, 4)]  # 2 runs to 1809
    assert conflicted_ids(slots) == {1, 2, 3, 4}
    assert overlapping_pairs([slot(1, 0, 1800), slot(2, 1799, 1)]) == [(1, 2)]


def test_same_start_overlaps_and_containment_overlaps() -> None:
    assert overlapping_pairs([slot(1, 0, 60), slot(2, 0, 60)]) in ([(1, 2)], [(2, 1)])
    assert overlapping_pairs([slot(1, 0, 3600), slot(2, 600, 60)]) == [(1, 2)]


def test_other_channels_never_conflict() -> None:
    assert overlapping_pairs([slot(1, 0, 1800, "VTV4"), slot(2, 0, 1800, "VOV5")]) == []


def test_unsaved_slots_are_reported_by_index() -> None:
    slots = [slot(None, 0, 60), slot(None, 30, 60)]
    assert overlapping_indices(slots) == [(0, 1)]
    assert conflicted_ids(slots) == set()


def test_microsecond_starts_are_exact() -> None:
    """A start with microseconds plus whole seconds must meet the next start exactly."""
    first = SlotItem(1, "VTV4", BASE + dt.timedelta(microseconds=1), 1800, "a")
    second = SlotItem(2, "VTV4", first.end, 1800, "b")
    third = SlotItem(3, "VTV4", first.end - dt.timedelta(microseconds=1), 10, "c")
    assert sorted(overlapping_pairs([first, second, third])) == [(1, 3), (3, 2)]


def test_any_object_with_the_slot_attributes_works() -> None:
    Row = namedtuple("Row", "id channel start duration_s")
    rows = [Row(1, "VTV4", BASE, 60), Row(2, "VTV4", BASE + dt.timedelta(seconds=59), 60)]
    assert overlapping_pairs(rows) == [(1, 2)]


moments = st.tuples(st.integers(0, 40), st.sampled_from([0, 1, 500_000, 999_999]))
slots_strategy = st.lists(
    st.tuples(st.sampled_from(["VTV4", "VOV5"]), moments, st.integers(1, 12)),
    max_size=40)


@settings(max_examples=400, deadline=None)
@given(specs=slots_strategy, touching=st.lists(st.integers(0, 39), max_size=5))
def test_sweep_agrees_with_brute_force(specs: list[tuple[str, tuple[int, int], int]],
                                       touching: list[int]) -> None:
    slots = [SlotItem(n, channel, BASE + dt.timedelta(seconds=s, microseconds=us), d, "x")
             for n, (channel, (s, us), d) in enumerate(specs)]
    # Add slots starting exactly where another ends: the half-open edge case.
    for k, index in enumerate(touching):
        if index < len(slots):
            other = slots[index]
            slots.append(SlotItem(1000 + k, other.channel, other.end, 3, "edge"))
    found = overlapping_indices(slots)
    assert len(found) == len(set(map(frozenset, found)))  # each pair once
    assert as_sets(found) == oracle(slots)
    for i, j in found:
        assert slots[i].start <= slots[j].start


def year_of_slots(channels: int = 4, per_day: int = 42, clashes: int = 100,
                  seed: int = 5) -> tuple[list[SlotItem], int]:
    """About 60,000 back-to-back slots over a year, with ``clashes`` overlaps injected."""
    rng = random.Random(seed)
    slots: list[SlotItem] = []
    length = 86_400 // per_day
    for c in range(channels):
        for day in range(365):
            for n in range(per_day):
                start = BASE + dt.timedelta(days=day, seconds=n * length)
                slots.append(SlotItem(len(slots) + 1, f"CH{c}", start, length, "x"))
    chosen = rng.sample(range(len(slots)), clashes)
    for index in chosen:  # a 60 s item inside an existing slot: exactly one new pair each
        host = slots[index]
        slots.append(SlotItem(len(slots) + 1, host.channel,
                              host.start + dt.timedelta(seconds=60), 60, "clash"))
    rng.shuffle(slots)
    return slots, clashes


def test_a_year_of_four_channels_finds_every_clash() -> None:
    """Its speed is benchmarks/scheduling.py's to measure; here, only that none is missed."""
    slots, clashes = year_of_slots()
    assert len(slots) >= 60_000
    assert len(overlapping_pairs(slots)) == clashes
