"""The kernel's message, registry and event shapes (station/messages.py, registry.py,
events.py): what every error, note, finding and gate reason relies on."""

from __future__ import annotations

import pickle

import pytest

from station import events
from station.errors import NotFound, ValidationError
from station.messages import Message, render
from station.registry import Registry


def test_a_message_reads_as_english_and_renders_in_vietnamese() -> None:
    note = Message("Read as {encoding}", encoding="windows-1258")
    assert note == "Read as windows-1258"  # a str: logs, JSON and comparisons keep working
    assert note.message("vi") != note.message("en")
    assert "windows-1258" in note.message("vi")


def test_codes_are_shown_by_their_label_and_decimals_by_the_readers_rule() -> None:
    text = "The {language} subtitles are not approved (status {status})"
    assert render(text, "en", {"language": "vi", "status": "draft"}).endswith("(status Draft)")
    assert "(trạng thái Bản nháp)" in render(text, "vi", {"language": "vi", "status": "draft"})
    assert render("Reading speed is {cps} characters per second (limit {limit})", "vi",
                  {"cps": 17.5, "limit": 17}).count("17,5") == 1
    assert "18 characters" in render(
        "Reading speed is {cps} characters per second (limit {limit})", "en",
        {"cps": 18.0, "limit": 17})


def test_a_refusal_shows_its_reasons_in_the_readers_language() -> None:
    reasons = [Message("No {language} subtitles yet", language="en"),
               ValidationError("The report has no ingested master media yet")]
    refusal = NotFound("Cannot build the {channel} package: {reasons}", channel="VTV4",
                       reasons=reasons)
    english, vietnamese = refusal.message("en"), refusal.message("vi")
    assert english == ("Cannot build the VTV4 package: No en subtitles yet; "
                       "The report has no ingested master media yet")
    for reason in reasons:
        assert reason.message("vi") in vietnamese
    assert reasons[0].message("vi") != reasons[0].message("en")


def test_a_translation_that_does_not_fit_falls_back_to_english() -> None:
    assert render("Missing file: {name}", "vi", {}) == "Missing file: {name}"
    assert render("Missing file: {name}", "en", {"name": "a.srt"}) == "Missing file: a.srt"


def test_a_message_survives_pickling_with_its_template() -> None:
    note = pickle.loads(pickle.dumps(Message("Read as {encoding}", encoding="cp1258")))
    assert note.template == "Read as {encoding}" and note.params == {"encoding": "cp1258"}
    assert note.message("vi") == Message("Read as {encoding}", encoding="cp1258").message("vi")


def test_a_registry_refuses_an_unknown_name_listing_the_known_ones() -> None:
    exports: Registry[str] = Registry("Unknown export format {name}; use one of {names}")
    exports.add("docx", "a")
    exports.decorator("pdf")("b")
    assert list(exports) == ["docx", "pdf"] and exports.lookup("pdf") == "b"
    with pytest.raises(ValidationError) as refused:
        exports.lookup("odt")
    assert refused.value.message("en") == "Unknown export format odt; use one of docx, pdf"
    assert "odt" in refused.value.message("vi") and "docx, pdf" in refused.value.message("vi")


def test_events_reach_every_handler_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "HANDLERS", Registry())
    monkeypatch.setattr(events, "_loaded", True)
    heard: list[tuple[str, object]] = []
    events.on("test.happened")(lambda session, *, actor, what: heard.append(("a", what)))
    events.on("test.happened")(lambda session, *, actor, what: heard.append(("b", what)))
    events.emit(None, "test.happened", actor=None, what=7)
    events.emit(None, "test.nothing_listens", actor=None)
    assert heard == [("a", 7), ("b", 7)]
