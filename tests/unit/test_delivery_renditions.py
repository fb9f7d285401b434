"""Unit tests of delivery.renditions' pure parts: loudnorm parsers on output captured from
Debian ffmpeg 5.1, the pass-2 filter text, and the rendition argv builders (including the
filter-graph escaping of awkward subtitle paths)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from delivery import renditions as rd
from production.ffmpeg import FFmpegError
from station.errors import ValidationError

# --------------------------------------------------------------------------- captured output
# Pass 1 (loudnorm_measure_argv) on a 4 s 640x360 clip with a 440 Hz tone 30 dB down; the
# stderr tail from the loudnorm line on, after ffmpeg's own statistics lines.
PASS1_QUIET = """\
size=N/A time=00:00:04.01 bitrate=N/A speed=33.1x
video:0kB audio:3013kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown
[Parsed_loudnorm_1 @ 0x5593453a96c0] \n{
\t"input_i" : "-51.80",
\t"input_tp" : "-50.57",
\t"input_lra" : "0.10",
\t"input_thresh" : "-61.80",
\t"output_i" : "-22.99",
\t"output_tp" : "-21.77",
\t"output_lra" : "0.10",
\t"output_thresh" : "-32.99",
\t"normalization_type" : "dynamic",
\t"target_offset" : "-0.01"
}
"""

# Pass 2 of the same clip (video_rendition_argv with loudnorm_filter), then libx264's summary.
PASS2_LINEAR = """\
[Parsed_loudnorm_1 @ 0x561e39c77740] \n{
\t"input_i" : "-51.75",
\t"input_tp" : "-50.57",
\t"input_lra" : "0.00",
\t"input_thresh" : "-61.75",
\t"output_i" : "-22.95",
\t"output_tp" : "-21.77",
\t"output_lra" : "0.00",
\t"output_thresh" : "-32.95",
\t"normalization_type" : "linear",
\t"target_offset" : "-0.05"
}
[libx264 @ 0x561e39bda740] frame I:2     Avg QP:16.50  size: 78394
[libx264 @ 0x561e39bda740] kb/s:8279.52
[aac @ 0x561e39be9100] Qavg: 62843.668
"""

# Pass 2 of a -40 dBFS tone with a 0 dBFS click every second: a plain +8.6 dB gain would push the
# true peak to +9.6 dBTP, so loudnorm limits dynamically and misses the target.
PASS2_DYNAMIC = """\
[Parsed_loudnorm_1 @ 0x56445f595840] \n{
\t"input_i" : "-31.56",
\t"input_tp" : "1.04",
\t"input_lra" : "0.10",
\t"input_thresh" : "-41.56",
\t"output_i" : "-25.12",
\t"output_tp" : "-1.00",
\t"output_lra" : "0.00",
\t"output_thresh" : "-35.12",
\t"normalization_type" : "dynamic",
\t"target_offset" : "2.12"
}
"""


def measure(**changes: float) -> rd.LoudnormMeasure:
    values = {"input_i": -51.8, "input_tp": -50.57, "input_lra": 0.1, "input_thresh": -61.8,
              "target_offset": -0.01}
    values.update(changes)
    return rd.LoudnormMeasure(**values)


# --------------------------------------------------------------------------- loudnorm


def test_measure_argv_is_audio_only_to_null() -> None:
    argv = rd.loudnorm_measure_argv("ffmpeg", "a:b.mp4")
    assert argv[0] == "ffmpeg"
    assert argv[argv.index("-i") + 1] == "file:a:b.mp4"
    assert argv[argv.index("-af") + 1] == (
        "aformat=channel_layouts=stereo,loudnorm=I=-23:TP=-1:LRA=7:print_format=json")
    assert argv[-3:] == ["-f", "null", "-"]
    assert "-vn" in argv and argv[argv.index("-map") + 1] == "0:a:0"
    assert argv[argv.index("-loglevel") + 1] == "info"  # the JSON is printed at info level


def test_measure_argv_targets() -> None:
    argv = rd.loudnorm_measure_argv("ffmpeg", "a.wav", target_i=-24, target_tp=-2,
                                    target_lra=11.5)
    assert "loudnorm=I=-24:TP=-2:LRA=11.5:print_format=json" in argv[argv.index("-af") + 1]


def test_parse_pass1() -> None:
    assert rd.parse_loudnorm(PASS1_QUIET) == measure()


def test_parse_pass2_linear_and_dynamic() -> None:
    assert rd.parse_normalization_type(PASS2_LINEAR) == "linear"
    assert rd.parse_normalization_type(PASS2_DYNAMIC) == "dynamic"
    result = rd.parse_loudnorm_result(PASS2_LINEAR)
    assert (result.output_i, result.output_tp) == (-22.95, -21.77)


def test_parse_takes_the_last_block() -> None:
    assert rd.parse_normalization_type(PASS1_QUIET + PASS2_LINEAR) == "linear"


def test_parse_silence_reads_minus_infinity() -> None:
    silent = PASS1_QUIET.replace('"-51.80"', '"-inf"').replace('"-50.57"', '"-inf"')
    parsed = rd.parse_loudnorm(silent)
    assert parsed.input_i == -math.inf and parsed.input_tp == -math.inf


@pytest.mark.parametrize("stderr", [
    "", "Conversion failed!\n", "[Parsed_loudnorm_0 @ 0x1] \n{ broken",
    PASS1_QUIET.replace('\t"input_lra" : "0.10",\n', ""),
])
def test_parse_without_a_block_raises(stderr: str) -> None:
    with pytest.raises(FFmpegError):
        rd.parse_loudnorm(stderr)


def test_parse_unknown_normalization_type() -> None:
    with pytest.raises(FFmpegError, match="normalization_type"):
        rd.parse_normalization_type(PASS2_LINEAR.replace('"linear"', '"none"'))


def test_pass2_filter_feeds_back_the_measurement() -> None:
    assert rd.loudnorm_filter(measure()) == (
        "loudnorm=I=-23:TP=-1:LRA=7:measured_I=-51.8:measured_TP=-50.57:measured_LRA=0.1"
        ":measured_thresh=-61.8:offset=-0.01:linear=true:print_format=json")


def test_pass2_lra_is_raised_to_the_measured_lra() -> None:
    # A measured LRA above the target would force dynamic mode: the target follows it.
    text = rd.loudnorm_filter(measure(input_lra=12.34), target_lra=7)
    assert ":LRA=12.34:" in text and ":measured_LRA=12.34:" in text
    assert ":LRA=9:" in rd.loudnorm_filter(measure(input_lra=4.2), target_lra=9)
    assert ":LRA=50:" in rd.loudnorm_filter(measure(input_lra=63.0))  # loudnorm's maximum


def test_pass2_zero_lra_is_not_sent_as_not_given() -> None:
    # loudnorm reads measured_LRA=0 as "not measured" and refuses linear mode.
    assert ":measured_LRA=0.01:" in rd.loudnorm_filter(measure(input_lra=0.0))


def test_pass2_refuses_silence() -> None:
    with pytest.raises(ValidationError) as info:
        rd.loudnorm_filter(measure(input_i=-math.inf, input_tp=-math.inf, input_thresh=-70.0))
    assert "silent" in str(info.value)
    assert info.value.message("vi").startswith("Âm thanh im lặng")


def test_linear_possible_follows_the_true_peak() -> None:
    assert rd.linear_possible(measure())
    dynamic = rd.parse_loudnorm(PASS2_DYNAMIC)
    assert not rd.linear_possible(dynamic)  # 1.04 dBTP + 8.56 dB gain > -1 dBTP
    assert rd.linear_possible(dynamic, target_i=-34)  # 1.04 - 2.44 <= -1


@given(st.floats(min_value=0, max_value=60, allow_nan=False))
def test_linear_lra_never_below_measured_nor_over_the_limit(lra: float) -> None:
    chosen = rd.linear_lra(measure(input_lra=lra))
    assert rd.TARGET_LRA <= chosen <= rd.LOUDNORM_LRA_MAX
    # Both are sent with 2 decimals, as loudnorm prints them, so they compare equal there.
    assert chosen >= min(lra, rd.LOUDNORM_LRA_MAX) - 0.005


# --------------------------------------------------------------------------- video


def opt(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_video_rendition_matches_the_hd_spec() -> None:
    argv = rd.video_rendition_argv("ffmpeg", "in.mp4", "out.mp4", rd.VideoSpec(),
                                   audio_filter=rd.loudnorm_filter(measure()))
    assert opt(argv, "-c:v") == "libx264"
    assert (opt(argv, "-profile:v"), opt(argv, "-level:v")) == ("high", "4.1")
    assert (opt(argv, "-b:v"), opt(argv, "-maxrate"), opt(argv, "-bufsize")) == ("8M", "8M", "16M")
    assert (opt(argv, "-r"), opt(argv, "-pix_fmt"), opt(argv, "-movflags")) == (
        "25", "yuv420p", "+faststart")
    assert (opt(argv, "-c:a"), opt(argv, "-b:a"), opt(argv, "-ar"), opt(argv, "-ac")) == (
        "aac", "192k", "48000", "2")
    assert opt(argv, "-af").startswith("aformat=channel_layouts=stereo,loudnorm=I=-23:")
    graph = opt(argv, "-filter_complex")
    assert "scale=force_divisible_by=2:force_original_aspect_ratio=decrease:h=1080:w=1920" in graph
    assert "pad=color=black:h=1080:w=1920:x=(ow-iw)/2:y=(oh-ih)/2" in graph
    assert "fps=fps=25" in graph and "subtitles" not in graph
    assert argv[-1] == "-y" and "out.mp4" in argv


def test_video_rendition_main_profile_and_no_loudnorm() -> None:
    spec = rd.VideoSpec(width=1280, height=720, bitrate="6M", profile="main", preset="fast")
    argv = rd.video_rendition_argv("ffmpeg", "in.mp4", "out.mp4", spec, audio_filter=None)
    assert (opt(argv, "-profile:v"), opt(argv, "-b:v"), opt(argv, "-bufsize")) == (
        "main", "6M", "12M")
    assert opt(argv, "-af") == "aformat=channel_layouts=stereo"
    assert "h=720:w=1280" in opt(argv, "-filter_complex")


@pytest.mark.parametrize("changes", [{"preset": "ultrafast"}, {"profile": "baseline"}])
def test_spec_refuses_what_cannot_meet_the_profile(changes: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        rd.VideoSpec(**changes)


def test_burn_in_escapes_the_path_and_picks_the_font() -> None:
    srt = Path("/tmp/we'ird, dir: [x]/a;b.srt")
    argv = rd.video_rendition_argv("ffmpeg", "in.mp4", "out.mp4", rd.VideoSpec(),
                                   audio_filter=None, subtitles=srt,
                                   subtitle_language="blt-Tavt", fonts_dir=Path("/f o,nts"))
    graph = opt(argv, "-filter_complex")
    # Two levels: option values escape \ ' = :, then the graph escapes \ ' [ ] , ;
    assert ("subtitles=charenc=UTF-8:filename=/tmp/we\\\\\\'ird\\, dir\\\\: \\[x\\]/a\\;b.srt"
            ":fontsdir=/f o\\,nts:force_style=FontName\\\\=Noto Sans Tai Viet\\,") in graph
    assert graph.index("subtitles=") > graph.index("pad=")  # drawn at full size


def test_intro_is_joined_in_front_and_only_the_programme_is_normalised() -> None:
    argv = rd.video_rendition_argv("ffmpeg", "in.mp4", "out.mp4", rd.VideoSpec(),
                                   audio_filter=rd.loudnorm_filter(measure()),
                                   subtitles=Path("/tmp/cues.srt"),
                                   intro=Path("/tmp/card.mkv"), intro_ms=3000)
    assert "-af" not in argv  # the sound is in the graph: -af cannot feed a concat
    assert argv[argv.index("-i") + 1] == "/tmp/card.mkv" and "in.mp4" in argv
    graph = opt(argv, "-filter_complex")
    assert "tpad=stop_duration=3.000:stop_mode=clone" in graph
    assert "trim=duration=3.000" in graph and "atrim=duration=3.000" in graph
    # loudnorm reads the master's sound (input 1), not the card's (input 0), then back to 48 kHz
    assert re.search(r"\[1:a:0\]aformat=channel_layouts=stereo\[(s\d+)\];\[\1\]loudnorm=", graph)
    assert graph.count("loudnorm=") == 1 and "aresample=48000" in graph
    assert "concat=a=1:n=2:v=1" in graph
    # captions are drawn on the joined picture, so their times are the delivered file's times
    assert graph.index("subtitles=") > graph.index("concat=")
    maps = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-map"]
    assert len(maps) == 2 and all(m.startswith("[s") for m in maps)  # both from the graph


def test_intro_needs_its_length() -> None:
    with pytest.raises(ValueError):
        rd.video_rendition_argv("ffmpeg", "in.mp4", "out.mp4", rd.VideoSpec(),
                                audio_filter=None, intro=Path("card.mkv"))


def test_apply_chain_splits_filter_text() -> None:
    import ffmpeg as ffmpeg_lib

    stream = rd._apply_chain(ffmpeg_lib.input("in.wav")["a"],
                             "aformat=channel_layouts=stereo,loudnorm=I=-23:TP=-1,anull")
    argv = ffmpeg_lib.output(stream, "out.wav").compile()
    assert "aformat=channel_layouts=stereo" in opt(argv, "-filter_complex")
    assert "loudnorm=I=-23:TP=-1" in opt(argv, "-filter_complex")
    assert "anull" in opt(argv, "-filter_complex")


def test_subtitle_style_by_language() -> None:
    assert rd.subtitle_style("vi").startswith("FontName=DejaVu Sans,FontSize=20,")
    assert rd.subtitle_style("zh-Hans").startswith("FontName=WenQuanYi Micro Hei,")


@pytest.mark.parametrize(("rate", "double"), [("8M", "16M"), ("6.5M", "13M"), ("192k", "384k")])
def test_double_bitrate(rate: str, double: str) -> None:
    assert rd._double(rate) == double


def test_double_bitrate_refuses_junk() -> None:
    with pytest.raises(ValueError):
        rd._double("fast")


# --------------------------------------------------------------------------- audio


def test_bwf_argv() -> None:
    argv = rd.audio_rendition_argv("ffmpeg", "in.mp4", "out.wav", fmt="bwf",
                                   audio_filter="loudnorm=I=-23", originator="Đài Lai Châu",
                                   description="Phóng sự: Mùa đào trên núi Pu Ta Leng")
    assert (opt(argv, "-c:a"), opt(argv, "-ar"), opt(argv, "-rf64"), opt(argv, "-write_bext")) \
        == ("pcm_s24le", "48000", "auto", "1")
    metadata = [argv[i + 1] for i, a in enumerate(argv) if a == "-metadata"]
    assert metadata == ["description=Phong su: Mua dao tren nui Pu Ta Leng",
                        "originator=Dai Lai Chau"]
    assert opt(argv, "-f") == "wav" and argv[-1] == "out.wav"


def test_mp3_argv() -> None:
    argv = rd.audio_rendition_argv("ffmpeg", "in.mp4", "out.mp3", fmt="mp3", audio_filter=None,
                                   description="Mùa đào")
    assert (opt(argv, "-c:a"), opt(argv, "-b:a"), opt(argv, "-ar")) == (
        "libmp3lame", "320k", "48000")
    assert opt(argv, "-metadata") == "title=Mùa đào"  # ID3v2 carries Unicode


def test_unknown_audio_format() -> None:
    with pytest.raises(ValidationError, match="flac"):
        rd.audio_rendition_argv("ffmpeg", "a", "b", fmt="flac", audio_filter=None,  # type: ignore[arg-type]
                                description="x")


@pytest.mark.parametrize(("text", "expected"), [
    ("Đài Phát thanh – Truyền hình Lai Châu", "Dai Phat thanh Truyen hinh Lai Chau"),
    ("Tai Viet ꪁꪫ title", "Tai Viet title"),
    ("  many\n\tspaces ", "many spaces"),
])
def test_ascii_description(text: str, expected: str) -> None:
    assert rd.ascii_description(text) == expected


@given(st.text(max_size=400))
def test_ascii_description_is_always_bext_safe(text: str) -> None:
    folded = rd.ascii_description(text)
    assert folded.isascii() and folded.isprintable()
    assert len(folded) <= rd.BEXT_DESCRIPTION_MAX
