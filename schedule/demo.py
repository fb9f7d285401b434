"""The schedule's part of the demo (a ``station.demo`` step): LCTV news, a VTV4 slot, and
LCTV's playout (a folder in the instance's media store with a real filler clip and the
news opener, so the day exports as ffplayout plays it; docs/playout.md)."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from production.demo import DEMO_SECONDS, Demo
from production.services import get_channel
from schedule import exporting
from schedule import services as schedule
from schedule.models import SlotTemplate
from station.accounts import User

FILLER = "filler/lctv-filler.mp4"
NEWS_OPENER = "thoi-su-lai-chau.mp4"
FILLER_SECONDS = 30
NEWS_SECONDS = 60


def make_clip(dst: Path, seconds: int, pattern: str, *, tone_hz: int,
              ffmpeg_binary: str = "ffmpeg") -> Path:
    """A 1280x720 25p H.264/AAC clip from ffmpeg's lavfi sources (colour bars and a tone at
    about -23 LUFS, docs/standards.md), written under a temporary name and renamed."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.part.mp4")
    subprocess.run([
        ffmpeg_binary, "-v", "error", "-y",
        "-f", "lavfi", "-i", f"{pattern}=size=1280x720:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency={tone_hz}:sample_rate=48000:duration={seconds}",
        "-af", "volume=-21dB", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-ac", "2", "-ar", "48000", "-shortest", "-movflags", "+faststart",
        str(tmp)], check=True, capture_output=True)
    tmp.replace(dst)
    return dst


def seed_playout(demo: Demo) -> Iterator[str]:
    """LCTV's playout settings, once: a folder Station and a playout on this machine share."""
    runtime = demo.runtime
    with runtime.session() as session:
        current = exporting.playout_settings(session, get_channel(session, "LCTV"))
        if not current.missing():
            return
        admin = session.scalar(select(User).where(User.username == "admin"))
        folder = runtime.settings.media_path / "playout" / "LCTV"
        if demo.with_media:
            for name, seconds, pattern, tone in ((FILLER, FILLER_SECONDS, "smptehdbars", 1000),
                                                 (NEWS_OPENER, NEWS_SECONDS, "testsrc2", 440)):
                if not (folder / name).is_file():
                    make_clip(folder / name, seconds, pattern, tone_hz=tone)
        exporting.set_playout(
            session, "LCTV", actor=admin, folder=str(folder), storage=str(folder),
            filler=FILLER, filler_ms=None if demo.with_media else FILLER_SECONDS * 1000,
            day_start="05:00", timezone="Asia/Ho_Chi_Minh", layout="tree",
            playlists=str(runtime.settings.instance_path / "playlists" / "LCTV"))
        session.commit()
        yield f"demo playout: LCTV plays from {folder}"


def seed(demo: Demo) -> Iterator[str]:
    """LCTV's playout, then four weeks of templates so the desk has something to show (once)."""
    yield from seed_playout(demo)
    runtime, report_id = demo.runtime, demo.report_id

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
                # relative: the news opener in LCTV's playout folder, the rest of the slot
                # is filler (a real clip), so the 20:00 item still starts at 20:00
                slot.source = NEWS_OPENER
        session.commit()
        yield f"demo schedule: {len(made)} slots on LCTV and VTV4"
