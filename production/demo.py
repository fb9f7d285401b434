"""The demo station `make run` seeds once: channels, four accounts, one ingested report.

The demo master is made here with ffmpeg (test patterns with hard cuts) under 46 s of real
recorded Vietnamese speech, the one media file the repository ships (168 kB of CC0 Opus in
assets/demo/), so a fresh machine shows a playable report the Vietnamese engine can hear.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import ffmpeg as ffmpeg_lib
from sqlalchemy import select

from production import services
from production.models import Report
from station import jobs
from station.accounts import User, add_user
from station.runtime import Runtime

log = logging.getLogger(__name__)

DEMO_TAG = "demo"
DEMO_PASSWORD = "laichau2026"
DEMO_USERS = (
    ("admin", "admin", "Quản trị viên", [], None),
    ("editor", "editor", "Biên tập viên Lò Thị Mai", [], None),
    ("translator", "translator", "Dịch giả Nguyễn Văn An", ["en", "zh"], None),
    ("vtv4", "partner", "VTV4 – đối tác", [], "VTV4"),
)
# Real recorded Vietnamese read by one speaker (Mozilla Common Voice, CC0; assets/demo/README.md),
# 46 s: the Vietnamese engine is made for real voices, and espeak-ng's robotic Vietnamese
# would show it at its worst. Tests make their own media.
DEMO_SPEECH = Path(__file__).resolve().parent.parent / "assets" / "demo" / "speech-vi-cc0.opus"
DEMO_SECONDS = 48


def make_demo_master(dst: Path, *, ffmpeg_binary: str = "ffmpeg",
                     seconds: int = DEMO_SECONDS) -> Path:
    """Four test-pattern shots under real Vietnamese speech, 1280x720 25p H.264/AAC."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not DEMO_SPEECH.is_file():
        raise RuntimeError(f"the demo speech {DEMO_SPEECH} is missing from the checkout")
    # Four shots with hard cuts (at 30, 55 and 80 % of the length), so the demo shows its shot
    # changes on the workspace waveform and its cues are timed to them (docs/subtitles.md).
    bounds = [0, *(round(seconds * share) for share in (0.3, 0.55, 0.8)), seconds]
    video = ffmpeg_lib.concat(*(
        ffmpeg_lib.input(f"{source}=size=1280x720:rate=25:duration={end - start}", f="lavfi")
        for source, start, end in zip(("testsrc2", "smptehdbars", "testsrc", "testsrc2"),
                                      bounds[:-1], bounds[1:], strict=True)
    ), v=1, a=0)
    # Levelled to EBU R 128 (-23 LUFS, docs/standards.md) so the demo shows a passing report.
    voice = (
        ffmpeg_lib.input(str(DEMO_SPEECH)).audio
        .filter("loudnorm", I=-23, TP=-2, LRA=11)
        .filter("apad")
        .filter("atrim", duration=seconds)
    )
    argv = (
        ffmpeg_lib.output(video, voice, str(dst), vcodec="libx264", preset="veryfast",
                          pix_fmt="yuv420p", acodec="aac", ar=48000, ac=2, t=seconds,
                          movflags="+faststart")
        .overwrite_output()
        .compile(cmd=ffmpeg_binary)
    )
    subprocess.run(argv, check=True, capture_output=True)
    return dst


