"""Vietnamese-first text helpers: NFC everywhere, and a fold for diacritic-blind search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str | None) -> str:
    """Normalise to NFC and trim: "Việt" must be 4 code points wherever it is stored."""
    if text is None:
        return ""
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str | None) -> str:
    """Lowercase and strip diacritics so "lai chau" finds "Lai Châu" (đ matches d)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d")
    return _SPACES.sub(" ", stripped).strip()


def file_name(text: str | None, *, fallback: str = "file", max_length: int = 200) -> str:
    """A file name people gave, safe to store and to send in a header: NFC, no control or
    format characters (CR/LF or NUL would break Content-Disposition), no path, not empty."""
    name = unicodedata.normalize("NFC", text or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
                   for ch in name)
    name = _SPACES.sub(" ", name).strip(" .")
    return name[:max_length] or fallback


def ascii_slug(text: str, *, sep: str = "_", max_length: int = 60) -> str:
    """ASCII file-name part without diacritics (delivery names must be ASCII, docs/standards.md)."""
    folded = fold(text)
    slug = re.sub(r"[^a-z0-9]+", sep, folded).strip(sep)
    return slug[:max_length].strip(sep) or "untitled"


def human_size(n: int | None) -> str:
    """Bytes for people, in decimal units as file managers show them ("6.2 MB")."""
    if n is None:
        return "–"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"
