"""What the public site knows about a published report, read once per export.

An :class:`Entry` carries everything the feeds, the index and the sitemap need (no cues:
those are read only for the reports whose pages are rendered again), and its fingerprint,
which the incremental export compares with the manifest (docs/publishing.md "Export").
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publishing.media import SiteMedia
from publishing.models import Publication
from station.i18n import language_name
from subtitles.cues import SubtitleDoc
from subtitles.fonts import coverage
from subtitles.formats import write as write_subtitles
from subtitles.models import CueRow, Track
from subtitles.services import stored_cues

# Bump when what a page is made from changes in code (the templates, static files and the
# site's words are fingerprinted by themselves, templates_fingerprint): every page is rendered
# again.
TEMPLATE_VERSION = 2
LOCAL_ZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class TrackRef:
    """An approved subtitle track as the site names it (its file is ``<language>.vtt``), and
    what its cues were at reading (count, last change, sum of versions) for the fingerprint."""

    id: int
    language: str
    version: int
    approved_at: dt.datetime | None
    cues: tuple[int, str, int] = (0, "", 0)

    @property
    def file(self) -> str:
        return f"{self.language}.vtt"


@dataclass
class Entry:
    """One report on the site: its words, its media, its tracks (Vietnamese first)."""

    slug: str
    report_id: int
    title: str
    title_en: str
    summary: str
    summary_en: str
    kind: str
    channels: list[tuple[str, str]]  # (code, name)
    programme: str | None
    original_language: str
    published_at: dt.datetime
    updated_at: dt.datetime
    media: SiteMedia | None
    tracks: list[TrackRef] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def path(self) -> str:
        return f"r/{self.slug}/"

    @property
    def is_audio(self) -> bool:
        return self.media is not None and self.media.kind == "audio"

    @property
    def media_file(self) -> str | None:
        if self.media is None:
            return None
        return ("audio." if self.is_audio else "video.") + self.media.main.ext

    @property
    def poster_file(self) -> str | None:
        return "poster.jpg" if self.media is not None and self.media.poster else None

    @property
    def duration_s(self) -> int:
        return round((self.media.duration_ms or 0) / 1000) if self.media else 0

    def track(self, language: str) -> TrackRef | None:
        return next((t for t in self.tracks if t.language == language), None)


@functools.cache
def language_label(tag: str) -> str:
    """A subtitle language as its own speakers write it ("Tiếng Việt", "English", "ꪼꪕꪒꪾ"),
    when the site's font for that language draws every letter; else its Vietnamese name."""
    from babel import Locale, UnknownLocaleError

    name = None
    for candidate in dict.fromkeys((tag.replace("-", "_"), tag.split("-")[0])):
        try:
            name = Locale.parse(candidate).get_language_name()
            break
        except (UnknownLocaleError, ValueError):
            continue
    drawn = coverage(tag)
    if name and all(drawn(ch) or ch.isspace() for ch in name):
        return name[:1].upper() + name[1:]
    return language_name(tag, "vi")


def order_tracks(tracks: Sequence[TrackRef]) -> list[TrackRef]:
    """Vietnamese first (the default caption), then the others by tag."""
    return sorted(tracks, key=lambda t: (t.language != "vi", t.language))


def approved_tracks(session: Session, report_ids: Sequence[int]) -> dict[int, list[TrackRef]]:
    """The approved tracks of many reports in one query (an export reads a thousand)."""
    found: dict[int, list[TrackRef]] = {}
    if not report_ids:
        return found
    columns = (Track.report_id, Track.id, Track.language, Track.version, Track.approved_at)
    rows = session.execute(
        select(*columns, func.count(CueRow.id), func.max(CueRow.updated_at),
               func.sum(CueRow.version))
        .outerjoin(CueRow, CueRow.track_id == Track.id)
        .where(Track.report_id.in_(report_ids), Track.status == "approved")
        .group_by(*columns))
    for report_id, track_id, language, version, approved_at, n, changed, versions in rows:
        found.setdefault(report_id, []).append(TrackRef(
            track_id, language, version, approved_at,
            (int(n or 0), str(changed or ""), int(versions or 0))))
    return {key: order_tracks(value) for key, value in found.items()}


