"""Unit tests of production.ffmpeg's pure parts: parsers on output captured from Debian ffmpeg 5.1,
argv builders, peak extraction on stdlib-written WAVs, and the runner driven by a stand-in process
(the Python interpreter), so they need no media and run in well under a second each."""

from __future__ import annotations

import itertools
import json
import math
import sys
import tempfile
import time
import wave
from array import array
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from production import ffmpeg as ff

# --------------------------------------------------------------------------- captured output
# `ffprobe -v error -print_format json -show_format -show_streams` on clips made by tests/media.py,
# trimmed to the keys the parser reads (plus a few for context).

PROBE_INTERLACED_PAL = """{
 "streams": [
  {"index": 0, "codec_name": "h264", "codec_type": "video", "width": 720, "height": 576,
   "sample_aspect_ratio": "64:45", "display_aspect_ratio": "16:9", "pix_fmt": "yuv420p",
   "field_order": "tt", "r_frame_rate": "25/1", "avg_frame_rate": "25/1",
   "start_time": "0.000000", "duration": "2.000000", "bit_rate": "2557352",
   "disposition": {"default": 1, "attached_pic": 0}},
  {"index": 1, "codec_name": "aac", "codec_type": "audio", "sample_rate": "48000",
   "channels": 1, "channel_layout": "mono", "r_frame_rate": "0/0", "avg_frame_rate": "0/0",
   "start_time": "0.000000", "duration": "2.000000", "bit_rate": "96858",
   "disposition": {"default": 1, "attached_pic": 0}}
 ],
 "format": {"filename": "interlaced.mp4", "nb_streams": 2,
  "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "start_time": "0.000000", "duration": "2.000000",
  "size": "666368", "bit_rate": "2665472", "probe_score": 100}
}"""

PROBE_NTSC = """{
 "streams": [
  {"index": 0, "codec_name": "h264", "codec_type": "video", "width": 640, "height": 480,
   "sample_aspect_ratio": "1:1", "display_aspect_ratio": "4:3", "pix_fmt": "yuv420p",
   "field_order": "progressive", "r_frame_rate": "30000/1001", "avg_frame_rate": "30000/1001",
   "start_time": "0.000000", "duration": "2.002000", "bit_rate": "1560867",
   "disposition": {"default": 1, "attached_pic": 0}},
  {"index": 1, "codec_name": "aac", "codec_type": "audio", "sample_rate": "48000",
   "channels": 2, "channel_layout": "stereo", "r_frame_rate": "0/0", "avg_frame_rate": "0/0",
   "start_time": "0.000000", "duration": "2.000000", "bit_rate": "96237",
   "disposition": {"default": 1, "attached_pic": 0}}
 ],
 "format": {"filename": "ntsc.mp4", "nb_streams": 2, "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
  "start_time": "0.000000", "duration": "2.002000", "size": "418062", "bit_rate": "1670577",
  "probe_score": 100}
}"""

# An MP3 with cover art: the PNG is a "video" stream flagged attached_pic (and has no field_order).
PROBE_MP3_WITH_COVER = """{
 "streams": [
  {"index": 0, "codec_name": "mp3", "codec_type": "audio", "sample_rate": "44100",
   "channels": 2, "channel_layout": "stereo", "r_frame_rate": "0/0", "avg_frame_rate": "0/0",
   "start_time": "0.025057", "duration": "5.041633", "bit_rate": "96000",
   "disposition": {"default": 0, "attached_pic": 0}},
  {"index": 1, "codec_name": "png", "codec_type": "video", "width": 64, "height": 64,
   "sample_aspect_ratio": "1:1", "display_aspect_ratio": "1:1", "pix_fmt": "rgb24",
   "r_frame_rate": "90000/1", "avg_frame_rate": "0/0", "start_time": "0.025056",
   "duration": "5.041633", "disposition": {"default": 0, "attached_pic": 1}}
 ],
 "format": {"filename": "c.mp3", "nb_streams": 2, "format_name": "mp3",
  "start_time": "0.025056", "duration": "5.041633", "size": "61081", "bit_rate": "96922",
  "probe_score": 51}
}"""

# A variable-frame-rate MP4 (frames dropped with select, -vsync vfr).
PROBE_VFR = """{
 "streams": [
  {"index": 0, "codec_name": "h264", "codec_type": "video", "width": 320, "height": 240,
   "pix_fmt": "yuv420p", "field_order": "progressive", "r_frame_rate": "30/1",
   "avg_frame_rate": "900/59", "duration": "3.933333",
   "disposition": {"default": 1, "attached_pic": 0}}
 ],
 "format": {"filename": "vfr.mp4", "nb_streams": 1, "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
  "duration": "3.934000", "size": "249523", "bit_rate": "507418", "probe_score": 100}
}"""

