"""ffmpeg argv builders and parsers for partner delivery renditions, kept pure (no Flask, no
database) so the package builder can be tested on real media without an app.

A delivery is made in two passes (docs/standards.md "Loudness and technical delivery", EBU R 128 and
QCVN 115:2017/BTTTT): pass 1 measures the programme with ``loudnorm``
(:func:`loudnorm_measure_argv`, :func:`parse_loudnorm`); pass 2 renders each rendition with
:func:`loudnorm_filter` fed back the measurement, and :func:`parse_normalization_type` says
whether ffmpeg really stayed linear (a plain gain) or fell back to dynamic compression.
Processes run through :func:`production.ffmpeg.run`.

Notes measured on Debian ffmpeg 5.1:

* ``loudnorm`` always outputs 192 kHz, so every rendition sets ``-ar 48000``.
* It prints its JSON block at info level, after the ``[Parsed_loudnorm_N @ 0x...]`` line; values
  are strings ("-23.01", and "-inf" for digital silence).
* Linear mode is chosen only when all measured values were given (``measured_LRA`` 0,
  ``measured_I`` 0 and ``measured_thresh`` -70 mean "not given"), the measured LRA is at most the
  target LRA, and the measured true peak plus the gain stays at or under the target true peak.
"""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ffmpeg as ffmpeg_lib

from production.ffmpeg import PROGRESS_ARGS, FFmpegError, path_arg, stderr_tail
from station.errors import ValidationError
from subtitles.fonts import family_for, font_file

log = logging.getLogger(__name__)

# EBU R 128 / QCVN 115:2017: -23 LUFS integrated, true peak at most -1 dBTP (docs/standards.md).
TARGET_I = -23.0
TARGET_TP = -1.0
# R 128 sets no LRA target; 7 LU is loudnorm's default. loudnorm_filter raises it to the measured
# LRA so a wide-range programme is still normalised linearly (see there).
TARGET_LRA = 7.0
# loudnorm's accepted range for LRA (ffmpeg 5.1 `-h filter=loudnorm`).
LOUDNORM_LRA_MAX = 50.0
# loudnorm treats measured_LRA == 0 as "not given" and then refuses linear mode; a steady tone
# really measures 0.00 LU, so the smallest printed step is sent instead (no effect on the gain).
_MIN_MEASURED_LRA = 0.01

# Broadcast WAV and the HD master spec: 48 kHz (EBU Tech 3285; VTV festival technical spec).
AUDIO_RATE = 48000
MP3_BITRATE = "320k"
# EBU Tech 3285: the bext Description field is 256 ASCII characters.
BEXT_DESCRIPTION_MAX = 256
# Measured and delivered audio is stereo: a mono master is upmixed and a 5.1 one folded down
# before loudnorm, so pass 1 measures exactly what pass 2 delivers.
_STEREO = "aformat=channel_layouts=stereo"
# libass style for burned-in captions; the font name comes from the subtitle language.
BURN_IN_FONT_SIZE = 20
BURN_IN_STYLE = "Outline=1.5,Shadow=0,MarginV=24"

AudioFormat = Literal["bwf", "mp3"]
NormalizationType = Literal["linear", "dynamic"]


@dataclass(frozen=True)
class VideoSpec:
    """A partner's video rendition: HD master defaults from the VTV festival technical spec
    (1920x1080 25p, H.264 Main/High @ L4.1 >= 6 Mb/s, AAC 192 kb/s 48 kHz stereo)."""

    width: int = 1920
    height: int = 1080
    fps: int = 25
    bitrate: str = "8M"
    profile: str = "high"
    level: str = "4.1"
    audio_bitrate: str = "192k"
    # x264 speed/quality trade-off; the bitrate is fixed by the spec, so this only buys quality.
    preset: str = "medium"

    def __post_init__(self) -> None:
        """Refuse a preset that breaks the profile: x264's ultrafast turns CABAC and 8x8
        transforms off, and the stream then signals Constrained Baseline whatever -profile says
        (measured with ffprobe on Debian ffmpeg 5.1)."""
        if self.preset == "ultrafast":
            raise ValidationError("x264 preset {preset} cannot make a {profile} profile stream",
                                  preset=self.preset, profile=self.profile)
        if self.profile not in ("high", "main"):
            raise ValidationError("H.264 profile must be high or main, not {profile}",
                                  profile=self.profile)


@dataclass(frozen=True)
class LoudnormMeasure:
    """What loudnorm pass 1 measured, fed back into pass 2 so it can apply one linear gain."""

    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float


