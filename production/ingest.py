"""Ingest of a master: hash, de-duplicate, probe, derive proxy/audio/poster/waveform, measure.

One ffmpeg process decodes the master once and writes the web proxy, the 16 kHz speech WAV
and the EBU R 128 loudness summary together; poster and waveform are cheap follow-ups. All
derived files are made in a work folder and stored only when every step succeeded, so a
failure leaves the report and the media store exactly as they were.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from production import ffmpeg
from production.storage import MediaStore, sha256_file
from station.config import Settings
from station.errors import MediaError, TooLarge
from station.jobs import JobCancelled
from station.text import human_size

log = logging.getLogger(__name__)

Progress = Callable[[float, str | None], None]


@dataclass
class DerivedFile:
    """A file ingest made, with the metadata its MediaAsset row will carry."""

    role: str
    path: Path
    ext: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class IngestPlan:
    """What ingest learned about a master before it spends time on ffmpeg."""

    sha256: str
    size_bytes: int
    probe: ffmpeg.ProbeResult


def check_upload(path: Path, settings: Settings) -> int:
    """Refuse missing, empty or oversized files before any work is done."""
    if not path.is_file():
        raise MediaError("The uploaded file is gone; upload it again")
    size = path.stat().st_size
    if size == 0:
        raise MediaError("The file is empty (0 bytes); nothing to ingest")
    if size > settings.upload_max_bytes:
        raise TooLarge(
            "The file is {size}, over the limit of {limit}",
            size=human_size(size),
            limit=human_size(settings.upload_max_bytes),
        )
    return size


def scrub(text: str, path: Path, shown_as: str) -> str:
    """ffmpeg quotes the server's file paths; users see their own file name instead."""
    return text.replace(str(path), shown_as).replace(str(path.parent) + "/", "")


def refused_format(exc: ffmpeg.RefusedFormat) -> MediaError:
    """Say what a refused upload is, so the editor knows to send the media itself."""
    name = exc.format_name
    if name in ffmpeg.PLAYLIST_FORMATS:
        return MediaError("This file is a playlist ({format}), not a media file; "
                          "upload the media itself", format=name)
    if name in ffmpeg.STREAM_DESCRIPTION_FORMATS:
        return MediaError("This file describes a network stream ({format}), not a media "
                          "file; upload the media itself", format=name)
    return MediaError("Station does not take {format} files as masters; upload MP4, MOV, MXF, "
                      "MKV, MPEG-TS, AVI, DV, WAV, AIFF, MP3, FLAC, AAC or Ogg", format=name)


def probe_master(path: Path, settings: Settings, *, needs_video: bool,
                 shown_as: str = "") -> ffmpeg.ProbeResult:
    """Probe with ffprobe and check the master suits the report, quoting ffprobe on failure.

    The upload is untrusted: only ffmpeg.ALLOWED_FORMATS are opened, so a playlist or other
    file naming further inputs is refused before any of them is read.
    """
    try:
        result = ffmpeg.probe(path, ffprobe=settings.ffprobe_binary, untrusted=True)
    except ffmpeg.RefusedFormat as exc:
        raise refused_format(exc) from exc
    except ffmpeg.FFmpegError as exc:
        raise MediaError(
            "This is not a media file Station can read (ffprobe: {detail})",
            detail=scrub(exc.stderr_tail or str(exc), path, shown_as or path.name),
        ) from exc
    if needs_video and result.video is None:
        raise MediaError(
            "This file has sound but no picture; a TV report needs a video master"
        )
    if result.audio is None:
        raise MediaError(
            "This file has no audio stream; Station needs the programme sound "
            "(loudness, subtitles)"
        )
    if not result.duration_ms:
        raise MediaError("ffprobe could not tell the file's duration; it may be truncated")
    return result


