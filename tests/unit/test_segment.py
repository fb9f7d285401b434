"""Segmentation: Whisper words into broadcast cues that keep every word and every rule.

Numbers are the channel defaults from docs/standards.md "Subtitle rules" (Netflix, BBC): 42 CPL,
2 lines, 17 cps, 833-7000 ms, 80 ms gap, start within 3 frames of speech.
"""

from __future__ import annotations

import unicodedata
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from subtitles.cues import Cue, Rules, Word, char_count, chars_per_second, normalize_text
from subtitles.segment import BINDING_WORDS, segment

RULES = Rules()


def timed(text: str, *, start: int = 0, ms_per_char: int = 60, gap: int = 40,
          pauses: dict[int, int] | None = None, probability: float = 0.9) -> list[Word]:
    """Words as Whisper gives them (leading space), ~17 characters per second by default."""
    words: list[Word] = []
    t = start
    for index, token in enumerate(text.split()):
        duration = max(120, ms_per_char * len(token))
        words.append(Word(" " + token, t, t + duration, probability))
        t += duration + gap + (pauses or {}).get(index, 0)
    return words


def texts(cues: list[Cue]) -> list[str]:
    return [c.text for c in cues]


def all_words(cues: list[Cue]) -> list[str]:
    return [w.text for c in cues for w in c.words]


def assert_valid(cues: list[Cue], words: list[Word], rules: Rules = RULES) -> None:
    """The hard rules every segmentation keeps."""
    assert all_words(cues) == [" ".join(unicodedata.normalize("NFC", w.text).split())
                               for w in words]
    for index, cue in enumerate(cues):
        assert cue.text == normalize_text(cue.text)
        assert len(cue.lines) <= rules.max_lines
        for line in cue.lines:
            assert char_count(line) <= rules.max_chars_per_line or " " not in line
        assert cue.start_ms == cue.words[0].start_ms
        assert cue.start_ms < cue.end_ms <= cue.start_ms + rules.max_duration_ms
        if index + 1 < len(cues):
            assert cues[index + 1].start_ms - cue.end_ms >= rules.min_gap_ms


NEWS_VI = ("Sáng nay, tại thành phố Lai Châu, Ủy ban nhân dân tỉnh đã tổ chức hội nghị tổng kết "
           "công tác năm 2025 và triển khai nhiệm vụ năm 2026. Phát biểu tại hội nghị, đồng chí "
           "Chủ tịch nhấn mạnh những kết quả quan trọng trong phát triển kinh tế xã hội của "
           "tỉnh. Tổng sản phẩm trên địa bàn tăng 8,5% so với cùng kỳ.")
NEWS_EN = ("Good evening. Tonight in Lai Chau province, thousands of farmers gathered at the "
           "opening of the annual tea festival, which celebrates the harvest of the region's "
           "famous Shan Tuyet tea. The festival, now in its tenth year, attracted more than "
           "15,000 visitors, according to the provincial People's Committee.")


def test_no_words_no_cues() -> None:
    assert segment([], RULES) == []


def test_short_sentence_is_one_line_held_for_the_minimum_duration() -> None:
    words = timed("Xin chào.", start=1200, ms_per_char=40)
    [cue] = segment(words, RULES)
    assert cue.text == "Xin chào."
    assert cue.start_ms == 1200  # exactly on the first word's onset
    assert cue.words[-1].end_ms < cue.start_ms + RULES.min_duration_ms
    assert cue.duration_ms == RULES.min_duration_ms  # extended into the silence after it


def test_whisper_leading_spaces_and_nfd_are_normalised_and_probabilities_kept() -> None:
    nfd = unicodedata.normalize("NFD", "Châu")
    words = [Word(" Lai", 0, 300, 0.98), Word(" " + nfd, 300, 700, 0.41),
             Word("  ", 700, 700, 0.2)]
    [cue] = segment(words, RULES)
    assert cue.text == "Lai Châu" and len(cue.text) == 8
    assert [w.text for w in cue.words] == ["Lai", "Châu", ""]
    assert [w.probability for w in cue.words] == [0.98, 0.41, 0.2]
    assert [w.start_ms for w in cue.words] == [0, 300, 700]


def test_vietnamese_news_keeps_rules_and_breaks_at_sentences() -> None:
    words = timed(NEWS_VI)
    cues = segment(words, RULES)
    assert_valid(cues, words)
    # each sentence ends a cue, so no cue carries the end of one sentence into the next
    ends = [c.text.split("\n")[-1] for c in cues]
    assert any(e.endswith("năm 2026.") for e in ends)
    assert any(e.endswith("của tỉnh.") for e in ends)
    assert texts(cues)[-1].endswith("so với cùng kỳ.")
    assert all(". " not in c.text.replace("\n", " ")[:-1] for c in cues)


