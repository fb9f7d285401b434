"""viet-asr's words written with Whisper's punctuation, capitals and times (pure fusion)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from subtitles import fusion
from subtitles.cues import Word
from subtitles.fusion import Chunk, HeardWord


def heard(text: str, start_ms: int, end_ms: int, emitted: list[int] | None = None) -> Chunk:
    words = text.split()
    times = emitted or [None] * len(words)  # type: ignore[list-item]
    return Chunk(start_ms, end_ms, tuple(HeardWord(w, t) for w, t in zip(words, times,
                                                                           strict=True)))


def whisper(*items: tuple[str, int, int]) -> list[Word]:
    return [Word(f" {text}", start, end, 0.9) for text, start, end in items]


def test_keeps_vietasr_words_and_takes_whispers_punctuation_and_capitals() -> None:
    chunk = heard("tay của em cứ ôm chặt lấy thảo", 1000, 4000)
    # Whisper misheard two words but wrote the name with a capital and ended the sentence.
    w = whisper(("Đây", 1100, 1300), ("của", 1300, 1500), ("em", 1500, 1700),
                ("cứ", 1700, 1900), ("ơm", 1900, 2100), ("chặt", 2100, 2400),
                ("lái", 2400, 2700), ("Thảo.", 2700, 3200))
    words = fusion.fuse([chunk], w, latency_ms=400)
    assert " ".join(x.text for x in words) == "Tay của em cứ ôm chặt lấy Thảo."
    # Words both engines heard keep Whisper's times.
    assert (words[1].start_ms, words[1].end_ms) == (1300, 1500)
    assert (words[-1].start_ms, words[-1].end_ms) == (2700, 3200)
    # "tay"/"Đây" and "lấy"/"lái" are different syllables: doubtful; "ôm"/"ơm" differ in a mark.
    assert words[0].probability < 0.5 and words[6].probability < 0.5
    assert 0.5 <= words[4].probability < 1.0
    assert words[2].probability > 0.9


def test_unmatched_words_take_their_emission_time_inside_the_gap() -> None:
    chunk = heard("một hai ba bốn", 0, 4000, emitted=[900, 1900, 2900, 3900])
    w = whisper(("một", 100, 500), ("bốn", 3000, 3500))
    words = fusion.fuse([chunk], w, latency_ms=400)
    assert [(x.start_ms, x.end_ms) for x in words] == [(100, 500), (500, 1500),
                                                        (1500, 2500), (3000, 3500)]


def test_without_usable_emission_times_the_gap_is_shared_by_length() -> None:
    chunk = heard("a bb cc", 1000, 2000, emitted=[5000, 5000, 5000])  # all past the gap
    words = fusion.fuse([chunk], [], latency_ms=400)
    assert [(x.start_ms, x.end_ms) for x in words] == [(1000, 1200), (1200, 1600),
                                                        (1600, 2000)]
    assert words[0].text == "A" and words[-1].text.endswith(".")


def test_a_word_only_whisper_heard_gives_its_punctuation_to_the_word_before() -> None:
    chunk = heard("xin chào các bạn hôm nay", 0, 3000)
    w = whisper(("Xin", 0, 200), ("chào", 200, 400), ("các", 400, 600), ("bạn", 600, 800),
                ("nhé,", 800, 900), ("hôm", 1000, 1200), ("nay", 1200, 1400))
    words = fusion.fuse([chunk], w, latency_ms=400)
    assert " ".join(x.text for x in words) == "Xin chào các bạn, hôm nay."
    assert "nhé" not in " ".join(x.text for x in words)  # Whisper's extra word is not added


def test_sentences_start_with_capitals_and_a_long_pause_ends_one() -> None:
    first = heard("trời mưa to", 0, 1500)
    second = heard("đường trơn", 3000, 4000)  # 1.5 s of silence before it
    words = fusion.fuse([first, second], [], latency_ms=400)
    assert " ".join(x.text for x in words) == "Trời mưa to. Đường trơn."


def test_a_short_pause_without_punctuation_leaves_the_sentence_open() -> None:
    words = fusion.fuse([heard("trời mưa", 0, 1000), heard("to lắm", 1300, 2000)], [],
                        latency_ms=400)
    assert " ".join(x.text for x in words) == "Trời mưa to lắm."


def test_glossary_names_are_written_with_their_capitals() -> None:
    chunk = heard("đồng bào sìn hồ và lai châu đón tết", 0, 5000)
    words = fusion.fuse([chunk], [], latency_ms=400, names=["Sìn Hồ", "Lai Châu", "Tết"])
    assert " ".join(x.text for x in words) == "Đồng bào Sìn Hồ và Lai Châu đón Tết."


def test_a_syllable_outside_the_dictionary_is_doubtful() -> None:
    words = fusion.fuse([heard("tiếng rơi quayắt", 0, 2000)],
                        whisper(("tiếng", 0, 500), ("rơi", 500, 900), ("quayắt", 900, 1500)),
                        latency_ms=400, is_syllable=lambda s: s != "quayắt")
    assert words[-1].probability <= fusion.NOT_A_SYLLABLE
    assert words[0].probability > 0.9


def test_whisper_words_go_to_the_chunk_they_were_said_in() -> None:
    chunks = [heard("một", 0, 1000), heard("hai", 5000, 6000)]
    w = whisper(("Một.", 100, 600), ("Hai!", 5100, 5600))
    assert [[x.text for x in part] for part in fusion.assign(w, chunks)] == [[" Một."],
                                                                            [" Hai!"]]
    words = fusion.fuse(chunks, w, latency_ms=400)
    assert [x.text for x in words] == ["Một.", "Hai!"]


def test_alignment_prefers_a_tone_difference_to_a_different_syllable() -> None:
    pairs = fusion.align(["bà", "bói"], ["và", "bỏi"])
    assert pairs == [(0, 0), (1, 1)]
    assert fusion._cost("bói", "bỏi") < fusion._cost("bà", "và")


SYLLABLES = st.sampled_from(["một", "hai", "ba", "bốn", "năm", "Lai", "Châu", "mưa", "nắng"])


@example(chunks_spec=[([], 200, 2095), (["hai", "một"], 200, 575), (["bốn"], 288, 0)],
         whisper_spec=[("hai", "", 2174, 900)], latency=88)  # a Whisper word overran its chunk
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.lists(SYLLABLES, min_size=0, max_size=8),
                       st.integers(200, 3000), st.integers(0, 2500)), min_size=1, max_size=5),
    st.lists(st.tuples(SYLLABLES, st.sampled_from(["", ",", ".", "?"]),
                       st.integers(0, 20_000), st.integers(1, 900)), max_size=30),
    st.integers(0, 800),
)
def test_never_drops_a_word_and_times_stay_in_order(chunks_spec, whisper_spec,
                                                    latency) -> None:  # type: ignore[no-untyped-def]
    chunks, at = [], 0
    for words, length, gap in chunks_spec:
        start = at + gap
        end = start + length
        emitted = [start + (k + 1) * length // (len(words) + 1) + 300 for k in range(len(words))]
        chunks.append(heard(" ".join(words), start, end, emitted) if words
                      else Chunk(start, end, ()))
        at = end
    w = sorted((Word(f" {t}{p}", s, s + d, 0.8) for t, p, s, d in whisper_spec),
               key=lambda x: x.start_ms)
    fused = fusion.fuse(chunks, w, latency_ms=latency)
    said = [h.text for c in chunks for h in c.words]
    assert [fusion.syllable(x.text) for x in fused] == [s.casefold() for s in said]
    starts = [x.start_ms for x in fused]
    assert starts == sorted(starts)
    assert all(x.end_ms > x.start_ms and 0 <= x.probability <= 1 for x in fused)
    spans = [(c.start_ms, c.end_ms) for c in chunks if c.words]
    assert all(any(a <= x.start_ms < x.end_ms <= b for a, b in spans) for x in fused)
    assert not fused or fused[0].start_ms >= min(c.start_ms for c in chunks if c.words)
    assert not fused or fused[-1].text[-1] in ".,?!…"
