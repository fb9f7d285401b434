"""End-to-end tests of production.ffmpeg on media generated at test time (tests/media.py): the
real ffprobe/ffmpeg binaries probe masters, ingest them in one pass, and fail in the ways users
meet (wrong files, cancelled or hung jobs)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from production import ffmpeg as ff
from tests import media

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
FFPROBE = shutil.which("ffprobe") or "/usr/bin/ffprobe"
INTERLACED = ("tt", "bb", "tb", "bt")


@pytest.fixture(scope="module")
def media_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@dataclass
class Ingested:
    master: ff.ProbeResult
    proxy: Path
    wav: Path
    stderr: str
    progress: list[float]


def ingest(src: Path, out_dir: Path, proxy_name: str = "proxy.mp4") -> Ingested:
    """Ingest the way the lead's code does: probe, then one ffmpeg run from ingest_argv."""
    master = ff.probe(src, ffprobe=FFPROBE)
    out_dir.mkdir(parents=True, exist_ok=True)
    proxy, wav = out_dir / proxy_name, out_dir / "speech.wav"
    argv = ff.ingest_argv(
        FFMPEG, src, proxy_path=proxy, audio_path=wav if master.audio else None,
        has_video=master.video is not None, has_audio=master.audio is not None,
        interlaced=master.video is not None and master.video.field_order in INTERLACED,
    )
    progress: list[float] = []
    stderr = ff.run(argv, duration_ms=master.duration_ms, on_progress=progress.append, timeout=60)
    return Ingested(master, proxy, wav, stderr, progress)


def ffprobe_json(path: Path) -> dict:
    """Raw ffprobe output, for facts ProbeResult deliberately leaves out (profile, SAR)."""
    out = subprocess.run([FFPROBE, "-v", "error", "-print_format", "json", "-show_format",
                          "-show_streams", str(path)], capture_output=True, check=True, timeout=30)
    return json.loads(out.stdout)


def top_level_atoms(path: Path) -> list[tuple[str, int]]:
    """(type, byte offset) of each top-level MP4 box."""
    atoms: list[tuple[str, int]] = []
    with path.open("rb") as fh:
        size_total = path.stat().st_size
        offset = 0
        while offset + 8 <= size_total:
            fh.seek(offset)
            size, kind = struct.unpack(">I4s", fh.read(8))
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
            elif size == 0:
                size = size_total - offset
            atoms.append((kind.decode("latin-1"), offset))
            if size < 8:
                break
            offset += size
    return atoms


@pytest.fixture(scope="module")
def report_master(media_cache: Path) -> Path:
    return media.report_video(media_cache, seconds=6, speech_text=media.DEFAULT_SPEECH_VI)


@pytest.fixture(scope="module")
def report(report_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    return ingest(report_master, tmp_path_factory.mktemp("report"))


# --------------------------------------------------------------------------- probe


def test_probe_report_master(report_master: Path) -> None:
    info = ff.probe(report_master, ffprobe=FFPROBE)
    assert "mp4" in info.container.split(",")
    assert info.duration_ms is not None and abs(info.duration_ms - 6000) <= 50
    assert info.bit_rate is not None and info.bit_rate > 0
    assert info.video == ff.VideoStream(codec="h264", width=1280, height=720, frame_rate="25/1",
                                        field_order="progressive", pix_fmt="yuv420p")
    assert info.audio == ff.AudioStream(codec="aac", sample_rate=48000, channels=2)


def test_probe_interlaced_master(media_cache: Path) -> None:
    info = ff.probe(media.interlaced_video(media_cache), ffprobe=FFPROBE)
    assert info.video is not None
    assert info.video.field_order == "tt"
    assert (info.video.width, info.video.height, info.video.frame_rate) == (720, 576, "25/1")


def test_probe_ntsc_rate_is_exact(media_cache: Path) -> None:
    src = media.report_video(media_cache, seconds=2, size="640x480", rate="30000/1001")
    info = ff.probe(src, ffprobe=FFPROBE)
    assert info.video is not None and info.video.frame_rate == "30000/1001"


def test_probe_audio_file_cover_art_is_not_video(media_cache: Path) -> None:
    info = ff.probe(media.audio_only(media_cache, cover=True), ffprobe=FFPROBE)
    assert info.container == "mp3"
    assert info.video is None
    assert info.audio is not None and info.audio.codec == "mp3"
    # The cover really is there: ffprobe lists it as a video stream.
    kinds = [s["codec_type"] for s in ffprobe_json(media.audio_only(media_cache, cover=True))
             ["streams"]]
    assert kinds == ["audio", "video"]


def test_probe_silent_video_has_no_audio(media_cache: Path) -> None:
    info = ff.probe(media.silent_video(media_cache), ffprobe=FFPROBE)
    assert info.audio is None
    assert info.video is not None


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (media.text_as_mp4, "Invalid data found when processing input"),
        (media.truncated_mp4, "moov atom not found"),
        (media.zero_byte, "Invalid data found when processing input"),
    ],
)
def test_probe_unreadable_files_explain_themselves(media_cache: Path, make, words: str) -> None:
    path = make(media_cache)
    with pytest.raises(ff.FFmpegError) as info:
        ff.probe(path, ffprobe=FFPROBE)
    assert words in str(info.value)
    assert path.name in str(info.value)
    assert words in info.value.stderr_tail


