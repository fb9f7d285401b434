"""Review of a track: draft -> in_review -> approved, or back to draft with per-cue comments.

Who approved and when is kept on the track; an approved track is read-only until a reviewer
reopens it. The review report (comments and QC findings) goes to HTML and CSV.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from station import csvfile, events, notifications
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
    if target == "approved":  # e.g. delivery builds the partner packages it makes possible
        events.emit(session, "track.approved", actor=actor, track=track)
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
    """One row per send-back reason, per comment and per QC finding, in cue order (the
    reasons, about the whole track, first): the hand-over sheet."""
    index_of = {c.id: i for i, c in enumerate(track.cues)}
    rows: list[dict[str, Any]] = []
    for move in session.scalars(select(CueRevision).where(
            CueRevision.track_id == track.id, CueRevision.action == "status")
            .order_by(CueRevision.at, CueRevision.id)):
        back = _send_back_of(move, 0)
        if back is not None and back.reason:  # the reviewer's reason, for the whole track
            rows.append({"cue": 0, "start_ms": None, "kind": "sent_back", "severity": "",
                         "by": back.by, "text": back.reason, "cue_text": "",
                         "resolved": False})
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
                     "check": _check_title(finding.check, lang),
                     "cue_text": cue.text if cue else "", "resolved": False})
    rows.sort(key=lambda r: (r["cue"], r["kind"] not in ("sent_back", "comment")))
    return rows


def _check_title(check_id: str, lang: str) -> str:
    """A QC check as people name it ("Minimum duration"), not its id."""
    from station.i18n import translate
    from subtitles.qc import CHECKS

    found = CHECKS.get(check_id)
    return translate(found.title, lang) if found else check_id


def report_csv(rows: list[dict[str, Any]]) -> bytes:
    """The review sheet as CSV for a spreadsheet (station/csvfile.py: BOM, formula-safe text)."""
    return csvfile.write(rows, ["cue", "start_ms", "kind", "check", "severity", "by", "text",
                                "cue_text", "resolved"],
                         text_columns=("check", "by", "text", "cue_text"))


# ---- the review loop: what the translator and the reviewer see --------------------------

@dataclass(frozen=True)
class SendBack:
    """A reviewer's "send back": why, who, when, and the remarks on cues still open."""

    reason: str
    by: str
    at: dt.datetime
    open_comments: int


def _send_back_of(move: CueRevision | None, open_comments: int) -> SendBack | None:
    """The send-back a status revision records, or None for any other move."""
    if move is None or (move.before or {}).get("status") != "in_review" or (
            move.after or {}).get("status") != "draft":
        return None
    return SendBack(reason=str((move.after or {}).get("comment") or ""),
                    by=move.actor.display_name if move.actor else "",
                    at=move.at, open_comments=open_comments)


def open_comment_counts(session: Session, track_ids: Sequence[int]) -> dict[int, int]:
    """Unresolved remarks per track, in one query for a whole queue."""
    if not track_ids:
        return {}
    return {tid: n for tid, n in session.execute(
        select(CueComment.track_id, func.count(CueComment.id))
        .where(CueComment.track_id.in_(track_ids), CueComment.resolved_at.is_(None))
        .group_by(CueComment.track_id)).all()}


def send_backs(session: Session, track_ids: Sequence[int]) -> dict[int, SendBack]:
    """For each track whose last review move sent it back to draft: that send-back.

    Only the last move counts: once the track went for review again (or was approved) the
    reason was answered, and the newer state is what the queue and the workspace show."""
    if not track_ids:
        return {}
    last = (select(func.max(CueRevision.id))
            .where(CueRevision.track_id.in_(track_ids), CueRevision.action == "status")
            .group_by(CueRevision.track_id))
    moves = session.scalars(select(CueRevision).where(CueRevision.id.in_(last))
                            .options(selectinload(CueRevision.actor)))
    counts = open_comment_counts(session, track_ids)
    out: dict[int, SendBack] = {}
    for move in moves:
        found = _send_back_of(move, counts.get(move.track_id, 0))
        if found is not None:
            out[move.track_id] = found
    return out


def source_changed_counts(session: Session, track_ids: Sequence[int]) -> dict[int, int]:
    """Translation cues per track still marked "source changed", for the queue."""
    if not track_ids:
        return {}
    return {tid: n for tid, n in session.execute(
        select(CueRow.track_id, func.count(CueRow.id))
        .where(CueRow.track_id.in_(track_ids), CueRow.source_changed_at.is_not(None))
        .group_by(CueRow.track_id)).all()}


@dataclass(frozen=True)
class QueueRow:
    """One track in a person's queue, with what its translator needs to know at a glance."""

    track: Track
    cues: int
    filled: int
    send_back: SendBack | None
    open_comments: int
    source_changed: int


