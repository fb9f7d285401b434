"""A social clip's picture, subtitles and ffmpeg command, kept pure (no database, no Flask) so
the shapes can be tested without an app and the benchmark can run the very same argv bare.

One ffmpeg command per picture shape (docs/publishing.md "Social clips"): the report's 16:9
picture fills the frame's width, centred; the bands above and below are the same picture
zoomed to fill the frame, blurred and darkened (what fan pages expect, rather than black);
the subtitles are drawn by libass in the language's font, large and outlined, in the lower
third of the picture; the clip's title sits on a band for the first seconds; the station's
logo stays in the picture's top right corner. The sound is brought to the social platforms'
loudness in the same pass. Everything is one filtergraph, so Station adds only the cost of
starting a process to what ffmpeg itself does (benchmarks/social_clip.py).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg as ffmpeg_lib

from production.ffmpeg import PROGRESS_ARGS, input_options, path_arg
from publishing.models import CLIP_ASPECTS, CLIP_MAX_MS
from station.errors import ValidationError
from station.i18n import N_
from station.messages import Message
from station.text import ascii_slug, nfc
from station.timecode import clock
from subtitles.cues import Cue
from subtitles.fonts import family_for

# Frame sizes of the two shapes: 1080 wide, as Facebook, Instagram, TikTok and YouTube
# Shorts take them.
FRAMES = {"9:16": (1080, 1920), "1:1": (1080, 1080)}
# Social platforms play at about -14 LUFS integrated (YouTube, Spotify, Facebook and
# Instagram normalise there), so a clip made for them is levelled there rather than at the
# broadcast -23 LUFS of docs/standards.md, with the same -1 dBTP ceiling.
SOCIAL_LUFS = -14.0
SOCIAL_TP = -1.0
SOCIAL_LRA = 11.0
AUDIO_RATE = 48000
AUDIO_BITRATE = "160k"
DEFAULT_FPS = "25"  # PAL rate (docs/standards.md "Subtitle rules")
# x264: the platforms re-encode every upload, so a fast preset at a high quality (CRF) is
# enough; the time saved is what an editor waits for.
X264_PRESET = "veryfast"
X264_CRF = 20
# How long the title stays on screen.
TITLE_MS = 3000
# Sizes in pixels of a 1080-wide frame.
SUBTITLE_SIZE = 60  # about 3 % of a phone screen's height: readable at arm's length
SUBTITLE_OUTLINE = 4
TITLE_SIZE = 60
TITLE_LINE_CHARS = 28  # DejaVu Sans Bold at 60 px: about 28 characters in 960 px
TITLE_MAX_LINES = 3
LOGO_WIDTH = 120
MARGIN = 40
# The background is blurred at an eighth of the frame's size and scaled back: the same look
# as a full-size blur for a fraction of its cost.
BACKGROUND_DIVISOR = 8

# The points' names inside messages, shown in the reader's language.
POINT_NAMES = {"in": N_("in point"), "out": N_("out point")}
_POINT = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+)(?:[.,](\d{1,3}))?$")


def parse_point(text: str | None, *, name: str = "in") -> int:
    """Milliseconds of an in or out point as people type it: 62, 62.5, 1:02.5, 00:01:02.500.

    The decimals are fractions of a second (a comma is read as a decimal point, as
    Vietnamese writes it). Refuses anything else naming the value.
    """
    value = (text or "").strip()
    point = Message(POINT_NAMES.get(name, name))
    match = _POINT.fullmatch(value)
    if match is None:
        raise ValidationError("The {point} \u201c{value}\u201d is not a time: write seconds "
                              "(62.5) or a timecode (00:01:02.500)", point=point,
                              value=value[:40])
    hours, minutes, seconds, fraction = match.groups()
    if (hours is not None or minutes is not None) and int(seconds) >= 60:
        raise ValidationError("The {point} \u201c{value}\u201d: seconds must be under 60",
                              point=point, value=value[:40])
    if hours is not None and int(minutes) >= 60:
        raise ValidationError("The {point} \u201c{value}\u201d: minutes must be under 60",
                              point=point, value=value[:40])
    millis = int((fraction or "0").ljust(3, "0"))
    total = (int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds)) * 1000
    return total + millis


def check_span(in_ms: int, out_ms: int, media_ms: int | None) -> None:
    """Refuse a span that is empty, reversed, longer than 90 s or runs past the media."""
    if in_ms < 0:
        raise ValidationError("The in point cannot be before the start")
    if out_ms <= in_ms:
        raise ValidationError("The out point ({out}) must come after the in point ({start})",
                              out=clock(out_ms), start=clock(in_ms))
    if out_ms - in_ms > CLIP_MAX_MS:
        length = format((out_ms - in_ms) / 1000, "g")
        raise ValidationError("A social clip is at most {limit} s; this one is {length} s",
                              limit=CLIP_MAX_MS // 1000, length=length)
    if media_ms is not None and out_ms > media_ms:
        raise ValidationError("The out point ({out}) is past the end of the report's media "
                              "({end})", out=clock(out_ms), end=clock(media_ms))


def check_aspects(aspects: Iterable[str]) -> list[str]:
    """The chosen shapes once each, in the usual order; refuses none or an unknown one."""
    chosen = list(dict.fromkeys(a.strip() for a in aspects if a.strip()))
    if not chosen:
        raise ValidationError("Choose at least one shape: {shapes}",
                              shapes=", ".join(CLIP_ASPECTS))
    for aspect in chosen:
        if aspect not in CLIP_ASPECTS:
            raise ValidationError("Unknown clip shape {aspect}; use {shapes}", aspect=aspect,
                                  shapes=", ".join(CLIP_ASPECTS))
    return [a for a in CLIP_ASPECTS if a in chosen]


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Geometry:
    """Where things go in one shape's frame (pixels, even where yuv420p needs it)."""

    width: int
    height: int
    picture_width: int
    picture_height: int
    picture_y: int

    @property
    def picture_x(self) -> int:
        return (self.width - self.picture_width) // 2

    @property
    def picture_bottom(self) -> int:
        return self.picture_y + self.picture_height

    @property
    def subtitle_margin(self) -> int:
        """libass MarginV (from the frame's bottom) putting the subtitles' last line in the
        lower third of the picture, a little above its bottom edge."""
        return self.height - self.picture_bottom + max(MARGIN, self.picture_height // 12)

    @property
    def logo_position(self) -> tuple[int, int]:
        """Top right corner of the picture, where a station's bug usually is."""
        return (self.picture_x + self.picture_width - LOGO_WIDTH - MARGIN // 2,
                self.picture_y + MARGIN // 2)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def geometry(aspect: str, display_width: int, display_height: int) -> Geometry:
    """The frame of ``aspect`` for a picture of that display size: the picture fills the
    width (a 16:9 report: 1080x608), or the height when it is taller than the frame."""
    if aspect not in FRAMES:
        raise ValueError(f"unknown aspect {aspect!r}")
    width, height = FRAMES[aspect]
    if display_width <= 0 or display_height <= 0:
        raise ValueError("the picture has no size")
    picture_w, picture_h = width, _even(width * display_height / display_width)
    if picture_h > height:
        picture_w, picture_h = _even(height * display_width / display_height), height
    return Geometry(width, height, picture_w, picture_h, _even((height - picture_h) / 2))


# --------------------------------------------------------------------------- subtitles


def _ass_time(ms: int) -> str:
    """ASS times are h:mm:ss.cc (centiseconds)."""
    cs = max(0, int(ms)) // 10
    hours, rest = divmod(cs, 360_000)
    minutes, rest = divmod(rest, 6000)
    seconds, cs = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{cs:02d}"


def _ass_text(text: str) -> str:
    """A cue's text as ASS dialogue: lines joined with \\N; braces and backslashes made
    literal, so a cue can never carry an override tag into libass."""
    safe = nfc(text).replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")
    return "\\N".join(line.strip() for line in safe.splitlines() if line.strip())


def clip_cues(cues: Sequence[Cue], in_ms: int, out_ms: int) -> list[Cue]:
    """The cues shown between the points, on the clip's clock (in point = 0), cut at its ends."""
    shown = []
    for cue in cues:
        if cue.end_ms <= in_ms or cue.start_ms >= out_ms or not cue.text.strip():
            continue
        start = max(cue.start_ms, in_ms) - in_ms
        end = min(cue.end_ms, out_ms) - in_ms
        shown.append(Cue(start, end, cue.text))
    return sorted(shown, key=lambda c: (c.start_ms, c.end_ms))


def ass_document(cues: Sequence[Cue], in_ms: int, out_ms: int, language: str,
                 shape: Geometry) -> str:
    """The clip's subtitles as an ASS file in the frame's own pixels (PlayRes = frame size),
    in the language's font (subtitles.fonts.family_for, the family partner burn-in uses),
    white with a thick black outline, bottom-centred in the picture's lower third and wrapped
    to the frame's width less the margins."""
    family = family_for(language)
    style = (f"Style: Default,{family},{SUBTITLE_SIZE},&H00FFFFFF,&H00FFFFFF,&H00000000,"
             f"&H80000000,0,0,0,0,100,100,0,0,1,{SUBTITLE_OUTLINE},1,2,{MARGIN},{MARGIN},"
             f"{shape.subtitle_margin},1")
    lines = [
        "[Script Info]", "ScriptType: v4.00+", f"PlayResX: {shape.width}",
        f"PlayResY: {shape.height}", "WrapStyle: 0", "ScaledBorderAndShadow: yes",
        f"Language: {language}", "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        style, "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for cue in clip_cues(cues, in_ms, out_ms):
        lines.append(f"Dialogue: 0,{_ass_time(cue.start_ms)},{_ass_time(cue.end_ms)},"
                     f"Default,,0,0,0,,{_ass_text(cue.text)}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- title


def title_lines(title: str, *, width: int = TITLE_LINE_CHARS,
                max_lines: int = TITLE_MAX_LINES) -> list[str]:
    """The title wrapped for the band: whole words, at most max_lines, an ellipsis when cut."""
    words = " ".join(nfc(title).split())
    if not words:
        return []
    lines = textwrap.wrap(words, width=width, break_long_words=True)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "\u2026"
    return lines


def title_band(shape: Geometry, lines: int) -> tuple[int, int]:
    """(top, height) of the title band: just above the picture when the frame has room
    (9:16), else at the frame's top, over the picture's upper edge (1:1)."""
    height = lines * round(TITLE_SIZE * 1.3) + MARGIN
    return max(0, shape.picture_y - height - MARGIN // 2), height


# --------------------------------------------------------------------------- ffmpeg


@dataclass(frozen=True)
class ClipRender:
    """Everything one shape's ffmpeg command needs: files are made by the caller (the job
    writes the ASS and the title's lines into its work folder)."""

    ffmpeg: str
    source: Path
    demuxer: str | None  # the master's probed demuxer (production.ffmpeg.input_options)
    in_ms: int
    out_ms: int
    shape: Geometry
    output: Path
    fps: str = DEFAULT_FPS
    interlaced: bool = False
    subtitles: Path | None = None
    fonts_dir: Path | None = None
    title_files: tuple[Path, ...] = ()
    title_font: Path | None = None
    logo: Path | None = None
    preset: str = X264_PRESET

    @property
    def duration_ms(self) -> int:
        return self.out_ms - self.in_ms


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def _background(stream: Any, shape: Geometry) -> Any:
    """The picture zoomed to fill the frame, blurred small and darkened, scaled back up."""
    small_w = _even(shape.width / BACKGROUND_DIVISOR)
    small_h = _even(shape.height / BACKGROUND_DIVISOR)
    return (stream
            .filter("scale", w=small_w, h=small_h, force_original_aspect_ratio="increase")
            .filter("crop", w=small_w, h=small_h)
            .filter("boxblur", luma_radius=6, luma_power=2)
            .filter("eq", brightness=-0.18, saturation=0.8)
            .filter("scale", w=shape.width, h=shape.height))


def _title(picture: Any, render: ClipRender) -> Any:
    """The band and the title's lines, each centred, for the first TITLE_MS."""
    if not render.title_files or render.title_font is None:
        return picture
    top, height = title_band(render.shape, len(render.title_files))
    enable = f"lt(t,{TITLE_MS / 1000:g})"
    picture = picture.filter("drawbox", x=0, y=top, w=render.shape.width, h=height,
                             color="black@0.62", t="fill", enable=enable)
    line_h = round(TITLE_SIZE * 1.3)
    for index, text_file in enumerate(render.title_files):
        picture = picture.drawtext(
            fontfile=str(render.title_font), textfile=str(text_file), expansion="none",
            fontsize=TITLE_SIZE, fontcolor="white", x="(w-text_w)/2",
            y=top + MARGIN // 2 + index * line_h + (line_h - TITLE_SIZE) // 2,
            enable=enable)
    return picture


def clip_argv(render: ClipRender) -> list[str]:
    """The one ffmpeg command that makes one shape of a clip (see the module's docstring).

    The master is read from the in point (input seeking, exact when re-encoding) for the
    clip's length, with the demuxer it was probed with and the local file protocol only.
    """
    shape = render.shape
    source = ffmpeg_lib.input(path_arg(render.source), ss=_seconds(render.in_ms),
                              t=_seconds(render.duration_ms),
                              **input_options(render.demuxer))
    video = source["V:0"]
    if render.interlaced:
        video = video.filter("yadif", deint="interlaced")
    video = (video.filter("scale", w="trunc(iw*sar/2)*2", h="ih").filter("setsar", "1")
             .filter("fps", fps=render.fps))
    parts = video.filter_multi_output("split")
    foreground = parts[0].filter("scale", w=shape.picture_width, h=shape.picture_height)
    picture = ffmpeg_lib.overlay(_background(parts[1], shape), foreground,
                                 x=shape.picture_x, y=shape.picture_y)
    if render.subtitles is not None:
        options: dict[str, Any] = {"filename": str(render.subtitles)}
        if render.fonts_dir is not None:
            options["fontsdir"] = str(render.fonts_dir)
        picture = picture.filter("ass", **options)
    picture = _title(picture, render)
    if render.logo is not None:
        logo = ffmpeg_lib.input(path_arg(render.logo)).filter("scale", w=LOGO_WIDTH, h=-1)
        x, y = shape.logo_position
        picture = ffmpeg_lib.overlay(picture, logo, x=x, y=y, eof_action="repeat")
    picture = picture.filter("format", "yuv420p")
    sound = (source["a:0"]
             .filter("aformat", channel_layouts="stereo")
             .filter("loudnorm", I=f"{SOCIAL_LUFS:g}", TP=f"{SOCIAL_TP:g}",
                     LRA=f"{SOCIAL_LRA:g}")
             .filter("aresample", AUDIO_RATE))
    out = ffmpeg_lib.output(
        picture, sound, path_arg(render.output),
        **{"c:v": "libx264", "preset": render.preset, "crf": X264_CRF, "profile:v": "high",
           "pix_fmt": "yuv420p", "g": 50, "c:a": "aac", "b:a": AUDIO_BITRATE,
           "ar": AUDIO_RATE, "ac": 2, "t": _seconds(render.duration_ms), "f": "mp4",
           "movflags": "+faststart", "map_metadata": -1})
    return out.global_args(*PROGRESS_ARGS).overwrite_output().compile(cmd=render.ffmpeg)


def output_name(title: str, aspect: str) -> str:
    """An ASCII download name: the title's slug and the shape (mua-hoa-dao_9x16.mp4)."""
    return f"{ascii_slug(title, sep='-', max_length=60)}_{aspect.replace(':', 'x')}.mp4"
