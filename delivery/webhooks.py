"""Webhook signing and sending, pure (no database): the job in delivery.tasks records attempts.

A partner's server learns that a package is ready from a POST with a JSON body and three
headers: ``X-Station-Event``, ``X-Station-Timestamp`` (Unix seconds) and
``X-Station-Signature: sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` with the
partner's secret. Signing the timestamp with the body lets the receiver refuse replays (the
scheme GitHub and Stripe use); docs/delivery.md shows the receiver's side.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Station-Signature"
TIMESTAMP_HEADER = "X-Station-Timestamp"
EVENT_HEADER = "X-Station-Event"
DELIVERY_HEADER = "X-Station-Delivery"
USER_AGENT = "Station-Webhook/1"


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact, keys sorted, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` over ``"<timestamp>.<body>"``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body,
                   hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *,
           now: float | None = None, tolerance: int = 300) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


def backoff(attempt: int, base: float) -> float:
    """Seconds to wait after failed try number ``attempt`` (1, 2, ...): base, 2 base, 4 base..."""
    return base * (2 ** (attempt - 1))


@dataclass(frozen=True)
class Outcome:
    """What one try got: the HTTP status (None when no answer) and why it failed."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and \
            200 <= self.status_code < 300


def post(url: str, payload: dict[str, Any], *, secret: str, event: str, delivery_id: int,
         timeout: float, now: float | None = None) -> Outcome:
    """POST one signed event; any answer outside 2xx, or no answer, is a failure."""
    body = body_bytes(payload)
    stamp = int(now if now is not None else time.time())
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(secret, stamp, body),
    })
    started = time.monotonic()
    status: int | None = None
    error: str | None = None
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            response.read(65536)
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        error = f"{type(exc).__name__}: {reason}"
    duration = int((time.monotonic() - started) * 1000)
    if error is None and status is not None and not 200 <= status < 300:
        error = f"HTTP {status}"
    log.info("webhook %s to %s: %s", event, url, error or status)
    return Outcome(status, error, duration)
