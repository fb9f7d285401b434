"""ffmpeg/ffprobe argv builders, output parsers and one process runner, kept free of Flask and the
database so ingest can be tested on real media without an app.

Builders use ffmpeg-python's graph builder only to *compile* argv lists; processes always go
through :func:`run` (or :func:`probe`), which streams ``-progress`` output, honours cancellation and
timeouts, and turns failures into :class:`FFmpegError` quoting ffmpeg's own words.

Notes measured on Debian ffmpeg 5.1:

* ``-progress`` prints ``out_time_us`` and ``out_time_ms`` with the *same* microsecond value
  (``out_time_ms`` is misnamed), so both are read as microseconds.
* ``ebur128`` logs one line per 100 ms at info level unless ``framelog=verbose``; its final
  ``Summary:`` block reports silence as ``I: -70.0 LUFS`` (the absolute gate) and ``Peak: -inf``.
* With ``-nostats`` ffmpeg still prints one final ``frame=... speed=...`` line on stderr.

Untrusted media. An upload is whatever bytes an editor sent, whatever its name: ffmpeg picks a
demuxer by content, and some demuxers open *other* files (hls and concat playlists, sdp stream
descriptions, image2 sequences), so a ".mp4" that is really an HLS playlist listing a server
path would be ingested as that server file. So a master is read in two steps:

1. :func:`probe` with ``untrusted=True`` runs ffprobe with ``-protocol_whitelist file`` and
   ``-format_whitelist`` set to the demuxers of :data:`ALLOWED_FORMATS`. libavformat checks
   the format whitelist right after detecting the format and *before* the demuxer reads its
   header, so a playlist is refused without a single entry being opened (measured on 5.1:
   ``-protocol_whitelist file`` alone does not stop an HLS playlist naming a local file).
   A refusal raises :class:`RefusedFormat` naming the detected demuxer.
2. Every ffmpeg command that reads the master gets :func:`input_options` of the probed
   format: the demuxer forced with ``-f``, the same one as the only allowed format, and
   ``-protocol_whitelist file``, so what ffmpeg reads is what ffprobe approved.

The allowed demuxers open no other files (mov's external references stay off, its default).
"""

from __future__ import annotations

import json
import logging
import math
import queue
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import wave
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ffmpeg as ffmpeg_lib

log = logging.getLogger(__name__)

# Station blue, used for the waveform picture (matches the web UI accent).
WAVEFORM_COLOUR = "0x1f5fa8"
# Whisper and most speech recognisers expect 16 kHz mono 16-bit PCM.
ASR_SAMPLE_RATE = 16000
# Web proxy audio: AAC-LC 128 kb/s, 48 kHz stereo plays in every browser.
PROXY_AUDIO_BITRATE = "128k"
PROXY_AUDIO_RATE = 48000
# A keyframe every 2 s keeps scrubbing in the subtitle editor responsive.
PROXY_KEYFRAME_EXPR = "expr:gte(t,n_forced*2)"
# How often on_progress may be called, in seconds (about 4 calls a second).
PROGRESS_MIN_INTERVAL = 0.25
# How often run() wakes up to check the timeout when ffmpeg is quiet.
POLL_INTERVAL = 0.1
# How often should_cancel is asked (it may query the database, so not on every line).
CANCEL_CHECK_INTERVAL = 0.5
# How many meaningful stderr lines an error message quotes.
TAIL_LINES = 3
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

_SPEC_FIELD_ORDERS = frozenset({"progressive", "tt", "bb", "tb", "bt"})

