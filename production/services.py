"""Production use cases: channels, reports, workflow moves and queuing ingests.

Every function takes the session and the acting user; none reads Flask, so the web, the
CLI, jobs and tests call the same code. Functions flush, the caller commits once.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from production import workflow
from production.models import (
    DEFAULT_SUBTITLE_RULES,
    REPORT_KINDS,
    Channel,
    MediaAsset,
    Report,
    ReportEvent,
)
from station.accounts import User, require_role
from station.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    WorkflowError,
)
from station.jobs import JobRun, create_job, enqueue_after_commit
from station.text import file_name, fold, nfc

log = logging.getLogger(__name__)
_LANG_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{4})?(-([A-Z]{2}|[0-9]{3}))?$")

# The channels every Station knows from the start (docs/standards.md "Channels and languages").
SEED_CHANNELS: tuple[dict[str, Any], ...] = (
    {"code": "LCTV", "name": "Truyền hình Lai Châu", "kind": "tv", "owner": "station",
     "required_languages": ["vi"], "day_start_hour": 5},
    {"code": "LCR", "name": "Phát thanh Lai Châu", "kind": "radio", "owner": "station",
     "required_languages": ["vi"], "day_start_hour": 5},
    {"code": "VTV4", "name": "VTV4 – Truyền hình Việt Nam (kênh đối ngoại)", "kind": "tv",
     "owner": "partner", "required_languages": ["vi", "en", "zh"], "day_start_hour": 0},
    {"code": "VOV5", "name": "VOV5 – VOVWorld (phát thanh đối ngoại)", "kind": "radio",
     "owner": "partner", "required_languages": ["vi", "en", "zh", "lo"], "day_start_hour": 0},
)


def valid_language_tag(tag: str) -> str:
    """A BCP-47 tag of the shapes Station uses (vi, en, zh-Hans, blt-Tavt, hnj...)."""
    tag = nfc(tag)
    if not _LANG_TAG.match(tag):
        raise ValidationError("Not a language tag (BCP-47, e.g. vi, en, blt-Tavt): {tag}", tag=tag)
    return tag


# ---- channels --------------------------------------------------------------------------

def ensure_channels(session: Session) -> list[Channel]:
    """Create the seed channels that are missing; never touch edited ones."""
    existing = {c.code for c in session.scalars(select(Channel))}
    for spec in SEED_CHANNELS:
        if spec["code"] not in existing:
            session.add(Channel(**spec, subtitle_rules=dict(DEFAULT_SUBTITLE_RULES)))
    session.flush()
    return list_channels(session)


def list_channels(session: Session) -> list[Channel]:
    return list(session.scalars(select(Channel).order_by(Channel.owner.desc(), Channel.code)))


def get_channel(session: Session, code: str) -> Channel:
    channel = session.scalar(select(Channel).where(Channel.code == nfc(code).upper()))
    if channel is None:
        raise NotFound("No channel {code}", code=code)
    return channel


# ---- reports ---------------------------------------------------------------------------

@dataclass
class ReportInput:
    """What a person types for a report; the service normalises and checks it."""

    title: str
    kind: str = "tv_report"
    channel_codes: Sequence[str] = ()
    title_en: str | None = None
    original_language: str = "vi"
    reporter: str | None = None
    editor_id: int | None = None
    due_date: dt.date | None = None
    planned_duration_s: int | None = None
    notes: str = ""
    tags: Sequence[str] = ()


def _apply(session: Session, report: Report, data: ReportInput) -> None:
    title = nfc(data.title)
    if not title:
        raise ValidationError("A report needs a title")
    if len(title) > 300:
        raise ValidationError("The title is longer than 300 characters")
    if data.kind not in REPORT_KINDS:
        raise ValidationError("Unknown report kind {kind}", kind=data.kind)
    codes = sorted({nfc(c).upper() for c in data.channel_codes if nfc(c)})
    if not codes:
        raise ValidationError("Choose at least one target channel")
    channels = [get_channel(session, c) for c in codes]
    if data.planned_duration_s is not None and data.planned_duration_s <= 0:
        raise ValidationError("The planned duration must be positive")
    if data.editor_id is not None:
        editor = session.get(User, data.editor_id)
        if editor is None or editor.role not in ("admin", "editor"):
            raise ValidationError("The report's editor must be an editor account")
    report.title = title
    report.title_en = nfc(data.title_en) or None
    report.kind = data.kind
    report.channels = channels
    report.original_language = valid_language_tag(data.original_language or "vi")
    report.reporter = nfc(data.reporter) or None
    report.editor_id = data.editor_id
    report.due_date = data.due_date
    report.planned_duration_s = data.planned_duration_s
    report.notes = nfc(data.notes)
    report.tags = sorted({nfc(t) for t in data.tags if nfc(t)})
    report.search_text = fold(
        " ".join([title, report.title_en or "", report.reporter or "", " ".join(report.tags)])
    )


def create_report(session: Session, data: ReportInput, *, actor: User) -> Report:
    """A new report in status planned, with its first history line."""
    require_role(actor, "admin", "editor")
    report = Report(status="planned", updated_by_id=actor.id)
    _apply(session, report, data)
    session.add(report)
    session.flush()
    session.add(ReportEvent(report=report, actor_id=actor.id, kind="created",
                            to_status="planned"))
    session.flush()
    return report


def update_report(
    session: Session, report_id: int, data: ReportInput, *, actor: User, version: int
) -> Report:
    """Edit a report's metadata; a stale ``version`` is refused, never overwritten."""
    require_role(actor, "admin", "editor")
    report = get_report(session, report_id, actor=actor)
    check_version(report, version)
    _apply(session, report, data)
    report.updated_by_id = actor.id
    session.add(ReportEvent(report=report, actor_id=actor.id, kind="edited"))
    session.flush()
    return report


