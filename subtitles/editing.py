"""Editing cues: the workspace's use cases (edit, split, merge, insert, delete, confirm).

Each change is checked against the cue's version (two people editing one cue never lose
a word: the second gets a conflict naming who changed it), recorded as a ``CueRevision``
(the workspace's undo and the track's history read those), and kept inside the source
track's span for a translation (docs/subtitles.md "Workspace").
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from station.accounts import User, require_role
from station.db import utcnow
from station.errors import Conflict, NotFound, PermissionDenied, ValidationError
from subtitles import qc
from subtitles.cues import Rules, normalize_text
from subtitles.models import CueRevision, CueRow, Track
from subtitles.services import get_track, qc_context, stored_cues, to_doc


def _may_edit(actor: User, track: Track) -> None:
    """Editors edit any track; translators only tracks in their languages; approved is locked."""
    require_role(actor, "admin", "editor", "translator")
    if actor.role == "translator" and track.language not in (actor.languages or []):
        raise PermissionDenied("You translate {languages}, not {language}",
                               languages=", ".join(actor.languages or []) or "-",
                               language=track.language)
    if track.status == "approved":
        raise Conflict("The track is approved and read-only; a reviewer must reopen it")


def _source_span(session: Session, track: Track, start_ms: int, end_ms: int) -> None:
    """A translation cue must stay inside the timing of the source cues it translates."""
    if track.source_track_id is None:
        return
    covering = session.execute(
        select(CueRow.start_ms, CueRow.end_ms)
        .where(CueRow.track_id == track.source_track_id, CueRow.start_ms < end_ms,
               CueRow.end_ms > start_ms)
        .order_by(CueRow.start_ms)
    ).all()
    if not covering:
        has_source = session.scalar(select(CueRow.id).where(
            CueRow.track_id == track.source_track_id).limit(1))
        if has_source is None:
            return  # an empty source grid constrains nothing
    if not covering or start_ms < covering[0][0] or end_ms > covering[-1][1]:
        raise ValidationError(
            "A translated cue must stay inside its source cue's timing "
            "({start} – {end} ms)",
            start=covering[0][0] if covering else 0,
            end=covering[-1][1] if covering else 0,
        )


def bounded_text(track: Track, text: str) -> str:
    """``text`` normalized, refused when longer than the track's rules allow with headroom
    (``Rules.max_text_chars``): a domain rule, so the web, the CLI and jobs all obey it."""
    rules = Rules.from_mapping(track.rules)
    bound = rules.max_text_chars
    if len(text) > bound * 4:  # far over: refuse before normalizing a huge string
        length = len(text)
    else:
        text = normalize_text(text)
        length = len(text)
    if length > bound:
        raise ValidationError(
            "A cue's text may be at most {limit} characters (this track's rules: {lines} lines "
            "of {chars} characters); this one has {length}",
            limit=bound, lines=rules.max_lines, chars=rules.max_chars_per_line, length=length)
    return text


def edit_cue(
    session: Session,
    cue_id: int,
    *,
    actor: User,
    version: int,
    text: str | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> CueRow:
    """Change a cue's text or timing; a stale version is a conflict that names who won."""
    row = session.get(CueRow, cue_id)
    if row is None:
        raise NotFound("No cue #{cue_id}", cue_id=cue_id)
    track = row.track
    _may_edit(actor, track)
    if row.version != version:
        who = row.updated_by.display_name if row.updated_by else "?"
        raise Conflict(
            "{who} changed this cue after you opened it; their text is: {text}",
            who=who, text=row.text, current_version=row.version,
        )
    new_text = None if text is None else bounded_text(track, text)
    new_start = row.start_ms if start_ms is None else int(start_ms)
    new_end = row.end_ms if end_ms is None else int(end_ms)
    if new_start < 0 or new_end <= new_start:
        raise ValidationError("A cue must end after it starts")
    if (new_start, new_end) != (row.start_ms, row.end_ms):
        _source_span(session, track, new_start, new_end)
    before = {"start_ms": row.start_ms, "end_ms": row.end_ms, "text": row.text}
    text_changed = new_text is not None and new_text != row.text
    if new_text is not None:
        row.text = new_text
    row.start_ms, row.end_ms = new_start, new_end
    row.updated_by_id = actor.id
    if text_changed:
        row.source_changed_at = None  # written again after the source changed: it holds
    session.add(CueRevision(track_id=track.id, cue_id=row.id, actor_id=actor.id,
                            action="edit", before=before,
                            after={"start_ms": row.start_ms, "end_ms": row.end_ms,
                                   "text": row.text}))
    session.flush()
    if text_changed:
        mark_source_changed(session, track,
                            [(before["start_ms"], before["end_ms"]), (new_start, new_end)])
    return row


