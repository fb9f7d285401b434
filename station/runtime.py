"""The per-process runtime: settings, database engine, session factory and job queue.

The web app, the CLI and each worker build one ``Runtime`` from their settings and hand it
to services and jobs, so no module keeps global state and tests can run several side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from station import jobs
from station.config import Settings, ensure_instance
from station.db import make_engine, make_session_factory

if TYPE_CHECKING:
    from huey import Huey

log = logging.getLogger(__name__)


class Runtime:
    """Everything a process needs to talk to the database and the queue."""

    def __init__(self, settings: Settings) -> None:
        self.settings = ensure_instance(settings)
        self.engine: Engine = make_engine(self.settings.sqlalchemy_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self._huey: Huey | None = None
        self._execute_task: Callable[[int], Any] | None = None
        event.listen(self.sessions, "after_commit", self._after_commit)
        event.listen(self.sessions, "after_rollback", jobs.discard_pending)

    def session(self) -> Session:
        """A new session; use as a context manager and commit explicitly."""
        return self.sessions()

    def _after_commit(self, session: Session) -> None:
        ids = jobs.pending_job_ids(session)
        if not ids:
            return
        try:
            jobs.send(self, ids)
        except Exception:
            # The rows are committed as "queued"; `station jobs retry` sends them again.
            log.exception("could not send jobs %s to the queue", ids)

    @property
    def huey(self) -> Huey:
        if self._huey is None:
            self._huey, self._execute_task = jobs.make_huey(self)
        return self._huey

    def execute_task(self, job_id: int, *, delay: float = 0.0) -> Any:
        """Put one job id on the queue, now or after ``delay`` seconds."""
        if self._execute_task is None:
            _ = self.huey
        assert self._execute_task is not None
        if delay > 0:
            return self._execute_task.schedule((job_id,), delay=delay)  # type: ignore[attr-defined]
        return self._execute_task(job_id)

    def dispose(self) -> None:
        """Close pooled connections (tests and a clean shutdown)."""
        self.engine.dispose()
