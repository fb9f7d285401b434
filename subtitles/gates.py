"""Subtitles' workflow gate: a report is approved only with its channels' tracks approved.

Imported through the ``station.gates`` entry point (production cannot import subtitles).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from production.models import Report
from production.workflow import Reason, Transition, register_gate
from station.accounts import User
from subtitles.readiness import track_readiness


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
    return [Reason("subtitles.tracks", problem.template, problem.params)
            for ready in track_readiness(session, report.id, channel_languages(report)).values()
            for problem in ready.problems()]