def mark_source_changed(session: Session, source: Track,
                        spans: Sequence[tuple[int, int]]) -> int:
    """Mark the written cues of the translations following ``source`` that overlap ``spans``
    (a source cue's text changed there), so the translator checks them; says how many.

    A translation cue follows the source cues its timing overlaps (tracks are linked by
    ``source_track_id``, cues by time). Empty cues are left alone: nobody translated them
    yet, so the new source is what they will be written from. The mark is not a change of
    the cue's content: it neither bumps the version (an open page's next save of the cue
    must not become a conflict) nor touches ``updated_at`` (QC's cache key)."""
    followers = list(session.scalars(select(Track.id).where(Track.source_track_id == source.id)))
    if not followers or not spans:
        return 0
    overlap = or_(*[(CueRow.start_ms < end) & (CueRow.end_ms > start) for start, end in spans])
    result = session.execute(
        update(CueRow)
        .where(CueRow.track_id.in_(followers), CueRow.text != "",
               CueRow.source_changed_at.is_(None), overlap)
        .values(source_changed_at=utcnow(), updated_at=CueRow.updated_at)
        .execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0) or 0)


def confirm_source(session: Session, cue_id: int, *, actor: User, version: int) -> CueRow:
    """The translator checked a translation cue against its changed source and it still holds:
    the mark goes, and the history keeps who confirmed it against which source text."""
    row = _cue_in_track(session, cue_id, version, actor)
    if row.source_changed_at is None:
        raise ValidationError("The source of this cue has not changed since it was written")
    source_text = ""
    if row.track.source_track_id is not None:
        source_text = "\n".join(session.scalars(
            select(CueRow.text).where(CueRow.track_id == row.track.source_track_id,
                                      CueRow.start_ms < row.end_ms, CueRow.end_ms > row.start_ms)
            .order_by(CueRow.start_ms, CueRow.id)))
    changed_at = row.source_changed_at
    row.source_changed_at = None
    row.updated_by_id = actor.id
    session.add(CueRevision(track_id=row.track_id, cue_id=row.id, actor_id=actor.id,
                            action="source_ok",
                            before={"source_changed_at": changed_at.isoformat()},
                            after={"text": row.text, "source": source_text}))
    session.flush()
    return row


def _cue_in_track(session: Session, cue_id: int, version: int, actor: User) -> CueRow:
    row = session.get(CueRow, cue_id)
    if row is None:
        raise NotFound("No cue #{cue_id}", cue_id=cue_id)
    _may_edit(actor, row.track)
    if row.version != version:
        who = row.updated_by.display_name if row.updated_by else "?"
        raise Conflict("{who} changed this cue after you opened it; their text is: {text}",
                       who=who, text=row.text, current_version=row.version)
    return row


def _snapshot(row: CueRow) -> dict[str, Any]:
    return {"start_ms": row.start_ms, "end_ms": row.end_ms, "text": row.text}


def split_cue(session: Session, cue_id: int, *, actor: User, version: int, at_ms: int,
              left_text: str | None = None, right_text: str | None = None,
              right_start_ms: int | None = None) -> list[CueRow]:
    """Cut a cue in two at ``at_ms``; the text splits where the user says (or at a space).

    ``right_start_ms`` puts the right half's start exactly (default: the minimum gap after
    the cut), so undoing a merge gives back both cues with the times they had."""
    row = _cue_in_track(session, cue_id, version, actor)
    if not row.start_ms < at_ms < row.end_ms:
        raise ValidationError("Split inside the cue: between {start} and {end} ms",
                              start=row.start_ms, end=row.end_ms)
    if right_start_ms is not None and not at_ms <= int(right_start_ms) < row.end_ms:
        raise ValidationError("Split inside the cue: between {start} and {end} ms",
                              start=at_ms, end=row.end_ms)
    if left_text is None or right_text is None:
        words = row.text.replace("\n", " ").split(" ")
        share = (at_ms - row.start_ms) / (row.end_ms - row.start_ms)
        cut = max(1, min(len(words) - 1, round(len(words) * share))) if len(words) > 1 else 1
        left_text, right_text = " ".join(words[:cut]), " ".join(words[cut:])
    track = row.track
    left_text, right_text = bounded_text(track, left_text), bounded_text(track, right_text)
    before = _snapshot(row)
    gap = Rules.from_mapping(track.rules).min_gap_ms
    right_start = (min(at_ms + gap, row.end_ms - 1) if right_start_ms is None
                   else int(right_start_ms))
    right = CueRow(track_id=track.id, start_ms=right_start,
                   end_ms=row.end_ms, text=right_text,
                   flags=list(row.flags or []), updated_by_id=actor.id,
                   words=[w for w in (row.words or []) if w[1] >= at_ms])
    row.end_ms, row.text = at_ms, left_text
    row.words = [w for w in (row.words or []) if w[1] < at_ms]
    row.updated_by_id = actor.id
    session.add(right)
    session.flush()
    session.add(CueRevision(track_id=track.id, cue_id=row.id, actor_id=actor.id,
                            action="split", before=before,
                            after={"left": _snapshot(row), "right": _snapshot(right)}))
    session.flush()
    return [row, right]


