"""Find the messages Station's code and templates show people, the way gettext tools do.

Messages are English source text in gettext calls (``_``, ``gettext``), in the errors the
domains raise (``ValidationError("...")`` and its siblings: their template is the message)
and in ``{{ _("...") }}`` in the templates. ``make i18n`` adds what is new to the catalogues
(untranslated, for a translator) and tests/unit/test_catalogue.py fails on what has no
Vietnamese (docs/i18n.md). Needs Babel, which also reads the catalogues.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("station", "production", "subtitles", "schedule", "planning", "delivery", "publishing",
            "results", "web")
# Calls with a message shown to a person, and which argument it is (None: the first).
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    name: None for name in (
        "_", "gettext", "StationError", "ValidationError", "NotFound", "PermissionDenied",
        "Conflict", "WorkflowError", "MediaError", "TooLarge", "JobError", "Unauthorized",
        "GateRefused", "SubtitleFormatError", "NotPublishable", "ClipUnavailable", "ClipWithdrawn",
        "ClipRenderFailed", "Message", "Registry")}
KEYWORDS["N_"] = None  # marked for extraction, translated where shown
KEYWORDS["Reason"] = (2,)  # workflow gates: Reason(gate, message, params)
KEYWORDS["register"] = (3,)  # QC checks and schedule rules: register(id, severity, message)


def extract() -> dict[str, list[str]]:
    """Every message found, with where it was found (``path:line``)."""
    from babel.messages.extract import extract_from_file
    from jinja2.ext import babel_extract

    found: dict[str, list[str]] = {}

    def add(message: object, where: str) -> None:
        text = message if isinstance(message, str) else (
            message[0] if isinstance(message, tuple) and message else None)
        if isinstance(text, str) and text.strip():
            found.setdefault(text, []).append(where)

    keywords = KEYWORDS
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for line, message, _comments, _context in extract_from_file(
                    "python", str(path), keywords=keywords):  # type: ignore[arg-type]
                add(message, f"{relative}:{line}")
    for path in sorted((ROOT / "web").rglob("*.html")):
        relative = path.relative_to(ROOT).as_posix()
        with open(path, "rb") as handle:
            for line, _function, message, _comments in babel_extract(
                    handle, ("_", "gettext"), [], {}):
                add(message, f"{relative}:{line}")
    return found


def update_catalogues() -> dict[str, int]:
    """Add the code's new messages to every catalogue, untranslated; keep the rest as is."""
    from babel.messages.pofile import read_po, write_po

    from station.i18n import LANGUAGES, catalogue_path

    found = extract()
    added: dict[str, int] = {}
    for lang in LANGUAGES:
        path = catalogue_path(lang)
        with open(path, "rb") as handle:
            catalogue = read_po(handle, locale=lang)
        count = 0
        for message, where in found.items():
            if message not in catalogue and lang == "vi":
                catalogue.add(message, "", locations=[(path, int(line)) for path, line in
                                                      (w.rsplit(":", 1) for w in where)])
                count += 1
        # Written beside and renamed: a failure never leaves a translator's file half written.
        partial = path.with_suffix(".po.partial")
        with open(partial, "wb") as out:
            write_po(out, catalogue, width=100, sort_output=True)
        partial.replace(path)
        added[lang] = count
    return added


if __name__ == "__main__":
    for lang, count in update_catalogues().items():
        print(f"{lang}: {count} new messages to translate")
