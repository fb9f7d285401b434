"""RFC 9110's precondition order and range rules, case by case (web/conditional.py): what a
download manager or a generated client gets for each combination of headers."""

from __future__ import annotations

import datetime as dt

import pytest

from web.conditional import Decision, Validators, evaluate

MODIFIED = dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
FILE = Validators("abc123", MODIFIED, 1000)
BEFORE = "Mon, 30 Nov 2026 08:30:00 GMT"
AT = "Tue, 01 Dec 2026 08:30:00 GMT"
AFTER = "Wed, 02 Dec 2026 08:30:00 GMT"


def answer(headers: dict[str, str], method: str = "GET") -> Decision:
    return evaluate(method, headers, FILE)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 200),
    ({"If-Match": '"abc123"'}, 200),
    ({"If-Match": '"x", "abc123"'}, 200),
    ({"If-Match": "*"}, 200),
    ({"If-Match": 'W/"abc123"'}, 412),  # If-Match compares strongly
    ({"If-Match": '"other"'}, 412),
    ({"If-Match": '"other"', "If-None-Match": '"abc123"'}, 412),  # step 1 before step 3
    ({"If-Unmodified-Since": BEFORE}, 412),
    ({"If-Unmodified-Since": AT}, 200),
    ({"If-Unmodified-Since": "not a date"}, 200),  # an invalid date is ignored
    ({"If-Match": '"abc123"', "If-Unmodified-Since": BEFORE}, 200),  # If-Match wins
    ({"If-None-Match": 'W/"abc123"'}, 304),  # weak comparison
    ({"If-None-Match": "*"}, 304),
    ({"If-None-Match": '"other"'}, 200),
    ({"If-Modified-Since": AT}, 304),
    ({"If-Modified-Since": AFTER}, 304),
    ({"If-Modified-Since": BEFORE}, 200),
    ({"If-None-Match": '"other"', "If-Modified-Since": AFTER}, 200),  # INM replaces IMS
    ({"If-None-Match": '"abc123"', "Range": "bytes=0-9"}, 304),  # 304 before 206
    ({"Range": "bytes=0-9"}, 206),
    ({"Range": "items=0-9"}, 200),  # unknown unit: ignored
    ({"Range": "bytes=0-9,20-29"}, 200),  # several ranges: served whole
    ({"Range": "bytes=1000-"}, 416),
    ({"Range": "bytes=9-0"}, 416),
    ({"Range": "bytes=-0"}, 416),
    ({"Range": "bytes=x-y"}, 416),
    ({"Range": "bytes=0-9", "If-Range": '"abc123"'}, 206),
    ({"Range": "bytes=0-9", "If-Range": 'W/"abc123"'}, 200),  # If-Range compares strongly
    ({"Range": "bytes=0-9", "If-Range": '"other"'}, 200),
    ({"Range": "bytes=0-9", "If-Range": AT}, 206),
    ({"Range": "bytes=0-9", "If-Range": BEFORE}, 200),
])
def test_get(headers: dict[str, str], status: int) -> None:
    assert answer(headers).status == status


def test_ranges_give_the_exact_bytes() -> None:
    assert (answer({"Range": "bytes=10-19"}).start, answer({"Range": "bytes=10-19"}).end) == \
        (10, 19)
    tail = answer({"Range": "bytes=-100"})
    assert (tail.status, tail.start, tail.end, tail.length) == (206, 900, 999, 100)
    assert answer({"Range": "bytes=-5000"}).start == 0
    clipped = answer({"Range": "bytes=990-5000"})
    assert (clipped.start, clipped.end) == (990, 999)
    assert answer({"Range": "bytes=500-"}).length == 500
    assert answer({}).length == 1000


def test_head_ignores_range_and_other_methods_fail_if_none_match() -> None:
    assert answer({"Range": "bytes=0-9"}, "HEAD").status == 200
    assert answer({"If-None-Match": '"abc123"'}, "HEAD").status == 304
    assert answer({"If-None-Match": '"abc123"'}, "PUT").status == 412


def test_an_empty_file_has_no_satisfiable_range() -> None:
    empty = Validators("e", MODIFIED, 0)
    assert evaluate("GET", {"Range": "bytes=0-"}, empty).status == 416
    assert evaluate("GET", {"Range": "bytes=-1"}, empty).status == 416
    assert evaluate("GET", {}, empty).status == 200
