"""Subtitle QC: every check by its stable id, messages with value and limit, safe autofix.

Limits are the channel defaults from docs/standards.md "Subtitle rules" (Netflix, BBC).
"""

from __future__ import annotations

import string
import unicodedata
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.errors import ValidationError
from station.i18n import catalogue
from subtitles import qc
from subtitles.cues import Cue, Rules, Word
from subtitles.qc import CHECKS, QCContext, autofix, check, number_values, summary
from subtitles.segment import segment

RULES = Rules()

EXPECTED_IDS = {"cpl", "lines", "cps", "min_duration", "max_duration", "min_gap", "overlap",
                "outside_media", "empty", "untranslated", "nfc", "font", "numbers",
                "glossary", "whisper_flag"}


def ctx(**kwargs: Any) -> QCContext:
    return QCContext(rules=RULES, **kwargs)


def ids(findings: list[qc.Finding]) -> list[str]:
    return [f.check for f in findings]


def only(cues: list[Cue], check_id: str, **kwargs: Any) -> list[qc.Finding]:
    return check(cues, ctx(**kwargs), only=[check_id])


GOOD = [
    Cue(0, 2000, "Xin chào quý vị."),
    Cue(2080, 5000, "Đây là bản tin thời sự\ncủa Đài Lai Châu."),
]


# ---- registry -------------------------------------------------------------------------------


def test_registry_has_the_stable_ids_with_valid_severities() -> None:
    assert set(CHECKS) >= EXPECTED_IDS
    for check_id, registered in CHECKS.items():
        assert registered.id == check_id
        assert registered.severity in qc.SEVERITIES
        assert registered.title


def test_every_message_and_title_has_a_vietnamese_translation_with_the_same_fields() -> None:
    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    vi = catalogue("vi")
    for registered in CHECKS.values():
        for english in (registered.message, registered.title):
            assert english in vi, english
            assert fields(english) == fields(vi[english]), english


def test_clean_cues_have_no_findings() -> None:
    assert check(GOOD, ctx(media_duration_ms=6000)) == []


def test_only_runs_the_named_checks() -> None:
    cues = [Cue(0, 300, "x" * 50)]
    assert ids(check(cues, ctx(), only="cpl")) == ["cpl"]
    assert ids(check(cues, ctx(), only=["min_duration", "cpl", "cpl"])) == ["cpl", "min_duration"]


def test_unknown_check_id_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        check(GOOD, ctx(), only=["nope"])
    assert "nope" in str(raised.value)


def test_findings_are_ordered_by_cue_then_registry_and_summarised() -> None:
    cues = [Cue(0, 300, ""), Cue(200, 9000, "x" * 50)]
    findings = check(cues, ctx())
    assert [(f.cue_index, f.check) for f in findings] == [
        (0, "min_duration"), (0, "empty"),
        (1, "cpl"), (1, "max_duration"), (1, "overlap"),
    ]
    counts = summary(findings)
    assert counts["total"] == 5
    assert counts["by_severity"] == {"error": 3, "warning": 2, "info": 0}
    assert counts["by_check"]["cpl"] == 1


# ---- layout and timing ----------------------------------------------------------------------


def test_cpl_names_the_line_its_length_and_the_limit() -> None:
    long_line = "Ủy ban nhân dân tỉnh Lai Châu tổ chức hội nghị tổng kết"  # 55
    [finding] = only([Cue(0, 4000, "Xin chào\n" + long_line)], "cpl")
    assert finding.severity == "error" and finding.cue_index == 0
    assert finding.params == {"line": 2, "chars": 55, "limit": 42}
    assert finding.text() == "Line 2 has 55 characters (limit 42)"
    assert finding.text("vi") == "Dòng 2 có 55 ký tự (giới hạn 42)"


def test_cpl_counts_nfc_characters_not_code_points() -> None:
    text = unicodedata.normalize("NFD", "Việt " * 8).strip()  # 39 NFC, 47 NFD
    assert only([Cue(0, 4000, text)], "cpl") == []


def test_cpl_follows_the_channel_rules() -> None:
    cues = [Cue(0, 4000, "x" * 40)]
    assert only(cues, "cpl") == []
    findings = check(cues, QCContext(rules=Rules(max_chars_per_line=37)), only=["cpl"])
    assert findings[0].params["limit"] == 37


def test_lines() -> None:
    [finding] = only([Cue(0, 6000, "một\nhai\nba")], "lines")
    assert finding.severity == "error"
    assert finding.text() == "Cue has 3 lines (limit 2)"