def test_clause_punctuation_is_preferred_to_a_full_cue() -> None:
    words = timed(NEWS_VI)
    first = segment(words, RULES)[0]
    assert first.text == "Sáng nay, tại thành phố Lai Châu,"


def test_english_breaks_at_punctuation_and_not_after_binding_words() -> None:
    words = timed(NEWS_EN, ms_per_char=55, pauses={1: 700})
    cues = segment(words, RULES, language="en")
    assert_valid(cues, words)
    assert cues[0].text == "Good evening."
    assert cues[1].text == "Tonight in Lai Chau province,"
    binding = BINDING_WORDS["en"]
    for cue in cues:
        for line in cue.lines:
            assert line.split()[-1].casefold() not in binding, cue.text


def test_no_line_or_cue_ends_on_a_vietnamese_binding_word() -> None:
    words = timed(NEWS_VI + " Đây là thành quả lao động của đồng bào các dân tộc tỉnh Lai "
                  "Châu, những người đã gắn bó với cây chè và với mảnh đất này.")
    cues = segment(words, RULES)
    binding = BINDING_WORDS["vi"]
    for cue in cues:
        for line in cue.lines:
            assert line.split()[-1].casefold() not in binding, cue.text


def test_of_two_sentences_that_fit_each_gets_its_own_line() -> None:
    words = timed("Xin chào quý vị. Đây là bản tin thời sự tối nay.")
    [cue] = segment(words, RULES)
    assert cue.lines == ["Xin chào quý vị.", "Đây là bản tin thời sự tối nay."]


def test_pause_is_a_break_when_there_is_no_punctuation() -> None:
    words = timed("hôm nay bà con các bản vùng cao huyện Phong Thổ xuống núi "
                  "đi chợ phiên đông vui từ sáng sớm tới tận trưa mới về nhà",
                  pauses={12: 800})
    cues = segment(words, RULES)
    assert_valid(cues, words)
    assert cues[0].text.replace("\n", " ") == (
        "hôm nay bà con các bản vùng cao huyện Phong Thổ xuống núi")


def test_lines_are_balanced() -> None:
    words = timed("Lực lượng biên phòng tỉnh phối hợp tuần tra bảo vệ cột mốc quốc giới")
    [cue] = segment(words, RULES)
    assert cue.lines == ["Lực lượng biên phòng tỉnh phối hợp", "tuần tra bảo vệ cột mốc quốc giới"]


def test_unequal_lines_make_a_bottom_heavy_pyramid() -> None:
    # 19/29 or 29/19 characters: the BBC prefers the longer line at the bottom
    words = timed("Wonderful mountains landscape festivals travelers", ms_per_char=50)
    [cue] = segment(words, RULES, language="en")
    assert cue.lines == ["Wonderful mountains", "landscape festivals travelers"]


def test_names_and_vietnamese_compounds_are_not_split() -> None:
    words = timed("Ông Nguyễn Văn Hùng Chủ tịch Ủy ban nhân dân huyện Sìn Hồ cho biết năm nay "
                  "toàn huyện trồng mới hơn 1.000 ha chè")
    cues = segment(words, RULES)
    assert_valid(cues, words)
    assert cues[0].lines == ["Ông Nguyễn Văn Hùng Chủ tịch", "Ủy ban nhân dân huyện Sìn Hồ"]


def test_a_short_answer_joins_the_next_line_rather_than_flash() -> None:
    words = timed("Vâng.", gap=0) + timed("Hôm nay Ban Thường vụ Tỉnh ủy Lai Châu đã họp để cho "
                                          "ý kiến về công tác chuẩn bị đại hội", start=500)
    cues = segment(words, RULES)
    assert_valid(cues, words)
    assert cues[0].lines[0] == "Vâng."
    assert cues[0].duration_ms >= RULES.min_duration_ms


def test_short_cue_extends_only_up_to_the_next_cue_minus_the_gap() -> None:
    first = timed("Vâng.", start=0)  # 300 ms of speech
    # a full sentence 400 ms later that cannot share a cue with it
    second = timed("Ủy ban nhân dân tỉnh Lai Châu vừa ban hành kế hoạch phòng chống thiên tai "
                   "và tìm kiếm cứu nạn năm 2026.", start=700)
    cues = segment(first + second, RULES)
    assert_valid(cues, first + second)
    assert cues[0].text == "Vâng."
    assert cues[0].end_ms == cues[1].start_ms - RULES.min_gap_ms == 620


