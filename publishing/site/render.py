"""The site's templates rendered with plain Jinja2 (no Flask): the same in tests and export.

The pages link relatively inside the site (so the folder works under any address and from
disk); only what a standard asks to be absolute (canonical, Open Graph, JSON-LD, oEmbed) uses
site_url. The fonts of the subtitle languages on the site are copied into ``assets/fonts``
with an @font-face each (docs/publishing.md "Fonts"); Latin-script languages, Vietnamese
included, use the reader's own fonts, which all cover Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.orm import Session

from publishing.site import files, sitemap
from publishing.site.labels import words
from publishing.site.pages import TEMPLATE_VERSION, Entry, page_context, subtitle_files
from station.timecode import to_local
from subtitles.fonts import DEFAULT_FAMILY, family_for, font_file

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
LOGO = PACKAGE.parent / "assets" / "img" / "logo.png"
LATEST = 24
PER_CHANNEL = 12


def templates_fingerprint() -> str:
    """What every page is made from besides its report: the templates, the static files,
    the site's words in both languages and TEMPLATE_VERSION. A change renders every page."""
    digest = hashlib.sha256(str(TEMPLATE_VERSION).encode())
    for folder in (TEMPLATES, STATIC):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(PACKAGE).as_posix().encode())
                digest.update(path.read_bytes())
    digest.update(json.dumps([words("vi"), words("en")], sort_keys=True).encode())
    return digest.hexdigest()


def local_time(moment: dt.datetime) -> str:
    """A time as the province reads it: Asia/Ho_Chi_Minh, day first."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return to_local(aware).strftime("%d/%m/%Y %H:%M")


def clock(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def font_css(languages: Iterable[str], fonts_dir: Path) -> tuple[bytes, set[str]]:
    """@font-face and a rule per language whose font is not the default, and the files."""
    faces: dict[str, str] = {}
    rules = []
    copied: set[str] = set()
    for language in sorted(set(languages)):
        family = family_for(language)
        if family == DEFAULT_FAMILY:
            continue
        path = font_file(family)
        if path is None:
            continue
        if family not in faces:
            files.place_file(path, fonts_dir / path.name)
            copied.add(path.name)
            kind = "opentype" if path.suffix.lower() == ".otf" else "truetype"
            faces[family] = (f'@font-face {{ font-family: "{family}"; '
                             f'src: url("fonts/{path.name}") format("{kind}"); '
                             f'font-display: swap; }}')
        rules.append(f'[lang="{language}"] {{ font-family: "{family}", sans-serif; }}')
    css = "/* Subtitle fonts of the languages on the site (generated). */\n" + \
        "\n".join([*faces.values(), *rules]) + "\n"
    return css.encode(), copied


class SiteRenderer:
    """The Jinja2 environment of the public site and what it writes."""

    def __init__(self) -> None:
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                      autoescape=True, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(w=words("vi"), en=words("en"), local=local_time)

    def page(self, name: str, context: dict[str, Any]) -> bytes:
        return self.env.get_template(name).render(**context).encode("utf-8")

    def report_files(self, session: Session, out_dir: Path, entry: Entry,
                     site_url: str) -> set[str]:
        """Write a report's page, embed page, oEmbed and subtitles; return their names."""
        folder_files: dict[str, bytes] = {}
        subtitles = subtitle_files(session, entry)
        for language, (vtt, _texts) in subtitles.items():
            folder_files[f"{language}.vtt"] = vtt
        context = page_context(entry, site_url, {k: v[1] for k, v in subtitles.items()})
        context.update(embed=sitemap.embed_code(entry, site_url),
                       published_local=local_time(entry.published_at),
                       duration=clock(entry.duration_s))
        folder_files["index.html"] = self.page("report.html", context)
        folder_files["embed.html"] = self.page("embed.html", context)
        folder_files["oembed.json"] = sitemap.oembed_json(entry, site_url)
        for name, data in folder_files.items():
            files.write_bytes(out_dir / entry.path / name, data)
        return set(folder_files)

    def index(self, entries: Sequence[Entry], channels: list[tuple[str, str]],
              by_channel: list[tuple[str, str, list[Entry]]],
              podcasts: list[tuple[str, str, str]], site_url: str) -> bytes:
        return self.page("index.html", {
            "root": "", "site_url": site_url, "latest": list(entries[:LATEST]),
            "channels": channels, "podcasts": podcasts,
            "by_channel": [(c, n, items[:PER_CHANNEL]) for c, n, items in by_channel]})

    def assets(self, folder: Path, languages: set[str]) -> None:
        """The stylesheet, the player script, the logo and the subtitle fonts."""
        for name in ("site.css", "player.js"):
            files.write_bytes(folder / name, (STATIC / name).read_bytes())
        files.place_file(LOGO, folder / "logo.png")
        css, copied = font_css(languages, folder / "fonts")
        files.write_bytes(folder / "fonts.css", css)
        files.prune(folder / "fonts", copied)
