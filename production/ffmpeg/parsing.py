"""Readers of what ffmpeg writes: -progress lines, the shot-change file, the ebur128 summary,
and the speech WAV's peaks for the browser waveform."""

from __future__ import annotations

import math
import re
import sys
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

from production.ffmpeg.errors import FFmpegError, stderr_tail


@dataclass(frozen=True)
class Loudness:
    """EBU R 128 measurement of a whole programme (integrated, true peak, loudness range)."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra_lu: float


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

