"""JSON for the translator workspace: load a track, autosave cues, split/merge, memory, VTT.

Every write checks the cue's version: a stale save answers 409 with both versions so the
page can let the user choose; nothing is overwritten silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from station.errors import Conflict, StationError, ValidationError
from subtitles import editing, formats, memory, review, services
from subtitles.cues import SubtitleDoc
from subtitles.models import CueRow, Track
from web.app import commit, db
from web.auth.access import STAFF, roles_required
from web.i18n import current_language

bp = Blueprint("workspace_api", __name__, url_prefix="/api")


def cue_json(row: CueRow) -> dict[str, Any]:
    return {"id": row.id, "version": row.version, "start_ms": row.start_ms,
            "end_ms": row.end_ms, "text": row.text, "flags": list(row.flags or []),
            "status": row.status, "words": row.words or [],
            "updated_by": row.updated_by.display_name if row.updated_by else None,
            # The source changed after this translation was written (until confirmed).
            "source_changed": row.source_changed_at is not None}


def _findings(track: Track) -> tuple[dict[int, list[dict[str, Any]]], list[dict[str, Any]],
                                     dict[str, int]]:
    """QC per cue id (same engine and messages as the server's QC), track-level, counts."""
    lang = current_language()
    ids, found = services.qc_with_ids(db(), track)
    per_cue: dict[int, list[dict[str, Any]]] = {}
    whole: list[dict[str, Any]] = []
    for f in found:
        item: dict[str, Any] = {"check": f.check, "severity": f.severity,
                                "message": f.text(lang)}
        if f.check == "spelling" and "word" in f.params:
            # Where to underline and what to offer: offsets in code points of the cue's text.
            item["spelling"] = {key: f.params[key]
                                for key in ("word", "line", "start", "end", "suggestions")}
        if f.cue_index is None or f.cue_index >= len(ids):
            whole.append(item)
        else:
            per_cue.setdefault(ids[f.cue_index], []).append(item)
    return per_cue, whole, services.severity_counts(found)


def track_payload(track: Track) -> dict[str, Any]:
    """Everything the workspace page needs, in one request."""
    report = track.report
    proxy, peaks, master = (report.asset("proxy"), report.asset("peaks"),
                            report.asset("master"))
    source = db().get(Track, track.source_track_id) if track.source_track_id else None
    source_cues = [{"start_ms": c.start_ms, "end_ms": c.end_ms, "text": c.text}
                   for c in source.cues] if source is not None else []
    per_cue, whole, counts = _findings(track)
    user = current_user
    editable = track.status != "approved" and (
        user.role in ("admin", "editor") or track.language in (user.languages or []))
    return {
        "track": {"id": track.id, "language": track.language, "role": track.role,
                  "status": track.status, "version": track.version,
                  "source_language": source.language if source is not None else None,
                  "rules": track.rules, "editable": editable,
                  "can_review": user.reviews(track.language)},
        "report": {"id": report.id, "title": report.title,
                   "due_date": report.due_date.isoformat() if report.due_date else None},
        "media": {"proxy": url_for("editors.media", asset_id=proxy.id) if proxy else None,
                  "video": bool(proxy and proxy.video_codec),
                  "peaks": url_for("editors.media", asset_id=peaks.id) if peaks else None,
                  "duration_ms": master.duration_ms if master else None,
                  # Drawn on the waveform (ms; None: not detected, e.g. no picture).
                  "shot_changes_ms": master.shot_changes_ms if master else None,
                  "vtt": url_for("workspace_api.live_vtt", track_id=track.id)},
        "cues": [{**cue_json(c), "findings": per_cue.get(c.id, [])} for c in track.cues],
        "source": source_cues,
        "qc": {"track": whole, "counts": counts},
        "comments": [{"id": n.id, "cue_id": n.cue_id, "text": n.text,
                      "by": n.author.display_name if n.author else None,
                      "resolved": bool(n.resolved_at)}
                     for n in review.comments(db(), track.id)],
    }


@bp.get("/tracks/<int:track_id>")
@roles_required(*STAFF)
def track(track_id: int) -> Response:
    return jsonify(track_payload(services.get_track(db(), track_id, actor=current_user)))


@bp.get("/tracks/<int:track_id>/live.vtt")
@roles_required(*STAFF)
def live_vtt(track_id: int) -> Response:
    """The track as it is now, for the player's <track> element."""
    item = services.get_track(db(), track_id, actor=current_user)
    doc = SubtitleDoc(item.language, services.to_doc(item).cues)
    response = Response(formats.write("webvtt", doc), mimetype="text/vtt")
    response.headers["Cache-Control"] = "no-store"
    return response


def _conflict_body(row: CueRow | None, exc: StationError,
                   which: str = "this") -> tuple[Response, int]:
    """409: the other person's version to choose from, or "read_only" for an approved track."""
    message = exc.message(current_language())
    if row is not None and row.track.status == "approved":
        return jsonify(error=message, reason="read_only"), 409
    theirs = cue_json(row) if row is not None else None
    return jsonify(error=message, conflict={"theirs": theirs, "which": which}), 409


def _after_write(track_id: int, cue_ids: list[int], around: list[int] | None = None,
                 **extra: Any) -> Response:
    """The changed cues, and the QC of them and their neighbours (gaps and overlaps move
    with a neighbour): a save answers with a few cues, not the whole track. ``around``
    adds cues whose QC may change without being changed (a deleted cue's neighbours)."""
    item = db().get(Track, track_id)
    assert item is not None
    per_cue, whole, counts = _findings(item)
    order = services.stored_cues(db(), track_id)[0]
    rows = {i: db().get(CueRow, i) for i in cue_ids}
    nearby: set[int] = {i for i in around or [] if i in order}
    for cue_id in cue_ids:
        if cue_id in order:
            at = order.index(cue_id)
            nearby.update(order[max(0, at - 1):at + 2])
    return jsonify(cues=[{**cue_json(row), "findings": per_cue.get(i, [])}
                         for i, row in rows.items() if row is not None],
                   findings={str(k): per_cue.get(k, []) for k in sorted(nearby)},
                   findings_for=sorted(nearby),
                   qc={"track": whole, "counts": counts}, **extra)


def _version(data: dict[str, Any]) -> int:
    """The version of the cue the page saw: a whole number, else a 400 naming the field."""
    value = data.get("version", -1)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,12}", value):
        return int(value)
    raise ValidationError("Send the cue's version as a whole number, not {value}",
                          value=str(value)[:20])


