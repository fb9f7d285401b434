"""Background jobs: a ``JobRun`` row per job, a handler registry, and Huey as the transport.

Huey only ever carries a job id. The row holds the kind, arguments, progress, error and
result, so the web page and the CLI can follow a job, a failed job keeps its error, and a
retry is just "run this row again". Jobs are sent only after the transaction that created
them commits, so a fast worker never looks for a row that is not there yet.

This module is the queue's side (creating, sending, retrying, cancelling, waiting, the worker
process); the row is in ``job_row``, what a handler gets in ``job_handlers``, running one job
in ``job_worker`` and taking back lost ones in ``job_sweep``. Every name is importable from
here, as callers always have.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from station.db import utcnow
from station.errors import JobError, NotFound
from station.job_handlers import (
    _HANDLERS,
    _NOT_REPEATABLE,
    _ON_FAILURE,
    Failure,
    Handler,
    JobCancelled,
    JobContext,
    handler,
    load_handlers,
)
from station.job_row import (
    ACTIVE_STATUSES,
    DATABASE_LOST,
    FINAL_WRITE_TRIES,
    JOB_STATUSES,
    MAX_WORKER_LOSSES,
    REQUEUE_DELAY,
    STALE_AFTER,
    TASK_NAME,
    WORKER_ID,
    WORKER_STOPPED,
    JobRun,
)
from station.job_sweep import _resend_lost, _sweep_forever, _take_back, sweep
from station.job_worker import _heartbeat, _run, execute, heartbeat_interval

if TYPE_CHECKING:
    from huey import Huey

    from station.runtime import Runtime

log = logging.getLogger(__name__)

__all__ = [
    "ACTIVE_STATUSES", "DATABASE_LOST", "FINAL_WRITE_TRIES", "JOB_STATUSES", "MAX_WORKER_LOSSES",
    "REQUEUE_DELAY", "STALE_AFTER", "TASK_NAME", "WORKER_ID", "WORKER_STOPPED", "_HANDLERS",
    "_NOT_REPEATABLE", "_ON_FAILURE", "Failure", "Handler", "JobCancelled", "JobContext",
    "JobError", "JobRun", "_heartbeat", "_resend_lost", "_run", "_sweep_forever", "_take_back",
    "cancel", "create_job", "discard_pending", "enqueue_after_commit", "execute", "handler",
    "heartbeat_interval", "load_handlers", "make_huey", "pending_job_ids", "retry",
    "run_worker", "send", "sweep", "utcnow", "wait_for",
]

# ---- queueing --------------------------------------------------------------------------

def create_job(
    session: Session,
    kind: str,
    args: dict[str, Any],
    *,
    actor_id: int | None = None,
    subject: tuple[str, int] | None = None,
    dedupe_key: str | None = None,
) -> JobRun:
    """Add a queued job row; refuse a second active job with the same dedupe key."""
    if dedupe_key is not None:
        active = session.scalar(
            select(JobRun).where(
                JobRun.dedupe_key == dedupe_key, JobRun.status.in_(ACTIVE_STATUSES)
            )
        )
        if active is not None:
            raise JobError(
                "Job #{job_id} is already doing this; wait for it or cancel it", job_id=active.id
            )
    job = JobRun(
        kind=kind,
        args=args,
        created_by_id=actor_id,
        subject_type=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        dedupe_key=dedupe_key,
    )
    session.add(job)
    session.flush()
    return job


def enqueue_after_commit(session: Session, job: JobRun, *, delay: float = 0.0) -> None:
    """Send the job to the workers once (and only if) the session's transaction commits;
    with a delay (seconds) the queue holds it back that long (webhook retries' backoff)."""
    session.info.setdefault("station.after_commit_jobs", []).append(job.id)
    if delay > 0:
        session.info.setdefault("station.after_commit_delays", {})[job.id] = delay


def pending_job_ids(session: Session) -> list[tuple[int, float]]:
    """(job id, delay) pairs waiting for this session's commit (taken, so each is sent once)."""
    delays = session.info.pop("station.after_commit_delays", {})
    return [(job_id, delays.get(job_id, 0.0))
            for job_id in session.info.pop("station.after_commit_jobs", [])]


def discard_pending(session: Session) -> None:
    session.info.pop("station.after_commit_jobs", None)
    session.info.pop("station.after_commit_delays", None)


def recent(session: Session, limit: int = 100) -> list[JobRun]:
    """The latest jobs, newest first (the jobs page)."""
    return list(session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


def retry(session: Session, job_id: int) -> JobRun:
    """Queue a failed or cancelled job again, keeping its earlier error until it runs."""
    job = session.get(JobRun, job_id)
    if job is None:
        raise NotFound("No job #{job_id}", job_id=job_id)
    if job.status == "queued":
        # Still waiting: send it again (a lost queue message); running it twice is a no-op.
        enqueue_after_commit(session, job)
        return job
    if job.status == "running" and job.updated_at < utcnow() - STALE_AFTER:
        # No progress for this long: its worker died (a running job writes progress often).
        job.status = "failed"
        job.error = "The worker running this job stopped; it was queued again"
    if job.status not in ("failed", "cancelled"):
        raise JobError(
            "Job #{job_id} is {status}; only failed or cancelled jobs can be retried",
            job_id=job_id,
            status=job.status,
        )
    if not job.retryable:
        raise JobError(
            "Job #{job_id} failed on its input; retrying cannot help. {error}",
            job_id=job_id, error=job.error or "",
        )
    if job.dedupe_key is not None:
        active = session.scalar(
            select(JobRun.id).where(
                JobRun.dedupe_key == job.dedupe_key,
                JobRun.status.in_(ACTIVE_STATUSES),
                JobRun.id != job.id,
            )
        )
        if active is not None:
            raise JobError(
                "Job #{job_id} is already doing this; wait for it or cancel it", job_id=active
            )
    job.status = "queued"
    job.progress = 0.0
    job.step = ""
    job.cancel_requested = False
    job.finished_at = None
    session.flush()
    enqueue_after_commit(session, job)
    return job


def _beat(job: JobRun) -> dt.datetime:
    """When the job's worker last showed it was alive (rows from before heartbeats: updated)."""
    return job.heartbeat_at or job.updated_at or job.created_at


def cancel(session: Session, job_id: int, *, stale_after: float = 45.0) -> JobRun:
    """Stop a job: a queued one at once, a running one at its next progress check, and a
    running one whose worker is gone (no heartbeat for ``stale_after`` seconds) at once."""
    job = session.get(JobRun, job_id)
    if job is None:
        raise NotFound("No job #{job_id}", job_id=job_id)
    if job.status == "queued":
        job.status = "cancelled"
        job.finished_at = utcnow()
        job.error = "Cancelled before it started"
    elif job.status == "running" and _beat(job) < utcnow() - dt.timedelta(seconds=stale_after):
        # Nobody would see the request: cancel it here. Should its worker still be alive
        # after all, its heartbeat finds the row no longer running and the run stops.
        job.status = "cancelled"
        job.cancel_requested = True
        job.finished_at = utcnow()
        job.error = "Cancelled by a user"
    elif job.status == "running":
        job.cancel_requested = True
    else:
        raise JobError(
            "Job #{job_id} has already finished ({status})", job_id=job_id, status=job.status
        )
    session.flush()
    return job



# ---- the queue -------------------------------------------------------------------------

def make_huey(runtime: Runtime) -> tuple[Huey, Callable[[int], Any]]:
    """Huey on Redis when configured, else on a SQLite file, and its one task (a job id)."""
    from huey import RedisHuey, SqliteHuey

    settings = runtime.settings
    if settings.redis_url:
        from redis import ConnectionPool

        pool = ConnectionPool.from_url(settings.redis_url)
        huey: Huey = RedisHuey(settings.queue_name, connection_pool=pool, results=False)
    else:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(settings.queue_name, filename=str(settings.queue_path), results=False)

    def run_job(job_id: int) -> None:
        execute(runtime, job_id)

    return huey, huey.task(name=TASK_NAME)(run_job)


def send(runtime: Runtime, pending: list[tuple[int, float]]) -> None:
    """Hand committed job ids to the queue (a delayed one waits in Huey's schedule)."""
    for job_id, delay in pending:
        runtime.execute_task(job_id, delay=delay)


def run_worker(runtime: Runtime, workers: int | None = None) -> None:
    """Consume the queue until interrupted (`station worker`); several may run at once."""
    load_handlers()
    consumer = runtime.huey.create_consumer(
        workers=workers or runtime.settings.worker_count,
        worker_type="thread",
        periodic=False,
        check_worker_health=True,
    )
    log.info("worker %s consuming %s", WORKER_ID,
             runtime.settings.redis_url or runtime.settings.queue_path)
    stop = threading.Event()
    sweeper = threading.Thread(target=_sweep_forever, args=(runtime, stop), name="sweep",
                               daemon=True)
    sweeper.start()
    try:
        consumer.run()
    finally:
        stop.set()




def wait_for(runtime: Runtime, job_id: int, *, timeout: float = 600,
             on_update: Callable[[JobRun], None] | None = None) -> JobRun:
    """Poll a job row until it finishes (CLI progress bars and tests)."""
    deadline = time.monotonic() + timeout
    while True:
        with runtime.session() as session:
            job = session.get(JobRun, job_id)
            if job is None:
                raise NotFound("No job #{job_id}", job_id=job_id)
            if on_update is not None:
                on_update(job)
            if not job.is_active:
                return job
        if time.monotonic() > deadline:
            raise JobError("Job #{job_id} did not finish in time", job_id=job_id)
        time.sleep(0.2)

