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

This module holds the build's outline (:func:`build`), the final move and
:func:`verify_package`; the steps live beside it: ``build_types`` (request, result, wording,
naming), ``build_validate``, ``build_state`` (progress plan, running state), ``build_media``
and ``build_files`` (subtitles, QC, manifest, zip). Their public names, and the step functions
:func:`build` calls, are importable from here as before.
"""


from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from delivery import bagit
from delivery.bagit import check_name
from delivery.build_files import _manifest, _qc_reports, _subtitles, _zip
from delivery.build_media import _copy_master, _describe, _fps, _media, _render_video
from delivery.build_state import _Plan, _State, _steps
from delivery.build_types import (
    FAIL_AUDIO,
    FAIL_MEASURE,
    FAIL_METER,
    FAIL_VIDEO,
    LOUDNESS_TOLERANCE_LU,
    SCHEMA,
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
    BuildResult,
    PackageFile,
    PackageKind,
    Progress,
    ReportInfo,
    TrackInput,
    _local_today,
    fingerprint,
    language_code,
    package_stem,
    shifted,
)
from delivery.build_validate import validate
from delivery.titlecard import card_ms
from station.messages import Message

__all__ = [
    "FAIL_AUDIO", "FAIL_MEASURE", "FAIL_METER", "FAIL_VIDEO", "LOUDNESS_TOLERANCE_LU", "SCHEMA",
    "STEP_AUDIO", "STEP_CARD", "STEP_CHECK", "STEP_COPY", "STEP_DONE", "STEP_MANIFEST",
    "STEP_MEASURE", "STEP_METER", "STEP_QC", "STEP_SUBTITLES", "STEP_VIDEO", "STEP_ZIP",
    "BuildCancelled", "BuildRequest", "BuildResult", "PackageFile", "PackageKind", "Progress",
    "ReportInfo", "TrackInput", "_Plan", "_State", "_copy_master", "_describe", "_fps",
    "_local_today", "_manifest", "_media", "_move_into_place", "_qc_reports", "_render_video",
    "_steps", "_subtitles", "_zip", "build", "fingerprint", "language_code", "package_stem",
    "shifted", "validate", "verify_package",
]

log = logging.getLogger(__name__)


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


def verify_package(path: Path) -> list[Message]:
    """Every problem with a package, a bag folder or its .zip; empty when it is complete.

    A zip is checked before anything is extracted: members with absolute paths, ".." or
    backslashes, links and devices are refused (a zip-slip would write outside the temporary
    folder), and it must hold exactly one top folder, the bag.
    """
    path = Path(path)
    if path.is_dir():
        return [Message(str(p)) if not isinstance(p, Message) else p
                for p in bagit.verify(path)]
    if not path.is_file() or not zipfile.is_zipfile(path):
        return [Message("{name} is neither a package folder nor a zip file",
                           name=path.name)]
    with zipfile.ZipFile(path) as zf:
        members = zf.infolist()
        unsafe = [m.filename for m in members if _unsafe_member(m)]
        if unsafe:
            return [Message("The zip holds a path that leaves the package: {name}",
                               name=name) for name in unsafe]
        parts = [(PurePosixPath(m.filename).parts, m.is_dir()) for m in members]
        tops = {names[0] for names, _ in parts if names}
        if len(tops) != 1 or any(len(names) == 1 and not is_dir for names, is_dir in parts):
            return [Message("The zip must hold exactly one folder, the package")]
        with tempfile.TemporaryDirectory(prefix="station-verify-") as work:
            try:
                zf.extractall(work)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                return [Message("The zip is damaged: {detail}", detail=str(exc))]
            problems = bagit.verify(Path(work) / tops.pop())
    return [p if isinstance(p, Message) else Message(str(p)) for p in problems]
