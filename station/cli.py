"""The `station` command: the kernel's commands; each domain adds its own group."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import select, text

from station import jobs, migrate
from station.accounts import (
    ROLES,
    User,
    add_user,
    change_role,
    get_user,
    logout_everywhere,
    reset_password,
    set_active,
)
from station.config import Settings, load_settings
from station.errors import NotFound, StationError
from station.runtime import Runtime
from station.text import nfc

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """Built once per command: settings first, the runtime only when a command needs it."""

    def __init__(self) -> None:
        self.settings: Settings = load_settings()
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime(self.settings)
        return self._runtime


pass_state = click.make_pass_decorator(State, ensure=True)


def friendly(fn: F) -> F:
    """Show a StationError as one clear line and exit 1, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StationError as exc:
            state = click.get_current_context().find_object(State)
            lang = state.settings.language if state else "vi"
            raise click.ClickException(exc.message(lang)) from exc

    return wrapper  # type: ignore[return-value]


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def acting_user(runtime: Runtime, username: str | None) -> User:
    """The account a CLI command acts as: --as, else STATION_USER, else the first admin."""
    with runtime.session() as session:
        name = username or os.environ.get("STATION_USER")
        stmt = select(User).where(User.username == name) if name else (
            select(User).where(User.role == "admin", User.active).order_by(User.id).limit(1)
        )
        user = session.scalar(stmt)
        if user is None:
            raise click.ClickException(
                f"No user {name!r}" if name else "No admin account yet: run `station user add`"
            )
        session.expunge(user)
        return user


def run_inline(runtime: Runtime, job_id: int, label: str) -> jobs.JobRun:
    """Run a queued job in this process with a progress bar; fail with the job's error."""
    import threading

    jobs.load_handlers()
    runner = threading.Thread(target=jobs.execute, args=(runtime, job_id), daemon=True)
    runner.start()
    seen = 0
    with click.progressbar(length=100, label=label, show_percent=True) as bar:

        def update(job: jobs.JobRun) -> None:
            nonlocal seen
            now = int(job.progress)
            if now > seen:
                bar.update(now - seen)
                seen = now

        final = jobs.wait_for(runtime, job_id, timeout=runtime.settings.job_time_limit + 60,
                              on_update=update)
    runner.join(5)
    if final.status != "succeeded":
        message = final.error_message(runtime.settings.language)
        raise click.ClickException(f"job #{job_id} {final.status}: {message}")
    return final


as_option = click.option("--as", "as_user", metavar="USERNAME",
                         help="Act as this account (default: STATION_USER or the first admin).")


QUIET_LIBRARIES = ("fontTools",)  # subsetting the fonts of every PDF (results, rundowns)


