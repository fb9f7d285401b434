"""Background jobs: a ``JobRun`` row per job, a handler registry, and Huey as the transport.

Huey only ever carries a job id. The row holds the kind, arguments, progress, error and
result, so the web page and the CLI can follow a job, a failed job keeps its error, and a
retry is just "run this row again". Jobs are sent only after the transaction that created
them commits, so a fast worker never looks for a row that is not there yet.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from station.db import Base, UTCDateTime, utcnow
from station.errors import JobError, NotFound, StationError

if TYPE_CHECKING:
    from huey import Huey

    from station.runtime import Runtime

log = logging.getLogger(__name__)

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


# ---- handlers --------------------------------------------------------------------------

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
_HANDLERS: dict[str, Handler] = {}
_ON_FAILURE: dict[str, Failure] = {}
_NOT_REPEATABLE: set[str] = set()


def handler(kind: str, *, on_failure: Failure | None = None,
            repeatable: bool = True) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind`` (and what to undo when one fails).

    ``repeatable``: a run cut short by a dead worker may simply run again from the start
    (its results are written at the end in one transaction, guarded by a dedupe key);
    otherwise the sweep fails such a job and a person decides."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
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


# ---- running ---------------------------------------------------------------------------

def execute(runtime: Runtime, job_id: int) -> str:
    """Run one job row to its end; the error text stays on the row when it fails."""
    with runtime.session() as session:
        # Claimed with a conditional UPDATE: of two deliveries of one id (a message re-sent
        # by the sweep, two workers), exactly one finds the row queued; the other does nothing.
        now = utcnow()
        claimed = session.execute(
            update(JobRun)
            .where(JobRun.id == job_id, JobRun.status == "queued")
            .values(status="running", started_at=now, heartbeat_at=now, worker=WORKER_ID,
                    attempts=JobRun.attempts + 1, error=None, cancel_requested=False)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        row = session.execute(
            select(JobRun.status, JobRun.kind, JobRun.args, JobRun.attempts)
            .where(JobRun.id == job_id)
        ).first()
        if row is None:
            log.warning("job %s vanished before it ran", job_id)
            return "missing"
        if claimed != 1:
            # Idempotent: a duplicate delivery of a job that already ran does nothing.
            log.info("job %s is %s, not running it again", job_id, row.status)
            return str(row.status)
        kind, args, attempt = row.kind, dict(row.args or {}), int(row.attempts)

    fn = _HANDLERS.get(kind)
    ctx = JobContext(
        runtime=runtime,
        job_id=job_id,
        args=args,
        deadline=time.monotonic() + runtime.settings.job_time_limit,
        attempt=attempt,
    )
    stop_beating = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(ctx, stop_beating),
                            name=f"heartbeat-{job_id}", daemon=True)
    beat.start()
    try:
        return _run(ctx, fn, kind)
    finally:
        stop_beating.set()
        beat.join(5)


def _heartbeat(ctx: JobContext, stop: threading.Event) -> None:
    """Every few seconds, mark the row as alive; notice when it is no longer this run's."""
    interval = heartbeat_interval(ctx.runtime.settings.job_heartbeat_timeout)
    while not stop.wait(interval):
        try:
            with ctx.runtime.session() as session:
                found = session.execute(
                    update(JobRun)
                    .where(JobRun.id == ctx.job_id, JobRun.status == "running",
                           JobRun.attempts == ctx.attempt)
                    .values(heartbeat_at=utcnow())
                    .execution_options(synchronize_session=False)
                ).rowcount
                session.commit()
        except Exception:  # a busy database must not kill the job; the next beat tries again
            log.warning("heartbeat of job %s failed", ctx.job_id, exc_info=True)
            continue
        if found != 1:
            log.warning("job %s was taken from this worker (cancelled or requeued)", ctx.job_id)
            ctx.lost.set()
            return


def heartbeat_interval(timeout: float) -> float:
    """How often a running job beats: ~10 s, and at least four beats per timeout."""
    return max(0.5, min(10.0, timeout / 4))


