"""The periodic review's figures on SQLite and PostgreSQL, against a brute-force count.

A seeded station (reports with their status history, subtitle tracks and cues, slots and
as-run entries, packages and downloads) whose figures are known by construction: every table
``results.review.compute`` returns is recomputed here in plain Python over the seeded objects
(local months with zoneinfo, no SQL) and must agree, for a year, a period crossing a year,
an empty period and with filters. Boundary cases sit at local midnight in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from delivery.models import Package, PackageDownload
from production.models import DEFAULT_SUBTITLE_RULES, Channel, MediaAsset, Report, ReportEvent
from results.drilldown import drill, drill_count
from results.review import compute
from results.types import Filters, Period, Results
from schedule.models import AsRunEntry, Slot
from station.errors import NotFound, ValidationError
from station.runtime import Runtime
from subtitles.models import CueRow, Track

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
AS_OF = dt.date(2026, 12, 15)
KINDS = ("tv_report", "radio_programme", "news")
CHANNEL_SETS = (("LCTV",), ("LCR",), ("LCTV", "VTV4"), ("LCR", "VOV5"), ("VTV4",))
LANGUAGES = ("vi", "en", "zh-Hans", "lo", "hnj", "blt-Tavt", "fr")
MINORITY = {"hnj", "blt"}
WORDS = ("Lai Châu", "mùa", "lúa", "chín", "bản", "làng", "người", "dân", "chè", "rừng")


def local(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> dt.datetime:
    """A wall-clock time in Lai Châu, as the aware UTC datetime Station stores."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=HCM).astimezone(dt.UTC)


def month(moment: dt.datetime) -> str:
    return moment.astimezone(HCM).strftime("%Y-%m")


@dataclass
class Seeded:
    """What was put in the database, as plain data for the brute-force count."""

    channels: dict[str, int] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)
    tracks: list[dict[str, Any]] = field(default_factory=list)
    airings: list[dict[str, Any]] = field(default_factory=list)
    packages: list[dict[str, Any]] = field(default_factory=list)
    downloads: list[dict[str, Any]] = field(default_factory=list)


def _random_moment(rng: random.Random) -> dt.datetime:
    day = dt.date(2025, 10, 1) + dt.timedelta(days=rng.randint(0, 500))
    hh, mm = rng.choice(((0, 30), (6, 0), (12, 15), (17, 30), (23, 30)))
    return local(day.year, day.month, day.day, hh, mm)


