"""Publishing from the desk: the services an editor's "Publish" and "Withdraw" call, on SQLite
and PostgreSQL, with a report whose sound was really ingested by ffmpeg.

`published_desk` is shared by the view-count, web and browser tests of the desk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from production import services as production
from production.models import Report
from production.tasks import ingest_now
from publishing import services
from publishing.models import SocialClip
from station.accounts import User, add_user
from station.errors import Conflict, NotFound, PermissionDenied
from station.jobs import JobRun
from station.runtime import Runtime
from tests import media

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")
PASSWORD = "correct horse battery"
TITLE = "Ruộng bậc thang Sì Lở Lầu mùa nước đổ"


@dataclass
class PubDesk:
    runtime: Runtime
    editor: User
    chief: User
    translator: User
    report_id: int  # approved, with ingested sound
    draft_id: int  # a draft with nothing to play


def make_pub_desk(runtime: Runtime, media_cache: Path, *, tag: str = "") -> PubDesk:
    """Two editors, a translator, an approved radio report with its sound and a bare draft."""
    with runtime.session() as session:
        users = [add_user(session, username=f"{name}{tag}", password=PASSWORD, role=role,
                          display_name=display)
                 for name, role, display in (("lan", "editor", "Lò Thị Lan"),
                                             ("chief", "editor", "Nguyễn Văn Hùng"),
                                             ("mai", "translator", "Vàng Thị Mai"))]
        session.commit()
        for user in users:
            session.expunge(user)
        editor, chief, translator = users
        report = production.create_report(session, production.ReportInput(
            title=TITLE, title_en="Terraced fields of Si Lo Lau", channel_codes=["LCR"],
            kind="radio_programme"),
            actor=editor)
        draft = production.create_report(session, production.ReportInput(
            title="Chợ phiên Tam Đường", channel_codes=["LCTV"]), actor=editor)
        session.commit()
        report_id, draft_id = report.id, draft.id
    job = ingest_now(runtime, report_id, media.tone_wav(media_cache, seconds=2),
                     actor=editor)
    assert job.status == "succeeded", job.error
    with runtime.session() as session:
        # Approval's own gates are the workflow's tests; here the report is simply approved.
        session.get(Report, report_id).status = "approved"  # type: ignore[union-attr]
        session.commit()
    return PubDesk(runtime, editor, chief, translator, report_id, draft_id)


@pytest.fixture
def pub(any_runtime: Runtime, media_cache: Path) -> PubDesk:
    return make_pub_desk(any_runtime, media_cache)


def _publish(pub: PubDesk, actor: User | None = None, **data: str) -> None:
    with pub.runtime.session() as session:
        services.publish(session, pub.report_id, services.PublishInput(**data),
                         actor=actor or pub.editor)
        session.commit()


def _export_jobs(runtime: Runtime, status: str = "queued") -> int:
    with runtime.session() as session:
        return session.scalar(select(func.count()).select_from(JobRun).where(
            JobRun.kind == services.EXPORT_JOB, JobRun.status == status)) or 0


def test_an_unapproved_report_or_one_without_media_is_refused_precisely(pub: PubDesk) -> None:
    with pub.runtime.session() as session:
        with pytest.raises(services.NotPublishable) as refused:
            services.publish(session, pub.draft_id, services.PublishInput(), actor=pub.editor)
        assert refused.value.message("en") == (
            f"Report #{pub.draft_id} is Planned: only approved work is published")
        session.rollback()
        session.get(Report, pub.draft_id).status = "approved"  # type: ignore[union-attr]
        with pytest.raises(services.NotPublishable) as bare:
            services.publish(session, pub.draft_id, services.PublishInput(), actor=pub.editor)
        assert bare.value.message("en") == f"Report #{pub.draft_id} has no media to publish yet"
        session.rollback()
        assert services.get_publication(session, pub.draft_id) is None


def test_publish_keeps_who_and_when_and_the_summaries_in_nfc(pub: PubDesk) -> None:
    decomposed = "Mu\u0300a nu\u031bo\u031b\u0301c đô\u0309"  # "Mùa nước đổ", NFD
    _publish(pub, summary=f"  {decomposed}  ", summary_en="Water season", programme="Đất và người")
    with pub.runtime.session() as session:
        found = services.get_publication(session, pub.report_id)
        assert found is not None and found.status == "published"
        assert found.summary == "Mùa nước đổ" and found.summary_en == "Water season"
        assert found.programme == "Đất và người"
        assert found.slug == f"ruong-bac-thang-si-lo-lau-mua-nuoc-do-{pub.report_id}"
        assert found.published_by_id == pub.editor.id
        events = services.history(session, pub.report_id)
        assert [(e.action, e.actor.display_name) for e in events] == [("publish", "Lò Thị Lan")]
        assert events[0].at == found.published_at
        assert [p.report_id for p in services.on_site(session)] == [pub.report_id]


def test_withdraw_then_publish_again_keeps_the_whole_history(pub: PubDesk) -> None:
    _publish(pub)
    with pub.runtime.session() as session:
        services.unpublish(session, pub.report_id, actor=pub.chief, note="Sai tên xã")
        session.commit()
        assert services.on_site(session) == []
    _publish(pub, actor=pub.chief)
    with pub.runtime.session() as session:
        events = services.history(session, pub.report_id)
        assert [(e.action, e.actor_id, e.note) for e in events] == [
            ("publish", pub.editor.id, ""), ("unpublish", pub.chief.id, "Sai tên xã"),
            ("publish", pub.chief.id, "")]
        found = services.get_publication(session, pub.report_id)
        assert found is not None and found.status == "published"
        assert found.withdrawn_at is None and found.published_by_id == pub.chief.id
        with pytest.raises(NotFound):
            services.unpublish(session, pub.draft_id, actor=pub.editor)


def test_withdrawing_marks_the_ready_social_clips_withdrawn(pub: PubDesk) -> None:
    _publish(pub)
    with pub.runtime.session() as session:
        for status in ("ready", "ready", "failed"):
            session.add(SocialClip(report_id=pub.report_id, in_ms=0, out_ms=1500,
                                   title="Nước đổ", aspects=["1:1"], status=status))
        session.commit()
        services.unpublish(session, pub.report_id, actor=pub.editor)
        session.commit()
        statuses = sorted(session.scalars(select(SocialClip.status)))
    assert statuses == ["failed", "withdrawn", "withdrawn"]


def test_a_translator_may_not_publish_or_withdraw(pub: PubDesk) -> None:
    with pub.runtime.session() as session:
        with pytest.raises(PermissionDenied):
            services.publish(session, pub.report_id, services.PublishInput(),
                             actor=pub.translator)
        session.rollback()
    _publish(pub)
    with pub.runtime.session() as session, pytest.raises(PermissionDenied):
        services.unpublish(session, pub.report_id, actor=pub.translator)


def test_a_stale_form_is_refused_with_who_changed_it(pub: PubDesk) -> None:
    _publish(pub)
    with pub.runtime.session() as session:
        opened = services.get_publication(session, pub.report_id)
        assert opened is not None
        version = opened.version
    _publish(pub, actor=pub.chief, summary="Bản của trưởng ban")
    with pub.runtime.session() as session:
        with pytest.raises(Conflict) as stale:
            services.unpublish(session, pub.report_id, actor=pub.editor, version=version)
        assert "Nguyễn Văn Hùng changed this publication" in stale.value.message("en")
        session.rollback()
        found = services.get_publication(session, pub.report_id)
        assert found is not None and found.status == "published"
        assert found.summary == "Bản của trưởng ban"


def test_one_export_waits_however_many_changes_come_before_it(pub: PubDesk) -> None:
    assert _export_jobs(pub.runtime) == 0
    _publish(pub)
    assert _export_jobs(pub.runtime) == 1
    _publish(pub, summary="Sửa tóm tắt")
    with pub.runtime.session() as session:
        services.unpublish(session, pub.report_id, actor=pub.editor)
        session.commit()
    assert _export_jobs(pub.runtime) == 1
    with pub.runtime.session() as session:  # a worker takes the waiting one
        job = session.scalar(select(JobRun).where(JobRun.kind == services.EXPORT_JOB))
        assert job is not None
        job.status = "running"
        session.commit()
    _publish(pub)
    assert _export_jobs(pub.runtime) == 1 and _export_jobs(pub.runtime, "running") == 1
