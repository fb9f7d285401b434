"""Notifications: the in-app bell and its page, and optional e-mail through SMTP.

Every domain tells people what happened to their work (a track sent back, a package ready, a
job failed, a slot about to air unready) by calling ``notify`` inside its own transaction, so
a rolled-back action notifies nobody. A notification keeps a message *kind* and its
parameters, never rendered text: the page renders it in the reader's language when shown
(``render``), the same way errors are stored as templates.

E-mail is opt-in per account (an address and ``email_notifications``) and only when
``smtp_host`` is set. ``notify`` marks the rows ``pending`` and queues one ``notify_email``
job after the commit; the worker claims each row (pending -> sending) in its own committed
UPDATE before talking to the SMTP server and marks it ``sent`` after, so a job that runs
twice (retried, re-sent by the sweep, two deliveries) never sends a message twice. A crash
between the claim and the send loses that one e-mail rather than repeating it; the bell
still has it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import smtplib
import string
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from station.accounts import User
from station.db import Base, UTCDateTime, utcnow
from station.errors import JobError, ValidationError
from station.i18n import language_name, translate
from station.jobs import JobContext, JobRun, create_job, enqueue_after_commit, handler
from station.text import nfc

if TYPE_CHECKING:
    from station.config import Settings
    from station.runtime import Runtime

log = logging.getLogger(__name__)

EMAIL_STATES = ("pending", "sending", "sent", "skipped", "failed")
PAGE_SIZE = 50
EMAIL_JOB = "notify_email"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

# kind -> English template (Vietnamese below). Parameters are plain values, a language
# code, a "*_at" ISO time (shown in the station's zone), or {"template", "params"} (a
# stored error or readiness message, translated when shown).
MESSAGES: dict[str, str] = {
    "review_requested": "{who} asks for a review of the {language} subtitles of “{report}”",
    "sent_back": "{who} sent the {language} subtitles of “{report}” back: {reason}",
    "approved": "{who} approved the {language} subtitles of “{report}”",
    "reopened": "{who} reopened the approved {language} subtitles of “{report}”",
    "package_ready": "The {partner} package {package} of “{report}” is ready",
    "package_failed": "The {partner} package of “{report}” failed: {error}",
    "job_failed": "Job #{job_id} ({job_kind}) failed: {error}",
    "slot_not_ready": "“{report}” airs on {channel} at {start_at} but is not ready: {reason}",
    "assigned": "{who} assigned you to “{topic}” as {role}: {place}, shooting {shoot_date}",
}
SUBJECTS: dict[str, str] = {
    "review_requested": "Review requested",
    "sent_back": "Subtitles sent back",
    "approved": "Subtitles approved",
    "reopened": "Subtitles reopened",
    "package_ready": "Package ready",
    "package_failed": "Package failed",
    "job_failed": "Job failed",
    "slot_not_ready": "Airs soon, not ready",
    "assigned": "New assignment",
}
# Parameters whose value is a code with a catalog entry (a job's kind: "ingest").
_TRANSLATED_PARAMS = frozenset({"job_kind", "status"})
# Job kinds whose domain already tells its people when one fails (a failed package build
# is a "package_failed" notification): the generic "job_failed" would say it twice.
QUIET_JOB_KINDS: set[str] = {EMAIL_JOB}


class Notification(Base):
    """One thing one person should know; read when they opened it or marked it read."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(
            "email_state IS NULL OR email_state IN "
            "('pending','sending','sent','skipped','failed')", name="email_state"),
        # A reminder (e.g. a slot airing unready) reaches each person once.
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # None: no e-mail wanted; pending -> sending -> sent (or skipped / failed).
    email_state: Mapped[str | None] = mapped_column(String(8))
    emailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def text(self, lang: str, zone: str = "Asia/Ho_Chi_Minh") -> str:
        """The message in ``lang`` (see ``render``)."""
        return render(self.kind, self.params, lang, zone)

    @property
    def safe_link(self) -> str | None:
        """The link only when it is a path of this site (never another origin)."""
        link = self.link or ""
        if link.startswith("/") and not link.startswith("//") and "\\" not in link:
            return link
        return None


# ---- rendering ---------------------------------------------------------------------------

