"""Cue timing to shot changes (subtitles.shots): each rule by itself, then Hypothesis checks
that no hard rule is ever broken on random cues and cuts. Frames at 25 fps are 40 ms."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from subtitles.cues import Cue, Rules, Word
from subtitles.shots import snap_to_shots

RULES = Rules()  # 25 fps, snap within 7 frames (280 ms), 2 frames (80 ms) away, 80 ms gap
CUT = 10_000


def one(start: int, end: int, shots: list[int] | None = None, rules: Rules = RULES,
        media: int | None = None) -> tuple[int, int]:
    """The new (start, end) of a single cue."""
    cue = snap_to_shots([Cue(start, end, "x")], [CUT] if shots is None else shots, rules,
                        media)[0]
    return cue.start_ms, cue.end_ms


# ---- in points ----------------------------------------------------------------------------

def test_in_point_before_a_cut_moves_onto_it() -> None:
    assert one(CUT - 200, CUT + 2000) == (CUT, CUT + 2000)


def test_in_point_after_a_cut_moves_back_onto_it() -> None:
    assert one(CUT + 120, CUT + 2000) == (CUT, CUT + 2000)


def test_snap_window_is_seven_frames_exactly() -> None:
    assert one(CUT - 280, CUT + 2000) == (CUT, CUT + 2000)  # 7 frames: snaps
    assert one(CUT - 281, CUT + 2000) == (CUT - 281, CUT + 2000)  # just outside: stays
    wider = replace(RULES, shot_snap_frames=12)  # Netflix's 12 frames, as a channel may ask
    assert one(CUT - 480, CUT + 2000, rules=wider) == (CUT, CUT + 2000)


def test_frames_are_exact_at_ntsc_rates() -> None:
    ntsc = replace(RULES, frame_rate=Fraction(30000, 1001))  # 7 frames = 233.57 ms
    assert one(CUT - 233, CUT + 2000, rules=ntsc) == (CUT, CUT + 2000)
    assert one(CUT - 234, CUT + 2000, rules=ntsc) == (CUT - 234, CUT + 2000)


# ---- out points ---------------------------------------------------------------------------

def test_out_point_before_a_cut_extends_to_two_frames_before_it() -> None:
    assert one(CUT - 3000, CUT - 200) == (CUT - 3000, CUT - 80)


def test_out_point_hanging_over_a_cut_is_pulled_back_before_it() -> None:
    assert one(CUT - 3000, CUT + 120) == (CUT - 3000, CUT - 80)


def test_out_point_on_the_cut_leaves_the_minimum_gap_for_the_next_cue() -> None:
    cues = [Cue(CUT - 3000, CUT - 40, "a"), Cue(CUT + 100, CUT + 3000, "b")]
    first, second = snap_to_shots(cues, [CUT], RULES)
    assert (first.end_ms, second.start_ms) == (CUT - 80, CUT)
    assert second.start_ms - first.end_ms == RULES.min_gap_ms


# ---- when snapping would break a hard rule ------------------------------------------------

def test_in_point_that_cannot_snap_keeps_two_frames_away_on_its_own_side() -> None:
    # Snapping 1 frame later would make the cue shorter than 833 ms: it moves 2 frames away.
    assert one(CUT - 40, CUT - 40 + 833) == (CUT - 80, CUT - 40 + 833)


def test_out_point_that_cannot_snap_keeps_two_frames_away_on_its_own_side() -> None:
    # Pulling the end back before the cut would leave less than 833 ms: it goes 2 frames past.
    assert one(CUT + 40 - 833, CUT + 40) == (CUT + 40 - 833, CUT + 80)


def test_in_point_that_cannot_snap_but_is_far_enough_stays() -> None:
    previous = Cue(CUT - 2000, CUT + 40, "a")  # ends inside the new shot, far from the cut
    cues = [previous, Cue(CUT + 200, CUT + 3000, "b")]
    # The earlier cue's out point is pulled back, so the later one is free to snap.
    assert [(c.start_ms, c.end_ms) for c in snap_to_shots(cues, [CUT], RULES)] == [
        (CUT - 2000, CUT - 80), (CUT, CUT + 3000)]
    # With the earlier cue too short to give up time, the later in point keeps its place.
    short = Cue(CUT - 800, CUT + 40, "a")
    got = snap_to_shots([short, cues[1]], [CUT], RULES)
    assert [(c.start_ms, c.end_ms) for c in got] == [(CUT - 800, CUT + 80),
                                                      (CUT + 200, CUT + 3000)]
    assert got[1].start_ms - got[0].end_ms >= RULES.min_gap_ms


def test_nothing_passes_the_end_of_the_media() -> None:
    media = CUT + 50  # the cut is in the last frames of the programme
    # Snapping back is too short, 2 frames past the cut is past the media: the cue stays.
    assert one(CUT + 40 - 833, CUT + 40, media=media) == (CUT + 40 - 833, CUT + 40)


def test_cues_never_overlap_or_lose_their_gap() -> None:
    # 50 ms apart (under the gap): the later cue moves onto the cut first, which frees the
    # earlier one to end 2 frames before it.
    cues = [Cue(CUT - 1500, CUT - 150, "a"), Cue(CUT - 100, CUT + 1500, "b")]
    got = snap_to_shots(cues, [CUT], RULES)
    assert (got[0].end_ms, got[1].start_ms) == (CUT - 80, CUT)
    # Cut between two cues that touch the gap: neither may eat into it.
    tight = [Cue(CUT - 1500, CUT + 40, "a"), Cue(CUT + 120, CUT + 1500, "b")]
    got = snap_to_shots(tight, [CUT], RULES)
    assert got[1].start_ms - got[0].end_ms >= RULES.min_gap_ms
    assert (got[0].end_ms, got[1].start_ms) == (CUT - 80, CUT)


def test_a_cue_already_too_short_is_not_shortened_further() -> None:
    assert one(CUT - 100, CUT + 400) == (CUT - 100, CUT + 400)  # 500 ms: snapping would cut it


def test_a_cue_is_not_stretched_past_the_maximum_duration() -> None:
    start = CUT - 200 - 7000
    assert one(start, CUT - 200) == (start, CUT - 200)  # 7 s already: no extension


def test_existing_overlaps_are_not_made_worse() -> None:
    cues = [Cue(CUT - 2000, CUT - 100, "a"), Cue(CUT - 500, CUT + 2000, "b")]  # overlap
    got = snap_to_shots(cues, [CUT], RULES)
    assert got[0].end_ms <= cues[0].end_ms  # the earlier one may only shrink...
    assert got[1].start_ms >= cues[1].start_ms  # ...the later one may only start later


# ---- what is left alone -------------------------------------------------------------------

def test_text_words_and_flags_are_untouched() -> None:
    words = (Word("Lai", CUT - 150, CUT + 100, 0.9), Word("Châu", CUT + 120, CUT + 500, 0.4))
    cue = Cue(CUT - 150, CUT + 1500, "Lai Châu", ("low_confidence",), words)
    moved = snap_to_shots([cue], [CUT], RULES)[0]
    assert moved.start_ms == CUT
    assert (moved.text, moved.flags, moved.words) == (cue.text, cue.flags, cue.words)


def test_no_cuts_or_far_cuts_change_nothing() -> None:
    cues = [Cue(1000, 3000, "a"), Cue(4000, 6000, "b")]
    assert snap_to_shots(cues, [], RULES) == cues
    assert snap_to_shots(cues, [20_000, 500_000], RULES) == cues
    assert snap_to_shots([], [CUT], RULES) == []


def test_unsorted_and_repeated_cuts_are_fine() -> None:
    assert snap_to_shots([Cue(CUT - 200, CUT + 2000, "x")], [CUT + 9000, CUT, CUT, 0],
                         RULES)[0].start_ms == CUT


def test_a_second_run_changes_nothing() -> None:
    cues = [Cue(CUT - 3000, CUT - 40, "a"), Cue(CUT + 100, CUT + 3000, "b"),
            Cue(CUT + 3050, CUT + 5000, "c")]
    once = snap_to_shots(cues, [CUT, CUT + 3100], RULES)
    assert [(c.start_ms, c.end_ms) for c in once] == [
        (CUT - 3000, CUT - 80), (CUT, CUT + 3020), (CUT + 3100, CUT + 5000)]
    assert snap_to_shots(once, [CUT, CUT + 3100], RULES) == once


def test_a_caller_may_refuse_a_timing() -> None:
    cues = [Cue(CUT - 3000, CUT - 200, "a"), Cue(CUT + 100, CUT + 3000, "b")]
    asked: list[tuple[int, int, int]] = []

    def only_inside_3s_window(index: int, start: int, end: int) -> bool:
        asked.append((index, start, end))
        return start >= CUT + 50  # e.g. the source cue of a translation starts there

    got = snap_to_shots(cues, [CUT], RULES, allowed=only_inside_3s_window)
    assert got[0] == cues[0]  # every new timing of the first cue was refused
    assert (got[1].start_ms, got[1].end_ms) == (CUT + 100, CUT + 3000)
    assert (0, CUT - 3000, CUT - 80) in asked and (1, CUT, CUT + 3000) in asked


def test_shot_rules_round_trip_through_channel_settings() -> None:
    rules = Rules.from_mapping({"shot_snap_frames": 12, "shot_min_distance_frames": 3})
    assert (rules.shot_snap_frames, rules.shot_min_distance_frames) == (12, 3)
    assert Rules.from_mapping(rules.as_mapping()) == rules
    assert (Rules.from_mapping({}).shot_snap_frames,
            Rules.from_mapping({}).shot_min_distance_frames) == (7, 2)


# ---- properties ---------------------------------------------------------------------------

@st.composite
def timed_cues(draw: st.DrawFn) -> list[Cue]:
    """Cues in time order, mostly valid, sometimes overlapping or too short (as imports are)."""
    count = draw(st.integers(0, 12))
    cues, at = [], draw(st.integers(0, 2000))
    for index in range(count):
        at += draw(st.integers(-300, 1500))
        at = max(at, 0)
        length = draw(st.integers(1, 8000))
        cues.append(Cue(at, at + length, f"c{index}"))
        at += length
    return cues


@st.composite
def cues_and_cuts(draw: st.DrawFn) -> tuple[list[Cue], list[int]]:
    """Cues, and cuts anywhere plus cuts a few frames from their in and out points."""
    cues = draw(timed_cues())
    cuts = draw(st.lists(st.integers(0, 60_000), max_size=10))
    edges = [t for c in cues for t in (c.start_ms, c.end_ms)]
    if edges:
        for pick, offset in draw(st.lists(st.tuples(st.integers(0, 100), st.integers(-400, 400)),
                                          max_size=12)):
            cuts.append(max(0, edges[pick % len(edges)] + offset))
    return cues, cuts


@settings(max_examples=300, deadline=None)
@given(
    drawn=cues_and_cuts(),
    fps=st.sampled_from([Fraction(25), Fraction(30000, 1001), Fraction(24), Fraction(50)]),
    snap_frames=st.integers(0, 12),
    berth_frames=st.integers(0, 4),
    media_extra=st.one_of(st.none(), st.integers(-500, 3000)),
    refuse_some=st.booleans(),
)
def test_hard_rules_hold_on_random_input(drawn: tuple[list[Cue], list[int]], fps: Fraction,
                                         snap_frames: int, berth_frames: int,
                                         media_extra: int | None, refuse_some: bool) -> None:
    cues, cut_list = drawn

    def allowed(index: int, start: int, end: int) -> bool:
        return not refuse_some or (index + start + end) % 3 != 0
    rules = Rules(frame_rate=fps, shot_snap_frames=snap_frames,
                  shot_min_distance_frames=berth_frames)
    media = None
    if media_extra is not None and cues:
        media = max(1, max(c.end_ms for c in cues) + media_extra)
    got = snap_to_shots(cues, cut_list, rules, media, allowed=allowed)
    assert len(got) == len(cues)
    for before, after in zip(cues, got, strict=True):
        assert (after.text, after.flags, after.words) == (before.text, before.flags,
                                                          before.words)
        assert 0 <= after.start_ms < after.end_ms
        assert after.duration_ms >= min(before.duration_ms, rules.min_duration_ms)
        assert after.duration_ms <= max(before.duration_ms, rules.max_duration_ms)
        if media is not None and after.end_ms != before.end_ms:
            assert after.end_ms <= max(media, before.end_ms)
    for index in range(1, len(got)):
        old_gap = cues[index].start_ms - cues[index - 1].end_ms
        new_gap = got[index].start_ms - got[index - 1].end_ms
        assert new_gap >= min(old_gap, rules.min_gap_ms)
    berth = rules.frame_ms * berth_frames
    for before, after in zip(cues, got, strict=True):
        for old, new, edge in ((before.start_ms, after.start_ms, "in"),
                               (before.end_ms, after.end_ms, "out")):
            if old == new:
                continue
            snapped = (new in cut_list if edge == "in"
                       else new + rules.min_gap_ms in cut_list)
            assert snapped or all(abs(new - c) >= berth for c in cut_list), (edge, old, new)
    for index, (before, after) in enumerate(zip(cues, got, strict=True)):
        assert before == after or allowed(index, after.start_ms, after.end_ms)
    # A second click changes nothing.
    assert snap_to_shots(got, cut_list, rules, media, allowed=allowed) == got