def test_probe_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ff.FFmpegError, match="No such file or directory"):
        ff.probe(tmp_path / "gone.mp4", ffprobe=FFPROBE)


# --------------------------------------------------------------------------- ingest: report


def test_proxy_is_browser_playable_h264_aac(report: Ingested) -> None:
    info = ff.probe(report.proxy, ffprobe=FFPROBE)
    assert info.video is not None and info.audio is not None
    assert info.video.codec == "h264"
    assert info.video.height <= 720
    assert info.video.pix_fmt == "yuv420p"
    assert info.audio == ff.AudioStream(codec="aac", sample_rate=48000, channels=2)
    assert info.duration_ms is not None and abs(info.duration_ms - 6000) <= 100
    video = next(s for s in ffprobe_json(report.proxy)["streams"] if s["codec_type"] == "video")
    assert video["profile"] == "Main"


def test_proxy_starts_playing_before_download_ends(report: Ingested, report_master: Path) -> None:
    atoms = dict(top_level_atoms(report.proxy))
    assert atoms["moov"] < atoms["mdat"], atoms
    # The generated master keeps ffmpeg's default layout, so the order above is ingest's doing.
    master_atoms = dict(top_level_atoms(report_master))
    assert master_atoms["moov"] > master_atoms["mdat"]


def test_speech_wav_is_16k_mono_pcm_of_full_length(report: Ingested) -> None:
    info = ff.probe(report.wav, ffprobe=FFPROBE)
    assert info.container == "wav"
    assert info.video is None
    assert info.audio == ff.AudioStream(codec="pcm_s16le", sample_rate=16000, channels=1)
    assert info.duration_ms is not None and abs(info.duration_ms - 6000) <= 100


def test_loudness_agrees_with_an_independent_meter(report: Ingested,
                                                   report_master: Path) -> None:
    loudness = ff.parse_ebur128(report.stderr)
    # loudnorm is a separate BS.1770 implementation in ffmpeg; measure the master with it.
    out = subprocess.run(
        [FFMPEG, "-nostdin", "-hide_banner", "-nostats", "-i", str(report_master),
         "-af", "loudnorm=I=-23:TP=-1:print_format=json", "-f", "null", "-"],
        capture_output=True, text=True, check=True, timeout=60,
    )
    ref = json.loads(out.stderr[out.stderr.rindex("{"):])
    assert loudness.integrated_lufs == pytest.approx(float(ref["input_i"]), abs=0.3)
    assert loudness.true_peak_dbtp == pytest.approx(float(ref["input_tp"]), abs=0.3)
    assert loudness.lra_lu == pytest.approx(float(ref["input_lra"]), abs=1.0)


def test_ingest_reports_progress_up_to_100(report: Ingested) -> None:
    assert report.progress, "no progress reported"
    assert report.progress == sorted(report.progress)
    assert report.progress[-1] == 100.0
    assert all(0.0 <= p <= 100.0 for p in report.progress)


