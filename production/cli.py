"""`station report ...`, `station ingest`, `station demo`: the production desk from a shell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from production import services, tasks
from production.models import REPORT_KINDS, Report
from production.workflow import STATUSES
from station import jobs
from station.cli import (
    State,
    acting_user,
    as_option,
    echo_json,
    friendly,
    pass_state,
    run_inline,
)
from station.timecode import format_duration, to_local


def report_dict(report: Report) -> dict[str, Any]:
    """A report as JSON for `--json` output (times in UTC, ISO 8601)."""
    return {
        "id": report.id,
        "title": report.title,
        "title_en": report.title_en,
        "kind": report.kind,
        "status": report.status,
        "channels": [c.code for c in report.channels],
        "original_language": report.original_language,
        "reporter": report.reporter,
        "due_date": report.due_date.isoformat() if report.due_date else None,
        "planned_duration_s": report.planned_duration_s,
        "tags": report.tags,
        "notes": report.notes,
        "version": report.version,
        "assets": [
            {"role": a.role, "sha256": a.sha256, "size_bytes": a.size_bytes,
             "duration_ms": a.duration_ms, "resolution": a.resolution,
             "loudness_lufs": a.loudness_lufs, "true_peak_dbtp": a.true_peak_dbtp,
             "shot_changes_ms": a.shot_changes_ms}
            for a in report.assets
        ],
        "history": [
            {"at": e.at.isoformat(), "kind": e.kind, "from": e.from_status, "to": e.to_status,
             "by": e.actor.username if e.actor else None, "comment": e.comment}
            for e in report.events
        ],
    }


def register(main: click.Group) -> None:
    """Attach the production commands to the `station` group."""
    main.add_command(report)
    main.add_command(ingest_command)
    main.add_command(demo)


@click.group()
def report() -> None:
    """Reports: create, list, show, move through the workflow."""


@report.command("add")
@click.argument("title")
@click.option("--kind", type=click.Choice(REPORT_KINDS), default="tv_report", show_default=True)
@click.option("--channel", "channels", multiple=True, required=True,
              help="Target channel code, repeatable (LCTV, LCR, VTV4, VOV5...).")
@click.option("--title-en")
@click.option("--language", default="vi", show_default=True, help="Original language (BCP-47).")
@click.option("--reporter")
@click.option("--due", type=click.DateTime(["%Y-%m-%d"]), help="Due date, YYYY-MM-DD.")
@click.option("--duration", type=int, help="Planned duration in seconds.")
@click.option("--tag", "tags", multiple=True)
@click.option("--notes", default="")
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def report_add(state: State, title: str, kind: str, channels: tuple[str, ...],
               title_en: str | None, language: str, reporter: str | None,
               due: dt.datetime | None, duration: int | None, tags: tuple[str, ...],
               notes: str, as_json: bool, as_user: str | None) -> None:
    """Create a report (status: planned)."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        created = services.create_report(
            session,
            services.ReportInput(
                title=title, kind=kind, channel_codes=channels, title_en=title_en,
                original_language=language, reporter=reporter,
                due_date=due.date() if due else None, planned_duration_s=duration,
                notes=notes, tags=tags,
            ),
            actor=actor,
        )
        session.commit()
        if as_json:
            echo_json(report_dict(created))
        else:
            click.echo(f"report #{created.id} created: {created.title}")


@report.command("list")
@click.option("-q", "--query", default="", help="Search title/tags, with or without diacritics.")
@click.option("--channel")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def report_list(state: State, query: str, channel: str | None, status: str | None,
                as_json: bool, as_user: str | None) -> None:
    """List reports, soonest due first."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        found = services.list_reports(
            session, services.ReportFilter(query=query, channel=channel, status=status),
            actor=actor,
        )
        if as_json:
            echo_json([report_dict(r) for r in found])
            return
        for r in found:
            due = r.due_date.isoformat() if r.due_date else "—"
            codes = ",".join(c.code for c in r.channels)
            click.echo(f"#{r.id:<5} {r.status:<14} {due:<10} {codes:<14} {r.title}")


@report.command("show")
@click.argument("report_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def report_show(state: State, report_id: int, as_json: bool, as_user: str | None) -> None:
    """Show a report with its assets and history."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        r = services.get_report(session, report_id, actor=actor)
        data = report_dict(r)
        if as_json:
            echo_json(data)
            return
        click.echo(f"#{r.id} {r.title}" + (f" / {r.title_en}" if r.title_en else ""))
        click.echo(f"  {r.kind}, {r.status}, channels {', '.join(data['channels'])}, "
                   f"language {r.original_language}, due {data['due_date'] or '—'}")
        for a in r.assets:
            extra = (f", {a.loudness_lufs:.1f} LUFS, TP {a.true_peak_dbtp:.1f} dBTP"
                     if a.loudness_lufs is not None else "")
            if a.shot_changes_ms is not None:
                extra += f", {len(a.shot_changes_ms)} shot changes"
            click.echo(f"  [{a.role}] {a.resolution or ''} {format_duration(a.duration_ms)} "
                       f"{a.size_bytes} bytes{extra}")
        for e in r.events:
            when = to_local(e.at).strftime("%Y-%m-%d %H:%M")
            who = e.actor.username if e.actor else "?"
            move = f"{e.from_status or ''} -> {e.to_status}" if e.to_status else e.kind
            click.echo(f"  {when} {who}: {move} {e.comment}".rstrip())