def test_cps_reports_the_reading_speed_with_a_decimal_comma_in_vietnamese() -> None:
    [finding] = only([Cue(0, 2000, "Tổng sản phẩm trên địa bàn tăng 8,5%")], "cps")
    assert finding.severity == "warning"
    assert finding.params == {"cps": 18.0, "limit": 17}
    assert finding.text() == "Reading speed is 18 characters per second (limit 17)"
    slow = [Cue(0, 2300, "Tổng sản phẩm trên địa bàn tăng 8,5%!")]
    assert only(slow, "cps") == []
    fast = [Cue(0, 1000, "Tổng sản phẩm tăng")]
    assert only(fast, "cps")[0].text("vi") == "Tốc độ đọc 18 ký tự/giây (giới hạn 17)"
    quick = [Cue(0, 2000, "Tổng sản phẩm trên địa bàn tăng 8,5 %")]
    assert only(quick, "cps")[0].text("vi") == "Tốc độ đọc 18,5 ký tự/giây (giới hạn 17)"


def test_min_and_max_duration() -> None:
    [short] = only([Cue(0, 500, "Vâng.")], "min_duration")
    assert short.severity == "warning"
    assert short.text() == "Cue lasts 500 ms (minimum 833 ms)"
    assert only([Cue(0, 833, "Vâng.")], "min_duration") == []
    [long] = only([Cue(0, 7040, "Vâng.")], "max_duration")
    assert long.text() == "Cue lasts 7040 ms (maximum 7000 ms)"
    assert only([Cue(0, 7000, "Vâng.")], "max_duration") == []


def test_time_running_backwards_is_an_error() -> None:
    [finding] = only([Cue(2000, 1500, "Vâng.")], "timing")
    assert finding.severity == "error"
    assert finding.params == {"start_ms": 2000, "end_ms": 1500}


def test_min_gap_and_overlap() -> None:
    cues = [Cue(0, 1000, "một"), Cue(1040, 2000, "hai"), Cue(1900, 3000, "ba"),
            Cue(3080, 4000, "bốn")]
    [gap] = only(cues, "min_gap")
    assert (gap.cue_index, gap.severity) == (1, "warning")
    assert gap.text() == "Gap before this cue is 40 ms (minimum 80 ms)"
    [overlap] = only(cues, "overlap")
    assert (overlap.cue_index, overlap.severity) == (2, "error")
    assert overlap.params == {"overlap_ms": 100}


def test_outside_media() -> None:
    cues = [Cue(-40, 1000, "một"), Cue(5000, 6500, "hai")]
    findings = only(cues, "outside_media", media_duration_ms=6000)
    assert [(f.cue_index, f.severity) for f in findings] == [(0, "error"), (1, "error")]
    assert findings[1].text() == "Cue ends at 6500 ms, after the media ends at 6000 ms"
    assert "-40 ms" in findings[0].text()
    assert only(cues[1:], "outside_media") == []  # no media duration known


def test_empty() -> None:
    [finding] = only([Cue(0, 1000, " \n ")], "empty")
    assert finding.severity == "error"
    assert finding.text("vi") == "Câu không có chữ"


# ---- text -----------------------------------------------------------------------------------


def test_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Lai Châu")
    [finding] = only([Cue(0, 1000, decomposed)], "nfc")
    assert finding.severity == "warning"
    assert finding.params == {"length": 9, "nfc_length": 8}
    assert only([Cue(0, 1000, "Lai Châu")], "nfc") == []


def test_font_coverage_reports_each_missing_character() -> None:
    def dejavu_like(ch: str) -> bool:  # covers Vietnamese, not Tai Viet
        return not "\uaa80" <= ch <= "\uaadf"

    cues = [Cue(0, 2000, "Chào ꪼꪕ ꪼꪕ"), Cue(2100, 4000, "Lai Châu")]
    [finding] = only(cues, "font", font_coverage=dejavu_like)
    assert finding.severity == "error" and finding.cue_index == 0
    assert finding.params["count"] == 2
    assert "ꪼ (U+AABC)" in finding.text()
    assert only(cues, "font") == []  # no coverage known: assume the font is fine


# ---- translation ----------------------------------------------------------------------------

SOURCE = [
    Cue(0, 3000, "Năm 2026, tỉnh Lai Châu trồng mới 1.000 ha chè Shan tuyết."),
    Cue(3080, 6000, "Tỷ lệ hộ nghèo giảm còn 15%."),
    Cue(6080, 8000, "Lai Châu"),
]


def test_untranslated_identical_or_empty_or_missing() -> None:
    target = [
        Cue(0, 3000, "Năm 2026, tỉnh Lai Châu trồng mới 1.000 ha chè Shan tuyết."),
        Cue(3080, 6000, ""),
        Cue(6080, 8000, "Lai Châu"),  # a name: fine untranslated
    ]
    findings = only(target, "untranslated", source=SOURCE, language="en")
    assert [(f.cue_index, f.message) for f in findings] == [
        (0, "Text is identical to the source ({chars} characters)"),
        (1, "Translation is empty; the source has {chars} characters"),
    ]
    missing = only(target[:1], "untranslated", source=SOURCE, language="en")
    assert {f.cue_index for f in missing} == {None, 0}
    assert any(f.params.get("source_number") == 2 for f in missing)