def test_waveform_picture(report: Ingested, tmp_path: Path) -> None:
    png = tmp_path / "wave.png"
    assert ff.run(ff.waveform_argv(FFMPEG, report.wav, png, width=600, height=80)) == ""
    info = ff.probe(png, ffprobe=FFPROBE)
    assert info.video is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("png", 600, 80)
    assert info.video.pix_fmt == "rgba"  # transparent background


def test_peaks_follow_the_speech(report: Ingested, media_cache: Path) -> None:
    peaks = ff.compute_peaks(report.wav)
    assert abs(len(peaks) - 6 * 20) <= 2
    assert max(peaks) > 0.3  # espeak speaks near full scale
    assert min(peaks) < 0.05  # pauses between words
    silence = ff.compute_peaks(media.silence_wav(media_cache, seconds=2))
    assert len(silence) == 40
    assert max(silence) == 0.0


# --------------------------------------------------------------------------- ingest: other shapes


def test_1080p_master_gets_a_720p_proxy(media_cache: Path, tmp_path: Path) -> None:
    result = ingest(media.report_video(media_cache, seconds=2, size="1920x1080"), tmp_path)
    video = ff.probe(result.proxy, ffprobe=FFPROBE).video
    assert video is not None and (video.width, video.height) == (1280, 720)


def test_small_master_is_not_upscaled(media_cache: Path, tmp_path: Path) -> None:
    src = media.report_video(media_cache, seconds=2, size="640x480", rate="30000/1001")
    video = ff.probe(ingest(src, tmp_path).proxy, ffprobe=FFPROBE).video
    assert video is not None
    assert (video.width, video.height, video.frame_rate) == (640, 480, "30000/1001")


def test_interlaced_anamorphic_master_gets_progressive_square_pixel_proxy(
    media_cache: Path, tmp_path: Path
) -> None:
    result = ingest(media.interlaced_video(media_cache), tmp_path)
    video = ff.probe(result.proxy, ffprobe=FFPROBE).video
    assert video is not None
    assert video.field_order == "progressive"
    assert video.frame_rate == "25/1"
    assert (video.width, video.height) == (1024, 576)  # 16:9 kept, in square pixels
    raw = next(s for s in ffprobe_json(result.proxy)["streams"] if s["codec_type"] == "video")
    assert raw.get("sample_aspect_ratio", "1:1") == "1:1"


def test_audio_master_with_cover_gets_audio_only_proxy(media_cache: Path, tmp_path: Path) -> None:
    result = ingest(media.audio_only(media_cache, cover=True), tmp_path, proxy_name="proxy.m4a")
    proxy = ff.probe(result.proxy, ffprobe=FFPROBE)
    assert proxy.video is None
    assert proxy.audio == ff.AudioStream(codec="aac", sample_rate=48000, channels=2)
    wav = ff.probe(result.wav, ffprobe=FFPROBE)
    assert wav.audio == ff.AudioStream(codec="pcm_s16le", sample_rate=16000, channels=1)
    assert -40 < ff.parse_ebur128(result.stderr).integrated_lufs < 0
    atoms = dict(top_level_atoms(result.proxy))
    assert atoms["moov"] < atoms["mdat"]


def test_silent_video_master_gets_video_only_proxy(media_cache: Path, tmp_path: Path) -> None:
    result = ingest(media.silent_video(media_cache), tmp_path)
    proxy = ff.probe(result.proxy, ffprobe=FFPROBE)
    assert proxy.audio is None and proxy.video is not None
    assert not result.wav.exists()
    with pytest.raises(ff.FFmpegError):
        ff.parse_ebur128(result.stderr)


@pytest.mark.parametrize(("channels", "expected"), [(2, -23.0), (1, -23.0)])
def test_calibration_tone_measures_minus_23(media_cache: Path, tmp_path: Path,
                                            channels: int, expected: float) -> None:
    # EBU Tech 3341: a 1 kHz sine at -23 dBFS on both channels reads -23.0 LUFS. A mono master is
    # broadcast on both channels, so it must read the same (dual mono), not 3 LU quieter.
    tone = media.tone_wav(media_cache, dbfs=-23.0, channels=channels, seconds=5)
    loudness = ff.parse_ebur128(ingest(tone, tmp_path, proxy_name="proxy.m4a").stderr)
    assert loudness.integrated_lufs == pytest.approx(expected, abs=0.1)
    assert loudness.true_peak_dbtp == pytest.approx(-23.0, abs=0.2)
    assert loudness.lra_lu == pytest.approx(0.0, abs=0.2)