@bp.patch("/cues/<int:cue_id>")
@roles_required(*STAFF)
def save_cue(cue_id: int) -> Response | tuple[Response, int]:
    data = request.get_json(silent=True) or {}
    try:
        row = editing.edit_cue(db(), cue_id, actor=current_user,
                                version=_version(data), text=data.get("text"),
                                start_ms=data.get("start_ms"), end_ms=data.get("end_ms"))
        commit()
    except Conflict as exc:
        db().rollback()
        return _conflict_body(db().get(CueRow, cue_id), exc)
    except StaleDataError:
        db().rollback()
        row = db().get(CueRow, cue_id)
        return _conflict_body(row, Conflict("Someone saved this cue at the same moment"))
    return _after_write(row.track_id, [row.id])


@bp.post("/cues/<int:cue_id>/split")
@roles_required(*STAFF)
def split(cue_id: int) -> Response | tuple[Response, int]:
    data = request.get_json(silent=True) or {}
    try:
        rows = editing.split_cue(db(), cue_id, actor=current_user,
                                  version=_version(data),
                                  at_ms=int(data.get("at_ms", -1)),
                                  left_text=data.get("left_text"),
                                  right_text=data.get("right_text"),
                                  right_start_ms=_optional_int(data.get("right_start_ms")))
        commit()
    except Conflict as exc:
        db().rollback()
        return _conflict_body(db().get(CueRow, cue_id), exc)
    return _after_write(rows[0].track_id, [r.id for r in rows])


@bp.post("/cues/<int:cue_id>/merge")
@roles_required(*STAFF)
def merge(cue_id: int) -> Response | tuple[Response, int]:
    data = request.get_json(silent=True) or {}
    try:
        row = editing.merge_cues(db(), cue_id, actor=current_user,
                                  version=_version(data),
                                  next_version=int(data.get("next_version", -1)),
                                  next_id=_optional_int(data.get("next_id")),
                                  text=data.get("text"))
        commit()
    except Conflict as exc:
        db().rollback()
        stale_next = data.get("next_id")
        current = db().get(CueRow, cue_id)
        if current is not None and current.version == data.get("version") and stale_next:
            return _conflict_body(db().get(CueRow, int(stale_next)), exc, which="next")
        return _conflict_body(current, exc)
    return _after_write(row.track_id, [row.id], removed=data.get("next_id"))


