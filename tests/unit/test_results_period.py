"""Periods, filters, language groups and how figures are written (pure parts of results)."""

from __future__ import annotations

import datetime as dt

import pytest

from results.drilldown import drill_title
from results.exports.report import place_date
from results.labels import cell, label, number
from results.types import Column, Filters, Period, language_group
from station.errors import ValidationError


def test_period_bounds_are_local_midnights_in_utc() -> None:
    year = Period.year(2026)
    assert year.utc_start == dt.datetime(2025, 12, 31, 17, 0, tzinfo=dt.UTC)
    assert year.utc_end == dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)
    assert year.offset_minutes() == 7 * 60
    assert year.months() == [f"2026-{m:02d}" for m in range(1, 13)]


def test_periods_are_named_like_a_report_title() -> None:
    assert Period.month(2026, 3).label("vi") == "tháng 3 năm 2026"
    assert Period.month(2026, 2).end == dt.date(2026, 2, 28)
    assert Period.quarter(2026, 4).label("vi") == "quý IV năm 2026"
    assert Period.quarter(2026, 1).label("en") == "Q1 2026"
    assert Period.half(2026, 1).label("vi") == "6 tháng đầu năm 2026"
    assert Period.half(2026, 2).end == dt.date(2026, 12, 31)
    assert Period.year(2026).label("vi") == "năm 2026"
    span = Period(dt.date(2025, 11, 15), dt.date(2026, 2, 10))
    assert span.kind == "range"
    assert span.label("vi") == "từ ngày 15/11/2025 đến ngày 10/02/2026"
    assert span.months() == ["2025-11", "2025-12", "2026-01", "2026-02"]
    # Two whole months that are not a quarter are a range too.
    assert Period(dt.date(2026, 2, 1), dt.date(2026, 3, 31)).kind == "range"


def test_bad_periods_are_refused_clearly() -> None:
    with pytest.raises(ValidationError, match="ends"):
        Period(dt.date(2026, 2, 1), dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="ten years"):
        Period(dt.date(2000, 1, 1), dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="time zone"):
        Period(dt.date(2026, 1, 1), dt.date(2026, 1, 2), tz="Mars/Olympus")
    # A zone with daylight saving changes its offset inside a year: refused, not misgrouped.
    with pytest.raises(ValidationError, match="offset"):
        Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "Europe/Paris").offset_minutes()
    assert Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31), "Europe/Paris") \
        .offset_minutes() == 60


def test_filters_normalise_and_check() -> None:
    assert Filters(channels=("vtv4", " LCTV ", "VTV4", "")).channels == ("LCTV", "VTV4")
    assert not Filters() and Filters(kinds=("news",))
    with pytest.raises(ValidationError, match="opera"):
        Filters(kinds=("opera",))


@pytest.mark.parametrize(("tag", "group"), [
    ("vi", "vi"), ("vi-VN", "vi"), ("en", "foreign"), ("zh-Hans", "foreign"),
    ("lo", "foreign"), ("fr", "foreign"), ("hnj", "minority"), ("blt-Tavt", "minority"),
    ("twh", "minority"), ("ium", "minority"), ("HMN", "minority"), ("kjm", "minority"),
])
def test_language_groups_compare_the_primary_subtag(tag: str, group: str) -> None:
    assert language_group(tag) == group


def test_figures_are_written_the_vietnamese_way() -> None:
    assert number(1234567.26, "vi", 1) == "1.234.567,3"
    assert number(1234567.25, "en", 2) == "1,234,567.25"
    assert cell(Column("r", "r", "percent"), 0.8571, "vi") == "85,7\u00a0%"
    assert cell(Column("r", "r", "percent"), None, "vi") == "–"
    assert cell(Column("b", "b", "bytes"), 2_500_000, "vi") == "2,5 MB"
    assert cell(Column("m", "m", "minutes"), 12.0, "en") == "12.0"
    assert label("month", "2026-03", "vi") == "Tháng 3/2026"
    assert label("month", "2026-03", "vi", short=True) == "T3/2026"
    assert label("month", "2026-03", "en") == "Mar 2026"
    assert label("month", "not-a-month", "vi") == "not-a-month"
    assert label("language", "hnj", "vi") == "Tiếng Mông (hnj)"
    assert label("language", "xyz", "vi") == "xyz"
    assert label("group", "minority", "vi") == "Tiếng dân tộc thiểu số"
    assert label("kind", "news", "en") == "News"
    assert drill_title("produced_month", "2026-12", "vi") == \
        "Tin bài hoàn thành trong Tháng 12/2026"
    assert drill_title("ontime", "late", "en") == "Reports due in the period: Late"


def test_place_and_date_line_follows_decree_30() -> None:
    assert place_date(dt.date(2027, 1, 5), "vi") == "Lai Châu, ngày 05 tháng 01 năm 2027"
    assert place_date(dt.date(2026, 11, 26), "vi") == "Lai Châu, ngày 26 tháng 11 năm 2026"
    assert place_date(dt.date(2026, 3, 9), "vi") == "Lai Châu, ngày 09 tháng 3 năm 2026"
    assert place_date(dt.date(2026, 3, 9), "en") == "Lai Chau, 9 March 2026"