class _Params(dict[str, Any]):
    """Format parameters where a missing name shows as itself instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _value(name: str, value: Any, lang: str, zone: str) -> Any:
    if isinstance(value, Mapping) and "template" in value:
        inner = {k: _value(k, v, lang, zone) for k, v in (value.get("params") or {}).items()}
        return _format(translate(str(value["template"]), lang), inner)
    if name.endswith("_at") and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M %d/%m/%Y")
    if name in _TRANSLATED_PARAMS and isinstance(value, str):
        return translate(value, lang)
    if name == "language" and isinstance(value, str):  # "fr" is a code: say "French (fr)"
        return language_name(value, lang)
    if isinstance(value, float):  # -23 rather than -23.0; Vietnamese writes -21,3
        return f"{value:g}".replace(".", ",") if lang == "vi" else f"{value:g}"
    return value


def _format(template: str, params: Mapping[str, Any]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Params(params))
    except (IndexError, ValueError, AttributeError):  # a hand-edited row must still show
        return template


def render(kind: str, params: Mapping[str, Any], lang: str,
           zone: str = "Asia/Ho_Chi_Minh") -> str:
    """A notification's text in ``lang``; times in ``zone`` (the station's)."""
    template = translate(MESSAGES.get(kind, kind), lang)
    return _format(template, {k: _value(k, v, lang, zone) for k, v in params.items()})


def subject(kind: str, lang: str) -> str:
    """The short title of a kind (e-mail subject, page heading)."""
    return translate(SUBJECTS.get(kind, kind), lang)


# ---- creating ----------------------------------------------------------------------------

def _ids(recipients: Iterable[User | int | None]) -> list[int]:
    seen: list[int] = []
    for item in recipients:
        user_id = item.id if isinstance(item, User) else item
        if user_id is not None and user_id not in seen:
            seen.append(int(user_id))
    return seen


def notify(session: Session, recipients: Iterable[User | int | None], kind: str,
           params: Mapping[str, Any], link: str | None = None, *,
           actor: User | int | None = None, dedupe_key: str | None = None) -> list[Notification]:
    """Tell each active recipient (but not ``actor``, who did it) about ``kind``.

    Runs in the caller's transaction: nothing is seen or e-mailed unless it commits. With a
    ``dedupe_key`` a person who already has a notification with that key gets no second one
    (periodic reminders). Recipients who want e-mail get it from a job queued after commit.
    """
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}")
    skip = _ids([actor])
    wanted = [i for i in _ids(recipients) if i not in skip]
    if not wanted:
        return []
    users = list(session.scalars(select(User).where(User.id.in_(wanted), User.active)))
    if dedupe_key is not None:
        already = set(session.scalars(select(Notification.user_id).where(
            Notification.dedupe_key == dedupe_key, Notification.user_id.in_(wanted))))
        users = [u for u in users if u.id not in already]
    rows = []
    for user in sorted(users, key=lambda u: u.id):
        row = Notification(
            user_id=user.id, kind=kind, params=dict(params), link=link, dedupe_key=dedupe_key,
            email_state="pending" if user.email and user.email_notifications else None)
        session.add(row)
        rows.append(row)
    session.flush()
    pending = [r.id for r in rows if r.email_state == "pending"]
    if pending:
        job = create_job(session, EMAIL_JOB, {"ids": pending}, subject=("notification",
                                                                         pending[0]))
        enqueue_after_commit(session, job)
    return rows


def error_param(job: JobRun) -> dict[str, Any] | str:
    """A failed job's error as a notification parameter (translated when shown)."""
    failure = (job.result or {}).get("failure")
    if failure and "template" in failure:
        return {"template": failure["template"], "params": failure.get("params") or {}}
    if job.error:
        return {"template": job.error, "params": {}}
    return ""


def job_failed(runtime: Runtime, job_id: int) -> None:
    """Tell whoever started a job that it failed (called by station/jobs.py after the
    failure is stored). Never raises: a notification must not change how a job ends."""
    try:
        with runtime.session() as session:
            job = session.get(JobRun, job_id)
            if job is None or job.status != "failed" or job.created_by_id is None:
                return
            if job.kind in QUIET_JOB_KINDS:
                return
            notify(session, [job.created_by_id], "job_failed",
                   {"job_id": job.id, "job_kind": job.kind, "error": error_param(job)},
                   link="/jobs?status=failed",
                   dedupe_key=f"job-failed:{job.id}:{job.attempts}")
            session.commit()
    except Exception:
        log.exception("could not notify the failure of job %s", job_id)


# ---- reading -----------------------------------------------------------------------------

def unread_count(session: Session, user_id: int) -> int:
    """What the bell shows."""
    return int(session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0)


def recent(session: Session, user_id: int, *, page: int = 1,
           unread_only: bool = False) -> tuple[list[Notification], int]:
    """One page of a person's notifications, newest first, and how many there are."""
    where = [Notification.user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = int(session.scalar(select(func.count(Notification.id)).where(*where)) or 0)
    rows = list(session.scalars(
        select(Notification).where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE).offset(max(0, page - 1) * PAGE_SIZE)))
    return rows, total