def test_speech_wav_starts_with_the_picture(media_cache: Path, tmp_path: Path) -> None:
    # The master's sound starts 0.5 s after its picture; word timings from the wav must be on
    # the video's clock, so the tone must begin 0.5 s into the wav, not at 0.
    result = ingest(media.late_audio_video(media_cache, seconds=3, audio_delay=0.5), tmp_path)
    peaks = ff.compute_peaks(result.wav, buckets_per_second=100)
    onset = next(i for i, p in enumerate(peaks) if p > 0.05) / 100
    assert onset == pytest.approx(0.5, abs=0.03)
    assert abs(len(peaks) - 300) <= 5


# --------------------------------------------------------------------------- poster


def test_poster_is_one_jpeg_frame_at_most_720_high(media_cache: Path, tmp_path: Path) -> None:
    jpg = tmp_path / "poster.jpg"
    src = media.report_video(media_cache, seconds=2, size="1920x1080")
    ff.run(ff.poster_argv(FFMPEG, src, jpg, at_ms=1000))
    video = ff.probe(jpg, ffprobe=FFPROBE).video
    assert video is not None
    assert (video.codec, video.width, video.height) == ("mjpeg", 1280, 720)


def test_poster_of_anamorphic_master_has_true_shape(media_cache: Path, tmp_path: Path) -> None:
    jpg = tmp_path / "poster.jpg"
    ff.run(ff.poster_argv(FFMPEG, media.interlaced_video(media_cache), jpg, at_ms=500))
    video = ff.probe(jpg, ffprobe=FFPROBE).video
    assert video is not None and (video.width, video.height) == (1024, 576)


def test_poster_past_the_end_writes_nothing(media_cache: Path, tmp_path: Path) -> None:
    # ffmpeg exits 0 here, so callers must check the file (or clamp at_ms to the duration).
    jpg = tmp_path / "poster.jpg"
    ff.run(ff.poster_argv(FFMPEG, media.silent_video(media_cache), jpg, at_ms=60_000))
    assert not jpg.exists()


# --------------------------------------------------------------------------- failures


def test_ingest_of_a_text_file_quotes_ffmpeg(media_cache: Path, tmp_path: Path) -> None:
    argv = ff.ingest_argv(FFMPEG, media.text_as_mp4(media_cache), proxy_path=tmp_path / "p.mp4",
                          audio_path=tmp_path / "a.wav", has_video=True)
    with pytest.raises(ff.FFmpegError) as info:
        ff.run(argv, duration_ms=1000)
    assert "Invalid data found when processing input" in str(info.value)
    assert "text_as.mp4" in str(info.value)


ENDLESS = [FFMPEG, "-nostdin", "-hide_banner", "-nostats", "-progress", "pipe:1",
           "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "null", "-"]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen]:
    """Record the processes run() starts, to check none is left running."""
    processes: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        processes.append(proc)
        return proc

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    return processes


def test_cancel_kills_ffmpeg(started: list[subprocess.Popen]) -> None:
    progress: list[float] = []
    asked = 0

    def should_cancel() -> bool:
        nonlocal asked
        asked += 1
        return asked >= 3  # about a second in, after ffmpeg has started working

    start = time.monotonic()
    with pytest.raises(ff.FFmpegCancelled):
        ff.run(ENDLESS, duration_ms=3_600_000, on_progress=progress.append,
               should_cancel=should_cancel)
    assert time.monotonic() - start < 5
    assert progress, "ffmpeg had been running before the cancel"
    assert len(started) == 1 and started[0].poll() is not None


def test_timeout_kills_ffmpeg(started: list[subprocess.Popen]) -> None:
    start = time.monotonic()
    with pytest.raises(ff.FFmpegTimeout):
        ff.run(ENDLESS, timeout=1)
    assert 1 <= time.monotonic() - start < 5
    assert len(started) == 1 and started[0].poll() is not None