def fingerprint(publication: Publication, tracks: Sequence[TrackRef], media: SiteMedia | None,
                site_url: str) -> str:
    """What a report's pages are made from: any change here renders them again."""
    report = publication.report
    data = [TEMPLATE_VERSION, site_url, publication.version, publication.updated_at.isoformat(),
            report.version, report.updated_at.isoformat(),
            [[t.id, t.version, t.approved_at.isoformat() if t.approved_at else None, t.cues]
             for t in tracks],
            [[c.code, c.name] for c in report.channels],
            [media.main.key, media.poster.key if media.poster else None] if media else None]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def make_entry(publication: Publication, tracks: list[TrackRef],
               media: SiteMedia | None, site_url: str) -> Entry:
    report = publication.report
    return Entry(
        slug=publication.slug, report_id=report.id, title=report.title,
        title_en=report.title_en or "", summary=publication.summary,
        summary_en=publication.summary_en, kind=report.kind,
        channels=[(c.code, c.name) for c in report.channels], programme=publication.programme,
        original_language=report.original_language, published_at=publication.published_at,
        updated_at=max(publication.updated_at, report.updated_at), media=media,
        tracks=tracks, fingerprint=fingerprint(publication, tracks, media, site_url))


def subtitle_files(session: Session, entry: Entry) -> dict[str, tuple[bytes, list[str]]]:
    """Each approved track as WebVTT, with its cue texts (the page's transcript)."""
    files = {}
    for track in entry.tracks:
        cues = stored_cues(session, track.id)[1]
        doc = SubtitleDoc(track.language, cues, entry.title)
        files[track.language] = (write_subtitles("webvtt", doc), [c.text for c in cues])
    return files


def transcript_language(entry: Entry) -> str | None:
    """The transcript is the track in the report's own language, else the Vietnamese one."""
    for language in (entry.original_language, "vi"):
        if entry.track(language):
            return language
    return entry.tracks[0].language if entry.tracks else None


def iso_duration(seconds: int) -> str:
    """ISO 8601 duration, as schema.org wants it: PT1M5S."""
    minutes, secs = divmod(max(0, seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + \
        f"{secs}S"


def json_ld(entry: Entry, site_url: str) -> dict[str, Any]:
    """schema.org VideoObject or AudioObject of the page (absolute URLs, as the standard asks)."""
    page = site_url + entry.path
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "AudioObject" if entry.is_audio else "VideoObject",
        "name": entry.title, "description": entry.summary or entry.title,
        "uploadDate": entry.published_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "duration": iso_duration(entry.duration_s),
        "embedUrl": page + "embed.html", "url": page,
        "inLanguage": entry.original_language,
    }
    if entry.media_file:
        data["contentUrl"] = page + entry.media_file
        data["encodingFormat"] = entry.media.main.mime if entry.media else None
    data["thumbnailUrl"] = (page + entry.poster_file if entry.poster_file
                            else site_url + "assets/logo.png")
    if entry.title_en:
        data["alternateName"] = entry.title_en
    return data


def page_context(entry: Entry, site_url: str, captions: dict[str, list[str]]) -> dict[str, Any]:
    """The template context of a report's page and its embed page."""
    language = transcript_language(entry)
    return {
        "entry": entry, "site_url": site_url, "canonical": site_url + entry.path,
        "json_ld": json.dumps(json_ld(entry, site_url), ensure_ascii=False).replace("</", "<\\/"),
        "tracks": [{"language": t.language, "file": t.file, "label": language_label(t.language)}
                   for t in entry.tracks],
        "transcript": captions.get(language, []) if language else [],
        "transcript_lang": language,
        "root": "../../",
    }
