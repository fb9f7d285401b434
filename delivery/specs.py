"""Partner delivery specs as data: what a partner channel wants in a package.

Pure (no database, no Flask): a :class:`Spec` is built from the JSON stored on a
``DeliverySpec`` row (or typed by an admin) by :func:`spec_from_dict`, which refuses anything the
package builder could not honour, with a message naming the field. The numbers of the seeds come
from docs/standards.md "Loudness and technical delivery": HD 1920x1080 25p H.264 Main/High @ L4.1
>= 6 Mb/s with AAC 192 kb/s 48 kHz stereo (Vietnamese national TV festival spec), EBU R 128
-23 LUFS / -1 dBTP (QCVN 115:2017/BTTTT), Broadcast WAV 48 kHz for radio (EBU Tech 3285), and
ASCII ``UNIT_GENRE_TITLE`` file names (VTV festival rules).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from delivery.renditions import TARGET_I, TARGET_TP, VideoSpec
from station.errors import ValidationError

VideoMode = Literal["render", "master", "none"]
AudioMode = Literal["bwf", "mp3", "none"]
Container = Literal["zip", "folder"]

VIDEO_MODES: tuple[str, ...] = ("render", "master", "none")
AUDIO_MODES: tuple[str, ...] = ("bwf", "mp3", "none")
CONTAINERS: tuple[str, ...] = ("zip", "folder")
SUBTITLE_FORMATS: tuple[str, ...] = ("srt", "webvtt", "ttml", "txt")
# Placeholders a file-name pattern may use; each is folded to ASCII capitals by the builder.
NAME_FIELDS: tuple[str, ...] = ("unit", "genre", "title", "date", "id")
DEFAULT_PATTERN = "{unit}_{genre}_{title}"
# Genre words by report kind, as the VTV/VOV festival names them (ASCII, no diacritics).
GENRES: dict[str, str] = {"tv_report": "PHONG SU", "radio_programme": "CHUONG TRINH",
                          "news": "TIN"}
_BITRATE = re.compile(r"^\d+(\.\d+)?[kKmM]?$")
_FIELD = re.compile(r"\{([^{}]*)\}")
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Spec:
    """Everything the package builder needs to know about one partner's delivery."""

    name: str
    video: VideoMode = "render"
    video_spec: VideoSpec = field(default_factory=VideoSpec)
    audio: AudioMode = "none"
    normalize: bool = True
    loudness_i: float = TARGET_I
    loudness_tp: float = TARGET_TP
    required_languages: tuple[str, ...] = ()
    optional_languages: tuple[str, ...] = ()
    subtitle_formats: tuple[str, ...] = ("srt",)
    burn_in_language: str | None = None
    name_pattern: str = DEFAULT_PATTERN
    unit: str = "LAI CHAU"
    title_card: bool = False
    title_card_seconds: float = 3.0
    logo: bool = False
    container: Container = "zip"

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language the partner takes, required first."""
        return self.required_languages + tuple(
            lang for lang in self.optional_languages if lang not in self.required_languages)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored on the row and in each package's manifest."""
        data = asdict(self)
        data["required_languages"] = list(self.required_languages)
        data["optional_languages"] = list(self.optional_languages)
        data["subtitle_formats"] = list(self.subtitle_formats)
        return data