def mark_read(session: Session, user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark some (or, with ``ids=None``, all) of a person's own notifications read."""
    stmt = (update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow()).execution_options(synchronize_session=False))
    if ids is not None:
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        stmt = stmt.where(Notification.id.in_(wanted))
    count = session.execute(stmt).rowcount
    session.expire_all()
    return int(count or 0)


def get_own(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """A notification of this person (someone else's is "not there")."""
    row = session.get(Notification, notification_id)
    return row if row is not None and row.user_id == user_id else None


# ---- the e-mail preference ------------------------------------------------------------------

def set_email(session: Session, user: User, email: str | None, *,
              notifications: bool | None = None) -> None:
    """Set (or clear, with an empty value) the address and the e-mail opt-in."""
    address = nfc(email or "").strip()
    if address:
        if len(address) > 254 or not _EMAIL.match(address):
            raise ValidationError("{email} is not an e-mail address", email=address)
        local, _, domain = address.rpartition("@")
        address = f"{local}@{domain.lower()}"
    user.email = address or None
    if notifications is not None:
        user.email_notifications = bool(notifications)
    if not user.email:
        user.email_notifications = False
    session.flush()


# ---- sending (the worker) ---------------------------------------------------------------------

def _claim(runtime: Runtime, notification_id: int) -> bool:
    """pending -> sending, committed before the SMTP conversation (so at most once)."""
    with runtime.session() as session:
        taken = session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.email_state == "pending")
            .values(email_state="sending")
            .execution_options(synchronize_session=False)).rowcount
        session.commit()
    return taken == 1


def _set_state(runtime: Runtime, notification_id: int, state: str) -> None:
    with runtime.session() as session:
        values: dict[str, Any] = {"email_state": state}
        if state == "sent":
            values["emailed_at"] = utcnow()
        session.execute(update(Notification).where(Notification.id == notification_id)
                        .values(**values).execution_options(synchronize_session=False))
        session.commit()


def sender_address(settings: Settings) -> str:
    return settings.smtp_sender or f"station@{settings.smtp_host}"


def build_email(settings: Settings, row: Notification, address: str) -> EmailMessage:
    """The e-mail of one notification, in the station's language, with its link."""
    lang = settings.language
    body = row.text(lang, settings.timezone)
    link = row.safe_link
    if link:
        base = settings.public_url.rstrip("/")
        body += "\n\n" + (base + link if base else link)
    message = EmailMessage()
    message["Subject"] = f"[Station] {subject(row.kind, lang)}"
    message["From"] = formataddr(("Station", sender_address(settings)))
    message["To"] = address
    message["Message-ID"] = make_msgid(idstring=f"notification-{row.id}")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message.set_content(body + "\n")
    return message


def _connect(settings: Settings) -> smtplib.SMTP:
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    if settings.smtp_starttls:
        client.starttls()
    if settings.smtp_user:
        client.login(settings.smtp_user, settings.smtp_password)
    return client


@handler(EMAIL_JOB)
def send_emails(ctx: JobContext) -> dict[str, Any]:
    """Send the e-mails of some notifications; each at most once, whatever runs this again."""
    settings = ctx.runtime.settings
    ids = [int(i) for i in ctx.args.get("ids", [])]
    done: dict[str, list[int]] = {"sent": [], "skipped": []}
    client: smtplib.SMTP | None = None
    try:
        for notification_id in ids:
            if not _claim(ctx.runtime, notification_id):
                continue  # sent (or being sent) by an earlier run
            with ctx.runtime.session() as session:
                row = session.get(Notification, notification_id)
                address = row.user.email if row is not None else None
                wanted = row is not None and row.user.email_notifications and row.user.active
                message = build_email(settings, row, address) if (
                    row is not None and address and wanted and settings.smtp_host) else None
            if message is None:
                _set_state(ctx.runtime, notification_id, "skipped")
                done["skipped"].append(notification_id)
                continue
            try:
                if client is None:
                    client = _connect(settings)
                client.send_message(message)
            except (OSError, smtplib.SMTPException) as exc:
                # Not sent: give the row back, so a retry of this job sends it.
                _set_state(ctx.runtime, notification_id, "pending")
                raise JobError("The mail server {host} refused or did not answer: {error}",
                               host=settings.smtp_host, error=str(exc)) from exc
            _set_state(ctx.runtime, notification_id, "sent")
            done["sent"].append(notification_id)
    finally:
        if client is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                client.quit()
    log.info("notification e-mails: %s", done)
    return done
