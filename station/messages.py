"""Translatable messages: an English template and its parameters, shown in the reader's language.

Errors, a subtitle reader's notes, a package's verification problems, QC findings, schedule
findings and workflow reasons are all written where they happen, in English, and read later
in Vietnamese or English (on a page, in the CLI, in a job's stored failure). They share one
type and one renderer, so they share the same rules (docs/i18n.md "Messages"):

- the template is looked up in the gettext catalogue of the reader's language;
- parameters that hold codes (``status``, ``source``, ``target``, and the lists ``allowed``
  and ``flags``) are shown by their label, the way pages show statuses;
- decimals lose a trailing ".0" and Vietnamese writes them with a comma (17,5);
- a parameter that is itself a message (or a list of them, the reasons of a refusal) is
  shown in the same language, lists joined with "; ";
- a translation that does not fit its parameters falls back to the English text, logged,
  rather than failing the page that shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

# Parameters that carry an internal code (a status, a transition's ends, QC flags) rather
# than text: the catalogue holds their labels.
CODE_PARAMS = frozenset({"status", "source", "target"})
LIST_SEPARATOR = "; "


def render(template: str, lang: str = "en", params: Mapping[str, Any] | None = None) -> str:
    """``template`` in ``lang`` with ``params`` shown by the rules above."""
    from station.i18n import translate

    params = params or {}
    text = translate(template, lang)
    try:
        return text.format(**{key: _shown(key, value, lang) for key, value in params.items()})
    except (KeyError, IndexError, ValueError):
        log.warning("message template %r does not fit its parameters in %s", text, lang)
        try:
            return template.format(**{key: _shown(key, value, "en")
                                      for key, value in params.items()})
        except (KeyError, IndexError, ValueError):
            return template


def _shown(key: str, value: Any, lang: str) -> Any:
    from station.i18n import translate

    if hasattr(value, "message") and callable(value.message):  # a Message or a StationError
        return value.message(lang)
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if lang == "vi" else text
    if isinstance(value, str):
        if key in CODE_PARAMS:
            return translate(value, lang)
        if key == "allowed" or (key == "flags" and lang != "en"):  # lists of codes;
            # English keeps the transcription guards' own flag names
            return ", ".join(translate(code, lang) for code in value.split(", "))
    return value


class Message(str):
    """A message for a person: reads as its English text, renders in any language.

    A ``str`` so that it can be logged, compared, stored in JSON and joined like the plain
    text it replaced; its template and parameters survive pickling (a queued job's notes
    stay translatable) and are what :meth:`message` renders.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Message:
        params = {key: _joined(value) for key, value in params.items()}
        message = super().__new__(cls, render(template, "en", params))
        message.template = template
        message.params = params
        return message

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        return (self.template,), self.params

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (English when the catalogue has no translation)."""
        return render(self.template, lang, self.params)

    def as_json(self) -> dict[str, Any]:
        """Template and parameters, for a job's stored failure or an API error."""
        return {"template": self.template, "params": self.params}


def _joined(value: Any) -> Any:
    """A list of messages (a refusal's reasons) as one message-like value, or ``value``."""
    if isinstance(value, list | tuple) and value and all(
            callable(getattr(item, "message", None)) for item in value):
        return Joined(value)
    return value


class Joined(str):
    """Several messages shown as one parameter, each in the reader's language, "; " between.

    Reads as the English list, so a stored or logged parameter stays plain text."""

    parts: tuple[Any, ...]

    def __new__(cls, parts: Any) -> Joined:
        joined = super().__new__(cls, LIST_SEPARATOR.join(part.message("en") for part in parts))
        joined.parts = tuple(parts)
        return joined

    def __getnewargs__(self) -> tuple[tuple[Any, ...]]:
        return (self.parts,)

    def message(self, lang: str = "en") -> str:
        return LIST_SEPARATOR.join(part.message(lang) for part in self.parts)
