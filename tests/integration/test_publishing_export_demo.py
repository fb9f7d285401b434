"""The demo publishes its approved report once, and the export job puts it on the site."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from delivery import demo as delivery_demo
from production import demo as production_demo
from production.demo import Demo
from publishing import demo as publishing_demo
from publishing.models import Publication
from publishing.services import EXPORT_JOB
from station.jobs import JobRun, execute, load_handlers
from station.runtime import Runtime
from tests import media

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")


def test_the_demo_publishes_its_approved_report_once(runtime: Runtime) -> None:
    load_handlers()
    step = Demo(runtime, with_media=False)
    list(production_demo.seed_production(step))  # accounts and the main report, no media
    assert list(publishing_demo.seed(step)) == []  # nothing approved yet: nothing published
    step.with_media = True
    list(delivery_demo.seed(step))  # the approved, delivered report
    said = list(publishing_demo.seed(step))
    assert "published at http://127.0.0.1:8000/r/" in said[0]
    assert "python3 -m http.server 8000 -d" in said[1]
    assert list(publishing_demo.seed(step)) == []  # once
    with runtime.session() as session:
        publication = session.scalars(select(Publication)).one()
        assert publication.summary and publication.summary_en
        job_id = session.scalars(select(JobRun.id).where(JobRun.kind == EXPORT_JOB)).one()
    assert execute(runtime, job_id) == "succeeded"
    page = runtime.settings.publish_path / "r" / publication.slug / "index.html"
    text = page.read_text("utf-8")
    assert publication.summary in text and 'srclang="zh"' in text
