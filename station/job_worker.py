"""Running one job row in a worker: claim it, keep its heartbeat, call its handler, and record
how it ended even while the database restarts."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from station.db import utcnow
from station.errors import JobError, StationError
from station.job_handlers import (
    _HANDLERS,
    _NOT_REPEATABLE,
    _ON_FAILURE,
    Handler,
    JobCancelled,
    JobContext,
)
from station.job_row import (
    DATABASE_LOST,
    FINAL_WRITE_TRIES,
    MAX_WORKER_LOSSES,
    REQUEUE_DELAY,
    WORKER_ID,
    JobRun,
)

if TYPE_CHECKING:
    from station.runtime import Runtime

log = logging.getLogger(__name__)

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
    """Call the handler, clean up after a failure, record the end on the row and tell whoever
    needs to know; returns the status ("lost" when the row is no longer this run's)."""
    runtime, job_id = ctx.runtime, ctx.job_id
    ended = _call(ctx, fn, kind)
    if ended is None:
        return "lost"
    status, error, result = ended
    if status not in ("succeeded", "queued") and kind in _ON_FAILURE:
        try:
            _ON_FAILURE[kind](ctx, RuntimeError(error))
        except Exception:
            log.exception("clean-up of job %s failed", job_id)
    written = _store_end(ctx, kind, _end_values(status, error, result))
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


def _call(ctx: JobContext, fn: Handler | None,
          kind: str) -> tuple[str, str | None, dict[str, Any] | None] | None:
    """Run the handler and sort how it ended into (status, error, result); None when it was
    cancelled because the row was taken from this worker."""
    job_id = ctx.job_id
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
            return None
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
    return status, error, result


def _end_values(status: str, error: str | None,
                result: dict[str, Any] | None) -> dict[str, Any]:
    """The row's columns for how the run ended."""
    if status == "queued":  # the result (e.g. an ingest's "stored" mark) stays for the rerun
        return {"status": status, "error": error, "progress": 0.0, "step": "",
                "heartbeat_at": None}
    values: dict[str, Any] = {"status": status, "error": error, "result": result,
                              "finished_at": utcnow(), "heartbeat_at": None}
    if status == "succeeded":
        values["progress"] = 100.0
    return values


def _store_end(ctx: JobContext, kind: str, values: dict[str, Any]) -> int:
    """Write the end onto the row, only while the row is still this run's (a job the sweep
    took back is not overwritten); returns how many rows were written (0 or 1)."""
    written = 0
    for attempt in range(FINAL_WRITE_TRIES):
        try:
            with ctx.runtime.session() as session:
                written = session.execute(
                    update(JobRun)
                    .where(JobRun.id == ctx.job_id, JobRun.status == "running",
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
            log.warning("job %s (%s): could not store its end; trying again", ctx.job_id, kind)
            time.sleep(min(8.0, 0.5 * 2 ** attempt))
    return written
