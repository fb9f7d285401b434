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

The package is split by concern: :mod:`.errors` (the exceptions and stderr quoting),
:mod:`.probing` (ffprobe and the untrusted-input guard), :mod:`.argv` (command builders),
:mod:`.parsing` (readers of ffmpeg's output) and :mod:`.runner` (the process runner). Callers
import every name from ``production.ffmpeg`` itself.
"""

from production.ffmpeg.argv import (
    ASR_SAMPLE_RATE,
    PROGRESS_ARGS,
    PROXY_AUDIO_BITRATE,
    PROXY_AUDIO_RATE,
    PROXY_KEYFRAME_EXPR,
    SCENE_THRESHOLD,
    WAVEFORM_COLOUR,
    ingest_argv,
    poster_argv,
    scenes_argv,
    waveform_argv,
)
from production.ffmpeg.errors import (
    TAIL_LINES,
    FFmpegCancelled,
    FFmpegError,
    FFmpegTimeout,
    RefusedFormat,
    path_arg,
    stderr_tail,
)
from production.ffmpeg.parsing import (
    Loudness,
    compute_peaks,
    parse_ebur128,
    parse_progress_line,
    parse_scene_changes,
)
from production.ffmpeg.probing import (
    ALLOWED_FORMATS,
    PLAYLIST_FORMATS,
    STREAM_DESCRIPTION_FORMATS,
    UPLOAD_PROTOCOLS,
    AudioStream,
    ProbeResult,
    VideoStream,
    demuxer_for,
    guard_input,
    input_options,
    parse_probe,
    probe,
    probe_argv,
)
from production.ffmpeg.runner import (
    CANCEL_CHECK_INTERVAL,
    POLL_INTERVAL,
    PROGRESS_MIN_INTERVAL,
    run,
)

__all__ = [
    "ALLOWED_FORMATS", "ASR_SAMPLE_RATE", "CANCEL_CHECK_INTERVAL", "PLAYLIST_FORMATS",
    "POLL_INTERVAL", "PROGRESS_ARGS", "PROGRESS_MIN_INTERVAL", "PROXY_AUDIO_BITRATE",
    "PROXY_AUDIO_RATE", "PROXY_KEYFRAME_EXPR", "SCENE_THRESHOLD", "STREAM_DESCRIPTION_FORMATS",
    "TAIL_LINES", "UPLOAD_PROTOCOLS", "WAVEFORM_COLOUR",
    "AudioStream", "FFmpegCancelled", "FFmpegError", "FFmpegTimeout", "Loudness", "ProbeResult",
    "RefusedFormat", "VideoStream", "compute_peaks", "demuxer_for", "guard_input",
    "ingest_argv", "input_options", "parse_ebur128", "parse_probe", "parse_progress_line",
    "parse_scene_changes", "path_arg", "poster_argv", "probe", "probe_argv", "run",
    "scenes_argv", "stderr_tail", "waveform_argv",
]