def asset_meta(probe: ffmpeg.ProbeResult) -> dict[str, Any]:
    """MediaAsset columns from a probe."""
    meta: dict[str, Any] = {
        "container": probe.container[:80],
        "duration_ms": probe.duration_ms,
        "bit_rate": probe.bit_rate,
    }
    if probe.video is not None:
        meta.update(
            video_codec=probe.video.codec,
            width=probe.video.width,
            height=probe.video.height,
            frame_rate=probe.video.frame_rate,
            field_order=probe.video.field_order,
        )
    if probe.audio is not None:
        meta.update(
            audio_codec=probe.audio.codec,
            sample_rate=probe.audio.sample_rate,
            channels=probe.audio.channels,
        )
    return meta


def derive(
    master: Path,
    probe: ffmpeg.ProbeResult,
    work: Path,
    settings: Settings,
    *,
    progress: Progress,
    should_cancel: Callable[[], bool],
    timeout: float,
) -> tuple[list[DerivedFile], ffmpeg.Loudness, list[int] | None]:
    """Make the proxy, speech WAV, poster, waveform and peaks; measure the master's loudness
    and find its shot changes (ms; None without a picture) in the same decode."""
    has_video = probe.video is not None
    interlaced = bool(probe.video and probe.video.field_order not in ("progressive", "unknown"))
    proxy = work / ("proxy.mp4" if has_video else "proxy.m4a")
    audio = work / "audio.wav"
    scenes = work / "scenes.txt" if has_video else None
    demuxer = _demuxer(probe.container)
    argv = ffmpeg.ingest_argv(
        settings.ffmpeg_binary,
        master,
        proxy_path=proxy,
        audio_path=audio,
        has_video=has_video,
        interlaced=interlaced,
        proxy_max_height=settings.proxy_max_height,
        scenes_path=scenes,
        demuxer=demuxer,
    )
    progress(5.0, "transcode")
    stderr = _run(
        argv,
        duration_ms=probe.duration_ms,
        on_progress=lambda pct: progress(5.0 + pct * 0.85, None),
        should_cancel=should_cancel,
        timeout=timeout,
    )
    loudness = ffmpeg.parse_ebur128(stderr)
    shots = read_shot_changes(scenes) if scenes is not None else None
    files = [
        DerivedFile("proxy", proxy, proxy.suffix, _probe_meta(proxy, settings)),
        DerivedFile("audio", audio, "wav", _probe_meta(audio, settings)),
    ]
    if has_video:
        progress(91.0, "poster")
        files.append(_poster(master, probe, work, settings, demuxer,
                             should_cancel=should_cancel, timeout=timeout))
    progress(94.0, "waveform")
    files += _waveform_and_peaks(audio, probe, work, settings,
                                 should_cancel=should_cancel, timeout=timeout)
    return files, loudness, shots