# The containers a station's masters come in, and the only ones an upload may be read as:
# ffprobe's format_name -> the demuxer ffmpeg is forced to use (-f). Each reads its one file
# and opens nothing else. Playlists and other files that name further inputs (hls, concat,
# dash, sdp, image2 sequences, tee/subfile text) are deliberately absent: see the module
# docstring and docs/operations.md "Untrusted media". Add a format only after checking that
# its demuxer cannot open another file or URL.
ALLOWED_FORMATS: dict[str, str] = {
    "mov,mp4,m4a,3gp,3g2,mj2": "mov",  # MP4, MOV (ProRes, XDCAM in QuickTime), M4A, phones
    "mxf": "mxf",  # XDCAM HD, IMX, AS-11 playout masters
    "matroska,webm": "matroska",  # MKV, WebM
    "mpegts": "mpegts",  # off-air recordings, HDV, AVCHD .m2ts
    "avi": "avi",
    "dv": "dv",  # DV/DVCAM/DVCPRO raw streams
    "wav": "wav",  # WAV, BWF, RF64, BW64
    "w64": "w64",  # Sony Wave64
    "aiff": "aiff",
    "mp3": "mp3",
    "flac": "flac",
    "aac": "aac",  # raw ADTS AAC
    "ogg": "ogg",  # Vorbis, Opus
}
# Refused formats that point at other media: named so the message can say what the file is.
PLAYLIST_FORMATS = frozenset({"hls", "applehttp", "concat", "dash", "webm_dash_manifest"})
STREAM_DESCRIPTION_FORMATS = frozenset({"sdp", "rtsp", "rtp"})
# The only protocol an ffmpeg reading an upload may open: the local file itself.
UPLOAD_PROTOCOLS = "file"


class FFmpegError(Exception):
    """ffmpeg or ffprobe failed; the message quotes the tool's own last meaningful stderr lines."""

    stderr_tail: str

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.stderr_tail = stderr_tail


class RefusedFormat(FFmpegError):
    """The file's format is not one a master may be (ALLOWED_FORMATS); nothing was read from
    any other file it names."""

    format_name: str

    def __init__(self, format_name: str, stderr_tail: str = "") -> None:
        super().__init__(f"{format_name} is not an allowed master format", stderr_tail)
        self.format_name = format_name


class FFmpegCancelled(FFmpegError):
    """The caller asked to stop (should_cancel returned True) and the process was killed."""


class FFmpegTimeout(FFmpegError):
    """The process ran longer than allowed and was killed."""


@dataclass(frozen=True)
class VideoStream:
    """The facts about a picture track that ingest and delivery checks need."""

    codec: str
    width: int
    height: int
    frame_rate: str  # exact rational as ffprobe prints it: "25/1", "30000/1001"
    field_order: str  # "progressive", "tt", "bb", "tb", "bt" or "unknown"
    pix_fmt: str | None


@dataclass(frozen=True)
class AudioStream:
    """The facts about a sound track that ingest and delivery checks need."""

    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class ProbeResult:
    """What a master file contains, reduced to the first real video and first audio stream."""

    container: str  # ffprobe format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    duration_ms: int | None
    bit_rate: int | None
    video: VideoStream | None  # attached pictures (cover art) are not video
    audio: AudioStream | None


