"""Bulk actions on the report list: move, assign an editor, add a tag, delete drafts.

Each action is a production service that treats every chosen report on its own (its own
savepoint: one refusal undoes nothing of the others) and returns per-report outcomes; the
route commits once and shows what was done and what was refused, with every reason, in the
reader's language. A bulk move is ``move_report`` per report, gates and all.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, render_template, request, url_for
from flask_login import current_user

from production import bulk as report_bulk
from production import services
from station.accounts import User
from station.errors import StationError, ValidationError
from web.app import commit, db
from web.auth.access import EDITORS, roles_required
from web.editors.routes import bp
from web.i18n import current_language, gettext

ACTIONS = ("move", "assign", "tag", "delete")


def _back() -> str:
    """Where "back to the list" goes: the list with the filters the user had (same site)."""
    back = request.form.get("back", "")
    parts = urlsplit(back)
    if back.startswith("/reports") and not parts.scheme and not parts.netloc:
        return back
    return url_for("editors.reports")


def _chosen() -> list[int]:
    """The ticked reports' ids, in list order, once each."""
    return list(dict.fromkeys(int(v) for v in request.form.getlist("report") if v.isdigit()))


def _describe(action: str) -> str:
    """What the action did to a report, for the summary's heading."""
    form = request.form
    if action == "move":
        return gettext("Move to {status}", status=gettext(form.get("target", "")))
    if action == "assign":
        editor_id = form.get("editor", "")
        editor = db().get(User, int(editor_id)) if editor_id.isdigit() else None
        return gettext("Assign editor: {name}",
                       name=editor.display_name if editor else gettext("nobody"))
    if action == "tag":
        return gettext("Add tag: {tag}", tag=form.get("tag", "").strip())
    return gettext("Delete drafts")


def _run(action: str, ids: list[int]) -> list[report_bulk.BulkOutcome]:
    form = request.form
    if action == "move":
        target = form.get("target", "")
        if not target:
            raise ValidationError("Choose the status to move the reports to")
        return report_bulk.bulk_move(db(), ids, target, actor=current_user,
                                  comment=form.get("comment", ""))
    if action == "assign":
        editor = form.get("editor", "")
        if editor != "none" and not editor.isdigit():
            raise ValidationError("Choose the editor to assign")
        return report_bulk.bulk_assign(db(), ids, int(editor) if editor.isdigit() else None,
                                    actor=current_user)
    if action == "tag":
        return report_bulk.bulk_tag(db(), ids, form.get("tag", ""), actor=current_user)
    return report_bulk.bulk_delete(db(), ids, actor=current_user)


@bp.post("/reports/bulk")
@roles_required(*EDITORS)
def bulk() -> tuple[str, int] | str:
    """Apply one action to the ticked reports; deleting asks once more (no script needed)."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    ids = _chosen()
    lang = current_language()
    context = {"action": action, "description": _describe(action), "back": _back()}
    if not ids:
        return render_template("editors/bulk.html", error=gettext("Tick at least one report"),
                               **context), 422
    if action == "delete" and request.form.get("confirmed") != "1":
        return render_template("editors/bulk.html", confirm=services.reports_by_id(db(), ids),
                               ids=ids, **context)
    try:
        outcomes = _run(action, ids)
        commit()
    except StationError as exc:  # the action as a whole (a bad tag, a target not offered)
        db().rollback()
        return (render_template("editors/bulk.html", error=exc.message(lang), **context),
                exc.http_status)
    return render_template(
        "editors/bulk.html",
        done=[o for o in outcomes if o.done],
        refused=[o for o in outcomes if not o.done],
        lang=lang, **context)
