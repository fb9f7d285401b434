"""`station publish clip REPORT_ID --in .. --out ..`: cut a social clip from an approved
report and render it (here, with a progress bar, or by a worker with --background)."""

from __future__ import annotations

from pathlib import Path

import click

from production.storage import MediaStore
from publishing import clip_services, clips
from publishing.models import CLIP_ASPECTS, SocialClip
from station import jobs
from station.cli import State, acting_user, as_option, echo_json, friendly, pass_state, run_inline
from station.timecode import clock


def clip_summary(clip: SocialClip, media_root: Path) -> dict[str, object]:
    """What the command prints: the clip, its state and where each file is."""
    store = MediaStore(media_root)
    return {"id": clip.id, "report_id": clip.report_id, "status": clip.status,
            "in": clock(clip.in_ms), "out": clock(clip.out_ms),
            "language": clip.language, "title": clip.title, "error": clip.error or None,
            "files": {aspect: {"path": str(store.path(entry["key"])), "bytes": entry["bytes"],
                               "duration_ms": entry["duration_ms"]}
                      for aspect, entry in clip.outputs.items()}}


def make_clip(state: State, report_id: int, in_text: str, out_text: str,
              language: str | None, title: str, aspects: tuple[str, ...], *,
              background: bool = False, as_user: str | None = None) -> dict[str, object]:
    """Queue the clip and, unless background, run its job here; returns the summary."""
    runtime = state.runtime
    actor = acting_user(runtime, as_user)
    data = clip_services.ClipInput(
        in_ms=clips.parse_point(in_text, name="in"),
        out_ms=clips.parse_point(out_text, name="out"), language=language or None,
        title=title, aspects=list(aspects) or list(CLIP_ASPECTS))
    with runtime.session() as session:
        clip = clip_services.create_clip(session, report_id, data, actor=actor)
        if not background:
            jobs.discard_pending(session)  # run here, not on the queue
        session.commit()
        clip_id, job_id = clip.id, clip.job_id
    if not background:
        assert job_id is not None
        run_inline(runtime, job_id, f"clip #{clip_id}")
    with runtime.session() as session:
        return clip_summary(clip_services.get_clip(session, clip_id),
                            runtime.settings.media_path)


@click.command("clip")
@click.argument("report_id", type=int)
@click.option("--in", "in_text", required=True, metavar="TIME",
              help="In point: seconds (62.5) or a timecode (00:01:02.500).")
@click.option("--out", "out_text", required=True, metavar="TIME",
              help="Out point, at most 90 s after the in point.")
@click.option("--language", help="Burn in this approved subtitle track (default: none).")
@click.option("--title", default="", help="The title card's text (default: the report's).")
@click.option("--aspect", "aspects", multiple=True, type=click.Choice(CLIP_ASPECTS),
              help="9:16 or 1:1; repeat for both (default: both).")
@click.option("--background", is_flag=True, help="Queue the job for a worker and return.")
@click.option("--json", "as_json", is_flag=True)
@as_option
@pass_state
@friendly
def clip_command(state: State, report_id: int, in_text: str, out_text: str,
                 language: str | None, title: str, aspects: tuple[str, ...],
                 background: bool, as_json: bool, as_user: str | None) -> None:
    """Cut a social clip (9:16 and/or 1:1, subtitles burned in) from an approved REPORT."""
    summary = make_clip(state, report_id, in_text, out_text, language, title, aspects,
                        background=background, as_user=as_user)
    if as_json:
        echo_json(summary)
        return
    click.echo(f"clip #{summary['id']} {summary['status']}: {summary['in']} - "
               f"{summary['out']}")
    files = summary["files"]
    assert isinstance(files, dict)
    for aspect, entry in files.items():
        click.echo(f"  {aspect}: {entry['path']} ({entry['bytes']} bytes)")
