"""Production's workflow gates: the facts production holds (media, loudness, who made it).

Imported through the ``station.gates`` entry point; each function returns every reason its
facts give, so one refusal lists all that is missing (docs/workflow.md).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from production.models import Report
from production.workflow import Reason, Transition, register_gate
from station.accounts import User


def authors(report: Report) -> set[int]:
    """Whose work the report is: whoever created it and its assigned editor."""
    found = {e.actor_id for e in report.events if e.kind == "created" and e.actor_id is not None}
    if report.editor_id is not None:
        found.add(report.editor_id)
    return found


@register_gate("production.media", "review", "approved")
def media_present(session: Session, report: Report, move: Transition,
                  actor: User) -> list[Reason]:
    """Review and approval look at the master: it must be uploaded and ingested."""
    master = report.asset("master")
    if master is None:
        return [Reason("production.media",
                       "Upload and ingest the master before sending the report to {target}",
                       {"target": move.target})]
    return []


@register_gate("production.loudness", "approved")
def loudness_within_tolerance(session: Session, report: Report, move: Transition,
                              actor: User) -> list[Reason]:
    """Each target channel's loudness target (EBU R 128) must be met by the master."""
    master = report.asset("master")
    if master is None:
        return []  # production.media says so
    if master.loudness_lufs is None or master.true_peak_dbtp is None:
        return [Reason("production.loudness", "The master's loudness has not been measured")]
    reasons = []
    for channel in report.channels:
        if channel.loudness_verdict(master.loudness_lufs, master.true_peak_dbtp) == "fail":
            reasons.append(Reason(
                "production.loudness",
                "Loudness fails {channel}: {lufs} LUFS, true peak {peak} dBTP (target "
                "{target} ± {tolerance} LU, peak at most {max_peak} dBTP)",
                {"channel": channel.code, "lufs": f"{master.loudness_lufs:.1f}",
                 "peak": f"{master.true_peak_dbtp:.1f}",
                 "target": f"{channel.loudness_target_lufs:g}",
                 "tolerance": f"{channel.loudness_tolerance_lu:g}",
                 "max_peak": f"{channel.true_peak_max_dbtp:g}"}))
    return reasons


@register_gate("production.approver", "approved")
def approver_is_not_author(session: Session, report: Report, move: Transition,
                           actor: User) -> list[Reason]:
    """Nothing airs unapproved by someone responsible other than whoever made it."""
    if actor.id in authors(report):
        return [Reason("production.approver",
                       "Someone other than the report's author or editor must approve it")]
    return []
