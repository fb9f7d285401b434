"""Jobs across a database restart, as the load-and-fault run (benchmarks/load_faults.py) found
them: a job whose work was done while PostgreSQL restarted must still end as succeeded, and an
ingest run again after its results were committed (or just before) must find its upload."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError

from production import services
from production.models import MediaAsset
from station import jobs
from station.runtime import Runtime
from tests import media
from tests.conftest import make_settings, report_factory, user_factory
from tests.integration.test_queue import queue_upload
from tests.integration.test_worker_loss import job_row


@pytest.fixture
def lite(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    db_file = tmp_path / "station.db"
    shutil.copyfile(sqlite_template, db_file)
    runtime = Runtime(make_settings(tmp_path, database_url=f"sqlite:///{db_file}"))
    with runtime.session() as session:
        services.ensure_channels(session)
        session.commit()
    jobs.load_handlers()
    yield runtime
    runtime.dispose()


def test_the_end_of_a_job_is_recorded_after_the_database_comes_back(
        lite: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    kind = f"test_done_{uuid.uuid4().hex[:6]}"
    jobs.handler(kind)(lambda ctx: {"done": True})
    refused: list[str] = []

    def restarting(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        values = params.values() if isinstance(params, dict) else params
        if (statement.startswith("UPDATE job_run SET status") and "succeeded" in values
                and len(refused) < 2):
            refused.append(statement)
            raise OperationalError(statement, params, Exception("terminating connection"))

    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    try:
        with lite.session() as session:
            job_id = jobs.create_job(session, kind, {}).id
            session.commit()
        event.listen(lite.engine, "before_cursor_execute", restarting)
        try:
            assert jobs.execute(lite, job_id) == "succeeded"
        finally:
            event.remove(lite.engine, "before_cursor_execute", restarting)
        assert len(refused) == 2
        job = job_row(lite, job_id)
        assert job.status == "succeeded" and job.result == {"done": True}
    finally:
        jobs._HANDLERS.pop(kind, None)


def test_an_ingest_run_again_after_its_commit_finds_it_done(
        lite: Runtime, media_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep requeues a job whose end was never recorded; its rerun must not fail with
    "The uploaded file is gone" although the master is stored."""
    editor = user_factory(lite)("editor")
    report = report_factory(lite)(editor)
    clip = media.report_video(media_cache, seconds=3, size="320x240")
    job_id = queue_upload(lite, editor, report.id, clip)

    def down(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        values = params.values() if isinstance(params, dict) else params
        if statement.startswith("UPDATE job_run SET status") and "succeeded" in values:
            raise OperationalError(statement, params, Exception("connection refused"))

    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    event.listen(lite.engine, "before_cursor_execute", down)
    try:
        with pytest.raises(OperationalError):  # the work is done; its end is never recorded
            jobs.execute(lite, job_id)
    finally:
        event.remove(lite.engine, "before_cursor_execute", down)
    with lite.session() as session:  # as the sweep leaves a job whose worker went silent
        session.execute(update(jobs.JobRun).where(jobs.JobRun.id == job_id)
                        .values(status="queued"))
        session.commit()
    assert jobs.execute(lite, job_id) == "succeeded", job_row(lite, job_id).error
    assert job_row(lite, job_id).result["sha256"]  # type: ignore[index]
    with lite.session() as session:
        roles = list(session.scalars(select(MediaAsset.role)
                                     .where(MediaAsset.report_id == report.id)))
    assert roles.count("master") == 1
    assert not list(lite.settings.upload_path.iterdir())  # the upload went with the commit


def test_an_ingest_cut_off_before_its_commit_runs_again(lite: Runtime, media_cache: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored, then cut off before the rows were committed: the upload is still there."""
    editor = user_factory(lite)("editor")
    report = report_factory(lite)(editor)
    clip = media.report_video(media_cache, seconds=3, size="320x240")
    job_id = queue_upload(lite, editor, report.id, clip)

    def cut_off(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception("the database system is shutting down"))

    real = services.replace_assets
    monkeypatch.setattr(services, "replace_assets", cut_off)
    assert jobs.execute(lite, job_id) == "queued"  # interrupted, so queued again
    monkeypatch.setattr(services, "replace_assets", real)
    assert jobs.execute(lite, job_id) == "succeeded", job_row(lite, job_id).error
    with lite.session() as session:
        roles = list(session.scalars(select(MediaAsset.role)
                                     .where(MediaAsset.report_id == report.id)))
    assert roles.count("master") == 1


def test_a_job_goes_on_while_the_database_restarts(lite: Runtime) -> None:
    """Progress and cancel checks that cannot reach the database do not fail the job."""
    kind = f"test_outage_{uuid.uuid4().hex[:6]}"
    outage = {"on": False, "refused": 0}

    def restarting(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if outage["on"] and "job_run" in statement:
            outage["refused"] += 1
            raise OperationalError(statement, params, Exception("the database is shutting down"))

    def work(ctx: jobs.JobContext) -> dict[str, Any]:
        outage["on"] = True
        try:
            ctx.progress(50, "halfway", force=True)
            assert ctx.should_cancel() is False
        finally:
            outage["on"] = False
        ctx.progress(90, "nearly", force=True)
        return {"done": True}

    jobs.handler(kind)(work)
    event.listen(lite.engine, "before_cursor_execute", restarting)
    try:
        with lite.session() as session:
            job_id = jobs.create_job(session, kind, {}).id
            session.commit()
        assert jobs.execute(lite, job_id) == "succeeded", job_row(lite, job_id).error
        assert outage["refused"] >= 2
        assert job_row(lite, job_id).step == "nearly"
    finally:
        event.remove(lite.engine, "before_cursor_execute", restarting)
        jobs._HANDLERS.pop(kind, None)


def test_a_job_the_database_interrupts_is_queued_again(lite: Runtime) -> None:
    """A handler's own query failing on a restart requeues a repeatable job (it ran fine the
    second time in the load run); a package-like job that must not repeat fails as before."""
    kind, once = f"test_again_{uuid.uuid4().hex[:6]}", f"test_once_{uuid.uuid4().hex[:6]}"
    calls: list[int] = []

    def flaky(ctx: jobs.JobContext) -> dict[str, Any]:
        calls.append(ctx.attempt)
        if len(calls) == 1:
            raise OperationalError("SELECT", {}, Exception("the database system is shutting down"))
        return {"done": True}

    def broken(ctx: jobs.JobContext) -> dict[str, Any]:
        raise OperationalError("SELECT", {}, Exception("the database system is shutting down"))

    jobs.handler(kind)(flaky)
    jobs.handler(once, repeatable=False)(broken)
    try:
        with lite.session() as session:
            job_id = jobs.create_job(session, kind, {}).id
            single = jobs.create_job(session, once, {}).id
            session.commit()
        assert jobs.execute(lite, job_id) == "queued"
        row = job_row(lite, job_id)
        assert row.status == "queued" and row.error == jobs.DATABASE_LOST
        assert jobs.execute(lite, job_id) == "succeeded"
        assert calls == [1, 2] and job_row(lite, job_id).result == {"done": True}
        assert jobs.execute(lite, single) == "failed"
    finally:
        jobs._HANDLERS.pop(kind, None)
        jobs._HANDLERS.pop(once, None)
        jobs._NOT_REPEATABLE.discard(once)
