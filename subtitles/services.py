"""Subtitle use cases: tracks, cues, transcription jobs, import/export, QC.

Like every service, these take the session and the acting user and never read Flask.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from production import services as production
from production.models import Channel, Report
from station.accounts import User, require_role
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