# An SRT file uploaded as a master: ffprobe succeeds, but there is only a subtitle stream.
PROBE_SRT = """{
 "streams": [
  {"index": 0, "codec_name": "subrip", "codec_type": "subtitle", "r_frame_rate": "0/0",
   "avg_frame_rate": "0/0", "disposition": {"default": 0, "attached_pic": 0}}
 ],
 "format": {"filename": "s.srt", "nb_streams": 1, "format_name": "srt", "size": "42",
  "probe_score": 100}
}"""

# What ffprobe writes to stdout when it fails to open a file (stderr carries the reason).
PROBE_FAILED_STDOUT = "{\n\n}\n"

# stderr of the ingest command (ebur128=peak=true:dualmono=true:framelog=verbose) on a 6 s
# report with espeak speech, tail only.
EBUR128_SPEECH_STDERR = """\
[mp4 @ 0x55f63ee26180] Starting second pass: moving the moov atom to the beginning of the file
frame=  150 fps=0.0 q=-1.0 Lsize=    1726kB time=00:00:06.01 bitrate=2349.7kbits/s speed=7.09x
video:1672kB audio:799kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown
[Parsed_ebur128_4 @ 0x55f63f406bc0] Summary:

  Integrated loudness:
    I:         -16.4 LUFS
    Threshold: -26.4 LUFS

  Loudness range:
    LRA:         7.5 LU
    Threshold: -38.9 LUFS
    LRA low:   -23.8 LUFS
    LRA high:  -16.3 LUFS

  True peak:
    Peak:       -0.0 dBFS
[libx264 @ 0x55f63ee563c0] frame I:1     Avg QP:11.32  size: 22274
[libx264 @ 0x55f63ee563c0] kb/s:2282.39
[aac @ 0x55f63ee31480] Qavg: 38063.539
"""

# Without framelog=verbose, ebur128 logs a line every 100 ms at info level; these lines also
# contain "I:" and "LRA:", so the parser must read the Summary block, not the last such line.
EBUR128_FRAMELOG_LINE = (
    "[Parsed_ebur128_4 @ 0x55f63f406bc0] t: 5.99998    TARGET:-23 LUFS    M:   nan S:-146.1"
    "     I: -99.9 LUFS       LRA:  99.9 LU  FTPK:  -inf dBFS  TPK:  -0.0 dBFS\n"
)

# anullsrc (digital silence) through ebur128=peak=true.
EBUR128_SILENCE_STDERR = """\
[Parsed_ebur128_0 @ 0x55eba1cddb40] Summary:

  Integrated loudness:
    I:         -70.0 LUFS
    Threshold:   0.0 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold:   0.0 LUFS
    LRA low:     0.0 LUFS
    LRA high:    0.0 LUFS

  True peak:
    Peak:       -inf dBFS
"""

# `-progress pipe:1` block from the ingest run (ffmpeg 5.1): out_time_ms carries microseconds.
PROGRESS_BLOCK = """\
frame=81
fps=0.00
stream_0_0_q=28.0
bitrate=1269.0kbits/s
total_size=524336
out_time_us=3305625
out_time_ms=3305625
out_time=00:00:03.305625
dup_frames=0
drop_frames=0
speed=6.58x
progress=continue
"""

# stderr (-loglevel info) of the ingest command on a text file named .mp4.
INGEST_TEXT_FILE_STDERR = """\
[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5593d1d3b1c0] Format mov,mp4,m4a,3gp,3g2,mj2 detected only with \
low score of 1, misdetection possible!
[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5593d1d3b1c0] moov atom not found
cache/text_as.mp4: Invalid data found when processing input
"""


# --------------------------------------------------------------------------- parse_probe


def test_probe_reads_interlaced_pal_master() -> None:
    result = ff.parse_probe(PROBE_INTERLACED_PAL)
    assert result.container == "mov,mp4,m4a,3gp,3g2,mj2"
    assert result.duration_ms == 2000
    assert result.bit_rate == 2665472
    assert result.video == ff.VideoStream(
        codec="h264", width=720, height=576, frame_rate="25/1", field_order="tt",
        pix_fmt="yuv420p",
    )
    assert result.audio == ff.AudioStream(codec="aac", sample_rate=48000, channels=1)


def test_probe_keeps_ntsc_rate_exact() -> None:
    result = ff.parse_probe(PROBE_NTSC)
    assert result.video is not None
    assert result.video.frame_rate == "30000/1001"
    assert result.video.field_order == "progressive"
    assert result.duration_ms == 2002


def test_probe_prefers_exact_rational_over_rounded_average() -> None:
    # Same clip as PROBE_NTSC, as some muxers report it: a rounded average frame rate.
    data = json.loads(PROBE_NTSC)
    data["streams"][0]["avg_frame_rate"] = "2997/100"
    result = ff.parse_probe(json.dumps(data))
    assert result.video is not None and result.video.frame_rate == "30000/1001"


