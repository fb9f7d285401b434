"""The media step of a full package: loudness measured on the master, the title card, the video
and audio renditions (or the master copied), each measured again afterwards."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from delivery import renditions as rd
from delivery.build_state import _State
from delivery.build_types import (
    _CHUNK,
    _EXTENSION,
    FAIL_AUDIO,
    FAIL_MEASURE,
    FAIL_METER,
    FAIL_VIDEO,
    LOUDNESS_TOLERANCE_LU,
    STEP_AUDIO,
    STEP_CARD,
    STEP_CHECK,
    STEP_COPY,
    STEP_MEASURE,
    STEP_METER,
    STEP_VIDEO,
    _same_language,
    shifted,
)
from delivery.titlecard import STATION_NAME, TitleCard, make_title_card
from production import ffmpeg as ff
from station.errors import MediaError, ValidationError
from subtitles import formats

log = logging.getLogger(__name__)

def _media(state: _State, *, normalize: bool, card: bool) -> None:
    """Video and/or audio renditions of the master, each measured again afterwards."""
    request, spec = state.request, state.request.spec
    assert request.master is not None  # validate() refused a full package without one
    master = Path(request.master)
    state.plan.start(STEP_CHECK)
    try:
        # Stored masters passed the ingest's guard; probed again under it all the same, so a
        # file put in the media store by other means is read no more freely than an upload.
        info = ff.probe(master, ffprobe=state.ffprobe, untrusted=True)
        state.master_demuxer = ff.demuxer_for(info.container)
    except ff.RefusedFormat as exc:
        raise MediaError("The master is not a media file Station can read (ffprobe: {detail})",
                         detail=str(exc)) from exc
    except ff.FFmpegError as exc:
        raise MediaError("The master is not a media file Station can read (ffprobe: {detail})",
                         detail=(exc.stderr_tail or str(exc)).replace(str(master),
                                                                      master.name)) from exc
    if spec.video != "none" and info.video is None:
        raise MediaError("The master has no picture, and {partner} wants video",
                         partner=request.report.partner)
    if (spec.video == "render" or spec.audio != "none") and info.audio is None:
        raise MediaError("The master has no sound track")
    duration = info.duration_ms
    audio_filter: str | None = None
    if normalize:
        state.check_cancel()
        step = state.plan.start(STEP_MEASURE)
        measure = rd.parse_loudnorm(state.run(
            rd.loudnorm_measure_argv(request.ffmpeg, master, target_i=spec.loudness_i,
                                     target_tp=spec.loudness_tp),
            FAIL_MEASURE, duration_ms=duration, on_progress=step))
        audio_filter = rd.loudnorm_filter(measure, target_i=spec.loudness_i,
                                          target_tp=spec.loudness_tp)
        log.info("%s: master measures %.2f LUFS, %.2f dBTP, LRA %.2f", state.name,
                 measure.input_i, measure.input_tp, measure.input_lra)
    renditions: list[tuple[str, Path, str | None]] = []  # (kind, path, normalization type)
    if spec.video == "render":
        renditions.append(("video", *_render_video(state, master, duration, audio_filter, card)))
    elif spec.video == "master":
        renditions.append(("video", _copy_master(state, master), None))
    if spec.audio != "none":
        state.check_cancel()
        step = state.plan.start(STEP_AUDIO)
        dst = state.data / f"{state.stem}.{'wav' if spec.audio == 'bwf' else 'mp3'}"
        stderr = state.run(
            rd.audio_rendition_argv(request.ffmpeg, master, dst, fmt=spec.audio,
                                    audio_filter=audio_filter, description=request.report.title,
                                    originator=STATION_NAME),
            FAIL_AUDIO, duration_ms=duration, on_progress=step)
        kind = rd.parse_normalization_type(stderr) if audio_filter else None
        renditions.append(("audio", dst, kind))
    if renditions:
        step = state.plan.start(STEP_METER)
        for number, (kind, path, normalization) in enumerate(renditions):
            state.check_cancel()
            _describe(state, kind, path, normalization, audio_filter is not None,
                      lambda p, n=number: step((n * 100 + p) / len(renditions)))


def _render_video(state: _State, master: Path, duration: int | None, audio_filter: str | None,
                  card: bool) -> tuple[Path, str | None]:
    """The spec's H.264/AAC rendition: loudnorm pass 2, open captions, title card in front."""
    request, spec = state.request, state.request.spec
    intro: Path | None = None
    if card:
        state.check_cancel()
        state.plan.start(STEP_CARD)
        logo = request.logo if spec.logo and request.logo and request.logo.is_file() else None
        if spec.logo and logo is None:
            log.warning("%s: the spec asks for a logo but none was given", state.name)
        intro = make_title_card(
            TitleCard(title=request.report.title, title_en=request.report.title_en,
                      partner=request.report.partner, width=spec.video_spec.width,
                      height=spec.video_spec.height, fps=spec.video_spec.fps,
                      seconds=spec.title_card_seconds, logo=logo),
            state.work / "title_card.mkv", ffmpeg=request.ffmpeg, work_dir=state.work)
    burn: Path | None = None
    fonts: Path | None = None
    language = spec.burn_in_language or "vi"
    if spec.burn_in_language:
        track = next(t for t in request.tracks
                     if _same_language(t.language, spec.burn_in_language))
        burn = state.work / "burn_in.srt"
        burn.write_bytes(formats.write("srt", shifted(track.doc, state.offset_ms,
                                                      track.language)))
        language = track.language
        fonts = rd.link_subtitle_font(language, state.work / "fonts")
    state.check_cancel()
    step = state.plan.start(STEP_VIDEO)
    dst = state.data / f"{state.stem}.mp4"
    argv = rd.video_rendition_argv(
        request.ffmpeg, master, dst, spec.video_spec, audio_filter=audio_filter,
        subtitles=burn, subtitle_language=language, fonts_dir=fonts,
        intro=intro, intro_ms=state.offset_ms if intro else None)
    total = (duration or 0) + state.offset_ms
    stderr = state.run(argv, FAIL_VIDEO, duration_ms=total or None, on_progress=step)
    return dst, rd.parse_normalization_type(stderr) if audio_filter else None


