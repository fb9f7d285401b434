"""sitemap.xml, robots.txt and each report's oEmbed answer (absolute URLs: the standards
ask for them, and these files are read by machines outside the site)."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from html import escape
from typing import Any

from publishing.site.labels import words
from publishing.site.pages import Entry

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
EMBED_WIDTH = 640
EMBED_HEIGHT = 360
AUDIO_EMBED_HEIGHT = 160


def sitemap(entries: Sequence[Entry], site_url: str) -> bytes:
    """The home page and every report's page, with when it last changed."""
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    url = ET.SubElement(root, "url")
    ET.SubElement(url, "loc").text = site_url
    for entry in entries:
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = site_url + entry.path
        ET.SubElement(url, "lastmod").text = entry.updated_at.astimezone(
            dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def robots(site_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\nSitemap: {site_url}sitemap.xml\n".encode()


def embed_size(entry: Entry) -> tuple[int, int]:
    return (EMBED_WIDTH, AUDIO_EMBED_HEIGHT if entry.is_audio else EMBED_HEIGHT)


def embed_code(entry: Entry, site_url: str) -> str:
    """The iframe a portal pastes: the report's embed page, with a title for screen readers."""
    width, height = embed_size(entry)
    return (f'<iframe src="{escape(site_url + entry.path)}embed.html" width="{width}" '
            f'height="{height}" title="{escape(entry.title)}" loading="lazy" '
            f'allow="fullscreen; picture-in-picture" allowfullscreen '
            f'style="border:0;max-width:100%"></iframe>')


def oembed(entry: Entry, site_url: str) -> dict[str, Any]:
    """oEmbed 1.0: type "video" for a video report, "rich" for sound (both carry html)."""
    width, height = embed_size(entry)
    data: dict[str, Any] = {
        "version": "1.0", "type": "rich" if entry.is_audio else "video",
        "title": entry.title, "provider_name": words("vi")["site"], "provider_url": site_url,
        "html": embed_code(entry, site_url), "width": width, "height": height,
    }
    if entry.poster_file and entry.media is not None:
        data["thumbnail_url"] = site_url + entry.path + entry.poster_file
        data["thumbnail_width"] = entry.media.width or EMBED_WIDTH
        data["thumbnail_height"] = entry.media.height or EMBED_HEIGHT
    return data


def oembed_json(entry: Entry, site_url: str) -> bytes:
    return json.dumps(oembed(entry, site_url), ensure_ascii=False, indent=1).encode("utf-8")
