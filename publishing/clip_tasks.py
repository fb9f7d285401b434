"""Publishing's social clip job: render each shape with one ffmpeg command, store the files.

Each shape is made in the job's work folder and moved into the content-addressed media
store only when every shape succeeded, so a cancelled or failed job leaves no half file
anywhere a download could reach; the work folder is removed however the job ends
(docs/publishing.md "Social clips").
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from delivery.renditions import link_subtitle_font
from production import ffmpeg
from production.models import MediaAsset
from production.storage import MediaStore, sha256_file
from publishing import clip_services, clips
from publishing.models import SocialClip
from publishing.services import check_publishable, get_publication
from station.errors import StationError
from station.i18n import N_
from station.jobs import JobCancelled, JobContext, handler
from subtitles import fonts
from subtitles.cues import Cue
from subtitles.services import stored_cues, track_for

log = logging.getLogger(__name__)

LOGO = Path(__file__).resolve().parent.parent / "assets" / "img" / "logo.png"
# Step names as pages show them (the catalogue has each).
STEPS = {"9:16": N_("Rendering the 9:16 clip"), "1:1": N_("Rendering the 1:1 clip")}
STEP_SAVE = N_("Saving the clip")
# The share of the progress bar before and after the renders (reading, storing).
_START, _END = 2.0, 97.0


class ClipRenderFailed(StationError):
    """ffmpeg could not make the clip; the message quotes ffmpeg's own words."""

    retryable = False


@dataclass(frozen=True)
class ClipPlan:
    """What the job read from the database before rendering (no session held while ffmpeg
    runs, which may take minutes)."""

    clip_id: int
    title: str
    aspects: tuple[str, ...]
    in_ms: int
    out_ms: int
    language: str | None
    cues: tuple[Cue, ...]
    source: Path
    demuxer: str | None
    display: tuple[int, int]
    fps: str
    interlaced: bool


def _fps(asset: MediaAsset) -> str:
    """The source's exact rate when it is a usual one (up to 60 fps), else 25."""
    num, _, den = (asset.frame_rate or "").partition("/")
    try:
        value = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return clips.DEFAULT_FPS
    if 0 < value <= 60 and asset.frame_rate:
        return asset.frame_rate
    return clips.DEFAULT_FPS


def _display(report: Any, asset: MediaAsset) -> tuple[int, int]:
    """The picture's shape with square pixels: the proxy is made so, the master may not be."""
    proxy = report.asset("proxy")
    for candidate in (proxy, asset):
        if candidate is not None and candidate.width and candidate.height:
            return int(candidate.width), int(candidate.height)
    return 16, 9


def read_plan(session: Session, clip: SocialClip, store: MediaStore) -> ClipPlan:
    """Check again what may have changed since the clip was asked for, and read it."""
    report = clip.report
    check_publishable(report)
    asset = clip_services.picture_asset(report)
    cues: tuple[Cue, ...] = ()
    if clip.language:
        clip_services.check_language(session, report.id, clip.language)
        track = track_for(session, report.id, clip.language)
        assert track is not None  # check_language refused a missing track
        cues = tuple(stored_cues(session, track.id)[1])
    demuxer = ffmpeg.demuxer_for(asset.container) if asset.role == "master" else None
    return ClipPlan(clip.id, clip.title, tuple(clip.aspects), clip.in_ms, clip.out_ms,
                    clip.language, cues, store.path(asset.storage_key), demuxer,
                    _display(report, asset), _fps(asset),
                    asset.field_order not in (None, "", "progressive", "unknown"))


def _title_font(title: str) -> Path | None:
    """DejaVu Sans Bold when it draws every letter of the title (every Vietnamese one does);
    else the font of the script the title needs (a Chinese title: WenQuanYi)."""
    covered = fonts.coverage("vi")
    regular = fonts.font_file(fonts.DEFAULT_FAMILY)
    if all(covered(ch) for ch in title) and regular is not None:
        bold = regular.with_name(regular.stem + "-Bold" + regular.suffix)
        return bold if bold.is_file() else regular
    for language in ("zh", "lo", "th", "km", "blt-Tavt"):
        if all(fonts.coverage(language)(ch) for ch in title):
            return fonts.font_file(fonts.family_for(language))
    return regular