@dataclass(frozen=True)
class LoudnormResult:
    """loudnorm's own report after pass 2: the output loudness and the mode it ended up in."""

    output_i: float
    output_tp: float
    output_lra: float
    normalization_type: NormalizationType


# --------------------------------------------------------------------------- loudnorm


def _number(value: float) -> str:
    """A filter option number without float noise ("-23", "-1.5", "7.35")."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def loudnorm_measure_argv(
    ffmpeg: str,
    src: str | Path,
    *,
    target_i: float = TARGET_I,
    target_tp: float = TARGET_TP,
    target_lra: float = TARGET_LRA,
) -> list[str]:
    """Pass 1: decode only the first audio track through loudnorm to a null output, because
    measuring needs the whole programme and the picture would only cost time."""
    chain = (f"{_STEREO},loudnorm=I={_number(target_i)}:TP={_number(target_tp)}"
             f":LRA={_number(target_lra)}:print_format=json")
    return [ffmpeg, *PROGRESS_ARGS, "-i", path_arg(src),
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", chain, "-f", "null", "-"]


def _loudnorm_json(stderr: str) -> dict[str, Any]:
    """The last JSON object loudnorm printed (it follows a ``[Parsed_loudnorm_N @ ...]`` line)."""
    marker = stderr.rfind("Parsed_loudnorm")
    start = stderr.find("{", marker) if marker >= 0 else -1
    end = stderr.find("}", start) if start >= 0 else -1
    if start < 0 or end < 0:
        raise FFmpegError("no loudnorm measurement in ffmpeg output", stderr_tail(stderr))
    try:
        data = json.loads(stderr[start:end + 1])
    except json.JSONDecodeError as exc:
        raise FFmpegError(f"loudnorm output is not JSON: {exc}", stderr_tail(stderr)) from exc
    if not isinstance(data, dict):
        raise FFmpegError("loudnorm output is not a JSON object", stderr_tail(stderr))
    return data


def _field(data: dict[str, Any], key: str) -> float:
    """One numeric loudnorm field; loudnorm prints numbers as strings, silence as "-inf"."""
    try:
        return float(data[key])
    except (KeyError, TypeError, ValueError) as exc:
        raise FFmpegError(f"loudnorm output lacks {key}") from exc


def parse_loudnorm(stderr: str) -> LoudnormMeasure:
    """Read pass 1's JSON block into a LoudnormMeasure for :func:`loudnorm_filter`."""
    data = _loudnorm_json(stderr)
    return LoudnormMeasure(
        input_i=_field(data, "input_i"),
        input_tp=_field(data, "input_tp"),
        input_lra=_field(data, "input_lra"),
        input_thresh=_field(data, "input_thresh"),
        target_offset=_field(data, "target_offset"),
    )


def parse_loudnorm_result(stderr: str) -> LoudnormResult:
    """Read pass 2's JSON block: the loudness ffmpeg thinks it delivered, and in which mode."""
    data = _loudnorm_json(stderr)
    kind = str(data.get("normalization_type", "")).strip().lower()
    if kind not in ("linear", "dynamic"):
        raise FFmpegError(f"unknown loudnorm normalization_type {kind!r}")
    return LoudnormResult(
        output_i=_field(data, "output_i"),
        output_tp=_field(data, "output_tp"),
        output_lra=_field(data, "output_lra"),
        normalization_type="linear" if kind == "linear" else "dynamic",
    )


def parse_normalization_type(stderr: str) -> NormalizationType:
    """"linear" or "dynamic" from pass 2's JSON, because docs/standards.md asks every delivery
    to check that the programme got one plain gain (linear) and to report it when loudnorm
    compressed it."""
    return parse_loudnorm_result(stderr).normalization_type


def linear_lra(measure: LoudnormMeasure, target_lra: float = TARGET_LRA) -> float:
    """The LRA target that lets loudnorm stay linear: at least the measured LRA.

    loudnorm goes dynamic (compresses) when the measured LRA exceeds the target LRA. R 128 does
    not ask for a smaller range, only for the integrated level and true peak, so raising the
    target to the programme's own LRA keeps its dynamics untouched. Capped at loudnorm's maximum
    (50 LU); beyond that it goes dynamic and parse_normalization_type reports it.
    """
    return min(LOUDNORM_LRA_MAX, max(target_lra, round(measure.input_lra, 2)))