def test_untranslated_needs_a_source_and_another_language() -> None:
    assert only(SOURCE, "untranslated") == []
    assert only(SOURCE, "untranslated", source=SOURCE, language="vi-VN") == []


def test_numbers_across_vietnamese_and_english_formats() -> None:
    target = [
        Cue(0, 3000, "In 2026, Lai Chau planted 1,000 hectares of new Shan Tuyet tea."),
        Cue(3080, 6000, "The poverty rate fell to 15 %."),
    ]
    assert only(target, "numbers", source=SOURCE, language="en") == []
    wrong = [Cue(0, 3000, "In 2025, Lai Chau planted 100 hectares of tea."), target[1]]
    [finding] = only(wrong, "numbers", source=SOURCE, language="en")
    assert finding.cue_index == 0 and finding.severity == "warning"
    assert finding.params == {"count": 2, "total": 2, "numbers": "2026, 1.000"}
    assert finding.text() == (
        "2 of 2 numbers in the source are missing from the translation: 2026, 1.000")


def test_number_values_read_both_conventions() -> None:
    assert 1000 in number_values("1.000") and 1000 in number_values("1,000")
    assert number_values("8,5") == number_values("8.5")
    assert 1234.5 in {float(v) for v in number_values("1.234,5")}
    assert 1234.5 in {float(v) for v in number_values("1,234.5")}
    assert 15000 in number_values("15\u00a0000")
    assert number_values("2026") == {2026}


def test_numbers_follow_a_split_translation() -> None:
    source = [Cue(0, 6000, "Tỉnh có 1.200 hộ dân và 35 bản đặc biệt khó khăn.")]
    target = [Cue(0, 2900, "The province has 1,200 households"),
              Cue(2980, 6000, "and 35 very poor villages.")]
    assert only(target, "numbers", source=source, language="en") == []


def test_glossary_terms_need_their_approved_translation() -> None:
    glossary = {"Shan tuyết": {"en": "Shan Tuyet"}, "hộ nghèo": {"en": "poor households"},
                "Ủy ban nhân dân": {"en": "People's Committee", "fr": "Comité populaire"}}
    target = [
        Cue(0, 3000, "In 2026, Lai Chau planted 1,000 hectares of new shan tuyet tea."),
        Cue(3080, 6000, "The poverty rate fell to 15%."),
    ]
    [finding] = only(target, "glossary", source=SOURCE, language="en-GB", glossary=glossary)
    assert (finding.cue_index, finding.severity) == (1, "warning")
    assert finding.params == {"term": "hộ nghèo", "approved": "poor households"}
    assert finding.text("vi") == (
        "Thuật ngữ \u201chộ nghèo\u201d phải được dịch là \u201cpoor households\u201d")
    assert only(target, "glossary", source=SOURCE, language="ja", glossary=glossary) == []


# ---- Whisper doubts -------------------------------------------------------------------------


def test_whisper_flags_warn_until_reviewed() -> None:
    cues = [Cue(0, 2000, "Hãy đăng ký kênh", flags=("artefact", "no_speech"))]
    [finding] = only(cues, "whisper_flag")
    assert finding.severity == "warning"
    assert finding.text() == "Flagged for review by the transcription guards: artefact, no_speech"
    assert finding.text("vi") == ("Cần kiểm tra lại do nghi vấn khi nhận dạng giọng nói: "
                                  "Ảo giác của Whisper, Không có lời")
    assert only(cues, "whisper_flag", reviewed_flags=True) == []


def test_low_confidence_words_are_information() -> None:
    words = (Word("Mường", 0, 300, 0.31), Word("Tè", 300, 600, 0.92))
    cues = [Cue(0, 1000, "Mường Tè", words=words)]
    [finding] = only(cues, "low_confidence")
    assert finding.severity == "info"
    assert finding.text() == "1 of 2 words have recognition confidence below 0.5"
    assert finding.text("vi") == "1 trên 2 từ có độ tin cậy nhận dạng dưới 0,5"


# ---- segmentation output passes ------------------------------------------------------------


def test_segmented_news_has_no_errors() -> None:
    text = ("Sáng nay, tại thành phố Lai Châu, Ủy ban nhân dân tỉnh đã tổ chức hội nghị tổng "
            "kết công tác năm 2025 và triển khai nhiệm vụ năm 2026. Phát biểu tại hội nghị, "
            "đồng chí Chủ tịch nhấn mạnh những kết quả quan trọng của tỉnh.")
    words = []
    t = 0
    for token in text.split():
        words.append(Word(" " + token, t, t + 60 * len(token) + 60))
        t += 60 * len(token) + 100
    cues = segment(words, RULES)
    findings = check(cues, ctx(media_duration_ms=t + 2000))
    assert summary(findings)["by_severity"]["error"] == 0
    assert not {"cpl", "lines", "min_gap", "overlap", "min_duration"} & set(ids(findings))