def test_previous_end_is_pulled_back_to_keep_the_gap() -> None:
    words = timed(NEWS_VI, gap=0)  # words abut: every cue boundary lies inside speech
    cues = segment(words, RULES)
    assert_valid(cues, words)
    pulled = [c for c, n in pairwise(cues) if c.end_ms < c.words[-1].end_ms]
    assert pulled, "abutting speech must pull some cue ends back"
    for cue, nxt in pairwise(cues):
        assert nxt.start_ms - cue.end_ms >= RULES.min_gap_ms


def test_reading_speed_is_met_by_staying_up_when_there_is_silence() -> None:
    # fast speech (30 cps) followed by long pauses: cues stay up long enough to read
    words = timed("Tổng sản phẩm trên địa bàn tăng 8,5% so với cùng kỳ.", ms_per_char=33)
    [cue] = segment(words, RULES)
    assert chars_per_second(cue) <= RULES.max_chars_per_second


def test_speech_too_fast_to_read_keeps_every_word() -> None:
    words = timed(NEWS_VI, ms_per_char=25, gap=0)  # about 40 characters per second
    cues = segment(words, RULES)
    assert_valid(cues, words)
    assert any(chars_per_second(c) > RULES.max_chars_per_second for c in cues)  # QC flags it


def test_maximum_duration_is_never_exceeded() -> None:
    words = timed("chậm", start=0, ms_per_char=3000)  # one word held for 12 s
    words += timed("rãi quá", start=14000, ms_per_char=1000, gap=200)
    cues = segment(words, RULES)
    assert all(c.duration_ms <= RULES.max_duration_ms for c in cues)
    assert all_words(cues) == ["chậm", "rãi", "quá"]
    assert cues[0].duration_ms == RULES.max_duration_ms


def test_a_word_longer_than_a_line_stays_whole_on_its_own_line() -> None:
    url = "https://laichautv.vn/tin-tuc/thoi-su/ban-tin-toi-ngay-12-12-2026"
    words = timed(f"Mời quý vị xem chi tiết tại {url} và trên ứng dụng")
    cues = segment(words, RULES)
    assert_valid(cues, words)
    assert any(url in c.lines for c in cues)


def test_lone_punctuation_from_whisper_is_glued_to_its_word() -> None:
    words = [Word(" Xin", 0, 200), Word(" chào", 200, 400), Word(".", 400, 410),
             Word(" (", 500, 510), Word("VTV", 510, 700), Word(")", 700, 710)]
    [cue] = segment(words, RULES)
    assert cue.text == "Xin chào. (VTV)"
    assert len(cue.words) == 6


def test_languages_without_spaces_join_words_as_whisper_marks_them() -> None:
    words = [Word(" ສະບາຍ", 0, 300), Word("ດີ", 300, 500), Word(" ທຸກ", 600, 800),
             Word("ຄົນ", 800, 1000)]
    [cue] = segment(words, RULES, language="lo")
    assert cue.text == "ສະບາຍດີ ທຸກຄົນ"


def test_region_tags_use_the_language_lists() -> None:
    words = timed(NEWS_EN, ms_per_char=55)
    assert segment(words, RULES, language="en-GB") == segment(words, RULES, language="en")


def test_teletext_safe_rules_are_respected() -> None:
    rules = Rules(max_chars_per_line=37)
    words = timed(NEWS_VI + " " + NEWS_VI)
    cues = segment(words, rules)
    assert_valid(cues, words, rules)


def test_three_line_rules_are_respected() -> None:
    rules = Rules(max_chars_per_line=30, max_lines=3)
    words = timed(NEWS_EN)
    cues = segment(words, rules, language="en")
    assert_valid(cues, words, rules)
    assert any(len(c.lines) == 3 for c in cues)


def test_media_duration_caps_the_last_cue() -> None:
    words = timed("Xin cảm ơn.", start=9500, ms_per_char=40)
    [cue] = segment(words, RULES, media_duration_ms=10_000)
    assert cue.end_ms == 10_000


def test_backwards_timestamps_cannot_make_cues_cross() -> None:
    words = timed(NEWS_VI)
    words[10] = Word(words[10].text, words[9].start_ms - 500, words[9].start_ms - 100)
    cues = segment(words, RULES)
    assert len(all_words(cues)) == len(words)
    for cue, nxt in pairwise(cues):
        assert cue.start_ms < cue.end_ms <= nxt.start_ms - RULES.min_gap_ms