def linear_possible(measure: LoudnormMeasure, *, target_i: float = TARGET_I,
                    target_tp: float = TARGET_TP) -> bool:
    """Whether a plain gain to target_i keeps the true peak under target_tp (loudnorm's own
    condition for linear mode, given the LRA from :func:`linear_lra`)."""
    if not math.isfinite(measure.input_i) or measure.input_thresh <= -70.0:
        return False
    return (measure.input_tp + (target_i - measure.input_i) <= target_tp
            and measure.input_lra <= LOUDNORM_LRA_MAX)


def loudnorm_filter(
    measure: LoudnormMeasure,
    *,
    target_i: float = TARGET_I,
    target_tp: float = TARGET_TP,
    target_lra: float = TARGET_LRA,
) -> str:
    """Pass 2's loudnorm filter text, fed back pass 1's measurement and asking for linear mode.

    Raises ValidationError for silence: there is no programme loudness to bring to the target.
    When the peaks are too high for a plain gain (see :func:`linear_possible`) loudnorm still
    runs, compresses dynamically, and the caller reports ``dynamic``.
    """
    if not math.isfinite(measure.input_i) or measure.input_thresh <= -70.0:
        raise ValidationError("The sound track is silent: it cannot be normalised to {target} LUFS",
                              target=_number(target_i))
    if not linear_possible(measure, target_i=target_i, target_tp=target_tp):
        log.warning("loudnorm will go dynamic: true peak %.2f dBTP + gain %.2f dB > %.2f dBTP",
                    measure.input_tp, target_i - measure.input_i, target_tp)
    # Clamp to loudnorm's option ranges (ffmpeg refuses the filter otherwise).
    measured_i = min(0.0, max(-99.0, measure.input_i))
    measured_tp = min(99.0, max(-99.0, measure.input_tp))
    measured_lra = min(99.0, max(_MIN_MEASURED_LRA, measure.input_lra))
    measured_thresh = min(0.0, max(-99.0, measure.input_thresh))
    offset = min(99.0, max(-99.0, measure.target_offset))
    return (
        f"loudnorm=I={_number(target_i)}:TP={_number(target_tp)}"
        f":LRA={_number(linear_lra(measure, target_lra))}"
        f":measured_I={_number(measured_i)}:measured_TP={_number(measured_tp)}"
        f":measured_LRA={_number(measured_lra)}:measured_thresh={_number(measured_thresh)}"
        f":offset={_number(offset)}:linear=true:print_format=json"
    )


def ebur128_argv(ffmpeg: str, src: str | Path) -> list[str]:
    """Measure a finished rendition with the ebur128 meter (read by parse_ebur128), a separate
    BS.1770 implementation from loudnorm, for the loudness written in the package manifest."""
    return [ffmpeg, *PROGRESS_ARGS, "-i", path_arg(src), "-map", "0:a:0", "-vn",
            "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"]


# --------------------------------------------------------------------------- video


def _audio_chain(audio_filter: str | None) -> str:
    """Stereo first, then the caller's filter: the same order pass 1 measured in."""
    return f"{_STEREO},{audio_filter}" if audio_filter else _STEREO


def subtitle_style(language: str, *, font_size: int = BURN_IN_FONT_SIZE) -> str:
    """libass force_style for a language: the font that covers its script (subtitles.fonts)."""
    return f"FontName={family_for(language)},FontSize={int(font_size)},{BURN_IN_STYLE}"


def link_subtitle_font(language: str, fonts_dir: Path) -> Path | None:
    """Put (a symlink to) the language's font file in fonts_dir and return the folder, for the
    subtitles filter's ``fontsdir``. libass loads every font in that folder, and Debian's Noto
    folder holds hundreds, so a one-font folder is given instead. Asks fontconfig, so it is kept
    apart from the pure builders; None when the font is not installed (libass then falls back
    to fontconfig's choice, and the QC "font" check has already warned)."""
    path = font_file(family_for(language))
    if path is None:
        log.warning("no font file for %s subtitles", language)
        return None
    fonts_dir.mkdir(parents=True, exist_ok=True)
    link = fonts_dir / path.name
    if not link.exists():
        link.symlink_to(path)
    return fonts_dir


