"""Subtitle use cases: tracks, cues, transcription jobs, import/export, QC.

Like every service, these take the session and the acting user and never read Flask.
"""

from __future__ import annotations

import bisect
import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from production import services as production
from production.models import Channel, Report
from station.accounts import User, require_role
from station.db import utcnow
from station.errors import Conflict, NotFound, PermissionDenied, ValidationError
from station.jobs import JobRun, create_job, enqueue_after_commit
from subtitles import fonts, qc
from subtitles.cues import Cue, Rules, SubtitleDoc, Word, normalize_text
from subtitles.models import CueRevision, CueRow, GlossaryTerm, Track
from subtitles.terms import find_term

# The province's names Whisper is most likely to misspell (issue: transcription). Editable
# data: seeded once into the glossary table, then maintained by reviewers.
SEED_GLOSSARY: tuple[tuple[str, dict[str, str]], ...] = (
    ("Lai Châu", {"en": "Lai Chau", "zh": "莱州"}),
    ("Tam Đường", {"en": "Tam Duong"}),
    ("Phong Thổ", {"en": "Phong Tho"}),
    ("Sìn Hồ", {"en": "Sin Ho"}),
    ("Mường Tè", {"en": "Muong Te"}),
    ("Nậm Nhùn", {"en": "Nam Nhun"}),
    ("Tân Uyên", {"en": "Tan Uyen"}),
    ("Than Uyên", {"en": "Than Uyen"}),
    ("Pu Ta Leng", {"en": "Pu Ta Leng"}),
    ("Sông Đà", {"en": "Da River"}),
)


def strictest_rules(channels: Iterable[Channel]) -> Rules:
    """One set of rules that satisfies every target channel (the tightest of each number)."""
    rules = [Rules.from_mapping(c.subtitle_rules) for c in channels]
    if not rules:
        return Rules()
    return Rules(
        max_chars_per_line=min(r.max_chars_per_line for r in rules),
        max_lines=min(r.max_lines for r in rules),
        max_chars_per_second=min(r.max_chars_per_second for r in rules),
        min_duration_ms=max(r.min_duration_ms for r in rules),
        max_duration_ms=min(r.max_duration_ms for r in rules),
        min_gap_ms=max(r.min_gap_ms for r in rules),
        frame_rate=rules[0].frame_rate,
        # A wider snap window and a wider berth both satisfy the narrower ones: a point on the
        # cut is fine for every channel, and one far enough for the strictest is far enough.
        shot_snap_frames=max(r.shot_snap_frames for r in rules),
        shot_min_distance_frames=max(r.shot_min_distance_frames for r in rules),
    )


def required_languages(report: Report) -> list[str]:
    """Languages the report's target channels ask for, original language first."""
    seen = [report.original_language]
    for channel in report.channels:
        for lang in channel.required_languages or []:
            if lang not in seen:
                seen.append(lang)
    return seen


# ---- tracks ----------------------------------------------------------------------------

def get_track(session: Session, track_id: int, *, actor: User) -> Track:
    if not actor.is_staff:
        raise PermissionDenied("Your role may not do this")
    track = session.get(Track, track_id, options=[selectinload(Track.cues)])
    if track is None:
        raise NotFound("No subtitle track #{track_id}", track_id=track_id)
    return track


def report_tracks(session: Session, report_id: int) -> list[Track]:
    return list(session.scalars(
        select(Track).where(Track.report_id == report_id)
        .options(selectinload(Track.cues)).order_by(Track.role, Track.language)
    ))


def track_for(session: Session, report_id: int, language: str) -> Track | None:
    return session.scalar(select(Track).where(Track.report_id == report_id,
                                              Track.language == language))


def to_doc(track: Track) -> SubtitleDoc:
    """The canonical in-memory form of a stored track."""
    return SubtitleDoc(
        language=track.language,
        cues=[Cue(c.start_ms, c.end_ms, c.text, tuple(c.flags or ()),
                  tuple(Word(*w) for w in (c.words or []))) for c in track.cues],
        title=track.report.title if track.report else "",
    )


def stored_cues(session: Session, track_id: int) -> tuple[list[int], list[Cue]]:
    """A track's cue ids and cues straight from the table (no ORM objects: a save's QC reads
    a thousand cues twice, and plain rows are several times cheaper)."""
    rows = session.execute(
        select(CueRow.id, CueRow.start_ms, CueRow.end_ms, CueRow.text, CueRow.flags,
               CueRow.words)
        .where(CueRow.track_id == track_id).order_by(CueRow.start_ms, CueRow.id)
    ).all()
    ids = [r[0] for r in rows]
    cues = [Cue(r[1], r[2], r[3], tuple(r[4] or ()), tuple(Word(*w) for w in (r[5] or [])))
            for r in rows]
    return ids, cues


