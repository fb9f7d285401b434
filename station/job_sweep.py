"""The sweep: take back running jobs whose worker stopped beating and re-send queued jobs whose
queue message was lost. Every worker runs it; so does ``station jobs sweep``."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update

from station.db import utcnow
from station.job_handlers import _NOT_REPEATABLE, _ON_FAILURE, JobContext
from station.job_row import MAX_WORKER_LOSSES, TASK_NAME, WORKER_STOPPED, JobRun

if TYPE_CHECKING:
    from station.runtime import Runtime

log = logging.getLogger(__name__)

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
