"""Delivery's part of the demo (a ``station.demo`` step): a second report, translated and
approved, whose VTV4 package the worker builds, so the partner portal has a real package."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select

from delivery import services as delivery
from production import services
from production.demo import DEMO_SECONDS, DEMO_TAG, Demo, make_demo_master
from production.models import Report
from production.tasks import ingest_now
from station.accounts import User
from subtitles import review
from subtitles import services as subtitles

# A second, finished report so the partner portal has a package: three approved tracks.
DELIVERED_TITLE = "Mùa hoa đào Lai Châu"
DELIVERED_CUES = {
    "vi": ["Lai Châu là tỉnh miền núi\nbiên giới phía tây bắc.",
           "Các dân tộc Thái, Mông, Dao,\nHà Nhì cùng chung sống.",
           "Thông tin đối ngoại giới thiệu\nLai Châu với bạn bè quốc tế."],
    "en": ["Lai Chau is a mountainous\nborder province in the north-west.",
           "The Thai, Hmong, Dao and Ha Nhi\npeoples live side by side.",
           "External information introduces\nLai Chau to friends abroad."],
    "zh": ["莱州是西北部的山区边境省份。", "泰族、苗族、瑶族和哈尼族\n在这里共同生活。",
           "对外宣传向国际朋友介绍莱州。"],
}


def _srt(lines: list[str]) -> bytes:
    blocks = [f"{n}\n00:00:{2 + 6 * (n - 1):02d},000 --> 00:00:{6 + 6 * (n - 1):02d},500\n{text}\n"
              for n, text in enumerate(lines, start=1)]
    return "\n".join(blocks).encode("utf-8")


def seed(demo: Demo) -> Iterator[str]:
    """A delivered VTV4 report (once): ingested, translated, approved, its package queued for
    the worker that `station run` starts, so the partner portal shows a real package."""
    runtime = demo.runtime
    if not demo.with_media:
        return
    with runtime.session() as session:
        delivery.ensure_specs(session)
        session.commit()
        if session.scalar(select(Report.id).where(Report.title == DELIVERED_TITLE)):
            return
        editor = session.scalar(select(User).where(User.username == "editor"))
        assert editor is not None
        report = services.create_report(session, services.ReportInput(
            title=DELIVERED_TITLE, title_en="Peach blossom season in Lai Chau", kind="tv_report",
            channel_codes=["VTV4"], reporter="Lò Thị Mai", editor_id=editor.id,
            due_date=dt.date.today(), planned_duration_s=DEMO_SECONDS, tags=[DEMO_TAG]),
            actor=editor)
        session.commit()
        report_id = report.id
    master = make_demo_master(runtime.settings.instance_path / "demo" / "demo-master.mp4",
                              ffmpeg_binary=runtime.settings.ffmpeg_binary)
    ingest_now(runtime, report_id, master, actor=editor)
    with runtime.session() as session:
        editor = session.scalar(select(User).where(User.username == "editor"))
        for language, lines in DELIVERED_CUES.items():
            track, _ = subtitles.import_track(session, report_id, language, _srt(lines),
                                              f"{language}.srt", actor=editor)
            review.move(session, track.id, "in_review", actor=editor)
            review.move(session, track.id, "approved", actor=editor)
        for target in ("in_production", "editing", "review"):
            services.move_report(session, report_id, target, actor=editor)
        # The province's rule: someone responsible other than its editor approves it.
        admin = session.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        services.move_report(session, report_id, "approved", actor=admin)
        package = delivery.queue_build(session, report_id, "VTV4", actor=editor)
        session.commit()  # the worker started by `station run` renders it
        yield f"demo report #{report_id} approved; VTV4 package v{package.number} queued"
