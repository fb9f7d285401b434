"""Subtitles' workflow gate: a report is approved only with its channels' tracks approved.

Imported through the ``station.gates`` entry point (production cannot import subtitles).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from production.models import Report
from production.workflow import Reason, Transition, register_gate
from station.accounts import User
from subtitles import services
from subtitles.models import CueRow


def channel_languages(report: Report) -> list[str]:
    """The languages the report's target channels require, in channel order, once each."""
    seen: list[str] = []
    for channel in report.channels:
        seen += [lang for lang in channel.required_languages or [] if lang not in seen]
    return seen


@register_gate("subtitles.tracks", "approved")
def required_tracks_approved(session: Session, report: Report, move: Transition,
                             actor: User) -> list[Reason]:
    """Every required language has a track with cues, approved, and with no QC error."""
    reasons = []
    for lang in channel_languages(report):
        track = services.track_for(session, report.id, lang)
        if track is None or session.scalar(
                select(CueRow.id).where(CueRow.track_id == track.id).limit(1)) is None:
            reasons.append(Reason("subtitles.tracks", "No {language} subtitles yet",
                                  {"language": lang}))
            continue
        if track.status != "approved":
            reasons.append(Reason("subtitles.tracks",
                                  "The {language} subtitles are not approved (status {status})",
                                  {"language": lang, "status": track.status}))
        errors = services.qc_counts(session, track).get("error", 0)
        if errors:
            reasons.append(Reason("subtitles.tracks",
                                  "The {language} subtitles have {count} QC error(s)",
                                  {"language": lang, "count": errors}))
    return reasons
