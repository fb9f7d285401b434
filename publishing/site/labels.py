"""The public site's fixed words, in Vietnamese (the site's language) with English beside.

The site is rendered with plain Jinja2, outside Flask, so its words are marked here with
``N_`` (found by station.i18n_extract) and translated with station.i18n.translate when the
templates are rendered: the catalogue stays the one place a translator edits them.
"""

from __future__ import annotations

from functools import cache

from station.i18n import N_, translate

SITE_NAME = N_("Lai Chau Radio and Television")
WORDS: dict[str, str] = {
    "site": SITE_NAME,
    "skip": N_("Skip to the content"),
    "latest": N_("Latest reports"),
    "by_channel": N_("By channel"),
    "subtitles": N_("Subtitles"),
    "subtitles_off": N_("Off"),
    "transcript": N_("Transcript"),
    "summary": N_("In brief"),
    "embed": N_("Embed this report on your site"),
    "embed_code": N_("Embed code"),
    "feeds": N_("Feeds"),
    "podcasts": N_("Podcasts"),
    "published": N_("Published"),
    "duration": N_("Duration"),
    "home": N_("Home page"),
    "no_reports": N_("Nothing is published yet."),
    "no_transcript": N_("No transcript yet."),
    "player": N_("Player"),
    "download": N_("Download the file"),
    "channel_feed": N_("Reports of channel {channel}"),
    "podcast_of": N_("Podcast {programme}"),
    "site_description": N_("Reports of Lai Chau Radio and Television, with subtitles in the "
                           "province's languages"),
}


@cache
def words(lang: str) -> dict[str, str]:
    """Every fixed word of the site in ``lang`` ("vi" or "en")."""
    return {key: translate(text, lang) for key, text in WORDS.items()}
