"""The public site exported as static files, full or incremental (docs/publishing.md "Export").

The folder is what a plain web server or a CDN serves: ``index.html``, ``r/<slug>/`` per
report (page, embed page, oEmbed, media, WebVTT), ``feeds/``, ``podcasts/``, ``sitemap.xml``,
``robots.txt`` and ``assets/``. A manifest (``.station-export.json``) keeps each report's
input fingerprint, so an incremental export renders only the reports that changed; the
index, feeds and sitemap are rewritten each time, and the folder of a report no longer on
the site is deleted (that is how unpublishing withdraws Station's copy). Exports of one
folder take turns (a file lock); every file is written atomically.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from production.services import list_channels
from production.storage import MediaStore
from publishing import media as site_media
from publishing.services import on_site
from publishing.site import feeds, files, render, sitemap
from publishing.site.pages import Entry, approved_tracks, make_entry
from station.errors import ValidationError
from station.i18n import N_
from station.runtime import Runtime

log = logging.getLogger(__name__)

MANIFEST = ".station-export.json"
MANIFEST_VERSION = 1
Progress = Callable[[float, str], None]
# The job's steps, shown translated on the jobs page (fixed words: no names in them).
MAKING_MEDIA = N_("Making the public site's media")
RENDERING = N_("Rendering the public site's pages")
WRITING = N_("Writing the public site's index, feeds and sitemap")


@dataclass
class ExportSummary:
    """What an export did; shown by the command and kept on the job."""

    out_dir: str
    reports: int = 0
    rendered: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    feeds: int = 0
    podcasts: int = 0
    full: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"out_dir": self.out_dir, "reports": self.reports, "rendered": len(self.rendered),
                "removed": self.removed, "feeds": self.feeds, "podcasts": self.podcasts,
                "full": self.full, "seconds": round(self.seconds, 3)}


def check_site_url(site_url: str) -> str:
    """An absolute http(s) address ending in "/" (feeds, oEmbed and Open Graph need one);
    anything else is refused before any work, with the setting to change."""
    parts = urlsplit((site_url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("The public site's address {url} is not an absolute http(s) URL "
                           "(set publish_site_url, e.g. https://truyenhinh.laichau.gov.vn/)",
                           url=site_url or "''")
    url = parts.geturl()
    return url if url.endswith("/") else url + "/"


def read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == MANIFEST_VERSION else {}


def _entries(session: Session, runtime: Runtime, site_url: str,
             progress: Progress | None) -> list[Entry]:
    """Every report on the site now, its media made when missing (newest first)."""
    publications = on_site(session)
    tracks = approved_tracks(session, [p.report_id for p in publications])
    entries = []
    for number, publication in enumerate(publications):
        if progress is not None and site_media.needs_making(runtime.settings,
                                                            publication.report):
            progress(5 + 40 * number / max(1, len(publications)), MAKING_MEDIA)
        found = site_media.site_media(runtime.settings, publication.report)
        entries.append(make_entry(publication, tracks.get(publication.report_id, []), found,
                                  site_url))
    return entries


def _render_report(session: Session, store: MediaStore, out_dir: Path, entry: Entry,
                   site_url: str, env: render.SiteRenderer) -> None:
    """A report's folder: page, embed page, oEmbed, media and subtitles; stale files go."""
    folder = out_dir / entry.path
    written = env.report_files(session, out_dir, entry, site_url)
    if entry.media is not None and entry.media_file:
        files.place_file(store.path(entry.media.main.key), folder / entry.media_file)
        written.add(entry.media_file)
        if entry.media.poster is not None and entry.poster_file:
            files.place_file(store.path(entry.media.poster.key), folder / entry.poster_file)
            written.add(entry.poster_file)
    files.prune(folder, written)


def _remove_gone(out_dir: Path, current: set[str], summary: ExportSummary) -> None:
    """Delete the folder of every report no longer on the site."""
    reports = out_dir / "r"
    if not reports.is_dir():
        return
    for child in reports.iterdir():
        if child.is_dir() and not child.name.startswith(".") and child.name not in current:
            files.remove_tree(child)
            summary.removed.append(child.name)


