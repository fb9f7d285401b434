"""The real tool check: Debian's ffmpeg reads the SRT and WebVTT files Station writes, as a
subtitle stream, with the same times and the same Vietnamese text (NFC)."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
import srt as srt_lib

from subtitles import formats
from subtitles.cues import Cue, SubtitleDoc

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
FFPROBE = shutil.which("ffprobe") or "/usr/bin/ffprobe"
pytestmark = pytest.mark.skipif(not (Path(FFMPEG).exists() and Path(FFPROBE).exists()),
                                reason="needs ffmpeg and ffprobe")

DOC = SubtitleDoc("vi", [
    Cue(1_000, 3_500, "Đài Phát thanh và Truyền hình\ntỉnh Lai Châu xin kính chào"),
    Cue(3_580, 6_000, "quý vị và các bạn"),
    Cue(7_000, 8_000, "越南莱州 · ພາສາລາວ · ꪀꪱꪙ ꪼꪕ"),
    Cue(35_999_000, 36_000_000, "Mười giờ phát sóng"),  # 10 h in: times past 9:59:59
])


def _probe(path: Path) -> dict:
    out = subprocess.run([FFPROBE, "-v", "error", "-show_streams", "-show_format",
                          "-of", "json", str(path)], capture_output=True, check=True, text=True)
    return json.loads(out.stdout)


def _ffmpeg_as_srt(path: Path) -> list[srt_lib.Subtitle]:
    """ffmpeg decodes the file and writes its own SRT, which the srt library reads."""
    out = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "srt", "-"],
                         capture_output=True, check=True)
    return list(srt_lib.parse(out.stdout.decode("utf-8")))


@pytest.mark.parametrize(("name", "codec"), [("srt", "subrip"), ("webvtt", "webvtt")])
def test_ffmpeg_reads_our_file_as_a_subtitle_stream(tmp_path: Path, name: str,
                                                    codec: str) -> None:
    spec = formats.get(name)
    path = tmp_path / f"track.{spec.extension}"
    path.write_bytes(formats.write(name, DOC))

    # Decode every cue and encode it again (to ASS): the null muxer has no default subtitle
    # codec, so plain "ffmpeg -i track.srt -f null -" maps no stream at all in ffmpeg 5.1.
    run = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-map", "0:s", "-c:s", "ass",
                          "-f", "null", "-"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""

    streams = _probe(path)["streams"]
    assert [(s["codec_type"], s["codec_name"]) for s in streams] == [("subtitle", codec)]

    cues = _ffmpeg_as_srt(path)
    assert [(c.start, c.end) for c in cues] == [
        (timedelta(milliseconds=c.start_ms), timedelta(milliseconds=c.end_ms)) for c in DOC.cues]
    assert [c.content for c in cues] == [c.text for c in DOC.cues]
    assert all(unicodedata.is_normalized("NFC", c.content) for c in cues)


def test_ffmpeg_rejects_a_broken_file_so_the_check_means_something(tmp_path: Path) -> None:
    path = tmp_path / "bad.srt"
    path.write_bytes(b"1\n00:00:01,000 --> 00:00:0x,000\nbad\n")
    run = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-map", "0:s", "-c:s", "ass",
                          "-f", "null", "-"], capture_output=True, text=True, check=False)
    assert run.returncode != 0


def test_ffmpeg_reads_bom_and_lf_variants_of_our_srt(tmp_path: Path) -> None:
    data = formats.write("srt", DOC)
    for label, variant in (("bom", b"\xef\xbb\xbf" + data), ("lf", data.replace(b"\r\n", b"\n"))):
        path = tmp_path / f"{label}.srt"
        path.write_bytes(variant)
        assert [c.content for c in _ffmpeg_as_srt(path)] == [c.text for c in DOC.cues]