def test_probe_uses_average_rate_when_timestamps_are_variable() -> None:
    result = ff.parse_probe(PROBE_VFR)
    assert result.video is not None
    # r_frame_rate (30/1) is only the timestamp grid; the clip really averages 900/59 fps.
    assert result.video.frame_rate == "900/59"
    assert result.audio is None


def test_probe_ignores_cover_art_in_audio_files() -> None:
    result = ff.parse_probe(PROBE_MP3_WITH_COVER)
    assert result.video is None
    assert result.audio == ff.AudioStream(codec="mp3", sample_rate=44100, channels=2)
    assert result.container == "mp3"
    assert result.duration_ms == 5042


def test_probe_cover_art_does_not_hide_a_later_real_video() -> None:
    data = json.loads(PROBE_MP3_WITH_COVER)
    real = json.loads(PROBE_NTSC)["streams"][0]
    data["streams"].append(dict(real, index=2))
    result = ff.parse_probe(json.dumps(data))
    assert result.video is not None
    assert (result.video.codec, result.video.width) == ("h264", 640)


def test_probe_without_audio_or_video_is_an_error() -> None:
    with pytest.raises(ff.FFmpegError, match="no audio or video stream"):
        ff.parse_probe(PROBE_SRT)
    with pytest.raises(ff.FFmpegError, match="no audio or video stream"):
        ff.parse_probe(PROBE_FAILED_STDOUT)


def test_probe_rejects_non_json() -> None:
    with pytest.raises(ff.FFmpegError, match="not JSON"):
        ff.parse_probe("moov atom not found")


def test_probe_tolerates_missing_and_na_fields() -> None:
    data = json.loads(PROBE_INTERLACED_PAL)
    data["format"]["duration"] = "N/A"
    del data["format"]["bit_rate"]
    del data["streams"][0]["field_order"]
    del data["streams"][0]["pix_fmt"]
    result = ff.parse_probe(json.dumps(data))
    assert result.duration_ms is None
    assert result.bit_rate is None
    assert result.video is not None
    assert result.video.field_order == "unknown"
    assert result.video.pix_fmt is None


def test_probe_argv_asks_for_json_format_and_streams() -> None:
    argv = ff.probe_argv("/usr/bin/ffprobe", Path("/srv/masters/a.mp4"))
    assert argv[0] == "/usr/bin/ffprobe"
    assert argv[-1] == "/srv/masters/a.mp4"
    for flag in ("-show_format", "-show_streams"):
        assert flag in argv
    assert argv[argv.index("-print_format") + 1] == "json"
    assert argv[argv.index("-v") + 1] == "error"


def test_paths_that_look_like_protocols_or_options_are_kept_local() -> None:
    assert ff.probe_argv("ffprobe", "tin 10:30.mp4")[-1] == "file:tin 10:30.mp4"
    assert ff.probe_argv("ffprobe", "-x.mp4")[-1] == "file:-x.mp4"
    assert ff.probe_argv("ffprobe", "/srv/a:b/c.mp4")[-1] == "/srv/a:b/c.mp4"


# --------------------------------------------------------------------------- ingest_argv


def _filter_graph(argv: list[str]) -> str:
    return argv[argv.index("-filter_complex") + 1]


def _options_before(argv: list[str], target: str) -> dict[str, str]:
    """Option -> value pairs of the output file `target` (its options precede it)."""
    end = argv.index(target)
    opts: dict[str, str] = {}
    i = end - 1
    # Walk back over "-key value" pairs until the previous output file or the graph.
    while i >= 1 and argv[i - 1].startswith("-") and argv[i - 1] != "-filter_complex":
        opts.setdefault(argv[i - 1], argv[i])
        i -= 2
    return opts


def test_ingest_is_one_process_reading_the_master_once() -> None:
    argv = ff.ingest_argv("/usr/bin/ffmpeg", "/m/master.mp4", proxy_path="/o/proxy.mp4",
                          audio_path="/o/speech.wav", has_video=True)
    assert argv[0] == "/usr/bin/ffmpeg"
    assert argv.count("-i") == 1
    assert argv[argv.index("-i") + 1] == "/m/master.mp4"
    graph = _filter_graph(argv)
    assert "asplit=3" in graph
    # Three outputs: proxy, speech wav, and the loudness meter to the null muxer.
    assert "/o/proxy.mp4" in argv and "/o/speech.wav" in argv
    assert argv[argv.index("-") - 2:argv.index("-")] == ["-f", "null"]