class _Station(click.Group):
    """The ``station`` group: each domain adds its commands (its ``station.commands`` entry
    point) the first time a command is looked up, not when this module is imported, so a
    domain's cli module may import this one first without a circular import."""

    _domains_added = False

    def _add_domains(self) -> None:
        if not self._domains_added:
            self._domains_added = True
            from station import plugins

            for register in plugins.load("station.commands"):
                register(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_domains()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._add_domains()
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Station)
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """Station: production and broadcast desk (Đài PT-TH Lai Châu)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # libraries that narrate at INFO: a PDF export printed 60 lines of fonts
        for name in QUIET_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)


# ---- database --------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
@pass_state
def db_upgrade(state: State, revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    state.settings.instance_path.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(state.settings.sqlalchemy_url, revision)
    if revision == "head":
        from station import plugins

        # Reference data every station needs (channels, the province's names, the national
        # partners' delivery specs), from the domains' station.seeds entry points in order;
        # never overwrites what people edited.
        with state.runtime.session() as session:
            for ensure in plugins.load("station.seeds"):
                ensure(session)
            session.commit()
    click.echo(f"database at {migrate.current(state.settings.sqlalchemy_url)}")


@db.command("downgrade")
@click.argument("revision")
@pass_state
def db_downgrade(state: State, revision: str) -> None:
    """Undo migrations down to REVISION ("base" empties the database)."""
    migrate.downgrade(state.settings.sqlalchemy_url, revision)
    click.echo(f"database at {migrate.current(state.settings.sqlalchemy_url)}")


@db.command("current")
@pass_state
def db_current(state: State) -> None:
    """Print the revision the database is at."""
    click.echo(migrate.current(state.settings.sqlalchemy_url) or "empty")


# ---- backup and restore (docs/operations.md "Backup and restore") ----------------------

@main.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-media", is_flag=True,
              help="Write the media manifest only (the store is backed up by other means).")
@click.option("--copy", "copy_media", is_flag=True,
              help="Copy media files even where hard links would do.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def backup_cmd(state: State, dest: Path, no_media: bool, copy_media: bool,
               as_json: bool) -> None:
    """Write a backup folder DEST: database, media manifest (sha256) and media files."""
    from station import backup

    done = backup.backup(state.settings, dest, with_media=not no_media, link=not copy_media,
                         log=(lambda _: None) if as_json else click.echo)
    if as_json:
        echo_json({**done.info, "path": str(dest), "linked": done.linked,
                   "copied": done.copied})


@main.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds rows.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def restore_cmd(state: State, src: Path, force: bool, as_json: bool) -> None:
    """Restore backup SRC into the configured database and media store, then verify both."""
    from station import backup

    done = backup.restore(state.settings, src, force=force,
                          log=(lambda _: None) if as_json else click.echo)
    if as_json:
        echo_json({"restored_media": done.restored, "media_files": done.media_files,
                   "problems": done.problems})
    else:
        for problem in done.problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        click.echo(f"restore {'FAILED' if done.problems else 'verified'}: "
                   f"{len(done.problems)} problem(s)")
    if done.problems:
        raise SystemExit(1)


# ---- users -----------------------------------------------------------------------------

@main.group()
def user() -> None:
    """Accounts."""


def _channel_id(session: Any, code: str) -> int:
    """The partner channel's id by code, through the foreign key accounts already declare
    (user_account.channel_id -> channel.id), without importing the domain that owns it."""
    found = session.execute(text("SELECT id FROM channel WHERE code = :code"),
                            {"code": nfc(code).upper()}).scalar()
    if found is None:
        raise NotFound("No channel {code}", code=code)
    return int(found)


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", help="Full name shown in the pages.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--language", "languages", multiple=True,
              help="A translator's working language (BCP-47), repeatable.")
@click.option("--channel", help="A partner account's channel code (e.g. VTV4).")
@click.option("--email", help="Address for notification e-mails (sent once opted in).")
@click.option("--notify-email/--no-notify-email", default=False,
              help="Send this account its notifications by e-mail too (needs --email).")
@pass_state
@friendly
def user_add(state: State, username: str, role: str, display_name: str | None, password: str,
             languages: tuple[str, ...], channel: str | None, email: str | None,
             notify_email: bool) -> None:
    """Create an account."""
    from station import notifications

    with state.runtime.session() as session:
        channel_id = _channel_id(session, channel) if channel else None
        created = add_user(session, username=username, password=password, role=role,
                           display_name=display_name, languages=list(languages),
                           channel_id=channel_id)
        if email:
            notifications.set_email(session, created, email, notifications=notify_email)
        session.commit()
        click.echo(f"user {created.username} ({created.role}) created")


@user.command("email")
@click.argument("username")
@click.argument("address", required=False)
@click.option("--notify/--no-notify", "notify", default=None,
              help="Send (or stop sending) notifications by e-mail; unchanged if not given.")
@pass_state
@friendly
def user_email(state: State, username: str, address: str | None, notify: bool | None) -> None:
    """Show or set an account's e-mail address ("" removes it) and its notification e-mails."""
    from station import notifications

    with state.runtime.session() as session:
        account = get_user(session, username)
        if address is not None or notify is not None:
            notifications.set_email(session, account,
                                    account.email if address is None else address,
                                    notifications=notify)
        session.commit()
        state_text = "on" if account.email_notifications else "off"
        click.echo(f"e-mail of {account.username}: {account.email or '-'}; "
                   f"notification e-mails {state_text}")


@user.command("password")
@click.argument("username")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True)
@pass_state
@friendly
def user_password(state: State, username: str, password: str) -> None:
    """Set an account's password; every session it has open is signed out."""
    with state.runtime.session() as session:
        account = get_user(session, username)
        ended = reset_password(session, account, password)
        session.commit()
        click.echo(f"password of {account.username} changed; {ended} sessions signed out")


@user.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--channel", help="A partner account's channel code (e.g. VTV4).")
@click.option("--review/--no-review", "can_review", default=None,
              help="A translator may (or may not) approve tracks in their languages.")
@pass_state
@friendly
def user_role(state: State, username: str, role: str, channel: str | None,
              can_review: bool | None) -> None:
    """Change an account's role; the security log (/admin/audit) keeps the change."""
    with state.runtime.session() as session:
        account = get_user(session, username)
        change_role(session, account, role,
                    channel_id=_channel_id(session, channel) if channel else None,
                    can_review=can_review)
        session.commit()
        click.echo(f"user {account.username} is now {account.role}"
                   + (" (may review)" if account.can_review else ""))


@user.command("deactivate")
@click.argument("username")
@pass_state
@friendly
def user_deactivate(state: State, username: str) -> None:
    """Stop an account signing in; its open sessions end at once."""
    with state.runtime.session() as session:
        account = get_user(session, username)
        set_active(session, account, False)
        session.commit()
        click.echo(f"user {account.username} deactivated; its sessions were signed out")


@user.command("activate")
@click.argument("username")
@pass_state
@friendly
def user_activate(state: State, username: str) -> None:
    """Let a deactivated account sign in again."""
    with state.runtime.session() as session:
        account = get_user(session, username)
        set_active(session, account, True)
        session.commit()
        click.echo(f"user {account.username} activated")


