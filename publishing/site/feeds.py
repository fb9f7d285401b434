"""The site's feeds: RSS 2.0 and JSON Feed 1.1 per channel, podcast RSS per programme.

Feeds are read by other machines (the province's portals, podcast apps), so every link in
them is absolute (site_url). Podcasts follow Apple's RSS tags (itunes:*) and Podcasting 2.0
(podcast:locked, podcast:guid, podcast:transcript), docs/publishing.md "Podcasts".
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from email.utils import format_datetime
from typing import Any

from publishing.site.labels import SITE_NAME, words
from publishing.site.pages import Entry, transcript_language
from station.text import ascii_slug

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)
ET.register_namespace("atom", ATOM)
# Podcasting 2.0's namespace for podcast:guid (a UUIDv5 of the feed URL without its scheme).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
PODCAST_CATEGORY = "News"
PODCAST_OWNER_EMAIL = ""
FEED_ITEMS = 100  # a feed is the latest reports, not the archive


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def rfc822(value: dt.datetime) -> str:
    return format_datetime(_utc(value).astimezone(dt.UTC), usegmt=True)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _xml(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _description(entry: Entry) -> str:
    parts = [entry.summary or entry.title]
    if entry.summary_en:
        parts.append(entry.summary_en)
    return "\n\n".join(parts)


def _item(channel: ET.Element, entry: Entry, site_url: str) -> ET.Element:
    page = site_url + entry.path
    item = _sub(channel, "item")
    _sub(item, "title", entry.title)
    _sub(item, "link", page)
    _sub(item, "guid", page, isPermaLink="true")
    _sub(item, "pubDate", rfc822(entry.published_at))
    _sub(item, "description", _description(entry))
    if entry.media is not None and entry.media_file:
        _sub(item, "enclosure", url=page + entry.media_file, length=str(entry.media.main.size),
             type=entry.media.main.mime)
    return item


def _channel(root: ET.Element, title: str, site_url: str, self_url: str, description: str,
             language: str, entries: Sequence[Entry]) -> ET.Element:
    channel = _sub(root, "channel")
    _sub(channel, "title", title)
    _sub(channel, "link", site_url)
    _sub(channel, "description", description)
    _sub(channel, "language", language)
    _sub(channel, f"{{{ATOM}}}link", href=self_url, rel="self", type="application/rss+xml")
    if entries:
        _sub(channel, "lastBuildDate", rfc822(max(e.updated_at for e in entries)))
    return channel


def channel_rss(code: str, name: str, entries: Sequence[Entry], site_url: str) -> bytes:
    """RSS 2.0 of one channel's latest published reports, newest first."""
    vi = words("vi")
    root = ET.Element("rss", {"version": "2.0"})
    channel = _channel(root, f"{vi['site']} – {name}", site_url,
                       f"{site_url}feeds/{code}.xml",
                       vi["channel_feed"].format(channel=name), "vi", entries)
    for entry in entries[:FEED_ITEMS]:
        _item(channel, entry, site_url)
    return _xml(root)


def channel_json(code: str, name: str, entries: Sequence[Entry], site_url: str) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1) of the same reports."""
    vi = words("vi")
    items = []
    for entry in entries[:FEED_ITEMS]:
        page = site_url + entry.path
        item: dict[str, Any] = {
            "id": page, "url": page, "title": entry.title,
            "content_text": _description(entry), "summary": entry.summary or entry.title,
            "date_published": _utc(entry.published_at).isoformat(),
            "date_modified": _utc(entry.updated_at).isoformat(),
            "language": entry.original_language,
        }
        if entry.poster_file:
            item["image"] = page + entry.poster_file
        if entry.media is not None and entry.media_file:
            item["attachments"] = [{"url": page + entry.media_file,
                                    "mime_type": entry.media.main.mime,
                                    "size_in_bytes": entry.media.main.size,
                                    "duration_in_seconds": entry.duration_s}]
        items.append(item)
    feed = {"version": "https://jsonfeed.org/version/1.1",
            "title": f"{vi['site']} – {name}", "home_page_url": site_url,
            "feed_url": f"{site_url}feeds/{code}.json",
            "description": vi["channel_feed"].format(channel=name),
            "language": "vi", "icon": site_url + "assets/logo.png",
            "authors": [{"name": vi["site"], "url": site_url}], "items": items}
    return json.dumps(feed, ensure_ascii=False, indent=1).encode("utf-8")


def podcast_key(entry: Entry) -> tuple[str, str]:
    """(programme, language) of a radio programme's podcast: its Publication.programme, or
    the channel's name when none was given."""
    programme = entry.programme or (entry.channels[0][1] if entry.channels else SITE_NAME)
    return programme, entry.original_language


def podcast_slug(programme: str, language: str) -> str:
    return f"{ascii_slug(programme, sep='-', max_length=80)}-{ascii_slug(language, sep='-')}"


def podcast_guid(feed_url: str) -> str:
    """Podcasting 2.0 podcast:guid: UUIDv5 of the feed URL without scheme and trailing slash."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def _podcast_item(channel: ET.Element, entry: Entry, site_url: str) -> None:
    item = _item(channel, entry, site_url)
    page = site_url + entry.path
    _sub(item, f"{{{ITUNES}}}duration", str(entry.duration_s))
    _sub(item, f"{{{ITUNES}}}explicit", "false")
    _sub(item, f"{{{ITUNES}}}summary", _description(entry))
    if entry.poster_file:
        _sub(item, f"{{{ITUNES}}}image", href=page + entry.poster_file)
    language = transcript_language(entry)
    if language:
        _sub(item, f"{{{PODCAST}}}transcript", url=f"{page}{language}.vtt", type="text/vtt",
             language=language, rel="captions")


def podcast_rss(programme: str, language: str, entries: Sequence[Entry], site_url: str) -> bytes:
    """One podcast feed: the programme's episodes in one language, newest first."""
    vi = words("vi")
    feed_url = f"{site_url}podcasts/{podcast_slug(programme, language)}.xml"
    root = ET.Element("rss", {"version": "2.0"})
    channel = _channel(root, programme, site_url, feed_url,
                       vi["podcast_of"].format(programme=programme), language, entries)
    _sub(channel, f"{{{ITUNES}}}author", vi["site"])
    _sub(channel, f"{{{ITUNES}}}image", href=site_url + "assets/logo.png")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": PODCAST_CATEGORY})
    _sub(channel, f"{{{ITUNES}}}explicit", "false")
    _sub(channel, f"{{{ITUNES}}}type", "episodic")
    owner = _sub(channel, f"{{{ITUNES}}}owner")
    _sub(owner, f"{{{ITUNES}}}name", vi["site"])
    _sub(channel, f"{{{PODCAST}}}locked", "yes")
    _sub(channel, f"{{{PODCAST}}}guid", podcast_guid(feed_url))
    image = _sub(channel, "image")
    _sub(image, "url", site_url + "assets/logo.png")
    _sub(image, "title", programme)
    _sub(image, "link", site_url)
    for entry in entries[:FEED_ITEMS]:
        _podcast_item(channel, entry, site_url)
    return _xml(root)