def test_words_stamped_at_one_instant_stay_in_one_valid_cue() -> None:
    # Whisper sometimes stamps a burst of words with the same time: no cue can have its own
    # time, so they stay together (QC then reports the lines) and the timeline stays valid.
    words = timed("Trước đó") + [Word(f" từ{i}", 5000, 5000) for i in range(30)]
    words += timed("Sau đó", start=9000)
    cues = segment(words, RULES)
    assert len(all_words(cues)) == len(words)
    for cue, nxt in pairwise(cues):
        assert cue.start_ms < cue.end_ms <= nxt.start_ms - RULES.min_gap_ms


def test_segmentation_is_deterministic() -> None:
    words = timed(NEWS_VI + " " + NEWS_EN)
    assert segment(words, RULES) == segment(list(words), RULES)


# ---- properties -----------------------------------------------------------------------------

_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệốồổỗộớờởỡợứừửữựLCHTNĐ"
_token = st.one_of(
    st.text(_LETTERS, min_size=1, max_size=8),
    st.text(_LETTERS, min_size=30, max_size=60),  # longer than a line now and then
    st.sampled_from(["của", "và", "những", "the", "of", "Lai", "Châu", "1.000", "15%"]),
).flatmap(lambda t: st.sampled_from([t, t + ",", t + ".", t + "?", t + "…"]))
_word = st.tuples(
    _token,
    st.integers(120, 1500),  # duration: at least 3 frames, so every word can own a cue
    st.sampled_from([0, 0, 20, 40, 80, 200, 600, 1500, 4000]),  # gap after the word
    st.floats(0, 1),
    st.booleans(),  # leading space as Whisper writes it
)


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(_word, min_size=1, max_size=120),
    cpl=st.integers(20, 50),
    max_lines=st.integers(1, 3),
    pauses_ms=st.sampled_from([300, 500, 1000]),
    language=st.sampled_from(["vi", "en"]),
)
def test_segment_properties(items: list[tuple[str, int, int, float, bool]], cpl: int,
                            max_lines: int, pauses_ms: int, language: str) -> None:
    rules = Rules(max_chars_per_line=cpl, max_lines=max_lines)
    words: list[Word] = []
    t = 0
    for text, duration, gap, probability, space in items:
        words.append(Word((" " if space else "") + text, t, t + duration, probability))
        t += duration + gap
    cues = segment(words, rules, pauses_ms=pauses_ms, language=language)
    # every word exactly once, in order
    assert all_words(cues) == [w.text.strip() for w in words]
    for index, cue in enumerate(cues):
        assert len(cue.lines) <= max_lines
        for line in cue.lines:
            assert char_count(line) <= cpl or " " not in line  # only one long word alone
        first = cue.words[0]
        assert first.start_ms <= cue.start_ms <= first.start_ms + 120  # 3 frames at 25 fps
        assert cue.start_ms < cue.end_ms
        assert cue.duration_ms <= rules.max_duration_ms
        if index + 1 < len(cues):
            room = cues[index + 1].start_ms - rules.min_gap_ms - cue.start_ms
            assert cues[index + 1].start_ms - cue.end_ms >= rules.min_gap_ms
        else:
            room = rules.max_duration_ms
        if room >= rules.min_duration_ms:
            assert cue.duration_ms >= rules.min_duration_ms
    assert segment(words, rules, pauses_ms=pauses_ms, language=language) == cues


def _timed(text: str, start_ms: int, step_ms: int = 300) -> list[Word]:
    return [Word(w, start_ms + k * step_ms, start_ms + k * step_ms + 250)
            for k, w in enumerate(text.split())]


def test_a_cue_never_holds_a_long_silence() -> None:
    # Two short sentences 2 s apart would fit one cue; nobody speaks in between, so two cues.
    words = _timed("Hà Ni cũng lẩm bẩm.", 1000) + _timed("Trời đã sáng.", 4500)
    cues = segment(words, Rules())
    assert [c.text for c in cues] == ["Hà Ni cũng lẩm bẩm.", "Trời đã sáng."]
    assert cues[0].end_ms < 4500 and cues[1].start_ms == 4500


def test_a_pause_holding_a_shot_change_is_where_a_cue_ends() -> None:
    # One sentence that fits a single two-line cue; the picture cuts in its only pause, so it
    # becomes two cues that each stay inside a shot (Netflix: do not straddle a cut).
    words = (_timed("Buổi sáng sương mù phủ kín những con dốc", 0)
             + _timed("trên đồi người dân lên nương", 2900))
    assert len(segment(words, Rules())) == 1
    cues = segment(words, Rules(), shots_ms=[2800])
    assert [c.text for c in cues] == ["Buổi sáng sương mù phủ kín những con dốc",
                                      "trên đồi người dân lên nương"]
    assert cues[0].end_ms <= 2800 <= cues[1].start_ms
