"""Subtitles' part of the demo (a ``station.demo`` step): the demo report transcribed."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from production.demo import Demo
from station import jobs
from station.accounts import User
from subtitles import services as subtitles
from subtitles import transcribe


def seed(demo: Demo) -> Iterator[str]:
    """Transcribe the demo once, so translators find tracks waiting (needs the model)."""
    runtime, report_id = demo.runtime, demo.report_id
    if not demo.with_media or report_id is None:
        return

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
