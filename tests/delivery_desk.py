"""A report ready for partner delivery, made the way the desk makes one: a real ingested master
(generated media), subtitle tracks imported from SRT and approved, and a VTV4 spec shrunk to
640x360 with a fast x264 preset so each build takes seconds. Shared by the delivery tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from delivery import services as delivery
from delivery.specs import SEEDS
from production import services as production
from production.models import Report
from production.tasks import ingest_now
from station.accounts import User, add_user
from station.jobs import JobRun, discard_pending, execute, load_handlers
from station.runtime import Runtime
from subtitles import editing, review
from subtitles import services as subtitles
from tests import media

PASSWORD = "correct horse battery"
SECONDS = 4
CUE_MS = (1000, 3000)  # the one cue of each track
TEXTS = {"vi": "Mùa hoa đào ở Lai Châu", "en": "Peach blossom season in Lai Chau",
         "zh": "莱州的桃花季节", "fr": "La saison des fleurs de pêcher"}
SMALL_VTV4: dict[str, Any] = {
    **SEEDS["VTV4"],
    "video_spec": {"width": 640, "height": 360, "fps": 25, "bitrate": "1M",
                   "profile": "high", "level": "3.0", "audio_bitrate": "128k",
                   "preset": "veryfast"},
    "required_languages": ["vi", "en"],
    "optional_languages": ["zh", "fr"],
}


@dataclass
class Desk:
    runtime: Runtime
    admin: User
    editor: User
    partner: User  # a VTV4 account
    other_partner: User  # a VOV5 account
    report_id: int
    title: str = "Mùa hoa đào"


def srt(language: str, text: str | None = None) -> bytes:
    start, end = CUE_MS
    body = text or TEXTS[language]
    return (f"1\n00:00:0{start // 1000},000 --> 00:00:0{end // 1000},000\n{body}\n").encode()


def add_track(desk: Desk, language: str, *, approve: bool = True, text: str | None = None) -> int:
    """Import a track (or correct an existing one's text) and approve it, as a translator and
    a reviewer would."""
    with desk.runtime.session() as session:
        track = subtitles.track_for(session, desk.report_id, language)
        if track is None:
            track, _ = subtitles.import_track(session, desk.report_id, language,
                                              srt(language, text), f"{language}.srt",
                                              actor=desk.editor)
        else:
            if track.status == "approved" or track.status == "in_review":
                review.move(session, track.id, "draft", actor=desk.editor, comment="fix")
            cue = track.cues[0]
            editing.edit_cue(session, cue.id, actor=desk.editor, version=cue.version,
                               text=text or TEXTS[language])
        if approve:
            review.move(session, track.id, "in_review", actor=desk.editor)
            review.move(session, track.id, "approved", actor=desk.editor)
        session.commit()
        return track.id


def make_desk(runtime: Runtime, media_cache: Path, *, languages: tuple[str, ...] = ("vi", "en"),
              spec: dict[str, Any] | None = None, tag: str = "") -> Desk:
    with runtime.session() as session:
        users = {}
        for role, name, channel in (("admin", "admin", None), ("editor", "editor", None),
                                    ("partner", "vtv4", "VTV4"), ("partner", "vov5", "VOV5")):
            users[name] = add_user(
                session, username=f"{name}{tag}", password=PASSWORD, role=role,
                display_name=f"{name.upper()} {tag}".strip(),
                channel_id=production.get_channel(session, channel).id if channel else None)
        session.commit()
        for user in users.values():
            session.expunge(user)
    with runtime.session() as session:
        delivery.save_spec(session, "VTV4", spec or SMALL_VTV4, actor=users["admin"])
        report = production.create_report(session, production.ReportInput(
            title="Mùa hoa đào", title_en="Peach blossom season", channel_codes=["VTV4"],
            due_date=dt.date(2026, 12, 20), reporter="Lò Văn Páo"), actor=users["editor"])
        session.commit()
        report_id = report.id
    master = media.report_video(media_cache, seconds=SECONDS, size="640x360",
                                speech_text=media.DEFAULT_SPEECH_VI)
    job = ingest_now(runtime, report_id, master, actor=users["editor"])
    assert job.status == "succeeded", job.error
    desk = Desk(runtime, users["admin"], users["editor"], users["vtv4"], users["vov5"],
                report_id)
    for language in languages:
        add_track(desk, language)
    return desk


def build(desk: Desk, *, partner: str = "VTV4", full: bool = False) -> int:
    """Queue a package and run its job here, as a worker would; returns the package id."""
    load_handlers()
    with desk.runtime.session() as session:
        package = delivery.queue_build(session, desk.report_id, partner, actor=desk.editor,
                                       full=full)
        discard_pending(session)  # run here, not on the queue
        session.commit()
        package_id, job_id = package.id, package.job_id
    assert job_id is not None
    assert execute(desk.runtime, job_id) == "succeeded", _job_error(desk.runtime, job_id)
    return package_id


def _job_error(runtime: Runtime, job_id: int) -> str | None:
    with runtime.session() as session:
        job = session.get(JobRun, job_id)
        return job.error if job else None


def report(desk: Desk) -> Report:
    with desk.runtime.session() as session:
        row = session.get(Report, desk.report_id)
        assert row is not None
        session.expunge(row)
        return row