def seed(runtime: Runtime, n_reports: int = 36) -> Seeded:
    """Insert a deterministic station; return what was inserted."""
    rng = random.Random(20261231)
    out = Seeded()
    with runtime.session() as session:
        channels = {c.code: c for c in session.scalars(select(Channel))}
        out.channels = {code: c.id for code, c in channels.items()}
        # Reports: (done events, due date); the first ones are boundary cases.
        specs: list[tuple[list[dt.datetime], dt.date | None]] = [
            ([local(2026, 12, 31, 23, 30)], dt.date(2026, 12, 31)),  # December, on time
            ([local(2027, 1, 1, 0, 30)], dt.date(2026, 12, 31)),  # January 2027, late
            ([local(2026, 1, 1, 0, 30)], dt.date(2026, 1, 5)),  # January 2026 (UTC: Dec)
            ([local(2026, 3, 9, 23, 30)], dt.date(2026, 3, 9)),  # on the due day: on time
            ([local(2026, 3, 10, 0, 30)], dt.date(2026, 3, 9)),  # UTC says the 9th: late
            ([local(2026, 5, 2), local(2026, 6, 20)], dt.date(2026, 5, 1)),  # re-approved
            ([], dt.date(2026, 12, 1)),  # overdue as of AS_OF
            ([], dt.date(2026, 12, 20)),  # not yet due
        ]
        while len(specs) < n_reports:
            due = (dt.date(2025, 10, 1) + dt.timedelta(days=rng.randint(0, 500))
                   if rng.random() < 0.8 else None)
            done = ([_random_moment(rng)] if rng.random() < 0.8 else [])
            if done and rng.random() < 0.2:
                done.append(done[0] + dt.timedelta(days=rng.randint(1, 40)))
            specs.append((done, due))
        for i, (done, due) in enumerate(specs):
            kind = KINDS[i % 3]
            codes = CHANNEL_SETS[i % len(CHANNEL_SETS)]
            report = Report(title=f"Phóng sự Lai Châu #{i}", kind=kind, due_date=due,
                            status="approved" if done else "editing",
                            channels=[channels[c] for c in codes])
            session.add(report)
            session.flush()
            # A history with moves that do not count (editing, review) around the done ones.
            session.add(ReportEvent(report_id=report.id, kind="created", to_status="planned",
                                    at=local(2025, 9, 1)))
            session.add(ReportEvent(report_id=report.id, kind="status", from_status="editing",
                                    to_status="review", at=local(2025, 9, 2)))
            for n, moment in enumerate(done):
                target = ("approved", "aired")[n % 2] if i % 4 == 0 else "approved"
                session.add(ReportEvent(report_id=report.id, kind="status",
                                        from_status="review", to_status=target, at=moment))
            master_ms = rng.randint(60, 900) * 1000 + rng.randint(0, 999)
            if i % 5:
                session.add(MediaAsset(report_id=report.id, role="master", sha256=f"{i:064x}",
                                       size_bytes=1, storage_key=f"x/{i}.mp4",
                                       duration_ms=master_ms))
            out.reports.append({"id": report.id, "kind": kind, "channels": codes, "due": due,
                                "done": min(done) if done else None,
                                "master_ms": master_ms if i % 5 else 0})
            # Tracks: vi first (the source of the translations), then a few others.
            languages = ["vi", *rng.sample(LANGUAGES[1:], rng.randint(0, 3))]
            vi_id = None
            for language in languages:
                status = rng.choices(("approved", "in_review", "draft"), (7, 2, 1))[0]
                approved_at = _random_moment(rng) if status == "approved" else None
                if i == 0 and language == "vi":  # the boundary: 23:30 on 31 December
                    status, approved_at = "approved", local(2026, 12, 31, 23, 30)
                track = Track(report_id=report.id, language=language,
                              role="original" if language == "vi" else "translation",
                              source_track_id=vi_id, status=status, origin="human",
                              rules=dict(DEFAULT_SUBTITLE_RULES), approved_at=approved_at)
                session.add(track)
                session.flush()
                vi_id = vi_id or track.id
                durations, t = [], 1000
                for _ in range(rng.randint(0, 5)):
                    length = rng.randint(600, 7500)
                    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 9)))
                    session.add(CueRow(track_id=track.id, start_ms=t, end_ms=t + length,
                                       text=text))
                    durations.append(length)
                    t += length + rng.choice((40, 120, 500))
                out.tracks.append({"id": track.id, "report_id": report.id,
                                   "language": language, "status": status,
                                   "approved_at": approved_at, "cue_ms": sum(durations),
                                   "cues": len(durations)})
        session.flush()

        # Slots and what aired: reports and programmes, reruns, unplanned entries.
        report_ids = [r["id"] for r in out.reports]
        by_id = {r["id"]: r for r in out.reports}
        slots: list[Slot] = []
        starts = [local(2026, 12, 31, 23, 30), local(2027, 1, 1, 0, 30),
                  local(2026, 1, 1, 0, 30), local(2025, 12, 31, 23, 30)]
        for n in range(40):
            start = starts[n] if n < len(starts) else _random_moment(rng)
            code = ("LCTV", "LCR", "VTV4")[n % 3]
            report_id = rng.choice(report_ids) if n % 4 else None
            rerun_of = rng.choice(slots) if slots and n % 5 == 0 else None
            seconds = rng.choice((300, 600, 1500, 1800))
            slot = Slot(channel_id=channels[code].id, start_at=start,
                        end_at=start + dt.timedelta(seconds=seconds), duration_s=seconds,
                        title=f"Khung {n}", kind="report" if report_id else "programme",
                        report_id=report_id, rerun_of_id=rerun_of.id if rerun_of else None,
                        status="aired")
            session.add(slot)
            session.flush()
            slots.append(slot)
            if n % 7 == 6:
                continue  # planned but never aired
            aired_s = seconds - rng.choice((0, 0, 30))
            outcome = "as_planned" if aired_s == seconds else "short"
            session.add(AsRunEntry(channel_id=slot.channel_id, started_at=start,
                                   duration_s=aired_s, title=slot.title, slot_id=slot.id,
                                   outcome=outcome, import_batch="seed"))
            out.airings.append({"channel": code, "at": start, "seconds": aired_s,
                                "rerun": rerun_of is not None, "report_id": report_id,
                                "kind": by_id[report_id]["kind"] if report_id else None,
                                "outcome": outcome})
        for n in range(6):
            start = _random_moment(rng)
            code = ("LCTV", "VTV4")[n % 2]
            session.add(AsRunEntry(channel_id=channels[code].id, started_at=start,
                                   duration_s=120, title="Quảng cáo", slot_id=None,
                                   outcome="unplanned", import_batch="seed"))
            out.airings.append({"channel": code, "at": start, "seconds": 120, "rerun": False,
                                "report_id": None, "kind": None, "outcome": "unplanned"})

        # Packages for the partners, and their downloads (some resumed).
        numbers: Counter[tuple[int, str]] = Counter()
        for n in range(14):
            report = by_id[rng.choice(report_ids)]
            code = ("VTV4", "VOV5")[n % 2]
            numbers[(report["id"], code)] += 1
            status = ("ready", "ready", "ready", "failed", "building")[n % 5]
            ready_at = _random_moment(rng) if status == "ready" else None
            if n == 0:
                ready_at = local(2027, 1, 1, 0, 30)
            size = rng.randint(1, 900) * 1_000_000
            package = Package(report_id=report["id"], channel_id=channels[code].id,
                              number=numbers[(report["id"], code)], kind="full",
                              status=status, spec_version=1, spec={}, ready_at=ready_at,
                              size_bytes=size)
            session.add(package)
            session.flush()
            out.packages.append({"id": package.id, "report_id": report["id"],
                                 "kind": report["kind"], "channel": code, "status": status,
                                 "ready_at": ready_at, "size": size})
        ready = [p for p in out.packages if p["status"] == "ready"]
        for _n in range(30):
            package = rng.choice(ready)
            at = _random_moment(rng)
            for range_start in ((0,) if rng.random() < 0.6 else (0, 5_000_000)):
                sent = rng.randint(1, 5_000_000)
                session.add(PackageDownload(package_id=package["id"],
                                            channel_id=channels[package["channel"]].id,
                                            path="package.zip", range_start=range_start,
                                            bytes=sent, at=at))
                out.downloads.append({"package_id": package["id"],
                                      "report_id": package["report_id"],
                                      "kind": package["kind"], "channel": package["channel"],
                                      "range_start": range_start, "bytes": sent, "at": at})
        session.commit()
    return out


