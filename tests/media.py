"""Test media made at test time from ffmpeg lavfi sources and espeak-ng speech, cached by name.

Nothing is downloaded: every clip is synthesised, so the suite runs offline (see
docs/transcription.md), except the real recorded Vietnamese the repository ships for the
Vietnamese engine (assets/demo/, CC0), which ``recorded_vietnamese`` puts under a picture.
Each builder takes a cache directory (one per test session), returns the file's Path, and reuses
a file that already exists there. Files are written to a temporary name and renamed into place, so
an interrupted build never leaves a half-written clip that a later run would trust.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
ESPEAK = shutil.which("espeak-ng") or "/usr/bin/espeak-ng"

# Quiet, fast encodes: the clips only have to be valid, not pretty.
_QUIET = ["-hide_banner", "-nostats", "-loglevel", "error", "-y"]
_FAST_H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-pix_fmt", "yuv420p"]

DEFAULT_SPEECH_VI = (
    "Xin chào quý vị. Đây là bản tin thời sự của Đài Phát thanh và Truyền hình Lai Châu."
)


def tools_available() -> bool:
    """Say whether ffmpeg, ffprobe and espeak-ng exist, so test modules can skip cleanly."""
    return bool(shutil.which("ffmpeg") and shutil.which("ffprobe") and shutil.which("espeak-ng"))


def _key(*parts: object) -> str:
    """Short stable digest of the parameters, so different clips never share a cache name."""
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:10]


def _build(cache: Path, name: str, make: Callable[[Path], None]) -> Path:
    """Return cache/name, building it through a temporary file only when it does not exist yet."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    dst = cache / name
    if dst.exists():
        return dst
    fd, tmp_name = tempfile.mkstemp(dir=cache, prefix=".tmp-", suffix=dst.suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        make(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; other processes (a web server) may read it
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return dst


def _run(argv: list[str]) -> None:
    """Run a generator command and fail loudly with its stderr, because a broken fixture must not
    turn into a confusing assertion later."""
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"media generation failed: {argv!r}\n{proc.stderr[-2000:]}")


def speech_wav(
    cache: Path, text: str = DEFAULT_SPEECH_VI, voice: str = "vi", name: str | None = None
) -> Path:
    """espeak-ng speech resampled to 16 kHz mono WAV, the format speech recognition consumes."""
    name = name or f"speech_{voice}_{_key(text, voice)}.wav"

    def make(tmp: Path) -> None:
        with tempfile.TemporaryDirectory() as work:
            text_file = Path(work) / "text.txt"
            text_file.write_text(text, encoding="utf-8")
            raw = Path(work) / "raw.wav"
            _run([ESPEAK, "-v", voice, "-s", "150", "-w", str(raw), "-f", str(text_file)])
            _run([FFMPEG, *_QUIET, "-i", str(raw), "-ar", "16000", "-ac", "1",
                  "-c:a", "pcm_s16le", "-f", "wav", str(tmp)])

    return _build(cache, name, make)


def _audio_input(cache: Path, seconds: float, speech_text: str | None, voice: str) -> list[str]:
    """ffmpeg input arguments for the soundtrack: espeak speech, or a 440 Hz tone without speech."""
    if speech_text is None:
        return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    return ["-i", str(speech_wav(cache, speech_text, voice))]


def report_video(
    cache: Path,
    *,
    seconds: float = 6,
    size: str = "1280x720",
    rate: int | str = 25,
    speech_text: str | None = None,
    voice: str = "vi",
    name: str | None = None,
) -> Path:
    """A "news report": testsrc2 colour bars with speech (padded with silence to the length) or a
    440 Hz tone, as H.264/AAC MP4 with the moov atom at the end (ffmpeg's default, like cameras)."""
    name = name or f"report_{_key(seconds, size, rate, speech_text, voice)}.mp4"

    def make(tmp: Path) -> None:
        _run([
            FFMPEG, *_QUIET,
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
            *_audio_input(cache, seconds, speech_text, voice),
            "-filter_complex", "[1:a]aresample=48000,apad[a]",
            "-map", "0:v", "-map", "[a]", "-t", str(seconds),
            *_FAST_H264, "-c:a", "aac", "-b:a", "96k", "-ac", "2",
            "-f", "mp4", str(tmp),
        ])

    return _build(cache, name, make)


def interlaced_video(
    cache: Path, *, seconds: float = 2, size: str = "720x576", name: str | None = None
) -> Path:
    """A PAL 16:9 anamorphic SD clip (720x576, SAR 64:45) coded interlaced, top field first, from a
    50p source woven into 25i so it really shows combing; the soundtrack is a tone."""
    name = name or f"interlaced_{_key(seconds, size)}.mp4"

    def make(tmp: Path) -> None:
        _run([
            FFMPEG, *_QUIET,
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=50:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-vf", "tinterlace=mode=interleave_top,setfield=tff,setsar=64/45",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-pix_fmt", "yuv420p",
            "-flags", "+ildct+ilme", "-x264-params", "interlaced=1:tff=1",
            "-field_order", "tt",
            "-c:a", "aac", "-b:a", "96k", "-f", "mp4", str(tmp),
        ])

    return _build(cache, name, make)


def late_audio_video(
    cache: Path, *, seconds: float = 3, audio_delay: float = 0.5, size: str = "320x240"
) -> Path:
    """A clip whose sound track starts audio_delay seconds after its picture (a 440 Hz tone from
    then on), as camera files and edits sometimes do: it checks that speech timings stay in sync
    with the picture."""
    name = f"late_audio_{_key(seconds, audio_delay, size)}.mp4"

    def make(tmp: Path) -> None:
        _run([
            FFMPEG, *_QUIET,
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
            "-itsoffset", str(audio_delay),
            "-f", "lavfi", "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds - audio_delay}",
            "-map", "0:v", "-map", "1:a", *_FAST_H264, "-c:a", "aac", "-b:a", "96k",
            "-f", "mp4", str(tmp),
        ])

    return _build(cache, name, make)


# Where shot_cuts() changes shot, in ms: bars, a flat colour, a fade from black, a fast pan.
SHOT_CUTS_MS = (3000, 6000, 9000, 12000)


def shot_cuts(
    cache: Path, *, size: str = "640x360", interlaced: bool = False, name: str | None = None
) -> Path:
    """Five 3-second shots with hard cuts at SHOT_CUTS_MS, and picture changes that are not
    cuts: moving testsrc2, a 2.5 s fade in from black, and a pan of about 15 pixels a frame.
    With interlaced=True it is 25i (woven from 50p, top field first) like a PAL master."""
    name = name or f"shots_{_key(size, interlaced)}.mp4"
    width, height = (int(v) for v in size.split("x"))
    rate = 50 if interlaced else 25
    shots = [
        f"testsrc2=size={size}:rate={rate}:duration=3",
        f"smptebars=size={size}:rate={rate}:duration=3",
        f"color=c=0xd0a040:size={size}:rate={rate}:duration=3",
        f"testsrc=size={size}:rate={rate}:duration=3",
        f"testsrc2=size={width * 3}x{height}:rate={rate}:duration=3",
    ]
    pan = width * 6 // 10  # pixels a second
    weave = ",tinterlace=mode=interleave_top,setfield=tff" if interlaced else ""
    graph = (f"[3:v]fade=in:st=0:d=2.5[f];[4:v]crop={width}:{height}:x='t*{pan}':y=0[p];"
             f"[0:v][1:v][2:v][f][p]concat=n=5:v=1:a=0,format=yuv420p{weave}[v]")
    interlace_flags = (["-flags", "+ildct+ilme", "-x264-params", "interlaced=1:tff=1",
                        "-field_order", "tt"] if interlaced else [])

    def make(tmp: Path) -> None:
        inputs = [arg for shot in shots for arg in ("-f", "lavfi", "-i", shot)]
        _run([
            FFMPEG, *_QUIET, *inputs,
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=15",
            "-filter_complex", graph, "-map", "[v]", "-map", "5:a",
            *_FAST_H264, *interlace_flags, "-c:a", "aac", "-b:a", "96k", "-f", "mp4", str(tmp),
        ])

    return _build(cache, name, make)


RECORDED_SPEECH = Path(__file__).resolve().parent.parent / "assets" / "demo" / "speech-vi-cc0.opus"
# The first three sentences of RECORDED_SPEECH end by 12.8 s; the fourth starts at 14.5 s.
RECORDED_SECONDS = 14.0


def recorded_sentences(count: int = 3) -> str:
    """What the speaker of RECORDED_SPEECH reads, sentence by sentence (Common Voice's text)."""
    lines = RECORDED_SPEECH.with_suffix(".txt").read_text(encoding="utf-8").splitlines()
    return " ".join(lines[:count])


def recorded_vietnamese(cache: Path, *, size: str = "640x360") -> Path:
    """Real recorded Vietnamese (its first three sentences) under shot_cuts()' picture: a 15 s
    TV master with hard cuts at SHOT_CUTS_MS, for the Vietnamese engine and shot-aware cues."""
    picture = shot_cuts(cache, size=size)
    name = f"recorded_vi_{_key(size, RECORDED_SECONDS)}.mp4"

    def make(tmp: Path) -> None:
        _run([
            FFMPEG, *_QUIET, "-i", str(picture), "-i", str(RECORDED_SPEECH),
            "-filter_complex", f"[1:a]atrim=duration={RECORDED_SECONDS},aresample=48000,"
                               "apad[a]",
            "-map", "0:v", "-map", "[a]", "-t", "15", "-c:v", "copy",
            "-c:a", "aac", "-b:a", "96k", "-ac", "2", "-f", "mp4", str(tmp),
        ])

    return _build(cache, name, make)


def tone_wav(
    cache: Path, *, dbfs: float = -23.0, channels: int = 2, seconds: float = 5,
    frequency: int = 1000,
) -> Path:
    """A 48 kHz sine of known peak level on every channel, a loudness calibration signal: per
    EBU Tech 3341 a 1 kHz stereo sine at -23 dBFS measures -23 LUFS."""
    name = f"tone_{_key(dbfs, channels, seconds, frequency)}.wav"
    amplitude = 10 ** (dbfs / 20)
    expr = "|".join([f"{amplitude:.7f}*sin(2*PI*{frequency}*t)"] * channels)

    def make(tmp: Path) -> None:
        _run([FFMPEG, *_QUIET, "-f", "lavfi", "-i", f"aevalsrc={expr}:s=48000:d={seconds}",
              "-c:a", "pcm_s16le", "-f", "wav", str(tmp)])

    return _build(cache, name, make)


def silence_wav(cache: Path, seconds: float = 2) -> Path:
    """Digital silence as a 16 kHz mono WAV, the shape of the speech-recognition track."""

    def make(tmp: Path) -> None:
        _run([FFMPEG, *_QUIET, "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono",
              "-t", str(seconds), "-c:a", "pcm_s16le", "-f", "wav", str(tmp)])

    return _build(cache, f"silence_{_key(seconds)}.wav", make)


def audio_only(
    cache: Path,
    seconds: float = 5,
    *,
    speech_text: str = DEFAULT_SPEECH_VI,
    voice: str = "vi",
    cover: bool = False,
    name: str | None = None,
) -> Path:
    """A radio-style MP3 (44.1 kHz stereo) with speech padded to the length; with cover=True it
    also carries a PNG cover (an attached picture), as podcast files often do."""
    name = name or f"audio_{_key(seconds, speech_text, voice, cover)}.mp3"

    def make(tmp: Path) -> None:
        argv = [FFMPEG, *_QUIET, "-i", str(speech_wav(cache, speech_text, voice))]
        if cover:
            argv += ["-i", str(_cover_png(cache)), "-map", "1:v", "-c:v", "copy",
                     "-disposition:v", "attached_pic", "-id3v2_version", "3"]
        argv += ["-map", "0:a", "-af", "apad", "-t", str(seconds),
                 "-c:a", "libmp3lame", "-b:a", "96k", "-ar", "44100", "-ac", "2",
                 "-f", "mp3", str(tmp)]
        _run(argv)

    return _build(cache, name, make)


def _cover_png(cache: Path) -> Path:
    """A small station-blue PNG to embed as cover art."""
    return _build(cache, "cover.png", lambda tmp: _run([
        FFMPEG, *_QUIET, "-f", "lavfi", "-i", "color=c=0x1f5fa8:size=64x64",
        "-frames:v", "1", "-update", "1", "-f", "image2", str(tmp)]))


def silent_video(cache: Path, seconds: float = 3, *, size: str = "640x360") -> Path:
    """A video with no audio stream at all, which a broadcast desk must notice and refuse."""

    def make(tmp: Path) -> None:
        _run([FFMPEG, *_QUIET,
              "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
              *_FAST_H264, "-an", "-f", "mp4", str(tmp)])

    return _build(cache, f"silent_{_key(seconds, size)}.mp4", make)


def text_as_mp4(cache: Path) -> Path:
    """A text file wearing an .mp4 name, as when someone renames a document by mistake."""

    def make(tmp: Path) -> None:
        tmp.write_text("Biên bản họp giao ban, không phải video.\n" * 20, encoding="utf-8")

    return _build(cache, "text_as.mp4", make)


def truncated_mp4(cache: Path, fraction: float = 0.3) -> Path:
    """A real MP4 cut to ``fraction`` of its bytes, as an interrupted upload or copy leaves it.

    The source keeps its moov atom at the end, so the cut file has no moov at all."""
    src = report_video(cache, seconds=3, size="640x360")

    def make(tmp: Path) -> None:
        data = src.read_bytes()
        tmp.write_bytes(data[: int(len(data) * fraction)])

    return _build(cache, f"truncated_{int(fraction * 100)}.mp4", make)


def zero_byte(cache: Path) -> Path:
    """An empty file named .mp4, as a failed upload leaves behind."""
    return _build(cache, "zero_byte.mp4", lambda tmp: tmp.write_bytes(b""))


def riff_chunks(path: Path) -> dict[str, bytes]:
    """The top-level chunks of a RIFF (or RF64) WAVE file, by id (for checking BWF bext)."""
    import struct

    data = path.read_bytes()
    assert data[:4] in (b"RIFF", b"RF64") and data[8:12] == b"WAVE", data[:12]
    chunks: dict[str, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        kind, size = struct.unpack("<4sI", data[offset:offset + 8])
        chunks.setdefault(kind.decode("ascii"), data[offset + 8:offset + 8 + size])
        offset += 8 + size + (size & 1)
    return chunks