@user.command("logout")
@click.argument("username")
@pass_state
@friendly
def user_logout(state: State, username: str) -> None:
    """Sign an account out everywhere (a lost laptop, a shared computer)."""
    with state.runtime.session() as session:
        account = get_user(session, username)
        ended = logout_everywhere(session, account)
        session.commit()
        click.echo(f"{ended} sessions of {account.username} signed out")


@user.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def user_list(state: State, as_json: bool) -> None:
    """List accounts."""
    with state.runtime.session() as session:
        users = list(session.scalars(select(User).order_by(User.username)))
        rows = [{"username": u.username, "name": u.display_name, "role": u.role,
                 "languages": u.languages, "active": u.active} for u in users]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['username']:<16} {r['role']:<11} {r['name']}")


# ---- jobs ------------------------------------------------------------------------------

@main.group("jobs")
def jobs_group() -> None:
    """Background jobs."""


@jobs_group.command("list")
@click.option("--status", type=click.Choice(jobs.JOB_STATUSES))
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def jobs_list(state: State, status: str | None, limit: int, as_json: bool) -> None:
    """List recent jobs, newest first."""
    with state.runtime.session() as session:
        stmt = select(jobs.JobRun).order_by(jobs.JobRun.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(jobs.JobRun.status == status)
        rows = []
        for job in session.scalars(stmt):
            row = job.as_dict()
            row["error"] = job.error_message(state.settings.language)
            rows.append(row)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        line = f"#{r['id']:<5} {r['kind']:<12} {r['status']:<10} {r['progress']:5.1f}%  {r['step']}"
        if r["error"]:
            line += f"  — {r['error']}"
        click.echo(line)


@jobs_group.command("retry")
@click.argument("job_id", type=int)
@pass_state
@friendly
def jobs_retry(state: State, job_id: int) -> None:
    """Queue a failed or cancelled job again (a worker runs it)."""
    with state.runtime.session() as session:
        jobs.retry(session, job_id)
        session.commit()
    click.echo(f"job #{job_id} queued again")


@jobs_group.command("cancel")
@click.argument("job_id", type=int)
@pass_state
@friendly
def jobs_cancel(state: State, job_id: int) -> None:
    """Ask a queued or running job to stop."""
    with state.runtime.session() as session:
        job = jobs.cancel(session, job_id, stale_after=state.settings.job_heartbeat_timeout)
        session.commit()
        click.echo(f"job #{job_id}: {job.status}{' (stopping)' if job.cancel_requested else ''}")


@jobs_group.command("sweep")
@pass_state
def jobs_sweep(state: State) -> None:
    """Requeue (or fail) running jobs whose worker is gone; re-send queued jobs whose queue
    message was lost. Every worker does this every ~20 s on its own."""
    jobs.load_handlers()
    done = jobs.sweep(state.runtime)
    for outcome, ids in done.items():
        if ids:
            click.echo(f"{outcome}: " + " ".join(f"#{i}" for i in ids))
    if not any(done.values()):
        click.echo("nothing to do")


# ---- processes -------------------------------------------------------------------------

@main.command()
@click.option("--workers", type=int, help="Worker threads (default: the setting).")
@pass_state
def worker(state: State, workers: int | None) -> None:
    """Run a worker that executes queued jobs (several may run at once)."""
    from station import periodic

    stop = periodic.start(state.runtime)  # reminders (station/periodic.py) beside the queue
    try:
        jobs.run_worker(state.runtime, workers)
    finally:
        stop.set()


@main.command()
@click.option("--host", help="Address to listen on (default: the setting).")
@click.option("--port", type=int, help="Port (default: the setting).")
@click.option("--with-worker/--no-worker", default=True, show_default=True,
              help="Also start one worker process next to the web app.")
@pass_state
def run(state: State, host: str | None, port: int | None, with_worker: bool) -> None:
    """Serve the web app (waitress), with a worker (restarted if it dies) unless told otherwise."""
    from waitress import serve

    from station import plugins
    from station.supervisor import WorkerSupervisor

    create_app = plugins.one("station.web")

    settings = state.settings
    host, port = host or settings.host, port or settings.port
    supervisor = None
    if with_worker:
        supervisor = WorkerSupervisor([sys.executable, "-m", "station", "worker"])
        supervisor.start()
    app = create_app(settings)
    import gc

    gc.freeze()  # the app's long-lived objects leave the collector's work: shorter pauses

    def stop(*_: Any) -> None:
        if supervisor is not None:
            supervisor.stop()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Station at http://{host}:{port}/  (Ctrl-C stops)")
    try:
        serve(app, host=host, port=port, threads=8, max_request_body_size=settings.upload_max_bytes
              + 1_000_000, channel_timeout=600)
    finally:
        if supervisor is not None:
            supervisor.stop()
