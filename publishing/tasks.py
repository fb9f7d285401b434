"""Publishing's job handlers: the public site's export after each publish or unpublish.

The job makes the site's media that are missing (a new report's web MP4, poster or podcast
audio: ffmpeg, with progress), then exports incrementally to settings.publish_path at
settings.publish_site_url (docs/publishing.md "Export"). It is repeatable: an export cut short
leaves only whole files (atomic writes) and the next run finishes the work.
"""

from __future__ import annotations

import logging
from typing import Any

from production.ffmpeg import FFmpegCancelled
from publishing import media
from publishing.services import EXPORT_JOB, on_site
from publishing.site import check_site_url, export_site
from publishing.site.exporting import MAKING_MEDIA
from station.i18n import N_
from station.jobs import JobCancelled, JobContext, handler

log = logging.getLogger(__name__)
EXPORTED = N_("Public site exported")


def make_missing_media(ctx: JobContext) -> int:
    """The site's media of every on-site report that has none yet, with progress."""
    settings = ctx.runtime.settings
    made = 0
    with ctx.runtime.session() as session:
        waiting = [p.report for p in on_site(session)
                   if media.needs_making(settings, p.report)]
        share = 60 / max(1, len(waiting))
        for number, report in enumerate(waiting):
            ctx.progress(share * number, MAKING_MEDIA)
            try:
                media.site_media(settings, report, should_cancel=ctx.should_cancel,
                                 progress=lambda p, n=number: ctx.progress(share * (n + p / 100)))
            except FFmpegCancelled as exc:
                raise JobCancelled("Cancelled by a user") from exc
            made += 1
    return made


@handler(EXPORT_JOB)
def export_public_site(ctx: JobContext) -> dict[str, Any]:
    settings = ctx.runtime.settings
    site_url = check_site_url(settings.publish_site_url)  # fail before any ffmpeg work
    made = make_missing_media(ctx)
    summary = export_site(ctx.runtime, settings.publish_path, site_url=site_url,
                          progress=lambda p, step: ctx.progress(60 + p * 0.4, step))
    ctx.progress(100, EXPORTED)
    return {**summary.as_dict(), "media_made": made}
