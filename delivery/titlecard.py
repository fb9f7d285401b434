"""The title card (bumper) some partners want in front of a delivered programme, composed with
moviepy.

A card is a still picture: the report's Vietnamese title, its English title under it when there
is one, the partner and the station's name, and the station logo when the spec asks for it, on
the station blue, with silent stereo 48 kHz sound. It is written as a lossless-enough
intermediate that the rendition pass (``delivery.renditions.video_rendition_argv(intro=...)``)
scales, trims to its exact length and joins in front of the programme; that pass, not this one,
sets the partner's codec, bitrate and loudness.

moviepy reads its ffmpeg path once, at import, from the ``FFMPEG_BINARY`` environment variable
(otherwise it asks imageio for imageio-ffmpeg's bundled binary), and each of its writer modules
copies the value into a module global. :func:`_moviepy_ffmpeg` therefore sets the variable for
the first import only and then points those globals at the caller's ffmpeg for the duration of
one write, under a lock, so the card is made by the same (Debian) ffmpeg as everything else.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.errors import MediaError
from station.text import nfc
from subtitles.fonts import DEFAULT_FAMILY, font_file

log = logging.getLogger(__name__)

STATION_NAME = "Đài PT-TH Lai Châu"
# Station blue (the web UI accent and the waveform colour, production.ffmpeg.WAVEFORM_COLOUR),
# darkened so white text on it is well above WCAG's 4.5:1 contrast.
BACKGROUND = (14, 52, 98)
TITLE_COLOUR = "#ffffff"
SUBTITLE_COLOUR = "#d6e2f0"
CARD_AUDIO_RATE = 48000  # Broadcast sound is 48 kHz (EBU Tech 3285; VTV festival spec)
# Text keeps inside the title-safe area (EBU R 95: 90 % of the width), with a little more room.
_TEXT_WIDTH = 0.84
# The moviepy modules that copy FFMPEG_BINARY into their own globals at import.
_FFMPEG_HOLDERS = (
    "moviepy.config",
    "moviepy.video.io.ffmpeg_writer",
    "moviepy.video.io.ffmpeg_reader",
    "moviepy.video.io.ffmpeg_tools",
    "moviepy.audio.io.ffmpeg_audiowriter",
    "moviepy.audio.io.readers",
)
_MOVIEPY_LOCK = threading.Lock()


@dataclass(frozen=True)
class TitleCard:
    """What the card shows and how big it is."""

    title: str
    title_en: str | None
    partner: str
    width: int
    height: int
    fps: int
    seconds: float
    logo: Path | None = None
    station: str = STATION_NAME

    @property
    def frames(self) -> int:
        """Whole frames, at least one: the card's length is a frame count, never a fraction."""
        return max(1, round(self.seconds * self.fps))

    @property
    def duration_ms(self) -> int:
        """The card's exact length in the delivered video (what the subtitles are shifted by)."""
        return card_ms(self.seconds, self.fps)


def card_ms(seconds: float, fps: int) -> int:
    """A card's length in milliseconds once cut to whole frames at fps (3 s at 25 fps: 3000)."""
    frames = max(1, round(seconds * fps))
    return round(frames * 1000 / fps)


def _resolve(binary: str) -> str:
    """An absolute path for a bare name ("ffmpeg"), as moviepy runs it without a shell."""
    return shutil.which(binary) or binary


@contextlib.contextmanager
def _moviepy_ffmpeg(ffmpeg: str) -> Iterator[None]:
    """Import moviepy with ffmpeg as its binary, and point its writers at ffmpeg while inside."""
    binary = _resolve(ffmpeg)
    with _MOVIEPY_LOCK:
        if "moviepy.config" not in sys.modules:
            previous = os.environ.get("FFMPEG_BINARY")
            os.environ["FFMPEG_BINARY"] = binary
            try:
                importlib.import_module("moviepy")
            finally:
                if previous is None:
                    os.environ.pop("FFMPEG_BINARY", None)
                else:
                    os.environ["FFMPEG_BINARY"] = previous
        saved: dict[str, Any] = {}
        for name in _FFMPEG_HOLDERS:
            module = importlib.import_module(name)
            saved[name] = module.FFMPEG_BINARY
            module.FFMPEG_BINARY = binary
        try:
            yield
        finally:
            for name, value in saved.items():
                sys.modules[name].FFMPEG_BINARY = value


def _fonts() -> tuple[str, str]:
    """Regular and bold files of the Vietnamese-covering default family (DejaVu Sans)."""
    regular = font_file(DEFAULT_FAMILY)
    if regular is None:
        raise MediaError("The font {family} is not installed; the title card cannot be drawn",
                         family=DEFAULT_FAMILY)
    bold = regular.with_name(f"{regular.stem}-Bold{regular.suffix}")
    return str(regular), str(bold if bold.is_file() else regular)


