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
from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ffmpeg_lib
from sqlalchemy import select

from production import services
from production.models import Report
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


@dataclass
class Demo:
    """What the steps share: the instance, whether media are made, the main demo report."""

    runtime: Runtime
    with_media: bool = True
    report_id: int | None = None


def seed(runtime: Runtime, *, with_media: bool = True) -> Iterator[str]:
    """Create what is missing of the demo and say what was done (idempotent).

    Each domain seeds its own part (the ``station.demo`` entry points, run in name order:
    production's accounts and report first, then subtitles, schedule and delivery), so this
    module needs nothing from the domains above it."""
    from station import plugins

    demo = Demo(runtime, with_media)
    for step in plugins.load("station.demo"):
        yield from step(demo)
    logins = ", ".join(f"{name} ({role})" for name, role, *_ in DEMO_USERS)
    yield f"demo logins: {logins}; password {DEMO_PASSWORD}"


def seed_production(demo: Demo) -> Iterator[str]:
    """Channels, the four accounts and the main demo report with its ingested master."""
    runtime, with_media = demo.runtime, demo.with_media
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
    demo.report_id = report_id
