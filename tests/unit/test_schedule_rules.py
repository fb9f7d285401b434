"""Readiness checks of a broadcast day: each check by its stable id, at and around its limit.

Limits: EBU R 128 loudness as adopted by QCVN 115:2017/BTTTT (-23 LUFS ± 0.5 LU, true peak
-1 dBTP); a report may be up to ``tolerance_s`` (30 s) shorter than its slot; VTV4 requires
subtitles in eight languages (docs/standards.md "Channels and languages").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from schedule import rules
from schedule.items import ChannelFacts, ReportFacts, SlotItem
from schedule.rules import CHECKS, by_slot, check_day, errors, summary, warnings
from station.errors import ValidationError
from station.timecode import local_to_utc

VTV4_LANGUAGES = ("en", "fr", "ru", "zh", "ja", "ko", "de", "es")
VTV4 = ChannelFacts("VTV4", day_start_hour=5, required_languages=VTV4_LANGUAGES)
LCTV = ChannelFacts("LCTV", required_languages=("vi",))
NOW = local_to_utc(dt.datetime(2026, 12, 1, 9, 0))

EXPECTED_IDS = ["overlap", "report_missing", "not_approved", "duration_unknown", "too_long",
                "too_short", "subtitles", "loudness", "rerun_before_first", "embargo"]


def at(*args: int) -> dt.datetime:
    return local_to_utc(dt.datetime(*args))


def report(report_id: int = 10, **kwargs: Any) -> ReportFacts:
    """A report ready for VTV4: approved, 29:45 long, -23 LUFS, every subtitle language ok."""
    values: dict[str, Any] = {
        "title": "Lai Châu hôm nay", "status": "approved", "duration_ms": 1_785_000,
        "loudness_lufs": -23.0, "true_peak_dbtp": -2.0,
        "languages_ok": dict.fromkeys((*VTV4_LANGUAGES, "vi"), "ok"),
    }
    values.update(kwargs)
    return ReportFacts(report_id, **values)


def slot(slot_id: int | None = 1, start: dt.datetime | None = None, *, minutes: int = 30,
         channel: str = "VTV4", **kwargs: Any) -> SlotItem:
    values: dict[str, Any] = {"kind": "report", "report_id": 10, "source": "/d/x.mp4"}
    values.update(kwargs)
    return SlotItem(slot_id, channel, start or at(2026, 12, 7, 19, 0), minutes * 60,
                    f"Slot {slot_id}", **values)


def run(slots: list[SlotItem], reports: dict[int, ReportFacts] | None = None,
        channel: ChannelFacts = VTV4, **kwargs: Any) -> list[rules.Finding]:
    return check_day(slots, {10: report()} if reports is None else reports, channel,
                     now=NOW, **kwargs)


def ids(findings: list[rules.Finding]) -> list[str]:
    return [f.check for f in findings]


def test_registry_ids_and_order_are_stable() -> None:
    assert list(CHECKS) == EXPECTED_IDS
    assert all(c.severity in ("error", "warning") for c in CHECKS.values())
    assert all(c.title and c.func.__doc__ for c in CHECKS.values())


def test_a_ready_day_has_no_findings() -> None:
    slots = [slot(1), slot(2, at(2026, 12, 7, 19, 30)), slot(3, at(2026, 12, 8, 1, 30))]
    assert run(slots) == []


# ---- overlap ---------------------------------------------------------------------------------


def test_overlap_is_an_error_on_both_slots_naming_the_other() -> None:
    a, b = slot(1), slot(2, at(2026, 12, 7, 19, 20), minutes=20)
    found = run([b, a], only="overlap")
    assert [(f.slot_id, f.params["other_id"], f.severity) for f in found] == [
        (1, 2, "error"), (2, 1, "error")]
    assert found[0].params["overlap_s"] == 600
    assert found[0].text() == "Overlaps “Slot 2” (19:20–19:40) by 10:00"
    assert found[0].text("vi") == (
        "Chồng lấn với “Slot 2” (19:20–19:40), thời gian trùng 10:00")


def test_a_short_overlap_shows_seconds_not_19_00_19_00() -> None:
    """Issue 13: a 20-second item read "(19:00-19:00) trong 20 giây"."""
    short = dataclasses.replace(slot(2, minutes=1), duration_s=20)
    found = run([slot(1), short], only="overlap")
    by_slot = {f.slot_id: f for f in found}
    assert by_slot[1].text() == "Overlaps “Slot 2” (19:00:00–19:00:20) by 0:20"
    assert by_slot[1].text("vi") == (
        "Chồng lấn với “Slot 2” (19:00:00–19:00:20), thời gian trùng 0:20")
    assert by_slot[2].text() == "Overlaps “Slot 1” (19:00–19:30) by 0:20"
    assert by_slot[1].params["overlap_s"] == 20


def test_back_to_back_and_other_channels_do_not_overlap() -> None:
    assert run([slot(1), slot(2, at(2026, 12, 7, 19, 30))], only="overlap") == []


def test_history_slots_get_no_findings_but_still_block_others() -> None:
    aired = slot(1, status="aired")
    planned = slot(2, at(2026, 12, 7, 19, 10))
    found = run([aired, planned], {10: report(status="review")})
    assert {f.slot_id for f in found} == {2}
    assert "overlap" in ids(found)
    # A slot that ended before ``now`` is history too.
    past = slot(3, at(2026, 11, 30, 19, 0))
    assert run([past], {10: report(status="review")}) == []


# ---- the report ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["planned", "in_production", "editing", "review"])
def test_a_report_not_yet_approved_may_not_air(status: str) -> None:
    found = run([slot()], {10: report(status=status)}, only="not_approved")
    assert [(f.check, f.severity, f.params["status"]) for f in found] == [
        ("not_approved", "error", status)]
    assert "Report #10" in found[0].text()
    assert "Tin bài #10" in found[0].text("vi")


@pytest.mark.parametrize("status", ["approved", "scheduled", "aired", "archived"])
def test_approved_and_later_statuses_may_air(status: str) -> None:
    assert run([slot()], {10: report(status=status)}, only="not_approved") == []


def test_a_missing_report_is_an_error() -> None:
    found = run([slot()], {})
    assert ids(found) == ["report_missing"]
    assert found[0].params["report_id"] == 10


def test_slots_without_a_report_skip_report_checks() -> None:
    assert run([slot(kind="programme", report_id=None)], {}) == []


# ---- duration --------------------------------------------------------------------------------


def test_longer_than_the_slot_by_one_millisecond_is_an_error() -> None:
    assert run([slot()], {10: report(duration_ms=1_800_000)}, only="too_long") == []
    found = run([slot()], {10: report(duration_ms=1_800_001)}, only="too_long")
    assert ids(found) == ["too_long"] and found[0].severity == "error"
    found = run([slot()], {10: report(duration_ms=1_900_000)}, only="too_long")
    assert found[0].text() == ("The report lasts 31:40, 100 s longer than its 30:00 slot; "
                               "its end would be cut")
    assert found[0].params["over_s"] == 100


def test_shorter_than_the_slot_beyond_the_tolerance_is_a_warning() -> None:
    assert run([slot()], {10: report(duration_ms=1_770_000)}, only="too_short") == []  # 30 s
    found = run([slot()], {10: report(duration_ms=1_769_000)}, only="too_short")
    assert [(f.check, f.severity, f.params["under_s"]) for f in found] == [
        ("too_short", "warning", 31)]
    assert "tolerance 30 s" in found[0].text()
    assert run([slot()], {10: report(duration_ms=1_769_000)}, only="too_short",
               tolerance_s=60) == []


def test_unknown_duration_is_a_warning() -> None:
    found = run([slot()], {10: report(duration_ms=None)})
    assert [(f.check, f.severity) for f in found] == [("duration_unknown", "warning")]


# ---- subtitles -------------------------------------------------------------------------------


def test_each_required_language_gets_its_own_finding_with_the_reason() -> None:
    languages = dict.fromkeys(VTV4_LANGUAGES, "ok")
    languages.update({"fr": "qc_failed", "ja": "not_approved", "ko": "missing"})
    del languages["de"]  # no track at all
    found = run([slot()], {10: report(languages_ok=languages)}, only="subtitles")
    assert [(f.params["language"], f.params["reason"]) for f in found] == [
        ("fr", "qc_failed"), ("ja", "not_approved"), ("ko", "missing"), ("de", "missing")]
    assert all(f.severity == "error" for f in found)
    texts = [f.text() for f in found]
    assert texts[0] == "The fr subtitles fail QC; VTV4 requires them"
    assert texts[1] == "The ja subtitles are not approved yet; VTV4 requires them"
    assert texts[2] == "No ko subtitles; VTV4 requires them"
    assert found[0].text("vi") == ("Phụ đề fr không đạt kiểm tra chất lượng; "
                                   "kênh VTV4 bắt buộc phải có")


def test_a_channel_without_required_languages_needs_no_subtitles() -> None:
    radio = ChannelFacts("VOV5", kind="radio")
    assert run([slot(channel="VOV5")], {10: report(languages_ok={})}, channel=radio) == []


# ---- loudness --------------------------------------------------------------------------------


@pytest.mark.parametrize(("lufs", "peak", "expected"), [
    (-23.0, -1.0, []),
    (-23.5, -3.0, []),  # the edge of ± 0.5 LU is inside
    (-22.5, -3.0, []),
    (-23.6, -3.0, ["Integrated loudness is -23.6 LUFS, outside -23 ± 0.5 LU"]),
    (-20.0, -3.0, ["Integrated loudness is -20 LUFS, outside -23 ± 0.5 LU"]),
    (-23.0, -0.9, ["True peak is -0.9 dBTP, over the -1 dBTP limit"]),
    (-18.0, 0.5, ["Integrated loudness is -18 LUFS, outside -23 ± 0.5 LU",
                  "True peak is 0.5 dBTP, over the -1 dBTP limit"]),
])
def test_loudness_against_ebu_r128(lufs: float, peak: float, expected: list[str]) -> None:
    found = run([slot()], {10: report(loudness_lufs=lufs, true_peak_dbtp=peak)}, only="loudness")
    assert [f.text() for f in found] == expected
    assert all(f.severity == "error" for f in found)


def test_loudness_uses_the_channels_target() -> None:
    radio = ChannelFacts("RADIO", kind="radio", loudness_target_lufs=-16.0,
                         loudness_tolerance_lu=1.0)
    loud = {10: report(loudness_lufs=-16.5, true_peak_dbtp=-2.0)}
    assert run([slot(channel="RADIO")], loud, channel=radio, only="loudness") == []
    assert run([slot()], loud, only="loudness")[0].params["target"] == -23.0


def test_unmeasured_loudness_is_a_warning() -> None:
    found = run([slot()], {10: report(loudness_lufs=None)}, only="loudness")
    assert [(f.check, f.severity) for f in found] == [("loudness", "warning")]
    assert found[0].text() == "Loudness is not measured yet (target -23 LUFS)"


def test_vietnamese_messages_use_decimal_commas() -> None:
    found = run([slot()], {10: report(loudness_lufs=-21.3, true_peak_dbtp=-0.4)},
                only="loudness")
    assert found[0].text("vi") == "Độ lớn tích hợp là -21,3 LUFS, nằm ngoài -23 ± 0,5 LU"
    assert found[1].text("vi") == "Đỉnh thực là -0,4 dBTP, vượt giới hạn -1 dBTP"


# ---- reruns ----------------------------------------------------------------------------------


def test_a_rerun_before_or_at_its_first_airing_is_an_error() -> None:
    first = slot(1, at(2026, 12, 7, 19, 0))
    rerun_same_day_earlier = slot(2, at(2026, 12, 7, 10, 30), rerun_of=1)
    found = run([first, rerun_same_day_earlier], only="rerun_before_first")
    assert [(f.slot_id, f.severity) for f in found] == [(2, "error")]
    assert found[0].text() == ("This rerun airs at 2026-12-07 10:30, not after the first "
                               "airing at 2026-12-07 19:00")
    simultaneous = slot(3, at(2026, 12, 7, 19, 0), channel="VTV4", rerun_of=1)
    assert ids(run([simultaneous], only="rerun_before_first",
                   originals={1: first.start})) == ["rerun_before_first"]


def test_a_rerun_after_its_first_airing_on_another_day_is_fine() -> None:
    rerun = slot(2, at(2026, 12, 10, 10, 30), rerun_of=1)  # Thursday after Monday 19:00
    assert run([rerun], only="rerun_before_first",
               originals={1: at(2026, 12, 7, 19, 0)}) == []
    later = {1: at(2026, 12, 14, 19, 0)}  # the original moved to the next Monday
    assert ids(run([rerun], only="rerun_before_first", originals=later)) == [
        "rerun_before_first"]


def test_a_rerun_of_an_unknown_slot_is_a_warning() -> None:
    found = run([slot(2, rerun_of=99)], only="rerun_before_first")
    assert [(f.severity, f.params["original_id"]) for f in found] == [("warning", 99)]


# ---- embargo ---------------------------------------------------------------------------------


def test_a_report_promised_to_vtv4_may_not_air_elsewhere_first() -> None:
    promised = report(first_channel="VTV4", first_air_at=at(2026, 12, 7, 19, 0),
                      languages_ok={"vi": "ok"})
    before = slot(1, at(2026, 12, 7, 18, 0), channel="LCTV")
    found = run([before], {10: promised}, channel=LCTV, only="embargo")
    assert [(f.check, f.severity, f.params["partner"]) for f in found] == [
        ("embargo", "error", "VTV4")]
    assert found[0].text() == ("Promised first to VTV4: it first airs there at 2026-12-07 "
                               "19:00, after this slot at 2026-12-07 18:00")
    at_the_same_time = slot(1, at(2026, 12, 7, 19, 0), channel="LCTV")
    after = slot(1, at(2026, 12, 8, 18, 0), channel="LCTV")
    assert run([at_the_same_time], {10: promised}, channel=LCTV, only="embargo") == []
    assert run([after], {10: promised}, channel=LCTV, only="embargo") == []


def test_embargo_when_the_partner_has_not_scheduled_it() -> None:
    promised = report(first_channel="VTV4", first_air_at=None)
    found = run([slot(1, channel="LCTV")], {10: promised}, channel=LCTV, only="embargo")
    assert found[0].text() == "Promised first to VTV4, where it is not scheduled yet"
    assert run([slot(1)], {10: promised}, only="embargo") == []  # on VTV4 itself: fine


# ---- the whole ------------------------------------------------------------------------------


def test_findings_are_ordered_by_slot_start_then_check() -> None:
    bad = report(status="review", duration_ms=1_900_000, loudness_lufs=None)
    late = slot(1, at(2026, 12, 8, 1, 30))
    early = slot(2, at(2026, 12, 7, 6, 0))
    found = run([late, early], {10: bad})
    assert [f.slot_id for f in found] == [2, 2, 2, 1, 1, 1]
    assert ids(found)[:3] == ["not_approved", "too_long", "loudness"]


def test_helpers_errors_warnings_by_slot_and_summary() -> None:
    bad = report(status="review", loudness_lufs=None)
    found = run([slot(1), slot(2, at(2026, 12, 7, 20, 0))], {10: bad})
    assert {f.check for f in errors(found)} == {"not_approved"}
    assert {f.check for f in warnings(found)} == {"loudness"}
    assert set(by_slot(found)) == {1, 2} and len(by_slot(found)[1]) == 2
    counts = summary(found)
    assert counts["total"] == 4
    assert counts["by_severity"] == {"error": 2, "warning": 2}
    assert counts["by_check"] == {"not_approved": 2, "loudness": 2}


def test_every_message_has_a_vietnamese_translation() -> None:
    """Drive every message of every check and render it in both languages."""
    languages = {"en": "missing", "fr": "qc_failed", "ru": "not_approved"}
    cases = [
        ([slot(1), slot(2, at(2026, 12, 7, 19, 10))], {10: report()}),
        ([slot(1, report_id=11)], {}),
        ([slot(1)], {10: report(status="review", duration_ms=None)}),
        ([slot(1)], {10: report(duration_ms=1_900_000, languages_ok=languages,
                                loudness_lufs=-20.0, true_peak_dbtp=0.0)}),
        ([slot(1)], {10: report(duration_ms=1_000_000, loudness_lufs=None)}),
        ([slot(1, rerun_of=5), slot(2, rerun_of=99)], {10: report()}),
        ([slot(1, channel="LCTV"), slot(2, at(2026, 12, 7, 20, 0), channel="LCTV",
                                         report_id=11)],
         {10: report(first_channel="VTV4"),
          11: report(11, first_channel="VTV4", first_air_at=at(2026, 12, 9, 19, 0))}),
    ]
    messages: set[str] = set()
    checks: set[str] = set()
    for slots, reports in cases:
        channel = LCTV if slots[0].channel == "LCTV" else VTV4
        for finding in check_day(slots, reports, channel, now=NOW,
                                 originals={5: at(2026, 12, 8, 19, 0)}):
            messages.add(finding.message)
            checks.add(finding.check)
            assert finding.text("vi") != finding.text("en"), finding.message
            assert "{" not in finding.text("vi") and "{" not in finding.text("en")
    assert checks == set(CHECKS)
    assert len(messages) == 16  # every template of every check


def test_unknown_check_ids_are_refused() -> None:
    with pytest.raises(ValidationError):
        run([slot()], only=["overlap", "nope"])


def test_slots_of_another_channel_and_naive_now_are_refused() -> None:
    with pytest.raises(ValueError):
        run([slot(channel="VOV5")])
    with pytest.raises(ValueError):
        check_day([slot()], {10: report()}, VTV4, now=dt.datetime(2026, 12, 1))


def test_unsaved_slots_are_checked_too() -> None:
    found = run([slot(None), replace(slot(None), start=at(2026, 12, 7, 19, 15))],
                {10: report()}, only="overlap")
    assert [f.slot_id for f in found] == [None, None]
