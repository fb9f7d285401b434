"""Review of a track: draft -> in_review -> approved, or back to draft with per-cue comments.

Who approved and when is kept on the track; an approved track is read-only until a reviewer
reopens it. The review report (comments and QC findings) goes to HTML and CSV.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import csvfile, notifications
from station.accounts import User
from station.db import utcnow
from station.errors import PermissionDenied, ValidationError, WorkflowError
from station.text import nfc
from subtitles import services
from subtitles.models import CueComment, CueRevision, CueRow, Track

MOVES = {  # (from, to): who may
    ("draft", "in_review"): "editor",
    ("in_review", "approved"): "reviewer",
    ("in_review", "draft"): "reviewer",
    ("approved", "draft"): "reviewer",
}


def _check(actor: User, track: Track, source: str, target: str) -> None:
    who = MOVES.get((source, target))
    if who is None:
        raise WorkflowError("A track cannot go from {source} to {target}", source=source,
                            target=target)
    if who == "reviewer" and not actor.reviews(track.language):
        raise PermissionDenied("Only a reviewer of {language} may do this",
                               language=track.language)
    if who == "editor" and actor.role == "translator" and track.language not in (
            actor.languages or []):
        raise PermissionDenied("You translate {languages}, not {language}",
                               languages=", ".join(actor.languages or []) or "-",
                               language=track.language)
    if actor.role == "partner":
        raise PermissionDenied("Your role may not do this")


def move(session: Session, track_id: int, target: str, *, actor: User,
         comment: str = "") -> Track:
    """Change a track's review status and record who did it."""
    track = services.get_track(session, track_id, actor=actor)
    source = track.status
    _check(actor, track, source, target)
    if target == "in_review" and not track.cues:
        raise ValidationError("An empty track cannot be sent for review")
    if source == "in_review" and target == "draft":
        open_comments = session.scalar(
            select(CueComment.id).where(CueComment.track_id == track.id,
                                        CueComment.resolved_at.is_(None)).limit(1))
        if open_comments is None and not nfc(comment):
            raise ValidationError("Say what to fix: comment on the cues or give a reason")
    now = utcnow()
    track.status = target
    if target == "in_review":
        track.submitted_by_id, track.submitted_at = actor.id, now
    if target == "approved":
        track.approved_by_id, track.approved_at = actor.id, now
        counts = services.qc_counts(session, track)
        track.qc_errors, track.qc_warnings, track.qc_infos = (
            counts.get("error", 0), counts.get("warning", 0), counts.get("info", 0))
    if target == "draft":
        track.approved_by_id, track.approved_at = None, None
        track.qc_errors = track.qc_warnings = track.qc_infos = None
    session.add(CueRevision(track_id=track.id, actor_id=actor.id, action="status",
                            before={"status": source},
                            after={"status": target, "comment": nfc(comment)}))
    session.flush()
    _notify_move(session, track, source, target, actor=actor, comment=nfc(comment))
    return track


def translators_of(session: Session, track: Track) -> list[int]:
    """Who works on the track: whoever sent it for review and the translators who edited its
    cues; when nobody did yet, every active translator of its language."""
    ids = [track.submitted_by_id] if track.submitted_by_id else []
    ids += session.scalars(
        select(User.id).join(CueRevision, CueRevision.actor_id == User.id)
        .where(CueRevision.track_id == track.id, CueRevision.action != "status",
               User.role == "translator").distinct())
    if ids:
        return ids
    return [u.id for u in session.scalars(select(User).where(User.role == "translator",
                                                              User.active))
            if track.language in (u.languages or [])]


def reviewers_of(session: Session, track: Track) -> list[int]:
    """Who is asked to review: translators who review the language, and the report's editor
    (or every active editor when the report has none)."""
    ids = [u.id for u in session.scalars(select(User).where(
        User.role == "translator", User.can_review, User.active))
        if track.language in (u.languages or [])]
    if track.report.editor_id is not None:
        ids.append(track.report.editor_id)
    elif not ids:
        ids = list(session.scalars(select(User.id).where(User.role == "editor", User.active)))
    return ids


