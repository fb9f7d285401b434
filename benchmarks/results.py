"""Results benchmark: a busy station's year, its review computed and exported, on SQLite and
PostgreSQL.

    .venv/bin/python benchmarks/results.py [--quick] [--repeat 5]
        [--backends sqlite,postgresql] [--json out.json]

A deterministic year (fixed seed, local year 2026 plus a few weeks either side) is written
into a freshly migrated database with SQLAlchemy Core bulk inserts (``insert()`` executemany,
5,000 rows a statement): 5,000 reports with their status history (about 26,000 events) and
masters; about 10,000 subtitle tracks in Vietnamese, foreign and minority languages carrying
200,000 cues; 60,000 slots on four channels (reruns among them) and their as-run entries;
6,000 packages for the partners and 50,000 download rows (a fifth of them resumed). Then, on
each backend, the median of ``--repeat`` runs of:

* **Reference**: ``SELECT count(*)`` over each of the eight tables the figures read (one scan
  of each): the floor of any query over this data on this machine at this moment. Ratios
  against it are what to compare between runs, because the machine is noisy.
* **Year's figures** (target < 1 s): ``results.review.compute`` for 2026, every section but QC
  (all SQL aggregation), QC on its own (the verdicts the tracks were approved with: one
  query), and everything together. Also one drill-down (the reports produced in a month).
* **Exports** (DOCX target < 5 s): DOCX (six charts drawn with matplotlib), XLSX, PDF.

The generator counts its own figures as it makes the rows (reports produced, minutes aired,
downloads...), and the computed figures must agree with them.

The databases (``--backends``, ``--pg-url``) are the harness's scratch ones: see
``benchmarks/_harness.py`` (``each_backend``).
"""

# ruff: noqa: E402  (imports after the sys.path fix below)
from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from sqlalchemy import select, text

from benchmarks import _harness as h
from delivery.models import Package, PackageDownload
from production.models import (
    DEFAULT_SUBTITLE_RULES,
    Channel,
    MediaAsset,
    Report,
    ReportEvent,
    report_channel,
)
from results import exports
from results.drilldown import drill
from results.review import compute
from results.types import SECTIONS, Period
from schedule.models import AsRunEntry, Slot
from station.config import Settings
from station.runtime import Runtime
from subtitles.models import CueRow, Track

TARGET_FIGURES_S = 1.0
TARGET_DOCX_S = 5.0
SEED = 20261231
YEAR = 2026
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
STAMP = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
CHUNK = 5_000
FULL = {"reports": 5_000, "slots": 60_000, "cues": 200_000, "downloads": 50_000,
        "packages": 6_000}
QUICK = {"reports": 500, "slots": 6_000, "cues": 20_000, "downloads": 5_000, "packages": 600}
TABLES = ("report", "report_event", "track", "cue", "slot", "as_run_entry", "package",
          "package_download")
KINDS = ("tv_report", "radio_programme", "news")
CHANNEL_SETS = {"tv_report": (("LCTV",), ("LCTV", "VTV4")),
                "radio_programme": (("LCR",), ("LCR", "VOV5")),
                "news": (("LCTV", "LCR"),)}
TRANSLATIONS = ("en", "zh-Hans", "fr", "lo")
MINORITY = ("hnj", "blt-Tavt", "ium")
SYLLABLES = ("người", "dân", "năm", "nay", "đã", "có", "nhiều", "bản", "làng", "trên", "núi",
             "cao", "nước", "suối", "đường", "mới", "lúa", "ngô", "chè", "rừng", "học",
             "trường", "xã", "thôn", "nhà", "mùa", "mưa", "chợ", "phiên", "Lai Châu")

log = logging.getLogger("bench.results")


def local(day: dt.date, minutes: int) -> dt.datetime:
    """``minutes`` after local midnight of ``day``, as aware UTC."""
    return (dt.datetime.combine(day, dt.time(0), HCM)
            + dt.timedelta(minutes=minutes)).astimezone(dt.UTC)