def _logo_pixels(path: Path) -> Any:
    """The logo as an RGBA array, read by Pillow: imageio (moviepy's reader) warns on a palette
    PNG with transparency, which is what optimised logos usually are."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGBA"))
    except (OSError, UnidentifiedImageError) as exc:
        raise MediaError("The logo {name} is not an image Station can read",
                         name=path.name) from exc


def _wrap(text: str, font: str, size: int, width: int) -> str:
    """Break text into lines no wider than width, between words.

    moviepy 2.2's own "caption" wrapping keeps the last space's index in the whole text but
    cuts the current line with it, so from the second line on it breaks inside words and the
    centred lines run off the card; lines are therefore broken here and drawn as a "label".
    """
    from PIL import ImageFont

    measure = ImageFont.truetype(font, size).getlength
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and measure(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return "\n".join(lines)


def _picture(card: TitleCard) -> Any:
    """The card's one frame (an RGB numpy array), composed from moviepy clips."""
    from moviepy import ColorClip, CompositeVideoClip, ImageClip, TextClip

    regular, bold = _fonts()
    w, h = card.width, card.height
    text_width = int(w * _TEXT_WIDTH)
    # Generous margins: Vietnamese stacks marks above capitals ("Ậ", "Ễ"), which Pillow's label
    # box measures from the ascent of plain letters and would otherwise clip.
    margin = (0, max(4, h // 40))

    def text(words: str, font: str, size: int, colour: str) -> Any:
        size = max(8, size)
        return TextClip(font=font, text=_wrap(nfc(words), font, size, text_width),
                        font_size=size, color=colour, method="label", text_align="center",
                        margin=margin, interline=max(2, size // 5), duration=1)

    logo = None
    if card.logo is not None:
        logo = ImageClip(_logo_pixels(card.logo), duration=1)
        logo = logo.resized(min(h * 0.16 / logo.h, w * 0.3 / logo.w))
    footer = text(f"{card.station}  ·  {nfc(card.partner)}", regular, h // 28, SUBTITLE_COLOUR)
    gap = h // 30
    scale = 1.0
    while True:  # a long title wraps onto more lines; shrink it until the block fits
        parts: list[Any] = [logo] if logo is not None else []
        parts.append(text(card.title, bold, int(h / 13 * scale), TITLE_COLOUR))
        if card.title_en and nfc(card.title_en):
            parts.append(text(card.title_en, regular, int(h / 22 * scale), SUBTITLE_COLOUR))
        total = sum(part.h for part in parts) + gap * (len(parts) - 1)
        if total <= h * 0.72 or scale < 0.4:
            break
        scale *= 0.85
    top = max(0, (h - total) // 2 - h // 20)
    placed: list[Any] = [ColorClip((w, h), color=BACKGROUND, duration=1)]
    for part in parts:
        placed.append(part.with_position(((w - part.w) // 2, top)))
        top += part.h + gap
    placed.append(footer.with_position(((w - footer.w) // 2, int(h * 0.86) - footer.h // 2)))
    return CompositeVideoClip(placed, size=(w, h)).get_frame(0)


def make_title_card(card: TitleCard, dst: Path, *, ffmpeg: str = "ffmpeg",
                    work_dir: Path | None = None) -> Path:
    """Write the card to dst (Matroska: H.264 near-lossless, PCM 48 kHz stereo silence).

    Every frame is the same, so the picture is composed once and repeated; moviepy's progress
    bars and log lines are switched off (``logger=None``). Returns dst.
    """
    import numpy as np

    dst = Path(dst)
    seconds = card.frames / card.fps
    with _moviepy_ffmpeg(ffmpeg):
        from moviepy import AudioClip, ImageClip

        frame = _picture(card)

        def silence(t: Any) -> Any:
            return np.zeros((len(t), 2)) if np.ndim(t) else np.zeros(2)

        clip = ImageClip(frame, duration=seconds).with_fps(card.fps)
        clip = clip.with_audio(AudioClip(silence, duration=seconds, fps=CARD_AUDIO_RATE))
        clip.write_videofile(
            str(dst), fps=card.fps, codec="libx264", preset="veryfast",
            audio_fps=CARD_AUDIO_RATE, audio_nbytes=2, audio_codec="pcm_s16le",
            temp_audiofile_path=str(work_dir or dst.parent), threads=1,
            ffmpeg_params=["-crf", "12", "-pix_fmt", "yuv420p", "-f", "matroska"],
            logger=None,
        )
        clip.close()
    if not dst.is_file() or dst.stat().st_size == 0:
        raise MediaError("The title card could not be written")
    log.info("title card %s: %dx%d, %d frames", dst.name, card.width, card.height, card.frames)
    return dst