def merge_cues(session: Session, cue_id: int, *, actor: User, version: int,
               next_version: int, next_id: int | None = None,
               text: str | None = None) -> CueRow:
    """Join a cue with the one after it (same track); the later one's row goes away.

    ``next_id`` names the cue the person saw next: if another cue came between meanwhile,
    the merge is refused rather than joining the wrong one (versions alone start at 1 for
    every cue). ``text`` is the joined text when the page knows it exactly (undoing a
    split gives back the cue's own text, line break included); by default the two texts
    are joined with a space."""
    row = _cue_in_track(session, cue_id, version, actor)
    following = session.scalar(
        select(CueRow).where(CueRow.track_id == row.track_id, CueRow.start_ms >= row.start_ms,
                             CueRow.id != row.id)
        .order_by(CueRow.start_ms, CueRow.id).limit(1)
    )
    if following is None:
        raise ValidationError("There is no next cue to merge with")
    if following.version != next_version or (next_id is not None and following.id != next_id):
        raise Conflict("Someone changed the next cue; reload before merging")
    joined = bounded_text(row.track, " ".join(t for t in (row.text, following.text) if t)
                          if text is None else text)
    before = {"first": _snapshot(row), "second": _snapshot(following)}
    row.end_ms = max(row.end_ms, following.end_ms)
    row.text = joined
    row.words = list(row.words or []) + list(following.words or [])
    row.flags = sorted(set(row.flags or []) | set(following.flags or []))
    row.updated_by_id = actor.id
    session.add(CueRevision(track_id=row.track_id, cue_id=row.id, actor_id=actor.id,
                            action="merge", before=before, after=_snapshot(row)))
    session.delete(following)
    session.flush()
    return row


def insert_cue(session: Session, track_id: int, *, actor: User, start_ms: int, end_ms: int,
               text: str = "") -> CueRow:
    """Add a cue to a track (a new line, or a deleted one brought back by undo).

    Times follow the same rules as an edit (after its start, inside the source's timing for
    a translation); an overlap with a neighbour is left to QC to flag, as for an edit."""
    track = get_track(session, track_id, actor=actor)
    _may_edit(actor, track)
    start, end = int(start_ms), int(end_ms)
    if start < 0 or end <= start:
        raise ValidationError("A cue must end after it starts")
    _source_span(session, track, start, end)
    row = CueRow(track_id=track.id, start_ms=start, end_ms=end,
                 text=bounded_text(track, text or ""), flags=[], words=[],
                 updated_by_id=actor.id)
    session.add(row)
    session.flush()
    session.add(CueRevision(track_id=track.id, cue_id=row.id, actor_id=actor.id,
                            action="insert", before=None, after=_snapshot(row)))
    session.flush()
    if row.text:
        mark_source_changed(session, track, [(start, end)])
    return row


def delete_cue(session: Session, cue_id: int, *, actor: User, version: int) -> int:
    """Remove one cue; a stale version is a conflict, so nobody's newer text goes unseen.

    The revision keeps the cue's times and text (``before``), so the deletion can be read
    in the history and undone by inserting them again. Returns the cue's track id."""
    row = _cue_in_track(session, cue_id, version, actor)
    track_id = row.track_id
    session.add(CueRevision(track_id=track_id, cue_id=None, actor_id=actor.id,
                            action="delete", before={"id": row.id, **_snapshot(row)},
                            after=None))
    span, had_text, track = (row.start_ms, row.end_ms), bool(row.text), row.track
    session.delete(row)
    session.flush()
    if had_text:
        mark_source_changed(session, track, [span])
    return track_id


