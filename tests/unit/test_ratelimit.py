"""The partner API's sliding-window limiter, in memory and on the real Redis server."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import require_service
from web.api.ratelimit import WINDOW_S, Limiter


def _check(limiter: Limiter) -> None:
    key = uuid.uuid4().hex
    t0 = 1_000_000.0
    verdicts = [limiter.hit(key, 3, now=t0 + i) for i in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts[:3]] == [2, 1, 0]
    assert verdicts[3].reset_s == WINDOW_S - 3  # when the first request ages out
    assert verdicts[3].headers()["Retry-After"] == str(WINDOW_S - 3)
    # No burst across a minute boundary: still refused just after t0 + 59.
    assert not limiter.hit(key, 3, now=t0 + WINDOW_S - 0.5).allowed
    # Once the first request is older than the window, one more place opens.
    assert limiter.hit(key, 3, now=t0 + WINDOW_S + 0.1).allowed
    assert not limiter.hit(key, 3, now=t0 + WINDOW_S + 0.2).allowed
    assert limiter.hit(uuid.uuid4().hex, 3, now=t0).allowed  # keys are separate


def test_memory_limiter() -> None:
    _check(Limiter())


@pytest.mark.redis
def test_redis_limiter_shared_between_processes() -> None:
    url = "redis://127.0.0.1:6379/15"
    require_service("redis", url)
    first, second = Limiter(url, prefix="test"), Limiter(url, prefix="test")
    _check(first)
    key = uuid.uuid4().hex
    assert first.hit(key, 2, now=5.0).allowed and second.hit(key, 2, now=6.0).allowed
    assert not first.hit(key, 2, now=7.0).allowed  # the two share one count
