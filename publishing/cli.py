"""`station publish ...`: put approved reports on the public site, export it, make social
clips, and read the site's logs back (docs/publishing.md).

    station publish report 12 --summary "..." --summary-en "..." --as editor
    station publish unpublish 12 --note "Sai tên xã"
    station publish history 12
    station publish list --json
    station publish import-logs /var/log/nginx/site.access.log.2.gz
    station publish export /srv/www/laichau-public
    station publish clip 12 --in 00:00:10 --out 00:00:40 --language vi --aspect 9:16
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from publishing import services, views
from publishing.clip_cli import clip_command
from publishing.export_cli import export_command
from station.cli import State, acting_user, as_option, echo_json, friendly, pass_state
from station.timecode import to_local


def register(main: click.Group) -> None:
    main.add_command(publish)


@click.group()
def publish() -> None:
    """The public site: publish and withdraw reports, export the site, social clips."""


def _local(moment: dt.datetime | None, tz: str) -> str:
    return to_local(moment, tz).strftime("%Y-%m-%d %H:%M") if moment else ""


@publish.command("report")
@click.argument("report_id", type=int)
@click.option("--summary", default="", help="The summary in Vietnamese, shown on the page.")
@click.option("--summary-en", "summary_en", default="", help="The summary in English.")
@click.option("--programme", default=None,
              help="The radio programme (podcast) the report belongs to.")
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def publish_report(state: State, report_id: int, summary: str, summary_en: str,
                   programme: str | None, as_json: bool, as_user: str | None) -> None:
    """Publish an approved report (again, when withdrawn); the site is exported after."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        found = services.publish(session, report_id, services.PublishInput(
            summary=summary, summary_en=summary_en, programme=programme), actor=actor)
        session.commit()
        out = {"report": report_id, "slug": found.slug, "status": found.status,
               "url": views.public_url(state.settings.publish_site_url, found.slug)}
    if as_json:
        echo_json(out)
    else:
        click.echo(f"Report #{report_id} published: {out['url']}")


@publish.command("unpublish")
@click.argument("report_id", type=int)
@click.option("--note", default="", help="Why it is withdrawn (kept in the history).")
@as_option
@pass_state
@friendly
def unpublish_report(state: State, report_id: int, note: str, as_user: str | None) -> None:
    """Withdraw a report: its pages, media, feed entries and social clips leave the site."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        services.unpublish(session, report_id, actor=actor, note=note)
        session.commit()
    click.echo(f"Report #{report_id} withdrawn from the public site")


@publish.command("history")
@click.argument("report_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def history(state: State, report_id: int, as_json: bool) -> None:
    """Who published, changed and withdrew the report, and when (local time)."""
    tz = state.settings.timezone
    with state.runtime.session() as session:
        rows = [{"action": e.action, "at": _local(e.at, tz),
                 "by": e.actor.display_name if e.actor else None, "note": e.note}
                for e in services.history(session, report_id)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(f"Report #{report_id} was never published")
    for r in rows:
        note = f"  ({r['note']})" if r["note"] else ""
        click.echo(f"{r['at']}  {r['action']:<9} {r['by'] or '?'}{note}")


@publish.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def list_publications(state: State, as_json: bool) -> None:
    """Every publication, published or withdrawn, newest first, with its views."""
    settings = state.settings
    with state.runtime.session() as session:
        rows = [item.as_dict(settings.publish_site_url, settings.timezone)
                for item in views.publications(session)]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"#{r['report']:<5} {r['status']:<9} {r['published_at']}  "
                   f"{r['views']['page']:>6} {r['url']}  {r['title']}")


@publish.command("import-logs")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def import_logs(state: State, files: tuple[Path, ...], as_json: bool,
                as_user: str | None) -> None:
    """Count page views and plays from the site's access logs (Combined/Common, .gz too).

    Only counts per report, day and kind are kept: no address, user agent or cookie."""
    actor = acting_user(state.runtime, as_user)
    settings = state.settings
    with state.runtime.session() as session:
        results = views.import_logs(session, list(files), actor=actor,
                                    site_url=settings.publish_site_url, tz=settings.timezone)
        session.commit()
    if as_json:
        echo_json([r.as_dict() for r in results])
        return
    for r in results:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(r.by_kind.items())) or "none"
        click.echo(f"{r.name}: {r.lines} lines, {r.counted} views counted ({kinds}); "
                   f"{r.unknown} for unknown addresses, {r.ignored} not views, "
                   f"{r.malformed} malformed")
        if r.malformed:
            lines = ", ".join(str(n) for n in r.malformed_lines)
            click.echo(f"  malformed lines skipped, first at line(s) {lines}", err=True)


publish.add_command(export_command)
publish.add_command(clip_command)
