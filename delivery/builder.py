"""Build one partner delivery package (a BagIt bag, optionally zipped) from a report's master and
its approved subtitle tracks, as the partner's :class:`~delivery.specs.Spec` says.

Pure in the house sense: no database and no Flask. The job side loads rows into a
:class:`BuildRequest`, calls :func:`build` with a ``progress`` callback, and records the
:class:`BuildResult`. Everything is built in a hidden temporary folder inside ``out_dir`` and
moved into place only when complete, so a refusal, an ffmpeg failure or a cancel (``progress``
raising, or ``should_cancel`` answering True) leaves nothing behind, and a retried job replaces
a package of the same number whole.

What a package holds (docs/standards.md "Loudness and technical delivery"):

* video rendered to the spec with two-pass EBU R 128 loudnorm (-23 LUFS, -1 dBTP; QCVN
  115:2017/BTTTT), optionally with open captions and a title card joined in front in the same
  ffmpeg pass; or the master copied unchanged;
* Broadcast WAV or MP3 for radio (EBU Tech 3285);
* each track in each subtitle format the partner takes, shifted by the title card's length so
  the files stay in sync with the delivered video;
* a QC report per language (JSON and HTML) and ``manifest.json`` describing it all;
* the BagIt tag files (RFC 8493), whose ``manifest-sha256.txt`` ``sha256sum -c`` checks.

Every rendition is measured again afterwards with ffmpeg's ebur128 meter, an implementation
independent of loudnorm, and that measurement is what the manifest reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from delivery import bagit
from delivery import renditions as rd
from delivery.bagit import BagProblem, _name_words, check_name
from delivery.qcreport import QCInput, counts, qc_html, qc_json
from delivery.specs import GENRES, NAME_FIELDS, Spec
from delivery.titlecard import STATION_NAME, TitleCard, card_ms, make_title_card
from production import ffmpeg as ff
from station.errors import MediaError, ValidationError
from station.text import fold
from station.timecode import to_local
from subtitles import formats, qc
from subtitles.cues import SubtitleDoc

log = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- the interface


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


# --------------------------------------------------------------------------- pure helpers


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


# --------------------------------------------------------------------------- validation


def validate(request: BuildRequest) -> None:
    """Refuse a request that cannot give a correct package, before anything is written."""
    spec = request.spec
    if request.kind not in ("full", "supplemental"):
        raise ValueError(f"unknown package kind {request.kind!r}")
    if request.number < 1:
        raise ValueError("package numbers start at 1")
    languages = [track.language for track in request.tracks]
    for language in languages:
        language_code(language)
    seen: set[str] = set()
    for language in languages:
        if language.lower() in seen:
            raise ValidationError("The {lang} subtitles are given twice", lang=language)
        seen.add(language.lower())
    if spec.languages:
        for language in languages:
            if not any(_same_language(language, taken) for taken in spec.languages):
                raise ValidationError("{partner} does not take subtitles in {lang}",
                                      partner=request.report.partner, lang=language)
    for track in request.tracks:
        errors = [f for f in track.findings if f.severity == "error"]
        if errors:
            raise ValidationError(
                "The {lang} subtitles have {count} QC errors (first: {first}); fix them "
                "before delivery", lang=track.language, count=len(errors),
                first=errors[0].text("en"))
        if not track.doc.cues:
            raise ValidationError("The {lang} subtitles have no cues", lang=track.language)
        if track.approved_at is not None and track.approved_at.tzinfo is None:
            raise ValueError("approved_at must be an aware UTC datetime")
        if fingerprint(track.doc) != track.fingerprint:
            raise ValidationError(
                "The {lang} subtitles changed after they were checked and approved; check "
                "and approve them again", lang=track.language)
    if request.kind == "full":
        if request.carried:
            raise ValueError("a full package carries every file itself: carried must be empty")
        if request.master is None:
            raise ValidationError("A full package needs the report's master media file")
        if not Path(request.master).is_file():
            raise ValidationError("The master media file is missing: {name}",
                                  name=Path(request.master).name)
        wanted = [*spec.required_languages]
        if spec.burn_in_language and spec.video == "render":
            wanted.append(spec.burn_in_language)
        missing = list(dict.fromkeys(lang for lang in wanted
                                     if not any(_same_language(lang, have)
                                                for have in languages)))
        if missing:
            raise ValidationError(
                "{partner} requires subtitles in {languages}; missing: {missing}",
                partner=request.report.partner,
                languages=", ".join(dict.fromkeys(wanted)), missing=", ".join(missing))
    else:
        if request.base_number is None or not 1 <= request.base_number < request.number:
            raise ValueError("a supplemental package needs an earlier base_number")
        if not request.tracks:
            raise ValidationError("A supplemental package needs at least one subtitle track")
        for language in request.carried:
            if language.lower() in seen:
                raise ValueError(f"{language} is both delivered and carried")
        burned = spec.burn_in_language
        if burned and spec.video == "render" and burned.lower() in seen:
            raise ValidationError(
                "The {lang} subtitles are burned into the video: build a full package to "
                "change them", lang=burned)


# --------------------------------------------------------------------------- progress


class _Plan:
    """Maps each step's own 0..100 into the overall percentage, never going backwards."""

    def __init__(self, steps: list[tuple[str, float]], report: Progress) -> None:
        total = sum(weight for _, weight in steps) or 1.0
        self.ranges: dict[str, tuple[float, float]] = {}
        done = 0.0
        for name, weight in steps:
            self.ranges[name] = (done * 100 / total, (done + weight) * 100 / total)
            done += weight
        self.report = report
        self.last = 0.0
        self.last_sent: tuple[float, str] | None = None

    def _emit(self, percent: float, step: str) -> None:
        self.last = max(self.last, min(100.0, percent))
        sent = (round(self.last, 1), step)
        if sent != self.last_sent:  # the same figure twice tells the job nothing
            self.last_sent = sent
            self.report(*sent)

    def start(self, step: str) -> Callable[[float], None]:
        """Announce a step; returns the callback for its own progress (0..100)."""
        low, high = self.ranges[step]
        self._emit(low, step)
        return lambda percent: self._emit(low + (high - low) * percent / 100, step)