def _languages(value: Any, what: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    tags = tuple(dict.fromkeys(str(tag).strip() for tag in items if str(tag).strip()))
    for tag in tags:
        if not _LANG.match(tag):
            raise ValidationError("{field}: {tag} is not a language tag (BCP-47)",
                                  field=what, tag=tag)
    return tags


def _number(data: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    raw = data.get(key, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValidationError("{field} must be a number, not {value}",
                              field=key, value=raw) from None
    if not low <= value <= high:
        raise ValidationError("{field} must be between {low} and {high}",
                              field=key, low=low, high=high)
    return value


def _choice(data: dict[str, Any], key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = str(data.get(key) or default)
    if value not in allowed:
        raise ValidationError("{field} must be one of {allowed}, not {value}",
                              field=key, allowed=", ".join(allowed), value=value)
    return value


def check_pattern(pattern: str) -> str:
    """Refuse a file-name pattern with unknown placeholders or without the title."""
    names = _FIELD.findall(pattern)
    unknown = [name for name in names if name not in NAME_FIELDS]
    if unknown:
        raise ValidationError("File-name pattern has unknown fields {fields}; use {allowed}",
                              fields=", ".join(unknown), allowed=", ".join(NAME_FIELDS))
    if "title" not in names and "id" not in names:
        raise ValidationError("File-name pattern needs {{title}} or {{id}} so names differ")
    return pattern


def spec_from_dict(data: dict[str, Any]) -> Spec:
    """A validated Spec from stored or submitted JSON (missing keys take the defaults)."""
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValidationError("The delivery spec needs a name")
    video_spec = _video_spec_from(dict(data.get("video_spec") or {}))
    formats = _subtitle_formats(data.get("subtitle_formats") or ("srt",))
    required = _languages(data.get("required_languages"), "required_languages")
    optional = tuple(lang for lang in _languages(data.get("optional_languages"),
                                                  "optional_languages") if lang not in required)
    burn_in = str(data.get("burn_in_language") or "").strip() or None
    spec = Spec(
        name=name,
        video=_choice(data, "video", "render", VIDEO_MODES),  # type: ignore[arg-type]
        video_spec=video_spec,
        audio=_choice(data, "audio", "none", AUDIO_MODES),  # type: ignore[arg-type]
        normalize=bool(data.get("normalize", True)),
        loudness_i=_number(data, "loudness_i", TARGET_I, -40, -5),
        loudness_tp=_number(data, "loudness_tp", TARGET_TP, -10, 0),
        required_languages=required,
        optional_languages=optional,
        subtitle_formats=formats,
        burn_in_language=burn_in,
        name_pattern=check_pattern(str(data.get("name_pattern") or DEFAULT_PATTERN)),
        unit=str(data.get("unit") or "LAI CHAU").strip(),
        title_card=bool(data.get("title_card", False)),
        title_card_seconds=_number(data, "title_card_seconds", 3.0, 1, 15),
        logo=bool(data.get("logo", False)),
        container=_choice(data, "container", "zip", CONTAINERS),  # type: ignore[arg-type]
    )
    if spec.video == "none" and spec.audio == "none":
        raise ValidationError("The spec delivers neither video nor audio")
    if burn_in is not None:
        if spec.video != "render":
            raise ValidationError("Open captions need a rendered video (video: render)")
        if burn_in not in spec.required_languages:
            raise ValidationError("The burned-in language {lang} must be a required language",
                                  lang=burn_in)
    if spec.title_card and spec.video != "render":
        raise ValidationError("A title card needs a rendered video (video: render)")
    return spec


def _video_spec_from(video: dict[str, Any]) -> VideoSpec:
    """The spec's video figures, checked: bitrates written like 8M or 192k, sizes in range and
    even (H.264 4:2:0)."""
    bitrate = str(video.get("bitrate", VideoSpec.bitrate))
    audio_bitrate = str(video.get("audio_bitrate", VideoSpec.audio_bitrate))
    for key, rate in (("bitrate", bitrate), ("audio_bitrate", audio_bitrate)):
        if not _BITRATE.match(rate):
            raise ValidationError("{field} must look like 8M or 192k, not {value}",
                                  field=key, value=rate)
    video_spec = VideoSpec(
        width=int(_number(video, "width", VideoSpec.width, 160, 7680)),
        height=int(_number(video, "height", VideoSpec.height, 120, 4320)),
        fps=int(_number(video, "fps", VideoSpec.fps, 1, 120)),
        bitrate=bitrate,
        profile=str(video.get("profile", VideoSpec.profile)),
        level=str(video.get("level", VideoSpec.level)),
        audio_bitrate=audio_bitrate,
        preset=str(video.get("preset", VideoSpec.preset)),
    )
    if video_spec.width % 2 or video_spec.height % 2:
        raise ValidationError("Width and height must be even numbers (H.264 4:2:0)")
    return video_spec


def _subtitle_formats(given: Any) -> tuple[str, ...]:
    """The subtitle formats, lower-cased, each once, each one Station can write."""
    formats = tuple(dict.fromkeys(str(f).strip().lower() for f in given))
    for fmt in formats:
        if fmt not in SUBTITLE_FORMATS:
            raise ValidationError("{field} must be one of {allowed}, not {value}",
                                  field="subtitle_formats", allowed=", ".join(SUBTITLE_FORMATS),
                                  value=fmt)
    return formats


def with_changes(spec: Spec, **changes: Any) -> Spec:
    """A copy with some fields changed, validated again."""
    return spec_from_dict({**replace(spec, **changes).to_dict()})


# The two national partners, seeded by `station db upgrade` and editable by admins afterwards.
SEEDS: dict[str, dict[str, Any]] = {
    "VTV4": {
        "name": "VTV4 HD file delivery",
        "video": "render",
        "video_spec": {"width": 1920, "height": 1080, "fps": 25, "bitrate": "8M",
                       "profile": "high", "level": "4.1", "audio_bitrate": "192k"},
        "audio": "none",
        "required_languages": ["vi", "en", "zh"],
        "optional_languages": ["fr", "ru", "ja", "ko", "de", "es"],
        "subtitle_formats": ["srt", "webvtt", "ttml"],
        "container": "zip",
    },
    "VOV5": {
        "name": "VOV5 radio file delivery",
        "video": "none",
        "audio": "bwf",
        "required_languages": [],
        "optional_languages": ["vi", "en", "fr", "zh", "ru", "ja", "es", "lo", "th", "km",
                               "id", "de", "ko"],
        "subtitle_formats": ["txt", "srt"],
        "container": "zip",
    },
}
