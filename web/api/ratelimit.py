"""Sliding-window rate limits for the partner API: at most N requests in any 60 seconds per
token. Kept in Redis when the instance has one (several web processes share the count, a
sorted set of request times per key), else in this process's memory.

A sliding window (not fixed minutes) so a client cannot burst 2N requests across a minute
boundary, and so the limit a partner sees does not depend on the wall clock."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

WINDOW_S = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until a request is allowed again (or the oldest one ages out)

    def headers(self) -> dict[str, str]:
        headers = {"X-RateLimit-Limit": str(self.limit),
                   "X-RateLimit-Remaining": str(max(0, self.remaining)),
                   "X-RateLimit-Reset": str(self.reset_s)}
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_s)
        return headers


class Limiter:
    """Counts requests per key over the last WINDOW_S seconds; refused ones do not count."""

    def __init__(self, redis_url: str = "", prefix: str = "station") -> None:
        self._redis: Any = None
        if redis_url:
            from redis import Redis

            self._redis = Redis.from_url(redis_url)
            self._script = self._redis.register_script(_SLIDING_WINDOW_LUA)
        self._prefix = f"{prefix}:ratelimit"
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, limit: int, *, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        if self._redis is not None:
            oldest, count = self._redis_hit(key, limit, now)
        else:
            oldest, count = self._memory_hit(key, limit, now)
        allowed = count <= limit
        reset = max(1, int(oldest + WINDOW_S - now + 0.999)) if oldest is not None else WINDOW_S
        return Verdict(allowed, limit, limit - count, reset)

    def _memory_hit(self, key: str, limit: int, now: float) -> tuple[float | None, int]:
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - WINDOW_S:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0], limit + 1
            hits.append(now)
            return hits[0], len(hits)

    def _redis_hit(self, key: str, limit: int, now: float) -> tuple[float | None, int]:
        # One script, so two web processes cannot both take the last place in the window.
        count, oldest = self._script(keys=[f"{self._prefix}:{key}"],
                                     args=[now, WINDOW_S, limit, f"{now}:{uuid.uuid4().hex}"])
        return float(oldest), int(count)


_SLIDING_WINDOW_LUA = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
local count = redis.call('ZCARD', key)
local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local oldest = first[2] or ARGV[1]
if count >= limit then return {limit + 1, oldest} end
redis.call('ZADD', key, now, ARGV[4])
redis.call('EXPIRE', key, window + 5)
return {count + 1, oldest}
"""
