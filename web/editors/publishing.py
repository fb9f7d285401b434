"""The public site from the desk: publish and withdraw a report, and the list of publications.

Thin on purpose: ``publishing.services`` checks the role, the report's approval and media,
the version the form was opened with, and queues the site's export; these routes parse the
form and commit once. The report page's "Public site" panel is an include
(``editors/_report_publishing.html``) that reads its data through ``public_site(report)``, a
template global, so the report page's own route stays as it was (docs/publishing.md
"Publishing and withdrawing").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from production import services as production
from production.models import Report
from publishing import services, views
from publishing.models import Publication, PublicationEvent
from station.errors import StationError
from web.app import commit, db, runtime
from web.auth.access import EDITORS, roles_required
from web.i18n import current_language, gettext

bp = Blueprint("publishing", __name__, template_folder="templates")


@dataclass
class Panel:
    """What the report page's "Public site" panel shows."""

    publication: Publication | None
    refusal: str | None  # why the report may not be published now (None: it may)
    url: str | None
    events: list[PublicationEvent]
    views: dict[str, int]

    @property
    def published(self) -> bool:
        return self.publication is not None and self.publication.status == "published"


def panel(report: Report) -> Panel:
    """The report's place on the public site, read for its page."""
    found = services.get_publication(db(), report.id)
    try:
        services.check_publishable(report)
        refusal = None
    except StationError as exc:
        refusal = exc.message(current_language())
    url = views.public_url(runtime().settings.publish_site_url, found.slug) if found else None
    counts = views.totals_by_report(db(), [report.id])[report.id]
    return Panel(found, refusal, url, list(found.events) if found else [], counts)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {"public_site": panel}


def _version() -> int | None:
    """The publication's version the form was opened with; "0": not yet published then."""
    value = request.form.get("version", "")
    return int(value) if value.isdigit() else None


def _input() -> services.PublishInput:
    form = request.form
    return services.PublishInput(summary=form.get("summary", ""),
                                 summary_en=form.get("summary_en", ""),
                                 programme=form.get("programme") or None)


def _back(report_id: int) -> Response:
    return redirect(url_for("editors.report", report_id=report_id) + "#public-site")


@bp.post("/reports/<int:report_id>/publish")
@roles_required(*EDITORS)
def publish(report_id: int) -> Response | tuple[str, int]:
    """Publish (or update, or publish again); a refusal shows the form again as typed."""
    try:
        found = services.publish(db(), report_id, _input(), actor=current_user,
                                 version=_version())
        commit()
    except StationError as exc:
        db().rollback()
        report = production.get_report(db(), report_id, actor=current_user)
        return render_template("editors/publish_again.html", report=report, form=request.form,
                               site=panel(report), error=exc.message(current_language())
                               ), exc.http_status
    url = views.public_url(runtime().settings.publish_site_url, found.slug)
    flash(gettext("Published on the public site: {url}", url=url), "ok")
    return _back(report_id)


@bp.post("/reports/<int:report_id>/unpublish")
@roles_required(*EDITORS)
def unpublish(report_id: int) -> Response | tuple[str, int] | str:
    """Withdraw after a confirmation page (no script needed); a refusal keeps the reason."""
    report = production.get_report(db(), report_id, actor=current_user)
    if request.form.get("confirmed") != "1":
        fields = [(k, v) for k, v in request.form.items(multi=True)
                  if k not in ("csrf_token", "confirmed")]
        return render_template(
            "editors/confirm_move.html", report=report, fields=fields,
            action=url_for("publishing.unpublish", report_id=report_id),
            question=gettext("Withdraw this report from the public site? Its page, media, "
                             "feed entries and social clips leave the site at the next "
                             "export."))
    try:
        services.unpublish(db(), report_id, actor=current_user,
                           note=request.form.get("note", ""), version=_version())
        commit()
    except StationError as exc:
        db().rollback()
        return render_template("editors/publish_again.html", report=report, form=request.form,
                               site=panel(report), error=exc.message(current_language())
                               ), exc.http_status
    flash(gettext("Withdrawn from the public site"), "ok")
    return _back(report_id)


@bp.get("/publishing")
@roles_required(*EDITORS)
def index() -> str:
    """Every publication with its status, who published it, its address and views."""
    settings = runtime().settings
    return render_template("editors/publishing.html", items=views.publications(db()),
                           site_url=settings.publish_site_url,
                           export=views.last_export(db()))
