"""What a job handler is given (:class:`JobContext`: progress, cancel checks, the deadline) and the
registry that maps a job's kind to its handler and its clean-up."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from station.errors import JobError, StationError
from station.job_row import JobRun
from station.registry import Registry

if TYPE_CHECKING:
    from station.runtime import Runtime

log = logging.getLogger(__name__)

class JobCancelled(StationError):
    """Raised inside a handler when the user asked to cancel the job."""


@dataclass
class JobContext:
    """What a handler gets: its row's id and arguments, the runtime, progress and cancel."""

    runtime: Runtime
    job_id: int
    args: dict[str, Any]
    deadline: float  # time.monotonic() after which the job must stop
    attempt: int = 0  # the row's attempt this run holds (a requeued job's old run is not it)
    _last_write: float = 0.0
    # Set by the heartbeat when the row is no longer this run's (cancelled at once, or taken
    # back by the sweep): the handler stops at its next progress or cancel check.
    lost: threading.Event = field(default_factory=threading.Event)

    def progress(self, percent: float, step: str | None = None, *, force: bool = False) -> None:
        """Store progress on the row (throttled), and stop if cancel was asked or time ran out."""
        now = time.monotonic()
        percent = max(0.0, min(100.0, percent))
        if not force and now - self._last_write < 0.5 and step is None:
            return
        self._last_write = now
        try:
            with self.runtime.session() as session:
                job = session.get(JobRun, self.job_id)
                if job is None:
                    raise JobCancelled("The job was deleted")
                if self.lost.is_set() or (self.attempt and (
                        job.status != "running" or job.attempts != self.attempt)):
                    self.lost.set()
                    raise JobCancelled("The job was taken from this worker")
                job.progress = percent
                if step is not None:
                    job.step = step[:200]
                cancel = job.cancel_requested
                session.commit()
        except OperationalError:
            # The database is restarting: progress is only shown, so the job goes on (the
            # next write, or the heartbeat, tells whether the row is still this run's);
            # failing here failed an ingest that a PostgreSQL restart merely interrupted.
            log.warning("job %s: progress not stored (database unavailable)", self.job_id)
            cancel = False
        if cancel:
            raise JobCancelled("Cancelled by a user")
        if now > self.deadline:
            raise JobError("The job ran past its time limit")

    def should_cancel(self) -> bool:
        """Cheap check for long loops (e.g. ffmpeg progress lines): cancelled or too late."""
        if time.monotonic() > self.deadline or self.lost.is_set():
            return True
        try:
            with self.runtime.session() as session:
                return bool(session.scalar(
                    select(JobRun.cancel_requested).where(JobRun.id == self.job_id)))
        except OperationalError:
            return False  # the database is restarting: go on, the next check will tell

    @property
    def seconds_left(self) -> float:
        return max(1.0, self.deadline - time.monotonic())


Handler = Callable[[JobContext], dict[str, Any] | None]
Failure = Callable[[JobContext, BaseException], None]
_HANDLERS: Registry[Handler] = Registry("Unknown job kind {name}; use one of {names}")
_ON_FAILURE: dict[str, Failure] = {}
_NOT_REPEATABLE: set[str] = set()


def handler(kind: str, *, on_failure: Failure | None = None,
            repeatable: bool = True) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind`` (and what to undo when one fails).

    ``repeatable``: a run cut short by a dead worker may simply run again from the start
    (its results are written at the end in one transaction, guarded by a dedupe key);
    otherwise the sweep fails such a job and a person decides."""

    def register(fn: Handler) -> Handler:
        _HANDLERS.add(kind, fn)
        if on_failure is not None:
            _ON_FAILURE[kind] = on_failure
        if repeatable:
            _NOT_REPEATABLE.discard(kind)
        else:
            _NOT_REPEATABLE.add(kind)
        return fn

    return register


def load_handlers() -> None:
    """Import every module that registers handlers (the worker and inline runs need them):
    the domains' ``station.tasks`` entry points (station/plugins.py)."""
    from station import notifications, plugins  # noqa: F401  (the kernel's e-mail job)

    plugins.load("station.tasks")