# ---- the brute force -------------------------------------------------------------------

def _group(tag: str) -> str:
    primary = tag.split("-")[0]
    return "vi" if primary == "vi" else ("minority" if primary in MINORITY else "foreign")


def _minutes(ms: int) -> float:
    return round(ms / 60_000, 1)


def brute_force(seeded: Seeded, period: Period, filters: Filters,
                as_of: dt.date = AS_OF) -> dict[str, Any]:
    """Every figure, counted over the seeded objects one by one."""
    def in_period(moment: dt.datetime | None) -> bool:
        if moment is None:
            return False
        return period.start <= moment.astimezone(HCM).date() <= period.end

    def keep(report: dict[str, Any]) -> bool:
        return ((not filters.kinds or report["kind"] in filters.kinds)
                and (not filters.channels or set(report["channels"]) & set(filters.channels)))

    reports = {r["id"]: r for r in seeded.reports}
    months = period.months()
    out: dict[str, Any] = {}

    produced = [r for r in seeded.reports if keep(r) and in_period(r["done"])]
    out["produced_month"] = {m: {r["id"] for r in produced if month(r["done"]) == m}
                             for m in months}
    out["produced_kind"] = {k: {r["id"] for r in produced if r["kind"] == k} for k in KINDS}
    out["produced_channel"] = {c: {r["id"] for r in produced if c in r["channels"]}
                               for c in seeded.channels}

    due: dict[int, tuple[str, str]] = {}
    for r in seeded.reports:
        if keep(r) and r["due"] and period.start <= r["due"] <= period.end:
            if r["done"] is None:
                outcome = "overdue" if r["due"] < as_of else "pending"
            else:
                outcome = ("on_time" if r["done"].astimezone(HCM).date() <= r["due"]
                           else "late")
            due[r["id"]] = (r["due"].strftime("%Y-%m"), outcome)
    out["due"] = due

    tracks = [t for t in seeded.tracks if t["status"] == "approved"
              and in_period(t["approved_at"]) and keep(reports[t["report_id"]])]
    out["tracks"] = tracks
    airings = [a for a in seeded.airings if in_period(a["at"])
               and (not filters.channels or a["channel"] in filters.channels)
               and (not filters.kinds or a["kind"] in filters.kinds)]
    out["airings"] = airings
    out["packages"] = [p for p in seeded.packages if p["status"] == "ready"
                       and in_period(p["ready_at"])
                       and (not filters.channels or p["channel"] in filters.channels)
                       and (not filters.kinds or p["kind"] in filters.kinds)]
    out["downloads"] = [d for d in seeded.downloads if in_period(d["at"])
                        and (not filters.channels or d["channel"] in filters.channels)
                        and (not filters.kinds or d["kind"] in filters.kinds)]
    return out


