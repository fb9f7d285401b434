"""Whisper guards: flag doubtful cues by faster-whisper's own thresholds; never drop a word."""

from __future__ import annotations

import unicodedata

from subtitles import qc
from subtitles.cues import Cue, Rules, Word
from subtitles.guards import SegmentInfo, flag_cues, is_artefact


def words_of(text: str, start: int, probability: float = 0.9,
             step: int = 300) -> tuple[Word, ...]:
    return tuple(Word(token, start + i * step, start + i * step + step - 40, probability)
                 for i, token in enumerate(text.split()))


def cue(text: str, start: int, end: int, probability: float = 0.9,
        flags: tuple[str, ...] = ()) -> Cue:
    step = max(1, (end - start) // max(1, len(text.split())))
    return Cue(start, end, text, flags, words_of(text, start, probability, step))


def seg(start: int, end: int, *, no_speech: float = 0.05, logprob: float = -0.3,
        ratio: float = 1.4, text: str = "") -> SegmentInfo:
    return SegmentInfo(start, end, no_speech, logprob, ratio, text)


CLEAN = seg(0, 10_000)


def test_clean_speech_gets_no_flags_and_the_same_cues_back() -> None:
    cues = [cue("Xin chào quý vị.", 0, 1500), cue("Đây là bản tin thời sự.", 1600, 4000)]
    assert flag_cues(cues, [CLEAN]) == cues


def test_no_speech_needs_both_faster_whisper_thresholds() -> None:
    cues = [cue("Cảm ơn.", 0, 1000), cue("Ừ.", 2000, 2900), cue("Vâng.", 4000, 4800)]
    segments = [
        seg(0, 1500, no_speech=0.8, logprob=-1.3),  # silence: both thresholds crossed
        seg(1500, 3000, no_speech=0.8, logprob=-0.4),  # confident text over noise: kept
        seg(3000, 5000, no_speech=0.61, logprob=-1.01),
    ]
    flagged = flag_cues(cues, segments)
    assert flagged[0].flags == ("low_logprob", "no_speech")
    assert flagged[1].flags == ()
    assert flagged[2].flags == ("low_logprob", "no_speech")


def test_low_logprob_alone() -> None:
    [flagged] = flag_cues([cue("Mường Tè", 0, 1000)], [seg(0, 1000, logprob=-1.2)])
    assert flagged.flags == ("low_logprob",)
    [fine] = flag_cues([cue("Mường Tè", 0, 1000)], [seg(0, 1000, logprob=-1.0)])
    assert fine.flags == ()


def test_high_compression_ratio_is_repetition() -> None:
    [flagged] = flag_cues([cue("chè chè chè", 0, 1000)], [seg(0, 1000, ratio=2.6)])
    assert flagged.flags == ("repetition",)
    [fine] = flag_cues([cue("chè ngon", 0, 1000)], [seg(0, 1000, ratio=2.4)])
    assert fine.flags == ()


def test_a_phrase_looped_inside_a_cue_is_repetition() -> None:
    looped = cue("cảm ơn các bạn cảm ơn các bạn cảm ơn các bạn", 0, 3000)
    assert flag_cues([looped], [CLEAN])[0].flags == ("repetition",)
    single = cue("ha ha ha ha ha ha ha ha ha", 0, 3000)  # one word nine times
    assert flag_cues([single], [CLEAN])[0].flags == ("repetition",)


def test_a_phrase_looped_across_consecutive_cues_is_repetition() -> None:
    cues = [cue("Chúc quý vị một ngày tốt lành.", 0, 2000),
            cue("Chúc quý vị một ngày tốt lành.", 2100, 4000),
            cue("Chúc quý vị một ngày tốt lành.", 4100, 6000),
            cue("Bản tin đến đây là hết.", 6100, 8000)]
    flagged = flag_cues(cues, [CLEAN])
    assert [c.flags for c in flagged] == [("repetition",)] * 3 + [()]


def test_ordinary_repeats_are_not_loops() -> None:
    cues = [cue("Vâng vâng, tôi hiểu.", 0, 1500),
            cue("Tỉnh Lai Châu có nhiều chè. Tỉnh Lai Châu có nhiều lúa.", 1600, 5000),
            cue("Xin chào, xin chào.", 5100, 6500)]
    assert [c.flags for c in flag_cues(cues, [CLEAN])] == [(), (), ()]


def test_known_outro_hallucinations_are_artefacts() -> None:
    texts = [
        "Hãy subscribe cho kênh Ghiền Mì Gõ để không bỏ lỡ những video hấp dẫn",
        "Hay dang ky kenh nhe!",  # no diacritics
        unicodedata.normalize("NFD", "Cảm ơn các bạn đã theo dõi."),
        "Thanks for watching!",
        "Subtitles by the Amara.org community",
    ]
    cues = [cue(t, i * 3000, i * 3000 + 2500) for i, t in enumerate(texts)]
    assert all(c.flags == ("artefact",) for c in flag_cues(cues, [seg(0, 20_000)]))


def test_ordinary_news_is_not_an_artefact() -> None:
    assert not is_artefact("Người dân đăng ký kết hôn tại xã Bản Lang.")
    assert not is_artefact("We were watching the tea harvest.")
    assert not is_artefact("Cảm ơn ông đã trả lời phỏng vấn.")


def test_low_confidence_when_at_least_half_the_words_are_doubtful() -> None:
    words = (Word("Pa", 0, 200, 0.3), Word("Tần", 200, 400, 0.45), Word("xã", 400, 600, 0.95))
    doubtful = Cue(0, 1000, "Pa Tần xã", words=words)
    mostly_sure = Cue(1100, 2000, "xã Pa Tần",
                      words=(Word("xã", 1100, 1300, 0.9), Word("Pa", 1300, 1500, 0.4),
                             Word("Tần", 1500, 1700, 0.9)))
    flagged = flag_cues([doubtful, mostly_sure], [CLEAN])
    assert flagged[0].flags == ("low_confidence",)
    assert flagged[1].flags == ()
    assert flagged[0].words == words  # probabilities stay on the words for the editor


def test_guards_never_drop_or_change_cues_and_merge_flags_sorted_unique() -> None:
    cues = [cue("Thanks for watching", 0, 2000, 0.2, flags=("repetition", "artefact")),
            cue("Lai Châu", 2100, 3000)]
    segments = [seg(0, 2000, no_speech=0.9, logprob=-1.5, ratio=3.0), seg(2000, 3000)]
    flagged = flag_cues(cues, segments)
    assert len(flagged) == 2
    assert flagged[0].flags == ("artefact", "low_confidence", "low_logprob", "no_speech",
                                "repetition")
    for before, after in zip(cues, flagged, strict=True):
        assert (after.start_ms, after.end_ms, after.text, after.words) == (
            before.start_ms, before.end_ms, before.text, before.words)
    assert flagged[1].flags == ()


def test_cue_takes_flags_from_the_segments_its_words_came_from() -> None:
    # the cue was extended into the next segment's lead-in: that segment's doubt is not its
    cues = [Cue(0, 1900, "Xin chào.", words=(Word("Xin", 0, 300), Word("chào.", 300, 700)))]
    segments = [seg(0, 800), seg(1000, 3000, logprob=-1.4)]
    assert flag_cues(cues, segments)[0].flags == ()
    # a word stamped just outside its segment belongs to the nearest one
    stray = [Cue(0, 1000, "Ừ", words=(Word("Ừ", 900, 990),))]
    assert flag_cues(stray, segments)[0].flags == ("low_logprob",)


def test_cue_without_words_uses_time_overlap() -> None:
    cues = [Cue(0, 2000, "Vâng."), Cue(2100, 4000, "Dạ.")]
    segments = [seg(0, 1800, logprob=-1.2), seg(1800, 4000)]
    flagged = flag_cues(cues, segments)
    assert [c.flags for c in flagged] == [("low_logprob",), ()]


def test_flagged_cues_reach_qc_as_warnings() -> None:
    flagged = flag_cues([cue("Hãy đăng ký kênh", 0, 2000)], [CLEAN])
    findings = qc.check(flagged, qc.QCContext(rules=Rules()), only=["whisper_flag"])
    assert [(f.check, f.severity, f.params["flags"]) for f in findings] == [
        ("whisper_flag", "warning", "artefact")]
