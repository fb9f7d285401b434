"""The checks that refuse a package request before anything is written: the tracks (languages,
QC errors, approval), then the rules of a full or of a supplemental package."""

from __future__ import annotations

from pathlib import Path

from delivery.build_types import (
    BuildRequest,
    TrackInput,
    _same_language,
    fingerprint,
    language_code,
)
from station.errors import ValidationError


def validate(request: BuildRequest) -> None:
    """Refuse a request that cannot give a correct package, before anything is written."""
    if request.kind not in ("full", "supplemental"):
        raise ValueError(f"unknown package kind {request.kind!r}")
    if request.number < 1:
        raise ValueError("package numbers start at 1")
    languages = [track.language for track in request.tracks]
    seen = _check_languages(request, languages)
    for track in request.tracks:
        _check_track(track)
    if request.kind == "full":
        _check_full(request, languages)
    else:
        _check_supplemental(request, seen)


def _check_languages(request: BuildRequest, languages: list[str]) -> set[str]:
    """Each language well-formed, given once and taken by the partner; returns them folded."""
    for language in languages:
        language_code(language)
    seen: set[str] = set()
    for language in languages:
        if language.lower() in seen:
            raise ValidationError("The {lang} subtitles are given twice", lang=language)
        seen.add(language.lower())
    if request.spec.languages:
        for language in languages:
            if not any(_same_language(language, taken) for taken in request.spec.languages):
                raise ValidationError("{partner} does not take subtitles in {lang}",
                                      partner=request.report.partner, lang=language)
    return seen


def _check_track(track: TrackInput) -> None:
    """A track is delivered only without QC errors, with cues, and as it was approved."""
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


def _check_full(request: BuildRequest, languages: list[str]) -> None:
    """A full package: the master is there and every required language is delivered."""
    spec = request.spec
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


def _check_supplemental(request: BuildRequest, seen: set[str]) -> None:
    """A supplemental package: follows an earlier one, adds tracks, and changes no language
    that is carried or burned into the video."""
    spec = request.spec
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