def _run(ctx: JobContext, fn: Handler | None, kind: str) -> str:
    runtime, job_id = ctx.runtime, ctx.job_id
    status, error = "succeeded", None
    result: dict[str, Any] | None = None
    try:
        if fn is None:
            raise JobError("No handler for jobs of kind {kind}", kind=kind)
        log.info("job %s (%s) started", job_id, kind)
        result = fn(ctx)
    except JobCancelled:
        status, error = "cancelled", "Cancelled by a user"
        if ctx.lost.is_set():
            # The row is no longer this run's (requeued by the sweep or cancelled at once):
            # leave it, and its work folder, to whoever holds it now.
            log.info("job %s (%s) stopped: taken from this worker", job_id, kind)
            return "lost"
    except StationError as exc:
        # English on the row (logs, CLI); the template lets pages show the user's language.
        status, error = "failed", exc.message("en")
        result = {"failure": {"template": exc.template,
                              "params": {k: str(v) for k, v in exc.params.items()}},
                  "final": not getattr(exc, "retryable", True)}
    except OperationalError as exc:
        if kind in _NOT_REPEATABLE or ctx.attempt >= MAX_WORKER_LOSSES:
            log.exception("job %s (%s) crashed", job_id, kind)
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        else:
            # The database went away under the handler (a restart): the job was interrupted,
            # not wrong; it runs again, as one whose worker was lost would.
            log.warning("job %s (%s) interrupted: database unavailable (%s)", job_id, kind,
                        str(exc).splitlines()[0][:200])
            status, error = "queued", DATABASE_LOST
    except Exception as exc:  # a job must never die without leaving its reason on the row
        log.exception("job %s (%s) crashed", job_id, kind)
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    if status not in ("succeeded", "queued") and kind in _ON_FAILURE:
        try:
            _ON_FAILURE[kind](ctx, RuntimeError(error))
        except Exception:
            log.exception("clean-up of job %s failed", job_id)

    values: dict[str, Any] = {"status": status, "error": error, "result": result,
                              "finished_at": utcnow(), "heartbeat_at": None}
    if status == "succeeded":
        values["progress"] = 100.0
    if status == "queued":  # the result (e.g. an ingest's "stored" mark) stays for the rerun
        values = {"status": status, "error": error, "progress": 0.0, "step": "",
                  "heartbeat_at": None}
    written = 0
    for attempt in range(FINAL_WRITE_TRIES):
        try:
            with runtime.session() as session:
                # Only while the row is still this run's: a job the sweep took back is not
                # overwritten.
                written = session.execute(
                    update(JobRun)
                    .where(JobRun.id == job_id, JobRun.status == "running",
                           JobRun.attempts == ctx.attempt)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                ).rowcount
                session.commit()
            break
        except OperationalError:
            # The database is restarting: the work is done, so keep trying to record its end
            # (the heartbeat still runs meanwhile). Given up, the row stays "running" and the
            # sweep runs the job again, which the load-and-fault run saw finish twice.
            if attempt == FINAL_WRITE_TRIES - 1:
                raise
            log.warning("job %s (%s): could not store its end; trying again", job_id, kind)
            time.sleep(min(8.0, 0.5 * 2 ** attempt))
    log.info("job %s (%s) %s%s", job_id, kind, status, f": {error}" if error else "")
    if status == "queued" and written == 1:
        try:  # a little later, once the database is back (else the sweep sends it again)
            runtime.execute_task(job_id, delay=REQUEUE_DELAY)
        except Exception:
            log.warning("job %s: could not send it again; the sweep will", job_id)
    if status == "failed":  # tell whoever started it (notifications imports this module)
        from station import notifications

        notifications.job_failed(runtime, job_id)
    return status


# ---- the queue -------------------------------------------------------------------------

TASK_NAME = "station.execute"
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"[:120]


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


def _sweep_forever(runtime: Runtime, stop: threading.Event) -> None:
    """Each worker sweeps every ~20 s (several sweeping at once is harmless)."""
    interval = max(1.0, min(20.0, runtime.settings.job_heartbeat_timeout / 2))
    while True:
        try:
            done = sweep(runtime)
            if any(done.values()):
                log.info("sweep: %s", done)
        except Exception:
            log.exception("job sweep failed")
        if stop.wait(interval):
            return


