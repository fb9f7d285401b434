"""ffprobe: the argv, the JSON reader and the runner, and the guard that limits every read of an
untrusted master to one allowed demuxer and the local file (see the package docstring)."""

from __future__ import annotations

import json
import logging
import math
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from production.ffmpeg.errors import (
    FFmpegError,
    FFmpegTimeout,
    RefusedFormat,
    _one_line,
    path_arg,
    stderr_tail,
)

log = logging.getLogger(__name__)

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


