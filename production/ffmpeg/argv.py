"""ffmpeg argv builders for ingest (proxy, speech WAV, loudness, shot changes), posters and
waveform pictures. ffmpeg-python's graph builder only *compiles* the lists; nothing runs here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ffmpeg as ffmpeg_lib

from production.ffmpeg.errors import path_arg
from production.ffmpeg.probing import input_options

# Station blue, used for the waveform picture (matches the web UI accent).
WAVEFORM_COLOUR = "0x1f5fa8"
# Whisper and most speech recognisers expect 16 kHz mono 16-bit PCM.
ASR_SAMPLE_RATE = 16000
# Web proxy audio: AAC-LC 128 kb/s, 48 kHz stereo plays in every browser.
PROXY_AUDIO_BITRATE = "128k"
PROXY_AUDIO_RATE = 48000
# A keyframe every 2 s keeps scrubbing in the subtitle editor responsive.
PROXY_KEYFRAME_EXPR = "expr:gte(t,n_forced*2)"
# Shot changes: a frame whose ffmpeg scene score (0..1: how much more the picture changed than
# it did a frame earlier) exceeds this starts a new shot. 0.3-0.4 is the usual range. Measured
# on generated media (tests/media.py shot_cuts, plus a mandelbrot and bars-to-HD-bars mix): hard
# cuts scored 0.37-1.0, while moving testsrc2, a 16-32 px/frame pan and a 2.5 s fade from black
# stayed under 0.06; 0.3 keeps cuts between similar-looking shots with a wide margin over motion
# (docs/subtitles.md "Shot changes").
SCENE_THRESHOLD = 0.3
# The scene branch's time base: its frames' pts are then whole milliseconds, exact at any
# length (pts_time is printed with 6 significant digits: 100 ms steps after 2.8 hours).
_SCENE_TIME_BASE = "1/1000"

# Options every long-running ffmpeg call gets: no stdin (a worker has none), no banner, machine
# readable progress on stdout, and info level so the ebur128 summary reaches stderr.
PROGRESS_ARGS = [
    "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info", "-progress", "pipe:1",
]
# Short one-frame jobs only need errors.
_QUIET_ARGS = ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"]


def _scale_kwargs(max_height: int) -> dict[str, str]:
    """scale arguments: height at most max_height and even, never upscaled, width from the display
    aspect ratio (so anamorphic SD becomes square pixels) and even, as yuv420p needs."""
    return {
        "w": "trunc(oh*dar/2)*2",
        "h": f"trunc(min({int(max_height)},ih)/2)*2",
    }


def ingest_argv(
    ffmpeg: str,
    src: str | Path,
    *,
    proxy_path: str | Path,
    audio_path: str | Path | None,
    has_video: bool,
    interlaced: bool = False,
    proxy_max_height: int = 720,
    has_audio: bool = True,
    scenes_path: str | Path | None = None,
    scene_threshold: float = SCENE_THRESHOLD,
    demuxer: str | None = None,
) -> list[str]:
    """One ffmpeg process that decodes the master once and writes the web proxy, the 16 kHz mono
    WAV for speech recognition, the EBU R 128 summary (to stderr) and, with scenes_path, the
    shot changes, because decoding a long master four times would quadruple the ingest time.

    Audio is first passed through ``aresample=async=1:first_pts=0``: if the master's sound starts
    later than its picture, silence is padded in front, so time 0 in the WAV (and therefore every
    recognised word's timestamp) is time 0 of the video. It does not change the sample rate, so
    loudness is still measured on the master's own audio. ``ebur128`` uses ``dualmono=true``:
    a mono master is broadcast on both channels, which is how R 128 measures it (+3 LU).

    Shot changes are scored on the proxy's picture (deinterlaced, at most proxy_max_height):
    ``select`` keeps the frames whose scene score passes scene_threshold and ``metadata=print``
    writes them to scenes_path (a file: stderr already carries ebur128 and errors), read by
    parse_scene_changes. Reusing the proxy's downscale costs nothing extra: on a 1-minute 1080p
    clip a separate 160 px bicubic scale added 16 % CPU, scoring the 720p proxy frames under 1 %
    (the score is a per-pixel mean: 160 px and 1280 px frames scored cuts within 0.01).

    demuxer: the master's probed demuxer (demuxer_for), forced with input_options.
    """
    if not has_video and not has_audio:
        raise ValueError("ingest needs a video or an audio stream")
    if has_audio and audio_path is None:
        raise ValueError("audio_path is required when the master has audio")
    source = ffmpeg_lib.input(path_arg(src), **input_options(demuxer))
    proxy_streams: list[Any] = []
    side_outputs: list[Any] = []
    if has_video:
        picture = _proxy_picture(source["V"], interlaced, proxy_max_height)
        if scenes_path is not None:
            split_picture = picture.filter_multi_output("split", 2)
            picture = split_picture[0]
            side_outputs.append(_scene_output(split_picture[1], scenes_path, scene_threshold))
        proxy_streams.append(picture)
    outputs = []
    if has_audio:
        assert audio_path is not None
        proxy_sound, sound_outputs = _sound_branches(source["a"], audio_path)
        proxy_streams.append(proxy_sound)
        outputs.extend(sound_outputs)
    proxy = ffmpeg_lib.output(*proxy_streams, path_arg(proxy_path),
                              **_proxy_options(has_video, has_audio))
    outputs = [proxy, *outputs, *side_outputs]
    graph = ffmpeg_lib.merge_outputs(*outputs).global_args(*PROGRESS_ARGS).overwrite_output()
    return graph.compile(cmd=ffmpeg)


def _proxy_picture(picture: Any, interlaced: bool, max_height: int) -> Any:
    """The proxy's picture ("V": video streams that are not attached cover art): deinterlaced
    when the master is, scaled by _scale_kwargs, square pixels."""
    if interlaced:
        picture = picture.filter("yadif")
    return picture.filter("scale", **_scale_kwargs(max_height)).filter("setsar", "1")


def _sound_branches(sound: Any, audio_path: str | Path) -> tuple[Any, list[Any]]:
    """The master's sound, aligned to the picture's time 0, split three ways: the proxy's sound
    (returned first), the 16 kHz speech WAV at audio_path and the ebur128 meter (null outputs)."""
    aligned = sound.filter("aresample", **{"async": 1, "first_pts": 0})
    split = aligned.filter_multi_output("asplit", 3)
    speech = split[1].filter("aresample", ASR_SAMPLE_RATE).filter(
        "aformat", sample_fmts="s16", channel_layouts="mono"
    )
    speech_out = ffmpeg_lib.output(
        speech, path_arg(audio_path),
        **{"c:a": "pcm_s16le", "ar": ASR_SAMPLE_RATE, "ac": 1, "f": "wav"},
    )
    meter = split[2].filter("ebur128", peak="true", dualmono="true", framelog="verbose")
    return split[0], [speech_out, ffmpeg_lib.output(meter, "-", f="null")]


def _proxy_options(has_video: bool, has_audio: bool) -> dict[str, Any]:
    """Output options of the web proxy: faststart MP4, H.264 main with a keyframe every 2 s,
    AAC stereo; only the codecs of the streams the master has."""
    options: dict[str, Any] = {"f": "mp4", "movflags": "+faststart"}
    if has_video:
        options.update({
            "c:v": "libx264", "preset": "veryfast", "crf": 23, "pix_fmt": "yuv420p",
            "profile:v": "main", "force_key_frames": PROXY_KEYFRAME_EXPR,
        })
    if has_audio:
        options.update({
            "c:a": "aac", "b:a": PROXY_AUDIO_BITRATE, "ar": PROXY_AUDIO_RATE, "ac": 2,
        })
    return options


def _scene_output(picture: Any, scenes_path: str | Path, threshold: float) -> Any:
    """The shot-change branch: a millisecond clock, the scene score, the selected frames' times
    written to scenes_path, and a null output (only the file matters)."""
    scenes = (
        picture.filter("settb", _SCENE_TIME_BASE)
        .filter("select", f"gt(scene,{float(threshold):g})")
        .filter("metadata", mode="print", file=path_arg(scenes_path))
    )
    return ffmpeg_lib.output(scenes, "-", f="null")


def scenes_argv(
    ffmpeg: str,
    src: str | Path,
    scenes_path: str | Path,
    *,
    interlaced: bool = False,
    max_height: int = 720,
    threshold: float = SCENE_THRESHOLD,
    demuxer: str | None = None,
) -> list[str]:
    """Only the shot changes, on the same picture ingest scores (deinterlaced, scaled like the
    proxy), for masters ingested before Station looked for them."""
    picture = ffmpeg_lib.input(path_arg(src), **input_options(demuxer))["V"]
    picture = _proxy_picture(picture, interlaced, max_height)
    out = _scene_output(picture, scenes_path, threshold)
    return out.global_args(*PROGRESS_ARGS).overwrite_output().compile(cmd=ffmpeg)


def poster_argv(
    ffmpeg: str, src: str | Path, dst: str | Path, *, at_ms: int, max_height: int = 720,
    demuxer: str | None = None,
) -> list[str]:
    """One JPEG frame at at_ms, seeking on the input (fast: no decoding from the start).

    ``yadif=deint=interlaced`` only touches frames flagged interlaced, so 50i masters give a
    clean poster and progressive ones are left alone. A seek past the end writes no file and
    ffmpeg still exits 0: callers should check that dst exists.
    """
    seconds = f"{max(0, int(at_ms)) / 1000:.3f}"
    picture = (
        ffmpeg_lib.input(path_arg(src), ss=seconds, **input_options(demuxer))["V"]
        .filter("yadif", deint="interlaced")
        .filter("scale", **_scale_kwargs(max_height))
        .filter("setsar", "1")
    )
    out = ffmpeg_lib.output(picture, path_arg(dst),
                            **{"frames:v": 1, "q:v": 3, "f": "image2", "update": 1})
    return out.global_args(*_QUIET_ARGS).overwrite_output().compile(cmd=ffmpeg)


def waveform_argv(
    ffmpeg: str, wav_src: str | Path, dst: str | Path, *, width: int = 1200, height: int = 160
) -> list[str]:
    """A PNG overview of the sound: station-blue peaks on a transparent background, so it sits on
    the page's own (light) background. Square-root amplitude makes quiet speech visible."""
    picture = ffmpeg_lib.input(path_arg(wav_src), **input_options("wav"))["a"].filter(
        "showwavespic", s=f"{int(width)}x{int(height)}", colors=WAVEFORM_COLOUR,
        scale="sqrt", filter="peak", split_channels=0,
    )
    out = ffmpeg_lib.output(picture, path_arg(dst),
                            **{"frames:v": 1, "c:v": "png", "f": "image2", "update": 1})
    return out.global_args(*_QUIET_ARGS).overwrite_output().compile(cmd=ffmpeg)