def check_against_brute_force(results: Results, seeded: Seeded, period: Period,
                              filters: Filters) -> None:
    bf = brute_force(seeded, period, filters)
    t = results.tables
    months = period.months()

    # Production.
    assert [r["month"] for r in t["produced_by_month"].rows] == months
    for row in t["produced_by_month"].rows:
        ids = bf["produced_month"][row["month"]]
        assert row["total"] == len(ids), row
        for kind in KINDS:
            if kind in row:
                assert row[kind] == sum(1 for i in ids if
                                        next(r for r in seeded.reports if r["id"] == i)["kind"]
                                        == kind)
    assert {r["kind"]: r["reports"] for r in t["produced_by_kind"].rows} == {
        k: len(v) for k, v in bf["produced_kind"].items()
        if not filters.kinds or k in filters.kinds}
    expected_channels = {c: len(v) for c, v in bf["produced_channel"].items()
                         if v or c in filters.channels}
    if filters.channels:
        expected_channels = {c: n for c, n in expected_channels.items() if c in filters.channels}
    assert {r["channel"]: r["reports"] for r in t["produced_by_channel"].rows} == \
        expected_channels
    assert results.summary["reports_produced"] == sum(len(v) for v in
                                                      bf["produced_month"].values())

    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for m, outcome in bf["due"].values():
        outcomes[m][outcome] += 1
    for row in t["ontime_by_month"].rows:
        c = outcomes[row["month"]]
        assert (row["on_time"], row["late"], row["overdue"], row["pending"], row["due"]) == (
            c["on_time"], c["late"], c["overdue"], c["pending"], sum(c.values())), row
    total = Counter(o for _m, o in bf["due"].values())
    decided = total["on_time"] + total["late"] + total["overdue"]
    assert results.summary["on_time_rate"] == (round(total["on_time"] / decided, 4)
                                               if decided else None)

    # Subtitles.
    tracks = bf["tracks"]
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for track in tracks:
        by_lang[track["language"]].append(track)
    masters = {r["id"]: r["master_ms"] for r in seeded.reports}
    assert {r["language"]: (r["tracks"], r["reports"], r["cues"], r["minutes"],
                            r["programme_minutes"])
            for r in t["subtitled_by_language"].rows} == {
        lang: (len(ts), len({x["report_id"] for x in ts}), sum(x["cues"] for x in ts),
               _minutes(sum(x["cue_ms"] for x in ts)),
               _minutes(sum(masters[x["report_id"]] for x in ts)))
        for lang, ts in by_lang.items()}
    for row in t["subtitled_by_group"].rows:
        mine = [x for x in tracks if _group(x["language"]) == row["group"]]
        assert (row["tracks"], row["reports"], row["minutes"]) == (
            len(mine), len({x["report_id"] for x in mine}),
            _minutes(sum(x["cue_ms"] for x in mine))), row
    for row in t["subtitled_by_month"].rows:
        for group in ("vi", "foreign", "minority"):
            assert row[group] == _minutes(sum(
                x["cue_ms"] for x in tracks if _group(x["language"]) == group
                and month(x["approved_at"]) == row["month"])), (row, group)
    assert results.summary["minutes_subtitled"] == _minutes(sum(x["cue_ms"] for x in tracks))

    # Broadcast.
    airings = bf["airings"]
    expected_aired = {}
    for code in {a["channel"] for a in airings}:
        mine = [a for a in airings if a["channel"] == code]
        reruns = [a for a in mine if a["rerun"]]
        expected_aired[code] = (len(mine), _minutes(1000 * sum(a["seconds"] for a in mine)),
                                len(reruns), _minutes(1000 * sum(a["seconds"] for a in reruns)),
                                sum(1 for a in mine if a["report_id"]),
                                sum(1 for a in mine if a["outcome"] == "unplanned"))
    assert {r["channel"]: (r["airings"], r["minutes"], r["reruns"], r["rerun_minutes"],
                           r["report_airings"], r["unplanned"])
            for r in t["aired_by_channel"].rows} == expected_aired
    for row in t["aired_by_month"].rows:
        assert row["total"] == _minutes(1000 * sum(a["seconds"] for a in airings
                                                   if month(a["at"]) == row["month"])), row
    assert results.summary["reruns"] == sum(1 for a in airings if a["rerun"])

    # Delivery.
    for row in t["delivery_by_partner"].rows:
        packages = [p for p in bf["packages"] if p["channel"] == row["channel"]]
        downloads = [d for d in bf["downloads"] if d["channel"] == row["channel"]]
        firsts = [d for d in downloads if d["range_start"] == 0]
        assert (row["packages"], row["reports"], row["size_bytes"], row["downloads"],
                row["packages_downloaded"], row["bytes_sent"]) == (
            len(packages), len({p["report_id"] for p in packages}),
            sum(p["size"] for p in packages), len(firsts),
            len({d["package_id"] for d in firsts}), sum(d["bytes"] for d in downloads)), row


