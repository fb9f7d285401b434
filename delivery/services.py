"""Delivery services: specs, readiness, package planning and queueing, the partner's view of
packages, downloads, API tokens and webhooks. SQLAlchemy only (no Flask); every call that
changes something takes the acting user (or the partner's token) as an argument."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from delivery import webhooks
from delivery.models import (
    ApiToken,
    DeliverySpec,
    Package,
    WebhookDelivery,
)
from delivery.specs import SEEDS, Spec, spec_from_dict
from production.models import Channel, Report
from production.services import get_channel
from station import audit, tokens
from station.accounts import User, require_role
from station.db import utcnow
from station.errors import Conflict, NotFound, StationError, ValidationError
from station.jobs import ACTIVE_STATUSES, JobRun, create_job, enqueue_after_commit
from station.messages import Message
from subtitles.cues import SubtitleDoc
from subtitles.models import Track
from subtitles.readiness import track_readiness
from subtitles.services import stored_cues

log = logging.getLogger(__name__)

TOKEN_PREFIX = "stn_"
PACKAGE_READY = "package.ready"


class NotReady(ValidationError):
    """A package that cannot be built yet, with every reason, each in the reader's language."""

    def __init__(self, channel: str, problems: list[Message]) -> None:
        self.problems = problems
        super().__init__("Cannot build the {channel} package: {reasons}", channel=channel,
                         reasons=problems)


class Unauthorized(StationError):
    """An API call without a valid token (missing, unknown, expired or revoked)."""

    http_status = 401


# ---- specs -----------------------------------------------------------------------------

def ensure_specs(session: Session) -> None:
    """Seed the national partners' specs (VTV4, VOV5) once; admins edit them afterwards."""
    for code, data in SEEDS.items():
        channel = session.scalar(select(Channel).where(Channel.code == code))
        if channel is None:
            continue
        if session.scalar(select(DeliverySpec.id).where(DeliverySpec.channel_id == channel.id)):
            continue
        session.add(DeliverySpec(channel_id=channel.id, data=spec_from_dict(data).to_dict()))
    session.flush()


def spec_of(row: DeliverySpec) -> Spec:
    return spec_from_dict(row.data)


def spec_row(session: Session, channel: Channel) -> DeliverySpec:
    row = session.scalar(select(DeliverySpec).where(DeliverySpec.channel_id == channel.id))
    if row is None:
        raise NotFound("{channel} has no delivery spec", channel=channel.code)
    return row


def partner_specs(session: Session) -> list[DeliverySpec]:
    """Every partner channel's spec, by channel code."""
    return list(session.scalars(
        select(DeliverySpec).join(Channel).order_by(Channel.code)
        .options(selectinload(DeliverySpec.channel))))


def _check_url(url: str, allowed_addresses: str) -> str:
    """An http(s) URL whose host resolves only to public addresses (or allowed ones)."""
    webhooks.check_destination(url, webhooks.parse_allowed(allowed_addresses))
    return url


def save_spec(session: Session, channel_code: str, data: dict[str, Any], *, actor: User,
              version: int | None = None, auto_build: bool | None = None,
              webhook_url: str | None = None, webhook_secret: str | None = None,
              allowed_addresses: str = "") -> DeliverySpec:
    """Create or change a partner's spec (admins). A changed spec makes the next package full.

    A webhook URL is resolved now and refused when an address is loopback, private,
    link-local or otherwise not public, unless it is in ``allowed_addresses`` (the
    ``webhook_allowed_addresses`` setting); the job checks it again before each try."""
    require_role(actor, "admin")
    channel = get_channel(session, channel_code)
    if channel.owner != "partner":
        raise ValidationError("{channel} is the station's own channel, not a partner",
                              channel=channel.code)
    spec = spec_from_dict(data)
    row = session.scalar(select(DeliverySpec).where(DeliverySpec.channel_id == channel.id))
    if row is None:
        row = DeliverySpec(channel_id=channel.id, data={})
        session.add(row)
    elif version is not None and version != row.version:
        raise Conflict("{who} changed this spec after you opened it; reload and apply your "
                       "changes again", who=row.updated_by.display_name if row.updated_by
                       else "?")
    row.data = spec.to_dict()
    row.updated_by_id = actor.id
    if auto_build is not None:
        row.auto_build = auto_build
    if webhook_url is not None:
        row.webhook_url = (_check_url(webhook_url.strip(), allowed_addresses)
                           if webhook_url.strip() else None)
        if row.webhook_url and not (row.webhook_secret or webhook_secret):
            row.webhook_secret = secrets.token_urlsafe(32)
    if webhook_secret:
        row.webhook_secret = webhook_secret
    session.flush()
    return row