def _copy_master(state: _State, master: Path) -> Path:
    """The master unchanged (the partner re-encodes it), under the package's name."""
    extension = master.suffix.lower().lstrip(".")
    if not _EXTENSION.match(extension):
        raise ValidationError("File extension must be 1-8 ASCII letters or digits: {ext}",
                              ext=master.suffix)
    step = state.plan.start(STEP_COPY)
    dst = state.data / f"{state.stem}.{extension}"
    total = max(1, master.stat().st_size)
    done = 0
    with master.open("rb") as src, dst.open("wb") as out:
        while chunk := src.read(_CHUNK):
            out.write(chunk)
            done += len(chunk)
            step(done * 100 / total)
            state.check_cancel()
    return dst


def _fps(frame_rate: str) -> int | float:
    """25 for "25/1", 29.97 for "30000/1001"."""
    num, _, den = frame_rate.partition("/")
    try:
        value = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0
    return int(value) if value.is_integer() else round(value, 3)


def _describe(state: _State, kind: str, path: Path, normalization: str | None,
              normalized: bool, step: Callable[[float], None]) -> None:
    """Measure a finished rendition with ebur128 and probe it, for the manifest."""
    spec = state.request.spec
    info = ff.probe(path, ffprobe=state.ffprobe)
    entry: dict[str, Any] = {"file": path.relative_to(state.bag).as_posix(),
                             "container": info.container, "duration_ms": info.duration_ms,
                             "bit_rate": info.bit_rate}
    if kind == "video" and info.video is not None:
        entry.update({"codec": info.video.codec, "width": info.video.width,
                      "height": info.video.height, "fps": _fps(info.video.frame_rate),
                      "frame_rate": info.video.frame_rate,
                      "field_order": info.video.field_order})
        if info.audio is not None:
            entry["audio"] = {"codec": info.audio.codec, "sample_rate": info.audio.sample_rate,
                              "channels": info.audio.channels}
    elif info.audio is not None:
        entry.update({"codec": info.audio.codec, "sample_rate": info.audio.sample_rate,
                      "channels": info.audio.channels})
    state.media[kind] = entry
    state.add(path, kind, fmt=path.suffix.lstrip("."))
    if info.audio is None:  # a master copied as it is may have no sound to measure
        entry["loudness"] = None
        return
    loud = ff.parse_ebur128(state.run(rd.ebur128_argv(state.request.ffmpeg, path),
                                      FAIL_METER, duration_ms=info.duration_ms,
                                      on_progress=step))
    loudness: dict[str, Any] = {
        "integrated_lufs": loud.integrated_lufs,
        "true_peak_dbtp": loud.true_peak_dbtp,
        "lra_lu": loud.lra_lu,
        "normalization_type": normalization,
        "meter": "ffmpeg ebur128",
    }
    if normalized:
        loudness.update({
            "target_lufs": spec.loudness_i,
            "target_tp_dbtp": spec.loudness_tp,
            "within_tolerance": (abs(loud.integrated_lufs - spec.loudness_i)
                                 <= LOUDNESS_TOLERANCE_LU
                                 and loud.true_peak_dbtp <= spec.loudness_tp),
        })
        if normalization == "dynamic":
            log.warning("%s: loudnorm went dynamic on the %s rendition", state.name, kind)
    state.loudness[kind] = loudness
    entry["loudness"] = loudness


