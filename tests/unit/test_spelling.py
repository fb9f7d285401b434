"""Vietnamese spell check against the real hunspell-vi dictionary (Debian package).

CI installs the package through ``scripts/install.sh test``; a machine without it fails here
with the command to run, rather than skipping and passing unchecked.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from subtitles import qc, spelling
from subtitles.cues import Cue, Rules
from subtitles.qc import QCContext, autofix, check
from subtitles.services import SEED_GLOSSARY
from subtitles.spelling import Lexicon

GLOSSARY = {term: translations for term, translations in SEED_GLOSSARY}
ALLOWED = spelling.allow_list(GLOSSARY)

# Real news sentences as the station writes them: both tone placements, the glossary's
# names, numbers, acronyms, a web address, loanwords and a transliterated place name.
CORRECT = [
    "Lai Châu là tỉnh miền núi biên giới phía tây bắc của Tổ quốc.",
    "Các dân tộc Thái, Mông, Dao, Hà Nhì cùng chung sống bên những ruộng bậc thang.",
    "Sáng nay, UBND tỉnh Lai Châu tổ chức hội nghị tổng kết công tác năm 2024.",
    "Năm qua, tốc độ tăng trưởng kinh tế của tỉnh đạt 8,5%, thu ngân sách hơn 3.000 tỷ đồng.",
    "Huyện Sìn Hồ đã hoàn thành chương trình xây dựng nông thôn mới ở 12 xã.",
    "Người dân huyện Mường Tè thu hoạch lúa mùa\ntrong những ngày nắng đẹp.",
    "Du khách chinh phục đỉnh Pu Ta Leng và ngắm thủy điện trên sông Đà.",
    "Khỏe mạnh, hòa thuận và thủy chung là lời chúc của người già trong bản.",
    "Khoẻ mạnh, hoà thuận và thuỷ chung là lời chúc quen thuộc.",
    "Tỉnh ủy, HĐND và Ủy ban nhân dân tỉnh đã họp bàn giải pháp.",
    "Xem lại bản tin trên vtv.vn, kênh VTV4 lúc 19h30 hoặc video online.",
    "Đoàn công tác của Nậm Nhùn, Tân Uyên và Than Uyên sang Mát-xcơ-va.",
    "Xã Pa Tần, xã Sì Lở Lầu và huyện Phong Thổ, Tam Đường có mưa rào.",
    "Nhiệt độ thấp nhất 18 độ; đề phòng lũ quét, sạt lở đất ở vùng cao.",
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    found = spelling.load()
    if found is None:
        pytest.fail("the Vietnamese dictionary is missing: install Debian's hunspell-vi "
                    "(apt-get install hunspell-vi, or scripts/install.sh test)", pytrace=False)
    return found


def unknowns(lexicon: Lexicon, text: str, allowed: frozenset[str] = ALLOWED
             ) -> list[tuple[str, int, int, int]]:
    return [(u.word, u.start, u.end, u.line) for u in spelling.check_text(text, lexicon, allowed)]


def ctx(**kwargs: Any) -> QCContext:
    return QCContext(rules=Rules(), **kwargs)


# ---- the dictionary -------------------------------------------------------------------------


def test_the_debian_dictionary_loads_fast_and_once(lexicon: Lexicon) -> None:
    path = Path(lexicon.path)
    began = time.perf_counter()
    fresh = Lexicon.from_words(spelling.read_dictionary(path), str(path))
    assert time.perf_counter() - began < 1.0
    assert len(fresh.words) > 6000 and fresh.words == lexicon.words
    assert "6631" not in fresh.words  # the header count line is not a word
    assert {"được", "nghĩa", "tỉnh", "nguyễn", "hoà"} <= lexicon.words
    assert spelling.load() is lexicon


def test_loading_is_shared_between_threads(tmp_path: Path) -> None:
    dic = tmp_path / "vi_VN.dic"
    dic.write_text("2\nxin\nchào\n", encoding="utf-8")
    seen: list[Lexicon | None] = []
    threads = [threading.Thread(target=lambda: seen.append(spelling.load(dic)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(found) for found in seen}) == 1 and seen[0] is not None


def test_dic_flags_header_and_the_aff_encoding(tmp_path: Path) -> None:
    dic = tmp_path / "x.dic"
    dic.write_text("4\nhoà/AB\nđược\nxin/Z\tpo:verb\n\nChào\n", encoding="utf-8")
    (tmp_path / "x.aff").write_text("SET UTF-8\nTRY abc\n", encoding="utf-8")
    assert spelling.read_dictionary(dic) == ["hoà", "được", "xin", "Chào"]
    latin = tmp_path / "l.dic"
    latin.write_bytes("1\ncafé/F\n".encode("iso-8859-1"))
    (tmp_path / "l.aff").write_bytes(b"SET ISO8859-1\n")
    assert spelling.read_dictionary(latin) == ["café"]


def test_a_missing_dictionary_is_none_and_qc_says_so_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert spelling.load(tmp_path / "absent.dic") is None
    monkeypatch.setattr(spelling, "load", lambda path=None: None)
    [finding] = check([Cue(0, 2000, "đươc"), Cue(3000, 5000, "tinhr")], ctx(), only="spelling")
    assert (finding.severity, finding.cue_index) == ("info", None)
    assert finding.text() == ("Vietnamese spelling dictionary not installed "
                              "(Debian package hunspell-vi)")
    assert "hunspell-vi" in finding.text("vi") and finding.text("vi") != finding.text()


# ---- tone placement -------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), [
    ("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("oà", "òa"), ("tuỳ", "tùy"),
    ("uỷ", "ủy"), ("hoạ", "họa"), ("toả", "tỏa"), ("Hoà", "Hòa"), ("THUỶ", "THỦY"),
])
def test_both_tone_placements_are_the_same_syllable(lexicon: Lexicon, old: str,
                                                    new: str) -> None:
    assert spelling.canonical(old) == spelling.canonical(new)
    assert lexicon.known(old) and lexicon.known(new)


@pytest.mark.parametrize("wrong", ["nghiã", "qúy", "gìa", "hoàa", "muà"])
def test_a_tone_on_the_wrong_vowel_is_still_wrong(lexicon: Lexicon, wrong: str) -> None:
    assert not lexicon.known(wrong)


def test_nfd_text_is_checked_as_nfc(lexicon: Lexicon) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Người dân được mùa")
    assert unknowns(lexicon, decomposed) == []
    assert lexicon.known(unicodedata.normalize("NFD", "nghĩa"))


# ---- text -----------------------------------------------------------------------------------


def test_correct_news_sentences_have_no_findings(lexicon: Lexicon) -> None:
    for sentence in CORRECT:
        assert unknowns(lexicon, sentence) == [], sentence


def test_lai_chau_without_diacritics_is_two_valid_syllables(lexicon: Lexicon) -> None:
    # Not a spelling error syllable by syllable: the glossary's name fixer handles it.
    assert unknowns(lexicon, "Lai Chau") == []


def test_misspellings_are_flagged_where_they_are_with_suggestions(lexicon: Lexicon) -> None:
    text = "Chúng tôi đươc biết\ntinhr Lai Châu có nghiã là"
    found = spelling.check_text(text, lexicon, ALLOWED)
    assert [(u.word, u.start, u.end, u.line, u.name) for u in found] == [
        ("đươc", 10, 14, 1, False), ("tinhr", 20, 25, 2, False), ("nghiã", 38, 43, 2, False)]
    for unknown in found:
        assert text[unknown.start:unknown.end] == unknown.word
        assert 1 <= len(unknown.suggestions) <= spelling.MAX_SUGGESTIONS
    assert [u.suggestions[0] for u in found] == ["được", "tỉnh", "nghĩa"]
    assert "tình" not in found[1].suggestions[:1]  # Telex "r" is the hỏi tone


@pytest.mark.parametrize(("wrong", "meant"), [
    ("lich", "lịch"), ("đươc", "được"), ("duoc", "được"), ("nguoi", "người"), ("qúy", "quý"),
    ("tinhf", "tình"), ("chungs", "chúng"), ("khongg", "không"), ("trươngf", "trường"),
])
def test_the_meant_syllable_is_among_the_first_suggestions(lexicon: Lexicon, wrong: str,
                                                           meant: str) -> None:
    suggestions = lexicon.suggest(wrong)
    assert meant in suggestions[:3], suggestions
    assert len(suggestions) <= 5


def test_same_letters_come_before_one_edit_away(lexicon: Lexicon) -> None:
    first = lexicon.suggest("lich")[0]
    assert spelling.fold(first) == "lich"


@pytest.mark.parametrize("text", [
    "UBND HĐND VTV4 F0 COVID-19 2.500 12h30 80%",
    "https://laichau.gov.vn www.vtv.vn tin@laichau.vn v.v. TP.HCM",
    "iPhone TikTok Facebook Zalo video online camera clip stress",
    "Mát-xcơ-va Ô-xtrây-li-a O'Neil Müller 北京 ꪼꪕꪒꪾ km kg",
])
def test_what_is_not_a_vietnamese_syllable_is_left_alone(lexicon: Lexicon, text: str) -> None:
    assert unknowns(lexicon, text) == []


def test_capitalised_unknowns_among_names_are_names(lexicon: Lexicon) -> None:
    found = spelling.check_text("Anh Giàng A Páo ở bản Khun Há. Đươc mùa", lexicon)
    assert [(u.word, u.name) for u in found] == [("Páo", True), ("Khun", True),
                                                  ("Đươc", False)]
    assert found[2].suggestions[0] == "Được"  # the writer's capital is kept


def test_the_glossary_is_an_allow_list(lexicon: Lexicon) -> None:
    assert [u[0] for u in unknowns(lexicon, "Về Sìn Hồ", frozenset())] == ["Sìn"]
    assert unknowns(lexicon, "Về Sìn Hồ") == []
    assert unknowns(lexicon, "Về Sìn Hồ", spelling.allow_list(["Sìn Hồ"])) == []


# ---- the QC check ---------------------------------------------------------------------------


def test_qc_reports_each_unknown_syllable_with_its_place(lexicon: Lexicon) -> None:
    cues = [Cue(0, 2000, "Xin chào quý vị."),
            Cue(2080, 5000, "Chúng tôi đươc biết\ntinhr Lai Châu"),
            Cue(5080, 8000, "Anh Giàng A Páo ở Sìn Hồ")]
    findings = check(cues, ctx(glossary=GLOSSARY), only="spelling")
    assert [(f.cue_index, f.severity, f.params["word"]) for f in findings] == [
        (1, "warning", "đươc"), (1, "warning", "tinhr"), (2, "info", "Páo")]
    first = findings[0]
    assert {k: first.params[k] for k in ("line", "start", "end")} == {
        "line": 1, "start": 10, "end": 14}
    assert first.params["suggestions"][0] == "được"
    assert first.text().startswith("\u201cđươc\u201d is not in the Vietnamese dictionary; "
                                   "did you mean: được,")
    assert first.text("vi").startswith("\u201cđươc\u201d không có trong từ điển tiếng Việt")
    assert findings[1].params["line"] == 2
    assert "glossary" in findings[2].text() and "thuật ngữ" in findings[2].text("vi")
    assert "spelling" in qc.CHECKS and not qc.CHECKS["spelling"].autofixable


def test_qc_spelling_runs_only_on_vietnamese_tracks(lexicon: Lexicon) -> None:
    cues = [Cue(0, 2000, "đươc")]
    assert check(cues, ctx(language="en"), only="spelling") == []
    assert check(cues, ctx(language="hnj"), only="spelling") == []
    assert len(check(cues, ctx(language="vi-VN"), only="spelling")) == 1


def test_autofix_never_corrects_spelling(lexicon: Lexicon) -> None:
    cues = [Cue(0, 2000, "Chúng tôi đươc biết"), Cue(2080, 5000, "tinhr Lai Châu")]
    fixed, notes = autofix(cues, ctx())
    assert [c.text for c in fixed] == [c.text for c in cues] and notes == []
    assert len(check(fixed, ctx(), only="spelling")) == 2


def test_a_thousand_cues_are_checked_well_under_a_second(lexicon: Lexicon) -> None:
    texts = [*CORRECT, "Chúng tôi đươc biết tinhr", "Anh Giàng A Páo có nghiã là"]
    cues = [Cue(n * 3000, n * 3000 + 2500, texts[n % len(texts)]) for n in range(1000)]
    per_text = {text: len(spelling.check_text(text, lexicon, ALLOWED)) for text in texts}
    began = time.perf_counter()
    findings = check(cues, ctx(glossary=GLOSSARY), only="spelling")
    assert time.perf_counter() - began < 0.5  # about 10 ms on the 2-core dev machine
    assert len(findings) == sum(per_text[cue.text] for cue in cues) == 62 * 4
