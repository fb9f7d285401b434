"""Partner delivery end to end: readiness, real package builds by the job, versions and
supplemental packages, superseding, automatic builds, webhooks to a real local HTTP server."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from delivery import portal, webhooks
from delivery import services as delivery
from delivery.models import Package, WebhookDelivery
from station.errors import Conflict, PermissionDenied, ValidationError
from station.jobs import JobRun, discard_pending, execute, load_handlers
from station.runtime import Runtime
from subtitles import review
from subtitles import services as subtitles
from tests import delivery_desk as dd
from tests import media

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")


@pytest.fixture
def desk(runtime: Runtime, media_cache: Path) -> dd.Desk:
    return dd.make_desk(runtime, media_cache)


@pytest.fixture
def any_desk(any_runtime: Runtime, media_cache: Path) -> dd.Desk:
    """The same desk on SQLite and on the real PostgreSQL server."""
    return dd.make_desk(any_runtime, media_cache)


def _package(runtime: Runtime, package_id: int) -> Package:
    with runtime.session() as session:
        row = session.get(Package, package_id)
        assert row is not None
        session.expunge(row)
        return row


def test_not_ready_lists_every_reason_in_both_languages(runtime: Runtime,
                                                        media_cache: Path) -> None:
    desk = dd.make_desk(runtime, media_cache, languages=("vi",))
    dd.add_track(desk, "en", approve=False)
    with runtime.session() as session:
        with pytest.raises(delivery.NotReady) as caught:
            delivery.queue_build(session, desk.report_id, "VTV4", actor=desk.editor)
        assert [p.template for p in caught.value.problems] == [
            "The {language} subtitles are not approved (status {status})"]
        assert "en subtitles are not approved (status Draft)" in caught.value.message("en")
        assert "Phụ đề en chưa được duyệt" in caught.value.message("vi")
        # Translators and partners never build packages.
        with pytest.raises(delivery.NotReady):
            delivery.queue_build(session, desk.report_id, "VOV5", actor=desk.editor)
        with pytest.raises(PermissionDenied):
            delivery.queue_build(session, desk.report_id, "VTV4", actor=desk.partner)
        assert session.scalar(select(Package.id)) is None


def test_full_package_is_a_verified_bag_with_everything_the_spec_asks(desk: dd.Desk,
                                                                     tmp_path: Path) -> None:
    package_id = dd.build(desk)
    row = _package(desk.runtime, package_id)
    assert (row.status, row.number, row.kind) == ("ready", 1, "full")
    assert row.name == "LAI_CHAU_PHONG_SU_MUA_HOA_DAO_V1"
    roles = sorted({f["role"] for f in row.files})
    assert roles == ["manifest", "qc", "subtitle", "video"]
    subs = sorted((f["language"], f["format"]) for f in row.files if f["role"] == "subtitle")
    assert subs == [(lang, fmt) for lang in ("en", "vi") for fmt in ("srt", "ttml", "webvtt")]
    assert row.manifest["report"]["title"] == "Mùa hoa đào"
    approvals = {entry["language"]: entry["approved_by"] for entry in row.manifest["languages"]}
    assert approvals == {"vi": "EDITOR", "en": "EDITOR"}
    loudness = row.manifest["media"]["video"]["loudness"]
    assert abs(loudness["integrated_lufs"] - (-23.0)) <= 0.5 and loudness["within_tolerance"]

    root = desk.runtime.settings.media_path
    bag = root / row.storage_key
    check = subprocess.run(["sha256sum", "-c", "manifest-sha256.txt"], cwd=bag,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    archive = root / row.archive_key
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path)
    unzipped = subprocess.run(["sha256sum", "-c", "manifest-sha256.txt"],
                              cwd=tmp_path / row.name, capture_output=True, text=True)
    assert unzipped.returncode == 0, unzipped.stdout
    assert row.size_bytes == archive.stat().st_size
    assert row.sha256 == subprocess.run(["sha256sum", str(archive)], capture_output=True,
                                        text=True).stdout.split()[0]


def test_versions_supplements_and_superseding(any_desk: dd.Desk) -> None:
    desk = any_desk
    first = dd.build(desk)
    with desk.runtime.session() as session, pytest.raises(Conflict):
        delivery.queue_build(session, desk.report_id, "VTV4", actor=desk.editor)

    # A new optional language: a small supplemental package without the video.
    dd.add_track(desk, "fr")
    second = _package(desk.runtime, dd.build(desk))
    assert (second.number, second.kind, second.base_id) == (2, "supplemental", first)
    assert {f["role"] for f in second.files} == {"subtitle", "qc", "manifest"}
    assert {f["language"] for f in second.files if f["language"]} == {"fr"}
    assert second.languages["vi"]["package"] == 1 and second.languages["fr"]["package"] == 2
    carried = {e["language"]: e["package"] for e in second.manifest["languages"]}
    assert carried == {"vi": 1, "en": 1, "fr": 2}
    assert second.size_bytes < _package(desk.runtime, first).size_bytes / 5
    assert _package(desk.runtime, first).superseded_by_id is None  # still holds the video

    # The French text is corrected: v3 replaces v2 entirely, and v2 is marked superseded.
    dd.add_track(desk, "fr", text="La saison des fleurs de pêcher à Lai Châu")
    third = _package(desk.runtime, dd.build(desk))
    assert (third.number, third.kind) == (3, "supplemental")
    assert _package(desk.runtime, second.id).superseded_by_id == third.id
    assert _package(desk.runtime, first).superseded_by_id is None

    # A changed spec makes the next package full, superseding every earlier one.
    with desk.runtime.session() as session:
        delivery.save_spec(session, "VTV4", {**dd.SMALL_VTV4, "subtitle_formats": ["srt"]},
                           actor=desk.admin)
        session.commit()
    fourth = _package(desk.runtime, dd.build(desk))
    assert (fourth.number, fourth.kind) == (4, "full")
    assert {f["format"] for f in fourth.files if f["role"] == "subtitle"} == {"srt"}
    assert _package(desk.runtime, first).superseded_by_id == fourth.id
    assert _package(desk.runtime, third.id).superseded_by_id == fourth.id
    # Old versions stay downloadable: their files are still there.
    old = _package(desk.runtime, first)
    assert (desk.runtime.settings.media_path / old.archive_key).is_file()


def test_track_unapproved_after_queueing_fails_the_build_clearly(desk: dd.Desk) -> None:
    with desk.runtime.session() as session:
        package = delivery.queue_build(session, desk.report_id, "VTV4", actor=desk.editor)
        discard_pending(session)
        track = subtitles.track_for(session, desk.report_id, "en")
        assert track is not None
        review.move(session, track.id, "draft", actor=desk.editor, comment="typo")
        session.commit()
        package_id, job_id = package.id, package.job_id
    assert execute(desk.runtime, job_id) == "failed"
    row = _package(desk.runtime, package_id)
    assert row.status == "failed" and "en track is no longer approved" in (row.error or "")
    assert not list((desk.runtime.settings.media_path / "packages").rglob("*.zip"))


def test_auto_build_on_approval(desk: dd.Desk) -> None:
    with desk.runtime.session() as session:
        row = delivery.spec_row(session, delivery.get_channel(session, "VTV4"))
        row.auto_build = True
        session.commit()
    dd.add_track(desk, "en", approve=False, text="Peach blossoms")
    with desk.runtime.session() as session:
        track = subtitles.track_for(session, desk.report_id, "en")
        assert track is not None
        review.move(session, track.id, "in_review", actor=desk.editor)
        # The approval service itself queues the build (station.events), so approving from
        # the workspace, the CLI or the demo builds alike; no route has to remember it.
        review.move(session, track.id, "approved", actor=desk.editor)
        discard_pending(session)
        session.commit()
        queued = delivery.report_packages(session, desk.report_id)
        assert [(p.number, p.kind, p.status) for p in queued] == [(1, "full", "building")]
        again = delivery.auto_build(session, desk.report_id, actor=desk.editor)
        assert again == []  # one build at a time, no error for the approver


class _Hook(http.server.BaseHTTPRequestHandler):
    answers: ClassVar[list[int]] = []
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"headers": dict(self.headers), "body": body})
        code = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(code)
        if 300 <= code < 400:  # a redirect elsewhere: a sender following it would show here
            self.send_header("Location", "/followed")
        self.end_headers()

    do_GET = do_POST  # a followed 302 would come back as a GET

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_server() -> Iterator[tuple[str, type[_Hook]]]:
    handler = type("Hook", (_Hook,), {"answers": [], "received": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/station-hook", handler
    server.shutdown()
    server.server_close()


# The test receiver listens on 127.0.0.1, which webhooks refuse unless an admin allows it: the
# tests allow it the documented way, with the webhook_allowed_addresses setting.
LOCAL_RECEIVER = "127.0.0.1"


@pytest.fixture
def hook_runtime(runtime: Runtime) -> Iterator[Runtime]:
    allowing = Runtime(runtime.settings.replace(webhook_allowed_addresses=LOCAL_RECEIVER))
    yield allowing
    allowing.dispose()


@pytest.fixture
def hook_desk(hook_runtime: Runtime, media_cache: Path) -> dd.Desk:
    return dd.make_desk(hook_runtime, media_cache)


def _run_pending_webhook_jobs(runtime: Runtime) -> list[str]:
    with runtime.session() as session:
        ids = list(session.scalars(select(JobRun.id).where(JobRun.kind == "webhook",
                                                           JobRun.status == "queued")))
    return [execute(runtime, job_id) for job_id in ids]


def test_webhook_signed_retried_with_backoff_and_logged(hook_desk: dd.Desk,
                                                        hook_server: tuple[str, Any]) -> None:
    desk = hook_desk
    url, hook = hook_server
    with desk.runtime.session() as session:
        delivery.save_spec(session, "VTV4", dd.SMALL_VTV4, actor=desk.admin, webhook_url=url,
                           allowed_addresses=LOCAL_RECEIVER)
        secret = delivery.spec_row(session, delivery.get_channel(session, "VTV4")).webhook_secret
        session.commit()
    assert secret and len(secret) >= 32
    hook.answers = [500, 503]  # the partner's server fails twice, then takes it
    package_id = dd.build(desk)
    for _ in range(3):
        assert _run_pending_webhook_jobs(desk.runtime) == ["succeeded"]
    assert _run_pending_webhook_jobs(desk.runtime) == []

    with desk.runtime.session() as session:
        sent = session.scalar(select(WebhookDelivery))
        assert sent is not None
        assert (sent.status, sent.attempts) == ("delivered", 3)
        assert [(a.number, a.status_code) for a in sent.log] == [(1, 500), (2, 503), (3, 200)]
        assert sent.log[0].error == "HTTP 500 Internal Server Error"
    assert len(hook.received) == 3
    got = hook.received[-1]
    headers = {k.lower(): v for k, v in got["headers"].items()}
    assert headers["x-station-event"] == "package.ready"
    assert webhooks.verify(secret, headers["x-station-timestamp"], got["body"],
                           headers["x-station-signature"])
    assert not webhooks.verify("wrong-secret", headers["x-station-timestamp"], got["body"],
                               headers["x-station-signature"])
    payload = json.loads(got["body"])
    assert payload["package"]["id"] == package_id
    assert payload["package"]["archive"] == "LAI_CHAU_PHONG_SU_MUA_HOA_DAO_V1.zip"
    assert "storage_key" not in json.dumps(payload)  # no server paths leave the station
    # Backoff doubles: the 2nd try waited 30 s, the 3rd 60 s (default settings).
    assert [webhooks.backoff(n, 30.0) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]


def test_webhook_gives_up_after_the_last_attempt(runtime: Runtime, media_cache: Path,
                                                hook_server: tuple[str, Any]) -> None:
    url, hook = hook_server
    runtime_few = Runtime(runtime.settings.replace(webhook_max_attempts=2,
                                                   webhook_allowed_addresses=LOCAL_RECEIVER))
    try:
        desk = dd.make_desk(runtime_few, media_cache)
        with runtime_few.session() as session:
            delivery.save_spec(session, "VTV4", dd.SMALL_VTV4, actor=desk.admin,
                               webhook_url=url, allowed_addresses=LOCAL_RECEIVER)
            session.commit()
        hook.answers = [500, 500, 500]
        dd.build(desk)
        _run_pending_webhook_jobs(runtime_few)
        _run_pending_webhook_jobs(runtime_few)
        assert _run_pending_webhook_jobs(runtime_few) == []
        with runtime_few.session() as session:
            sent = session.scalar(select(WebhookDelivery))
            assert sent is not None and (sent.status, sent.attempts) == ("failed", 2)
            delivery.redeliver_webhook(session, sent.id, actor=desk.admin)
            session.commit()
        hook.answers = []
        assert _run_pending_webhook_jobs(runtime_few) == ["succeeded"]
        with runtime_few.session() as session:
            sent = session.scalar(select(WebhookDelivery))
            assert sent is not None and (sent.status, sent.attempts) == ("delivered", 3)
    finally:
        runtime_few.dispose()


def _send_now(runtime: Runtime, url: str) -> WebhookDelivery:
    """Queue one webhook event to ``url`` (as if saved earlier) and run its first try."""
    load_handlers()
    with runtime.session() as session:
        channel = delivery.get_channel(session, "VTV4")
        sent = WebhookDelivery(channel_id=channel.id, event=delivery.PACKAGE_READY, url=url,
                               payload={"test": True})
        session.add(sent)
        session.flush()
        delivery.send_webhook_later(session, sent, delay=0.0)
        discard_pending(session)
        session.commit()
    assert _run_pending_webhook_jobs(runtime) == ["succeeded"]
    with runtime.session() as session:
        row = session.scalars(select(WebhookDelivery).options(
            selectinload(WebhookDelivery.log)).order_by(WebhookDelivery.id.desc())).first()
        assert row is not None
        session.expunge(row)
        return row


@pytest.mark.parametrize(("url", "address", "kind"), [
    ("http://127.0.0.1:9/hook", "127.0.0.1", "loopback"),
    ("http://10.20.30.40/hook", "10.20.30.40", "private"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
    ("http://[::1]:8080/hook", "::1", "loopback"),
    ("https://localhost/hook", "127.0.0.1", "loopback"),  # a name resolving to loopback
])
def test_webhook_to_an_internal_address_is_refused_when_saved(
        runtime: Runtime, make_user: Any, url: str, address: str, kind: str) -> None:
    admin = make_user("admin")
    with runtime.session() as session:
        with pytest.raises(webhooks.BlockedDestination) as caught:
            delivery.save_spec(session, "VTV4", dd.SMALL_VTV4, actor=admin, webhook_url=url)
        assert caught.value.kind == kind
        message = caught.value.message("en")
        if url != "https://localhost/hook":  # localhost may resolve to ::1 first
            assert f"resolves to {address}, a {kind} address" in message
        assert "webhook_allowed_addresses" in message
        assert "chỉ nhận địa chỉ công khai" in caught.value.message("vi")
        with pytest.raises(ValidationError, match="must start with http"):
            delivery.save_spec(session, "VTV4", dd.SMALL_VTV4, actor=admin,
                               webhook_url="file:///etc/passwd")
        # Listed by an admin, the same address is accepted.
        allowed = "127.0.0.1,::1,10.0.0.0/8,169.254.169.254"
        row = delivery.save_spec(session, "VTV4", dd.SMALL_VTV4, actor=admin, webhook_url=url,
                                 allowed_addresses=allowed)
        assert row.webhook_url == url


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_webhook_refused_at_send_time_when_not_allowed_any_more(
        runtime: Runtime, hook_server: tuple[str, Any], host: str) -> None:
    """Saved while allowed (or while DNS said otherwise); checked again before each try."""
    url, hook = hook_server
    sent = _send_now(runtime, url.replace("127.0.0.1", host))
    assert hook.received == []  # nothing reached the local server
    assert (sent.status, sent.attempts) == ("pending", 1)
    assert sent.log[0].status_code is None
    assert sent.log[0].error is not None and "a loopback address" in sent.log[0].error


def test_webhook_redirect_is_not_followed(hook_runtime: Runtime,
                                          hook_server: tuple[str, Any]) -> None:
    url, hook = hook_server
    hook.answers = [302]
    sent = _send_now(hook_runtime, url)
    assert len(hook.received) == 1  # /followed was never asked for
    assert (sent.status, sent.attempts) == ("pending", 1)
    assert sent.log[0].status_code == 302
    assert sent.log[0].error == "HTTP 302 Found (redirects are not followed)"


def test_upcoming_lists_planned_reports_with_dates_languages_and_first_airing(
        desk: dd.Desk) -> None:
    import datetime as dt

    from production import services as production
    from schedule import services as schedule
    from schedule.models import Slot

    with desk.runtime.session() as session:
        planned = production.create_report(session, production.ReportInput(
            title="Lễ hội Gầu Tào", channel_codes=["VTV4"], due_date=dt.date(2027, 1, 15)),
            actor=desk.editor)
        production.create_report(session, production.ReportInput(
            title="Chỉ cho Đài tỉnh", channel_codes=["LCTV"]), actor=desk.editor)
        slot = schedule.add_slot(session, schedule.SlotInput(
            channel="VTV4", start=dt.datetime(2027, 1, 20, 19, 0), duration_s=600,
            title="Lễ hội Gầu Tào", report_id=planned.id), actor=desk.editor)
        slot.status = "published"
        session.commit()
        channel = delivery.get_channel(session, "VTV4")
        before = portal.upcoming(session, channel, today=dt.date(2026, 12, 1))
        assert [(u.report.title, u.expected) for u in before] == [
            ("Mùa hoa đào", dt.date(2026, 12, 20)), ("Lễ hội Gầu Tào", dt.date(2027, 1, 15))]
        gau_tao = before[1]
        assert gau_tao.languages == ["vi", "en"]  # the spec's required languages
        assert gau_tao.slot_start == session.get(Slot, slot.id).start_at
        assert before[0].languages == ["vi", "en"]
    dd.build(desk)  # delivered: it leaves the upcoming list
    with desk.runtime.session() as session:
        channel = delivery.get_channel(session, "VTV4")
        after = portal.upcoming(session, channel, today=dt.date(2026, 12, 1))
        assert [u.report.title for u in after] == ["Lễ hội Gầu Tào"]