# --------------------------------------------------------------------------- the build


@dataclass
class _State:
    """What one build accumulates while it runs."""

    request: BuildRequest
    stem: str
    name: str
    bag: Path
    work: Path
    plan: _Plan
    should_cancel: Callable[[], bool]
    files: list[PackageFile] = field(default_factory=list)
    media: dict[str, Any] = field(default_factory=dict)
    loudness: dict[str, Any] = field(default_factory=dict)
    languages: dict[str, list[str]] = field(default_factory=dict)
    offset_ms: int = 0
    # The master's demuxer, as its guarded probe found it: every ffmpeg reading the master is
    # limited to it and to local files (production/ffmpeg.py "Untrusted media").
    master_demuxer: str | None = None

    @property
    def data(self) -> Path:
        return self.bag / bagit.PAYLOAD_DIR

    @property
    def ffprobe(self) -> str:
        return self.request.ffprobe or _ffprobe_for(self.request.ffmpeg)

    def check_cancel(self) -> None:
        if self.should_cancel():
            raise BuildCancelled("The package build was cancelled")

    def add(self, path: Path, role: str, language: str | None = None,
            fmt: str | None = None) -> PackageFile:
        rel = path.relative_to(self.bag).as_posix()
        check_name(rel)
        item = PackageFile(rel, path.stat().st_size, bagit.sha256_file(path), role, language,
                           fmt)
        self.files.append(item)
        if language is not None:
            self.languages.setdefault(language, []).append(rel)
        return item

    def run(self, argv: list[str], failure: str, *, duration_ms: int | None,
            on_progress: Callable[[float], None] | None) -> str:
        """ffmpeg through production.ffmpeg.run; failures become MediaError(failure) quoting
        ffmpeg (without server paths), cancels stay FFmpegCancelled for the job to map."""
        if self.master_demuxer is not None and self.request.master is not None:
            argv = ff.guard_input(argv, self.request.master, self.master_demuxer)
        try:
            return ff.run(argv, duration_ms=duration_ms, on_progress=on_progress,
                          should_cancel=self.should_cancel)
        except ff.FFmpegCancelled:
            raise
        except ff.FFmpegError as exc:
            detail = exc.stderr_tail or str(exc)
            for arg in argv:
                if arg.startswith(("/", "file:/")):
                    detail = detail.replace(arg.removeprefix("file:"), Path(arg).name)
            raise MediaError(failure, detail=detail) from exc


