"""`station schedule ...`: plan, check, publish and export a channel's broadcast days."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from schedule import exporting, rules, services
from station.cli import State, acting_user, as_option, echo_json, friendly, pass_state
from station.errors import Conflict


def register(main: click.Group) -> None:
    main.add_command(schedule)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


@click.group()
def schedule() -> None:
    """Broadcast schedule per channel (times in the channel's zone, Asia/Ho_Chi_Minh)."""


@schedule.command("add")
@click.option("--channel", required=True)
@click.option("--at", "at", required=True, help="Local start, e.g. 2026-12-07T19:00.")
@click.option("--report", "report_id", type=int, help="The report to air.")
@click.option("--duration", type=int, help="Seconds (default: the report's length).")
@click.option("--title", default="")
@click.option("--kind", type=click.Choice(["report", "programme", "filler", "live"]))
@click.option("--source", help="File or input the playout plays (programmes, fillers).")
@click.option("--rerun-of", "rerun_of", type=int, help="Slot id of the first airing.")
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def schedule_add(state: State, channel: str, at: str, report_id: int | None,
                 duration: int | None, title: str, kind: str | None, source: str | None,
                 rerun_of: int | None, as_json: bool, as_user: str | None) -> None:
    """Plan a slot."""
    actor = acting_user(state.runtime, as_user)
    try:
        start = dt.datetime.fromisoformat(at)
    except ValueError as exc:
        raise click.BadParameter(f"{at!r} is not a date and time (YYYY-MM-DDTHH:MM)") from exc
    with state.runtime.session() as session:
        slot = services.add_slot(session, services.SlotInput(
            channel, start, duration_s=duration, title=title,
            kind=kind or ("report" if report_id else "programme"), report_id=report_id,
            rerun_of_id=rerun_of, source=source), actor=actor)
        session.commit()
        row = _row(slot, state.settings.language, [])
    if as_json:
        echo_json(row)
    else:
        click.echo(f"slot #{row['id']} {row['local_start']} {row['title']}")


def _row(slot, lang: str, findings: list[rules.Finding]) -> dict:  # type: ignore[no-untyped-def]
    from station.timecode import to_local

    return {"id": slot.id, "channel": slot.channel.code,
            "local_start": to_local(slot.start_at, slot.channel.timezone)
            .strftime("%Y-%m-%d %H:%M:%S"),
            "start_utc": slot.start_at.isoformat(), "duration_s": slot.duration_s,
            "title": slot.title, "kind": slot.kind, "status": slot.status,
            "report_id": slot.report_id,
            "findings": [{"check": f.check, "severity": f.severity, "message": f.text(lang)}
                         for f in findings if f.slot_id == slot.id]}


@schedule.command("list")
@click.option("--channel", required=True)
@click.option("--date", "day", required=True, help="Broadcast day, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def schedule_list(state: State, channel: str, day: str, as_json: bool) -> None:
    """The slots of a broadcast day with their readiness."""
    from production.services import get_channel

    with state.runtime.session() as session:
        chan = get_channel(session, channel)
        slots = services.day_slots(session, chan, _day(day))
        findings = services.check_slots(session, chan, slots)
        rows = [_row(s, state.settings.language, findings) for s in slots]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        mark = "✗" if any(f["severity"] == "error" for f in r["findings"]) else "✓"
        click.echo(f"{mark} {r['local_start'][11:16]} {r['duration_s'] // 60:>4} min "
                   f"{r['status']:<10} #{r['id']:<5} {r['title']}")
        for f in r["findings"]:
            click.echo(f"      {f['severity']}: {f['message']}")


@schedule.command("check")
@click.option("--channel", required=True)
@click.option("--date", "day", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def schedule_check(state: State, channel: str, day: str, as_json: bool) -> None:
    """Readiness and conflicts of a day; exit code 1 when an error-level finding exists."""
    with state.runtime.session() as session:
        findings = services.check_day(session, channel, _day(day))
    lang = state.settings.language
    rows = [{"check": f.check, "severity": f.severity, "slot": f.slot_id,
             "message": f.text(lang)} for f in findings]
    if as_json:
        echo_json(rows)
    else:
        for r in rows:
            click.echo(f"{r['severity']:<8} {r['check']:<18} slot #{r['slot']} {r['message']}")
        if not rows:
            click.echo("ready: no findings")
    if rules.errors(findings):
        sys.exit(1)


@schedule.command("publish")
@click.option("--channel", required=True)
@click.option("--date", "day", required=True)
@as_option
@pass_state
@friendly
def schedule_publish(state: State, channel: str, day: str, as_user: str | None) -> None:
    """Publish a broadcast day (refused, with the problems listed, while errors remain)."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        try:
            slots = services.publish_day(session, channel, _day(day), actor=actor)
        except Conflict as exc:
            for finding in exc.params.get("findings", []):
                click.echo(f"  {finding.text(state.settings.language)}", err=True)
            raise
        session.commit()
        click.echo(f"{channel} {day}: {len(slots)} slots published")


@schedule.command("export")
@click.option("--channel", required=True)
@click.option("--date", "day", help="Broadcast day (required except for ics/csv feeds).")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["ffplayout", "m3u", "ffconcat", "ics", "csv", "daysheet"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (default: its download name here).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="A playlist folder: ffplayout's YYYY/MM/YYYY-MM-DD.json tree is made in it.")
@pass_state
@friendly
def schedule_export(state: State, channel: str, day: str | None, fmt: str,
                    output: Path | None, out_dir: Path | None) -> None:
    """Write a day's playlist (ffplayout JSON, M3U, ffconcat), feed (iCalendar), CSV or sheet.

    A playlist first hands the approved reports' files to the channel's playout folder,
    then prints the playout settings the channel needs (docs/playout.md).
    """
    from production.services import get_channel
    from schedule import exports

    with state.runtime.session() as session:
        data, name, _mime = exporting.export_day(
            session, channel, _day(day) if day else None, fmt, lang=state.settings.language,
            media_root=state.settings.media_path)
        settings = (exporting.playout_settings(session, get_channel(session, channel))
                    if fmt in exports.PLAYLISTS else None)
    if out_dir is not None and output is None:
        relative = (settings.playlist_file(_day(day)) if settings is not None and day
                    and fmt == "ffplayout" else name)
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
    else:
        target = output or Path(name)
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(data)
    tmp.replace(target)  # ffplayout reloads a changed list: never let it read half of one
    click.echo(f"{target} ({len(data)} bytes)")
    if settings is not None and fmt == "ffplayout":
        click.echo("ffplayout settings for this channel:")
        for key, value in settings.ffplayout_settings().items():
            click.echo(f"  {key}: {value or '(the folder given to --out)'}")


@schedule.group("playout")
def playout_group() -> None:
    """A channel's playout: media folder, storage root, filler, day start, playlists."""


def _show(settings) -> None:  # type: ignore[no-untyped-def]
    rows = {"folder": settings.folder, "storage": settings.storage, "filler": settings.filler,
            "filler duration": (f"{settings.filler_ms / 1000:.3f} s" if settings.filler_ms
                                else ""),
            "day start": settings.day_start, "timezone": settings.timezone,
            "layout": settings.layout, "playlists": settings.playlists}
    for key, value in rows.items():
        click.echo(f"{key:<16} {value or '(not set)'}")
    missing = settings.missing()
    if missing:
        click.echo(f"missing: {', '.join(missing)}")
    else:
        click.echo("ffplayout settings:")
        for key, value in settings.ffplayout_settings().items():
            click.echo(f"  {key}: {value or '(not set)'}")


@playout_group.command("show")
@click.argument("channel")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def playout_show(state: State, channel: str, as_json: bool) -> None:
    """A channel's playout settings and what ffplayout must be set to."""
    from dataclasses import asdict

    from production.services import get_channel

    with state.runtime.session() as session:
        settings = exporting.playout_settings(session, get_channel(session, channel))
    if as_json:
        echo_json({**asdict(settings), "missing": settings.missing(),
                   "ffplayout": settings.ffplayout_settings()})
    else:
        _show(settings)


@playout_group.command("set")
@click.argument("channel")
@click.option("--folder", help="Where Station puts the playout's media (absolute path).")
@click.option("--storage", help="That folder as the playout server sees it (ffplayout storage).")
@click.option("--filler", help="The filler clip, relative to the folder or absolute.")
@click.option("--filler-duration", "filler_duration", type=float,
              help="The filler's seconds, when Station cannot probe it.")
@click.option("--day-start", "day_start", help="The playout's day start, e.g. 05:00.")
@click.option("--timezone", help="The playout's time zone, e.g. Asia/Ho_Chi_Minh.")
@click.option("--layout", type=click.Choice(["tree", "single"]),
              help="tree: YYYY/MM/YYYY-MM-DD.json; single: one playlist.json.")
@click.option("--playlists", help="The playout's playlist path (shown in its settings).")
@as_option
@pass_state
@friendly
def playout_set(state: State, channel: str, folder: str | None, storage: str | None,
                filler: str | None, filler_duration: float | None, day_start: str | None,
                timezone: str | None, layout: str | None, playlists: str | None,
                as_user: str | None) -> None:
    """Change a channel's playout settings (admins); the options not given stay as they are."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        settings = exporting.set_playout(
            session, channel, actor=actor, folder=folder, storage=storage, filler=filler,
            filler_ms=round(filler_duration * 1000) if filler_duration else None,
            day_start=day_start, timezone=timezone, layout=layout, playlists=playlists)
        session.commit()
    _show(settings)


@schedule.command("import-asrun")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--channel", required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "ffplayout-log"]), default="csv",
              show_default=True,
              help="csv: start, duration, title[, id]; ffplayout-log: ffplayout's own log.")
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def schedule_import_asrun(state: State, file: Path, channel: str, fmt: str, as_json: bool,
                          as_user: str | None) -> None:
    """Import an as-run log (CSV or ffplayout's log) and reconcile it with the plan."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        result = services.import_as_run(session, channel, file.read_bytes(), actor=actor,
                                        fmt=fmt)
        session.commit()
        rows = [{"title": e.title, "outcome": e.outcome, "slot": e.slot_id,
                 "delay_s": e.delay_s} for e in result.entries]
        missed = [{"slot": s.id, "title": s.title} for s in result.missed]
    if as_json:
        echo_json({"entries": rows, "missed": missed})
        return
    for r in rows:
        click.echo(f"{r['outcome']:<11} {r['title']}"
                   + (f" (slot #{r['slot']}, {r['delay_s']:+d} s)" if r["slot"] else ""))
    for m in missed:
        click.echo(f"missed      {m['title']} (slot #{m['slot']})")


@schedule.group("playout-token")
def playout_token() -> None:
    """Tokens a channel's playout sends with each played clip (POST /api/v1/playout/played)."""


@playout_token.command("create")
@click.argument("channel")
@click.option("--name", required=True, help="Which playout uses it, e.g. 'ffplayout LCTV'.")
@as_option
@pass_state
@friendly
def playout_token_create(state: State, channel: str, name: str, as_user: str | None) -> None:
    """Make a token for CHANNEL's playout; the secret is printed once, never again."""
    from schedule import playout_hook

    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        token, secret = playout_hook.create_token(session, channel, name, actor=actor)
        session.commit()
        click.echo(f"playout token #{token.id} for {channel} ({token.name}):")
        click.echo(secret)


@playout_token.command("revoke")
@click.argument("token_id", type=int)
@as_option
@pass_state
@friendly
def playout_token_revoke(state: State, token_id: int, as_user: str | None) -> None:
    """Revoke a playout token: its next call is refused (401)."""
    from schedule import playout_hook

    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        token = playout_hook.revoke_token(session, token_id, actor=actor)
        session.commit()
        click.echo(f"playout token #{token.id} ({token.prefix}…) revoked")


@playout_token.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def playout_token_list(state: State, as_json: bool) -> None:
    """The playout tokens, newest first (prefixes only: secrets are never kept)."""
    from schedule import playout_hook

    with state.runtime.session() as session:
        rows = [{"id": t.id, "channel": t.channel.code, "name": t.name, "prefix": t.prefix,
                 "state": "revoked" if t.revoked_at else "active",
                 "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None}
                for t in playout_hook.list_tokens(session)]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"#{r['id']:<4} {r['channel']:<6} {r['state']:<8} {r['prefix']}… {r['name']}")
