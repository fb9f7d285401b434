"""What a package build is asked for and answers (the request, the result, the steps shown to
people and the refusals' wording), and the pure helpers that name a package and its files."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from delivery import bagit
from delivery.bagit import _name_words
from delivery.specs import GENRES, NAME_FIELDS, Spec
from production import ffmpeg as ff
from station.errors import ValidationError
from station.text import fold
from station.timecode import to_local
from subtitles import qc
from subtitles.cues import SubtitleDoc

SCHEMA = "station.package/1"
PackageKind = Literal["full", "supplemental"]
Progress = Callable[[float, str], None]
_CHUNK = 8 * 1024 * 1024
_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")
_FIELD = re.compile(r"\{([^{}]*)\}")
# Roles whose files are already compressed: stored in the zip as they are (deflate would only
# cost time on gigabytes of H.264 and gain nothing).
_STORED_ROLES = frozenset({"video", "audio"})
# EBU R 128 tolerance on the integrated level (R 128 v3, +-0.5 LU for file delivery).
LOUDNESS_TOLERANCE_LU = 0.5

# Progress steps, in order, with their relative weight in the overall percentage. The phrases are
# shown to people (JobRun.step), so each has a Vietnamese translation below.
STEP_CHECK = "Checking the master"
STEP_MEASURE = "Measuring loudness"
STEP_CARD = "Making the title card"
STEP_VIDEO = "Rendering video"
STEP_COPY = "Copying the master"
STEP_AUDIO = "Rendering audio"
STEP_METER = "Checking loudness"
STEP_SUBTITLES = "Writing subtitles"
STEP_QC = "Writing QC reports"
STEP_MANIFEST = "Writing manifest"
STEP_ZIP = "Zipping"
STEP_DONE = "Done"
# What a failed ffmpeg run could not do ({detail} is ffmpeg's own last words).
FAIL_MEASURE = "ffmpeg could not measure the master's loudness: {detail}"
FAIL_VIDEO = "ffmpeg could not render the video: {detail}"
FAIL_AUDIO = "ffmpeg could not render the audio: {detail}"
FAIL_METER = "ffmpeg could not check the loudness of a rendition: {detail}"


@dataclass(frozen=True)
class ReportInfo:
    """The report a package delivers, as the package names and describes it."""

    id: int
    title: str  # Vietnamese, NFC
    title_en: str | None
    kind: str  # "tv_report" | "radio_programme" | "news"
    original_language: str
    reporter: str | None
    partner: str  # partner channel code, e.g. "VTV4"
    due_date: dt.date | None


@dataclass(frozen=True)
class TrackInput:
    """One approved subtitle track to deliver, with the QC findings it was approved on."""

    language: str  # BCP-47
    doc: SubtitleDoc
    findings: tuple[qc.Finding, ...]
    approved_by: str | None
    approved_at: dt.datetime | None  # UTC-aware
    fingerprint: str  # fingerprint(doc) when it was checked and approved


@dataclass(frozen=True)
class BuildRequest:
    """Everything one build needs; the job side fills it from the database."""

    spec: Spec
    spec_version: int
    report: ReportInfo
    number: int  # package version for this report and partner: 1, 2, ...
    kind: PackageKind
    base_number: int | None  # for a supplemental: the full package it adds to
    master: Path | None  # the report's master media file (required for "full")
    tracks: tuple[TrackInput, ...]
    carried: Mapping[str, int]  # supplemental only: language -> package holding its files
    ffmpeg: str = "ffmpeg"
    logo: Path | None = None
    created_by: str | None = None
    # Not in the first draft of the interface: outputs are probed, and Settings keeps ffprobe's
    # path apart from ffmpeg's. None means "ffprobe" next to ffmpeg (or on PATH).
    ffprobe: str | None = None


@dataclass(frozen=True)
class PackageFile:
    """One payload file of a built package."""

    path: str  # relative to the bag folder, e.g. "data/LAI_CHAU_PHONG_SU_MUA_DAO.mp4"
    size: int
    sha256: str
    role: str  # "video" | "audio" | "subtitle" | "qc" | "manifest"
    language: str | None = None
    format: str | None = None  # "srt" | "webvtt" | "ttml" | "txt" | "html" | "json" | "mp4" ...


@dataclass(frozen=True)
class BuildResult:
    """Where the package is and what it holds."""

    name: str  # the bag folder name (ASCII), e.g. "LAI_CHAU_PHONG_SU_MUA_DAO_V2"
    bag_dir: Path
    archive: Path | None  # the .zip next to bag_dir when spec.container == "zip"
    files: tuple[PackageFile, ...]  # payload files (data/...) only
    manifest: dict[str, Any]
    loudness: dict[str, Any] | None  # per rendition, measured after normalisation


class BuildCancelled(ff.FFmpegCancelled):
    """should_cancel said stop between two steps (ffmpeg itself raises FFmpegCancelled, the
    base class, so a caller catches both with one except clause)."""


def fingerprint(doc: SubtitleDoc) -> str:
    """SHA-256 (hex) of a track's timing and text, so a package can prove it carries exactly the
    approved subtitles: it changes iff a cue's start, end or text changes.

    One line ``start\\tend\\ttext\\n`` per cue in time order, text in NFC with ``\\``, tab and
    line break escaped (a cue's own line breaks could otherwise imitate the next cue's line).
    The language, flags and word timings are not part of it.
    """
    digest = hashlib.sha256()
    for cue in sorted(doc.cues, key=lambda c: (c.start_ms, c.end_ms, c.text)):
        text = unicodedata.normalize("NFC", cue.text)
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        digest.update(f"{int(cue.start_ms)}\t{int(cue.end_ms)}\t{text}\n".encode())
    return digest.hexdigest()


def _local_today() -> dt.date:
    """Today in the station's zone (Asia/Ho_Chi_Minh), not the server's."""
    return to_local(dt.datetime.now(dt.UTC)).date()


def package_stem(spec: Spec, report: ReportInfo) -> str:
    """The spec's name pattern expanded to ASCII capital words joined by "_" (VTV festival rules,
    docs/standards.md): "{unit}_{genre}_{title}" with "Lai Châu", tv_report, "Mùa đào" gives
    LAI_CHAU_PHONG_SU_MUA_DAO. The Vietnamese title is used (title_en never), and its last words
    are dropped when the stem would pass ``bagit.DELIVERY_STEM_MAX`` characters."""
    if report.kind not in GENRES:
        raise ValidationError("Unknown report kind {kind}", kind=report.kind)
    values = {
        "unit": spec.unit,
        "genre": GENRES[report.kind],
        "date": (report.due_date or _local_today()).strftime("%Y%m%d"),
        "id": str(report.id),
    }
    pieces: list[tuple[str, list[str]]] = []  # (field or "", words)
    position = 0
    for match in _FIELD.finditer(spec.name_pattern):
        literal = spec.name_pattern[position:match.start()]
        pieces.append(("", _literal_words(literal)))
        name = match.group(1)
        if name == "title":
            pieces.append(("title", _name_words(report.title, "title")))
        elif name in values:
            pieces.append((name, _name_words(values[name], name)))
        else:
            raise ValidationError("File-name pattern has unknown fields {fields}; use {allowed}",
                                  fields=name, allowed=", ".join(NAME_FIELDS))
        position = match.end()
    pieces.append(("", _literal_words(spec.name_pattern[position:])))

    def join(title_words: int | None) -> str:
        words: list[str] = []
        for name, part in pieces:
            words += part[:title_words] if name == "title" and title_words is not None else part
        return "_".join(words)

    stem = join(None)
    limit = bagit.DELIVERY_STEM_MAX
    title_len = max((len(p) for n, p in pieces if n == "title"), default=0)
    keep = title_len
    while len(stem) > limit and keep > 1:
        keep -= 1
        stem = join(keep)
    if len(stem) > limit:  # one very long word: cut it rather than refuse the package
        stem = stem[:limit].rstrip("_")
    if not stem:
        raise ValidationError("The file-name pattern gives an empty name")
    return stem


def _literal_words(text: str) -> list[str]:
    """Words of the literal parts of a pattern ("_" or " - " give none)."""
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).upper().split()


def language_code(language: str) -> str:
    """A language tag as it appears in file names: upper case, "-" kept (blt-Tavt -> BLT-TAVT)."""
    code = language.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)*", code):
        raise ValidationError("{tag} is not a language tag (BCP-47)", tag=language)
    return code


def shifted(doc: SubtitleDoc, offset_ms: int, language: str) -> SubtitleDoc:
    """A copy of doc with every cue offset_ms later (the title card's length), tagged language."""
    cues = [replace(cue, start_ms=cue.start_ms + offset_ms, end_ms=cue.end_ms + offset_ms)
            for cue in doc.cues] if offset_ms else list(doc.cues)
    return SubtitleDoc(language, cues, doc.title)


def _same_language(a: str, b: str) -> bool:
    """BCP-47 tags compare case-insensitively."""
    return a.strip().lower() == b.strip().lower()


def _ffprobe_for(ffmpeg: str) -> str:
    """ffprobe beside the given ffmpeg when that is a path, else ffprobe on PATH."""
    path = Path(ffmpeg)
    if path.parent != Path(".") or os.sep in ffmpeg:
        sibling = path.with_name(path.name.replace("ffmpeg", "ffprobe"))
        if sibling.is_file():
            return str(sibling)
    return "ffprobe"