def _cue_row(cue: Cue) -> CueRow:
    return CueRow(start_ms=cue.start_ms, end_ms=cue.end_ms, text=normalize_text(cue.text),
                  flags=list(cue.flags),
                  words=[[w.text, w.start_ms, w.end_ms, w.probability] for w in cue.words])


def _human_edits(session: Session, track_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(CueRevision)
        .where(CueRevision.track_id == track_id, CueRevision.actor_id.is_not(None),
               CueRevision.action != "import")
    ) or 0


def save_track(
    session: Session,
    report: Report,
    language: str,
    cues: Sequence[Cue],
    *,
    actor: User | None,
    role: str,
    origin: str,
    rules: Rules,
    engine: str | None = None,
    source: Track | None = None,
    replace_machine_draft: bool = False,
) -> Track:
    """Create a track with its cues; refuse to replace work a person has done."""
    language = production.valid_language_tag(language)
    existing = track_for(session, report.id, language)
    if existing is not None:
        replaceable = (replace_machine_draft and existing.origin == "machine"
                       and existing.status == "draft"
                       and _human_edits(session, existing.id) == 0)
        if not replaceable:
            raise Conflict(
                "The report already has a {language} track (#{track_id}); open it, or delete "
                "it first", language=language, track_id=existing.id,
            )
        # Untouched translations on the old timing go with it and are made again on the new
        # grid; a translation someone has worked on stays (its source link is cleared).
        for follower in session.scalars(select(Track).where(
                Track.source_track_id == existing.id)):
            if _human_edits(session, follower.id) == 0 and not any(
                    c.text for c in follower.cues):
                session.delete(follower)
        session.delete(existing)
        session.flush()
    track = Track(report_id=report.id, language=language, role=role, origin=origin,
                  rules=rules.as_mapping(), engine=engine,
                  source_track_id=source.id if source else None)
    track.cues = [_cue_row(c) for c in cues]
    session.add(track)
    session.flush()
    session.add(CueRevision(track_id=track.id, actor_id=actor.id if actor else None,
                            action="import", after={"cues": len(cues), "origin": origin}))
    session.flush()
    return track


def add_translation_tracks(session: Session, source: Track, languages: Iterable[str],
                           *, actor: User | None) -> list[Track]:
    """Empty tracks on the source's timing, waiting for translators (one per language)."""
    made = []
    grid = [Cue(c.start_ms, c.end_ms, "") for c in source.cues]
    for lang in languages:
        if lang == source.language or track_for(session, source.report_id, lang) is not None:
            continue
        made.append(save_track(session, source.report, lang, grid, actor=actor,
                               role="translation", origin="human",
                               rules=Rules.from_mapping(source.rules), source=source))
    return made


def create_track(session: Session, report_id: int, language: str, *, actor: User,
                 source_track_id: int | None = None) -> Track:
    """A new track by hand: a translation on a source's grid, or an empty original."""
    require_role(actor, "admin", "editor")
    report = production.get_report(session, report_id, actor=actor)
    rules = strictest_rules(report.channels)
    if source_track_id is None:
        return save_track(session, report, language, [], actor=actor, role="original",
                          origin="human", rules=rules)
    source = get_track(session, source_track_id, actor=actor)
    if source.report_id != report.id:
        raise ValidationError("The source track belongs to another report")
    grid = [Cue(c.start_ms, c.end_ms, "") for c in source.cues]
    return save_track(session, report, language, grid, actor=actor, role="translation",
                      origin="human", rules=Rules.from_mapping(source.rules), source=source)


def delete_track(session: Session, track_id: int, *, actor: User) -> None:
    require_role(actor, "admin", "editor")
    track = get_track(session, track_id, actor=actor)
    if track.status == "approved":
        raise Conflict("An approved track cannot be deleted; reopen it first")
    session.delete(track)
    session.flush()


# ---- transcription ---------------------------------------------------------------------

