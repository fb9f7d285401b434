"""Glossary terms found in text per script (issue 13): word boundaries where words are
separated by spaces, plain substrings where they are not (Chinese, Japanese), cluster
boundaries in Thai and Lao. One matcher serves the QC check, the transcription's name
correction and the workspace's glossary panel."""

from __future__ import annotations

import unicodedata

import pytest

from subtitles.cues import Cue, Rules
from subtitles.qc import QCContext, check
from subtitles.terms import contains_term, find_term


def glossary_findings(source: str, target: str, language: str,
                      glossary: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    ctx = QCContext(rules=Rules(), source=[Cue(0, 3000, source)], glossary=glossary,
                    language=language)
    return [f.params for f in check([Cue(0, 3000, target)], ctx, only=["glossary"])]


LAI_CHAU = {"Lai Châu": {"en": "Lai Chau", "zh": "莱州", "ja": "ライチャウ",
                         "ru": "Лайтяу", "th": "ลายเจิว", "lo": "ລາຍເຈົາ", "ko": "라이쩌우"}}


# ---- the reported false warning and its Latin twin -------------------------------------------


def test_chinese_term_at_the_start_of_a_cue_is_present() -> None:
    """The report: 'Lai Châu must be translated as 莱州' on a cue that starts with 莱州."""
    assert glossary_findings("Lai Châu đón khách du lịch.", "莱州迎接游客。", "zh",
                             LAI_CHAU) == []
    assert glossary_findings("Tỉnh Lai Châu", "欢迎来到莱州省", "zh-Hans", LAI_CHAU) == []


def test_chinese_term_missing_is_still_a_warning() -> None:
    assert glossary_findings("Lai Châu đón khách.", "该省迎接游客。", "zh", LAI_CHAU) == [
        {"term": "Lai Châu", "approved": "莱州"}]


def test_latin_term_inside_a_longer_word_is_not_present() -> None:
    assert glossary_findings("Lai Châu hôm nay", "Lai Chauxyz today", "en", LAI_CHAU) == [
        {"term": "Lai Châu", "approved": "Lai Chau"}]
    assert glossary_findings("Lai Châu hôm nay", "Lai Chau today", "en", LAI_CHAU) == []
    assert glossary_findings("Lai Châu hôm nay", "(Lai Chau), today", "en", LAI_CHAU) == []


def test_vietnamese_source_term_inside_a_longer_word_is_not_a_use() -> None:
    glossary = {"Sìn Hồ": {"en": "Sin Ho"}}
    assert glossary_findings("Sìn Hồng là tên một bản", "Sin Hong is a village", "en",
                             glossary) == []
    assert glossary_findings("Huyện Sìn Hồ", "The district", "en", glossary) == [
        {"term": "Sìn Hồ", "approved": "Sin Ho"}]


# ---- the matcher, script by script -------------------------------------------------------------


def test_latin_with_vietnamese_diacritics_in_nfc_and_any_case() -> None:
    decomposed = unicodedata.normalize("NFD", "Chào mừng đến LAI CHÂU.")
    assert contains_term(decomposed, "Lai Châu")
    assert contains_term("lai  châu\nhôm nay", "Lai Châu")  # spaces and line breaks
    assert not contains_term("Lai Chau", "Lai Châu")  # diacritics count
    assert not contains_term("Lai Châuu", "Lai Châu")
    assert not contains_term("XLai Châu", "Lai Châu")
    assert contains_term("Lai Châu's tea", "Lai Châu")
    assert contains_term("“Lai Châu”", "Lai Châu")
    assert contains_term("Lai Châu2026", "Lai Châu") is False  # a digit continues the word


def test_diacritic_blind_matching_for_unaccented_input() -> None:
    assert contains_term("Ruộng bậc thang MUONG TE", "Mường Tè", fold_diacritics=True)
    assert not contains_term("MUONG TEN", "Mường Tè", fold_diacritics=True)


def test_spans_point_into_the_nfc_text() -> None:
    text = "Từ Lai Chau đến Lai Chau."
    assert [text[a:b] for a, b in find_term(text, "lai chau")] == ["Lai Chau", "Lai Chau"]


def test_cyrillic_uses_word_boundaries() -> None:
    assert contains_term("Провинция Лайтяу, Вьетнам", "Лайтяу")
    assert contains_term("ПРОВИНЦИЯ ЛАЙТЯУ", "Лайтяу")
    assert not contains_term("Лайтяуский чай", "Лайтяу")
    assert glossary_findings("Lai Châu", "Лайтяуский чай", "ru", LAI_CHAU) == [
        {"term": "Lai Châu", "approved": "Лайтяу"}]
    assert glossary_findings("Lai Châu", "Провинция Лайтяу.", "ru", LAI_CHAU) == []


@pytest.mark.parametrize("text", ["莱州迎接游客", "欢迎来到莱州", "他说：莱州很美", "在 莱州"])
def test_chinese_is_a_plain_substring(text: str) -> None:
    assert contains_term(text, "莱州")


def test_chinese_term_broken_across_lines_is_still_found() -> None:
    assert contains_term("欢迎来到莱\n州省", "莱州")


def test_japanese_is_a_plain_substring() -> None:
    assert contains_term("ライチャウ省の茶畑", "ライチャウ")
    assert contains_term("ようこそライチャウへ", "ライチャウ")
    assert glossary_findings("Lai Châu", "ライチャウ省へようこそ", "ja", LAI_CHAU) == []


def test_latin_term_next_to_chinese_characters_is_a_word() -> None:
    """A Latin name in Chinese text has Han characters, not spaces, around it."""
    assert contains_term("欢迎来到Lai Chau省", "Lai Chau")


def test_thai_is_found_without_spaces_but_not_inside_a_cluster() -> None:
    assert contains_term("จังหวัดลายเจิวสวยงาม", "ลายเจิว")
    assert glossary_findings("Lai Châu", "จังหวัดลายเจิวสวยงาม", "th", LAI_CHAU) == []
    # a tone mark or vowel sign after the match belongs to its last consonant
    assert not contains_term("กิน", "ก")
    assert not contains_term("ก่อน", "ก")
    # a leading vowel before the match belongs to its first consonant
    assert not contains_term("เลย", "ลย")


def test_lao_is_found_without_spaces_but_not_inside_a_cluster() -> None:
    assert contains_term("ແຂວງລາຍເຈົາງາມ", "ລາຍເຈົາ")
    assert glossary_findings("Lai Châu", "ແຂວງລາຍເຈົາ", "lo", LAI_CHAU) == []
    assert not contains_term("ເລີຍ", "ລີຍ")


def test_korean_starts_on_a_word_and_takes_particles() -> None:
    assert contains_term("라이쩌우에서 왔다", "라이쩌우")
    assert not contains_term("신라이쩌우", "라이쩌우")


def test_empty_terms_match_nothing() -> None:
    assert find_term("Lai Châu", "") == []
    assert find_term("Lai Châu", "   ") == []
