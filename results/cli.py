"""`station results`: the periodic review from a shell, printed or written as DOCX/XLSX/PDF/JSON.

    station results --from 2026-01-01 --to 2026-12-31 --format docx -o bao-cao.docx
    station results --from 2026-07-01 --to 2026-09-30 --channel VTV4 --json
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from production.models import REPORT_KINDS
from production.workflow import EDITORS
from results import exports, services
from results.labels import cell, column_label, filters_text, summary_value, text
from results.types import SUMMARY_FIELDS, Filters, Period, Results
from station.accounts import require_role
from station.cli import State, acting_user, as_option, echo_json, friendly, pass_state
from station.i18n import LANGUAGES
from station.timecode import zone


def register(main: click.Group) -> None:
    """Attach `station results` to the `station` group."""
    main.add_command(results_command)


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)",
                                 param_hint=name) from exc


def _format_for(output: Path | None, fmt: str | None) -> str | None:
    """The format asked for, else the output file's extension when it names one."""
    if fmt or output is None:
        return fmt
    suffix = output.suffix.lower().lstrip(".")
    return suffix if suffix in exports.EXPORTS else None


def text_report(results: Results, lang: str) -> str:
    """The figures as plain text for a terminal: headline figures, then each table."""
    lines = [f"{text('Results', lang)}: {results.period.label(lang)} "
             f"({results.period.dates_label(lang)})"]
    if results.filters:
        lines.append(filters_text(results, lang))
    for key, english, _kind, _section in SUMMARY_FIELDS:
        lines.append(f"  {text(english, lang):<44} "
                     f"{summary_value(key, results, lang):>12}")
    for table in results.tables.values():
        lines.append("")
        lines.append(text(table.title, lang))
        headers = [column_label(c, lang) for c in table.columns]
        body = [[cell(c, row.get(c.key), lang) for c in table.columns]
                for row in table.rows]
        if table.total:
            body.append([text("Total", lang)] + [
                cell(c, table.total.get(c.key), lang) if c.key in table.total else ""
                for c in table.columns[1:]])
        widths = [max(len(x) for x in column) for column in zip(headers, *body, strict=True)]
        for row in [headers, *body]:
            lines.append("  " + "  ".join(
                value.ljust(width) if i == 0 else value.rjust(width)
                for i, (value, width) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


@click.command("results")
@click.option("--from", "start", metavar="YYYY-MM-DD",
              help="First day of the period, local time (default: 1 January this year).")
@click.option("--to", "end", metavar="YYYY-MM-DD",
              help="Last day of the period, inclusive (default: 31 December of --from's year).")
@click.option("--format", "fmt", type=click.Choice(list(exports.EXPORTS)),
              help="Write the review in this format (default: from -o's extension).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (default: a name with the period's dates).")
@click.option("--lang", type=click.Choice(list(LANGUAGES)),
              help="Language of the review (default: the instance's, Vietnamese).")
@click.option("--channel", "channels", multiple=True, metavar="CODE",
              help="Only this channel (repeatable): LCTV, LCR, VTV4, VOV5...")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(REPORT_KINDS),
              help="Only reports of this kind (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@as_option
@pass_state
@friendly
def results_command(state: State, start: str | None, end: str | None, fmt: str | None,
                    output: Path | None, lang: str | None, channels: tuple[str, ...],
                    kinds: tuple[str, ...], as_json: bool, as_user: str | None) -> None:
    """The periodic review (sơ kết / tổng kết): figures of a period, in tables and charts."""
    actor = acting_user(state.runtime, as_user)
    require_role(actor, *EDITORS)  # before reading any date or channel
    lang = lang or state.settings.language
    tz = state.settings.timezone
    first = _day(start, "--from") or dt.datetime.now(zone(tz)).date().replace(month=1, day=1)
    last = _day(end, "--to") or first.replace(month=12, day=31)
    period = Period(first, last, tz)
    filters = Filters(channels=channels, kinds=kinds)
    fmt = _format_for(output, fmt)
    with state.runtime.session() as session:
        if fmt is not None:
            file = services.export(session, fmt, period, filters, actor=actor, lang=lang)
        else:
            results = services.review(session, period, filters, actor=actor)
    if fmt is not None:
        target = output or Path(file.filename)
        target.write_bytes(file.data)
        if as_json:
            echo_json({"file": str(target), "format": fmt, "bytes": len(file.data)})
        else:
            click.echo(f"{target} ({len(file.data)} bytes)")
    elif as_json:
        echo_json(results.as_dict())
    else:
        click.echo(text_report(results, lang))