def queue_transcription(session: Session, report_id: int, *, actor: User,
                        language: str | None = None, engine: str | None = None) -> JobRun:
    """Check the report can be transcribed, then queue the job (sent on commit).

    ``engine`` names a registered speech engine; None lets the job take the one configured
    for the language (subtitles/engines, docs/transcription.md).
    """
    from subtitles import engines

    require_role(actor, "admin", "editor")
    report = production.get_report(session, report_id, actor=actor)
    language = language or report.original_language
    engines.check_language(language, engine or None)  # refuses Mông, Thái... clearly
    if report.asset("audio") is None:
        raise ValidationError("Ingest the master first: transcription reads its audio")
    existing = track_for(session, report.id, language)
    if existing is not None and (existing.origin != "machine" or existing.status != "draft"
                                 or _human_edits(session, existing.id)):
        raise Conflict("The report already has a {language} track (#{track_id}); open it, or "
                       "delete it first", language=language, track_id=existing.id)
    job = create_job(session, "transcribe", {"report_id": report.id, "language": language,
                                             "actor_id": actor.id, "engine": engine or None},
                     actor_id=actor.id, subject=("report", report.id),
                     dedupe_key=f"transcribe:report:{report.id}")
    enqueue_after_commit(session, job)
    return job


# ---- glossary --------------------------------------------------------------------------

def ensure_glossary(session: Session) -> None:
    have = set(session.scalars(select(GlossaryTerm.term)))
    for term, translations in SEED_GLOSSARY:
        if term not in have:
            session.add(GlossaryTerm(term=term, translations=translations, variants=[]))
    session.flush()


def glossary(session: Session) -> list[GlossaryTerm]:
    return list(session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.term)))


@dataclass(frozen=True)
class Correction:
    wrong: str
    right: str


def correct_names(text: str, terms: Sequence[GlossaryTerm]) -> tuple[str, list[Correction]]:
    """Fix misspelt glossary names line by line (a cue's lines are separate runs of words)."""
    fixes: list[Correction] = []
    lines = []
    for line in text.split("\n"):
        fixed, found = _correct_line(line, terms)
        lines.append(fixed)
        fixes.extend(found)
    return "\n".join(lines), fixes


def _correct_line(text: str, terms: Sequence[GlossaryTerm]) -> tuple[str, list[Correction]]:
    """Fix misspelt glossary names: listed variants, and capitalised look-alikes that differ
    only in diacritics ("Lai Chau", "Sin Hô" -> "Lai Châu", "Sìn Hồ").

    Both are found by the glossary's one matcher (subtitles.terms), so a name inside a longer
    word ("Sin Hong") is left alone, as in the QC check."""
    fixes: list[Correction] = []
    text = unicodedata.normalize("NFC", text)  # the matcher's spans are NFC offsets
    for term in terms:
        target = unicodedata.normalize("NFC", term.term.strip())
        if not target:
            continue
        for variant in term.variants:
            spans = find_term(text, variant)
            if spans:
                text = _replace_spans(text, spans, target)
                fixes.append(Correction(variant, target))
        found: list[Correction] = []
        for start, end in reversed(find_term(text, target, fold_diacritics=True)):
            written = text[start:end]
            if written != target and written[:1].isupper():
                text = text[:start] + target + text[end:]
                found.append(Correction(written, target))
        fixes.extend(reversed(found))
    return text, fixes


def _replace_spans(text: str, spans: Sequence[tuple[int, int]], by: str) -> str:
    """``text`` with each (start, end) span replaced by ``by`` (spans in order, disjoint)."""
    for start, end in reversed(spans):
        text = text[:start] + by + text[end:]
    return text


# ---- QC --------------------------------------------------------------------------------

def qc_context(session: Session, track: Track) -> qc.QCContext:
    """Everything the checks need to judge a track in its report."""
    report = track.report
    master = report.asset("master")
    source, source_language = None, report.original_language
    if track.source_track_id:
        src = session.get(Track, track.source_track_id)
        if src is not None:
            # Times and text are all the checks read of the source: no JSON to decode.
            rows = session.execute(
                select(CueRow.start_ms, CueRow.end_ms, CueRow.text)
                .where(CueRow.track_id == src.id).order_by(CueRow.start_ms, CueRow.id)).all()
            source, source_language = [Cue(r[0], r[1], r[2]) for r in rows], src.language
    terms = {t.term: t.translations for t in glossary(session)}
    return qc.QCContext(rules=Rules.from_mapping(track.rules),
                        media_duration_ms=master.duration_ms if master else None,
                        source=source, glossary=terms, language=track.language,
                        source_language=source_language,
                        font_coverage=fonts.coverage(track.language))


def run_qc(session: Session, track: Track) -> list[qc.Finding]:
    return qc_with_ids(session, track)[1]


def qc_with_ids(session: Session, track: Track) -> tuple[list[int], list[qc.Finding]]:
    """QC of the stored track, with the cue ids its findings' indices refer to."""
    ids, cues = stored_cues(session, track.id)
    return ids, qc.check(cues, qc_context(session, track))