# ---- readiness and planning ------------------------------------------------------------

def fingerprint_of(session: Session, track: Track) -> str:
    """The track's content fingerprint (timing and text), as the builder writes it."""
    from delivery.builder import fingerprint

    return fingerprint(SubtitleDoc(track.language, stored_cues(session, track.id)[1]))


@dataclass
class Readiness:
    """What a package for one partner would carry, and what stops it."""

    problems: list[Message] = field(default_factory=list)
    skipped: list[Message] = field(default_factory=list)  # optional ones left out
    tracks: dict[str, Track] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self, lang: str) -> list[str]:
        return [p.message(lang) for p in self.problems]


def readiness(session: Session, report: Report, channel: Channel, spec: Spec) -> Readiness:
    """Which tracks go in, and why a package cannot be built yet (each reason separately)."""
    found = Readiness()
    if channel not in report.channels:
        found.problems.append(Message(
            "This report is not planned for {channel}", channel=channel.code))
    master = report.asset("master")
    if master is None:
        found.problems.append(Message("The report has no ingested master media yet"))
    elif spec.video != "none" and not master.video_codec:
        found.problems.append(Message(
            "{channel} wants video; this report's master has no picture", channel=channel.code))
    for lang, ready in track_readiness(session, report.id, spec.languages).items():
        if ready.ok:
            assert ready.track is not None
            found.tracks[lang] = ready.track
        elif lang in spec.required_languages:
            found.problems.extend(ready.problems())
        elif not ready.missing:  # an optional language left out is worth saying only if begun
            found.skipped.extend(ready.problems())
    return found


@dataclass(frozen=True)
class Plan:
    """The next package: its number, kind, what it adds, and what the partner has after it."""

    number: int
    kind: str
    base: Package | None
    languages: dict[str, dict[str, Any]]
    reason: str


def _latest_ready(session: Session, report_id: int, channel_id: int) -> Package | None:
    return session.scalar(
        select(Package).where(Package.report_id == report_id, Package.channel_id == channel_id,
                              Package.status == "ready")
        .order_by(Package.number.desc()).limit(1))


def plan_package(session: Session, report: Report, channel: Channel, row: DeliverySpec,
                 ready: Readiness, *, full: bool = False) -> Plan:
    """Full when nothing was delivered, the master or the spec changed, or a burned-in
    language changed; otherwise a supplemental package with only the new or changed tracks."""
    spec = spec_of(row)
    number = (session.scalar(select(func.max(Package.number)).where(
        Package.report_id == report.id, Package.channel_id == channel.id)) or 0) + 1
    now = {lang: {"fingerprint": fingerprint_of(session, track), "track_id": track.id,
                  "package": number} for lang, track in ready.tracks.items()}
    latest = _latest_ready(session, report.id, channel.id)
    master = report.asset("master")
    reason = ""
    if full:
        reason = "asked"
    elif latest is None:
        reason = "first"
    elif latest.spec_version != row.version:
        reason = "spec"
    elif master is not None and (latest.base or latest).master_sha256 != master.sha256:
        reason = "media"
    elif spec.burn_in_language and (
            latest.languages.get(spec.burn_in_language, {}).get("fingerprint")
            != now.get(spec.burn_in_language, {}).get("fingerprint")):
        reason = "burn_in"
    if reason:
        return Plan(number, "full", None, now, reason)
    assert latest is not None
    changed = {lang: entry for lang, entry in now.items()
               if latest.languages.get(lang, {}).get("fingerprint") != entry["fingerprint"]}
    if not changed:
        raise Conflict("Package v{number} already carries these media and tracks; nothing "
                       "changed since", number=latest.number)
    base = latest if latest.kind == "full" else latest.base
    languages = {**latest.languages, **changed}
    return Plan(number, "supplemental", base, languages, "tracks")


def _active_build(session: Session, report_id: int, channel_id: int) -> JobRun | None:
    return session.scalar(select(JobRun).where(
        JobRun.dedupe_key == f"package:{report_id}:{channel_id}",
        JobRun.status.in_(ACTIVE_STATUSES)))