@dataclass(frozen=True)
class Loudness:
    """EBU R 128 measurement of a whole programme (integrated, true peak, loudness range)."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra_lu: float


# --------------------------------------------------------------------------- helpers


def path_arg(path: str | Path) -> str:
    """Give ffmpeg a local path it cannot mistake for a protocol ("a:b.mp4") or an option ("-x")."""
    text = str(path)
    head = text.split("/", 1)[0]
    if text.startswith("-") or (":" in head and not text.startswith("file:")):
        return "file:" + text
    return text


_ADDRESS_RE = re.compile(r" @ 0x[0-9a-fA-F]+\]")
_NOISE_RE = re.compile(
    r"^(frame=|size=|video:\S+ audio:|Conversion failed!|Exiting normally|"
    r"\s*Last message repeated|Press \[q\])"
)


def _meaningful_lines(stderr: str) -> list[str]:
    """Drop blank, statistics and boilerplate lines, strip pointer addresses, collapse repeats."""
    out: list[str] = []
    for raw in stderr.splitlines():
        line = _ADDRESS_RE.sub("]", raw.rstrip())
        if not line.strip() or _NOISE_RE.match(line):
            continue
        if out and out[-1] == line:
            continue
        out.append(line)
    return out


def stderr_tail(stderr: str, lines: int = TAIL_LINES) -> str:
    """The last few lines of stderr that explain a failure, for messages a person can act on."""
    return "\n".join(_meaningful_lines(stderr)[-lines:])


def _one_line(tail: str) -> str:
    """Join tail lines for an exception message shown on one line."""
    return "; ".join(line.strip() for line in tail.splitlines() if line.strip())


def _ratio(text: Any) -> float | None:
    """Value of an ffprobe rational such as "30000/1001"; None for "0/0" or junk."""
    try:
        num, _, den = str(text).partition("/")
        value = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 and math.isfinite(value) else None


def _pick_frame_rate(stream: dict[str, Any]) -> str:
    """Choose the exact rational frame rate a person would quote for this stream.

    avg_frame_rate is right for variable-rate phone video (r_frame_rate may read 90000/1) and for
    field-coded 25i (r_frame_rate may read 50/1); when the two agree within 0.5 % the exact
    r_frame_rate is kept, so 29.97 stays "30000/1001" instead of e.g. "2997/100".
    """
    r_text, avg_text = stream.get("r_frame_rate"), stream.get("avg_frame_rate")
    r_val, avg_val = _ratio(r_text), _ratio(avg_text)
    if avg_val is None:
        return str(r_text) if r_val is not None else "0/1"
    if r_val is not None and abs(r_val - avg_val) <= avg_val * 0.005:
        return str(r_text)
    return str(avg_text)


def _int_or_none(value: Any) -> int | None:
    """ffprobe prints numbers as strings and "N/A" when unknown; absent beats a wrong zero."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float_or_none(value: Any) -> float | None:
    """Like _int_or_none, for durations ("2.002000", "N/A")."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


# --------------------------------------------------------------------------- probe


def probe_argv(ffprobe: str, path: str | Path, *, untrusted: bool = False) -> list[str]:
    """ffprobe argv that prints format and streams as JSON, with only errors on stderr; an
    untrusted file may only be opened as a local file in one of ALLOWED_FORMATS."""
    guard = (["-protocol_whitelist", UPLOAD_PROTOCOLS,
              "-format_whitelist", ",".join(sorted(set(ALLOWED_FORMATS.values())))]
             if untrusted else [])
    return [ffprobe, "-v", "error", *guard, "-print_format", "json", "-show_format",
            "-show_streams", path_arg(path)]


def demuxer_for(container: str) -> str:
    """The demuxer to force for a master ffprobe named container; RefusedFormat otherwise."""
    demuxer = ALLOWED_FORMATS.get(container)
    if demuxer is None:
        raise RefusedFormat(container)
    return demuxer


def input_options(demuxer: str | None) -> dict[str, str]:
    """Input options for an ffmpeg reading a probed file: that demuxer and no other, and only
    the local file protocol (None: a file Station made itself, format left to ffmpeg)."""
    options = {"protocol_whitelist": UPLOAD_PROTOCOLS}
    if demuxer is not None:
        options.update(f=demuxer, format_whitelist=demuxer)
    return options


def guard_input(argv: list[str], src: str | Path, demuxer: str) -> list[str]:
    """``argv`` with :func:`input_options` of ``demuxer`` in front of the ``-i`` that reads
    ``src``: for commands built elsewhere (renditions) that read a stored master, so every
    read of a master is limited as the ingest's are, whoever built the command."""
    target = path_arg(src)
    out: list[str] = []
    for index, arg in enumerate(argv):
        if arg == target and index > 0 and argv[index - 1] == "-i":
            out.pop()
            for name, value in input_options(demuxer).items():
                out += [f"-{name}", value]
            out.append("-i")
        out.append(arg)
    return out