@dataclass(frozen=True)
class Queue:
    """A person's work: to do, done, and (for reviewers) tracks waiting for their review."""

    todo: list[QueueRow]
    done: list[QueueRow]
    to_review: list[QueueRow]
    languages: list[str]


QUEUE_LIMIT = 500  # rows per list: a desk's month of work
TODO_STATUSES = ("draft",)


def work_queue(session: Session, actor: User, *, language: str = "",
               search: str = "") -> Queue:
    """The translator's queue split into to-do (drafts: theirs to write or fix) and done (sent
    for review or approved), and the reviewer's "waiting for my review" (in review, in a
    language they review, sent by someone else), soonest due first; filtered by language
    and by words of the report's title."""
    from production.models import Report

    if not actor.is_staff:
        raise PermissionDenied("Your role may not do this")
    stmt = (select(Track).join(Report, Report.id == Track.report_id)
            .options(selectinload(Track.report), selectinload(Track.cues))
            .order_by(Report.due_date.is_(None), Report.due_date, Track.id))
    if actor.role == "translator":
        stmt = stmt.where(Track.language.in_(actor.languages or []))
    languages = sorted(set(session.scalars(stmt.with_only_columns(Track.language).distinct()
                                           .order_by(None))))
    if language:
        stmt = stmt.where(Track.language == language)
    words = [w.casefold() for w in nfc(search).split()[:8]]
    if words:
        # Vietnamese case folding ("ĐƯỜNG" finds "Đường") in Python: SQLite's LIKE folds
        # ASCII only. Ids and titles are cheap to read for every track of the languages.
        found = [tid for tid, title in session.execute(
            stmt.with_only_columns(Track.id, Report.title))
            if all(w in nfc(title).casefold() for w in words)]
        stmt = stmt.where(Track.id.in_(found[:QUEUE_LIMIT * 3]))
    tracks = list(session.scalars(stmt.limit(QUEUE_LIMIT * 3)))
    ids = [t.id for t in tracks]
    backs, comments_open = send_backs(session, ids), open_comment_counts(session, ids)
    marked = source_changed_counts(session, ids)

    def row(t: Track) -> QueueRow:
        return QueueRow(track=t, cues=len(t.cues), filled=sum(1 for c in t.cues if c.text),
                        send_back=backs.get(t.id), open_comments=comments_open.get(t.id, 0),
                        source_changed=marked.get(t.id, 0))

    todo = [row(t) for t in tracks if t.status in TODO_STATUSES][:QUEUE_LIMIT]
    done = [row(t) for t in tracks if t.status not in TODO_STATUSES][:QUEUE_LIMIT]
    to_review = [row(t) for t in tracks if t.status == "in_review"
                 and actor.reviews(t.language) and t.submitted_by_id != actor.id][:QUEUE_LIMIT]
    return Queue(todo=todo, done=done, to_review=to_review, languages=languages)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a track's history: a move, an edit, a remark, a confirmation."""

    at: dt.datetime
    by: str
    kind: str  # a CueRevision action, or "comment"
    cue: int | None  # 1-based position of the cue now (None: the track, or a removed cue)
    text: str  # the reason, the remark, or the cue's text after the change
    before: str  # the previous text or status, where there is one
    after: str  # the new status, where a move


def history(session: Session, track: Track, limit: int = 500) -> list[HistoryEntry]:
    """The track's history, newest first: review moves with their reasons, the reviewers'
    remarks on cues, and every cue change (edits, confirmations...), so a reason given once
    is found again where the translator looks later."""
    index_of = {c.id: i + 1 for i, c in enumerate(track.cues)}
    entries: list[HistoryEntry] = []
    for rev in session.scalars(
            select(CueRevision).where(CueRevision.track_id == track.id)
            .options(selectinload(CueRevision.actor))
            .order_by(CueRevision.at.desc(), CueRevision.id.desc()).limit(limit)):
        before, after = rev.before or {}, rev.after or {}
        if rev.action == "status":
            text, old, new = str(after.get("comment") or ""), str(before.get("status", "")), \
                str(after.get("status", ""))
        elif rev.action == "source_ok":
            text, old, new = str(after.get("text", "")), str(after.get("source", "")), ""
        else:
            text = str(after.get("text", "")) if isinstance(after.get("text"), str) else ""
            old = str(before.get("text", "")) if isinstance(before.get("text"), str) else ""
            new = ""
        entries.append(HistoryEntry(at=rev.at, by=rev.actor.display_name if rev.actor else "",
                                    kind=rev.action, cue=index_of.get(rev.cue_id or 0),
                                    text=text, before=old, after=new))
    for note in comments(session, track.id):
        entries.append(HistoryEntry(at=note.created_at,
                                    by=note.author.display_name if note.author else "",
                                    kind="comment", cue=index_of.get(note.cue_id),
                                    text=note.text, before="",
                                    after="resolved" if note.resolved_at else ""))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
