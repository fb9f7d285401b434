"""Bulk actions on the report list: move, assign, tag and delete many reports at once.

Each action runs per report in its own savepoint: one refusal rolls back only that report's
changes, the others stand, and the caller commits once (docs/workflow.md "Bulk actions").
A bulk move is ``services.move_report`` per report, gates and all: the list never goes
around them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from production import workflow
from production.models import Report, ReportEvent
from production.services import get_report, move_report
from production.workflow import Reason
from station import audit
from station.accounts import User, require_role
from station.errors import StationError, ValidationError, WorkflowError
from station.jobs import JobRun
from station.text import fold, nfc

log = logging.getLogger(__name__)

BULK_TAG_MAX = 60  # a tag is a label on the list, not a note


class Explained(Protocol):
    """Anything that can say itself in the reader's language (a Reason, a StationError)."""

    def message(self, lang: str = "en") -> str: ...


@dataclass
class BulkOutcome:
    """What one report of a bulk action came to: done, or refused with every reason."""

    report_id: int
    title: str
    done: bool
    reasons: list[Explained] = field(default_factory=list)

    def messages(self, lang: str = "en") -> list[str]:
        """The reasons in ``lang``, for the summary page."""
        return [r.message(lang) for r in self.reasons]


def _explain(exc: StationError) -> list[Explained]:
    """A refusal's reasons one by one: a gate refusal lists each gate's reason on its own."""
    reasons: list[Reason] | None = getattr(exc, "reasons", None)
    return list(reasons) if reasons else [exc]


def _each(session: Session, report_ids: Sequence[int], actor: User,
          act: Callable[[Report], None]) -> list[BulkOutcome]:
    """Apply ``act`` to each report in its own savepoint; collect per-report outcomes."""
    outcomes = []
    for report_id in dict.fromkeys(report_ids):  # once each, in the order given
        title = ""
        try:
            with session.begin_nested():
                report = get_report(session, report_id, actor=actor)
                title = report.title
                act(report)
                session.flush()
        except StationError as exc:
            outcomes.append(BulkOutcome(report_id, title, False, _explain(exc)))
            continue
        outcomes.append(BulkOutcome(report_id, title, True))
    return outcomes


def bulk_move_targets(role: str) -> list[str]:
    """Statuses the list may move reports to: those a person moves to by hand without a
    confirm page (scheduled and aired come from facts; archiving asks on the report page)."""
    return [s for s in workflow.STATUSES
            if any(t.target == s and role in t.roles and not t.automatic
                   and not workflow.needs_confirmation(t, role)
                   for t in workflow.TRANSITIONS)]


def bulk_move(session: Session, report_ids: Sequence[int], target: str, *, actor: User,
              comment: str = "") -> list[BulkOutcome]:
    """Move each report with ``move_report`` (its gates, roles and comment rule), one by one."""
    require_role(actor, "admin", "editor")
    if target not in bulk_move_targets(actor.role):
        raise WorkflowError("Reports cannot be moved to {target} from the list", target=target)
    return _each(session, report_ids, actor, lambda report: _move_one(
        session, report, target, actor, comment))


def _move_one(session: Session, report: Report, target: str, actor: User,
              comment: str) -> None:
    """One report of a bulk move: no admin override (it needs a reason per report)."""
    if report.status == target:
        raise Refused([Reason("bulk.status", "The report is already {status}",
                              {"status": target})])
    move_report(session, report.id, target, actor=actor, comment=comment)


def bulk_assign(session: Session, report_ids: Sequence[int], editor_id: int | None, *,
                actor: User) -> list[BulkOutcome]:
    """Give each report ``editor_id`` as its editor (None: nobody), with a history line."""
    require_role(actor, "admin", "editor")
    editor = session.get(User, editor_id) if editor_id is not None else None
    if editor_id is not None and (editor is None or editor.role not in ("admin", "editor")
                                  or not editor.active):
        raise ValidationError("The report's editor must be an editor account")
    name = editor.display_name if editor is not None else "–"

    def assign(report: Report) -> None:
        if report.editor_id == editor_id:
            raise Refused([Reason("bulk.editor", "The report already has this editor")])
        report.editor_id = editor_id
        report.updated_by_id = actor.id
        session.add(ReportEvent(report=report, actor_id=actor.id, kind="edited",
                                comment=f"editor: {name}"))

    return _each(session, report_ids, actor, assign)


