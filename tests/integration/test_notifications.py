"""Notifications: the service, each event that makes one, and e-mail through a real SMTP server.

The e-mail tests start aiosmtpd on a free local port (a real SMTP conversation, no mock) and
run the ``notify_email`` job the way a worker does, twice, to check a message is never sent
twice.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from production.models import MediaAsset
from schedule import reminders
from schedule import services as schedule
from station import jobs, notifications, periodic
from station.accounts import User
from station.errors import JobError, ValidationError
from station.jobs import JobRun, discard_pending, execute, handler, load_handlers
from station.notifications import Notification
from station.runtime import Runtime
from subtitles import review, services
from subtitles.models import Track
from tests.conftest import make_settings, report_factory, user_factory

SRT_EN = "1\n00:00:01,000 --> 00:00:04,000\nWelcome to Lai Chau\n"


def _rows(runtime: Runtime, user_id: int) -> list[Notification]:
    with runtime.session() as session:
        rows = list(session.scalars(select(Notification).where(Notification.user_id == user_id)
                                    .order_by(Notification.id)))
        session.expunge_all()
        return rows


# ---- the service -------------------------------------------------------------------------

def test_notify_count_list_read_and_render(any_runtime: Runtime) -> None:
    make = user_factory(any_runtime)
    mai, an, gone = make("editor", display_name="Lò Thị Mai"), make("translator"), make("editor")
    with any_runtime.session() as session:
        session.execute(update(User).where(User.id == gone.id).values(active=False))
        made = notifications.notify(
            session, [an, an.id, mai, gone, None], "sent_back",
            {"who": "Lò Thị Mai", "language": "en", "report": "Mùa lúa", "reason": "Sai tên"},
            "/tracks/7/edit", actor=mai)
        notifications.notify(session, [an], "job_failed",
                             {"job_id": 3, "job_kind": "ingest",
                              "error": {"template": "No job #{job_id}",
                                        "params": {"job_id": 3}}}, "/jobs")
        session.commit()
    # the actor and the inactive account get nothing; a person is told once
    assert [n.user_id for n in made] == [an.id]
    with any_runtime.session() as session:
        assert notifications.unread_count(session, an.id) == 2
        assert notifications.unread_count(session, mai.id) == 0
        rows, total = notifications.recent(session, an.id)
        assert total == 2 and [r.kind for r in rows] == ["job_failed", "sent_back"]  # newest first
        sent_back = rows[1]
        assert sent_back.text("en") == (
            "Lò Thị Mai sent the English (en) subtitles of “Mùa lúa” back: Sai tên")
        assert sent_back.text("vi") == (
            "Lò Thị Mai trả lại phụ đề Tiếng Anh (en) của “Mùa lúa”: Sai tên")
        assert rows[0].text("vi").startswith("Tác vụ #3 (Nhập tư liệu) bị lỗi: ")
        # someone else's rows are not theirs to read or mark
        assert notifications.get_own(session, mai.id, sent_back.id) is None
        assert notifications.mark_read(session, mai.id, [sent_back.id]) == 0
        assert notifications.mark_read(session, an.id, [sent_back.id]) == 1
        session.commit()
        assert notifications.unread_count(session, an.id) == 1
        assert notifications.recent(session, an.id, unread_only=True)[1] == 1
        assert notifications.mark_read(session, an.id) == 1
        session.commit()
        assert notifications.unread_count(session, an.id) == 0


def test_rendering_times_fallbacks_and_links() -> None:
    text = notifications.render(
        "slot_not_ready",
        {"report": "Mùa lúa", "channel": "VTV4", "start_at": "2026-12-07T13:00:00+00:00",
         "reason": {"template": "Report #{report_id} is “{status}”; only an approved report "
                                "may air", "params": {"report_id": 5, "status": "editing"}}},
        "en")
    assert text.startswith("“Mùa lúa” airs on VTV4 at 20:00 07/12/2026 but is not ready: "
                           "Report #5 is “")  # shown in Asia/Ho_Chi_Minh (UTC+7)
    assert "Đang biên tập" in notifications.render(
        "slot_not_ready", {"reason": {"template": "{status}", "params": {"status": "editing"}}},
        "vi")
    # a missing parameter shows its name; an unknown kind shows itself
    assert "{report}" in notifications.render("approved", {"who": "X", "language": "en"}, "en")
    assert notifications.render("something_new", {}, "vi") == "something_new"
    row = Notification(link="//evil.example/x")
    assert row.safe_link is None
    assert Notification(link="/reports/3").safe_link == "/reports/3"


def test_dedupe_key_reminds_once(runtime: Runtime, make_user: Callable[..., User]) -> None:
    mai = make_user("editor")
    for _ in range(2):
        with runtime.session() as session:
            notifications.notify(session, [mai], "approved",
                                 {"who": "x", "language": "en", "report": "r"},
                                 dedupe_key="once")
            session.commit()
    assert len(_rows(runtime, mai.id)) == 1


def test_email_preference_is_checked(runtime: Runtime, make_user: Callable[..., User]) -> None:
    an = make_user("translator")
    with runtime.session() as session:
        user = session.get(User, an.id)
        assert user is not None
        with pytest.raises(ValidationError, match="not an e-mail address"):
            notifications.set_email(session, user, "an at example", notifications=True)
        notifications.set_email(session, user, " An@Example.VN ", notifications=True)
        assert (user.email, user.email_notifications) == ("An@example.vn", True)
        notifications.set_email(session, user, "")  # no address: no e-mail either
        assert (user.email, user.email_notifications) == (None, False)


# ---- the events --------------------------------------------------------------------------

@pytest.fixture
def review_desk(any_runtime: Runtime) -> dict[str, Any]:
    make = user_factory(any_runtime)
    people = {
        "editor": make("editor", display_name="Lò Thị Mai"),
        "an": make("translator", languages=["en"], display_name="Nguyễn Văn An"),
        "binh": make("translator", languages=["en"], can_review=True, display_name="Trần Bình"),
        "zh": make("translator", languages=["zh"], can_review=True),
    }
    report = report_factory(any_runtime)(people["editor"], "Lai Châu mùa lúa",
                                         channel_codes=["VTV4"], editor_id=people["editor"].id)
    with any_runtime.session() as session:
        session.add(MediaAsset(report_id=report.id, role="master", sha256="c" * 64,
                               size_bytes=1, storage_key="cc/cc/x.mp4", duration_ms=30_000))
        track, _ = services.import_track(session, report.id, "en", SRT_EN.encode(), "en.srt",
                                         actor=people["an"])
        session.commit()
        return {"rt": any_runtime, "report": report, "en": track.id, **people}


def test_review_moves_notify_the_right_people(review_desk: dict[str, Any]) -> None:
    rt, track_id = review_desk["rt"], review_desk["en"]
    an, binh, editor, zh = (review_desk[k] for k in ("an", "binh", "editor", "zh"))
    with rt.session() as session:
        review.move(session, track_id, "in_review", actor=an)
        session.commit()
    # asked: the reviewers of English and the report's editor, not the one who asked
    assert [n.kind for n in _rows(rt, binh.id)] == ["review_requested"]
    assert [n.kind for n in _rows(rt, editor.id)] == ["review_requested"]
    assert _rows(rt, an.id) == [] and _rows(rt, zh.id) == []

    with rt.session() as session:
        review.move(session, track_id, "draft", actor=binh, comment="Sửa tên “Mường Tè”")
        session.commit()
    sent_back = _rows(rt, an.id)[-1]
    assert sent_back.kind == "sent_back" and sent_back.link == f"/tracks/{track_id}/edit"
    assert sent_back.text("vi") == (
        "Trần Bình trả lại phụ đề Tiếng Anh (en) của “Lai Châu mùa lúa”: Sửa tên “Mường Tè”")

    with rt.session() as session:
        review.move(session, track_id, "in_review", actor=an)
        review.move(session, track_id, "approved", actor=binh)
        session.commit()
    assert _rows(rt, an.id)[-1].kind == "approved"
    assert [n.kind for n in _rows(rt, editor.id)] == ["review_requested", "review_requested",
                                                      "approved"]
    assert "approved" not in [n.kind for n in _rows(rt, binh.id)]  # the approver did it


def test_sent_back_with_cue_comments_only_says_so(review_desk: dict[str, Any]) -> None:
    rt, track_id, binh = review_desk["rt"], review_desk["en"], review_desk["binh"]
    with rt.session() as session:
        review.move(session, track_id, "in_review", actor=review_desk["an"])
        track = session.get(Track, track_id)
        assert track is not None
        review.comment(session, track.cues[0].id, "Lai Châu, có dấu", actor=binh)
        review.move(session, track_id, "draft", actor=binh)
        session.commit()
    note = _rows(rt, review_desk["an"].id)[-1]
    assert note.text("en").endswith(": see the 1 comments on the cues")


def test_a_rolled_back_move_notifies_nobody(review_desk: dict[str, Any]) -> None:
    rt = review_desk["rt"]
    with rt.session() as session:
        review.move(session, review_desk["en"], "in_review", actor=review_desk["an"])
        session.rollback()
    assert _rows(rt, review_desk["binh"].id) == []


_FAIL_KIND = "test_notify_fail"


@handler(_FAIL_KIND)
def _always_fails(ctx: jobs.JobContext) -> dict[str, Any]:
    raise JobError("No job #{job_id}", job_id=99)


def test_job_failed_tells_whoever_started_it(runtime: Runtime,
                                             make_user: Callable[..., User]) -> None:
    mai = make_user("editor")
    with runtime.session() as session:
        job = jobs.create_job(session, _FAIL_KIND, {}, actor_id=mai.id)
        system = jobs.create_job(session, _FAIL_KIND, {})  # nobody started it: nobody told
        session.commit()
        job_id, system_id = job.id, system.id
    assert execute(runtime, job_id) == "failed"
    assert execute(runtime, system_id) == "failed"
    rows = _rows(runtime, mai.id)
    assert [r.kind for r in rows] == ["job_failed"]
    assert rows[0].text("vi") == f"Tác vụ #{job_id} ({_FAIL_KIND}) bị lỗi: Không có tác vụ #99"
    assert rows[0].link == "/jobs?status=failed"


def test_a_slot_airing_unready_reminds_the_editor_once(runtime: Runtime,
                                                       make_user: Callable[..., User]) -> None:
    editor, other = make_user("editor"), make_user("editor")
    report = report_factory(runtime)(editor, "Chợ phiên Sìn Hồ", channel_codes=["LCTV"],
                                     editor_id=editor.id, planned_duration_s=600)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with runtime.session() as session:
        soon = schedule.add_slot(session, schedule.SlotInput(
            channel="LCTV", start=now + dt.timedelta(hours=3), duration_s=600,
            report_id=report.id, title=report.title), actor=editor)
        schedule.add_slot(session, schedule.SlotInput(  # two days ahead: not yet
            channel="LCTV", start=now + dt.timedelta(hours=50), duration_s=600,
            report_id=report.id, title=report.title), actor=editor)
        session.commit()
        soon_id = soon.id
    load_handlers()
    assert "slot_not_ready" in periodic.names()
    assert periodic.run_due(runtime, force=True)["slot_not_ready"] == 1
    assert reminders.remind(runtime) == 0  # the next sweep: already told
    rows = _rows(runtime, editor.id)
    assert [r.kind for r in rows] == ["slot_not_ready"]
    assert rows[0].params["slot_id"] == soon_id and rows[0].link == f"/reports/{report.id}"
    assert "only an approved report may air" in rows[0].text("en")
    assert "chưa sẵn sàng" in rows[0].text("vi")
    assert _rows(runtime, other.id) == []  # the report has its own editor


# ---- packages (real builds) ---------------------------------------------------------------

@pytest.fixture
def desk(runtime: Runtime, media_cache: Path) -> Any:
    from tests import delivery_desk as dd
    from tests import media

    if not media.tools_available():
        pytest.skip("needs ffmpeg, ffprobe and espeak-ng")
    return dd.make_desk(runtime, media_cache)


def test_package_ready_and_failed_tell_the_editor(desk: Any) -> None:
    from delivery import services as delivery
    from tests import delivery_desk as dd

    dd.build(desk)
    ready = _rows(desk.runtime, desk.editor.id)
    assert [r.kind for r in ready] == ["package_ready"]
    assert ready[0].text("en").startswith("The VTV4 package ")
    assert ready[0].link == f"/reports/{desk.report_id}"

    with desk.runtime.session() as session:
        package = delivery.queue_build(session, desk.report_id, "VTV4", actor=desk.editor,
                                       full=True)
        discard_pending(session)
        track = services.track_for(session, desk.report_id, "en")
        assert track is not None
        review.move(session, track.id, "draft", actor=desk.admin, comment="typo")
        session.commit()
        job_id = package.job_id
    assert job_id is not None and execute(desk.runtime, job_id) == "failed"
    kinds = [r.kind for r in _rows(desk.runtime, desk.editor.id)]
    # the package says it failed; the generic "job failed" would say it twice
    assert kinds[-1] == "package_failed" and "job_failed" not in kinds
    assert "en track is no longer approved" in _rows(desk.runtime, desk.editor.id)[-1].text("en")


# ---- e-mail through a real SMTP server -----------------------------------------------------

class _Inbox:
    """aiosmtpd's handler: keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server:
    """A real SMTP server (aiosmtpd) on a fixed local port that can go down and come back."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = _free_port()
        self.controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[_Server]:
    server = _Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_runtime(tmp_path: Path, sqlite_template: Path,
                 smtp: _Server) -> Iterator[Runtime]:
    import shutil

    db_file = tmp_path / "station.db"
    shutil.copyfile(sqlite_template, db_file)
    runtime = Runtime(make_settings(
        tmp_path, database_url=f"sqlite:///{db_file}", smtp_host="127.0.0.1",
        smtp_port=smtp.port, smtp_starttls=False, smtp_sender="station@laichau.test",
        public_url="https://station.laichau.test/", language="vi"))
    yield runtime
    runtime.dispose()


def _notify_and_commit(runtime: Runtime, users: list[User]) -> int:
    with runtime.session() as session:
        notifications.notify(session, users, "sent_back",
                             {"who": "Trần Bình", "language": "en", "report": "Mùa lúa",
                              "reason": "Sửa tên “Mường Tè”"}, "/tracks/4/edit")
        job = session.scalar(select(JobRun).where(JobRun.kind == notifications.EMAIL_JOB)
                             .order_by(JobRun.id.desc()))
        assert job is not None
        discard_pending(session)  # run here, as a worker would, not on the queue
        session.commit()
        return job.id


def _run_again(runtime: Runtime, job_id: int) -> str:
    """A second delivery of the job (a retry, or a message re-sent by the sweep)."""
    with runtime.session() as session:
        session.execute(update(JobRun).where(JobRun.id == job_id).values(status="queued"))
        session.commit()
    return execute(runtime, job_id)


def test_email_is_sent_once_after_commit_even_when_the_job_runs_twice(
        mail_runtime: Runtime, smtp: _Server) -> None:
    inbox = smtp.inbox
    make = user_factory(mail_runtime)
    an, quiet = make("translator"), make("translator")
    with mail_runtime.session() as session:
        user = session.get(User, an.id)
        assert user is not None
        notifications.set_email(session, user, "an@laichau.test", notifications=True)
        other = session.get(User, quiet.id)
        assert other is not None
        notifications.set_email(session, other, "quiet@laichau.test", notifications=False)
        session.commit()
        an, quiet = user, other
    job_id = _notify_and_commit(mail_runtime, [an, quiet])
    assert inbox.messages == []  # nothing before the worker runs the job
    assert execute(mail_runtime, job_id) == "succeeded"
    assert _run_again(mail_runtime, job_id) == "succeeded"
    assert len(inbox.messages) == 1  # once, and only to the person who opted in
    message = inbox.messages[0]
    assert message["To"] == "an@laichau.test"
    assert "station@laichau.test" in message["From"]
    assert message["Subject"] == "[Station] Phụ đề bị trả lại"
    body = message.get_content()
    assert "Trần Bình trả lại phụ đề Tiếng Anh (en) của “Mùa lúa”: Sửa tên “Mường Tè”" in body
    assert "https://station.laichau.test/tracks/4/edit" in body
    states = {r.user_id: r.email_state for r in _rows(mail_runtime, an.id) +
              _rows(mail_runtime, quiet.id)}
    assert states == {an.id: "sent", quiet.id: None}


def test_email_waits_for_a_server_that_is_down_then_goes_once(
        mail_runtime: Runtime, smtp: _Server) -> None:
    inbox = smtp.inbox
    make = user_factory(mail_runtime)
    an = make("translator")
    with mail_runtime.session() as session:
        user = session.get(User, an.id)
        assert user is not None
        notifications.set_email(session, user, "an@laichau.test", notifications=True)
        session.commit()
    job_id = _notify_and_commit(mail_runtime, [an])
    smtp.stop()
    assert execute(mail_runtime, job_id) == "failed"  # refused: nothing sent, kept pending
    assert _rows(mail_runtime, an.id)[0].email_state == "pending"
    smtp.start()
    with mail_runtime.session() as session:
        jobs.retry(session, job_id)
        discard_pending(session)
        session.commit()
    assert execute(mail_runtime, job_id) == "succeeded"
    assert _run_again(mail_runtime, job_id) == "succeeded"
    assert len(inbox.messages) == 1
    assert _rows(mail_runtime, an.id)[0].email_state == "sent"


def test_without_an_smtp_host_the_email_is_skipped(runtime: Runtime,
                                         make_user: Callable[..., User]) -> None:
    an = make_user("translator")
    with runtime.session() as session:
        user = session.get(User, an.id)
        assert user is not None
        notifications.set_email(session, user, "an@laichau.test", notifications=True)
        session.commit()
        job_id = _notify_and_commit(runtime, [user])
    assert execute(runtime, job_id) == "succeeded"
    assert _rows(runtime, an.id)[0].email_state == "skipped"


# ---- the command line ------------------------------------------------------------------------

def test_cli_sets_the_email(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from station.cli import main

    env = {"STATION_INSTANCE_PATH": str(tmp_path / "instance"), "STATION_LANGUAGE": "en",
           "STATION_DATABASE_URL": "", "STATION_REDIS_URL": "", "STATION_USER": ""}

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("db", "upgrade")
    run("user", "add", "an", "--role", "translator", "--password", "mua lua chin 2026",
        "--email", "an@laichau.test", "--notify-email")
    assert "an@laichau.test; notification e-mails on" in run("user", "email", "an")
    assert "notification e-mails off" in run("user", "email", "an", "an@laichau.test",
                                             "--no-notify")
    assert "e-mail of an: -; notification e-mails off" in run("user", "email", "an", "")
    bad = CliRunner().invoke(main, ["user", "email", "an", "nope"], env=env)
    assert bad.exit_code != 0 and "not an e-mail address" in bad.output