def check_version(report: Report, version: int) -> None:
    """Optimistic lock: the version the user saw must still be the current one."""
    if version != report.version:
        who = report.updated_by.display_name if report.updated_by else "?"
        raise Conflict(
            "{who} changed this report at {when} after you opened it; reload to see their "
            "changes, then apply yours again",
            who=who,
            when=report.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
        )


def get_report(session: Session, report_id: int, *, actor: User) -> Report:
    """A report the actor may see (partners never see the production desk)."""
    if not actor.is_staff:
        raise PermissionDenied("Your role may not do this")
    report = session.get(
        Report, report_id, options=[selectinload(Report.assets), selectinload(Report.events)]
    )
    if report is None:
        raise NotFound("No report #{report_id}", report_id=report_id)
    return report


class GateRefused(WorkflowError):
    """A move whose gates refuse it, with every reason, each in the reader's language."""

    def __init__(self, target: str, reasons: list[workflow.Reason]) -> None:
        self.reasons = reasons
        self.target = target
        super().__init__("The report cannot move to {target} yet: {reasons}", target=target,
                         reasons=reasons)


def load_gates() -> dict[str, workflow.GateEntry]:
    """Import every domain's gates (``station.gates`` entry points; importing registers)."""
    if not _GATES_LOADED:
        from station import plugins

        plugins.load("station.gates")
        _GATES_LOADED.append(True)
    return workflow.GATES


_GATES_LOADED: list[bool] = []


def gate_reasons(session: Session, report: Report, move: workflow.Transition,
                 actor: User) -> list[workflow.Reason]:
    """What the facts still miss for ``move``, every gate at once (empty: it may be made)."""
    load_gates()
    return workflow.evaluate(workflow.gates_for(move), session, report, move, actor)


def open_gates(session: Session, report: Report, *,
               actor: User) -> dict[str, list[workflow.Reason]]:
    """Per forward move the actor may make now, what is missing (for the report page)."""
    return {m.target: gate_reasons(session, report, m, actor)
            for m in workflow.moves_from(report.status, actor.role) if not m.back_step}


def move_report(
    session: Session,
    report_id: int,
    target: str,
    *,
    actor: User,
    comment: str = "",
    version: int | None = None,
    override: str = "",
) -> Report:
    """Change a report's status along an allowed transition once its gates pass, and record it.

    ``override`` is an admin's written reason to pass refusing gates (kept, marked, in the
    history). An admin may also step a report back from any status with a comment.
    """
    report = get_report(session, report_id, actor=actor)
    if version is not None:
        check_version(report, version)
    move = workflow.transition(report.status, target)
    if move is None and actor.role == "admin":
        move = workflow.admin_back_step(report.status, target)
    if move is None:
        allowed = ", ".join(t.target for t in workflow.moves_from(report.status)) or "none"
        raise WorkflowError(
            "A report cannot go from {source} to {target} (allowed: {allowed})",
            source=report.status, target=target, allowed=allowed,
        )
    if actor.role not in move.roles:
        raise PermissionDenied("Your role may not move a report to {target}", target=target)
    comment = nfc(comment)
    while comment.startswith(workflow.OVERRIDE_MARK):  # only an override carries the mark
        comment = comment[len(workflow.OVERRIDE_MARK):].strip()
    override = nfc(override)
    if move.needs_comment and not comment:
        raise ValidationError("Say why the report goes back to {target}", target=target)
    reasons = gate_reasons(session, report, move, actor)
    if reasons:
        if not override:
            raise GateRefused(target, reasons)
        if actor.role != "admin":
            raise PermissionDenied("Only an admin may override the workflow's checks")
        gates = sorted({r.gate for r in reasons})
        comment = workflow.override_comment(override, gates, comment)
    source = report.status
    report.status = target
    report.updated_by_id = actor.id
    session.add(ReportEvent(report=report, actor_id=actor.id, kind="status",
                            from_status=source, to_status=target, comment=comment))
    session.flush()
    return report