@report.command("move")
@click.argument("report_id", type=int)
@click.argument("target", type=click.Choice(STATUSES))
@click.option("-m", "--comment", default="", help="Why (required for a back-step).")
@click.option("--override", default="",
              help="Admins: why the move may pass its refusing checks (kept in the history).")
@as_option
@pass_state
@friendly
def report_move(state: State, report_id: int, target: str, comment: str, override: str,
                as_user: str | None) -> None:
    """Move a report to TARGET status along an allowed transition whose checks pass."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        moved = services.move_report(session, report_id, target, actor=actor, comment=comment,
                                     override=override)
        session.commit()
        click.echo(f"report #{moved.id} is now {moved.status}")


@report.command("shots")
@click.argument("report_id", type=int)
@click.option("--again", is_flag=True, help="Look again even if the master has a list.")
@as_option
@pass_state
@friendly
def report_shots(state: State, report_id: int, again: bool, as_user: str | None) -> None:
    """Find the shot changes of a master ingested before Station looked for them."""
    import uuid

    from production import ingest
    from production.storage import MediaStore
    from station.accounts import require_role
    from station.errors import ValidationError

    runtime = state.runtime
    actor = acting_user(runtime, as_user)
    with runtime.session() as session:
        require_role(actor, "admin", "editor")
        master = services.get_report(session, report_id, actor=actor).asset("master")
        if master is None:
            raise ValidationError("Ingest the master first: shot changes are found in its picture")
        if not master.video_codec:
            raise ValidationError("The master has no picture, so it has no shot changes")
        if master.shot_changes_ms is not None and not again:
            click.echo(f"{len(master.shot_changes_ms)} shot changes already found "
                       "(--again to look again)")
            return
        path = MediaStore(runtime.settings.media_path).path(master.storage_key)
        sha, interlaced = master.sha256, master.field_order not in (None, "progressive",
                                                                     "unknown")
    work = runtime.settings.media_path / "work" / f"shots-{uuid.uuid4().hex}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        shots = ingest.find_shot_changes(path, work, runtime.settings, interlaced=interlaced,
                                         timeout=runtime.settings.job_time_limit)
    finally:
        ingest.clean(work)
    if shots is None:
        raise ValidationError("ffmpeg listed no shot changes; see the log")
    with runtime.session() as session:
        services.save_shot_changes(session, report_id, shots, master_sha256=sha)
        session.commit()
    click.echo(f"{len(shots)} shot changes found")


@click.command("ingest")
@click.argument("report_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--background", is_flag=True,
              help="Queue the job for a worker and return at once.")
@as_option
@pass_state
@friendly
def ingest_command(state: State, report_id: int, file: Path, background: bool,
                   as_user: str | None) -> None:
    """Ingest FILE as REPORT's master, with a progress bar."""
    runtime = state.runtime
    actor = acting_user(runtime, as_user)
    staged = tasks.stage_upload(runtime.settings, file)
    try:
        with runtime.session() as session:
            job = services.queue_ingest(session, report_id, staged.name, actor=actor,
                                        original_name=file.name)
            if not background:
                jobs.discard_pending(session)  # run here, not on the queue
            session.commit()
            job_id = job.id
    except Exception:
        staged.unlink(missing_ok=True)
        raise
    if background:
        click.echo(f"job #{job_id} queued")
        return
    final = run_inline(runtime, job_id, f"ingest #{job_id}")
    result = final.result or {}
    if result.get("duplicate"):
        click.echo("This file is already the report's master; nothing to do.")
    else:
        shots = result.get("shot_changes")
        click.echo(f"ingested: {result.get('loudness_lufs')} LUFS, "
                   f"true peak {result.get('true_peak_dbtp')} dBTP"
                   + (f", {shots} shot changes" if shots is not None else ""))


@click.group()
def demo() -> None:
    """The demo station (channels, accounts, one ingested report)."""


@demo.command("seed")
@click.option("--no-media", is_flag=True, help="Skip generating and ingesting the demo master.")
@pass_state
@friendly
def demo_seed(state: State, no_media: bool) -> None:
    """Create the demo once; running it again changes nothing."""
    from production.demo import seed

    for line in seed(state.runtime, with_media=not no_media):
        click.echo(line)
