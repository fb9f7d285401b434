"""Jobs survive their workers: a killed `station worker` has its job requeued by the sweep
and run once more (or failed, for kinds that must not repeat), a queued row whose message
was lost is sent again, Cancel works on a job whose worker is dead, and `station run`
restarts its worker. Real processes, on SQLite and on Redis with PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from production import services
from production.models import MediaAsset
from station import jobs
from station.db import utcnow
from station.runtime import Runtime
from tests import media
from tests.conftest import (
    REDIS_URL,
    _truncate_pg,
    make_settings,
    report_factory,
    require_service,
    user_factory,
)
from tests.integration.test_queue import queue_upload

HEARTBEAT = 4  # seconds: the sweep takes a job back this long after its worker died


def _env(runtime: Runtime) -> dict[str, str]:
    s = runtime.settings
    return {**os.environ, "STATION_INSTANCE_PATH": str(s.instance_path),
            "STATION_DATABASE_URL": s.sqlalchemy_url, "STATION_REDIS_URL": s.redis_url,
            "STATION_QUEUE_NAME": s.queue_name, "STATION_SECRET_KEY": s.secret_key,
            "STATION_MEDIA_ROOT": str(s.media_path),
            "STATION_JOB_HEARTBEAT_TIMEOUT": str(s.job_heartbeat_timeout)}


def start(runtime: Runtime, log: Path, *argv: str) -> subprocess.Popen[bytes]:
    out = open(log, "ab")  # noqa: SIM115 (closed by stop())
    proc = subprocess.Popen([sys.executable, "-m", "station", *argv], env=_env(runtime),
                            stdout=out, stderr=subprocess.STDOUT)
    proc.log_file = out  # type: ignore[attr-defined]
    return proc


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.log_file.close()  # type: ignore[attr-defined]


@pytest.fixture
def lite(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    db_file = tmp_path / "station.db"
    shutil.copyfile(sqlite_template, db_file)
    runtime = Runtime(make_settings(tmp_path, database_url=f"sqlite:///{db_file}",
                                    job_heartbeat_timeout=HEARTBEAT))
    with runtime.session() as session:
        services.ensure_channels(session)
        session.commit()
    yield runtime
    runtime.dispose()


@pytest.fixture
def scaled(tmp_path: Path, pg_database: str) -> Iterator[Runtime]:
    require_service("Redis", REDIS_URL)
    runtime = Runtime(make_settings(tmp_path, database_url=pg_database, redis_url=REDIS_URL,
                                    queue_name=f"station-test-{uuid.uuid4().hex[:8]}",
                                    job_heartbeat_timeout=HEARTBEAT))
    with runtime.session() as session:
        services.ensure_channels(session)
        session.commit()
    yield runtime
    runtime.huey.flush()
    runtime.dispose()
    _truncate_pg(pg_database)


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=[pytest.mark.postgres,
                                                               pytest.mark.redis])])
def either(request: pytest.FixtureRequest) -> Runtime:
    return request.getfixturevalue("lite" if request.param == "sqlite" else "scaled")  # type: ignore[no-any-return]


def wait_until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def job_row(runtime: Runtime, job_id: int) -> jobs.JobRun:
    with runtime.session() as session:
        job = session.get(jobs.JobRun, job_id)
        assert job is not None
        session.expunge(job)
        return job


def running_row(runtime: Runtime, kind: str, *, args: dict[str, Any] | None = None,
                attempts: int = 1, beat_age: float = 60) -> int:
    """A row as a worker leaves it when it is killed: running, heartbeat ``beat_age`` old."""
    beat = utcnow() - dt.timedelta(seconds=beat_age)
    with runtime.session() as session:
        job = jobs.JobRun(kind=kind, args=args or {}, status="running", attempts=attempts,
                          started_at=beat, heartbeat_at=beat, worker="gone:1")
        session.add(job)
        session.commit()
        return job.id


def test_killed_worker_job_is_requeued_and_finishes_once(either: Runtime, media_cache: Path,
                                                        tmp_path: Path) -> None:
    rt = either
    editor = user_factory(rt)("editor")
    report = report_factory(rt)(editor)
    clip = media.report_video(media_cache, seconds=25, size="640x360")
    job_id = queue_upload(rt, editor, report.id, clip)
    first = start(rt, tmp_path / "w1.log", "worker", "--workers", "1")
    second = None
    try:
        wait_until(lambda: (j := job_row(rt, job_id)).status == "running" and j.progress >= 5,
                   60, "the ingest to get going")
        first.kill()  # SIGKILL mid-job: nothing of the worker's runs any more
        first.wait()
        assert job_row(rt, job_id).status == "running"
        killed = time.monotonic()
        second = start(rt, tmp_path / "w2.log", "worker", "--workers", "1")
        done = jobs.wait_for(rt, job_id, timeout=60)
        took = time.monotonic() - killed
    finally:
        stop(first, *([second] if second else []))
    logs = (tmp_path / "w1.log").read_text() + (tmp_path / "w2.log").read_text()
    assert done.status == "succeeded", logs[-3000:]
    assert done.attempts == 2
    assert took < 60
    assert logs.count("(ingest) succeeded") == 1
    assert "its worker stopped; requeued" in logs
    with rt.session() as session:
        roles = list(session.scalars(select(MediaAsset.role)
                                     .where(MediaAsset.report_id == report.id)))
    assert roles.count("master") == 1 and len(roles) == len(set(roles))


def test_job_that_must_not_repeat_is_failed(lite: Runtime) -> None:
    jobs.load_handlers()
    package = running_row(lite, "package", args={"package_id": 0})
    ingest = running_row(lite, "ingest", attempts=jobs.MAX_WORKER_LOSSES)
    alive = running_row(lite, "ingest", beat_age=0)
    done = jobs.sweep(lite)
    assert done["failed"] == [package, ingest] and done["requeued"] == []
    for job_id in (package, ingest):
        job = job_row(lite, job_id)
        assert job.status == "failed" and job.error == jobs.WORKER_STOPPED
        assert job.retryable and job.finished_at is not None
    assert job_row(lite, alive).status == "running"
    with lite.session() as session:  # and a person can retry it
        jobs.retry(session, package)
        session.commit()
    assert job_row(lite, package).status == "queued"


def test_queued_row_whose_message_was_lost_is_sent_again(either: Runtime) -> None:
    rt = either
    with rt.session() as session:
        job = jobs.create_job(session, "webhook", {"delivery_id": 0})
        session.commit()  # never sent: as if Redis restarted or the SQLite queue was removed
        job_id = job.id
    assert rt.huey.pending_count() == 0
    assert jobs.sweep(rt)["resent"] == []  # too young: its message may be on its way
    old = utcnow() - dt.timedelta(seconds=HEARTBEAT + 5)
    with rt.session() as session:
        session.execute(update(jobs.JobRun).where(jobs.JobRun.id == job_id)
                        .values(created_at=old, updated_at=old))
        session.commit()
    assert jobs.sweep(rt)["resent"] == [job_id]
    assert [t.args for t in rt.huey.pending()] == [(job_id,)]
    assert jobs.sweep(rt)["resent"] == []  # its message is there now: not sent twice


def test_cancel_works_on_a_job_whose_worker_is_dead(lite: Runtime) -> None:
    dead = running_row(lite, "ingest")
    alive = running_row(lite, "ingest", beat_age=0)
    with lite.session() as session:
        assert jobs.cancel(session, dead, stale_after=HEARTBEAT).status == "cancelled"
        assert jobs.cancel(session, alive, stale_after=HEARTBEAT).status == "running"
        session.commit()
    assert job_row(lite, dead).finished_at is not None
    assert job_row(lite, alive).cancel_requested
    # The "alive" one dies before it sees the request: the sweep finishes the cancel.
    with lite.session() as session:
        old = utcnow() - dt.timedelta(seconds=60)
        session.execute(update(jobs.JobRun).where(jobs.JobRun.id == alive)
                        .values(heartbeat_at=old))
        session.commit()
    assert jobs.sweep(lite)["cancelled"] == [alive]
    assert job_row(lite, alive).status == "cancelled"


def test_a_run_taken_from_its_worker_does_not_overwrite_the_row(lite: Runtime) -> None:
    """A worker that was only slow (its job cancelled at once, or requeued) stops at its
    next check and leaves the row alone."""
    kind = f"test_slow_{uuid.uuid4().hex[:6]}"

    def slow(ctx: jobs.JobContext) -> dict[str, Any]:
        for i in range(int(ctx.args["steps"])):
            ctx.progress(i / 6, force=True)
            time.sleep(0.05)
        return {"done": True}

    jobs.handler(kind)(slow)
    try:
        with lite.session() as session:
            job_id = jobs.create_job(session, kind, {"steps": 600}).id
            session.commit()
        outcome: list[str] = []
        runner = threading.Thread(target=lambda: outcome.append(jobs.execute(lite, job_id)))
        runner.start()
        wait_until(lambda: job_row(lite, job_id).progress > 1, 20, "the job to run")
        assert job_row(lite, job_id).worker == jobs.WORKER_ID
        with lite.session() as session:
            session.execute(update(jobs.JobRun).where(jobs.JobRun.id == job_id)
                            .values(status="queued", args={"steps": 3}))  # as the sweep does
            session.commit()
        runner.join(20)
        assert outcome == ["lost"]
        job = job_row(lite, job_id)
        assert job.status == "queued" and job.result is None
        assert jobs.execute(lite, job_id) == "succeeded"  # the next delivery runs it
        assert jobs.execute(lite, job_id) == "succeeded"  # and a duplicate does nothing
        assert job_row(lite, job_id).attempts == 2
    finally:
        jobs._HANDLERS.pop(kind, None)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _workers(pid: int) -> list[int]:
    """Children that run the worker. Between fork and exec a child still shows the parent's
    command line, so a child counts only once its own command says `worker`."""
    found = []
    for child in _children(pid):
        try:
            if b"worker" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except FileNotFoundError:
            continue
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_station_run_restarts_its_worker(lite: Runtime, tmp_path: Path) -> None:
    run = start(lite, tmp_path / "run.log", "run", "--port", str(_free_port()))
    try:
        first = wait_until(lambda: (_workers(run.pid) or [None])[0], 30, "the worker")
        os.kill(first, signal.SIGKILL)
        second = wait_until(lambda: [p for p in _workers(run.pid) if p != first], 20,
                            "a new worker")[0]
        assert run.poll() is None
    finally:
        stop(run)
    log = (tmp_path / "run.log").read_text()
    assert "restarting in" in log, log[-3000:]

    def gone() -> bool:
        try:
            return Path(f"/proc/{second}/stat").read_text().split()[2] == "Z"
        except FileNotFoundError:
            return True

    wait_until(gone, 15, "the worker to stop with `station run`")


def test_sweep_command(lite: Runtime, tmp_path: Path) -> None:
    job_id = running_row(lite, "ingest")
    out = subprocess.run([sys.executable, "-m", "station", "jobs", "sweep"], env=_env(lite),
                         capture_output=True, text=True, timeout=60, check=True)
    assert f"requeued: #{job_id}" in out.stdout
    with lite.session() as session:
        assert session.scalar(select(func.count()).select_from(jobs.JobRun)
                              .where(jobs.JobRun.status == "queued")) == 1