_VERDICTS: dict[tuple[Any, ...], dict[str, int]] = {}
_VERDICTS_MAX = 4096


def _cue_stamp(session: Session, track_id: int | None) -> tuple[Any, ...]:
    if track_id is None:
        return ()
    row = session.execute(
        select(func.count(CueRow.id), func.max(CueRow.id), func.max(CueRow.updated_at))
        .where(CueRow.track_id == track_id)).one()
    return (track_id, row[0], row[1], str(row[2]))


def qc_counts(session: Session, track: Track) -> dict[str, int]:
    """A track's QC counts, recomputed only when the track, its source, its media or the
    glossary changed (the schedule grid asks for dozens of tracks on every view)."""
    master = track.report.asset("master")
    key = (track.id, track.version, json.dumps(track.rules or {}, sort_keys=True),
           _cue_stamp(session, track.id), _cue_stamp(session, track.source_track_id),
           master.sha256 if master else None,
           str(session.scalar(select(func.max(GlossaryTerm.updated_at)))),
           session.scalar(select(func.count(GlossaryTerm.id))))
    counts = _VERDICTS.get(key)
    if counts is None:
        counts = severity_counts(run_qc(session, track))
        if len(_VERDICTS) >= _VERDICTS_MAX:
            _VERDICTS.clear()
        _VERDICTS[key] = counts
    return dict(counts)


def severity_counts(findings: Iterable[qc.Finding]) -> dict[str, int]:
    """Errors, warnings and notes of a QC run, for badges and the CLI."""
    return dict(qc.summary(findings)["by_severity"])


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



# ---- import / export -------------------------------------------------------------------

MAX_SUBTITLE_BYTES = 5_000_000  # a 10-hour programme's SRT is about 1 MB


def import_track(session: Session, report_id: int, language: str, data: bytes,
                 filename: str, *, actor: User,
                 fmt: str | None = None) -> tuple[Track, list[Any]]:
    """A translator's or partner's file becomes a new track; all or nothing, with notes."""
    from subtitles import formats

    require_role(actor, "admin", "editor", "translator")
    report = production.get_report(session, report_id, actor=actor)
    language = production.valid_language_tag(language)
    if actor.role == "translator" and language not in (actor.languages or []):
        raise PermissionDenied("You translate {languages}, not {language}",
                               languages=", ".join(actor.languages or []) or "-",
                               language=language)
    if len(data) > MAX_SUBTITLE_BYTES:
        raise ValidationError("A subtitle file over 5 MB is not a subtitle file")
    name = fmt or formats.detect(filename, data)
    result = formats.read(name, data, language=language)
    cues = result.doc.sorted().cues
    original = track_for(session, report.id, report.original_language)
    is_original = language == report.original_language
    track = save_track(
        session, report, language, cues, actor=actor,
        role="original" if is_original else "translation", origin="human",
        rules=strictest_rules(report.channels),
        source=None if is_original or original is None else original,
    )
    return track, list(result.notes)


def export_track(track: Track, fmt: str) -> tuple[bytes, str, str]:
    """The track as a file: (bytes, ASCII file name, MIME type)."""
    from station.text import ascii_slug
    from subtitles import formats

    spec = formats.get(fmt)
    if spec.write is None:
        raise ValidationError("Station reads {name} files but does not write them", name=fmt)
    data = spec.write(to_doc(track))
    stem = ascii_slug(track.report.title, max_length=50).upper()
    return data, f"LAICHAU_{stem}_{track.language}.{spec.extension}", spec.mimetype


# ---- editing ---------------------------------------------------------------------------

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


def queue_voice_grid(session: Session, report_id: int, *, actor: User,
                     language: str | None = None) -> JobRun:
    """For speech no ASR knows (Mông, Thái, Dao...): an empty grid a person types into."""
    require_role(actor, "admin", "editor")
    report = production.get_report(session, report_id, actor=actor)
    language = production.valid_language_tag(language or report.original_language)
    if report.asset("audio") is None:
        raise ValidationError("Ingest the master first: the grid follows its speech")
    if track_for(session, report.id, language) is not None:
        existing = track_for(session, report.id, language)
        raise Conflict("The report already has a {language} track (#{track_id}); open it, or "
                       "delete it first", language=language,
                       track_id=existing.id if existing else 0)
    job = create_job(session, "voice_grid", {"report_id": report.id, "language": language,
                                             "actor_id": actor.id},
                     actor_id=actor.id, subject=("report", report.id),
                     dedupe_key=f"voice_grid:report:{report.id}")
    enqueue_after_commit(session, job)
    return job
