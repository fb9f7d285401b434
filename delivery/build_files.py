"""The package's text files: subtitles in each format the partner takes, the QC reports, the
manifest, and the zip around the bag."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from delivery import bagit
from delivery.build_state import _State
from delivery.build_types import (
    _CHUNK,
    _STORED_ROLES,
    SCHEMA,
    STEP_MANIFEST,
    STEP_QC,
    STEP_SUBTITLES,
    STEP_ZIP,
    ReportInfo,
    TrackInput,
    language_code,
    shifted,
)
from delivery.qcreport import QCInput, counts, qc_html, qc_json
from delivery.titlecard import STATION_NAME
from station.timecode import to_local
from subtitles import formats


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
        "report": _report_entry(report),
        "media": state.media,
        "languages": _language_entries(state),
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


def _report_entry(report: ReportInfo) -> dict[str, Any]:
    """The manifest's "report": what the package is of, as the partner files it."""
    return {
        "id": report.id,
        "title": report.title,
        "title_en": report.title_en,
        "kind": report.kind,
        "original_language": report.original_language,
        "reporter": report.reporter,
        "partner": report.partner,
        "due_date": report.due_date.isoformat() if report.due_date else None,
    }


def _language_entries(state: _State) -> list[dict[str, Any]]:
    """The manifest's "languages": each delivered track with its files, approval and QC counts,
    then each language carried from an earlier package."""
    request = state.request
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
    return languages


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