def confirm_cue(session: Session, cue_id: int, *, actor: User, version: int) -> CueRow:
    """A person checked a doubtful cue (Whisper flags, unsure words): stop highlighting it."""
    row = _cue_in_track(session, cue_id, version, actor)
    row.status = "confirmed"
    row.updated_by_id = actor.id
    session.add(CueRevision(track_id=row.track_id, cue_id=row.id, actor_id=actor.id,
                            action="confirm", before={"flags": row.flags}, after=None))
    session.flush()
    return row


# ---- whole-track fixes -------------------------------------------------------------

def autofix(session: Session, track_id: int, *, actor: User) -> list[str]:
    """Apply the safe fixes (NFC, gaps, short durations) and record each changed cue; the
    same people may do it as may edit the cues (a translator only in their languages)."""
    track = get_track(session, track_id, actor=actor)
    _may_edit(actor, track)
    fixed, notes = qc.autofix(to_doc(track).cues, qc_context(session, track))
    retexted: list[tuple[int, int]] = []  # where a source's text changed, for its followers
    for row, cue in zip(track.cues, fixed, strict=True):
        if (row.start_ms, row.end_ms, row.text) != (cue.start_ms, cue.end_ms, cue.text):
            before = {"start_ms": row.start_ms, "end_ms": row.end_ms, "text": row.text}
            row.start_ms, row.end_ms, row.text = cue.start_ms, cue.end_ms, cue.text
            row.updated_by_id = actor.id
            session.add(CueRevision(track_id=track.id, cue_id=row.id, actor_id=actor.id,
                                    action="fix", before=before,
                                    after={"start_ms": cue.start_ms, "end_ms": cue.end_ms,
                                           "text": cue.text}))
            if before["text"] != cue.text:
                retexted.append((cue.start_ms, cue.end_ms))
    session.flush()
    mark_source_changed(session, track, retexted)
    return notes


def retime_to_shots(session: Session, track_id: int, *, actor: User) -> int:
    """Move in and out points onto, or clear of, the master's shot changes (for tracks timed
    without them: imports, older drafts), record each moved cue, and say how many moved.

    The rule and its numbers are the track's (docs/subtitles.md "Shot changes"); a
    translation's cues stay inside their source cues, as a hand edit must."""
    from subtitles import shots

    track = get_track(session, track_id, actor=actor)
    _may_edit(actor, track)
    master = track.report.asset("master")
    if master is None:
        raise ValidationError("Ingest the master first: shot changes are found in its picture")
    if master.shot_changes_ms is None:
        if not master.video_codec:
            raise ValidationError("The master has no picture, so it has no shot changes")
        raise ValidationError("The master was ingested before Station looked for shot "
                              "changes; upload the same file again to find them")
    ids, cues = stored_cues(session, track.id)
    timed = shots.snap_to_shots(cues, master.shot_changes_ms, Rules.from_mapping(track.rules),
                                master.duration_ms, allowed=_inside_source(session, track))
    rows = {row.id: row for row in track.cues}
    moved = 0
    for cue_id, before, after in zip(ids, cues, timed, strict=True):
        if (before.start_ms, before.end_ms) == (after.start_ms, after.end_ms):
            continue
        row = rows[cue_id]
        snapshot = _snapshot(row)
        row.start_ms, row.end_ms = after.start_ms, after.end_ms
        row.updated_by_id = actor.id
        session.add(CueRevision(track_id=track.id, cue_id=row.id, actor_id=actor.id,
                                action="retime", before=snapshot, after=_snapshot(row)))
        moved += 1
    session.flush()
    return moved


def _inside_source(session: Session, track: Track) -> Callable[[int, int, int], bool] | None:
    """The _source_span rule in memory: a translation cue's new timing must lie within the
    source cues it overlaps (None: no source, or an empty one, constrains nothing)."""
    if track.source_track_id is None:
        return None
    spans = [(r[0], r[1]) for r in session.execute(
        select(CueRow.start_ms, CueRow.end_ms).where(CueRow.track_id == track.source_track_id)
        .order_by(CueRow.start_ms, CueRow.id)).all()]
    if not spans:
        return None
    starts = [s for s, _ in spans]
    longest = max(e - s for s, e in spans)

    def allowed(_index: int, start_ms: int, end_ms: int) -> bool:
        at = bisect.bisect_left(starts, end_ms) - 1  # the last source cue starting before
        covering = []  # indices of the source cues overlapping, latest first
        while at >= 0 and starts[at] + longest > start_ms:
            if spans[at][1] > start_ms:
                covering.append(at)
            at -= 1
        if not covering:
            return False
        return start_ms >= spans[covering[-1]][0] and end_ms <= spans[covering[0]][1]

    return allowed