def _optional_int(value: Any) -> int | None:
    """A number the page may leave out (None keeps the service's default)."""
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError("Not a number: {value}", value=str(value)[:40]) from None


@bp.post("/tracks/<int:track_id>/cues")
@roles_required(*STAFF)
def insert(track_id: int) -> tuple[Response, int]:
    """A new cue (the page's "insert", and the undo of a delete with the old text and times)."""
    data = request.get_json(silent=True) or {}
    row = editing.insert_cue(db(), track_id, actor=current_user,
                              start_ms=_optional_int(data.get("start_ms")) or 0,
                              end_ms=_optional_int(data.get("end_ms")) or 0,
                              text=str(data.get("text") or ""))
    commit()
    return _after_write(row.track_id, [row.id]), 201


@bp.delete("/cues/<int:cue_id>")
@roles_required(*STAFF)
def delete(cue_id: int) -> Response | tuple[Response, int]:
    """Remove a cue at the version the person saw (409 with theirs if it changed since)."""
    data = request.get_json(silent=True) or {}
    row = db().get(CueRow, cue_id)
    around: list[int] = []
    if row is not None:  # the neighbours' QC (gaps, overlaps) changes with it
        order = services.stored_cues(db(), row.track_id)[0]
        at = order.index(cue_id)
        around = order[max(0, at - 1):at] + order[at + 1:at + 2]
    try:
        track_id = editing.delete_cue(db(), cue_id, actor=current_user,
                                       version=_version(data))
        commit()
    except Conflict as exc:
        db().rollback()
        return _conflict_body(db().get(CueRow, cue_id), exc)
    return _after_write(track_id, [], removed=cue_id, around=around)


def _cue_step(cue_id: int, step: Callable[[int], CueRow]) -> Response | tuple[Response, int]:
    """Run a versioned change of one cue (``step(version)``): commit, or answer the 409 with
    the other person's cue."""
    version = _version(request.get_json(silent=True) or {})
    try:
        row = step(version)
        commit()
    except Conflict as exc:
        db().rollback()
        return _conflict_body(db().get(CueRow, cue_id), exc)
    return _after_write(row.track_id, [row.id])


@bp.post("/cues/<int:cue_id>/confirm")
@roles_required(*STAFF)
def confirm(cue_id: int) -> Response | tuple[Response, int]:
    return _cue_step(cue_id, lambda version: editing.confirm_cue(
        db(), cue_id, actor=current_user, version=version))


@bp.post("/cues/<int:cue_id>/source-ok")
@roles_required(*STAFF)
def confirm_source(cue_id: int) -> Response | tuple[Response, int]:
    """The translation still holds after its source changed: the mark goes (and is kept in
    the track's history)."""
    return _cue_step(cue_id, lambda version: editing.confirm_source(
        db(), cue_id, actor=current_user, version=version))


@bp.post("/cues/<int:cue_id>/comments")
@roles_required(*STAFF)
def add_comment(cue_id: int) -> tuple[Response, int]:
    data = request.get_json(silent=True) or {}
    note = review.comment(db(), cue_id, data.get("text", ""), actor=current_user)
    commit()
    return jsonify(id=note.id, cue_id=note.cue_id, text=note.text,
                   by=current_user.display_name, resolved=False), 201


@bp.post("/comments/<int:comment_id>/resolve")
@roles_required(*STAFF)
def resolve_comment(comment_id: int) -> Response:
    note = review.resolve(db(), comment_id, actor=current_user)
    commit()
    return jsonify(id=note.id, resolved=True)


@bp.get("/csrf")
@roles_required(*STAFF)
def csrf_token() -> Response:
    """A fresh CSRF token, so the page can resume saving after a sign-in in another tab."""
    from flask_wtf.csrf import generate_csrf

    return jsonify(token=generate_csrf())


@bp.get("/tracks/<int:track_id>/memory")
@roles_required(*STAFF)
def suggestions(track_id: int) -> Response:
    """Earlier approved translations for a source line, and the glossary terms in it."""
    item = services.get_track(db(), track_id, actor=current_user)
    text = request.args.get("source", "")
    if len(text) > 2000:
        raise ValidationError("The source text is too long to look up")
    return jsonify(
        memory=[s.__dict__ for s in memory.suggestions(db(), item, text)],
        glossary=memory.terms_in(db(), text, item.language),
    )