def test_ingest_proxy_is_browser_friendly_h264_aac_faststart() -> None:
    argv = ff.ingest_argv("ffmpeg", "in.mov", proxy_path="p.mp4", audio_path="a.wav",
                          has_video=True)
    opts = _options_before(argv, "p.mp4")
    assert opts["-c:v"] == "libx264"
    assert opts["-preset"] == "veryfast"
    assert opts["-crf"] == "23"
    assert opts["-pix_fmt"] == "yuv420p"
    assert opts["-profile:v"] == "main"
    assert opts["-c:a"] == "aac"
    assert opts["-b:a"] == "128k"
    assert opts["-ar"] == "48000"
    assert opts["-ac"] == "2"
    assert opts["-movflags"] == "+faststart"
    assert opts["-f"] == "mp4"


def test_ingest_speech_wav_is_16k_mono_pcm() -> None:
    argv = ff.ingest_argv("ffmpeg", "in.mov", proxy_path="p.mp4", audio_path="a.wav",
                          has_video=True)
    opts = _options_before(argv, "a.wav")
    assert opts == {"-map": opts["-map"], "-f": "wav", "-ac": "1", "-ar": "16000",
                    "-c:a": "pcm_s16le"}
    assert "aresample=16000" in _filter_graph(argv)


def test_ingest_measures_loudness_on_master_audio_with_true_peak() -> None:
    argv = ff.ingest_argv("ffmpeg", "in.mov", proxy_path="p.mp4", audio_path="a.wav",
                          has_video=True)
    graph = _filter_graph(argv)
    chains = graph.split(";")
    meter = next(c for c in chains if "ebur128" in c)
    assert "peak=true" in meter
    assert "framelog=verbose" in meter  # keeps per-100 ms lines out of stderr
    assert "aresample=16000" not in meter  # measured before the speech resampling
    # info level so the Summary reaches stderr; progress on stdout for run().
    assert argv[argv.index("-loglevel") + 1] == "info"
    assert argv[argv.index("-progress") + 1] == "pipe:1"
    assert {"-nostats", "-y", "-nostdin"} <= set(argv)


def test_ingest_aligns_speech_with_picture() -> None:
    argv = ff.ingest_argv("ffmpeg", "in.mov", proxy_path="p.mp4", audio_path="a.wav",
                          has_video=True)
    graph = _filter_graph(argv)
    # The audio is padded to start at time 0 before it is split to proxy, wav and meter.
    assert graph.index("first_pts=0") < graph.index("asplit")


def test_ingest_scales_to_max_height_without_upscaling() -> None:
    graph = _filter_graph(ff.ingest_argv("ffmpeg", "in", proxy_path="p.mp4", audio_path="a.wav",
                                         has_video=True, proxy_max_height=540))
    assert "min(540\\,ih)" in graph
    assert "[0:V]" in graph  # real video only, never the cover art
    assert "yadif" not in graph


def test_ingest_deinterlaces_before_scaling() -> None:
    graph = _filter_graph(ff.ingest_argv("ffmpeg", "in", proxy_path="p.mp4", audio_path="a.wav",
                                         has_video=True, interlaced=True))
    assert "yadif" in graph
    assert graph.index("yadif") < graph.index("scale=")


def test_ingest_audio_only_master_gives_audio_only_proxy() -> None:
    argv = ff.ingest_argv("ffmpeg", "in.mp3", proxy_path="p.m4a", audio_path="a.wav",
                          has_video=False)
    opts = _options_before(argv, "p.m4a")
    assert "-c:v" not in opts
    assert opts["-c:a"] == "aac"
    assert opts["-f"] == "mp4"
    assert "[0:V]" not in _filter_graph(argv)
    assert "a.wav" in argv


def test_ingest_silent_video_writes_no_wav_and_no_meter() -> None:
    argv = ff.ingest_argv("ffmpeg", "in.mp4", proxy_path="p.mp4", audio_path=None,
                          has_video=True, has_audio=False)
    graph = _filter_graph(argv)
    assert "ebur128" not in graph and "asplit" not in graph
    assert "-c:a" not in argv
    assert _options_before(argv, "p.mp4")["-c:v"] == "libx264"


def test_ingest_without_any_stream_is_refused() -> None:
    with pytest.raises(ValueError):
        ff.ingest_argv("ffmpeg", "in", proxy_path="p.mp4", audio_path="a.wav",
                       has_video=False, has_audio=False)


def test_ingest_finds_shot_changes_on_the_deinterlaced_proxy_picture() -> None:
    argv = ff.ingest_argv("ffmpeg", "in.mxf", proxy_path="p.mp4", audio_path="a.wav",
                          has_video=True, interlaced=True, scenes_path="/w/scenes.txt")
    graph = _filter_graph(argv)
    chain = graph[graph.index("settb"):]
    # After yadif and the proxy's downscale, on a millisecond clock, written to a file.
    assert graph.index("yadif") < graph.index("scale=") < graph.index("split=2")
    assert "settb=1/1000" in chain and "select=gt(scene\\,0.3)" in chain
    assert chain.index("select") < chain.index("metadata=") and "file=/w/scenes.txt" in chain
    # Its own null output, so the proxy, the WAV and the meter are untouched.
    assert argv.count("null") == 2 and argv.count("-i") == 1
    assert "/w/scenes.txt" not in argv