PERIODS = {
    "year 2026": Period.year(2026),
    "across the new year": Period(dt.date(2025, 11, 1), dt.date(2026, 2, 28)),
    "December 2026": Period.month(2026, 12),
    "empty (2031)": Period.year(2031),
}
FILTERS = {
    "none": Filters(),
    "VTV4": Filters(channels=("vtv4",)),
    "news on LCTV and LCR": Filters(channels=("LCTV", "LCR"), kinds=("news",)),
}


@pytest.fixture
def seeded(any_runtime: Runtime) -> tuple[Runtime, Seeded]:
    return any_runtime, seed(any_runtime)


def test_figures_match_a_brute_force_count(seeded: tuple[Runtime, Seeded]) -> None:
    runtime, data = seeded
    with runtime.session() as session:
        for period in PERIODS.values():
            for filters in FILTERS.values():
                results = compute(session, period, filters, as_of=AS_OF,
                                  sections=("production", "subtitles", "broadcast",
                                            "delivery"))
                check_against_brute_force(results, data, period, filters)
        # The seed is not trivial: the year has figures in every area.
        year = compute(session, PERIODS["year 2026"], as_of=AS_OF)
        s = year.summary
        assert s["reports_produced"] >= 10 and s["minutes_subtitled"] > 0
        assert s["minutes_aired"] > 0 and s["reruns"] > 0 and s["downloads"] > 0
        assert s["minutes_subtitled_minority"] > 0 and s["packages_delivered"] > 0
        empty = compute(session, PERIODS["empty (2031)"], as_of=AS_OF)
        assert all(not v for v in empty.summary.values()), empty.summary
        assert all(t.empty for t in empty.tables.values())
        assert empty.tables["produced_by_month"].rows[0]["month"] == "2031-01"


def test_local_months_and_days_not_utc(seeded: tuple[Runtime, Seeded]) -> None:
    """23:30 on 31 December counts in December; 00:30 on 1 January in January, although
    it is still 31 December in UTC; a report done at 00:30 the day after its due date is
    late although UTC says it was done on the due date."""
    runtime, data = seeded
    with runtime.session() as session:
        december = compute(session, Period.month(2026, 12), as_of=AS_OF,
                           sections=("production", "broadcast", "subtitles"))
        produced = drill(session, Period.month(2026, 12), None, "produced_month",
                         "2026-12", as_of=AS_OF)
        assert data.reports[0]["id"] in {r.id for r in produced}
        assert data.reports[1]["id"] not in {r.id for r in produced}
        january = drill(session, Period.month(2027, 1), None, "produced_month",
                        "2027-01", as_of=AS_OF)
        assert data.reports[1]["id"] in {r.id for r in january}
        first_of_2026 = drill(session, Period.year(2026), None, "produced_month",
                              "2026-01", as_of=AS_OF)
        assert data.reports[2]["id"] in {r.id for r in first_of_2026}
        # The 23:30 airing on 31 December is in December's minutes; the 00:30 one is not.
        lctv = next(r for r in december.tables["aired_by_channel"].rows
                    if r["channel"] == "LCTV")
        assert lctv["airings"] == sum(1 for a in data.airings if a["channel"] == "LCTV"
                                      and month(a["at"]) == "2026-12")
        assert any(a["at"] == local(2026, 12, 31, 23, 30) for a in data.airings)
        # On time by local date.
        due = {r.id: r for r in drill(session, Period.month(2026, 3), None, "ontime",
                                      "late", as_of=AS_OF)}
        on_time = {r.id for r in drill(session, Period.month(2026, 3), None, "ontime",
                                       "on_time", as_of=AS_OF)}
        assert data.reports[4]["id"] in due and data.reports[3]["id"] in on_time
        year = compute(session, Period.year(2026), as_of=AS_OF,
                       sections=("production",))
        assert "2027-01" not in [r["month"] for r in year.tables["produced_by_month"].rows]


