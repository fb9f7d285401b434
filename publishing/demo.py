"""Publishing's part of the demo (a ``station.demo`` step): the approved demo report on the
public site, with Vietnamese and English summaries, once.

The approved report is the one delivery's step made and approved ("Mùa hoa đào Lai Châu").
Publishing it queues the export job, which the worker of ``station run`` runs: it makes the
site's media and writes the static site to settings.publish_path (docs/publishing.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from sqlalchemy import select

from delivery.demo import DELIVERED_TITLE
from production.demo import Demo
from production.models import Report
from publishing import services
from station.accounts import User

SUMMARY = ("Mùa xuân, hoa đào nở khắp các bản vùng cao Lai Châu; phóng sự giới thiệu miền đất "
           "biên giới nơi các dân tộc Thái, Mông, Dao, Hà Nhì cùng chung sống.")
SUMMARY_EN = ("In spring, peach blossoms cover the highland villages of Lai Chau; the report "
              "introduces the border province where the Thai, Hmong, Dao and Ha Nhi peoples "
              "live side by side.")


def seed(demo: Demo) -> Iterator[str]:
    """Publish the demo's approved report (once) and say where the site will be."""
    runtime = demo.runtime
    with runtime.session() as session:
        report = session.scalar(select(Report).where(Report.title == DELIVERED_TITLE))
        editor = session.scalar(select(User).where(User.username == "editor"))
        if report is None or editor is None or report.status not in services.PUBLISHABLE:
            return
        if services.get_publication(session, report.id) is not None:
            return  # published before (or withdrawn by someone: left as they chose)
        publication = services.publish(session, report.id, services.PublishInput(
            summary=SUMMARY, summary_en=SUMMARY_EN), actor=editor)
        session.commit()
        slug = publication.slug
    settings = runtime.settings
    folder = settings.publish_path
    yield (f"demo report #{report.id} published at {settings.publish_site_url}r/{slug}/ "
           f"(the worker exports the site to {folder})")
    port = urlsplit(settings.publish_site_url).port or 80
    yield f"serve the public site with: python3 -m http.server {port} -d {folder}"
