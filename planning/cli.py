"""`station rundown ...`: show a bulletin's running order and export its script or data.

`station plan ...`: import the year's plan (themes, quarterly targets) and show its figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from planning import plans, script, services
from station.cli import State, acting_user, as_option, echo_json, friendly, pass_state


def register(main: click.Group) -> None:
    main.add_command(rundown)
    main.add_command(plan)


@click.group()
def rundown() -> None:
    """News bulletins' running orders (times in the channel's zone, Asia/Ho_Chi_Minh)."""


def _document(state: State, rundown_id: int) -> dict:  # type: ignore[type-arg]
    with state.runtime.session() as session:
        found = services.get_rundown(session, rundown_id)
        return script.document(services.timed(session, found))


@rundown.command("list")
@click.option("--channel")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def rundown_list(state: State, channel: str | None, as_json: bool) -> None:
    """The rundowns, by on-air time."""
    from station.timecode import to_local

    with state.runtime.session() as session:
        rows = [{"id": r.id, "channel": r.channel.code, "title": r.title,
                 "on_air": to_local(r.starts_at, r.channel.timezone)
                 .strftime("%Y-%m-%d %H:%M"), "status": r.status, "version": r.version}
                for r in services.list_rundowns(session, channel)]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"#{r['id']:<5} {r['channel']:<6} {r['on_air']} {r['status']:<9} "
                   f"{r['title']}")


@rundown.command("show")
@click.argument("rundown_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def rundown_show(state: State, rundown_id: int, as_json: bool) -> None:
    """The running order: front time, kind, length, cumulative, back time, readiness."""
    doc = _document(state, rundown_id)
    if as_json:
        echo_json(doc)
        return
    for line in script.rundown_lines(doc, state.settings.language):
        click.echo(line)


@rundown.command("export")
@click.argument("rundown_id", type=int)
@click.option("--format", "fmt", required=True, type=click.Choice(["txt", "json", "pdf"]),
              help="txt: the anchor script with timings; json: the whole rundown; pdf: the "
                   "running order and the script to print.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (default: standard output).")
@pass_state
@friendly
def rundown_export(state: State, rundown_id: int, fmt: str, output: Path | None) -> None:
    """Write the anchor script (txt), the rundown's data (json) or both to print (pdf)."""
    doc = _document(state, rundown_id)
    if fmt == "pdf":
        from planning import pdf

        data = pdf.write(doc, state.settings.language)
        target = output or Path(f"rundown-{rundown_id}.pdf")
        target.write_bytes(data)
        click.echo(f"{target} ({len(data)} bytes)")
        return
    text = (script.anchor_script(doc, state.settings.language) if fmt == "txt"
            else json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"{output} ({len(text.encode('utf-8'))} bytes)")


@rundown.command("approve")
@click.argument("rundown_id", type=int)
@click.option("--version", "version", type=int, required=True,
              help="The version you read (`station rundown show`): a stale one is refused.")
@as_option
@pass_state
@friendly
def rundown_approve(state: State, rundown_id: int, version: int,
                    as_user: str | None) -> None:
    """Approve the running order as it stands (the editor-in-chief: an admin)."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        done = services.approve(session, rundown_id, actor=actor, version=version)
        session.commit()
        click.echo(f"#{done.id} {done.title}: approved (v{done.version})")


@rundown.command("place")
@click.argument("rundown_id", type=int)
@click.option("--slot", "slot_id", type=int,
              help="A slot already planned at the bulletin's time (default: a new one).")
@as_option
@pass_state
@friendly
def rundown_place(state: State, rundown_id: int, slot_id: int | None,
                  as_user: str | None) -> None:
    """Put the bulletin in its channel's schedule as one slot (the playout plays its lines)."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        slot = services.place_in_schedule(session, rundown_id, actor=actor, slot_id=slot_id)
        session.commit()
        click.echo(f"#{rundown_id} airs in slot #{slot.id} ({slot.duration_s} s)")


# ---- the year's plan -------------------------------------------------------------------

@click.group()
def plan() -> None:
    """The year's editorial plan: themes and their targets per quarter (docs/planning.md)."""


@plan.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@as_option
@pass_state
@friendly
def plan_import(state: State, file: Path, as_user: str | None) -> None:
    """Create or update a year's plan from a .json or .csv file (an admin).

    CSV columns: year,title,theme,description,quarter,channel,language,count,minutes (one
    target a line). JSON: {"year", "title", "themes": [{"name", "description", "targets":
    [{"quarter", "channel", "language", "count", "minutes"}]}]}. Importing again updates.
    """
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        done = plans.import_plan_file(session, file, actor=actor)
        session.commit()
        themes = plans.get_plan(session, done.year).themes
        click.echo(f"{done.year} {done.title}: {len(themes)} themes, "
                   f"{sum(len(t.targets) for t in themes)} targets")


@plan.command("show")
@click.argument("year", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def plan_show(state: State, year: int, as_json: bool) -> None:
    """Per theme and quarter: target (count/minutes), planned, assigned, produced, aired."""
    with state.runtime.session() as session:
        found, rows = plans.progress(session, year)
        doc = plans.progress_document(found, rows)
    if as_json:
        echo_json(doc)
        return
    click.echo(f"{doc['year']} {doc['title']}")
    click.echo(f"{'':<28} Q  target      planned assigned produced aired")
    for theme in doc["themes"]:
        for q, f in [*theme["quarters"].items(), ("Σ", theme["year"])]:
            click.echo(f"{theme['name'][:28] if q == '1' else '':<28} "
                       f"{q}  {f['target_count']:>3}/{f['target_minutes']:>4} min "
                       f"{f['planned']:>7} {f['assigned']:>8} {f['produced']:>8} "
                       f"{f['aired']:>5} ({f['aired_minutes']:g} min)")
