"""Durations people type (issue 13): 90, 1:30, 01:30, 00:01:30, 00:01:30:12 (frames), one
parser for every form, precise bilingual errors, and m:ss / h:mm:ss when shown."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.errors import ValidationError
from station.timecode import format_duration, parse_duration, parse_duration_s


@pytest.mark.parametrize(("text", "ms"), [
    ("90", 90_000), ("1:30", 90_000), ("01:30", 90_000), ("00:01:30", 90_000),
    ("00:01:30:00", 90_000), ("00:01:30:12", 90_480), ("  1:30 ", 90_000),
    ("0", 0), ("0:20", 20_000), ("25:00", 1_500_000), ("90:00", 5_400_000),
    ("1:00:00", 3_600_000), ("0:00:00:24", 960),
])
def test_accepted_forms(text: str, ms: int) -> None:
    assert parse_duration(text) == ms


def test_empty_is_none() -> None:
    assert parse_duration("") is None
    assert parse_duration("   ") is None
    assert parse_duration(None) is None
    assert parse_duration_s("") is None


def test_frames_follow_the_frame_rate_exactly() -> None:
    assert parse_duration("00:00:01:15", fps=30) == 1500
    assert parse_duration("00:00:00:07", fps=Fraction(30000, 1001)) == 234  # 233.57 ms
    assert parse_duration("00:00:00:29", fps="30000/1001") == 968
    with pytest.raises(ValidationError) as caught:
        parse_duration("00:00:00:25", fps=25)
    assert caught.value.message() == "“00:00:00:25”: frames must be under 25 at 25 fps (here 25)"
    with pytest.raises(ValidationError) as caught:
        parse_duration("00:00:00:30", fps=Fraction(30000, 1001))
    assert "under 30 at 29.97 fps" in caught.value.message()


def test_seconds_round_up_so_every_frame_fits() -> None:
    assert parse_duration_s("00:01:30:12") == 91
    assert parse_duration_s("1:30") == 90
    assert parse_duration_s("90") == 90


@pytest.mark.parametrize(("text", "english", "vietnamese"), [
    ("1:75", "“1:75”: seconds must be under 60 (here 75)",
     "“1:75”: số giây phải nhỏ hơn 60 (đang là 75)"),
    ("1:60:00", "“1:60:00”: minutes must be under 60 after the hours (here 60)",
     "“1:60:00”: số phút sau số giờ phải nhỏ hơn 60 (đang là 60)"),
    ("abc", "“abc” is not a duration: write 90 (seconds), 1:30, 00:01:30 or 00:01:30:12 "
     "(frames)", "“abc” không phải là thời lượng: hãy viết 90 (giây), 1:30, 00:01:30 hoặc "
     "00:01:30:12 (khung hình)"),
    ("25:00:01", "“25:00:01” is longer than 24:00:00", "“25:00:01” dài hơn 24:00:00"),
])
def test_bad_input_says_what_is_wrong_in_both_languages(text: str, english: str,
                                                         vietnamese: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_duration(text)
    assert caught.value.message("en") == english
    assert caught.value.message("vi") == vietnamese
    assert caught.value.http_status == 400


@pytest.mark.parametrize("text", ["1.5", "2,5", "-5", "1:", ":30", "1::30", "1:2:3:4:5",
                                  "1 30", "1h30", "١:٣٠", "1:30:", "99999999999999999999"])
def test_other_bad_input_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=24 * 3600))
def test_what_is_shown_reads_back_the_same(seconds: int) -> None:
    shown = format_duration(seconds * 1000)
    assert parse_duration(shown) == seconds * 1000
    assert shown.count(":") == (2 if seconds >= 3600 else 1)
