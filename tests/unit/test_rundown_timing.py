"""The rundown's clock: read times from the reading rate, item durations, front and back
times and over/under, against values worked out by hand."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from planning import timing
from planning.timing import ItemFacts, count_words, item_duration, read_ms, time_rundown

ON_AIR = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)  # 19:00 in Lai Châu


def test_words_are_vietnamese_syllables_between_spaces() -> None:
    assert count_words("Thời sự Lai Châu") == 4
    assert count_words("  Chào   quý vị,\nchào\tcác bạn. ") == 6
    assert count_words("Sáng nay – tại Tam Đường") == 5  # the dash alone is not read
    assert count_words("") == 0


def test_decomposed_text_counts_the_same_as_composed() -> None:
    text = "Người dân Mường Tè đón Tết"
    assert count_words(unicodedata.normalize("NFD", text)) == count_words(text) == 6


def test_read_time_at_the_default_rate() -> None:
    assert timing.DEFAULT_WORDS_PER_MINUTE == 170
    # 170 words at 170 wpm: exactly one minute.
    assert read_ms(" ".join(["tin"] * 170)) == 60_000
    # 85 words: 30 s; 86 words: 30.35 s, rounded up to 31 s.
    assert read_ms(" ".join(["tin"] * 85)) == 30_000
    assert read_ms(" ".join(["tin"] * 86)) == 31_000


def test_read_time_at_an_anchors_own_rate() -> None:
    # 40 words at 160 wpm = 15 s; at 180 wpm = 13.33 s -> 14 s.
    text = " ".join(["xã"] * 40)
    assert read_ms(text, 160) == 15_000
    assert read_ms(text, 180) == 14_000


def test_a_rate_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        read_ms("tin", 20)


def test_each_kind_takes_its_length_from_its_own_source() -> None:
    assert item_duration(ItemFacts("package", media_ms=95_400, estimate_s=120)) == (
        95_400, "media")
    assert item_duration(ItemFacts("reader", text=" ".join(["tin"] * 85),
                                   estimate_s=10)) == (30_000, "read")
    assert item_duration(ItemFacts("live", estimate_s=180)) == (180_000, "estimate")
    assert item_duration(ItemFacts("break", estimate_s=0)) == (0, "estimate")
    # voice-over text is timed by the editor's estimate, not read time (the pictures run it)
    assert item_duration(ItemFacts("voice_over", text="tin tin", estimate_s=25)) == (
        25_000, "estimate")


def test_missing_sources_fall_back_to_the_estimate_then_to_untimed() -> None:
    assert item_duration(ItemFacts("package", estimate_s=90)) == (90_000, "estimate")
    assert item_duration(ItemFacts("reader", text="  – ", estimate_s=12)) == (12_000, "estimate")
    assert item_duration(ItemFacts("package")) == (0, "untimed")


def test_front_back_and_cumulative_times_of_a_running_order() -> None:
    items = [
        ItemFacts("reader", text=" ".join(["tin"] * 85)),  # 30 s
        ItemFacts("package", media_ms=95_000),  # 1:35
        ItemFacts("live", estimate_s=120),  # 2:00
        ItemFacts("break", estimate_s=15),  # 0:15
    ]
    result = time_rundown(items, ON_AIR, planned_s=300)  # a 5-minute slot
    assert [line.duration_ms for line in result.lines] == [30_000, 95_000, 120_000, 15_000]
    assert [line.offset_ms for line in result.lines] == [0, 30_000, 125_000, 245_000]
    assert [line.cumulative_ms for line in result.lines] == [30_000, 125_000, 245_000,
                                                              260_000]
    assert result.total_ms == 260_000
    assert result.off_air == ON_AIR + dt.timedelta(minutes=5)
    # 4:20 of 5:00: 40 s under.
    assert result.over_ms == -40_000
    # Front time: 12:00:00, 12:00:30, 12:02:05, 12:04:05.
    assert [line.front_time.strftime("%H:%M:%S") for line in result.lines] == [
        "12:00:00", "12:00:30", "12:02:05", "12:04:05"]
    # Back time: off air 12:05:00 minus this line and the rest: 260, 230, 135, 15 s.
    assert [line.back_time.strftime("%H:%M:%S") for line in result.lines] == [
        "12:00:40", "12:01:10", "12:02:45", "12:04:45"]


def test_a_running_order_over_its_slot() -> None:
    result = time_rundown([ItemFacts("live", estimate_s=70)], ON_AIR, planned_s=60)
    assert result.over_ms == 10_000
    # the first line must start 10 s before the on-air time to end at off-air
    assert result.lines[0].back_time == ON_AIR - dt.timedelta(seconds=10)


def test_an_empty_rundown_is_all_under() -> None:
    result = time_rundown([], ON_AIR, planned_s=1800)
    assert result.lines == () and result.over_ms == -1_800_000


def test_a_naive_on_air_time_is_refused() -> None:
    with pytest.raises(ValueError):
        time_rundown([], ON_AIR.replace(tzinfo=None), planned_s=60)


def test_clock_shows_lengths_and_over_under() -> None:
    assert timing.clock(95_000) == "1:35"
    assert timing.clock(95_400) == "1:36"
    assert timing.clock(-40_000) == "-0:40"
    assert timing.clock(3_725_000) == "1:02:05"
