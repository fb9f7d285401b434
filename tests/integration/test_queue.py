"""The real queue: jobs sent only after commit, run by real `station worker` processes,
on Huey's SQLite storage and on Redis with PostgreSQL (the scale-out setup)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from production import services
from station import jobs
from station.runtime import Runtime
from tests import media
from tests.conftest import REDIS_URL, make_settings, report_factory, require_service, user_factory


def start_worker(runtime: Runtime, log: Path) -> subprocess.Popen[bytes]:
    s = runtime.settings
    env = {**os.environ, "STATION_INSTANCE_PATH": str(s.instance_path),
           "STATION_DATABASE_URL": s.sqlalchemy_url, "STATION_REDIS_URL": s.redis_url,
           "STATION_QUEUE_NAME": s.queue_name, "STATION_SECRET_KEY": s.secret_key,
           "STATION_MEDIA_ROOT": str(s.media_path)}
    out = open(log, "ab")  # noqa: SIM115 (closed when the fixture stops the process)
    proc = subprocess.Popen([sys.executable, "-m", "station", "worker", "--workers", "1"],
                            env=env, stdout=out, stderr=subprocess.STDOUT)
    proc.log_file = out  # type: ignore[attr-defined]
    return proc


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.log_file.close()  # type: ignore[attr-defined]


def queue_upload(runtime: Runtime, actor, report_id: int, src: Path) -> int:  # type: ignore[no-untyped-def]
    runtime.settings.upload_path.mkdir(parents=True, exist_ok=True)
    staged = runtime.settings.upload_path / f"{uuid.uuid4().hex}.mp4"
    shutil.copyfile(src, staged)
    with runtime.session() as session:
        job = services.queue_ingest(session, report_id, staged.name, actor=actor,
                                    original_name=src.name)
        session.commit()  # the commit hook sends the id to the queue
        return job.id


def test_rolled_back_job_is_never_sent(runtime: Runtime, make_user, make_report) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor)
    with runtime.session() as session:
        services.queue_ingest(session, report.id, "nothing.mp4", actor=editor,
                              original_name="nothing.mp4")
        session.rollback()
    assert runtime.huey.pending_count() == 0
    with runtime.session() as session:
        assert session.query(jobs.JobRun).count() == 0


def test_sqlite_queue_with_a_real_worker(runtime: Runtime, make_user, make_report,  # type: ignore[no-untyped-def]
                                         media_cache: Path, tmp_path: Path) -> None:
    editor = make_user("editor")
    report = make_report(editor)
    job_id = queue_upload(runtime, editor, report.id,
                          media.report_video(media_cache, seconds=3, size="640x360"))
    assert runtime.huey.pending_count() == 1
    worker = start_worker(runtime, tmp_path / "worker.log")
    try:
        done = jobs.wait_for(runtime, job_id, timeout=120)
    finally:
        stop([worker])
    assert done.status == "succeeded", (tmp_path / "worker.log").read_text()[-3000:]
    assert runtime.huey.pending_count() == 0


@pytest.fixture
def scaled_runtime(tmp_path: Path, pg_database: str) -> Iterator[Runtime]:
    """PostgreSQL + Redis, as a station runs with several workers."""
    require_service("Redis", REDIS_URL)
    runtime = Runtime(make_settings(tmp_path, database_url=pg_database, redis_url=REDIS_URL,
                                    queue_name=f"station-test-{uuid.uuid4().hex[:8]}"))
    with runtime.session() as session:
        services.ensure_channels(session)
        session.commit()
    yield runtime
    runtime.huey.flush()
    runtime.dispose()
    from tests.conftest import _truncate_pg

    _truncate_pg(pg_database)


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_queue_with_two_workers_runs_each_job_once(scaled_runtime: Runtime,
                                                         media_cache: Path,
                                                         tmp_path: Path) -> None:
    editor = user_factory(scaled_runtime)("editor")
    make = report_factory(scaled_runtime)
    clips = [media.report_video(media_cache, seconds=2 + i, size="640x360") for i in range(3)]
    ids = [queue_upload(scaled_runtime, editor, make(editor, f"Tin {i}").id, clip)
           for i, clip in enumerate(clips)]
    workers = [start_worker(scaled_runtime, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        finished = [jobs.wait_for(scaled_runtime, job_id, timeout=180) for job_id in ids]
    finally:
        stop(workers)
    logs = "".join((tmp_path / f"w{i}.log").read_text() for i in range(2))
    assert [j.status for j in finished] == ["succeeded"] * 3, logs[-3000:]
    assert [j.attempts for j in finished] == [1, 1, 1]
    assert scaled_runtime.huey.pending_count() == 0
    # Every job ran exactly once across the workers (each logs the jobs it ran).
    ran = [(tmp_path / f"w{i}.log").read_text().count("(ingest) succeeded") for i in range(2)]
    assert sum(ran) == 3
