"""The public site's feeds, sitemap, oEmbed and JSON-LD, read back by independent parsers
(feedparser, podcastparser, lxml without entities or network) and checked against their specs."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from publishing.media import SiteMedia, StoredFile, is_faststart
from publishing.site import check_site_url, feeds, sitemap
from publishing.site.files import place_file, write_bytes
from publishing.site.pages import Entry, TrackRef, iso_duration, json_ld, order_tracks
from station.errors import ValidationError

SITE = "https://truyenhinh.laichau.example/"
PUBLISHED = dt.datetime(2026, 12, 1, 3, 30, tzinfo=dt.UTC)


def entry(slug: str = "mua-hoa-dao-1", *, audio: bool = False, programme: str | None = None,
          minutes: int = 0) -> Entry:
    main = (StoredFile("ab/cd/x.mp3", 1_234_567, "audio/mpeg", "mp3") if audio
            else StoredFile("ab/cd/x.mp4", 7_654_321, "video/mp4", "mp4"))
    poster = StoredFile("ab/cd/p.jpg", 20_000, "image/jpeg", "jpg")
    media = SiteMedia("audio" if audio else "video", main, poster, 83_400,
                      None if audio else 1280, None if audio else 720)
    return Entry(
        slug=slug, report_id=1, title="Mùa hoa đào & chợ phiên", title_en="Peach blossom season",
        summary="Hoa đào nở khắp bản.", summary_en="Peach blossoms everywhere.",
        kind="radio_programme" if audio else "tv_report",
        channels=[("LCR", "Phát thanh Lai Châu")] if audio else [("LCTV", "Truyền hình")],
        programme=programme, original_language="vi",
        published_at=PUBLISHED + dt.timedelta(minutes=minutes),
        updated_at=PUBLISHED + dt.timedelta(minutes=minutes, seconds=5), media=media,
        tracks=order_tracks([TrackRef(2, "en", 1, PUBLISHED), TrackRef(1, "vi", 3, PUBLISHED)]))


def test_channel_rss_reads_back_in_feedparser() -> None:
    items = [entry("b-2", minutes=10), entry("a-1")]
    parsed = feedparser.parse(feeds.channel_rss("LCTV", "Truyền hình", items, SITE))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.language == "vi" and parsed.feed.link == SITE
    first = parsed.entries[0]
    assert first.title == "Mùa hoa đào & chợ phiên"
    assert first.link == f"{SITE}r/b-2/" and first.id == f"{SITE}r/b-2/"
    assert first.published_parsed[:5] == (2026, 12, 1, 3, 40)
    assert first.enclosures[0].href == f"{SITE}r/b-2/video.mp4"
    assert first.enclosures[0].length == "7654321"
    assert first.enclosures[0].type == "video/mp4"
    assert any(link.rel == "self" and link.href == f"{SITE}feeds/LCTV.xml"
               for link in parsed.feed.links)


def test_json_feed_has_the_fields_of_version_1_1() -> None:
    feed = json.loads(feeds.channel_json("LCTV", "Truyền hình", [entry()], SITE))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["home_page_url"] == SITE
    assert feed["feed_url"] == f"{SITE}feeds/LCTV.json" and feed["language"] == "vi"
    assert feed["authors"] == [{"name": "Đài Phát thanh và Truyền hình Lai Châu", "url": SITE}]
    item = feed["items"][0]
    assert item["id"] == item["url"] == f"{SITE}r/mua-hoa-dao-1/"
    assert item["content_text"].startswith("Hoa đào nở khắp bản.")
    # RFC 3339 dates, with their offset.
    assert dt.datetime.fromisoformat(item["date_published"]) == PUBLISHED
    assert item["image"] == f"{SITE}r/mua-hoa-dao-1/poster.jpg"
    assert item["attachments"] == [{"url": f"{SITE}r/mua-hoa-dao-1/video.mp4",
                                    "mime_type": "video/mp4", "size_in_bytes": 7654321,
                                    "duration_in_seconds": 83}]
    # 1.1 dropped "author" for "authors" and has no field the spec does not name.
    allowed = {"id", "url", "external_url", "title", "content_html", "content_text",
               "summary", "image", "banner_image", "date_published", "date_modified",
               "authors", "tags", "language", "attachments"}
    assert set(item) <= allowed


def test_podcast_feed_reads_back_in_podcastparser_and_feedparser() -> None:
    episodes = [entry("chuyen-nha-nong-5", audio=True, programme="Bản tin nông thôn")]
    programme, language = feeds.podcast_key(episodes[0])
    assert (programme, language) == ("Bản tin nông thôn", "vi")
    assert feeds.podcast_slug(programme, language) == "ban-tin-nong-thon-vi"
    xml = feeds.podcast_rss(programme, language, episodes, SITE)
    feed_url = f"{SITE}podcasts/ban-tin-nong-thon-vi.xml"
    podcast = podcastparser.parse(feed_url, io.BytesIO(xml))
    assert podcast["title"] == "Bản tin nông thôn"
    assert podcast["cover_url"] == f"{SITE}assets/logo.png"
    episode = podcast["episodes"][0]
    assert episode["total_time"] == 83
    assert episode["enclosures"] == [{"url": f"{SITE}r/chuyen-nha-nong-5/audio.mp3",
                                      "file_size": 1234567, "mime_type": "audio/mpeg"}]
    assert episode["guid"] == f"{SITE}r/chuyen-nha-nong-5/"
    # podcastparser 0.6 knows Podcasting 2.0 only under its old GitHub namespace URL; the
    # feed uses the namespace the spec names now, so the transcript is read with lxml.
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    transcript = root.find(f"channel/item/{{{feeds.PODCAST}}}transcript")
    assert feeds.PODCAST == "https://podcastindex.org/namespace/1.0"
    category = root.find(f"channel/{{{feeds.ITUNES}}}category")
    assert category is not None and category.get("text") == "News" and not category.text
    assert dict(transcript.attrib) == {"url": f"{SITE}r/chuyen-nha-nong-5/vi.vtt",
                                       "type": "text/vtt", "language": "vi",
                                       "rel": "captions"}
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    assert episode["explicit"] is False  # itunes:explicit "false", Apple's current spelling
    assert parsed.feed.author  # itunes:author
    assert parsed.feed.tags[0].term == "News"
    text = xml.decode()
    assert "<podcast:locked>yes</podcast:locked>" in text
    guid = re.search(r"<podcast:guid>([^<]+)</podcast:guid>", text)
    assert guid is not None and uuid.UUID(guid.group(1)).version == 5


def test_podcast_guid_follows_podcasting_2_0() -> None:
    # The example of the Podcasting 2.0 namespace's guid section.
    assert feeds.podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == \
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"


def test_sitemap_parses_and_lists_every_page() -> None:
    xml = sitemap.sitemap([entry("b-2"), entry("a-1")], SITE)
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"s": sitemap.SITEMAP_NS}
    assert root.xpath("//s:url/s:loc/text()", namespaces=ns) == [
        SITE, f"{SITE}r/b-2/", f"{SITE}r/a-1/"]
    assert root.xpath("//s:url[2]/s:lastmod/text()", namespaces=ns) == [
        "2026-12-01T03:30:05+00:00"]
    assert sitemap.robots(SITE).decode().endswith(f"Sitemap: {SITE}sitemap.xml\n")


def test_oembed_is_a_video_or_rich_answer_with_an_iframe() -> None:
    video = sitemap.oembed(entry(), SITE)
    assert video["version"] == "1.0" and video["type"] == "video"
    assert {"html", "width", "height", "title", "provider_name"} <= set(video)
    assert video["html"].startswith(f'<iframe src="{SITE}r/mua-hoa-dao-1/embed.html"')
    assert 'title="Mùa hoa đào &amp; chợ phiên"' in video["html"]
    assert video["thumbnail_url"] == f"{SITE}r/mua-hoa-dao-1/poster.jpg"
    audio = sitemap.oembed(entry(audio=True), SITE)
    assert audio["type"] == "rich" and audio["height"] == sitemap.AUDIO_EMBED_HEIGHT


def test_json_ld_is_a_schema_org_media_object() -> None:
    data = json_ld(entry(), SITE)
    assert data["@context"] == "https://schema.org" and data["@type"] == "VideoObject"
    assert data["duration"] == "PT1M23S" and data["inLanguage"] == "vi"
    assert data["contentUrl"] == f"{SITE}r/mua-hoa-dao-1/video.mp4"
    assert data["embedUrl"] == f"{SITE}r/mua-hoa-dao-1/embed.html"
    assert data["thumbnailUrl"] == f"{SITE}r/mua-hoa-dao-1/poster.jpg"
    assert dt.datetime.fromisoformat(data["uploadDate"]) == PUBLISHED
    assert json_ld(entry(audio=True), SITE)["@type"] == "AudioObject"
    assert iso_duration(3725) == "PT1H2M5S" and iso_duration(0) == "PT0S"


def test_vietnamese_track_comes_first() -> None:
    assert [t.language for t in entry().tracks] == ["vi", "en"]


@pytest.mark.parametrize("url", ["/public/", "ftp://x.example/", "truyenhinh.example", ""])
def test_a_site_url_must_be_absolute_http(url: str) -> None:
    with pytest.raises(ValidationError):
        check_site_url(url)
    assert check_site_url("https://x.example/tv") == "https://x.example/tv/"


def test_files_are_written_once_and_linked_not_copied(tmp_path: Path) -> None:
    target = tmp_path / "out" / "a.txt"
    assert write_bytes(target, b"one") and not write_bytes(target, b"one")
    assert write_bytes(target, b"two") and target.read_bytes() == b"two"
    source = tmp_path / "store.bin"
    source.write_bytes(b"media")
    linked = tmp_path / "out" / "media.bin"
    assert place_file(source, linked) and not place_file(source, linked)
    assert linked.stat().st_ino == source.stat().st_ino
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []


def test_faststart_is_read_from_the_box_order(tmp_path: Path) -> None:
    def box(kind: bytes, body: bytes = b"") -> bytes:
        return (8 + len(body)).to_bytes(4, "big") + kind + body
    fast = tmp_path / "fast.mp4"
    fast.write_bytes(box(b"ftyp", b"isom") + box(b"moov", b"x" * 20) + box(b"mdat", b"y" * 50))
    slow = tmp_path / "slow.mp4"
    slow.write_bytes(box(b"ftyp", b"isom") + box(b"mdat", b"y" * 50) + box(b"moov"))
    assert is_faststart(fast) and not is_faststart(slow)