def test_ingest_scene_file_paths_are_escaped_and_local() -> None:
    graph = _filter_graph(ff.ingest_argv("ffmpeg", "in", proxy_path="p.mp4", audio_path="a.wav",
                                         has_video=True, scenes_path="a:b,c.txt",
                                         scene_threshold=0.35))
    assert "file=file\\\\:a\\\\:b\\,c.txt" in graph  # avio "file:" protocol, escaped
    assert "gt(scene\\,0.35)" in graph


def test_scenes_alone_score_the_same_picture_as_ingest() -> None:
    argv = ff.scenes_argv("ffmpeg", "/store/m.mxf", "/w/s.txt", interlaced=True, max_height=540)
    graph = _filter_graph(argv)
    assert graph.index("yadif") < graph.index("min(540\\,ih)") < graph.index("select")
    assert "file=/w/s.txt" in graph and argv.count("null") == 1
    assert argv[argv.index("-progress") + 1] == "pipe:1"


def test_ingest_without_scenes_path_or_picture_looks_for_no_shots() -> None:
    plain = ff.ingest_argv("ffmpeg", "in", proxy_path="p.mp4", audio_path="a.wav",
                           has_video=True)
    radio = ff.ingest_argv("ffmpeg", "in.mp3", proxy_path="p.m4a", audio_path="a.wav",
                           has_video=False, scenes_path="s.txt")
    for argv in (plain, radio):
        assert "select" not in _filter_graph(argv) and argv.count("null") == 1


# --------------------------------------------------------------------------- poster / waveform


def test_poster_seeks_on_input_and_writes_one_frame() -> None:
    argv = ff.poster_argv("ffmpeg", "in.mp4", "poster.jpg", at_ms=12_345, max_height=360)
    ss, i = argv.index("-ss"), argv.index("-i")
    assert ss < i and argv[ss + 1] == "12.345"  # before -i: fast input seek
    opts = _options_before(argv, "poster.jpg")
    assert opts["-frames:v"] == "1"
    assert "min(360\\,ih)" in _filter_graph(argv)
    assert "-y" in argv


def test_poster_clamps_negative_time() -> None:
    argv = ff.poster_argv("ffmpeg", "in.mp4", "poster.jpg", at_ms=-40)
    assert argv[argv.index("-ss") + 1] == "0.000"


def test_waveform_draws_station_blue_picture() -> None:
    argv = ff.waveform_argv("ffmpeg", "a.wav", "wave.png", width=800, height=100)
    graph = _filter_graph(argv)
    assert "showwavespic" in graph
    assert "s=800x100" in graph
    assert "colors=0x1f5fa8" in graph
    assert _options_before(argv, "wave.png")["-c:v"] == "png"


# --------------------------------------------------------------------------- progress


def test_progress_block_yields_milliseconds() -> None:
    values = [ff.parse_progress_line(line) for line in PROGRESS_BLOCK.splitlines()]
    assert [v for v in values if v is not None] == [3305, 3305]


@pytest.mark.parametrize(
    "line",
    ["out_time_us=N/A", "out_time_ms=N/A", "out_time=00:00:03.305625", "progress=end",
     "frame=81", "", "out_time_us=-9223372036854775807", "speed=6.58x"],
)
def test_progress_ignores_other_lines(line: str) -> None:
    assert ff.parse_progress_line(line) is None


def test_progress_line_tolerates_line_endings() -> None:
    assert ff.parse_progress_line("out_time_us=1234567\n") == 1234
    assert ff.parse_progress_line("out_time_ms=1234567\r\n") == 1234


@given(st.integers(min_value=0, max_value=10**13))
def test_progress_round_trip(micros: int) -> None:
    assert ff.parse_progress_line(f"out_time_us={micros}") == micros // 1000


# --------------------------------------------------------------------------- shot changes

# `metadata=print:file=...` of ingest_argv's scene branch on tests/media.py shot_cuts().
SCENES_FILE = """frame:0    pts:3000    pts_time:3
lavfi.scene_score=0.718571
frame:1    pts:6000    pts_time:6
lavfi.scene_score=0.731367
frame:2    pts:9000    pts_time:9
lavfi.scene_score=1.000000
frame:3    pts:12000   pts_time:12
lavfi.scene_score=0.504174
"""


def test_scene_changes_are_read_in_milliseconds() -> None:
    assert ff.parse_scene_changes(SCENES_FILE) == [3000, 6000, 9000, 12000]


def test_scene_changes_keep_long_programmes_exact() -> None:
    # pts_time has 6 significant digits (10800 s for 10800.04 s); pts on 1/1000 is exact.
    text = "frame:7    pts:10800040 pts_time:10800\nlavfi.scene_score=0.61\n"
    assert ff.parse_scene_changes(text) == [10_800_040]