def test_drill_down_lists_the_reports_behind_each_figure(
        seeded: tuple[Runtime, Seeded]) -> None:
    runtime, data = seeded
    period, filters = Period.year(2026), Filters(channels=("LCTV", "VTV4"))
    bf = brute_force(data, period, filters)
    with runtime.session() as session:
        results = compute(session, period, filters, as_of=AS_OF)

        def ids(figure: str, key: str) -> set[int]:
            found = drill(session, period, filters, figure, key, as_of=AS_OF)
            assert drill_count(session, period, filters, figure, key,
                               as_of=AS_OF) == len(found)
            return {r.id for r in found}

        for row in results.tables["produced_by_month"].rows:
            assert ids("produced_month", row["key"]) == bf["produced_month"][row["month"]]
        for row in results.tables["produced_by_channel"].rows:
            assert ids("produced_channel", row["key"]) == bf["produced_channel"][row["key"]]
        for outcome in ("on_time", "late", "overdue", "pending"):
            assert ids("ontime", outcome) == {i for i, (_m, o) in bf["due"].items()
                                              if o == outcome}
        for row in results.tables["subtitled_by_group"].rows:
            assert ids("subtitled_group", row["key"]) == {
                t["report_id"] for t in bf["tracks"] if _group(t["language"]) == row["key"]}
        for row in results.tables["aired_by_channel"].rows:
            assert ids("aired_channel", row["key"]) == {
                a["report_id"] for a in bf["airings"]
                if a["channel"] == row["key"] and a["report_id"]}
            assert ids("reruns_channel", row["key"]) == {
                a["report_id"] for a in bf["airings"]
                if a["channel"] == row["key"] and a["report_id"] and a["rerun"]}
        for row in results.tables["delivery_by_partner"].rows:
            assert ids("delivered_partner", row["key"]) == {
                p["report_id"] for p in bf["packages"] if p["channel"] == row["key"]}
            assert ids("downloaded_partner", row["key"]) == {
                d["report_id"] for d in bf["downloads"]
                if d["channel"] == row["key"] and d["range_start"] == 0}
        limited = drill(session, period, filters, "produced_month", "2026-12",
                        as_of=AS_OF, limit=1)
        assert len(limited) <= 1
        with pytest.raises(ValidationError):
            drill(session, period, filters, "no_such_figure", "x")
        with pytest.raises(NotFound):
            compute(session, period, Filters(channels=("NOPE",)))


