"""An approved report with approved subtitle tracks, made the way the desk makes one (a real
ingested master of generated media, tracks imported and approved, the report moved through
the workflow), and a clip rendered by its job as a worker would. Shared by the social clip
tests (this module holds no tests of its own)."""

from __future__ import annotations

from pathlib import Path

from production import services as production
from publishing import clip_services
from publishing.models import SocialClip
from station.jobs import JobRun, discard_pending, execute, load_handlers
from station.runtime import Runtime
from tests.delivery_desk import Desk, add_track, make_desk

# The desk's one cue of each track is shown from 1.0 s to 3.0 s of a 4 s report.
CUE_MS = (1000, 3000)


def approved_desk(runtime: Runtime, media_cache: Path, *,
                  languages: tuple[str, ...] = ("vi", "en", "zh"), tag: str = "") -> Desk:
    """make_desk's report (VTV4: vi and en required), approved by the admin."""
    desk = make_desk(runtime, media_cache, languages=languages, tag=tag)
    with runtime.session() as session:
        for target in ("in_production", "editing", "review"):
            production.move_report(session, desk.report_id, target, actor=desk.editor)
        # Generated speech is not at -23 LUFS: the admin overrides the loudness gate, as
        # the desk does for an urgent item.
        production.move_report(session, desk.report_id, "approved", actor=desk.admin,
                               override="Clip test")
        session.commit()
    return desk


def queue_clip(desk: Desk, data: clip_services.ClipInput) -> tuple[int, int]:
    """Ask for a clip as the editor; returns (clip id, job id), the job not yet run."""
    load_handlers()
    with desk.runtime.session() as session:
        clip = clip_services.create_clip(session, desk.report_id, data, actor=desk.editor)
        discard_pending(session)  # run here, not on the queue
        session.commit()
        assert clip.job_id is not None
        return clip.id, clip.job_id


def render(desk: Desk, data: clip_services.ClipInput) -> SocialClip:
    """Queue a clip and run its job here; returns the clip as the job left it."""
    clip_id, job_id = queue_clip(desk, data)
    status = execute(desk.runtime, job_id)
    with desk.runtime.session() as session:
        job = session.get(JobRun, job_id)
        assert status == "succeeded", job.error if job else status
        clip = session.get(SocialClip, clip_id)
        assert clip is not None
        session.expunge(clip)
        return clip


__all__ = ["CUE_MS", "Desk", "add_track", "approved_desk", "queue_clip", "render"]
