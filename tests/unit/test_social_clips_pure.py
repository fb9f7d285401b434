"""Social clips' pure parts: typed points, spans, the frame's geometry, the ASS subtitles on
the clip's clock, the title's lines and the one ffmpeg command per shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from publishing import clips
from station.errors import ValidationError
from station.timecode import clock
from subtitles.cues import Cue


@pytest.mark.parametrize(("text", "ms"), [
    ("62", 62_000), ("62.5", 62_500), ("62,25", 62_250), ("1:02.5", 62_500),
    ("00:01:02.500", 62_500), ("1:00:00", 3_600_000), (" 0 ", 0),
])
def test_points_read_as_people_type_them(text: str, ms: int) -> None:
    assert clips.parse_point(text) == ms
    assert clips.parse_point(clock(ms)) == ms


@pytest.mark.parametrize(("text", "words"), [
    ("", "is not a time"), ("abc", "is not a time"), ("1:75", "seconds must be under 60"),
    ("1:75:00", "minutes must be under 60"), ("-3", "is not a time"),
])
def test_a_wrong_point_says_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(ValidationError) as refused:
        clips.parse_point(text, name="out")
    assert words in str(refused.value)
    assert "out point" in str(refused.value)


def test_spans_are_refused_with_the_reason() -> None:
    clips.check_span(1000, 91_000, 100_000)  # exactly 90 s
    cases = [((3000, 3000, None), "must come after the in point"),
             ((5000, 4000, None), "must come after the in point"),
             ((0, 90_001, None), "at most 90 s; this one is 90.001 s"),
             ((1000, 5000, 4000), "past the end of the report's media (00:00:04.000)")]
    for args, words in cases:
        with pytest.raises(ValidationError) as refused:
            clips.check_span(*args)
        assert words in str(refused.value)


def test_aspects_are_checked_and_ordered() -> None:
    assert clips.check_aspects(["1:1", "9:16", "1:1"]) == ["9:16", "1:1"]
    with pytest.raises(ValidationError, match="at least one shape"):
        clips.check_aspects([" "])
    with pytest.raises(ValidationError, match="Unknown clip shape 4:5"):
        clips.check_aspects(["4:5"])


def test_a_16_9_picture_fills_the_width_centred() -> None:
    tall = clips.geometry("9:16", 1920, 1080)
    assert (tall.width, tall.height, tall.picture_width, tall.picture_height) == (
        1080, 1920, 1080, 608)
    assert tall.picture_y == 656 and tall.picture_x == 0
    square = clips.geometry("1:1", 1280, 720)
    assert (square.picture_height, square.picture_y) == (608, 236)
    # The subtitles' bottom line sits inside the picture's lower third.
    for shape in (tall, square):
        baseline = shape.height - shape.subtitle_margin
        assert shape.picture_y + shape.picture_height * 2 / 3 < baseline < shape.picture_bottom
    # A portrait picture is fitted by its height instead.
    portrait = clips.geometry("1:1", 1080, 1920)
    assert (portrait.picture_width, portrait.picture_height) == (608, 1080)


def test_ass_shifts_cues_to_the_clip_and_cuts_them_at_its_ends() -> None:
    cues = [Cue(0, 900, "before"), Cue(1500, 4000, "Mùa hoa đào\nở Lai Châu"),
            Cue(9000, 12_000, "runs past the out point"), Cue(13_000, 14_000, "after")]
    shape = clips.geometry("9:16", 1920, 1080)
    text = clips.ass_document(cues, 1000, 10_000, "vi", shape)
    dialogue = [line for line in text.splitlines() if line.startswith("Dialogue:")]
    assert dialogue == [
        "Dialogue: 0,0:00:00.50,0:00:03.00,Default,,0,0,0,,Mùa hoa đào\\Nở Lai Châu",
        "Dialogue: 0,0:00:08.00,0:00:09.00,Default,,0,0,0,,runs past the out point",
    ]
    assert "PlayResX: 1080" in text and "PlayResY: 1920" in text
    assert f",{shape.subtitle_margin},1" in text  # MarginV, encoding


@pytest.mark.parametrize(("language", "family"), [
    ("vi", "DejaVu Sans"), ("zh", "WenQuanYi Micro Hei"), ("blt-Tavt", "Noto Sans Tai Viet")])
def test_ass_names_the_languages_font(language: str, family: str) -> None:
    text = clips.ass_document([Cue(0, 1000, "x")], 0, 1000, language,
                              clips.geometry("1:1", 16, 9))
    assert f"Style: Default,{family},{clips.SUBTITLE_SIZE}," in text


def test_cue_text_cannot_carry_ass_tags() -> None:
    text = clips.ass_document([Cue(0, 1000, "{\\b1}bold\\N")], 0, 1000, "en",
                              clips.geometry("1:1", 16, 9))
    line = text.splitlines()[-1]
    assert line.endswith(",\\{\\\u2060b1\\}bold\\\u2060N")


def test_title_lines_wrap_whole_words_and_end_with_an_ellipsis() -> None:
    assert clips.title_lines("  Mùa hoa   đào  ") == ["Mùa hoa đào"]
    long = "Người Mông ở Sìn Hồ đón Tết sớm với nhiều phong tục độc đáo giữ gìn qua bao thế hệ"
    lines = clips.title_lines(long, width=20, max_lines=2)
    assert len(lines) == 2 and all(len(line) <= 20 for line in lines)
    assert lines[0] == "Người Mông ở Sìn Hồ" and lines[1].endswith("\u2026")


def test_one_command_per_shape_with_everything_in_one_filtergraph(tmp_path: Path) -> None:
    render = clips.ClipRender(
        ffmpeg="ffmpeg", source=tmp_path / "master.mov", demuxer="mov", in_ms=1500,
        out_ms=31_500, shape=clips.geometry("9:16", 1920, 1080), output=tmp_path / "c.mp4",
        subtitles=tmp_path / "c.ass", fonts_dir=tmp_path / "fonts",
        title_files=(tmp_path / "t0.txt",), title_font=tmp_path / "bold.ttf",
        logo=tmp_path / "logo.png")
    argv = clips.clip_argv(render)
    assert argv.count("-filter_complex") == 1
    graph = argv[argv.index("-filter_complex") + 1]
    for part in ("split=2", "boxblur", "overlay", f"ass=filename={tmp_path}/c.ass",
                 f"fontsdir={tmp_path}/fonts", "drawbox", f"textfile={tmp_path}/t0.txt",
                 "expansion=none", "enable=lt(t\\,3)", "loudnorm=I=-14:LRA=11:TP=-1",
                 "scale=h=608:w=1080"):
        assert part in graph, part
    # The master is read from the in point for the clip's length, guarded like ingest.
    head = argv[:argv.index("-i")]
    assert head[-4:] == ["-ss", "1.500", "-t", "30.000"]
    assert head[1:5] == ["-f", "mov", "-format_whitelist", "mov"]
    for option in (["-profile:v", "high"], ["-pix_fmt", "yuv420p"], ["-ar", "48000"],
                   ["-movflags", "+faststart"], ["-progress", "pipe:1"]):
        index = argv.index(option[0])
        assert argv[index:index + 2] == option
