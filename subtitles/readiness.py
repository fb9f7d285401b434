"""Is a report's subtitle track ready to go out? One answer for every place that asks.

The workflow gate (a report is approved only with its channels' tracks ready), the schedule's
readiness rules (a slot on VTV4 needs its Japanese subtitles), the partner packages (a
package carries only ready tracks) and the pages that show those verdicts all ask the same
three questions of a track, in this module and nowhere else (docs/workflow.md "Gates"):

1. Does it exist, with at least one cue?  (``missing`` otherwise)
2. Does it pass QC, with no error left?   (``qc_failed``)
3. Has a reviewer approved it?            (``not_approved``)

Each caller words the verdict for its reader (a gate's reason, a schedule finding naming the
channel, a package's refusal), but never computes it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.messages import Message
from subtitles import services
from subtitles.models import CueRow, Track

MISSING = "missing"
QC_FAILED = "qc_failed"
NOT_APPROVED = "not_approved"
OK = "ok"
STATES = (OK, MISSING, QC_FAILED, NOT_APPROVED)


@dataclass(frozen=True)
class TrackReadiness:
    """The facts about one language of one report, and the verdicts drawn from them."""

    language: str
    track: Track | None
    has_cues: bool
    qc_errors: int

    @property
    def missing(self) -> bool:
        return self.track is None or not self.has_cues

    @property
    def approved(self) -> bool:
        return self.track is not None and self.track.status == "approved"

    @property
    def ok(self) -> bool:
        return not self.missing and self.approved and not self.qc_errors

    @property
    def state(self) -> str:
        """One word for a badge: a missing track, then QC errors, then approval."""
        if self.missing:
            return MISSING
        if self.qc_errors:
            return QC_FAILED
        return OK if self.approved else NOT_APPROVED

    def problems(self) -> list[Message]:
        """Every reason the track is not ready, each separately, so all are fixed at once."""
        if self.missing:
            return [Message("No {language} subtitles yet", language=self.language)]
        found = []
        if not self.approved:
            assert self.track is not None
            found.append(Message("The {language} subtitles are not approved (status {status})",
                                 language=self.language, status=self.track.status))
        if self.qc_errors:
            found.append(Message("The {language} subtitles have {count} QC error(s)",
                                 language=self.language, count=self.qc_errors))
        return found


def track_readiness(session: Session, report_id: int,
                    languages: Iterable[str]) -> dict[str, TrackReadiness]:
    """The readiness of each of ``languages`` for the report, in the order given."""
    found: dict[str, TrackReadiness] = {}
    for language in dict.fromkeys(languages):
        track = services.track_for(session, report_id, language)
        has_cues = track is not None and session.scalar(
            select(CueRow.id).where(CueRow.track_id == track.id).limit(1)) is not None
        errors = services.qc_counts(session, track).get("error", 0) if has_cues else 0
        found[language] = TrackReadiness(language, track, has_cues, errors)
    return found