_REFUSED_RE = re.compile(r"\[([\w,]+) @ 0x[0-9a-fA-F]+\] Format not on whitelist")


def parse_probe(json_text: str) -> ProbeResult:
    """Turn ffprobe's JSON into a ProbeResult, so callers never handle ffprobe's loose strings."""
    try:
        data = json.loads(json_text)
    except json.JSONDecodeError as exc:
        raise FFmpegError(f"ffprobe output is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise FFmpegError("ffprobe output is not a JSON object")
    fmt = data.get("format") or {}
    video: VideoStream | None = None
    audio: AudioStream | None = None
    for stream in data.get("streams") or []:
        kind = stream.get("codec_type")
        disposition = stream.get("disposition") or {}
        if kind == "video" and video is None:
            if disposition.get("attached_pic") or disposition.get("timed_thumbnails"):
                continue  # cover art or thumbnails inside audio files and phone videos
            field_order = stream.get("field_order", "unknown")
            video = VideoStream(
                codec=stream.get("codec_name") or "unknown",
                width=_int_or_none(stream.get("width")) or 0,
                height=_int_or_none(stream.get("height")) or 0,
                frame_rate=_pick_frame_rate(stream),
                field_order=field_order if field_order in _SPEC_FIELD_ORDERS else "unknown",
                pix_fmt=stream.get("pix_fmt") or None,
            )
        elif kind == "audio" and audio is None:
            audio = AudioStream(
                codec=stream.get("codec_name") or "unknown",
                sample_rate=_int_or_none(stream.get("sample_rate")) or 0,
                channels=_int_or_none(stream.get("channels")) or 0,
            )
    if video is None and audio is None:
        raise FFmpegError("no audio or video stream")
    duration = _float_or_none(fmt.get("duration"))
    return ProbeResult(
        container=fmt.get("format_name") or "unknown",
        duration_ms=round(duration * 1000) if duration is not None else None,
        bit_rate=_int_or_none(fmt.get("bit_rate")),
        video=video,
        audio=audio,
    )


def probe(path: str | Path, *, ffprobe: str = "ffprobe", timeout: float = 60,
          untrusted: bool = False) -> ProbeResult:
    """Probe a file, raising FFmpegError with ffprobe's own explanation when it cannot be read.

    untrusted (uploads): only ALLOWED_FORMATS and the local file protocol; any other format
    raises RefusedFormat before its demuxer reads anything (a playlist's entries stay unopened).
    """
    argv = probe_argv(ffprobe, path, untrusted=untrusted)
    log.debug("probe: %s", shlex.join(argv))
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        tail = stderr_tail((exc.stderr or b"").decode("utf-8", "replace"))
        raise FFmpegTimeout(f"ffprobe did not finish within {timeout:g} s", tail) from exc
    except OSError as exc:
        raise FFmpegError(f"cannot start {ffprobe}: {exc.strerror or exc}") from exc
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = stderr_tail(stderr)
        refused = _REFUSED_RE.search(stderr) if untrusted else None
        if refused is not None:
            raise RefusedFormat(refused.group(1), tail)
        reason = _one_line(tail) or f"exit code {proc.returncode}"
        raise FFmpegError(f"ffprobe could not read {Path(path).name}: {reason}", tail)
    result = parse_probe(proc.stdout.decode("utf-8", "replace"))
    if untrusted:
        demuxer_for(result.container)  # whitelisted by demuxer; the name must be known too
    return result


# --------------------------------------------------------------------------- builders


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
    source = ffmpeg_lib.input(path_arg(src), **input_options(demuxer))
    proxy_streams = []
    scene_outputs = []
    if has_video:
        # "V" selects video streams that are not attached pictures (cover art).
        picture = source["V"]
        if interlaced:
            picture = picture.filter("yadif")
        picture = picture.filter("scale", **_scale_kwargs(proxy_max_height)).filter("setsar", "1")
        if scenes_path is not None:
            split_picture = picture.filter_multi_output("split", 2)
            picture = split_picture[0]
            scene_outputs.append(_scene_output(split_picture[1], scenes_path, scene_threshold))
        proxy_streams.append(picture)
    outputs = []
    if has_audio:
        if audio_path is None:
            raise ValueError("audio_path is required when the master has audio")
        sound = source["a"].filter("aresample", **{"async": 1, "first_pts": 0})
        split = sound.filter_multi_output("asplit", 3)
        proxy_streams.append(split[0])
        speech = split[1].filter("aresample", ASR_SAMPLE_RATE).filter(
            "aformat", sample_fmts="s16", channel_layouts="mono"
        )
        outputs.append(ffmpeg_lib.output(
            speech, path_arg(audio_path),
            **{"c:a": "pcm_s16le", "ar": ASR_SAMPLE_RATE, "ac": 1, "f": "wav"},
        ))
        meter = split[2].filter("ebur128", peak="true", dualmono="true", framelog="verbose")
        outputs.append(ffmpeg_lib.output(meter, "-", f="null"))
    proxy_opts: dict[str, Any] = {"f": "mp4", "movflags": "+faststart"}
    if has_video:
        proxy_opts.update({
            "c:v": "libx264", "preset": "veryfast", "crf": 23, "pix_fmt": "yuv420p",
            "profile:v": "main", "force_key_frames": PROXY_KEYFRAME_EXPR,
        })
    if has_audio:
        proxy_opts.update({
            "c:a": "aac", "b:a": PROXY_AUDIO_BITRATE, "ar": PROXY_AUDIO_RATE, "ac": 2,
        })
    outputs.insert(0, ffmpeg_lib.output(*proxy_streams, path_arg(proxy_path), **proxy_opts))
    outputs.extend(scene_outputs)
    graph = ffmpeg_lib.merge_outputs(*outputs).global_args(*PROGRESS_ARGS).overwrite_output()
    return graph.compile(cmd=ffmpeg)


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
    if interlaced:
        picture = picture.filter("yadif")
    picture = picture.filter("scale", **_scale_kwargs(max_height)).filter("setsar", "1")
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


# --------------------------------------------------------------------------- parsers

_PROGRESS_RE = re.compile(r"^\s*out_time_(?:us|ms)\s*=\s*(-?\d+)\s*$")


def parse_progress_line(line: str) -> int | None:
    """Milliseconds of output written, from an ``out_time_us=``/``out_time_ms=`` progress line.

    Both keys carry microseconds in ffmpeg (``out_time_ms`` is misnamed, measured on 5.1).
    Other lines, ``N/A`` and negative start-up values give None.
    """
    match = _PROGRESS_RE.match(line)
    if not match:
        return None
    micros = int(match.group(1))
    return micros // 1000 if micros >= 0 else None


_SCENE_FRAME_RE = re.compile(r"^frame:\s*\d+\s+pts:\s*(-?\d+)\b", re.MULTILINE)


def parse_scene_changes(text: str) -> list[int]:
    """Shot changes in milliseconds, sorted and unique, from ingest's ``metadata=print`` file.

    Each selected frame is a ``frame:N pts:P pts_time:T`` line followed by its
    ``lavfi.scene_score=S``; pts is read because ingest_argv sets the branch's time base to
    1/1000, which keeps it exact where pts_time is rounded. Negative times (pre-roll) are
    dropped: no cut happens before the programme starts.
    """
    found = {int(match.group(1)) for match in _SCENE_FRAME_RE.finditer(text)}
    return sorted(ms for ms in found if ms >= 0)


_SUMMARY_NUMBER = r"(-?inf|[-+]?\d+(?:\.\d+)?)"
_SUMMARY_FIELDS = {
    "integrated_lufs": re.compile(rf"^\s*I:\s*{_SUMMARY_NUMBER}\s*LUFS", re.MULTILINE),
    "lra_lu": re.compile(rf"^\s*LRA:\s*{_SUMMARY_NUMBER}\s*LU\b", re.MULTILINE),
    "true_peak_dbtp": re.compile(rf"^\s*Peak:\s*{_SUMMARY_NUMBER}\s*dBFS", re.MULTILINE),
}


def parse_ebur128(stderr: str) -> Loudness:
    """Read the final ``Summary:`` block that ``ebur128=peak=true`` logs, for R 128 checks.

    Silence reads I = -70.0 LUFS (ffmpeg's absolute gate) and Peak = -inf.
    """
    start = stderr.rfind("Summary:")
    if start < 0:
        raise FFmpegError("no EBU R128 summary in ffmpeg output", stderr_tail(stderr))
    block = stderr[start:]
    values: dict[str, float] = {}
    for key, pattern in _SUMMARY_FIELDS.items():
        match = pattern.search(block)
        if match is None:
            raise FFmpegError(f"EBU R128 summary lacks {key}", stderr_tail(block))
        values[key] = float(match.group(1))
    return Loudness(**values)


def compute_peaks(wav_path: str | Path, *, buckets_per_second: int = 20) -> list[float]:
    """Per-bucket peak amplitude (0..1, 3 decimals) of a 16-bit WAV, for the browser's interactive
    waveform. Reads in chunks and uses C-level max/min over slices, so hours stay fast and small.
    With several channels the bucket's peak is taken over all of them."""
    if buckets_per_second <= 0:
        raise ValueError("buckets_per_second must be positive")
    with wave.open(str(wav_path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{wav_path}: expected 16-bit PCM, got {8 * wav.getsampwidth()}-bit")
        channels, rate, total = wav.getnchannels(), wav.getframerate(), wav.getnframes()
        n_buckets = math.ceil(total * buckets_per_second / rate) if total else 0
        # Absolute frame index where each bucket ends (handles rates not divisible by bps).
        ends = [min(total, round((i + 1) * rate / buckets_per_second)) for i in range(n_buckets)]
        peaks: list[float] = []
        buffer = array("h")
        base = 0  # absolute frame index of buffer[0]
        start = 0  # frame index in buffer where the next bucket begins
        chunk_frames = max(rate * 10, 1)
        for end in ends:
            while base + len(buffer) // channels < end:
                data = wav.readframes(chunk_frames)
                if not data:
                    break
                samples = array("h", data)
                if sys.byteorder == "big":
                    samples.byteswap()
                del buffer[: start * channels]  # drop what earlier buckets used, once per chunk
                base, start = base + start, 0
                buffer.extend(samples)
            piece = buffer[start * channels : (end - base) * channels]
            peak = max(max(piece), -min(piece)) / 32768 if piece else 0.0
            peaks.append(round(min(peak, 1.0), 3))
            start = end - base
    return peaks


# --------------------------------------------------------------------------- runner


def _pump(stream: IO[bytes], lines: queue.Queue[str | None]) -> None:
    """Copy the child's stdout into a queue line by line, so the main loop never blocks on it."""
    try:
        for raw in iter(stream.readline, b""):
            lines.put(raw.decode("utf-8", "replace"))
    finally:
        lines.put(None)


class _Progress:
    """Turns progress lines into throttled, monotonic percentages for on_progress."""

    def __init__(self, duration_ms: int | None, callback: Callable[[float], None] | None) -> None:
        self.duration_ms = duration_ms if duration_ms and duration_ms > 0 else None
        self.callback = callback
        self.last_percent = -1.0
        self.last_call = 0.0

    def feed(self, line: str) -> None:
        """Pass one progress line; calls back only when the percentage rose and time allows."""
        if self.callback is None or self.duration_ms is None:
            return
        done_ms = parse_progress_line(line)
        if done_ms is None:
            return
        percent = min(100.0, done_ms * 100.0 / self.duration_ms)
        now = time.monotonic()
        if percent > self.last_percent and now - self.last_call >= PROGRESS_MIN_INTERVAL:
            self.last_percent, self.last_call = percent, now
            self.callback(percent)

    def finish(self) -> None:
        """Report 100 % once on success, so a progress bar never stops at 97 %."""
        if self.callback is not None and self.last_percent < 100.0:
            self.last_percent = 100.0
            self.callback(100.0)


def _input_names(argv: Iterable[str]) -> list[str]:
    """The -i arguments of an argv, to name the file in error messages."""
    items = list(argv)
    return [items[i + 1] for i, arg in enumerate(items[:-1]) if arg == "-i"]


def run(
    argv: list[str],
    *,
    duration_ms: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    timeout: float | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> str:
    """Run an ffmpeg argv to completion and return its stderr (which carries the ebur128 summary).

    stdout is read by a thread (for ``-progress pipe:1``) and stderr goes to a temporary file, so
    neither pipe can fill up and deadlock the child. The loop wakes at least every POLL_INTERVAL,
    asks should_cancel every CANCEL_CHECK_INTERVAL, and kills the process when it says so
    (FFmpegCancelled) or when the timeout has passed (FFmpegTimeout). Output files a killed
    process leaves behind are partial: the caller owns them and should delete them. A
    non-zero exit raises FFmpegError quoting the last meaningful stderr lines. on_progress gets a
    percentage (0..100, rising, about 4 calls a second at most, and 100 on success).
    """
    name = Path(argv[0]).name if argv else "ffmpeg"
    log.debug("run: %s", shlex.join(argv))
    deadline = time.monotonic() + timeout if timeout is not None else None
    progress = _Progress(duration_ms, on_progress)
    with tempfile.TemporaryFile() as err_file:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=err_file)
        except OSError as exc:
            raise FFmpegError(f"cannot start {argv[0] if argv else name}: "
                              f"{exc.strerror or exc}") from exc

        def read_stderr() -> str:
            err_file.flush()
            err_file.seek(0)
            return err_file.read().decode("utf-8", "replace")

        next_cancel_check = 0.0

        def check_stop() -> None:
            nonlocal next_cancel_check
            now = time.monotonic()
            if should_cancel is not None and now >= next_cancel_check:
                next_cancel_check = now + CANCEL_CHECK_INTERVAL
                if should_cancel():
                    _kill(proc)
                    log.info("%s cancelled", name)
                    raise FFmpegCancelled(f"{name} was cancelled", stderr_tail(read_stderr()))
            if deadline is not None and now > deadline:
                _kill(proc)
                log.warning("%s timed out after %g s", name, timeout)
                raise FFmpegTimeout(f"{name} did not finish within {timeout:g} s",
                                    stderr_tail(read_stderr()))

        lines: queue.Queue[str | None] = queue.Queue()
        assert proc.stdout is not None
        reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
        reader.start()
        try:
            while True:
                check_stop()
                try:
                    line = lines.get(timeout=POLL_INTERVAL)
                except queue.Empty:
                    continue
                if line is None:
                    break
                progress.feed(line)
            while True:
                check_stop()
                try:
                    returncode = proc.wait(timeout=POLL_INTERVAL)
                    break
                except subprocess.TimeoutExpired:
                    continue
        except BaseException:
            _kill(proc)
            raise
        finally:
            reader.join(timeout=5)
            proc.stdout.close()
        stderr = read_stderr()
    if returncode != 0:
        tail = stderr_tail(stderr)
        inputs = ", ".join(Path(i).name for i in _input_names(argv))
        subject = f"{name} failed on {inputs}" if inputs else f"{name} failed"
        reason = _one_line(tail) or f"exit code {returncode}"
        raise FFmpegError(f"{subject}: {reason}", tail)
    progress.finish()
    return stderr


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child and reap it, so no ffmpeg keeps writing after we gave up on it."""
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        log.error("process %s did not exit after SIGKILL", proc.pid)
