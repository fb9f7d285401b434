"""Checks every worker runs on a timer (e.g. "a slot airs within 24 h and is not ready").

A domain registers a check with ``@every(name, seconds)`` in a module its ``station.tasks``
entry point loads; ``station worker`` runs the due ones in a thread beside the queue. Several
workers run the same check: a check must be idempotent (reminders carry a dedupe key), so
running it twice costs only a query.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from station.registry import Registry

if TYPE_CHECKING:
    from station.runtime import Runtime

log = logging.getLogger(__name__)

Check = Callable[["Runtime"], Any]
TICK = 5.0  # seconds between looks at what is due


@dataclass
class _Entry:
    fn: Check
    seconds: float
    last: float | None = None  # time.monotonic() of the last run in this process


_CHECKS: Registry[_Entry] = Registry(sort=True)


def every(name: str, seconds: float) -> Callable[[Check], Check]:
    """Register ``fn(runtime)`` to run about every ``seconds`` in each worker."""

    def register(fn: Check) -> Check:
        _CHECKS.add(name, _Entry(fn, seconds))
        return fn

    return register


def names() -> list[str]:
    return _CHECKS.names()


def run_due(runtime: Runtime, *, now: float | None = None,
            force: bool = False) -> dict[str, Any]:
    """Run each check whose interval has passed (all with ``force``); a failing check is
    logged and tried again at its next turn, never stopping the others."""
    moment = time.monotonic() if now is None else now
    done: dict[str, Any] = {}
    for name, entry in sorted(_CHECKS.items()):
        if not force and entry.last is not None and moment - entry.last < entry.seconds:
            continue
        entry.last = moment
        try:
            done[name] = entry.fn(runtime)
        except Exception:
            log.exception("periodic check %s failed", name)
    return done


def run_forever(runtime: Runtime, stop: threading.Event) -> None:
    """The worker's timer thread: run what is due until ``stop`` is set."""
    while not stop.wait(TICK):
        run_due(runtime)


def start(runtime: Runtime) -> threading.Event:
    """Start the timer thread (a daemon); set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(runtime, stop), name="periodic",
                     daemon=True).start()
    return stop