def test_qc_counts_are_the_verdict_each_track_was_approved_with(
        sqlite_runtime: Runtime) -> None:
    """Tracks approved before verdicts were kept are checked by the subtitle desk's own
    ``qc_counts``; a track approved now keeps its verdict, and the results read that."""
    from station.accounts import add_user
    from subtitles import review
    from subtitles import services as subtitles

    data = seed(sqlite_runtime, n_reports=12)
    period = Period.year(2026)
    with sqlite_runtime.session() as session:
        before = compute(session, period, as_of=AS_OF, sections=("qc",))
        expected: dict[str, Counter[str]] = defaultdict(Counter)
        for t in brute_force(data, period, Filters())["tracks"]:
            track = session.get(Track, t["id"])
            assert track is not None and track.qc_errors is None  # seeded as legacy rows
            expected[t["language"]].update(subtitles.qc_counts(session, track))
            expected[t["language"]]["tracks"] += 1
        got = {r["language"]: (r["tracks"], r["errors"], r["warnings"], r["info"])
               for r in before.tables["qc_by_language"].rows}
        assert got == {lang: (c["tracks"], c["error"], c["warning"], c["info"])
                       for lang, c in expected.items()}
        assert sum(g[1] + g[2] for g in got.values()) == before.summary["qc_findings"] > 0

        # A reviewer reopens a Vietnamese track, a cue loses its text, it is approved again:
        # the verdict is stored on the track at approval and the results count it.
        boss = add_user(session, username="boss", password="s3cret-pass", role="admin")
        track = session.scalar(select(Track).where(Track.status == "approved",
                                                   Track.language == "vi"))
        assert track is not None
        review.move(session, track.id, "draft", actor=boss, comment="check again")
        assert track.qc_errors is None
        session.add(CueRow(track_id=track.id, start_ms=990_000, end_ms=990_100, text=""))
        session.flush()
        review.move(session, track.id, "in_review", actor=boss)
        review.move(session, track.id, "approved", actor=boss)
        session.commit()
        assert track.qc_errors == subtitles.qc_counts(session, track)["error"] > 0
        after = compute(session, period, as_of=AS_OF, sections=("qc",))
        vi_after = next(r for r in after.tables["qc_by_language"].rows if r["language"] == "vi")
        vi_before = next(r for r in before.tables["qc_by_language"].rows
                         if r["language"] == "vi")
        approved_now = track.approved_at.astimezone(HCM).date()
        if period.start <= approved_now <= period.end:
            assert vi_after["errors"] > vi_before["errors"]  # an empty cue is an error
        month_key = next(r["key"] for r in after.tables["qc_by_month"].rows if r["total"])
        assert drill(session, period, None, "qc_month", month_key, as_of=AS_OF)