def in_year(moment: dt.datetime | None) -> bool:
    return moment is not None and moment.astimezone(HCM).year == YEAR


@dataclass
class Year:
    """Rows per table, in insert order, and the figures counted while making them."""

    rows: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    facts: Counter[str] = field(default_factory=Counter)


def generate(channels: dict[str, int], size: dict[str, int], seed: int = SEED) -> Year:
    """The year's rows, the same for the same arguments."""
    rng = random.Random(seed)
    year = Year()
    reports: list[dict[str, Any]] = []
    links, events, assets, tracks, cues = [], [], [], [], []
    first = dt.date(YEAR - 1, 12, 1)
    span = 365 + 62
    report_channels: dict[int, tuple[str, ...]] = {}
    cue_budget = size["cues"]
    track_id = cue_id = 0
    for rid in range(1, size["reports"] + 1):
        kind = rng.choices(KINDS, (6, 3, 1))[0]
        codes = rng.choice(CHANNEL_SETS[kind])
        report_channels[rid] = codes
        created = first + dt.timedelta(days=rng.randrange(span))
        due = created + dt.timedelta(days=rng.randint(5, 40))
        done_at = (local(due, rng.randint(0, 1439)) + dt.timedelta(days=rng.randint(-12, 6))
                   if rng.random() < 0.85 else None)
        status = "planned"
        at = local(created, 8 * 60)
        events.append({"report_id": rid, "kind": "created", "from_status": None,
                       "to_status": "planned", "at": at, "comment": ""})
        moves = ["in_production", "editing", "review"]
        if done_at is not None:
            moves += ["approved"] + (["scheduled", "aired"] if rng.random() < 0.6 else [])
        previous = "planned"
        for n, target in enumerate(moves):
            at = done_at + dt.timedelta(hours=n - moves.index("approved")) \
                if done_at is not None and "approved" in moves[:n + 1] else \
                local(created, 9 * 60 + 60 * n)
            events.append({"report_id": rid, "kind": "status", "from_status": previous,
                           "to_status": target, "at": at, "comment": ""})
            previous = status = target
        if in_year(done_at):
            year.facts["reports_produced"] += 1
        reports.append({"id": rid, "title": f"Phóng sự Lai Châu #{rid}", "kind": kind,
                        "original_language": "vi", "status": status, "due_date": due,
                        "notes": "", "tags": [], "search_text": "", "created_at": STAMP,
                        "updated_at": STAMP, "version": 1})
        links.extend({"report_id": rid, "channel_id": channels[c]} for c in codes)
        media_ms = rng.randint(90, 1_200) * 1000
        assets.append({"report_id": rid, "role": "master", "sha256": f"{rid:064x}",
                       "size_bytes": media_ms * 1000, "storage_key": f"{rid:x}/m.mp4",
                       "duration_ms": media_ms, "created_at": STAMP})
        languages = ["vi"]
        if any(c in ("VTV4", "VOV5") for c in codes):
            languages += rng.sample(TRANSLATIONS, rng.randint(1, 2))
        if rng.random() < 0.2:
            languages.append(rng.choice(MINORITY))
        vi_track = None
        for language in languages:
            track_id += 1
            approved = rng.random() < 0.8
            approved_at = local(first + dt.timedelta(days=rng.randrange(span)),
                                rng.randint(0, 1439)) if approved else None
            # The QC verdict the reviewer approved with (subtitles.review stores it).
            verdict = ((rng.choice((0, 0, 0, 1)), rng.randint(0, 4), rng.randint(0, 2))
                       if approved else (None, None, None))
            if approved and in_year(approved_at):
                year.facts["qc_findings"] += verdict[0] + verdict[1]
            tracks.append({"id": track_id, "report_id": rid, "language": language,
                           "qc_errors": verdict[0], "qc_warnings": verdict[1],
                           "qc_infos": verdict[2],
                           "role": "original" if language == "vi" else "translation",
                           "source_track_id": vi_track,
                           "status": "approved" if approved else "draft",
                           "origin": "human", "rules": dict(DEFAULT_SUBTITLE_RULES),
                           "notes": "", "created_at": STAMP, "updated_at": STAMP,
                           "approved_at": approved_at, "version": 1})
            vi_track = vi_track or track_id
            # Spread the cue budget evenly over the tracks still to come (about 2 a report).
            left = max(1, (size["reports"] - rid + 1) * 2)
            count = max(0, min(cue_budget, round(rng.gauss(cue_budget / left, 4))))
            cue_budget -= count
            t = 1_000
            for _ in range(count):
                length = rng.randint(1_200, 6_000)
                words = " ".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 9)))
                cue_id += 1
                cues.append({"id": cue_id, "track_id": track_id, "start_ms": t,
                             "end_ms": t + length, "text": words, "flags": [], "words": [],
                             "status": "open", "updated_at": STAMP, "version": 1})
                if approved and in_year(approved_at):
                    year.facts["subtitled_ms"] += length
                t += length + rng.choice((120, 200, 400, 800))
    # Leftover cues (rounding) go to the last track.
    last = tracks[-1]
    for _ in range(cue_budget):
        cue_id += 1
        cues.append({"id": cue_id, "track_id": track_id, "start_ms": 10_000_000 + cue_id * 10,
                     "end_ms": 10_000_000 + cue_id * 10 + 5, "text": "x", "flags": [],
                     "words": [], "status": "open", "updated_at": STAMP, "version": 1})
        if last["status"] == "approved" and in_year(last["approved_at"]):
            year.facts["subtitled_ms"] += 5

    slots, airings = [], []
    codes = ("LCTV", "LCR", "VTV4", "VOV5")
    per_channel = size["slots"] // len(codes)
    slot_id = 0
    for code in codes:
        start = local(dt.date(YEAR, 1, 1), 0) - dt.timedelta(days=10)
        recent: list[tuple[int, int | None]] = []
        for _ in range(per_channel):
            slot_id += 1
            seconds = rng.choice((300, 600, 900, 1_500, 1_800))
            report_id = rng.randint(1, size["reports"]) if rng.random() < 0.3 else None
            rerun_of = None
            if recent and rng.random() < 0.1:
                rerun_of, report_id = rng.choice(recent)
            slots.append({"id": slot_id, "channel_id": channels[code], "start_at": start,
                          "end_at": start + dt.timedelta(seconds=seconds),
                          "duration_s": seconds, "title": f"Khung {slot_id}",
                          "kind": "report" if report_id else "programme",
                          "report_id": report_id, "rerun_of_id": rerun_of,
                          "notes": "", "status": "aired", "created_at": STAMP,
                          "updated_at": STAMP, "version": 1})
            recent = [*recent[-50:], (slot_id, report_id)]
            if rng.random() < 0.92:
                aired = seconds - rng.choice((0, 0, 0, 20))
                airings.append({"channel_id": channels[code], "started_at": start,
                                "duration_s": aired, "title": f"Khung {slot_id}",
                                "slot_id": slot_id, "outcome": "as_planned",
                                "import_batch": "bench", "imported_at": STAMP})
                if in_year(start):
                    year.facts["aired_s"] += aired
                    year.facts["reruns"] += rerun_of is not None
            start += dt.timedelta(seconds=seconds + rng.choice((0, 0, 60, 600)))

    packages, downloads = [], []
    numbers: Counter[tuple[int, str]] = Counter()
    partner_reports = [r for r, c in report_channels.items() if "VTV4" in c or "VOV5" in c]
    for pid in range(1, size["packages"] + 1):
        rid = rng.choice(partner_reports)
        code = next(c for c in report_channels[rid] if c in ("VTV4", "VOV5"))
        numbers[(rid, code)] += 1
        ready = rng.random() < 0.9
        ready_at = local(first + dt.timedelta(days=rng.randrange(span)),
                         rng.randint(0, 1439)) if ready else None
        packages.append({"id": pid, "report_id": rid, "channel_id": channels[code],
                         "number": numbers[(rid, code)], "kind": "full",
                         "status": "ready" if ready else "failed", "spec_version": 1,
                         "spec": {}, "languages": {}, "files": [], "manifest": {},
                         "size_bytes": rng.randint(50, 900) * 1_000_000, "created_at": STAMP,
                         "ready_at": ready_at})
        year.facts["packages_delivered"] += in_year(ready_at)
    ready_packages = [p for p in packages if p["status"] == "ready"]
    while len(downloads) < size["downloads"]:
        package = rng.choice(ready_packages)
        at = package["ready_at"] + dt.timedelta(hours=rng.randint(1, 24 * 20))
        parts = (0,) if rng.random() < 0.8 else (0, 123_456_789)
        for range_start in parts:
            downloads.append({"package_id": package["id"], "channel_id": package["channel_id"],
                              "path": "package.zip", "range_start": range_start,
                              "bytes": rng.randint(1, 500) * 1_000_000, "at": at})
    downloads = downloads[:size["downloads"]]
    year.facts["downloads"] = sum(1 for d in downloads if in_year(d["at"])
                                  and d["range_start"] == 0)
    year.rows = {Report.__table__: reports, report_channel: links,
                 ReportEvent.__table__: events, MediaAsset.__table__: assets,
                 Track.__table__: tracks, CueRow.__table__: cues, Slot.__table__: slots,
                 AsRunEntry.__table__: airings, Package.__table__: packages,
                 PackageDownload.__table__: downloads}
    return year