def sweep(runtime: Runtime) -> dict[str, list[int]]:
    """Take back running jobs whose worker is gone, and re-send queued jobs whose queue
    message was lost. Run by every worker and by `station jobs sweep`."""
    timeout = dt.timedelta(seconds=runtime.settings.job_heartbeat_timeout)
    cutoff = utcnow() - timeout
    done: dict[str, list[int]] = {"requeued": [], "failed": [], "cancelled": [], "resent": []}
    with runtime.session() as session:
        stale = session.execute(
            select(JobRun.id, JobRun.kind, JobRun.args, JobRun.attempts, JobRun.cancel_requested)
            .where(JobRun.status == "running",
                   or_(JobRun.heartbeat_at < cutoff,
                       (JobRun.heartbeat_at.is_(None)) & (JobRun.updated_at < cutoff)))
            .order_by(JobRun.id)
        ).all()
    for row in stale:
        outcome = _take_back(runtime, row, cutoff)
        if outcome:
            done[outcome].append(row.id)
    done["resent"] = _resend_lost(runtime, cutoff)
    return done


def _take_back(runtime: Runtime, row: Any, cutoff: dt.datetime) -> str | None:
    """Requeue (or fail, or cancel) one running job whose heartbeat stopped."""
    now = utcnow()
    if row.cancel_requested:
        outcome = "cancelled"
        values: dict[str, Any] = {"status": "cancelled", "error": "Cancelled by a user",
                                  "finished_at": now}
    elif row.kind not in _NOT_REPEATABLE and row.attempts < MAX_WORKER_LOSSES:
        outcome = "requeued"
        values = {"status": "queued", "progress": 0.0, "step": "",
                  "error": "The worker running this job stopped; it was queued again"}
    else:
        outcome = "failed"
        values = {"status": "failed", "error": WORKER_STOPPED, "result": None,
                  "finished_at": now}
    with runtime.session() as session:
        # Conditional: a beat that just landed, or another worker's sweep, wins.
        taken = session.execute(
            update(JobRun)
            .where(JobRun.id == row.id, JobRun.status == "running",
                   JobRun.attempts == row.attempts,
                   or_(JobRun.heartbeat_at < cutoff, JobRun.heartbeat_at.is_(None)))
            .values(heartbeat_at=None, **values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            session.rollback()
            return None
        if outcome == "requeued":
            session.info.setdefault("station.after_commit_jobs", []).append(row.id)
        session.commit()  # the commit hook sends a requeued id to the queue
    log.warning("job %s (%s): its worker stopped; %s", row.id, row.kind, outcome)
    if outcome == "failed":  # tell whoever started it (notifications imports this module)
        from station import notifications

        notifications.job_failed(runtime, row.id)
    if outcome == "failed" and row.kind in _ON_FAILURE:
        ctx = JobContext(runtime=runtime, job_id=row.id, args=dict(row.args or {}),
                         deadline=time.monotonic(), attempt=row.attempts)
        try:
            _ON_FAILURE[row.kind](ctx, RuntimeError(WORKER_STOPPED))
        except Exception:
            log.exception("clean-up of job %s failed", row.id)
    return outcome


def _resend_lost(runtime: Runtime, cutoff: dt.datetime) -> list[int]:
    """Queued rows waiting longer than the timeout whose id is on no queue message."""
    with runtime.session() as session:
        waiting = list(session.scalars(
            select(JobRun.id).where(JobRun.status == "queued", JobRun.updated_at < cutoff)
        ))
    if not waiting:
        return []
    held: set[int] = set()
    for task in [*runtime.huey.pending(), *runtime.huey.scheduled()]:
        if getattr(task, "name", None) == TASK_NAME and task.args:
            held.add(int(task.args[0]))
    lost = [job_id for job_id in waiting if job_id not in held]
    for job_id in lost:
        # A message taken by a worker that is about to claim the row may look lost: the
        # duplicate then finds the row running and does nothing.
        runtime.execute_task(job_id)
        log.warning("job %s was queued with no queue message; sent again", job_id)
    return lost


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

