"""End-to-end tests of delivery.renditions with the real ffmpeg on media generated at test time
(tests/media.py): two-pass loudness normalisation checked by an independent meter, the HD video
rendition checked with ffprobe, open captions checked on decoded frames, Broadcast WAV checked
by reading its RIFF chunks, and MP3 checked with ffprobe. Clips are 4 s, so the module stays fast.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from array import array
from dataclasses import dataclass
from pathlib import Path

import pytest

from delivery import renditions as rd
from production import ffmpeg as ff
from tests import media

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
FFPROBE = shutil.which("ffprobe") or "/usr/bin/ffprobe"
SECONDS = 4
# veryfast keeps CABAC and 8x8 transforms, so the stream really is High profile (ultrafast is not).
SPEC = rd.VideoSpec(preset="veryfast")
CUE = (1.0, 3.0)  # seconds: the one cue of each test SRT
SRT_VI = "1\n00:00:01,000 --> 00:00:03,000\nĐài Phát thanh – Truyền hình Lai Châu\n"
SRT_TAI_VIET = "1\n00:00:01,000 --> 00:00:03,000\nꪼꪕ ꪶꪔꪙ ꪁꪫ ꪹꪀ\n"  # Tai Viet letters


@dataclass
class Rendered:
    path: Path
    stderr: str


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("renditions")


@pytest.fixture(scope="module")
def quiet_master(media_cache: Path, work: Path) -> Path:
    """A 640x360 report with espeak speech, brought 20 dB down: far under -23 LUFS."""
    loud = media.report_video(media_cache, seconds=SECONDS, size="640x360",
                              speech_text=media.DEFAULT_SPEECH_VI)
    quiet = work / "quiet.mp4"
    subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(loud),
                    "-af", "volume=-20dB", "-c:v", "copy", "-c:a", "aac", "-b:a", "128k",
                    str(quiet)], check=True, timeout=60)
    return quiet


@pytest.fixture(scope="module")
def measure(quiet_master: Path) -> rd.LoudnormMeasure:
    return rd.parse_loudnorm(ff.run(rd.loudnorm_measure_argv(FFMPEG, quiet_master), timeout=60))


@pytest.fixture(scope="module")
def plain(quiet_master: Path, measure: rd.LoudnormMeasure, work: Path) -> Rendered:
    dst = work / "plain.mp4"
    argv = rd.video_rendition_argv(FFMPEG, quiet_master, dst, SPEC,
                                   audio_filter=rd.loudnorm_filter(measure))
    return Rendered(dst, ff.run(argv, timeout=120))


def burn(src: Path, work: Path, measure: rd.LoudnormMeasure, language: str, text: str,
         folder: str) -> Rendered:
    """Render with open captions from an SRT in an awkwardly named folder."""
    tricky = work / folder
    tricky.mkdir(exist_ok=True)
    srt = tricky / "cue, 'one'.srt"
    srt.write_text(text, encoding="utf-8")
    fonts = rd.link_subtitle_font(language, work / f"fonts-{language}")
    dst = work / f"burned-{language}.mp4"
    argv = rd.video_rendition_argv(FFMPEG, src, dst, SPEC,
                                   audio_filter=rd.loudnorm_filter(measure), subtitles=srt,
                                   subtitle_language=language, fonts_dir=fonts)
    return Rendered(dst, ff.run(argv, timeout=120))


@pytest.fixture(scope="module")
def burned_vi(quiet_master: Path, measure: rd.LoudnormMeasure, work: Path) -> Rendered:
    return burn(quiet_master, work, measure, "vi", SRT_VI, "sub: [vi], 'a';b")


def ebur128(path: Path) -> ff.Loudness:
    """Independent loudness of a file: ebur128 (not loudnorm), run by hand here."""
    proc = subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-nostats", "-i", str(path),
                           "-map", "0:a:0", "-af", "ebur128=peak=true", "-f", "null", "-"],
                          capture_output=True, text=True, check=True, timeout=60)
    return ff.parse_ebur128(proc.stderr)


def gray_frame(path: Path, at: float, size: tuple[int, int] = (480, 270)) -> array:
    """One decoded frame as 8-bit grey bytes, scaled down so comparing it in Python is quick."""
    proc = subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error",
                           "-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1",
                           "-vf", f"scale={size[0]}:{size[1]},format=gray",
                           "-f", "rawvideo", "-"], capture_output=True, check=True, timeout=60)
    assert len(proc.stdout) == size[0] * size[1]
    return array("B", proc.stdout)


def mean_difference(a: array, b: array, rows: range, width: int = 480) -> float:
    """Mean absolute difference of two grey frames over a band of rows."""
    start, stop = rows.start * width, rows.stop * width
    return sum(abs(x - y) for x, y in zip(a[start:stop], b[start:stop], strict=True)) / (
        stop - start)


def ffprobe_streams(path: Path) -> list[dict]:
    out = subprocess.run([FFPROBE, "-v", "error", "-print_format", "json", "-show_format",
                          "-show_streams", str(path)], capture_output=True, check=True, timeout=30)
    return json.loads(out.stdout)["streams"]



# --------------------------------------------------------------------------- loudness


def test_quiet_master_is_far_below_target(measure: rd.LoudnormMeasure) -> None:
    assert measure.input_i < -30
    assert rd.linear_possible(measure)


def test_two_pass_loudnorm_is_linear_and_on_target(plain: Rendered) -> None:
    assert rd.parse_normalization_type(plain.stderr) == "linear"
    loudness = ebur128(plain.path)
    assert loudness.integrated_lufs == pytest.approx(-23.0, abs=0.5)
    assert loudness.true_peak_dbtp <= -1.0 + 0.5  # AAC may add a little; R 128 budget is -1


def test_ebur128_argv_reads_the_same(plain: Rendered) -> None:
    loudness = ff.parse_ebur128(ff.run(rd.ebur128_argv(FFMPEG, plain.path), timeout=60))
    assert loudness.integrated_lufs == pytest.approx(ebur128(plain.path).integrated_lufs,
                                                     abs=0.05)


# --------------------------------------------------------------------------- video


def test_video_rendition_probes_as_the_hd_spec(plain: Rendered) -> None:
    info = ff.probe(plain.path, ffprobe=FFPROBE)
    assert info.video == ff.VideoStream(codec="h264", width=1920, height=1080, frame_rate="25/1",
                                        field_order="progressive", pix_fmt="yuv420p")
    assert info.audio == ff.AudioStream(codec="aac", sample_rate=48000, channels=2)
    assert info.duration_ms is not None and abs(info.duration_ms - SECONDS * 1000) <= 100
    video = next(s for s in ffprobe_streams(plain.path) if s["codec_type"] == "video")
    assert (video["profile"], video["level"]) == ("High", 41)
    assert video.get("sample_aspect_ratio", "1:1") == "1:1"
    assert int(video["bit_rate"]) >= 6_000_000


def edge_columns(frame: array, row: int, width: int = 480) -> tuple[int, int]:
    """Grey levels of the leftmost and rightmost pixel of a row (16 or less is a black bar)."""
    return frame[row * width], frame[row * width + width - 1]


def test_16_9_source_fills_the_frame(plain: Rendered) -> None:
    # 640x360 is 16:9 already: scaled up with no black bars at the sides.
    assert min(edge_columns(gray_frame(plain.path, 0.5), 135)) > 30


def test_anamorphic_interlaced_sd_becomes_full_frame_progressive(media_cache: Path,
                                                                 work: Path) -> None:
    # 720x576 with SAR 64:45 is 16:9: it must fill 1920x1080 (no pillarbox), deinterlaced.
    dst = work / "sd.mp4"
    ff.run(rd.video_rendition_argv(FFMPEG, media.interlaced_video(media_cache), dst, SPEC,
                                   audio_filter=None), timeout=120)
    info = ff.probe(dst, ffprobe=FFPROBE)
    assert info.video is not None
    assert (info.video.width, info.video.height, info.video.frame_rate) == (1920, 1080, "25/1")
    assert info.video.field_order == "progressive"
    assert min(edge_columns(gray_frame(dst, 0.5), 135)) > 30


def test_burned_in_caption_shows_during_the_cue_only(plain: Rendered,
                                                     burned_vi: Rendered) -> None:
    during = (CUE[0] + CUE[1]) / 2
    captions = range(200, 270)  # bottom quarter, where libass puts the cue
    picture = range(0, 150)
    with_cue, without = gray_frame(burned_vi.path, during), gray_frame(plain.path, during)
    assert mean_difference(with_cue, without, captions) > 5 * (
        mean_difference(with_cue, without, picture) + 0.2)
    before = gray_frame(burned_vi.path, 0.4), gray_frame(plain.path, 0.4)
    assert mean_difference(*before, captions) < 1.5
    assert "fontselect: (DejaVu Sans," in burned_vi.stderr
    assert "not found" not in burned_vi.stderr  # no glyph fell back to another font


def test_tai_viet_caption_uses_its_font(quiet_master: Path, measure: rd.LoudnormMeasure,
                                        plain: Rendered, work: Path) -> None:
    if rd.link_subtitle_font("blt-Tavt", work / "probe-fonts") is None:
        pytest.skip("Noto Sans Tai Viet is not installed")
    burned = burn(quiet_master, work, measure, "blt-Tavt", SRT_TAI_VIET, "tavt")
    assert "fontselect: (Noto Sans Tai Viet," in burned.stderr
    assert "NotoSansTaiViet" in burned.stderr
    assert "not found" not in burned.stderr
    during = gray_frame(burned.path, 2.0), gray_frame(plain.path, 2.0)
    assert mean_difference(*during, range(200, 270)) > 1.0


# --------------------------------------------------------------------------- audio


def test_broadcast_wav_has_ascii_bext_and_48k_24bit(quiet_master: Path,
                                                    measure: rd.LoudnormMeasure,
                                                    work: Path) -> None:
    dst = work / "LAI_CHAU_PHONG_SU.wav"
    stderr = ff.run(rd.audio_rendition_argv(
        FFMPEG, quiet_master, dst, fmt="bwf", audio_filter=rd.loudnorm_filter(measure),
        description="Phóng sự: Đài Lai Châu", originator="Đài PT-TH Lai Châu"), timeout=60)
    assert rd.parse_normalization_type(stderr) == "linear"
    chunks = media.riff_chunks(dst)
    assert {"bext", "fmt ", "data"} <= set(chunks)
    bext = chunks["bext"]
    assert bext[:256].rstrip(b"\0") == b"Phong su: Dai Lai Chau"
    assert bext[256:288].rstrip(b"\0") == b"Dai PT-TH Lai Chau"
    _fmt_tag, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH",
                                                                       chunks["fmt "][:16])
    assert (channels, rate, bits) == (2, 48000, 24)
    assert ebur128(dst).integrated_lufs == pytest.approx(-23.0, abs=0.5)


def test_mp3_rendition(quiet_master: Path, measure: rd.LoudnormMeasure, work: Path) -> None:
    dst = work / "LAI_CHAU_PHONG_SU.mp3"
    ff.run(rd.audio_rendition_argv(FFMPEG, quiet_master, dst, fmt="mp3",
                                   audio_filter=rd.loudnorm_filter(measure),
                                   description="Phóng sự Lai Châu"), timeout=60)
    info = ff.probe(dst, ffprobe=FFPROBE)
    assert info.video is None
    assert info.audio == ff.AudioStream(codec="mp3", sample_rate=48000, channels=2)
    out = subprocess.run([FFPROBE, "-v", "error", "-print_format", "json", "-show_format",
                          str(dst)], capture_output=True, check=True, timeout=30)
    fmt = json.loads(out.stdout)["format"]
    assert fmt["tags"]["title"] == "Phóng sự Lai Châu"
    assert int(fmt["bit_rate"]) >= 300_000
    assert ebur128(dst).integrated_lufs == pytest.approx(-23.0, abs=0.5)


# --------------------------------------------------------------------------- intro


def test_intro_is_joined_in_front_and_cut_to_its_length(quiet_master: Path,
                                                        measure: rd.LoudnormMeasure,
                                                        work: Path) -> None:
    # A blue 1.5 s clip with a 2 s tone: the rendition must hold exactly 1.2 s of it (a length
    # on the frame grid), silent or not, then the whole programme at -23 LUFS.
    intro = work / "intro.mkv"
    subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "color=c=blue:size=320x180:rate=25:duration=1.5",
                    "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "1.5",
                    "-c:v", "libx264", "-preset", "veryfast", "-c:a", "pcm_s16le", str(intro)],
                   check=True, timeout=60)
    dst = work / "with-intro.mp4"
    spec = rd.VideoSpec(width=640, height=360, preset="veryfast", bitrate="1M")
    stderr = ff.run(rd.video_rendition_argv(FFMPEG, quiet_master, dst, spec,
                                            audio_filter=rd.loudnorm_filter(measure),
                                            intro=intro, intro_ms=1200), timeout=120)
    assert rd.parse_normalization_type(stderr) == "linear"
    info = ff.probe(dst, ffprobe=FFPROBE)
    assert info.video is not None and (info.video.width, info.video.height) == (640, 360)
    assert info.audio == ff.AudioStream(codec="aac", sample_rate=48000, channels=2)
    video = next(s for s in ffprobe_streams(dst) if s["codec_type"] == "video")
    assert int(video["nb_frames"]) == 25 * SECONDS + 30  # 1.2 s of intro = 30 frames
    assert ebur128(dst).integrated_lufs == pytest.approx(-23.0, abs=0.5)
    first, programme = gray_frame(dst, 0.0), gray_frame(dst, 1.2 + 0.5)
    plain_frame = gray_frame(quiet_master, 0.5)
    assert mean_difference(first, plain_frame, range(0, 270)) > 20
    assert mean_difference(programme, plain_frame, range(0, 270)) < 3