def seed(runtime: Runtime, *, with_media: bool = True) -> Iterator[str]:
    """Create what is missing of the demo and say what was done (idempotent)."""
    with runtime.session() as session:
        services.ensure_channels(session)
        for username, role, name, languages, channel in DEMO_USERS:
            if session.scalar(select(User.id).where(User.username == username)):
                continue
            channel_id = services.get_channel(session, channel).id if channel else None
            add_user(session, username=username, password=DEMO_PASSWORD, role=role,
                     display_name=name, languages=languages, channel_id=channel_id)
            yield f"account {username} ({role}) created"
        session.commit()
        editor = session.scalar(select(User).where(User.username == "editor"))
        assert editor is not None
        report = session.scalar(
            select(Report).where(Report.search_text.like("%mien dat cua nhung dinh nui%"))
        )
        if report is None:
            report = services.create_report(
                session,
                services.ReportInput(
                    title="Lai Châu – miền đất của những đỉnh núi",
                    title_en="Lai Châu – a land of mountain peaks",
                    kind="tv_report",
                    channel_codes=["VTV4", "LCTV"],
                    reporter="Lò Văn Thắng",
                    editor_id=editor.id,
                    due_date=dt.date.today() + dt.timedelta(days=7),
                    planned_duration_s=DEMO_SECONDS,
                    tags=[DEMO_TAG, "du lịch", "văn hoá"],
                    notes="Phóng sự mẫu: giọng đọc tiếng Việt thật (Common Voice, CC0), "
                          "phụ đề tiếng Anh và tiếng Trung.",
                ),
                actor=editor,
            )
            services.move_report(session, report.id, "in_production", actor=editor)
            services.move_report(session, report.id, "editing", actor=editor)
            session.commit()
            yield f"demo report #{report.id} created"
        report_id, has_master = report.id, report.asset("master") is not None

    if with_media and not has_master:
        master = make_demo_master(runtime.settings.instance_path / "demo" / "demo-master.mp4",
                                  ffmpeg_binary=runtime.settings.ffmpeg_binary)
        from production.tasks import ingest_now

        with runtime.session() as session:
            actor = session.scalar(select(User).where(User.username == "editor"))
            assert actor is not None
        done = ingest_now(runtime, report_id, master, actor=actor)  # ready at once
        yield f"demo master ingested (job #{done.id}: {done.status})"
    if with_media:
        yield from _seed_subtitles(runtime, report_id)
        yield from _seed_delivery(runtime)
    yield from _seed_schedule(runtime, report_id)
    logins = ", ".join(f"{name} ({role})" for name, role, *_ in DEMO_USERS)
    yield f"demo logins: {logins}; password {DEMO_PASSWORD}"


def _seed_schedule(runtime: Runtime, report_id: int) -> Iterator[str]:
    """A week of templates so the schedule desk has something to show (once)."""
    from schedule import services as schedule
    from schedule.models import SlotTemplate

    with runtime.session() as session:
        if session.scalar(select(SlotTemplate.id).limit(1)) is not None:
            return
        editor = session.scalar(select(User).where(User.username == "editor"))
        today = dt.date.today()
        monday = today - dt.timedelta(days=today.weekday())
        until = monday + dt.timedelta(days=27)
        news = schedule.add_template(
            session, actor=editor, channel="LCTV", title="Thời sự Lai Châu", local_time="19:00",
            duration_s=1800, start_date=monday, weekdays=list(range(7)))
        vtv4 = schedule.add_template(
            session, actor=editor, channel="VTV4", title="Lai Châu hôm nay", local_time="19:00",
            duration_s=DEMO_SECONDS + 2, start_date=monday, weekdays=[0], kind="report",
            report_id=report_id)
        made = [*schedule.apply_template(session, news.id, monday, until, actor=editor),
                *schedule.apply_template(session, vtv4.id, monday, until, actor=editor)]
        for slot in made:
            if slot.template_id == news.id:
                slot.source = "/srv/playout/thoi-su.mp4"
        session.commit()
        yield f"demo schedule: {len(made)} slots on LCTV and VTV4"


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


def _seed_delivery(runtime: Runtime) -> Iterator[str]:
    """A delivered VTV4 report (once): ingested, translated, approved, its package queued for
    the worker that `station run` starts, so the partner portal shows a real package."""
    from delivery import services as delivery
    from production.tasks import ingest_now
    from subtitles import review
    from subtitles import services as subtitles

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


def _seed_subtitles(runtime: Runtime, report_id: int) -> Iterator[str]:
    """Transcribe the demo once, so translators find tracks waiting (needs the model)."""
    from subtitles import services as subtitles
    from subtitles import transcribe

    with runtime.session() as session:
        if subtitles.report_tracks(session, report_id):
            return
        if transcribe.check_bundled(runtime.settings, quick=True) is not None:
            yield "demo subtitles skipped: run `station models install` first"
            return
        editor = session.scalar(select(User).where(User.username == "editor"))
        job = subtitles.queue_transcription(session, report_id, actor=editor)
        jobs.discard_pending(session)
        session.commit()
        job_id = job.id
    jobs.load_handlers()
    status = jobs.execute(runtime, job_id)
    yield f"demo report transcribed (job #{job_id}: {status})"