def _notify_move(session: Session, track: Track, source: str, target: str, *, actor: User,
                 comment: str) -> None:
    """Tell the people a review move concerns (docs/operations.md "Notifications")."""
    params: dict[str, Any] = {"who": actor.display_name, "language": track.language,
                              "report": track.report.title, "track_id": track.id}
    link = f"/tracks/{track.id}/edit"
    editor = [track.report.editor_id]
    if target == "in_review":
        notifications.notify(session, reviewers_of(session, track), "review_requested",
                             params, link, actor=actor)
    elif source == "in_review" and target == "draft":
        open_comments = len(session.scalars(select(CueComment.id).where(
            CueComment.track_id == track.id, CueComment.resolved_at.is_(None))).all())
        reason: Any = comment or {"template": "see the {n} comments on the cues",
                                  "params": {"n": open_comments}}
        notifications.notify(session, translators_of(session, track), "sent_back",
                             {**params, "reason": reason}, link, actor=actor)
    elif target == "approved":
        notifications.notify(session, [*translators_of(session, track), *editor],
                             "approved", params, link, actor=actor)
    elif source == "approved" and target == "draft":
        notifications.notify(session, [*translators_of(session, track), *editor],
                             "reopened", params, link, actor=actor)


MAX_COMMENT_CHARS = 2000  # a remark on one cue; the review sheet prints every one


def comment(session: Session, cue_id: int, text: str, *, actor: User) -> CueComment:
    """A reviewer's remark on a cue."""
    row = session.get(CueRow, cue_id)
    if row is None:
        from station.errors import NotFound

        raise NotFound("No cue #{cue_id}", cue_id=cue_id)
    if not actor.reviews(row.track.language):
        raise PermissionDenied("Only a reviewer of {language} may do this",
                               language=row.track.language)
    if len(text) <= MAX_COMMENT_CHARS * 4:  # a longer one is refused below, unnormalized
        text = nfc(text)
    if not text:
        raise ValidationError("A comment needs text")
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationError("A comment may be at most {limit} characters; this one has "
                              "{length}", limit=MAX_COMMENT_CHARS, length=len(text))
    note = CueComment(cue_id=row.id, track_id=row.track_id, author_id=actor.id, text=text)
    session.add(note)
    session.flush()
    return note


def resolve(session: Session, comment_id: int, *, actor: User) -> CueComment:
    note = session.get(CueComment, comment_id)
    if note is None:
        from station.errors import NotFound

        raise NotFound("No comment #{comment_id}", comment_id=comment_id)
    track = services.get_track(session, note.track_id, actor=actor)
    # Reviewers resolve any remark; a translator only those on tracks in their languages.
    if actor.role == "translator" and track.language not in (actor.languages or []):
        from station.errors import PermissionDenied

        raise PermissionDenied("You translate {languages}, not {language}",
                               languages=", ".join(actor.languages or []) or "-",
                               language=track.language)
    note.resolved_at = utcnow()
    session.flush()
    return note


def comments(session: Session, track_id: int) -> list[CueComment]:
    return list(session.scalars(select(CueComment).where(CueComment.track_id == track_id)
                                .order_by(CueComment.created_at, CueComment.id)))


def report_rows(session: Session, track: Track, lang: str) -> list[dict[str, Any]]:
    """One row per comment and per QC finding, in cue order: the hand-over sheet."""
    index_of = {c.id: i for i, c in enumerate(track.cues)}
    rows: list[dict[str, Any]] = []
    for note in comments(session, track.id):
        i = index_of.get(note.cue_id)
        cue = track.cues[i] if i is not None else None
        rows.append({"cue": (i or 0) + 1, "start_ms": cue.start_ms if cue else None,
                     "kind": "comment", "severity": "",
                     "by": note.author.display_name if note.author else "",
                     "text": note.text, "cue_text": cue.text if cue else "",
                     "resolved": bool(note.resolved_at)})
    for finding in services.run_qc(session, track):
        i = finding.cue_index
        cue = track.cues[i] if i is not None else None
        rows.append({"cue": (i + 1) if i is not None else 0,
                     "start_ms": cue.start_ms if cue else None, "kind": f"qc:{finding.check}",
                     "severity": finding.severity, "by": "QC", "text": finding.text(lang),
                     "cue_text": cue.text if cue else "", "resolved": False})
    rows.sort(key=lambda r: (r["cue"], r["kind"] != "comment"))
    return rows


def report_csv(rows: list[dict[str, Any]]) -> bytes:
    """The review sheet as CSV for a spreadsheet (station/csvfile.py: BOM, formula-safe text)."""
    return csvfile.write(rows, ["cue", "start_ms", "kind", "severity", "by", "text",
                                "cue_text", "resolved"], text_columns=("by", "text", "cue_text"))