def bulk_tag(session: Session, report_ids: Sequence[int], tag: str, *,
             actor: User) -> list[BulkOutcome]:
    """Add ``tag`` to each report (kept sorted and searchable like the edit form's tags)."""
    require_role(actor, "admin", "editor")
    tag = nfc(tag).strip()
    if not tag or "," in tag:
        raise ValidationError("Give one tag, without commas")
    if len(tag) > BULK_TAG_MAX:
        raise ValidationError("A tag is at most {limit} characters", limit=BULK_TAG_MAX)

    def add(report: Report) -> None:
        if tag in report.tags:
            raise Refused([Reason("bulk.tag", "The report already has the tag {tag}",
                                  {"tag": tag})])
        report.tags = sorted({*report.tags, tag})
        report.search_text = fold(" ".join([report.title, report.title_en or "",
                                            report.reporter or "", " ".join(report.tags)]))
        report.updated_by_id = actor.id
        session.add(ReportEvent(report=report, actor_id=actor.id, kind="edited",
                                comment=f"tag: {tag}"))

    return _each(session, report_ids, actor, add)


# Tables of production's own that go with a deleted report; any other table pointing at a
# report (subtitle tracks, schedule slots, packages...) is work a deletion would lose.
_OWN_TABLES = frozenset({"report_event", "report_channel"})


def _attached(table: str, count: int) -> Reason:
    """The reason a row of ``table`` pointing at a report gives against deleting it."""
    params = {"count": count, "table": table}
    known = {
        "media_asset": Reason("delete.attached", "It has media ({count} files)", params),
        "track": Reason("delete.attached", "It has subtitle tracks ({count})", params),
        "slot": Reason("delete.attached", "It is in a schedule ({count} slots)", params),
        "package": Reason("delete.attached", "It has delivery packages ({count})", params),
    }
    return known.get(table) or Reason("delete.attached",
                                      "Other records refer to it ({table}: {count})", params)


def deletion_reasons(session: Session, report: Report, actor: User) -> list[Reason]:
    """Why ``report`` may not be deleted: only an untouched draft goes, by its people.

    A draft is a report still at the first status with nothing attached: no media, no
    subtitle tracks, no schedule slot, no package, no job at work on it. The other domains'
    tables are found through the models' metadata, so production imports none of them.
    """
    from production.gates import authors
    from station.models import metadata  # every domain's tables (station.models plugins)

    reasons = []
    if actor.role != "admin" and actor.id not in authors(report):
        reasons.append(Reason("delete.role",
                              "Only an admin, the report's creator or its editor may delete it"))
    if report.status != workflow.STATUSES[0]:
        reasons.append(Reason("delete.status", "Only a report still {status} may be deleted",
                              {"status": workflow.STATUSES[0]}))
    for table in metadata.sorted_tables:
        if table.name in _OWN_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name != "report" or fk.column.name != "id":
                continue
            count = session.scalar(select(func.count()).select_from(table)
                                   .where(fk.parent == report.id)) or 0
            if count:
                reasons.append(_attached(table.name, count))
    busy = session.scalar(select(func.count()).select_from(JobRun).where(
        JobRun.subject_type == "report", JobRun.subject_id == report.id,
        JobRun.status.in_(("queued", "running")))) or 0
    if busy:
        reasons.append(Reason("delete.jobs", "A job is still at work on it"))
    return reasons


class Refused(WorkflowError):
    """An action on one report the facts refuse, with every reason (like GateRefused)."""

    def __init__(self, reasons: list[Reason]) -> None:
        self.reasons = reasons
        super().__init__("Refused: {reasons}", reasons=reasons)


def delete_draft(session: Session, report_id: int, *, actor: User) -> None:
    """Delete an untouched draft with its history; anything else is refused, whole."""
    require_role(actor, "admin", "editor")
    report = get_report(session, report_id, actor=actor)
    reasons = deletion_reasons(session, report, actor)
    if reasons:
        raise Refused(reasons)
    log.info("report %d deleted by %s", report.id, actor.username)
    audit.record(session, "report_deleted", user_id=actor.id, report_id=report.id,
                 title=report.title)
    session.delete(report)
    session.flush()


def bulk_delete(session: Session, report_ids: Sequence[int], *,
                actor: User) -> list[BulkOutcome]:
    """Delete each report that is an untouched draft; refuse the others with their reasons."""
    require_role(actor, "admin", "editor")
    return _each(session, report_ids, actor,
                 lambda report: delete_draft(session, report.id, actor=actor))