def _poster(master: Path, probe: ffmpeg.ProbeResult, work: Path, settings: Settings,
            demuxer: str, *, should_cancel: Callable[[], bool], timeout: float) -> DerivedFile:
    """One frame a third of the way in (at most 10 s), as the report's picture."""
    poster = work / "poster.jpg"
    at_ms = min(10_000, (probe.duration_ms or 0) // 3)
    _run(ffmpeg.poster_argv(settings.ffmpeg_binary, master, poster, at_ms=at_ms,
                            demuxer=demuxer),
         should_cancel=should_cancel, timeout=timeout)
    return DerivedFile("poster", poster, "jpg", _probe_meta(poster, settings))


def _waveform_and_peaks(audio: Path, probe: ffmpeg.ProbeResult, work: Path, settings: Settings,
                        *, should_cancel: Callable[[], bool],
                        timeout: float) -> list[DerivedFile]:
    """The waveform picture and the peaks the browser draws its interactive waveform from,
    both from the speech WAV."""
    waveform = work / "waveform.png"
    _run(ffmpeg.waveform_argv(settings.ffmpeg_binary, audio, waveform),
         should_cancel=should_cancel, timeout=timeout)
    peaks = work / "peaks.json"
    peaks.write_text(
        json.dumps({"buckets_per_second": 20, "peaks": ffmpeg.compute_peaks(audio)}),
        encoding="utf-8",
    )
    return [DerivedFile("waveform", waveform, "png", {"container": "png"}),
            DerivedFile("peaks", peaks, "json",
                        {"container": "json", "duration_ms": probe.duration_ms})]


def read_shot_changes(path: Path) -> list[int] | None:
    """The shot changes ffmpeg listed; None (not detected) rather than a failed ingest when
    the list is missing, since proxy, sound and loudness are still good."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        log.warning("no shot change list from ffmpeg (%s); stored as not detected", exc)
        return None
    return ffmpeg.parse_scene_changes(text)


def find_shot_changes(master: Path, work: Path, settings: Settings, *, interlaced: bool,
                      timeout: float,
                      should_cancel: Callable[[], bool] | None = None) -> list[int] | None:
    """Decode a master again for its shot changes alone (for masters ingested before Station
    looked for them); the same picture and threshold as in derive, and the same guard: the
    master is probed as untrusted and read only with its own demuxer."""
    try:
        container = ffmpeg.probe(master, ffprobe=settings.ffprobe_binary,
                                 untrusted=True).container
    except ffmpeg.RefusedFormat as exc:
        raise refused_format(exc) from exc
    except ffmpeg.FFmpegError as exc:
        raise MediaError("This is not a media file Station can read (ffprobe: {detail})",
                         detail=scrub(exc.stderr_tail or str(exc), master, master.name)) from exc
    scenes = work / "scenes.txt"
    _run(ffmpeg.scenes_argv(settings.ffmpeg_binary, master, scenes, interlaced=interlaced,
                            max_height=settings.proxy_max_height,
                            demuxer=_demuxer(container)),
         timeout=timeout, should_cancel=should_cancel)
    return read_shot_changes(scenes)


def loudness_meta(loudness: ffmpeg.Loudness) -> dict[str, float]:
    """The master's MediaAsset columns for its EBU R 128 measurement."""
    return {"loudness_lufs": loudness.integrated_lufs,
            "true_peak_dbtp": loudness.true_peak_dbtp,
            "loudness_range_lu": loudness.lra_lu}


def _demuxer(container: str) -> str:
    """The demuxer a probed master is read with; a refused format is the user's input error."""
    try:
        return ffmpeg.demuxer_for(container)
    except ffmpeg.RefusedFormat as exc:
        raise refused_format(exc) from exc


def _probe_meta(path: Path, settings: Settings) -> dict[str, Any]:
    return asset_meta(ffmpeg.probe(path, ffprobe=settings.ffprobe_binary))


def _run(argv: list[str], **kwargs: Any) -> str:
    try:
        return ffmpeg.run(argv, **kwargs)
    except ffmpeg.FFmpegCancelled as exc:
        raise JobCancelled("Cancelled by a user") from exc
    except ffmpeg.FFmpegTimeout as exc:
        raise MediaError("ffmpeg ran past the job's time limit") from exc
    except ffmpeg.FFmpegError as exc:
        detail = exc.stderr_tail or str(exc)
        for arg in argv:  # no server paths in what users read
            if arg.startswith("/"):
                detail = detail.replace(arg, Path(arg).name)
        raise MediaError("ffmpeg could not process the file: {detail}", detail=detail) from exc


def store_files(
    store: MediaStore, files: list[DerivedFile]
) -> list[tuple[DerivedFile, str, str, int]]:
    """Move derived files into the store: (file, key, sha256, size) for each."""
    stored = []
    for item in files:
        size = item.path.stat().st_size
        sha = sha256_file(item.path)
        key = store.put(item.path, sha, item.ext)
        stored.append((item, key, sha, size))
    return stored


def clean(path: Path) -> None:
    """Remove a work folder or file, ignoring what is already gone."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def describe(row: dict[str, Any]) -> str:
    """One line for the history: "1920x1080 h264 25/1, aac 48000 Hz, 0:06"."""
    from station.timecode import format_duration

    parts = []
    if row.get("width"):
        parts.append(f"{row['width']}x{row['height']} {row.get('video_codec')} "
                     f"{row.get('frame_rate')}")
    if row.get("audio_codec"):
        parts.append(f"{row['audio_codec']} {row.get('sample_rate')} Hz")
    parts.append(format_duration(row.get("duration_ms")))
    return ", ".join(parts)