def queue_build(session: Session, report_id: int, channel_code: str, *, actor: User,
                full: bool = False, automatic: bool = False) -> Package:
    """Check the report is ready for the partner, plan the package and queue its build.
    ``automatic``: the partner's auto-build rule acting on someone's approval (a reviewer who
    is a translator), not a person asking for a build."""
    if not automatic:
        require_role(actor, "admin", "editor")
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("No report #{report_id}", report_id=report_id)
    channel = get_channel(session, channel_code)
    row = spec_row(session, channel)
    ready = readiness(session, report, channel, spec_of(row))
    if not ready.ok:
        raise NotReady(channel.code, ready.problems)
    if _active_build(session, report.id, channel.id) is not None:
        raise Conflict("A {channel} package of this report is already being built",
                       channel=channel.code)
    plan = plan_package(session, report, channel, row, ready, full=full)
    master = report.asset("master")
    package = Package(
        report_id=report.id, channel_id=channel.id, number=plan.number, kind=plan.kind,
        base_id=plan.base.id if plan.base else None, status="building",
        spec_version=row.version, spec=row.data,
        master_sha256=master.sha256 if master else None, languages=plan.languages,
        created_by_id=actor.id)
    session.add(package)
    session.flush()
    job = create_job(session, "package", {"package_id": package.id}, actor_id=actor.id,
                     subject=("report", report.id),
                     dedupe_key=f"package:{report.id}:{channel.id}")
    package.job_id = job.id
    enqueue_after_commit(session, job)
    log.info("queued %s package v%d (%s) of report %d", channel.code, plan.number, plan.kind,
             report.id)
    return package


def auto_build(session: Session, report_id: int, *, actor: User) -> list[Package]:
    """Queue the packages whose partner asked for automatic builds and that are now ready;
    called when a track is approved. Nothing to do is not an error here."""
    report = session.get(Report, report_id)
    if report is None:
        return []
    queued = []
    for channel in report.channels:
        row = session.scalar(select(DeliverySpec).where(DeliverySpec.channel_id == channel.id,
                                                        DeliverySpec.auto_build.is_(True)))
        if row is None or _active_build(session, report.id, channel.id) is not None:
            continue
        if not readiness(session, report, channel, spec_of(row)).ok:
            continue
        try:
            with session.begin_nested():
                queued.append(queue_build(session, report.id, channel.code, actor=actor,
                                          automatic=True))
        except StationError as exc:  # the approval stands; the editor can build by hand
            log.info("no automatic %s package for report %d: %s", channel.code, report.id,
                     exc.message("en"))
            continue
    return queued


def report_packages(session: Session, report_id: int) -> list[Package]:
    """Every package of a report, newest first (the editor's view)."""
    return list(session.scalars(
        select(Package).where(Package.report_id == report_id)
        .options(selectinload(Package.channel), selectinload(Package.created_by))
        .order_by(Package.channel_id, Package.number.desc())))


def delivery_status(session: Session, report: Report) -> list[dict[str, Any]]:
    """Per partner channel of the report: its spec's readiness and its latest package."""
    rows = []
    for channel in report.channels:
        if channel.owner != "partner":
            continue
        row = session.scalar(select(DeliverySpec).where(DeliverySpec.channel_id == channel.id))
        if row is None:
            continue
        rows.append({"channel": channel, "spec": spec_of(row), "spec_row": row,
                     "readiness": readiness(session, report, channel, spec_of(row)),
                     "building": _active_build(session, report.id, channel.id)})
    return rows


# ---- finishing a build (called by the job) ---------------------------------------------

def finish_package(session: Session, package: Package) -> list[Package]:
    """Mark earlier packages superseded by a ready one; returns them. A full package
    supersedes every earlier one; a supplemental one only earlier supplements whose every
    language it (or another later package) now carries."""
    earlier = list(session.scalars(select(Package).where(
        Package.report_id == package.report_id, Package.channel_id == package.channel_id,
        Package.status == "ready", Package.superseded_by_id.is_(None),
        Package.number < package.number)))
    superseded = []
    for old in earlier:
        if package.kind == "full":
            stale = True
        elif old.kind == "supplemental":
            own = [lang for lang, e in old.languages.items() if e.get("package") == old.number]
            stale = all(package.languages.get(lang, {}).get("package") != old.number
                        for lang in own)
        else:
            stale = False
        if stale:
            old.superseded_by_id = package.id
            superseded.append(old)
    session.flush()
    return superseded


def queue_webhooks(session: Session, package: Package) -> WebhookDelivery | None:
    """Tell the partner's server the package is ready (when it gave a webhook URL)."""
    row = session.scalar(select(DeliverySpec).where(DeliverySpec.channel_id ==
                                                    package.channel_id))
    if row is None or not row.webhook_url:
        return None
    delivery = WebhookDelivery(channel_id=package.channel_id, package_id=package.id,
                               event=PACKAGE_READY, url=row.webhook_url,
                               payload={"event": PACKAGE_READY, "package": package_summary(
                                   package)})
    session.add(delivery)
    session.flush()
    send_webhook_later(session, delivery, delay=0.0)
    return delivery