def _steps(request: BuildRequest, card: bool, normalize: bool) -> list[tuple[str, float]]:
    """The plan: which steps this build runs and how heavy each one is."""
    spec = request.spec
    steps: list[tuple[str, float]] = []
    if request.kind == "full":
        steps.append((STEP_CHECK, 1))
        if normalize:
            steps.append((STEP_MEASURE, 4))
        if card:
            steps.append((STEP_CARD, 2))
        if spec.video == "render":
            steps.append((STEP_VIDEO, 30))
        elif spec.video == "master":
            steps.append((STEP_COPY, 3))
        if spec.audio != "none":
            steps.append((STEP_AUDIO, 5))
        if spec.video != "none" or spec.audio != "none":
            steps.append((STEP_METER, 4 * ((spec.video != "none") + (spec.audio != "none"))))
    steps += [(STEP_SUBTITLES, 1), (STEP_QC, 1), (STEP_MANIFEST, 2)]
    if spec.container == "zip":
        steps.append((STEP_ZIP, 4 if request.kind == "full" else 1))
    steps.append((STEP_DONE, 0))
    return steps


def build(
    request: BuildRequest,
    out_dir: Path,
    *,
    progress: Progress = lambda p, s: None,
    should_cancel: Callable[[], bool] = lambda: False,
) -> BuildResult:
    """Build the package the request describes into out_dir and return where it is.

    The bag folder is ``<stem>_V<number>`` (``_SUPP`` added for a supplemental), with a zip of
    the same name beside it when the spec asks for one. progress(percent, step) is called at
    each step and while ffmpeg runs; an exception it raises stops the build and propagates, as
    does BuildCancelled/FFmpegCancelled when should_cancel answers True. Either way, and on any
    refusal (ValidationError, MediaError), out_dir is left as it was.
    """
    validate(request)
    spec = request.spec
    stem = package_stem(spec, request.report)
    name = f"{stem}_V{request.number}" + ("_SUPP" if request.kind == "supplemental" else "")
    check_name(name)
    card = spec.title_card and spec.video == "render"
    offset_ms = card_ms(spec.title_card_seconds, spec.video_spec.fps) if card else 0
    normalize = (request.kind == "full" and spec.normalize
                 and (spec.video == "render" or spec.audio != "none"))
    plan = _Plan(_steps(request, card and request.kind == "full", normalize), progress)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir))
    try:
        state = _State(request=request, stem=stem, name=name, bag=tmp / name,
                       work=tmp / "work", plan=plan, should_cancel=should_cancel,
                       offset_ms=offset_ms)
        state.data.mkdir(parents=True)
        state.work.mkdir()
        if request.kind == "full":
            _media(state, normalize=normalize, card=card)
        _subtitles(state)
        _qc_reports(state)
        manifest = _manifest(state)
        archive_tmp = _zip(state) if spec.container == "zip" else None
        plan.start(STEP_DONE)
        bag_dir, archive = _move_into_place(state, out_dir, archive_tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("built package %s: %d files%s", name, len(state.files),
             f", {archive.name}" if archive else "")
    return BuildResult(name=name, bag_dir=bag_dir, archive=archive, files=tuple(state.files),
                       manifest=manifest, loudness=state.loudness or None)


def _move_into_place(state: _State, out_dir: Path,
                     archive_tmp: Path | None) -> tuple[Path, Path | None]:
    """Rename the finished bag (and zip) into out_dir; an older build of the same number is
    moved into the temporary folder first, so it goes when that folder is removed."""
    final = out_dir / state.name
    final_zip = out_dir / f"{state.name}.zip"
    old = state.bag.parent / "replaced"
    old.mkdir()
    if final.exists():
        os.replace(final, old / state.name)
    if final_zip.exists():
        os.replace(final_zip, old / final_zip.name)
    os.replace(state.bag, final)
    if archive_tmp is None:
        return final, None
    try:
        os.replace(archive_tmp, final_zip)
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        raise
    return final, final_zip


# --------------------------------------------------------------------------- media


def _media(state: _State, *, normalize: bool, card: bool) -> None:
    """Video and/or audio renditions of the master, each measured again afterwards."""
    request, spec = state.request, state.request.spec
    assert request.master is not None  # validate() refused a full package without one
    master = Path(request.master)
    state.plan.start(STEP_CHECK)
    try:
        # Stored masters passed the ingest's guard; probed again under it all the same, so a
        # file put in the media store by other means is read no more freely than an upload.
        info = ff.probe(master, ffprobe=state.ffprobe, untrusted=True)
        state.master_demuxer = ff.demuxer_for(info.container)
    except ff.RefusedFormat as exc:
        raise MediaError("The master is not a media file Station can read (ffprobe: {detail})",
                         detail=str(exc)) from exc
    except ff.FFmpegError as exc:
        raise MediaError("The master is not a media file Station can read (ffprobe: {detail})",
                         detail=(exc.stderr_tail or str(exc)).replace(str(master),
                                                                      master.name)) from exc
    if spec.video != "none" and info.video is None:
        raise MediaError("The master has no picture, and {partner} wants video",
                         partner=request.report.partner)
    if (spec.video == "render" or spec.audio != "none") and info.audio is None:
        raise MediaError("The master has no sound track")
    duration = info.duration_ms
    audio_filter: str | None = None
    if normalize:
        state.check_cancel()
        step = state.plan.start(STEP_MEASURE)
        measure = rd.parse_loudnorm(state.run(
            rd.loudnorm_measure_argv(request.ffmpeg, master, target_i=spec.loudness_i,
                                     target_tp=spec.loudness_tp),
            FAIL_MEASURE, duration_ms=duration, on_progress=step))
        audio_filter = rd.loudnorm_filter(measure, target_i=spec.loudness_i,
                                          target_tp=spec.loudness_tp)
        log.info("%s: master measures %.2f LUFS, %.2f dBTP, LRA %.2f", state.name,
                 measure.input_i, measure.input_tp, measure.input_lra)
    renditions: list[tuple[str, Path, str | None]] = []  # (kind, path, normalization type)
    if spec.video == "render":
        renditions.append(("video", *_render_video(state, master, duration, audio_filter, card)))
    elif spec.video == "master":
        renditions.append(("video", _copy_master(state, master), None))
    if spec.audio != "none":
        state.check_cancel()
        step = state.plan.start(STEP_AUDIO)
        dst = state.data / f"{state.stem}.{'wav' if spec.audio == 'bwf' else 'mp3'}"
        stderr = state.run(
            rd.audio_rendition_argv(request.ffmpeg, master, dst, fmt=spec.audio,
                                    audio_filter=audio_filter, description=request.report.title,
                                    originator=STATION_NAME),
            FAIL_AUDIO, duration_ms=duration, on_progress=step)
        kind = rd.parse_normalization_type(stderr) if audio_filter else None
        renditions.append(("audio", dst, kind))
    if renditions:
        step = state.plan.start(STEP_METER)
        for number, (kind, path, normalization) in enumerate(renditions):
            state.check_cancel()
            _describe(state, kind, path, normalization, audio_filter is not None,
                      lambda p, n=number: step((n * 100 + p) / len(renditions)))


def _render_video(state: _State, master: Path, duration: int | None, audio_filter: str | None,
                  card: bool) -> tuple[Path, str | None]:
    """The spec's H.264/AAC rendition: loudnorm pass 2, open captions, title card in front."""
    request, spec = state.request, state.request.spec
    intro: Path | None = None
    if card:
        state.check_cancel()
        state.plan.start(STEP_CARD)
        logo = request.logo if spec.logo and request.logo and request.logo.is_file() else None
        if spec.logo and logo is None:
            log.warning("%s: the spec asks for a logo but none was given", state.name)
        intro = make_title_card(
            TitleCard(title=request.report.title, title_en=request.report.title_en,
                      partner=request.report.partner, width=spec.video_spec.width,
                      height=spec.video_spec.height, fps=spec.video_spec.fps,
                      seconds=spec.title_card_seconds, logo=logo),
            state.work / "title_card.mkv", ffmpeg=request.ffmpeg, work_dir=state.work)
    burn: Path | None = None
    fonts: Path | None = None
    language = spec.burn_in_language or "vi"
    if spec.burn_in_language:
        track = next(t for t in request.tracks
                     if _same_language(t.language, spec.burn_in_language))
        burn = state.work / "burn_in.srt"
        burn.write_bytes(formats.write("srt", shifted(track.doc, state.offset_ms,
                                                      track.language)))
        language = track.language
        fonts = rd.link_subtitle_font(language, state.work / "fonts")
    state.check_cancel()
    step = state.plan.start(STEP_VIDEO)
    dst = state.data / f"{state.stem}.mp4"
    argv = rd.video_rendition_argv(
        request.ffmpeg, master, dst, spec.video_spec, audio_filter=audio_filter,
        subtitles=burn, subtitle_language=language, fonts_dir=fonts,
        intro=intro, intro_ms=state.offset_ms if intro else None)
    total = (duration or 0) + state.offset_ms
    stderr = state.run(argv, FAIL_VIDEO, duration_ms=total or None, on_progress=step)
    return dst, rd.parse_normalization_type(stderr) if audio_filter else None


def _copy_master(state: _State, master: Path) -> Path:
    """The master unchanged (the partner re-encodes it), under the package's name."""
    extension = master.suffix.lower().lstrip(".")
    if not _EXTENSION.match(extension):
        raise ValidationError("File extension must be 1-8 ASCII letters or digits: {ext}",
                              ext=master.suffix)
    step = state.plan.start(STEP_COPY)
    dst = state.data / f"{state.stem}.{extension}"
    total = max(1, master.stat().st_size)
    done = 0
    with master.open("rb") as src, dst.open("wb") as out:
        while chunk := src.read(_CHUNK):
            out.write(chunk)
            done += len(chunk)
            step(done * 100 / total)
            state.check_cancel()
    return dst


def _fps(frame_rate: str) -> int | float:
    """25 for "25/1", 29.97 for "30000/1001"."""
    num, _, den = frame_rate.partition("/")
    try:
        value = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0
    return int(value) if value.is_integer() else round(value, 3)


def _describe(state: _State, kind: str, path: Path, normalization: str | None,
              normalized: bool, step: Callable[[float], None]) -> None:
    """Measure a finished rendition with ebur128 and probe it, for the manifest."""
    spec = state.request.spec
    info = ff.probe(path, ffprobe=state.ffprobe)
    entry: dict[str, Any] = {"file": path.relative_to(state.bag).as_posix(),
                             "container": info.container, "duration_ms": info.duration_ms,
                             "bit_rate": info.bit_rate}
    if kind == "video" and info.video is not None:
        entry.update({"codec": info.video.codec, "width": info.video.width,
                      "height": info.video.height, "fps": _fps(info.video.frame_rate),
                      "frame_rate": info.video.frame_rate,
                      "field_order": info.video.field_order})
        if info.audio is not None:
            entry["audio"] = {"codec": info.audio.codec, "sample_rate": info.audio.sample_rate,
                              "channels": info.audio.channels}
    elif info.audio is not None:
        entry.update({"codec": info.audio.codec, "sample_rate": info.audio.sample_rate,
                      "channels": info.audio.channels})
    state.media[kind] = entry
    state.add(path, kind, fmt=path.suffix.lstrip("."))
    if info.audio is None:  # a master copied as it is may have no sound to measure
        entry["loudness"] = None
        return
    loud = ff.parse_ebur128(state.run(rd.ebur128_argv(state.request.ffmpeg, path),
                                      FAIL_METER, duration_ms=info.duration_ms,
                                      on_progress=step))
    loudness: dict[str, Any] = {
        "integrated_lufs": loud.integrated_lufs,
        "true_peak_dbtp": loud.true_peak_dbtp,
        "lra_lu": loud.lra_lu,
        "normalization_type": normalization,
        "meter": "ffmpeg ebur128",
    }
    if normalized:
        loudness.update({
            "target_lufs": spec.loudness_i,
            "target_tp_dbtp": spec.loudness_tp,
            "within_tolerance": (abs(loud.integrated_lufs - spec.loudness_i)
                                 <= LOUDNESS_TOLERANCE_LU
                                 and loud.true_peak_dbtp <= spec.loudness_tp),
        })
        if normalization == "dynamic":
            log.warning("%s: loudnorm went dynamic on the %s rendition", state.name, kind)
    state.loudness[kind] = loudness
    entry["loudness"] = loudness


# --------------------------------------------------------------------------- subtitles and QC


def _ordered_tracks(state: _State) -> list[TrackInput]:
    """Tracks in the spec's language order (required first), then any others by tag."""
    order = [lang.lower() for lang in state.request.spec.languages]
    return sorted(state.request.tracks, key=lambda t: (
        order.index(t.language.lower()) if t.language.lower() in order else len(order),
        t.language.lower()))


def _subtitles(state: _State) -> None:
    """Each track in each of the partner's formats, shifted by the title card."""
    step = state.plan.start(STEP_SUBTITLES)
    tracks = _ordered_tracks(state)
    folder = state.data / "subtitles"
    folder.mkdir()
    for number, track in enumerate(tracks):
        state.check_cancel()
        doc = shifted(track.doc, state.offset_ms, track.language)
        for fmt in state.request.spec.subtitle_formats:
            registered = formats.get(fmt)
            path = folder / f"{state.stem}_{language_code(track.language)}.{registered.extension}"
            path.write_bytes(formats.write(registered.name, doc))
            state.add(path, "subtitle", track.language, registered.name)
        step((number + 1) * 100 / len(tracks))


def _qc_input(state: _State, track: TrackInput) -> QCInput:
    return QCInput(language=track.language, fingerprint=track.fingerprint,
                   cues=shifted(track.doc, state.offset_ms, track.language).cues,
                   findings=track.findings, offset_ms=state.offset_ms,
                   approved_by=track.approved_by, approved_at=track.approved_at,
                   package=state.name, title=state.request.report.title)


def _qc_reports(state: _State) -> None:
    """A JSON and an HTML QC report per language."""
    step = state.plan.start(STEP_QC)
    tracks = _ordered_tracks(state)
    folder = state.data / "qc"
    folder.mkdir()
    for number, track in enumerate(tracks):
        state.check_cancel()
        report = _qc_input(state, track)
        base = folder / f"{state.stem}_{language_code(track.language)}_QC"
        json_path = base.with_suffix(".json")
        json_path.write_text(_json(qc_json(report)), encoding="utf-8", newline="\n")
        html_path = base.with_suffix(".html")
        html_path.write_text(qc_html(report), encoding="utf-8", newline="\n")
        state.add(html_path, "qc", track.language, "html")
        state.add(json_path, "qc", track.language, "json")
        step((number + 1) * 100 / len(tracks))


def _json(data: Any) -> str:
    """UTF-8 JSON people can read: Vietnamese as letters, not \\u escapes, all NFC."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    return unicodedata.normalize("NFC", text) + "\n"


# --------------------------------------------------------------------------- manifest and bag


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime: Station keeps aware UTC datetimes")
    return moment.astimezone(dt.UTC).isoformat()


def _manifest(state: _State) -> dict[str, Any]:
    """data/manifest.json, then the BagIt tag files around the finished payload."""
    step = state.plan.start(STEP_MANIFEST)
    state.check_cancel()
    request, spec, report = state.request, state.request.spec, state.request.report
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    languages: list[dict[str, Any]] = []
    for track in _ordered_tracks(state):
        languages.append({
            "language": track.language,
            "files": state.languages.get(track.language, []),
            "approved_by": track.approved_by,
            "approved_at": _iso(track.approved_at),
            "fingerprint": track.fingerprint,
            "cues": len(track.doc.cues),
            "qc": counts(track.findings),
            "package": request.number,
        })
    for language, number in sorted(request.carried.items()):
        languages.append({"language": language, "files": [], "carried": True,
                          "package": int(number)})
    manifest: dict[str, Any] = {
        "schema": SCHEMA,
        "package": {
            "name": state.name,
            "number": request.number,
            "kind": request.kind,
            "base_number": request.base_number,
            "created_at": created.isoformat(),
            "created_by": request.created_by,
        },
        "spec": {"name": spec.name, "version": request.spec_version, **spec.to_dict()},
        "report": {
            "id": report.id,
            "title": report.title,
            "title_en": report.title_en,
            "kind": report.kind,
            "original_language": report.original_language,
            "reporter": report.reporter,
            "partner": report.partner,
            "due_date": report.due_date.isoformat() if report.due_date else None,
        },
        "media": state.media,
        "languages": languages,
        "title_card_ms": state.offset_ms,
        "burned_in_language": (spec.burn_in_language
                               if request.kind == "full" and spec.video == "render" else None),
        "station": STATION_NAME,
        "files": [{"path": f.path, "role": f.role, "language": f.language, "format": f.format,
                   "size": f.size, "sha256": f.sha256} for f in state.files],
    }
    path = state.data / "manifest.json"
    path.write_text(_json(manifest), encoding="utf-8", newline="\n")
    state.add(path, "manifest", fmt="json")
    step(50)
    bagit.write_manifest(
        state.bag,
        bagging_date=to_local(created).date(),
        info={
            "External-Identifier": state.name,
            "External-Description": f"{report.title} ({report.partner}, {request.kind})",
            "Internal-Sender-Identifier": f"station-report-{report.id}",
            "Bag-Group-Identifier": state.stem,
        },
    )
    step(100)
    return json.loads(path.read_text(encoding="utf-8"))


def _zip(state: _State) -> Path:
    """The bag as one zip (the bag folder its single top directory); media stored, text
    deflated, zip64 for renditions over 4 GB. Written inside the temporary folder."""
    step = state.plan.start(STEP_ZIP)
    roles = {f.path: f.role for f in state.files}
    paths = sorted(p for p in state.bag.rglob("*") if p.is_file())
    total = max(1, sum(p.stat().st_size for p in paths))
    done = 0
    archive = state.bag.parent / f"{state.name}.zip"
    with zipfile.ZipFile(archive, "w", allowZip64=True) as zf:
        for path in paths:
            rel = path.relative_to(state.bag).as_posix()
            info = zipfile.ZipInfo.from_file(path, f"{state.name}/{rel}")
            info.compress_type = (zipfile.ZIP_STORED if roles.get(rel) in _STORED_ROLES
                                  else zipfile.ZIP_DEFLATED)
            with path.open("rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
                    done += len(chunk)
                    step(done * 100 / total)
                    state.check_cancel()
    return archive


# --------------------------------------------------------------------------- verification


def _unsafe_member(info: zipfile.ZipInfo) -> bool:
    """A member that would land outside the extraction folder, or is a link or device."""
    name = info.filename
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    if ".." in PurePosixPath(name).parts:
        return True
    # Unix mode in the high 16 bits; zip tools (and Python's writestr) often leave the file
    # type bits 0, which means a plain file.
    kind = stat.S_IFMT(info.external_attr >> 16)
    return kind not in (0, stat.S_IFREG, stat.S_IFDIR)


def verify_package(path: Path) -> list[BagProblem]:
    """Every problem with a package, a bag folder or its .zip; empty when it is complete.

    A zip is checked before anything is extracted: members with absolute paths, ".." or
    backslashes, links and devices are refused (a zip-slip would write outside the temporary
    folder), and it must hold exactly one top folder, the bag.
    """
    path = Path(path)
    if path.is_dir():
        return [BagProblem(str(p)) if not isinstance(p, BagProblem) else p
                for p in bagit.verify(path)]
    if not path.is_file() or not zipfile.is_zipfile(path):
        return [BagProblem("{name} is neither a package folder nor a zip file",
                           name=path.name)]
    with zipfile.ZipFile(path) as zf:
        members = zf.infolist()
        unsafe = [m.filename for m in members if _unsafe_member(m)]
        if unsafe:
            return [BagProblem("The zip holds a path that leaves the package: {name}",
                               name=name) for name in unsafe]
        parts = [(PurePosixPath(m.filename).parts, m.is_dir()) for m in members]
        tops = {names[0] for names, _ in parts if names}
        if len(tops) != 1 or any(len(names) == 1 and not is_dir for names, is_dir in parts):
            return [BagProblem("The zip must hold exactly one folder, the package")]
        with tempfile.TemporaryDirectory(prefix="station-verify-") as work:
            try:
                zf.extractall(work)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                return [BagProblem("The zip is damaged: {detail}", detail=str(exc))]
            problems = bagit.verify(Path(work) / tops.pop())
    return [p if isinstance(p, BagProblem) else BagProblem(str(p)) for p in problems]
