"""Translation memory and the glossary: reuse approved work, keep terms consistent.

Memory pairs come from approved translation tracks: each target cue with the source cues its
time overlaps. A new source line is matched exactly (ignoring case and diacritics) or closely
(similarity of the folded text); the glossary gives each Vietnamese term its approved form
per language and is edited by reviewers.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from station.accounts import User
from station.errors import NotFound, PermissionDenied, ValidationError
from station.text import fold, nfc
from subtitles.models import CueRow, GlossaryTerm, Track
from subtitles.terms import comparable, contains_term

CLOSE_ENOUGH = 0.75  # below this, a suggestion costs the translator more than it saves


@dataclass(frozen=True)
class Suggestion:
    source: str
    target: str
    score: float  # 1.0 = the same words
    report_id: int


def _pairs(session: Session, language: str, exclude_report: int,
           limit_tracks: int = 200) -> list[tuple[str, str, int]]:
    """(source text, target text, report) from the newest approved tracks in ``language``."""
    src = aliased(Track)
    tracks = session.execute(
        select(Track.id, Track.source_track_id, Track.report_id)
        .join(src, src.id == Track.source_track_id)
        .where(Track.language == language, Track.status == "approved",
               Track.report_id != exclude_report)
        .order_by(Track.approved_at.desc()).limit(limit_tracks)
    ).all()
    pairs: list[tuple[str, str, int]] = []
    for track_id, source_id, report_id in tracks:
        targets = session.execute(
            select(CueRow.start_ms, CueRow.end_ms, CueRow.text)
            .where(CueRow.track_id == track_id).order_by(CueRow.start_ms)).all()
        sources = session.execute(
            select(CueRow.start_ms, CueRow.end_ms, CueRow.text)
            .where(CueRow.track_id == source_id).order_by(CueRow.start_ms)).all()
        for t_start, t_end, t_text in targets:
            joined = " ".join(s[2] for s in sources if s[0] < t_end and t_start < s[1])
            if joined and t_text:
                pairs.append((joined.replace("\n", " "), t_text, report_id))
    return pairs


def suggestions(session: Session, track: Track, source_text: str,
                limit: int = 3) -> list[Suggestion]:
    """Earlier approved translations of this (or a close) source line, best first."""
    wanted = fold(source_text.replace("\n", " "))
    if not wanted:
        return []
    found: dict[str, Suggestion] = {}
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(wanted)
    for source, target, report_id in _pairs(session, track.language, track.report_id):
        folded = fold(source)
        if folded == wanted:
            score = 1.0
        else:
            matcher.set_seq1(folded)
            if matcher.real_quick_ratio() < CLOSE_ENOUGH or matcher.quick_ratio() < CLOSE_ENOUGH:
                continue
            score = matcher.ratio()
            if score < CLOSE_ENOUGH:
                continue
        best = found.get(target)
        if best is None or score > best.score:
            found[target] = Suggestion(source, target, round(score, 3), report_id)
    return sorted(found.values(), key=lambda s: -s.score)[:limit]


# ---- glossary --------------------------------------------------------------------------

def _reviewer(actor: User) -> None:
    if not (actor.role in ("admin", "editor") or (actor.role == "translator"
                                                   and actor.can_review)):
        raise PermissionDenied("Only reviewers edit the glossary")


def save_term(session: Session, *, actor: User, term: str, translations: dict[str, str],
              notes: str = "", variants: list[str] | None = None,
              term_id: int | None = None) -> GlossaryTerm:
    """Add or change a glossary term (reviewers only)."""
    _reviewer(actor)
    term = nfc(term)
    if not term:
        raise ValidationError("A glossary term needs its Vietnamese form")
    if term_id is not None:
        row = session.get(GlossaryTerm, term_id)
        if row is None:
            raise NotFound("No glossary term #{term_id}", term_id=term_id)
    else:
        row = session.scalar(select(GlossaryTerm).where(GlossaryTerm.term == term))
        if row is None:
            row = GlossaryTerm(term=term)
            session.add(row)
    row.term = term
    row.translations = {nfc(k): nfc(v) for k, v in translations.items() if nfc(v)}
    row.notes = nfc(notes)
    if variants is not None:
        row.variants = [nfc(v) for v in variants if nfc(v)]
    session.flush()
    return row


def delete_term(session: Session, term_id: int, *, actor: User) -> None:
    _reviewer(actor)
    row = session.get(GlossaryTerm, term_id)
    if row is None:
        raise NotFound("No glossary term #{term_id}", term_id=term_id)
    session.delete(row)
    session.flush()


def terms_in(session: Session, text: str, language: str) -> list[dict[str, str]]:
    """Glossary entries whose Vietnamese term occurs in ``text``, with the approved form."""
    # Without diacritics, since a source line may be typed or heard without them; whole
    # terms per script (subtitles.terms), as the QC check matches them.
    prepared = comparable(text, fold_diacritics=True)
    out = []
    for row in session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.term)):
        if contains_term(prepared, row.term):
            out.append({"term": row.term, "translation": row.translations.get(language, ""),
                        "notes": row.notes})
    return out