@dataclass
class ReportFilter:
    """The report list's filters; all optional."""

    query: str = ""
    channel: str | None = None
    status: str | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    limit: int = 200


def search_statement(flt: ReportFilter) -> Select[tuple[Report]]:
    """SQL for the report list: every word must match, with or without diacritics."""
    stmt = select(Report)
    for word in fold(flt.query).split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Report.search_text.like(f"%{escaped}%", escape="\\"))
    if flt.channel:
        stmt = stmt.where(Report.channels.any(Channel.code == flt.channel.upper()))
    if flt.status:
        stmt = stmt.where(Report.status == flt.status)
    if flt.due_from:
        stmt = stmt.where(Report.due_date >= flt.due_from)
    if flt.due_to:
        stmt = stmt.where(Report.due_date <= flt.due_to)
    return stmt.order_by(Report.due_date.is_(None), Report.due_date, Report.id.desc()).limit(
        flt.limit
    )


def reports_by_id(session: Session, ids: Iterable[int]) -> list[Report]:
    """The reports of ``ids`` that exist, by id (a bulk action's confirmation lists them)."""
    return list(session.scalars(select(Report).where(Report.id.in_(list(ids)))
                                .order_by(Report.id)))


def list_reports(session: Session, flt: ReportFilter, *, actor: User) -> list[Report]:
    if not actor.is_staff:
        raise PermissionDenied("Your role may not do this")
    return list(session.scalars(search_statement(flt)))


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Report.status, func.count()).group_by(Report.status))
    return {status: count for status, count in rows}


def report_jobs(session: Session, report_id: int, limit: int = 10) -> list[JobRun]:
    return list(
        session.scalars(
            select(JobRun)
            .where(and_(JobRun.subject_type == "report", JobRun.subject_id == report_id))
            .order_by(JobRun.id.desc())
            .limit(limit)
        )
    )


# ---- ingest ----------------------------------------------------------------------------

def queue_ingest(
    session: Session,
    report_id: int,
    upload: str,
    *,
    actor: User,
    original_name: str,
) -> JobRun:
    """Register an uploaded file for ingest; the job is sent when the caller commits."""
    require_role(actor, "admin", "editor")
    report = get_report(session, report_id, actor=actor)
    job = create_job(
        session,
        "ingest",
        {"report_id": report.id, "upload": upload,
         "original_name": file_name(original_name, fallback="master"), "actor_id": actor.id},
        actor_id=actor.id,
        subject=("report", report.id),
        dedupe_key=f"ingest:report:{report.id}",
    )
    enqueue_after_commit(session, job)
    return job


def replace_assets(
    session: Session,
    report_id: int,
    rows: list[dict[str, Any]],
    *,
    actor_id: int | None,
    comment: str,
) -> tuple[list[MediaAsset], set[str]]:
    """Swap a report's assets for new ones in one transaction; return keys no longer used."""
    report = session.get(Report, report_id, options=[selectinload(Report.assets)])
    if report is None:
        raise NotFound("No report #{report_id}", report_id=report_id)
    old_keys = {a.storage_key for a in report.assets}
    report.assets.clear()
    session.flush()
    new = [MediaAsset(report_id=report_id, created_by_id=actor_id, **row) for row in rows]
    session.add_all(new)
    session.add(ReportEvent(report_id=report_id, actor_id=actor_id, kind="media",
                            comment=comment))
    session.flush()
    still_used = set(
        session.scalars(select(MediaAsset.storage_key).where(MediaAsset.storage_key.in_(old_keys)))
    ) if old_keys else set()
    return new, old_keys - still_used


def save_shot_changes(session: Session, report_id: int, shots_ms: Sequence[int], *,
                      master_sha256: str) -> MediaAsset:
    """Keep shot changes found after ingest on the master they were found in (a master
    replaced meanwhile is a conflict, not a silent mix-up); like replace_assets, the caller
    (the ingest job, or the CLI after its role check) decides who may."""
    report = session.get(Report, report_id, options=[selectinload(Report.assets)])
    if report is None:
        raise NotFound("No report #{report_id}", report_id=report_id)
    master = report.asset("master")
    if master is None or master.sha256 != master_sha256:
        raise Conflict("The report's master changed meanwhile; look for its shot changes again")
    master.shot_changes_ms = sorted({int(ms) for ms in shots_ms})
    session.flush()
    return master


def master_twin(session: Session, sha256: str, report_id: int) -> Report | None:
    """Another report whose ingested master is this very file (its derivations can be reused)."""
    return session.scalar(
        select(Report)
        .join(MediaAsset, MediaAsset.report_id == Report.id)
        .where(MediaAsset.sha256 == sha256, MediaAsset.role == "master",
               Report.id != report_id)
        .options(selectinload(Report.assets))
        .limit(1)
    )