# --------------------------------------------------------------------------- databases

def prepare(url: str, instance: Path, size: dict[str, int]) -> tuple[Settings, Year,
                                                                      dict[str, float]]:
    """Migrate, seed the channels and glossary, then bulk-insert the generated year."""
    times: dict[str, float] = {}
    settings, times["migrate"] = h.migrated_database(url, instance)
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            channels = {c.code: c.id for c in session.scalars(select(Channel))}
        began = time.perf_counter()
        year = generate(channels, size)
        times["generate"] = time.perf_counter() - began
        began = time.perf_counter()
        h.bulk_insert(runtime.engine, year.rows.items(),
                      ("report", "track", "cue", "slot", "package"), analyze_sqlite=True,
                      chunk=CHUNK)
        times["insert"] = time.perf_counter() - began
    finally:
        runtime.dispose()
    return settings, year, times


# --------------------------------------------------------------------------- timing

def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = h.timed(fn)
    return t.wall, t.result


median_of = h.median_of


def run_backend(name: str, url: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n=== {name} ===", flush=True)
    settings, year, setup = prepare(url, root / f"instance-{name}", args.size)
    counts = {str(t.name): len(rows) for t, rows in year.rows.items()}
    print("data: " + ", ".join(f"{n} {c:,}" for n, c in counts.items()))
    print(f"setup: migrate {setup['migrate']:.1f} s, generate {setup['generate']:.1f} s, "
          f"bulk insert {setup['insert']:.1f} s", flush=True)
    facts = year.facts
    del year
    period = Period.year(YEAR)
    no_qc = [s for s in SECTIONS if s != "qc"]
    runtime = Runtime(settings)
    out: dict[str, Any] = {"rows": counts, "setup_s": setup}
    try:
        with runtime.session() as session:
            def reference() -> int:
                return sum(int(session.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
                           for t in TABLES)

            ref_s, _ = median_of(args.repeat, reference)
            figures_s, _ = median_of(
                args.repeat, lambda: compute(session, period, sections=no_qc))
            qc_s, _ = median_of(args.repeat, lambda: compute(session, period,
                                                                   sections=("qc",)))
            all_s, full = median_of(args.repeat, lambda: compute(session, period))
            drill_s, drilled = median_of(args.repeat, lambda: drill(
                session, period, None, "produced_month", f"{YEAR}-06"))
        docx_s, docx = median_of(max(1, min(args.repeat, 3)),
                                 lambda: exports.export("docx", full, "vi"))
        xlsx_s, xlsx = timed(lambda: exports.export("xlsx", full, "vi"))
        pdf_s, pdf = timed(lambda: exports.export("pdf", full, "vi"))
    finally:
        runtime.dispose()

    s = full.summary
    print(f"figures for {YEAR}: {s['reports_produced']:,} reports produced, on time "
          f"{100 * (s['on_time_rate'] or 0):.1f} %, {s['minutes_subtitled']:,.1f} minutes "
          f"subtitled (minority {s['minutes_subtitled_minority']:,.1f}), "
          f"{s['minutes_aired']:,.1f} minutes aired ({s['reruns']:,} reruns), "
          f"{s['packages_delivered']:,} packages delivered, {s['downloads']:,} downloads, "
          f"{s['qc_findings']:,} QC findings; a June drill-down lists {len(drilled)} reports")
    expected = {"reports_produced": facts["reports_produced"],
                "minutes_subtitled": round(facts["subtitled_ms"] / 60_000, 1),
                "minutes_aired": round(facts["aired_s"] / 60, 1), "reruns": facts["reruns"],
                "packages_delivered": facts["packages_delivered"],
                "downloads": facts["downloads"], "qc_findings": facts["qc_findings"]}
    agree = all(s[k] == v for k, v in expected.items())
    print(f"  agree with the generator's own count: {h.yes(agree)}"
          + ("" if agree else f" (expected {expected})"))
    print(f"timings (median of {args.repeat}):")
    print(f"  reference: count(*) over {len(TABLES)} tables   {ref_s * 1e3:8.1f} ms")
    rows = (("year's figures without QC (SQL)", figures_s),
            ("QC (verdicts stored at approval)", qc_s),
            ("all figures", all_s),
            ("drill-down: reports of a month", drill_s))
    for label, seconds in rows:
        print(f"  {label:<40}{seconds * 1e3:9.1f} ms  {seconds / ref_s:6.1f}x reference")
    verdict = h.verdict(all_s < TARGET_FIGURES_S)
    print(f"  year's figures {verdict} the target < {TARGET_FIGURES_S:g} s")
    print(f"  export DOCX {docx_s:6.2f} s ({len(docx) / 1e3:.0f} kB), XLSX {xlsx_s:.2f} s "
          f"({len(xlsx) / 1e3:.0f} kB), PDF {pdf_s:.2f} s ({len(pdf) / 1e3:.0f} kB); DOCX "
          f"{h.verdict(docx_s < TARGET_DOCX_S)} the target < "
          f"{TARGET_DOCX_S:g} s", flush=True)
    out.update({"summary": s, "agree": agree, "expected": expected,
                "median_s": {"reference": ref_s, "figures_without_qc": figures_s,
                             "qc": qc_s, "all": all_s,
                             "drill": drill_s, "docx": docx_s, "xlsx": xlsx_s, "pdf": pdf_s},
                "ratios": {"figures_without_qc": figures_s / ref_s,
                           "qc": qc_s / ref_s, "all": all_s / ref_s}})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, quick="a tenth of the data", repeat=5,
                      repeat_help="runs per timing", backends=True)
    args = h.resolve(parser, parser.parse_args(argv))
    args.size = QUICK if args.quick else FULL
    run = h.Run("results", args)
    with tempfile.TemporaryDirectory(prefix="station-bench-results-") as tmp:
        root = Path(tmp)
        results = h.each_backend(args, root, run,
                                 lambda backend, url: run_backend(backend, url, root, args))
    return run.finish({"targets": {"figures_s": TARGET_FIGURES_S, "docx_s": TARGET_DOCX_S},
                       "results": results},
                      ok=all(r.get("agree", True) for r in results.values()))


if __name__ == "__main__":
    sys.exit(main())