def test_exports_and_cli_read_back(sqlite_runtime: Runtime, tmp_path: Any) -> None:
    """The CLI writes each format; the files read back with their own libraries."""
    import io
    import json

    import docx
    import openpyxl
    import pypdf
    from click.testing import CliRunner

    from station.accounts import add_user
    from station.cli import main

    seed(sqlite_runtime, n_reports=12)
    with sqlite_runtime.session() as session:
        add_user(session, username="mai", password="s3cret-pass", role="editor")
        add_user(session, username="an", password="s3cret-pass", role="translator",
                 languages=["en"])
        session.commit()
        year = compute(session, Period.year(2026))
    settings = sqlite_runtime.settings
    env = {"STATION_INSTANCE_PATH": str(settings.instance_path),
           "STATION_DATABASE_URL": settings.database_url, "STATION_LANGUAGE": "vi",
           "STATION_REDIS_URL": "", "STATION_USER": ""}
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Any:
        result = runner.invoke(main, ["results", "--from", "2026-01-01", "--to", "2026-12-31",
                                      *args], env=env, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    produced = year.summary["reports_produced"]
    figures = json.loads(run("--json", "--as", "mai").output)
    assert figures["summary"]["reports_produced"] == produced
    assert figures["period"] == {"from": "2026-01-01", "to": "2026-12-31",
                                 "tz": "Asia/Ho_Chi_Minh", "kind": "year"}

    run("--format", "docx", "-o", str(tmp_path / "r.docx"), "--as", "mai")
    document = docx.Document(str(tmp_path / "r.docx"))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "BÁO CÁO" in body and "năm 2026" in body and "I. SẢN XUẤT TIN BÀI" in body
    header = " ".join(cells[:2]).replace("\n", " ")
    for words in ("ĐÀI PHÁT THANH VÀ TRUYỀN HÌNH LAI CHÂU", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                  "Độc lập - Tự do - Hạnh phúc", "Lai Châu, ngày"):
        assert words in header
    assert f"Trong kỳ, Đài hoàn thành {produced} tin bài" in body
    assert len(document.inline_shapes) == 6  # one chart per area (two for production)

    run("--format", "xlsx", "-o", str(tmp_path / "r.xlsx"), "--lang", "en", "--as", "mai")
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert len(book.sheetnames) == 1 + len(year.tables)
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert summary["Reports produced"] == produced
    assert summary["Minutes subtitled"] == year.summary["minutes_subtitled"]

    run("--format", "pdf", "-o", str(tmp_path / "r.pdf"), "--channel", "vtv4", "--as", "mai")
    with sqlite_runtime.session() as session:
        vtv4 = compute(session, Period.year(2026), Filters(channels=("VTV4",)))
    pdf_text = "\n".join(page.extract_text() for page in
                         pypdf.PdfReader(io.BytesIO((tmp_path / "r.pdf").read_bytes())).pages)
    assert "BÁO CÁO" in pdf_text and "Kênh: VTV4" in pdf_text
    assert f"Đài hoàn thành {vtv4.summary['reports_produced']} tin bài" in " ".join(
        pdf_text.split())

    text_run = run("--lang", "en", "--as", "mai")
    assert "Reports produced" in text_run.output
    refused = run("--json", "--as", "an", code=1)
    assert "Vai trò của bạn không được" in refused.output  # a translator: no results
    bad = run("--to", "2025-01-01", "--as", "mai", code=1)
    assert "kết thúc (2025-01-01) trước khi bắt đầu (2026-01-01)" in bad.output
    worse = run("--channel", "XYZ", "--as", "mai", code=1)
    assert "Không có kênh XYZ" in worse.output


def test_services_share_the_page_figures_and_refuse_other_roles(
        seeded: tuple[Runtime, Seeded]) -> None:
    """The use cases the page and the CLI call: an editor's review is the same figures
    ``compute`` gives; a chart reuses the figures the page just computed (the same object,
    not a second computation); the drill-down counts and lists; an export is a named file;
    a translator is refused everything; a period or filter that cannot be used falls back
    and says why."""
    from results import services
    from station.accounts import add_user
    from station.errors import PermissionDenied

    runtime, _data = seeded
    period, filters = Period.year(2026), Filters(channels=("LCTV",))
    with runtime.session() as session:
        editor = add_user(session, username="mai", password="s3cret-pass", role="editor")
        translator = add_user(session, username="an", password="s3cret-pass",
                              role="translator", languages=["en"])
        session.flush()
        services.FIGURES.clear()
        shown = services.review(session, period, filters, actor=editor, as_of=AS_OF)
        assert shown.summary == compute(session, period, filters, as_of=AS_OF).summary
        assert services.review(session, period, filters, actor=editor, as_of=AS_OF,
                               reuse=True) is shown
        assert services.review(session, period, filters, actor=editor,
                               as_of=AS_OF) is not shown  # the page computes afresh
        png = services.chart(session, "produced_by_month", period, filters, actor=editor,
                             lang="en", as_of=AS_OF)
        assert png.startswith(b"\x89PNG")
        with pytest.raises(NotFound):
            services.chart(session, "no_such_chart", period, filters, actor=editor)

        found = services.drill_down(session, "produced_month", "2026-12", period, filters,
                                    actor=editor, lang="en", as_of=AS_OF, limit=2)
        assert found.total == drill_count(session, period, filters, "produced_month",
                                          "2026-12", as_of=AS_OF)
        assert len(found.reports) == min(2, found.total)
        assert found.title == "Reports produced in Dec 2026"
        with pytest.raises(NotFound):
            services.drill_down(session, "no_such_figure", "x", period, actor=editor)

        file = services.export(session, "json", period, filters, actor=editor, lang="en",
                               as_of=AS_OF)
        assert file.filename == "results-report_2026-01-01_2026-12-31.json"
        assert file.mimetype == "application/json" and b'"LCTV"' in file.data

        for call in (lambda: services.review(session, period, actor=translator),
                     lambda: services.drill_down(session, "produced_month", "2026-12",
                                                 period, actor=translator),
                     lambda: services.export(session, "json", period, actor=translator)):
            with pytest.raises(PermissionDenied):
                call()

        query = services.parse_query(session, start="2026-05-01", end="2026-04-01",
                                     channels=["LCTV", "NOPE"], kinds=["news", "poem"],
                                     tz="Asia/Ho_Chi_Minh", on=dt.date(2026, 5, 4))
        assert query.period == Period.year(2026)
        assert query.filters == Filters(channels=("LCTV",), kinds=("news",))
        assert [e.message("en") for e in query.errors] == [
            "The period ends (2026-04-01) before it starts (2026-05-01)", "No channel NOPE",
            "Unknown report kind ignored"]
        with pytest.raises(ValidationError):  # not a day at all: the page answers 400
            services.parse_query(session, start="2026-13-01", end=None, tz="Asia/Ho_Chi_Minh")
        assert query.args() == {"from": "2026-01-01", "to": "2026-12-31",
                                "channel": ["LCTV"], "kind": ["news"]}