def test_scene_changes_tolerate_empty_crlf_repeats_and_preroll() -> None:
    assert ff.parse_scene_changes("") == []
    text = SCENES_FILE.replace("\n", "\r\n") + "frame:4 pts:-40 pts_time:-0.04\r\n"
    assert ff.parse_scene_changes(text + SCENES_FILE) == [3000, 6000, 9000, 12000]


# --------------------------------------------------------------------------- ebur128


def test_ebur128_summary_of_speech() -> None:
    assert ff.parse_ebur128(EBUR128_SPEECH_STDERR) == ff.Loudness(
        integrated_lufs=-16.4, true_peak_dbtp=-0.0, lra_lu=7.5
    )


def test_ebur128_reads_summary_not_frame_log() -> None:
    stderr = EBUR128_FRAMELOG_LINE * 3 + EBUR128_SPEECH_STDERR
    assert ff.parse_ebur128(stderr).integrated_lufs == -16.4
    assert ff.parse_ebur128(stderr).lra_lu == 7.5


def test_ebur128_silence_has_minus_infinite_peak() -> None:
    loudness = ff.parse_ebur128(EBUR128_SILENCE_STDERR)
    assert loudness.true_peak_dbtp == float("-inf")
    assert loudness.integrated_lufs == -70.0  # ffmpeg's absolute gate, i.e. nothing measured
    assert loudness.lra_lu == 0.0


def test_ebur128_missing_summary_is_an_error() -> None:
    with pytest.raises(ff.FFmpegError, match="no EBU R128 summary"):
        ff.parse_ebur128(EBUR128_FRAMELOG_LINE + INGEST_TEXT_FILE_STDERR)


def test_ebur128_truncated_summary_is_an_error() -> None:
    cut = EBUR128_SPEECH_STDERR[: EBUR128_SPEECH_STDERR.index("True peak")]
    with pytest.raises(ff.FFmpegError, match="true_peak"):
        ff.parse_ebur128(cut)


# --------------------------------------------------------------------------- stderr tail


def test_stderr_tail_quotes_ffmpegs_own_words_without_addresses() -> None:
    tail = ff.stderr_tail(INGEST_TEXT_FILE_STDERR + "Conversion failed!\n\n")
    assert tail.splitlines() == [
        "[mov,mp4,m4a,3gp,3g2,mj2] Format mov,mp4,m4a,3gp,3g2,mj2 detected only with low score"
        " of 1, misdetection possible!",
        "[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found",
        "cache/text_as.mp4: Invalid data found when processing input",
    ]


def test_stderr_tail_collapses_repeated_errors() -> None:
    noise = "[h264 @ 0x1] error while decoding MB 3 4\n" * 50
    tail = ff.stderr_tail(noise + "frame=  10 fps=0.0 q=-1.0 Lsize=1kB\n")
    assert tail == "[h264] error while decoding MB 3 4"


# --------------------------------------------------------------------------- compute_peaks


def _write_wav(path: Path, samples: list[int] | array, *, rate: int = 16000,
               channels: int = 1) -> Path:
    data = array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data.tobytes())
    return path


def test_peaks_one_value_per_bucket(tmp_path: Path) -> None:
    # 0.5 s at 16 kHz = 10 buckets of 800 samples; bucket k peaks at k * 3000.
    samples = [0] * 8000
    for k in range(10):
        samples[k * 800 + 17] = k * 3000 * (-1 if k % 2 else 1)
    peaks = ff.compute_peaks(_write_wav(tmp_path / "a.wav", samples))
    assert peaks == [round(k * 3000 / 32768, 3) for k in range(10)]


def test_peaks_full_scale_and_silence(tmp_path: Path) -> None:
    samples = [0] * 1600 + [-32768] + [0] * 799 + [32767] + [0] * 799
    assert ff.compute_peaks(_write_wav(tmp_path / "a.wav", samples)) == [0.0, 0.0, 1.0, 1.0]


def test_peaks_count_rounds_up_partial_bucket(tmp_path: Path) -> None:
    peaks = ff.compute_peaks(_write_wav(tmp_path / "a.wav", [1000] * 1700))
    assert len(peaks) == 3  # 800 + 800 + 100 samples
    assert peaks[-1] == round(1000 / 32768, 3)


def test_peaks_other_rates_and_channels(tmp_path: Path) -> None:
    # 1 s of 22.05 kHz stereo, left silent, right loud in the last 10th only.
    frames = 22050
    samples = [0] * (frames * 2)
    for f in range(frames - 2205, frames):
        samples[2 * f + 1] = 16384
    peaks = ff.compute_peaks(_write_wav(tmp_path / "a.wav", samples, rate=22050, channels=2),
                             buckets_per_second=10)
    assert peaks == [0.0] * 9 + [0.5]