def _fit_picture(stream: Any, spec: VideoSpec) -> Any:
    """Deinterlace when flagged, square pixels, fit inside the spec's frame (letter/pillar box),
    the spec's frame rate: the same chain for the programme and a title card, so the concat
    filter gets two segments of one size, shape and rate."""
    w, h = int(spec.width), int(spec.height)
    return (
        stream
        .filter("yadif", deint="interlaced")
        .filter("scale", w="trunc(iw*sar/2)*2", h="ih")
        .filter("setsar", "1")
        .filter("scale", w=w, h=h, force_original_aspect_ratio="decrease",
                force_divisible_by=2)
        .filter("pad", w=w, h=h, x="(ow-iw)/2", y="(oh-ih)/2", color="black")
        .filter("setsar", "1")
        .filter("fps", fps=int(spec.fps))
    )


def _apply_chain(stream: Any, chain: str) -> Any:
    """Apply filter text ("aformat=channel_layouts=stereo,loudnorm=I=-23:TP=-1") to an
    ffmpeg-python stream. ffmpeg-python escapes ``=`` and ``:`` in values, so filter text cannot
    be passed through whole; the texts built here hold no escaped characters, which is what
    makes splitting on "," ":" and "=" safe."""
    for part in chain.split(","):
        name, _, options = part.partition("=")
        args: list[str] = []
        kwargs: dict[str, str] = {}
        for option in options.split(":") if options else []:
            key, sep, value = option.partition("=")
            if sep:
                kwargs[key] = value
            else:
                args.append(key)
        stream = stream.filter(name, *args, **kwargs)
    return stream


def video_rendition_argv(
    ffmpeg: str,
    src: str | Path,
    dst: str | Path,
    spec: VideoSpec = VideoSpec(),  # frozen, so one shared default is safe
    *,
    audio_filter: str | None,
    subtitles: Path | None = None,
    subtitle_language: str = "vi",
    fonts_dir: Path | None = None,
    intro: Path | None = None,
    intro_ms: int | None = None,
) -> list[str]:
    """One MP4 H.264/AAC rendition to a partner's spec, optionally with open captions and a
    title card in front.

    The picture is deinterlaced when flagged interlaced, brought to square pixels, fitted inside
    width x height keeping its shape and padded black (letter/pillar box), then set to the spec's
    frame rate. Captions are burned in after scaling, so libass draws them sharp at full size.
    ``-b:v``, ``-maxrate`` and ``-bufsize`` pin the bitrate at the spec's figure, which the
    partner's spec states as a minimum. audio_filter is pass 2's :func:`loudnorm_filter`
    (None keeps the master's level).

    intro (a clip with picture and sound, e.g. ``delivery.titlecard``) is joined in front with
    the concat filter in the same pass, cut or held to exactly intro_ms so the programme (and
    therefore every subtitle, shifted by the caller) starts at a known time. audio_filter
    applies to the programme's sound only: pass 1 measured the programme, not the card. The
    captions are drawn after the join, so their times are times in the delivered file.
    """
    source = ffmpeg_lib.input(path_arg(src))
    picture = _fit_picture(source["V:0"], spec)
    audio: Any = None
    if intro is not None:
        picture, audio = _join_intro(source, picture, intro, intro_ms, spec, audio_filter)
    if subtitles is not None:
        picture = _burn_captions(picture, subtitles, subtitle_language, fonts_dir)
    picture = picture.filter("format", "yuv420p")
    opts = _video_options(spec)
    if audio is None:
        # Without a join the sound needs no graph: -af keeps the argv short and readable.
        audio = source["a:0"]
        opts["af"] = _audio_chain(audio_filter)
    out = ffmpeg_lib.output(picture, audio, path_arg(dst), **opts)
    return out.global_args(*PROGRESS_ARGS).overwrite_output().compile(cmd=ffmpeg)


def _join_intro(source: Any, picture: Any, intro: Path, intro_ms: int | None, spec: VideoSpec,
                audio_filter: str | None) -> tuple[Any, Any]:
    """The intro clip, fitted like the programme and cut or held to exactly intro_ms, joined
    in front of the programme's picture and (levelled) sound; returns the joined streams."""
    if intro_ms is None or intro_ms <= 0:
        raise ValueError("intro_ms must be the intro's positive length in milliseconds")
    seconds = f"{intro_ms / 1000:.3f}"
    card = ffmpeg_lib.input(path_arg(intro))
    card_picture = (
        _fit_picture(card["V:0"], spec)
        .filter("tpad", stop_mode="clone", stop_duration=seconds)
        .filter("trim", duration=seconds)
        .filter("setpts", "PTS-STARTPTS")
    )
    card_sound = (
        card["a:0"]
        .filter("aformat", sample_rates=AUDIO_RATE, channel_layouts="stereo")
        .filter("apad")
        .filter("atrim", duration=seconds)
        .filter("asetpts", "PTS-STARTPTS")
    )
    # loudnorm outputs 192 kHz; both segments must reach concat at the same rate.
    sound = _apply_chain(source["a:0"], _audio_chain(audio_filter)).filter(
        "aresample", AUDIO_RATE)
    joined = ffmpeg_lib.concat(card_picture, card_sound, picture, sound, v=1, a=1).node
    return joined[0], joined[1]