# ---- autofix --------------------------------------------------------------------------------


def test_autofix_normalises_text_only_by_nfc_and_spaces() -> None:
    cues = [Cue(0, 2000, unicodedata.normalize("NFD", "  Lai  Châu \n\n tươi đẹp "))]
    fixed, notes = autofix(cues, ctx())
    assert fixed[0].text == "Lai Châu\ntươi đẹp"
    assert notes == ["Cue 1: text normalised to NFC with tidy spaces"]
    assert only(fixed, "nfc") == []


def test_autofix_pulls_ends_back_for_the_gap_when_safe() -> None:
    cues = [Cue(0, 2000, "một"), Cue(2000, 4000, "hai"),  # chained: pull back 80 ms
            Cue(4000, 4900, "ba"), Cue(4100, 6000, "bốn")]  # 800 ms overlap: not safe
    fixed, notes = autofix(cues, ctx())
    assert fixed[0].end_ms == 1920
    assert fixed[1].end_ms == 3920
    assert fixed[2].end_ms == 4900  # left for a person: cutting it would leave 20 ms
    assert notes[0] == "Cue 1: end pulled back by 80 ms to keep a 80 ms gap"
    assert ids(check(fixed, ctx(), only=["min_gap", "overlap"])) == ["overlap"]


def test_autofix_extends_short_cues_into_free_time_only() -> None:
    cues = [Cue(0, 400, "Vâng."), Cue(600, 2000, "Dạ, đúng vậy."),
            Cue(5000, 5300, "Cảm ơn."), Cue(9500, 9800, "Chào.")]
    fixed, notes = autofix(cues, ctx(media_duration_ms=10_000))
    assert fixed[0].end_ms == 520  # up to the next cue minus the 80 ms gap
    assert fixed[2].end_ms == 5833  # the full minimum in free time
    assert fixed[3].end_ms == 10_000  # never past the end of the media
    assert [c.text for c in fixed] == [c.text for c in cues]
    assert len(notes) == 3
    _, notes_vi = autofix(cues, ctx(media_duration_ms=10_000), lang="vi")
    assert notes_vi[1] == "Câu 3: đã kéo dài từ 300 ms lên 833 ms"


def test_autofix_keeps_words_and_flags() -> None:
    words = (Word("Vâng.", 0, 300, 0.4),)
    cues = [Cue(0, 300, "Vâng.", flags=("low_confidence",), words=words)]
    fixed, _ = autofix(cues, ctx())
    assert fixed[0].words == words and fixed[0].flags == ("low_confidence",)
    assert fixed[0].end_ms == 833


_cue_spec = st.tuples(
    st.integers(0, 3000),  # start after the previous cue's start
    st.integers(1, 9000),  # duration
    st.sampled_from(["Vâng.", "  Lai  Châu ", unicodedata.normalize("NFD", "Mường Tè"),
                     "Xin chào\n\nquý vị", "Tổng sản phẩm tăng 8,5%"]),
)


@settings(max_examples=200, deadline=None)
@given(specs=st.lists(_cue_spec, min_size=1, max_size=30), media_extra=st.integers(-500, 3000))
def test_autofix_properties(specs: list[tuple[int, int, str]], media_extra: int) -> None:
    cues: list[Cue] = []
    t = 0
    for offset, duration, text in specs:
        t += offset
        cues.append(Cue(t, t + duration, text))
    media = max(c.end_ms for c in cues) + media_extra
    context = ctx(media_duration_ms=media)
    fixed, _ = autofix(cues, context)
    assert len(fixed) == len(cues)
    for before, after in zip(cues, fixed, strict=True):
        assert after.start_ms == before.start_ms
        assert after.end_ms > after.start_ms
        assert after.text.split() == unicodedata.normalize("NFC", before.text).split()
        if before.end_ms <= media:
            assert after.end_ms <= media
    for (b0, b1), (a0, a1) in zip(pairwise(cues), pairwise(fixed), strict=True):
        if b1.start_ms - b0.end_ms >= RULES.min_gap_ms:
            assert a1.start_ms - a0.end_ms >= RULES.min_gap_ms  # never makes a gap worse
    assert autofix(fixed, context) == (fixed, [])  # a second click changes nothing
    timing = {"min_gap", "overlap"}
    assert (sum(f.check in timing for f in check(fixed, context))
            <= sum(f.check in timing for f in check(cues, context)))
