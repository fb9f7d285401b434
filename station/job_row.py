"""The ``job_run`` table: one row per background job, its statuses and the limits the worker and
the sweep apply to it (see station/jobs.py for how a job flows)."""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from station.db import Base, UTCDateTime, utcnow

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
ACTIVE_STATUSES = ("queued", "running")
# A running job writes progress every few seconds; this long without any, its worker is gone.
STALE_AFTER = dt.timedelta(minutes=15)
# A job whose worker vanished this many times is failed instead of queued again (it may be
# what kills its workers, e.g. running out of memory).
MAX_WORKER_LOSSES = 3
WORKER_STOPPED = "The worker running this job stopped (killed or crashed); retry it"
# Tries to record a finished job's end while the database is unavailable (about 30 s).
FINAL_WRITE_TRIES = 8
DATABASE_LOST = "The database was unavailable while it ran; it was queued again"
REQUEUE_DELAY = 5.0  # seconds before such a job runs again

# The one Huey task (it carries a job id), and this process as the rows it runs name it.
TASK_NAME = "station.execute"
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"[:120]



class JobRun(Base):
    """One background job: what to do, how far it got, and how it ended."""

    __tablename__ = "job_run"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued','running','succeeded','failed','cancelled')", name="status"
        ),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        # One active job per dedupe key (e.g. one ingest at a time per report).
        Index(
            "uq_job_run_active_dedupe",
            "dedupe_key",
            unique=True,
            sqlite_where=text("status IN ('queued','running')"),
            postgresql_where=text("status IN ('queued','running')"),
        ),
        Index("ix_job_run_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    progress: Mapped[float] = mapped_column(default=0.0)
    step: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    # Written every few seconds by the worker running the job (host:pid), even while ffmpeg
    # or Whisper reports nothing; the sweep takes back a running job whose heartbeat stopped.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def retryable(self) -> bool:
        """Failed or cancelled (or running with a dead worker), and not refused for its input
        (retrying could not help)."""
        if self.status == "running":
            return self.updated_at is not None and self.updated_at < utcnow() - STALE_AFTER
        if self.status not in ("failed", "cancelled"):
            return False
        return not (self.result or {}).get("final", False)

    def error_message(self, lang: str) -> str | None:
        """The error in the reader's language (stored as a template, rendered on display)."""
        from station.i18n import translate

        failure = (self.result or {}).get("failure")
        if not failure:
            return translate(self.error, lang) if self.error else None
        try:
            return translate(failure["template"], lang).format(**failure["params"])
        except (KeyError, IndexError, ValueError):
            return self.error

    def as_dict(self) -> dict[str, Any]:
        """The job as JSON for the API and `--json` CLI output."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": round(self.progress, 1),
            "step": self.step,
            "error": self.error,
            "retryable": self.retryable,
            "result": self.result,
            "subject": f"{self.subject_type}:{self.subject_id}" if self.subject_type else None,
            "attempts": self.attempts,
            "worker": self.worker,
            "heartbeat_at": self.heartbeat_at.isoformat() if self.heartbeat_at else None,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