def _burn_captions(picture: Any, subtitles: Path, language: str,
                   fonts_dir: Path | None) -> Any:
    """Open captions drawn by libass in the language's house style (subtitle_style)."""
    options: dict[str, Any] = {
        "filename": str(subtitles),
        "charenc": "UTF-8",
        "force_style": subtitle_style(language),
    }
    if fonts_dir is not None:
        options["fontsdir"] = str(fonts_dir)
    return picture.filter("subtitles", **options)


def _video_options(spec: VideoSpec) -> dict[str, Any]:
    """Output options of a video rendition: H.264 at the spec's pinned bitrate, AAC stereo,
    faststart MP4, no metadata carried over from the master."""
    return {
        "c:v": "libx264", "preset": spec.preset,
        "profile:v": spec.profile, "level:v": spec.level,
        "b:v": spec.bitrate, "maxrate": spec.bitrate, "bufsize": _double(spec.bitrate),
        "r": int(spec.fps), "g": 2 * int(spec.fps), "pix_fmt": "yuv420p",
        "c:a": "aac", "b:a": spec.audio_bitrate, "ar": AUDIO_RATE, "ac": 2,
        "f": "mp4", "movflags": "+faststart", "map_metadata": -1,
    }


_RATE_RE = re.compile(r"^(\d+(?:\.\d+)?)([kKmM]?)$")


def _double(bitrate: str) -> str:
    """Twice a bitrate ("8M" -> "16M"): a VBV buffer of two seconds' worth of the rate."""
    match = _RATE_RE.match(bitrate.strip())
    if match is None:
        raise ValueError(f"bitrate {bitrate!r} is not like 8M or 192k")
    return _number(float(match.group(1)) * 2) + match.group(2)


# --------------------------------------------------------------------------- audio


def ascii_description(text: str, max_length: int = BEXT_DESCRIPTION_MAX) -> str:
    """Text folded to printable ASCII for the bext Description (EBU Tech 3285 allows ASCII only):
    Vietnamese letters lose their diacritics ("Đài Lai Châu" -> "Dai Lai Chau"), case is kept,
    anything else non-ASCII is dropped."""
    text = unicodedata.normalize("NFC", text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    printable = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in kept)
    return re.sub(r"\s+", " ", printable).strip()[:max_length].rstrip()


def audio_rendition_argv(
    ffmpeg: str,
    src: str | Path,
    dst: str | Path,
    *,
    fmt: AudioFormat,
    audio_filter: str | None,
    description: str,
    originator: str = "",
) -> list[str]:
    """A radio rendition of the first audio track: Broadcast WAV (48 kHz 24-bit stereo, RF64 when
    over 4 GB, bext Description in ASCII) or MP3 320 kb/s 48 kHz with the title in ID3."""
    chain = _audio_chain(audio_filter)
    argv = [ffmpeg, *PROGRESS_ARGS, "-i", path_arg(src), "-map", "0:a:0", "-vn", "-sn", "-dn",
            "-map_metadata", "-1", "-af", chain, "-ar", str(AUDIO_RATE), "-ac", "2"]
    if fmt == "bwf":
        argv += ["-c:a", "pcm_s24le", "-rf64", "auto", "-write_bext", "1",
                 "-metadata", f"description={ascii_description(description)}"]
        if originator:
            # EBU Tech 3285: Originator is 32 ASCII characters.
            argv += ["-metadata", f"originator={ascii_description(originator, 32)}"]
        argv += ["-f", "wav"]
    elif fmt == "mp3":
        argv += ["-c:a", "libmp3lame", "-b:a", MP3_BITRATE, "-id3v2_version", "3",
                 "-metadata", f"title={unicodedata.normalize('NFC', description).strip()}",
                 "-f", "mp3"]
    else:
        raise ValidationError("Unknown audio rendition format: {fmt}", fmt=fmt)
    return [*argv, "-y", path_arg(dst)]