def _site_files(out_dir: Path, entries: Sequence[Entry], site_url: str,
                env: render.SiteRenderer, summary: ExportSummary,
                station_channels: Sequence[tuple[str, str]] = ()) -> None:
    """The index, every feed and podcast, sitemap, robots.txt and assets, rewritten.

    Every channel of the station keeps its feeds, empty when nothing of it is on the site:
    a portal that pulls a feed must read "no reports", not a missing file."""
    channels: dict[str, tuple[str, list[Entry]]] = {}
    podcasts: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        for code, name in entry.channels:
            channels.setdefault(code, (name, []))[1].append(entry)
        if entry.kind == "radio_programme" and entry.is_audio:
            podcasts.setdefault(feeds.podcast_key(entry), []).append(entry)
    feed_names = set()
    everyone = {code: (name, []) for code, name in station_channels}
    for code, (name, items) in {**everyone, **channels}.items():
        files.write_bytes(out_dir / "feeds" / f"{code}.xml",
                          feeds.channel_rss(code, name, items, site_url))
        files.write_bytes(out_dir / "feeds" / f"{code}.json",
                          feeds.channel_json(code, name, items, site_url))
        feed_names |= {f"{code}.xml", f"{code}.json"}
    files.prune(out_dir / "feeds", feed_names)
    podcast_names, listed = set(), []
    for (programme, language), items in podcasts.items():
        slug = feeds.podcast_slug(programme, language)
        files.write_bytes(out_dir / "podcasts" / f"{slug}.xml",
                          feeds.podcast_rss(programme, language, items, site_url))
        podcast_names.add(f"{slug}.xml")
        listed.append((slug, programme, language))
    files.prune(out_dir / "podcasts", podcast_names)
    summary.feeds, summary.podcasts = len(channels), len(podcasts)
    files.write_bytes(out_dir / "index.html", env.index(
        entries, [(c, n) for c, (n, _) in sorted(channels.items())],
        [(c, n, items) for c, (n, items) in sorted(channels.items())], sorted(listed), site_url))
    files.write_bytes(out_dir / "sitemap.xml", sitemap.sitemap(entries, site_url))
    files.write_bytes(out_dir / "robots.txt", sitemap.robots(site_url))
    env.assets(out_dir / "assets", {t.language for e in entries for t in e.tracks})


def _changed(entries: Sequence[Entry], out_dir: Path, known: dict[str, Any],
             full: bool) -> list[Entry]:
    return [e for e in entries
            if full or known.get(e.slug) != e.fingerprint
            or not (out_dir / e.path / "index.html").is_file()]


def export_site(runtime: Runtime, out_dir: Path, *, site_url: str, full: bool = False,
                progress: Progress | None = None) -> ExportSummary:
    """Export what is on the public site now into out_dir (see the module's docstring).

    ``full`` renders every report again; so does a change of site_url, of the templates,
    static files or site's words (render.templates_fingerprint).
    """
    started = time.perf_counter()
    site_url = check_site_url(site_url)
    out_dir = Path(out_dir)
    summary = ExportSummary(out_dir=str(out_dir))
    store = MediaStore(runtime.settings.media_path)
    env = render.SiteRenderer()
    templates = render.templates_fingerprint()
    with files.export_lock(out_dir):
        manifest = read_manifest(out_dir)
        full = full or manifest.get("site_url") != site_url or \
            manifest.get("templates") != templates
        summary.full = full
        with runtime.session() as session:
            station_channels = [(c.code, c.name) for c in list_channels(session)]
            entries = _entries(session, runtime, site_url, progress)
            changed = _changed(entries, out_dir, manifest.get("reports", {}), full)
            for number, entry in enumerate(changed):
                if progress is not None:
                    progress(45 + 45 * number / max(1, len(changed)), RENDERING)
                _render_report(session, store, out_dir, entry, site_url, env)
                summary.rendered.append(entry.slug)
        _remove_gone(out_dir, {e.slug for e in entries}, summary)
        if progress is not None:
            progress(92, WRITING)
        _site_files(out_dir, entries, site_url, env, summary, station_channels)
        files.write_bytes(out_dir / MANIFEST, json.dumps({
            "version": MANIFEST_VERSION, "site_url": site_url, "templates": templates,
            "reports": {e.slug: e.fingerprint for e in entries}}, indent=0).encode())
    summary.reports = len(entries)
    summary.seconds = time.perf_counter() - started
    log.info("public site exported to %s: %s", out_dir, summary.as_dict())
    return summary