def send_webhook_later(session: Session, delivery: WebhookDelivery, *, delay: float) -> JobRun:
    job = create_job(session, "webhook", {"delivery_id": delivery.id},
                     subject=("package", delivery.package_id or 0))
    enqueue_after_commit(session, job, delay=delay)
    delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
    return job


def redeliver_webhook(session: Session, delivery_id: int, *, actor: User) -> WebhookDelivery:
    """Send a failed webhook again now (admins, from the delivery log)."""
    require_role(actor, "admin")
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("No webhook delivery #{delivery_id}", delivery_id=delivery_id)
    delivery.status = "pending"
    send_webhook_later(session, delivery, delay=0.0)
    session.flush()
    return delivery


def webhook_log(session: Session, channel_id: int | None = None,
                limit: int = 100) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).options(selectinload(WebhookDelivery.log),
                                           selectinload(WebhookDelivery.channel))
    if channel_id is not None:
        stmt = stmt.where(WebhookDelivery.channel_id == channel_id)
    return list(session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(limit)))


# ---- the package as partners read it -------------------------------------------------

def package_summary(package: Package) -> dict[str, Any]:
    """The JSON a partner (API, webhook) sees of a package: no internal paths or ids of
    people, only what the manifest publishes."""
    report = package.manifest.get("report", {}) if package.manifest else {}
    return {
        "id": package.id,
        "name": package.name,
        "number": package.number,
        "kind": package.kind,
        "status": "superseded" if package.superseded else package.status,
        "superseded_by": package.superseded_by_id,
        "base": package.base_id,
        "partner": package.channel.code if package.channel else None,
        "report": {"id": package.report_id, "title": report.get("title"),
                   "title_en": report.get("title_en"), "kind": report.get("kind")},
        "languages": sorted(package.languages),
        "new_languages": sorted(lang for lang, e in package.languages.items()
                                if e.get("package") == package.number),
        "ready_at": package.ready_at.isoformat() if package.ready_at else None,
        "size": package.size_bytes,
        "sha256": package.sha256,
        "archive": archive_name(package),
    }


def archive_name(package: Package) -> str | None:
    return f"{package.name}.zip" if package.archive_key and package.name else None


# ---- API tokens ------------------------------------------------------------------------

def create_token(session: Session, channel_code: str, name: str, *, actor: User,
                 expires_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for a partner channel; the secret is returned once and never stored."""
    require_role(actor, "admin")
    channel = get_channel(session, channel_code)
    if channel.owner != "partner":
        raise ValidationError("{channel} is the station's own channel, not a partner",
                              channel=channel.code)
    if expires_days is not None and expires_days <= 0:
        raise ValidationError("A token must live at least one day")
    secret = tokens.new_secret(TOKEN_PREFIX)
    token = tokens.fill(ApiToken(channel_id=channel.id, expires_at=(
        utcnow() + dt.timedelta(days=expires_days) if expires_days else None)),
        secret, name, actor.id)
    session.add(token)
    session.flush()
    return token, secret


def revoke_token(session: Session, token_id: int, *, actor: User) -> ApiToken:
    require_role(actor, "admin")
    return tokens.revoke(session, ApiToken, token_id, missing="No API token #{token_id}")


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).options(selectinload(ApiToken.channel))
                                .order_by(ApiToken.id.desc())))


def authenticate_token(session: Session, secret: str, *,
                       address: str | None = None) -> ApiToken:
    """The active token for a bearer secret, or Unauthorized saying why.

    The audit log gets the first use of a token in each clock hour (not every request: a
    partner's MAM may poll all day) and every try with a revoked or expired token."""
    if not secret.startswith(TOKEN_PREFIX):
        raise Unauthorized("Send a partner API token: Authorization: Bearer stn_...")
    token = tokens.find(session, ApiToken, secret)
    if token is None:
        raise Unauthorized("Unknown API token")
    now = utcnow()
    state = token.state(now)
    if state in ("revoked", "expired"):
        audit.record(session, "token.refused", address=address, token_id=token.id,
                     prefix=token.prefix, channel_id=token.channel_id, state=state)
        session.flush()  # the caller commits it before answering 401
        if state == "revoked":
            raise Unauthorized("This API token was revoked")
        raise Unauthorized("This API token has expired")
    last = token.last_used_at
    if last is None or last.replace(minute=0, second=0, microsecond=0) != \
            now.replace(minute=0, second=0, microsecond=0):
        audit.record(session, "token.used", address=address, token_id=token.id,
                     prefix=token.prefix, channel_id=token.channel_id)
    if last is None or now - last > dt.timedelta(minutes=1):
        token.last_used_at = now
    return token
