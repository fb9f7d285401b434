"""The translators' catalogues (station/translations/*/LC_MESSAGES/messages.po) cover the code:
every message written in a gettext call, an error or a template has its Vietnamese; no
translation loses or invents a {placeholder}; nothing is left fuzzy; text is NFC. A message
added without its translation fails here (run `make i18n` to add it to the catalogue, then
translate it)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from babel.messages.pofile import read_po

from station import i18n
from station.i18n_extract import extract

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _catalogue(lang: str):  # type: ignore[no-untyped-def]
    with open(i18n.catalogue_path(lang), "rb") as handle:
        return read_po(handle, locale=lang)


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    return extract()


def test_every_message_of_the_code_has_its_vietnamese(found: dict[str, list[str]]) -> None:
    vi = i18n.catalogue("vi")
    missing = {msgid: where[0] for msgid, where in found.items() if msgid not in vi}
    assert not missing, "untranslated (run `make i18n`, then translate in the .po):\n" + \
        "\n".join(f"{where}: {msgid!r}" for msgid, where in sorted(missing.items()))
    assert len(found) > 500  # the extractor really read the code and the templates


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_translations_keep_their_placeholders_and_are_clean(lang: str) -> None:
    bad = []
    for message in _catalogue(lang):
        if not message.id or not message.string:
            continue
        assert not message.fuzzy, f"fuzzy entry {message.id!r}: check it, then drop the flag"
        if sorted(PLACEHOLDER.findall(str(message.id))) != sorted(
                PLACEHOLDER.findall(str(message.string))):
            bad.append(message.id)
        assert unicodedata.is_normalized("NFC", str(message.string)), message.id
    assert bad == []


def test_translate_reads_the_catalogue() -> None:
    assert i18n.translate("Page not found", "vi") == "Không tìm thấy trang"
    assert i18n.translate("in_production", "en") == "In production"
    assert i18n.translate("A sentence nobody wrote", "vi") == "A sentence nobody wrote"
