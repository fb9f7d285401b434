"""`station package ...` and `station partner ...`: partner delivery from a shell."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from delivery import builder, services
from delivery.models import Package
from production.models import Channel
from station import jobs
from station.cli import State, acting_user, as_option, echo_json, friendly, pass_state, run_inline
from station.timecode import to_local


def register(main: click.Group) -> None:
    """Attach the delivery commands to the `station` group."""
    main.add_command(package)
    main.add_command(partner)


def package_dict(row: Package) -> dict[str, Any]:
    summary = services.package_summary(row)
    summary["error"] = row.error
    summary["files"] = row.files
    return summary


@click.group()
def package() -> None:
    """Delivery packages: build one for a partner, list them, verify a downloaded one."""


@package.command("build")
@click.argument("report_id", type=int)
@click.option("--partner", "partner_code", required=True, help="Partner channel code (VTV4...).")
@click.option("--full", is_flag=True, help="A full package even when only subtitles changed.")
@click.option("--background", is_flag=True, help="Queue the job for a worker and return.")
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def build_command(state: State, report_id: int, partner_code: str, full: bool,
                  background: bool, as_json: bool, as_user: str | None) -> None:
    """Build REPORT's package to the partner's spec (refused, with reasons, when not ready)."""
    runtime = state.runtime
    actor = acting_user(runtime, as_user)
    with runtime.session() as session:
        row = services.queue_build(session, report_id, partner_code.upper(), actor=actor,
                                   full=full)
        if not background:
            jobs.discard_pending(session)
        session.commit()
        package_id, job_id, number, kind = row.id, row.job_id, row.number, row.kind
    if background:
        click.echo(f"package v{number} ({kind}) queued as job #{job_id}")
        return
    assert job_id is not None
    run_inline(runtime, job_id, f"package v{number} ({kind})")
    with runtime.session() as session:
        done = session.get(Package, package_id)
        assert done is not None
        if as_json:
            echo_json(package_dict(done))
            return
        root = runtime.settings.media_path
        where = root / (done.archive_key or done.storage_key or "")
        click.echo(f"{done.name} v{done.number} ({done.kind}): {where}")
        if done.sha256:
            click.echo(f"sha256 {done.sha256}  {done.size_bytes} bytes")


@package.command("list")
@click.option("--partner", "partner_code", help="Only this partner channel.")
@click.option("--report", "report_id", type=int, help="Only this report.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def list_command(state: State, partner_code: str | None, report_id: int | None,
                 as_json: bool) -> None:
    """Packages, newest first."""
    with state.runtime.session() as session:
        stmt = select(Package).order_by(Package.id.desc()).limit(200)
        if partner_code:
            stmt = stmt.join(Channel, Package.channel_id == Channel.id).where(
                Channel.code == partner_code.upper())
        if report_id:
            stmt = stmt.where(Package.report_id == report_id)
        rows = list(session.scalars(stmt))
        if as_json:
            echo_json([package_dict(r) for r in rows])
            return
        if not rows:
            click.echo("No packages.")
        for r in rows:
            status = "superseded" if r.superseded else r.status
            when = to_local(r.ready_at).strftime("%Y-%m-%d %H:%M") if r.ready_at else "-"
            click.echo(f"#{r.id:<5} {r.channel.code:<5} report {r.report_id:<5} v{r.number:<3} "
                       f"{r.kind:<12} {status:<10} {when}  {r.name or ''}")


@package.command("verify")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@pass_state
@friendly
def verify_command(state: State, path: Path) -> None:
    """Check a package folder or .zip against its manifest (exit 1 on any problem)."""
    problems = builder.verify_package(path)
    lang = state.settings.language
    if problems:
        for problem in problems:
            click.echo(problem.message(lang), err=True)
        raise SystemExit(1)
    manifest = _manifest(path)
    suffix = f": {manifest['package']['name']}" if manifest else ""
    click.echo(f"OK{suffix}")


def _manifest(path: Path) -> dict[str, Any] | None:
    """The package's manifest.json, for the verify line (folder packages only)."""
    candidate = path / "data" / "manifest.json"
    if path.is_dir() and candidate.is_file():
        data: dict[str, Any] = json.loads(candidate.read_text(encoding="utf-8"))
        return data
    return None


@click.group()
def partner() -> None:
    """Partner channels' API tokens."""


@partner.group("token")
def token() -> None:
    """Create, list and revoke API tokens (admins)."""


@token.command("create")
@click.argument("channel")
@click.option("--name", required=True, help="Which system uses it, e.g. 'VTV4 MAM'.")
@click.option("--expires-days", type=int, help="Valid this many days (default: until revoked).")
@as_option
@pass_state
@friendly
def token_create(state: State, channel: str, name: str, expires_days: int | None,
                 as_user: str | None) -> None:
    """Make a token for CHANNEL; its secret is printed once and never stored."""
    runtime = state.runtime
    actor = acting_user(runtime, as_user)
    with runtime.session() as session:
        row, secret = services.create_token(session, channel.upper(), name, actor=actor,
                                            expires_days=expires_days)
        session.commit()
        click.echo(f"token #{row.id} for {channel.upper()} ({row.name})")
        click.echo(secret)
        click.echo("Keep it now: Station stores only its hash.", err=True)


@token.command("revoke")
@click.argument("token_id", type=int)
@as_option
@pass_state
@friendly
def token_revoke(state: State, token_id: int, as_user: str | None) -> None:
    """Revoke token TOKEN_ID at once."""
    runtime = state.runtime
    actor = acting_user(runtime, as_user)
    with runtime.session() as session:
        row = services.revoke_token(session, token_id, actor=actor)
        session.commit()
        click.echo(f"token #{row.id} ({row.prefix}...) revoked")


@token.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def token_list(state: State, as_json: bool) -> None:
    """Tokens and their state (never their secrets)."""
    now = dt.datetime.now(dt.UTC)
    with state.runtime.session() as session:
        rows = [{"id": t.id, "channel": t.channel.code, "name": t.name, "prefix": t.prefix,
                 "state": t.state(now),
                 "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                 "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None}
                for t in services.list_tokens(session)]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"#{r['id']:<4} {r['channel']:<5} {r['prefix']}...  {r['state']:<8} "
                   f"{r['name']}")