def test_peaks_empty_file(tmp_path: Path) -> None:
    assert ff.compute_peaks(_write_wav(tmp_path / "a.wav", [])) == []


def test_peaks_refuse_non_16_bit(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(bytes(800))
    with pytest.raises(ValueError, match="16-bit"):
        ff.compute_peaks(path)


def test_peaks_of_five_minutes_are_twenty_per_second(tmp_path: Path) -> None:
    seconds = 300
    one_second = array("h", (int(20000 * math.sin(i / 5)) for i in range(16000)))
    path = _write_wav(tmp_path / "long.wav", one_second * seconds)
    peaks = ff.compute_peaks(path)
    assert len(peaks) == seconds * 20
    assert all(0.6 < p <= 0.62 for p in peaks)


@given(st.lists(st.integers(min_value=-32768, max_value=32767), max_size=3000),
       st.integers(min_value=1, max_value=50))
def test_peaks_bounds_property(samples: list[int], bps: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        peaks = ff.compute_peaks(_write_wav(Path(work) / "a.wav", samples), buckets_per_second=bps)
    assert len(peaks) == math.ceil(len(samples) * bps / 16000)
    assert all(0.0 <= p <= 1.0 for p in peaks)
    if samples:
        assert max(peaks) == round(min(1.0, max(abs(s) for s in samples) / 32768), 3)


# --------------------------------------------------------------------------- run (stand-in)
# The runner is exercised with the Python interpreter pretending to be ffmpeg, which makes the
# timing, the pipes and the exit code fully controllable.


def _fake_ffmpeg(script: str) -> list[str]:
    return [sys.executable, "-c", script]


PROGRESSING = """
import sys, time
for step in range(1, 11):
    sys.stderr.write("frame=%d\\n" % step)
    print("out_time_us=N/A")
    print("out_time_us=%d" % (step * 100_000))
    print("out_time_ms=%d" % (step * 100_000))
    print("progress=continue", flush=True)
    time.sleep(0.06)
print("progress=end", flush=True)
sys.stderr.write("Summary: done\\n")
"""


def test_run_reports_rising_throttled_progress_and_returns_stderr() -> None:
    calls: list[tuple[float, float]] = []
    start = time.monotonic()
    stderr = ff.run(_fake_ffmpeg(PROGRESSING), duration_ms=1000,
                    on_progress=lambda p: calls.append((time.monotonic() - start, p)))
    assert "Summary: done" in stderr
    percents = [p for _, p in calls]
    assert percents == sorted(percents)
    assert percents[-1] == 100.0
    assert all(0 <= p <= 100 for p in percents)
    # ~0.6 s of progress lines, passed on at most every 0.25 s, plus the final 100.
    assert len(calls) >= 2
    # The final 100 is sent at exit regardless; the others respect the interval.
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(calls[:-1])]
    assert all(gap >= ff.PROGRESS_MIN_INTERVAL - 0.01 for gap in gaps)


def test_run_without_duration_only_signals_completion() -> None:
    calls: list[float] = []
    ff.run(_fake_ffmpeg(PROGRESSING), on_progress=calls.append)
    assert calls == [100.0]


def test_run_survives_floods_on_both_pipes() -> None:
    # 2 MB on stderr and stdout: a naive communicate()-less reader would deadlock here.
    script = ("import sys\nsys.stderr.write('x' * 2_000_000 + '\\nlast words\\n')\n"
              "sys.stdout.write('noise\\n' * 300_000)\n")
    stderr = ff.run(_fake_ffmpeg(script), timeout=20)
    assert stderr.endswith("last words\n")


def test_run_failure_quotes_last_meaningful_stderr_lines() -> None:
    script = ("import sys\nsys.stderr.write(" + repr(INGEST_TEXT_FILE_STDERR) + ")\n"
              "sys.stderr.write('Conversion failed!\\n')\nsys.exit(1)\n")
    with pytest.raises(ff.FFmpegError) as info:
        ff.run([*_fake_ffmpeg(script), "-i", "/srv/in/text_as.mp4"])
    assert "moov atom not found" in str(info.value)
    assert "Invalid data found when processing input" in str(info.value)
    assert "text_as.mp4" in str(info.value)
    assert "Conversion failed" not in info.value.stderr_tail
    assert not isinstance(info.value, ff.FFmpegCancelled | ff.FFmpegTimeout)


def test_run_missing_binary_is_an_ffmpeg_error() -> None:
    with pytest.raises(ff.FFmpegError, match="cannot start"):
        ff.run(["/nonexistent/ffmpeg", "-version"])


SILENT_HANG = "import time\ntime.sleep(30)\n"


def test_run_cancel_kills_even_a_silent_process() -> None:
    asked: list[float] = []

    def should_cancel() -> bool:
        asked.append(time.monotonic())
        return len(asked) >= 2

    start = time.monotonic()
    with pytest.raises(ff.FFmpegCancelled):
        ff.run(_fake_ffmpeg(SILENT_HANG), should_cancel=should_cancel)
    assert time.monotonic() - start < 3
    # Asked about twice a second, not on every wake-up.
    assert asked[1] - asked[0] >= ff.CANCEL_CHECK_INTERVAL - 0.05


def test_run_timeout_kills_a_hung_process() -> None:
    start = time.monotonic()
    with pytest.raises(ff.FFmpegTimeout, match=r"within 0\.5 s"):
        ff.run(_fake_ffmpeg(SILENT_HANG), timeout=0.5)
    assert time.monotonic() - start < 3


def test_run_progress_callback_error_stops_the_process() -> None:
    def boom(_: float) -> None:
        raise RuntimeError("database gone")

    start = time.monotonic()
    script = PROGRESSING.replace("range(1, 11)", "range(1, 1000)")
    with pytest.raises(RuntimeError, match="database gone"):
        ff.run(_fake_ffmpeg(script), duration_ms=100_000, on_progress=boom)
    assert time.monotonic() - start < 3


def test_error_classes_carry_the_tail() -> None:
    err = ff.FFmpegTimeout("ffmpeg did not finish", stderr_tail="last line")
    assert isinstance(err, ff.FFmpegError)
    assert err.stderr_tail == "last line"
    assert str(err) == "ffmpeg did not finish"
    assert ff.FFmpegError("x").stderr_tail == ""


# --------------------------------------------------------------------------- untrusted media


def _input_opts(argv: list[str]) -> dict[str, str]:
    """Option -> value pairs given before the (single) -i."""
    end = argv.index("-i")
    return {argv[i]: argv[i + 1] for i in range(1, end - 1) if argv[i].startswith("-")
            and not argv[i + 1].startswith("-")}


def test_untrusted_probe_opens_only_local_files_in_allowed_formats() -> None:
    argv = ff.probe_argv("ffprobe", "/in/x.mp4", untrusted=True)
    assert argv[argv.index("-protocol_whitelist") + 1] == "file"
    allowed = argv[argv.index("-format_whitelist") + 1].split(",")
    assert set(allowed) == set(ff.ALLOWED_FORMATS.values())
    for refused in ("hls", "concat", "sdp", "image2", "image2pipe", "tee", "lavfi", "dash"):
        assert refused not in allowed
    assert argv[-1] == "/in/x.mp4"
    assert "-format_whitelist" not in ff.probe_argv("ffprobe", "/store/proxy.mp4")


def test_allowed_formats_are_a_stations_masters_and_no_playlists() -> None:
    assert ff.ALLOWED_FORMATS["mov,mp4,m4a,3gp,3g2,mj2"] == "mov"
    assert ff.ALLOWED_FORMATS["matroska,webm"] == "matroska"
    for name in ("mxf", "mpegts", "avi", "dv", "wav", "w64", "aiff", "mp3", "flac", "aac",
                 "ogg"):
        assert ff.ALLOWED_FORMATS[name] == name
    refused = ff.PLAYLIST_FORMATS | ff.STREAM_DESCRIPTION_FORMATS | {"image2", "tty", "lavfi"}
    assert not refused & set(ff.ALLOWED_FORMATS.values())


def test_demuxer_for_refuses_formats_outside_the_list() -> None:
    assert ff.demuxer_for("mxf") == "mxf"
    with pytest.raises(ff.RefusedFormat) as caught:
        ff.demuxer_for("hls")
    assert caught.value.format_name == "hls"


def test_every_reader_of_a_master_forces_its_probed_demuxer() -> None:
    argvs = [
        ff.ingest_argv("ffmpeg", "/in/m", proxy_path="p.mp4", audio_path="a.wav",
                       has_video=True, scenes_path="s.txt", demuxer="mxf"),
        ff.scenes_argv("ffmpeg", "/in/m", "s.txt", demuxer="mxf"),
        ff.poster_argv("ffmpeg", "/in/m", "poster.jpg", at_ms=1000, demuxer="mxf"),
    ]
    for argv in argvs:
        assert argv.count("-i") == 1 and argv[argv.index("-i") + 1] == "/in/m"
        opts = _input_opts(argv)
        assert opts["-f"] == "mxf" and opts["-format_whitelist"] == "mxf"
        assert opts["-protocol_whitelist"] == "file"


def test_station_made_files_are_read_as_local_files_only() -> None:
    plain = _input_opts(ff.ingest_argv("ffmpeg", "/w/p.mp4", proxy_path="q.mp4",
                                       audio_path="a.wav", has_video=True))
    assert plain == {"-protocol_whitelist": "file"}
    wave = _input_opts(ff.waveform_argv("ffmpeg", "/w/audio.wav", "wave.png"))
    assert wave["-f"] == "wav" and wave["-protocol_whitelist"] == "file"
