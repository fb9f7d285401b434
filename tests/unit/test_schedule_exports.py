"""Each export read back by its consumer: ffplayout's fields, icalendar, an M3U reader, csv, HTML.

The ffplayout check is tests/unit/ffplayout_checker.py, written from ffplayout's source
independently of the writer. ffplayout plays items back to back from ``day_start``
(``begin += out - in``) and wants the list to fill its 24 h ``length``; gaps are a real
filler clip (issue 17: there is no ``filler`` keyword), here ``FILLER``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from html.parser import HTMLParser
from typing import Any

import icalendar
import pytest

from schedule import exports
from schedule.days import day_window
from schedule.exports import EXPORTS, daysheet, ffplayout, ical, m3u
from schedule.exports import csv as csv_export
from schedule.items import ChannelFacts, ReportFacts, SlotItem
from schedule.rules import check_day
from station.errors import ValidationError
from station.timecode import local_to_utc
from tests.unit.ffplayout_checker import problems

VTV4 = ChannelFacts("VTV4", day_start_hour=5)
VOV5 = ChannelFacts("VOV5", day_start_hour=5, kind="radio")
DAY = dt.date(2026, 12, 7)
NOW = local_to_utc(dt.datetime(2026, 12, 1, 9, 0))
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return local_to_utc(dt.datetime(*args))


def slot(slot_id: int, start: dt.datetime, minutes: int, title: str = "", *,
         channel: str = "VTV4", **kwargs: Any) -> SlotItem:
    values: dict[str, Any] = {"kind": "programme", "source": f"/delivery/{channel}/{slot_id}.mp4"}
    values.update(kwargs)
    return SlotItem(slot_id, channel, start, minutes * 60, title or f"Slot {slot_id}", **values)


def day_of_slots(channel: str = "VTV4") -> list[SlotItem]:
    """A broadcast day with a gap, back-to-back items and a 01:30 slot after local midnight."""
    return [
        slot(1, at(2026, 12, 7, 6, 0), 30, "Chào buổi sáng", channel=channel),
        slot(2, at(2026, 12, 7, 19, 0), 30, "Lai Châu hôm nay", channel=channel, kind="report",
             report_id=10, category="news"),
        slot(3, at(2026, 12, 7, 19, 30), 15, "Tin tiếng Mông", channel=channel),
        slot(4, at(2026, 12, 8, 1, 30), 30, "Phát lại đêm", channel=channel, rerun_of=2),
    ]


# ---- ffplayout -------------------------------------------------------------------------------

FILLER = "/srv/playout/filler.mp4"
FILL: dict[str, Any] = {"filler_source": FILLER, "filler_duration_s": 240.0}


def ffplayout_problems(doc: dict[str, Any]) -> list[str]:
    """What ffplayout (and Station's stricter reading) would object to, day length exact."""
    return problems(doc, exact=True)


def played_at(doc: dict[str, Any], channel: ChannelFacts) -> dict[str, dt.datetime]:
    """When ffplayout starts each source, replaying the list from the broadcast day's start."""
    start = day_window(dt.date.fromisoformat(doc["date"]), channel)[0]
    return {source: start + dt.timedelta(seconds=offset)
            for offset, _, source in ffplayout.segments_played(doc) if source != FILLER}


def test_ffplayout_playlist_has_only_documented_fields_and_plays_on_time() -> None:
    slots = day_of_slots()
    data = exports.export("ffplayout", slots, VTV4, DAY, **FILL)
    assert not data.startswith(b"\xef\xbb\xbf")  # serde_json refuses a BOM
    doc = json.loads(data)
    assert ffplayout_problems(doc) == []
    assert doc["channel"] == "VTV4" and doc["date"] == "2026-12-07"
    starts = played_at(doc, VTV4)
    assert starts == {s.source: s.start for s in slots}
    total = sum(item["out"] - item["in"] for item in doc["program"])
    assert total == pytest.approx(24 * 3600)  # ffplayout's length check: a full day
    titles = [item["title"] for item in doc["program"]]
    assert "Lai Châu hôm nay" in titles  # UTF-8, not \\u escapes
    assert "Lai Châu hôm nay".encode() in data
    news = next(item for item in doc["program"] if item["source"].endswith("/2.mp4"))
    assert news["category"] == "news"


def test_ffplayout_date_is_the_broadcast_day_for_a_0130_slot() -> None:
    night = slot(4, at(2026, 12, 8, 1, 30), 30, "Phát lại đêm")
    assert night.start.date() == dt.date(2026, 12, 7)  # UTC date and local date disagree...
    doc = json.loads(ffplayout.write([night], VTV4, DAY, **FILL))
    assert doc["date"] == "2026-12-07"  # ...the playlist follows the broadcast day (05:00 start)
    assert played_at(doc, VTV4) == {night.source: night.start}
    # The 8th's playlist does not contain it; a channel whose day starts at midnight does.
    assert {i["source"] for i in ffplayout.playlist([night], VTV4, dt.date(2026, 12, 8),
                                                    **FILL)["program"]} == {FILLER}
    midnight = ChannelFacts("VTV4", day_start_hour=0)
    assert night.source in played_at(ffplayout.playlist([night], midnight, dt.date(2026, 12, 8),
                                                        **FILL), midnight)
    assert ffplayout.playlist_path(DAY) == "2026/12/2026-12-07.json"


def test_ffplayout_gaps_are_explicit_filler_items() -> None:
    doc = ffplayout.playlist(day_of_slots(), VTV4, DAY, filler_source="/media/filler.mp4",
                             filler_duration_s=600.0)
    fillers = [i for i in doc["program"] if i["category"] == "filler"]
    assert all(i["source"] == "/media/filler.mp4" for i in fillers)
    assert sum(i["out"] for i in fillers[:6]) == 3600.0  # 05:00 -> 06:00, six copies
    assert ffplayout_problems(doc) == []
    assert doc["program"][-1]["category"] == "filler"  # up to the next day start


def test_ffplayout_filler_clip_is_repeated_and_the_last_copy_cut() -> None:
    doc = ffplayout.playlist([slot(1, at(2026, 12, 7, 5, 10), 30)], VTV4, DAY, **FILL)
    fillers = [i for i in doc["program"] if i["source"] == FILLER]
    assert [(i["out"], i["duration"]) for i in fillers[:3]] == [(240.0, 240.0), (240.0, 240.0),
                                                                (120.0, 240.0)]
    assert ffplayout_problems(doc) == []
    assert played_at(doc, VTV4)["/delivery/VTV4/1.mp4"] == at(2026, 12, 7, 5, 10)


def test_ffplayout_media_lengths_cut_an_overrun_and_fill_a_short_item() -> None:
    slots = day_of_slots()
    doc = ffplayout.playlist(slots, VTV4, DAY, media_durations={2: 1850.0, 1: 1700.5}, **FILL)
    items = {i["source"]: i for i in doc["program"]}
    assert (items["/delivery/VTV4/2.mp4"]["out"], items["/delivery/VTV4/2.mp4"]["duration"]) == (
        1800.0, 1850.0)  # cut at the slot's end: the next item keeps its time
    assert items["/delivery/VTV4/1.mp4"]["out"] == 1700.5
    assert ffplayout_problems(doc) == []
    assert played_at(doc, VTV4) == {s.source: s.start for s in slots}


def test_ffplayout_refuses_what_it_cannot_play() -> None:
    overlapping = [slot(1, at(2026, 12, 7, 19, 0), 30), slot(2, at(2026, 12, 7, 19, 10), 30)]
    with pytest.raises(ValidationError):
        ffplayout.write(overlapping, VTV4, DAY, **FILL)
    with pytest.raises(ValidationError) as caught:
        ffplayout.write([slot(1, at(2026, 12, 7, 19, 0), 30, source=None, kind="report")],
                        VTV4, DAY, **FILL)
    assert "no file to play" in str(caught.value)
    assert "chưa có tệp" in caught.value.message("vi")
    with pytest.raises(ValidationError):
        ffplayout.write(day_of_slots(), VTV4)  # no day: never guess it from a UTC date
    with pytest.raises(ValidationError):
        ffplayout.playlist(day_of_slots(), VTV4, DAY, filler_source=FILLER, filler_duration_s=0)
    filler = slot(1, at(2026, 12, 7, 19, 0), 30, source=None, kind="filler")
    assert ffplayout_problems(ffplayout.playlist([filler], VTV4, DAY, **FILL)) == []


# ---- M3U -------------------------------------------------------------------------------------


def test_m3u_reads_back_in_play_order_with_fillers() -> None:
    slots = day_of_slots("VOV5")
    data = exports.export("m3u", slots, VOV5, DAY, **FILL)
    text = data.decode("utf-8")
    assert text.startswith("#EXTM3U\n") and "#EXTINF:1800,Lai Châu hôm nay\n" in text
    entries = m3u.read(data)
    programmes = [e for e in entries if e.path != FILLER]
    assert [(e.duration_s, e.title, e.path) for e in programmes] == [
        (s.duration_s, s.title, s.source) for s in slots]
    # whole filler copies: the day is off by at most half a copy (an M3U cannot cut one)
    assert abs(sum(e.duration_s for e in entries) - 24 * 3600) <= 120
    assert entries[:15] == [m3u.Entry(240, "Filler", FILLER)] * 15  # 05:00 -> 06:00


def test_m3u_follows_real_media_lengths_with_filler_after_a_short_file() -> None:
    slots = day_of_slots("VOV5")
    entries = m3u.entries(slots, VOV5, DAY, media_durations={2: 1700.4}, filler_source=FILLER,
                          filler_duration_s=50.0)
    index = next(n for n, e in enumerate(entries) if e.path.endswith("/2.mp4"))
    assert entries[index].duration_s == 1700
    assert entries[index + 1: index + 3] == [m3u.Entry(50, "Filler", FILLER)] * 2  # 100 s
    assert entries[index + 3].path.endswith("/3.mp4")
    assert sum(e.duration_s for e in entries) == 24 * 3600


def test_m3u_titles_stay_on_one_line_and_the_reader_is_tolerant() -> None:
    tricky = slot(1, at(2026, 12, 7, 6, 0), 30, "Tin\nmới, hôm nay", channel="VOV5")
    entries = m3u.read(m3u.write([tricky], VOV5, DAY, fill_gaps=False))
    assert entries == [m3u.Entry(1800, "Tin mới, hôm nay", "/delivery/VOV5/1.mp4")]
    windows = "\ufeff#EXTM3U\r\n#EXTINF:12.5 tvg-id=x,A, B\r\n\r\n/a.mp3\r\n/b.mp3\r\n"
    assert m3u.read(windows.encode("utf-8")) == [m3u.Entry(12, "A, B", "/a.mp3"),
                                                 m3u.Entry(-1, "", "/b.mp3")]


# ---- iCalendar -------------------------------------------------------------------------------


def parse(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_ical_parses_back_to_the_same_instants() -> None:
    slots = day_of_slots()
    data = exports.export("ics", slots, VTV4, now=NOW)
    events = parse(data)
    assert set(events) == {f"slot-{s.id}@station.laichau" for s in slots}
    for s in slots:
        event = events[ical.uid(s.id or 0)]
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert (start, end) == (s.start, s.end)
        assert start.utcoffset() == dt.timedelta(0)  # UTC ("Z"): no VTIMEZONE needed
        assert str(event["summary"]) == s.title
        assert event.decoded("dtstamp") == NOW
    assert b"DTSTART:20261207T183000Z" in data  # 01:30 local on the 8th
    assert b"VTIMEZONE" not in data
    night = events["slot-4@station.laichau"]
    assert "2026-12-08 01:30" in str(night["description"])  # local wall time for people


def test_ical_uids_are_stable_and_sequence_follows_the_version() -> None:
    first = parse(ical.write(day_of_slots(), VTV4, now=NOW))
    moved = [s if s.id != 2 else SlotItem(2, "VTV4", at(2026, 12, 7, 20, 0), 1800,
                                          "Lai Châu hôm nay", kind="report", report_id=10,
                                          version=3, status="published")
             for s in day_of_slots()]
    second = parse(ical.write(moved, VTV4, now=NOW))
    assert set(first) == set(second)  # a refresh replaces events, never duplicates them
    uid = "slot-2@station.laichau"
    assert first[uid].decoded("sequence") == 0 and second[uid].decoded("sequence") == 2
    assert second[uid].decoded("dtstart") == at(2026, 12, 7, 20, 0)
    assert str(first[uid]["status"]) == "TENTATIVE" and str(second[uid]["status"]) == "CONFIRMED"


def test_ical_day_filter_and_unsaved_slots() -> None:
    events = parse(ical.write(day_of_slots(), VTV4, dt.date(2026, 12, 8), now=NOW))
    assert events == {}  # every slot, 01:30 included, is in the 7th's broadcast day
    assert len(parse(ical.write(day_of_slots(), VTV4, DAY, now=NOW))) == 4
    with pytest.raises(ValidationError):
        ical.write([SlotItem(None, "VTV4", at(2026, 12, 7, 6, 0), 60, "new")], VTV4, now=NOW)


# ---- CSV -------------------------------------------------------------------------------------


def test_csv_reads_back_with_local_times_and_a_bom() -> None:
    data = exports.export("csv", day_of_slots(), VTV4, DAY)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 only with the BOM
    assert b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == csv_export.COLUMNS
    assert [r["slot_id"] for r in rows] == ["1", "2", "3", "4"]
    night = rows[-1]
    assert night["start_local"] == "2026-12-08 01:30:00"
    assert night["broadcast_day"] == "2026-12-07"  # not the calendar date, not the UTC date
    assert night["utc_offset"] == "+07:00"
    assert night["rerun_of"] == "2" and night["readiness"] == ""
    assert rows[1]["title"] == "Lai Châu hôm nay" and rows[1]["duration"] == "30:00"


def test_csv_readiness_and_formula_guard() -> None:
    slots = [slot(1, at(2026, 12, 7, 19, 0), 30, "=HYPERLINK(\"x\")", kind="report",
                  report_id=10),
             slot(2, at(2026, 12, 7, 20, 0), 30)]
    findings = check_day(slots, {10: ReportFacts(10, "x", "review", duration_ms=1_800_000,
                                                 loudness_lufs=-23.0, true_peak_dbtp=-2.0)},
                         VTV4, now=NOW)
    rows = list(csv.DictReader(io.StringIO(
        csv_export.write(slots, VTV4, DAY, findings=findings, lang="vi").decode("utf-8-sig"))))
    assert rows[0]["title"] == "'=HYPERLINK(\"x\")"
    assert rows[0]["readiness"].startswith("lỗi: Tin bài #10")
    assert rows[1]["readiness"] == "sẵn sàng"


# ---- day sheet -------------------------------------------------------------------------------


class TableReader(HTMLParser):
    """Cells of each body row, as a browser would read the table."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.title = ""
        self._cell: list[str] | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_title:
            self.title += data


def test_daysheet_is_a_self_contained_table_with_escaped_text() -> None:
    slots = [*day_of_slots(), slot(5, at(2026, 12, 7, 21, 0), 10, "<script>alert(1)</script> & co")]
    findings = check_day(slots, {10: ReportFacts(10, "x", "approved", duration_ms=None,
                                                 loudness_lufs=-23.0, true_peak_dbtp=-2.0)},
                         VTV4, now=NOW)
    page = daysheet.render(slots, VTV4, DAY, findings=findings, lang="en", now=NOW)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http" not in page and "<link" not in page  # nothing to fetch when printing
    reader = TableReader()
    reader.feed(page)
    header, *body = reader.rows
    assert header == ["Time", "Duration", "Title", "Kind", "Status", "Readiness"]
    assert [row[0] for row in body] == ["06:00", "19:00", "19:30", "21:00", "01:30"]
    assert body[3][2] == "<script>alert(1)</script> & co"  # read back as the typed text
    assert body[1][5].startswith("warning: The report's duration is unknown")
    assert body[0][5] == "Ready"
    assert reader.title == "VTV4 · 2026-12-07"


def test_daysheet_in_vietnamese_and_without_findings() -> None:
    page = exports.export("daysheet", day_of_slots(), VTV4, DAY).decode("utf-8")
    assert '<html lang="vi">' in page and "Ngày phát sóng" in page
    reader = TableReader()
    reader.feed(page)
    assert reader.rows[0][0] == "Giờ"
    assert all(row[5] == "" for row in reader.rows[1:])  # unchecked is not "ready"
    empty = TableReader()
    empty.feed(daysheet.render([], VTV4, DAY, lang="en"))
    assert empty.rows[1] == ["No slots on this day"]


# ---- the registry ----------------------------------------------------------------------------


def test_registry_names_extensions_and_types() -> None:
    assert set(EXPORTS) == {"ffplayout", "m3u", "ffconcat", "ics", "csv", "daysheet"}
    writer, extension, mimetype = EXPORTS["ics"]
    assert writer is ical.write and extension == "ics" and mimetype.startswith("text/calendar")
    assert exports.filename("ffplayout", VTV4, DAY) == "2026-12-07.json"  # as ffplayout reads it
    assert exports.filename("m3u", VTV4, DAY) == "VTV4_2026-12-07.m3u"
    assert exports.filename("ics", VTV4) == "VTV4.ics"
    with pytest.raises(ValidationError) as caught:
        exports.get("xlsx")
    assert "ffplayout, m3u, ffconcat, ics, csv, daysheet" in str(caught.value)


@pytest.mark.parametrize("name", ["ffplayout", "m3u", "ffconcat", "ics", "csv", "daysheet"])
def test_every_export_returns_bytes_for_a_day(name: str) -> None:
    options = {"now": NOW} if name == "ics" else FILL if name in exports.PLAYLISTS else {}
    data = exports.export(name, day_of_slots(), VTV4, DAY, **options)
    assert isinstance(data, bytes) and data
    data.decode("utf-8")
