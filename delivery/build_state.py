"""The running build: the progress plan that maps each step into one percentage, and the state a
build accumulates (files, loudness, the master's demuxer) with its guarded ffmpeg runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from delivery import bagit
from delivery.bagit import check_name
from delivery.build_types import (
    STEP_AUDIO,
    STEP_CARD,
    STEP_CHECK,
    STEP_COPY,
    STEP_DONE,
    STEP_MANIFEST,
    STEP_MEASURE,
    STEP_METER,
    STEP_QC,
    STEP_SUBTITLES,
    STEP_VIDEO,
    STEP_ZIP,
    BuildCancelled,
    BuildRequest,
    PackageFile,
    Progress,
    _ffprobe_for,
)
from production import ffmpeg as ff
from station.errors import MediaError


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
    # limited to it and to local files (production.ffmpeg, "Untrusted media").
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