def prepare_shape(plan: ClipPlan, aspect: str, work: Path, settings: Any) -> clips.ClipRender:
    """Write the shape's ASS and title files into work and describe its ffmpeg command
    (the benchmark runs the very same command bare)."""
    shape = clips.geometry(aspect, *plan.display)
    folder = work / aspect.replace(":", "x")
    folder.mkdir(parents=True, exist_ok=True)
    ass: Path | None = None
    fonts_dir: Path | None = None
    if plan.language:
        ass = folder / "subtitles.ass"
        ass.write_text(clips.ass_document(plan.cues, plan.in_ms, plan.out_ms, plan.language,
                                          shape), encoding="utf-8")
        fonts_dir = link_subtitle_font(plan.language, work / "fonts")
    title_files = []
    for index, line in enumerate(clips.title_lines(plan.title)):
        path = folder / f"title{index}.txt"
        path.write_text(line, encoding="utf-8")
        title_files.append(path)
    return clips.ClipRender(
        ffmpeg=settings.ffmpeg_binary, source=plan.source, demuxer=plan.demuxer,
        in_ms=plan.in_ms, out_ms=plan.out_ms, shape=shape, output=folder / "clip.mp4",
        fps=plan.fps, interlaced=plan.interlaced, subtitles=ass, fonts_dir=fonts_dir,
        title_files=tuple(title_files), title_font=_title_font(plan.title),
        logo=LOGO if LOGO.is_file() else None)


def render_shape(plan: ClipPlan, aspect: str, work: Path, settings: Any, *,
                 on_progress: Callable[[float], None] | None = None,
                 should_cancel: Callable[[], bool] | None = None) -> tuple[Path, str]:
    """Render one shape with its one ffmpeg command; returns the file and ffmpeg's log
    (which names the font libass loaded)."""
    render = prepare_shape(plan, aspect, work, settings)
    log_text = ffmpeg.run(clips.clip_argv(render), duration_ms=render.duration_ms,
                          on_progress=on_progress, should_cancel=should_cancel,
                          timeout=settings.job_time_limit)
    return render.output, log_text


def _render_all(ctx: JobContext, plan: ClipPlan, work: Path) -> dict[str, Path]:
    """Every shape in turn, the progress bar shared between them."""
    made: dict[str, Path] = {}
    share = (_END - _START) / len(plan.aspects)
    for index, aspect in enumerate(plan.aspects):
        base = _START + index * share
        ctx.progress(base, STEPS[aspect], force=True)
        try:
            made[aspect], _ = render_shape(
                plan, aspect, work, ctx.runtime.settings,
                on_progress=lambda p, b=base: ctx.progress(b + p * share / 100),
                should_cancel=ctx.should_cancel)
        except ffmpeg.FFmpegCancelled as exc:  # cancelled, or past the job's time limit
            raise JobCancelled("Cancelled by a user") from exc
        except ffmpeg.FFmpegError as exc:
            raise ClipRenderFailed(N_("ffmpeg could not render the {aspect} clip: {reason}"),
                                   aspect=aspect, reason=str(exc)) from exc
    return made


def _store(made: dict[str, Path], settings: Any, store: MediaStore) -> dict[str, Any]:
    """Move the finished files into the media store, with their length as ffprobe reads it."""
    outputs: dict[str, Any] = {}
    for aspect, path in made.items():
        probed = ffmpeg.probe(path, ffprobe=settings.ffprobe_binary)
        size = path.stat().st_size
        digest = sha256_file(path)
        outputs[aspect] = {"key": store.put(path, digest, "mp4"), "bytes": size,
                           "duration_ms": probed.duration_ms, "sha256": digest}
    return outputs


def _clip_failed(ctx: JobContext, exc: BaseException) -> None:
    """Mark the clip failed with the job's reason (a cancel included), keeping no files."""
    with ctx.runtime.session() as session:
        clip = session.get(SocialClip, ctx.args.get("clip_id"))
        if clip is not None and clip.status in ("queued", "rendering"):
            clip.status = "failed"
            clip.error = str(exc)[:2000]
            session.commit()


@handler(clip_services.CLIP_JOB, on_failure=_clip_failed)
def render_clip(ctx: JobContext) -> dict[str, Any]:
    """Render a social clip's shapes; repeatable, since files are stored only at the end."""
    settings = ctx.runtime.settings
    store = MediaStore(settings.media_path)
    with ctx.runtime.session() as session:
        clip = clip_services.get_clip(session, ctx.args["clip_id"])
        plan = read_plan(session, clip, store)
        clip.status, clip.error = "rendering", ""
        session.commit()
    work = settings.media_path / "work" / f"job-{ctx.job_id}"
    shutil.rmtree(work, ignore_errors=True)  # a rerun starts clean
    try:
        outputs = _store(_render_all(ctx, plan, work), settings, store)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ctx.progress(_END + 1, STEP_SAVE, force=True)
    with ctx.runtime.session() as session:
        clip = clip_services.get_clip(session, plan.clip_id)
        publication = get_publication(session, clip.report_id)
        # Unpublished while it rendered: the clip is born withdrawn, like its siblings.
        withdrawn = publication is not None and publication.status == "withdrawn"
        clip.outputs = outputs
        clip.status = "withdrawn" if withdrawn else "ready"
        clip.error = ""
        session.commit()
        return {"clip_id": clip.id, "status": clip.status,
                "outputs": {a: o["bytes"] for a, o in outputs.items()}}
