"""Vietnamese first, English too: gettext catalogues, English source text in the code.

Messages are written in English where they are raised or shown (errors, pages, QC, job steps);
the catalogues a translator opens and edits are ``station/translations/<lang>/LC_MESSAGES/
messages.po``: Vietnamese for every message, English labels for the internal codes a page
shows (statuses, roles, job kinds). ``make i18n`` adds new messages found in the code to the
catalogues (untranslated), and tests/unit/test_catalogue.py fails while any message of the
code has no Vietnamese, or a translation drops or invents a ``{placeholder}`` (docs/i18n.md).
A message missing at run time falls back to its English source rather than failing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
CATALOGUES = Path(__file__).resolve().parent / "translations"


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is defined (a label in a table, a column
    heading); it is translated where it is shown, in the reader's language."""
    return message


def catalogue_path(lang: str) -> Path:
    return CATALOGUES / lang / "LC_MESSAGES" / "messages.po"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The translated, non-fuzzy entries of ``lang``'s catalogue, read once per process."""
    from babel.messages.pofile import read_po

    with open(catalogue_path(lang), "rb") as handle:
        entries = read_po(handle, locale=lang)
    return {str(m.id): str(m.string) for m in entries
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def translate(text: str, lang: str) -> str:
    """The text in ``lang``: Vietnamese from its catalogue, English labels for codes."""
    return catalogue("vi" if lang == "vi" else "en").get(text, text)


def language_name(tag: str | None, lang: str) -> str:
    """A language tag as people read it in ``lang``: "Tiếng Pháp (fr)", "French (fr)".

    A bare tag ("fr") is an internal code; the name comes from CLDR (Babel), with the tag
    kept after it so translators still see which track it is. Tags CLDR does not name
    (minority languages such as "blt") are shown as they are.
    """
    if not tag:
        return "–"
    from babel import Locale, UnknownLocaleError

    base = tag.replace("_", "-").split("-")[0]
    try:
        name = Locale.parse("vi" if lang == "vi" else "en").languages.get(base)
    except (UnknownLocaleError, ValueError):
        name = None
    if not name:
        return tag
    return f"{name[:1].upper()}{name[1:]} ({tag})"
