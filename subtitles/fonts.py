"""Which font shows a language's subtitles, and whether it has every character (QC "font").

Burned-in and previewed subtitles must not show boxes: Tai Viet needs its own font
(docs/standards.md "Channels and languages"), Chinese a CJK font. The font files come from
Debian packages that `make run` installs (fonts-dejavu-core, fonts-noto-core,
fonts-wqy-microhei); fontconfig finds them and fontTools reads their character maps.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_FAMILY = "DejaVu Sans"  # Latin incl. every Vietnamese letter, Cyrillic, Greek
FAMILIES_BY_LANGUAGE = {
    "zh": "WenQuanYi Micro Hei", "ja": "WenQuanYi Micro Hei", "ko": "WenQuanYi Micro Hei",
    "lo": "Noto Sans Lao", "th": "Noto Sans Thai", "km": "Noto Sans Khmer",
}
FAMILIES_BY_SCRIPT = {"Tavt": "Noto Sans Tai Viet", "Laoo": "Noto Sans Lao",
                      "Hans": "WenQuanYi Micro Hei", "Hant": "WenQuanYi Micro Hei"}


def family_for(language: str) -> str:
    """The font family for a BCP-47 tag: the script subtag wins (blt-Tavt -> Tai Viet)."""
    parts = language.split("-")
    for part in parts[1:]:
        if len(part) == 4 and part.title() in FAMILIES_BY_SCRIPT:
            return FAMILIES_BY_SCRIPT[part.title()]
    return FAMILIES_BY_LANGUAGE.get(parts[0].lower(), DEFAULT_FAMILY)


@functools.lru_cache(maxsize=32)
def font_file(family: str) -> Path | None:
    """The installed file of ``family`` (None when fontconfig has no such family)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        out = subprocess.run([fc_match, "-f", "%{family}\t%{file}", family], check=True,
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        log.exception("fc-match failed for %s", family)
        return None
    found_family, _, path = out.partition("\t")
    # fc-match always answers with *some* font; only an exact family match counts.
    if family.lower() not in found_family.lower():
        return None
    return Path(path) if path else None


@functools.lru_cache(maxsize=32)
def _codepoints(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    fonts = TTCollection(str(path)).fonts if path.suffix.lower() == ".ttc" else [
        TTFont(str(path), lazy=True)]
    points: set[int] = set()
    for font in fonts:
        points.update(font.getBestCmap() or {})
        font.close()
    return frozenset(points)


def coverage(language: str) -> Callable[[str], bool]:
    """A test "is this character drawn?" for the language's font plus the default font.

    The default font backs up digits and Latin names inside, say, Lao text; a Tai Viet letter
    in a track tagged without ``-Tavt`` is flagged, so the track gets its proper tag and font.
    """
    points: set[int] = set()
    for family in dict.fromkeys((family_for(language), DEFAULT_FAMILY)):
        path = font_file(family)
        if path is None:
            log.warning("font %s for %s is not installed", family, language)
            continue
        points |= _codepoints(path)
    frozen = frozenset(points)
    return lambda ch: ord(ch) in frozen or ord(ch) < 0x20
