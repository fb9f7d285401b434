"""Schedule benchmark: a year of four channels (about 60,000 slots) on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/scheduling.py [--quick] [--requests 50] [--repeat 5]
        [--backends sqlite,postgresql] [--profile] [--json out.json]

A deterministic year (fixed seed, broadcast days 2027-01-01 to 2027-12-31) is written straight
into a freshly migrated database (``station.migrate.upgrade``, channels from
``production.services.ensure_channels``) with SQLAlchemy Core bulk inserts: every channel's
days filled back to back from its day-start hour with programmes, fillers, live shows and
report slots; a few hundred reports with a measured master, most with subtitle tracks (cues
included) in the languages their channels require, some not approved or out of loudness spec;
and a few hundred injected overlaps. Then, on each backend:

* **Full conflict check** (target < 1 s): every slot loaded from the database (id, channel,
  start, duration; timed on its own), then ``schedule.conflicts.overlapping_pairs`` over all
  of them. Its SQL twin, a self-join on ``slot`` finding the same overlapping pairs per
  channel with the (channel, start) index, is timed alongside and must find the same pairs.
* **Week grid** (target p95 < 150 ms): ``--requests`` GETs of ``/schedule/VTV4?week=...``
  for different weeks of the year, logged in as an editor, through the real app: in process
  with Flask's test client, and over HTTP (``http.client``) against waitress, the server
  ``station run`` uses, in a thread. Each grid request is paired with two references in the
  same process, interleaved (ABBA): ``GET /login`` while logged in (session, user, redirect:
  the stack's floor) and the grid of an empty week (the same page and its fixed queries,
  no slots). Ratios are medians of per-round ratios.
* **Where the grid's time goes**: a few more grid requests with Station's functions wrapped
  in place (inclusive times) and every SQL statement counted; ``--profile`` adds cProfile's
  top functions of one request.

The databases (``--backends``, ``--pg-url``) are the harness's scratch ones: see
``benchmarks/_harness.py`` (``each_backend``).
"""

# ruff: noqa: E402  (imports after the sys.path fix below)
from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import gc
import http.client
import io
import logging
import pstats
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode

# Run as a script, Python puts benchmarks/ first on sys.path: put the repository there
# instead, so the project's packages come first whatever is installed.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from sqlalchemy import Engine, event, select, text

from benchmarks import _harness as h
from production import services as production
from production.models import DEFAULT_SUBTITLE_RULES, Channel, MediaAsset, Report, report_channel
from schedule import conflicts, days
from schedule import services as schedule_services
from schedule.models import Slot
from station.accounts import add_user
from station.config import Settings
from station.runtime import Runtime
from subtitles.models import CueRow, Track

TARGET_CHECK_S = 1.0
TARGET_GRID_P95_MS = 150.0
SEED = 20261126
YEAR_START = dt.date(2027, 1, 1)
YEAR_DAYS = 365
REPORTS = 300
OVERLAPS = 300  # injected on top of the back-to-back days
GRID_CHANNEL = "VTV4"
EMPTY_WEEK = dt.date(2031, 6, 2)  # a Monday years after the generated data
PASSWORD = h.PASSWORD
STAMP = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)  # created_at/updated_at of generated rows
CHUNK = 5_000

log = logging.getLogger("bench.schedule")

# --------------------------------------------------------------------------- the year

PROGRAMMES = (
    "Thời sự", "Chào buổi sáng", "Ca nhạc", "Phim truyện", "Dân tộc và Phát triển",
    "Nông nghiệp – Nông thôn", "Thể thao", "Dự báo thời tiết", "Chương trình tiếng Thái",
    "Chương trình tiếng Mông", "Chương trình tiếng Dao", "Văn hoá các dân tộc",
    "Du lịch Lai Châu", "Pháp luật và Đời sống", "Sức khoẻ cộng đồng", "Khoa giáo",
    "Thiếu nhi", "Âm nhạc dân gian", "Phóng sự tài liệu", "Quốc phòng toàn dân",
)
PLACES = ("Lai Châu", "Tam Đường", "Phong Thổ", "Sìn Hồ", "Mường Tè", "Nậm Nhùn",
          "Tân Uyên", "Than Uyên", "Pu Ta Leng", "Sông Đà", "Bản Lầy", "Dào San")
TOPICS = ("Mùa lúa chín ở", "Chè Shan tuyết", "Chợ phiên", "Đường về bản", "Lễ hội Xòe",
          "Trường nội trú", "Điện về", "Rừng đầu nguồn", "Thảo quả", "Nước sạch cho",
          "Du lịch cộng đồng", "Nghề dệt thổ cẩm")
SYLLABLES = ("người", "dân", "năm", "nay", "đã", "có", "nhiều", "bản", "làng", "trên", "núi",
             "cao", "nước", "suối", "đường", "mới", "lúa", "ngô", "chè", "rừng", "học",
             "trường", "xã", "thôn", "nhà", "mùa", "mưa", "chợ", "phiên", "hàng", "giá",
             "làm", "việc", "sống", "đi", "về", "lên", "xuống", "của", "và", "những", "các",
             "một", "là", "để", "với", "cho", "trong", "tại", "huyện", "tỉnh")
ENGLISH = ("the", "people", "of", "province", "have", "planted", "new", "tea", "on",
           "hills", "and", "roads", "were", "repaired", "after", "floods", "this", "year",
           "farmers", "in", "district", "received", "seeds", "schools", "market")
CHINESE = "人民今年种植新茶山路修复洪水后农民区收到种子学校市场"
LAO = "ປະຊາຊົນປີນີ້ປູກຊາໃໝ່ເທິງພູຖະໜົນສ້ອມແປງຫຼັງນ້ຳຖ້ວມ"
# Programme lengths in minutes: a day of about 41 slots on average, with the report slots.
PROGRAMME_MINUTES = (5, 10, 15, 25, 30, 30, 45, 60, 60, 90)


@dataclass
class ChannelInfo:
    id: int
    code: str
    kind: str
    owner: str
    day_start_hour: int
    timezone: str
    required_languages: list[str]


@dataclass
class Year:
    """Rows to insert, as plain dicts per table, and what was put in them."""

    reports: list[dict[str, Any]] = field(default_factory=list)
    report_channels: list[dict[str, Any]] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    tracks: list[dict[str, Any]] = field(default_factory=list)
    cues: list[dict[str, Any]] = field(default_factory=list)
    slots: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


# Per language: the words (or characters) a cue line is made of, its length, the joiner.
CUE_WORDS: dict[str, tuple[Sequence[str], int, str]] = {
    "vi": (SYLLABLES, 40, " "), "en": (ENGLISH, 40, " "), "zh": (CHINESE, 16, ""),
    "lo": (LAO, 30, ""),
}


def _line(rng: random.Random, words: Sequence[str], limit: int, sep: str) -> str:
    out: list[str] = []
    while True:
        word = rng.choice(words)
        if len(sep.join([*out, word])) > limit:
            return sep.join(out) or word[:limit]
        out.append(word)


def _cue_text(rng: random.Random, language: str) -> str:
    words, limit, sep = CUE_WORDS[language]
    lines = [_line(rng, words, rng.randint(limit // 2, limit), sep)]
    if rng.random() < 0.45:
        lines.append(_line(rng, words, rng.randint(limit // 3, limit), sep))
    text = "\n".join(lines)
    return text[0].upper() + text[1:] if language in ("vi", "en") else text


def _cues(rng: random.Random, track_id: int, language: str,
          media_ms: int) -> list[dict[str, Any]]:
    """Cues over the report's length: 1–6 s each, readable speed, gaps of 2 frames or more."""
    cues: list[dict[str, Any]] = []
    t = rng.randint(400, 2_000)
    while t < media_ms - 3_000:
        text_ = _cue_text(rng, language)
        length = min(6_500, max(1_000, int(len(text_) * 1000 / rng.uniform(11, 16))))
        cues.append({"track_id": track_id, "start_ms": t, "end_ms": t + length, "text": text_,
                     "flags": [], "words": [], "status": "open", "updated_at": STAMP,
                     "version": 1})
        t += length + rng.choice((80, 120, 200, 400, 800, 1_500))
    return cues


def generate(channels: dict[str, ChannelInfo], days: int, reports: int, overlaps: int,
             seed: int = SEED) -> Year:
    """The year's rows, the same for the same arguments (one seeded generator)."""
    rng = random.Random(seed)
    year = Year()
    by_channel: dict[str, list[tuple[int, int]]] = defaultdict(list)  # code -> (release, id)
    master_ms: dict[int, int] = {}
    track_id = 0
    for report_id in range(1, reports + 1):
        kind = rng.choices(("tv_report", "radio_programme", "news"), weights=(6, 3, 1))[0]
        codes = {"tv_report": ["LCTV"], "radio_programme": ["LCR"],
                 "news": ["LCTV", "LCR"]}[kind]
        if kind == "tv_report" and rng.random() < 0.5:
            codes.append("VTV4")
        if kind == "radio_programme" and rng.random() < 0.4:
            codes.append("VOV5")
        status = rng.choices(("approved", "scheduled", "aired", "review", "editing"),
                             weights=(45, 25, 15, 10, 5))[0]
        title = f"{rng.choice(TOPICS)} {rng.choice(PLACES)}"
        release = rng.randint(-14, days - 1)  # the day it is first ready to air
        year.reports.append({
            "id": report_id, "title": f"{title} #{report_id}", "kind": kind,
            "original_language": "vi", "status": status, "notes": "", "tags": [],
            "search_text": "", "created_at": STAMP, "updated_at": STAMP, "version": 1,
            "planned_duration_s": None})
        for code in codes:
            year.report_channels.append({"report_id": report_id,
                                         "channel_id": channels[code].id})
            by_channel[code].append((release, report_id))
        media = rng.randint(120, 1_500) * 1000 + rng.randint(0, 999)
        master_ms[report_id] = media
        in_spec = rng.random() < 0.9
        year.assets.append({
            "report_id": report_id, "role": "master", "sha256": f"{report_id:064x}",
            "size_bytes": media * 1_000, "storage_key": f"{report_id:02x}/master.mp4",
            "duration_ms": media, "container": "mov,mp4,m4a,3gp,3g2,mj2",
            "loudness_lufs": round(rng.uniform(-23.4, -22.6) if in_spec
                                   else rng.uniform(-20, -17), 1),
            "true_peak_dbtp": round(rng.uniform(-3.0, -1.5), 1), "created_at": STAMP})
        required = sorted({lang for code in codes for lang in channels[code].required_languages})
        chance = {"vi": 0.85, "en": 0.75, "zh": 0.6, "lo": 0.4}
        vi_track = None
        for language in required:
            if rng.random() >= chance.get(language, 0.3):
                continue
            track_id += 1
            year.tracks.append({
                "id": track_id, "report_id": report_id, "language": language,
                "role": "original" if language == "vi" else "translation",
                "source_track_id": None if language == "vi" else vi_track,
                "status": rng.choices(("approved", "in_review", "draft"),
                                      weights=(80, 10, 10))[0],
                "origin": "machine" if language == "vi" else "human",
                "rules": dict(DEFAULT_SUBTITLE_RULES), "notes": "", "created_at": STAMP,
                "updated_at": STAMP, "version": 1})
            if language == "vi":
                vi_track = track_id
            year.cues.extend(_cues(rng, track_id, language, media))
    for code in by_channel:
        by_channel[code].sort()

    ids = dict.fromkeys(channels, 0)
    for code, channel in sorted(channels.items()):
        zone = _zone(channel.timezone)
        share = 0.15 if channel.kind == "tv" else 0.10
        candidates = by_channel.get(code, [])
        for n in range(days):
            day = YEAR_START + dt.timedelta(days=n)
            start = dt.datetime.combine(day, dt.time(channel.day_start_hour), tzinfo=zone)
            t = start.astimezone(dt.UTC)
            end = (start + dt.timedelta(days=1)).astimezone(dt.UTC)
            window = [rid for release, rid in candidates if n - 14 <= release <= n]
            while t < end:
                report_id = None
                if window and rng.random() < share:
                    report_id = rng.choice(window)
                    seconds = -(-master_ms[report_id] // 1000)
                    kind, title, source = "report", None, None
                else:
                    seconds = rng.choice(PROGRAMME_MINUTES) * 60
                    kind = rng.choices(("programme", "filler", "live"), weights=(85, 10, 5))[0]
                    title = rng.choice(PROGRAMMES)
                    source = f"/srv/playout/{code.lower()}/{title.lower()[:12]}-{n}.mp4"
                seconds = min(seconds, int((end - t).total_seconds()))
                if seconds < 60:
                    break
                year.slots.append(_slot(channel.id, t, seconds, kind, report_id, title, source))
                ids[code] += 1
                t += dt.timedelta(seconds=seconds)
    # Overlaps: a live insert starting inside an existing slot (a typical planning clash).
    for _ in range(overlaps):
        base = rng.choice(year.slots)
        offset = rng.randint(0, base["duration_s"] - 1)
        start = base["start_at"] + dt.timedelta(seconds=offset)
        year.slots.append(_slot(base["channel_id"], start, rng.choice((300, 600, 1200)),
                                "live", None, "Truyền hình trực tiếp", "srt://live-in:9000"))
    titles = {r["id"]: r["title"] for r in year.reports}
    for row in year.slots:
        if row["title"] is None:
            row["title"] = titles[row["report_id"]]
    year.facts = {
        "slots": len(year.slots), "slots_per_channel": ids, "reports": len(year.reports),
        "report_slots": sum(1 for s in year.slots if s["report_id"] is not None),
        "tracks": len(year.tracks), "cues": len(year.cues), "injected_overlaps": overlaps,
        "days": days, "first_day": YEAR_START.isoformat(),
        "last_day": (YEAR_START + dt.timedelta(days=days - 1)).isoformat()}
    return year


def _slot(channel_id: int, start: dt.datetime, seconds: int, kind: str, report_id: int | None,
          title: str | None, source: str | None) -> dict[str, Any]:
    return {"channel_id": channel_id, "start_at": start,
            "end_at": start + dt.timedelta(seconds=seconds), "duration_s": seconds,
            "title": title, "kind": kind, "report_id": report_id, "rerun_of_id": None,
            "template_id": None, "notes": "", "source": source, "status": "planned",
            "created_at": STAMP, "updated_at": STAMP, "updated_by_id": None, "version": 1}


@functools.cache
def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


# --------------------------------------------------------------------------- databases


def prepare(url: str, instance: Path, days: int, reports: int,
            overlaps: int) -> tuple[Settings, Year, dict[str, float]]:
    """Migrate, seed channels, glossary and an editor, then bulk-insert the generated year."""
    times: dict[str, float] = {}
    settings, times["migrate"] = h.migrated_database(url, instance)
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            add_user(session, username="bench-editor", password=PASSWORD, role="editor",
                     display_name="Lò Thị Mai")
            session.commit()
            channels = {c.code: ChannelInfo(c.id, c.code, c.kind, c.owner, c.day_start_hour,
                                            c.timezone, list(c.required_languages or []))
                        for c in session.scalars(select(Channel))}
        start = time.perf_counter()
        year = generate(channels, days, reports, overlaps)
        times["generate"] = time.perf_counter() - start
        start = time.perf_counter()
        h.bulk_insert(runtime.engine, ((Report.__table__, year.reports),
                                       (report_channel, year.report_channels),
                                       (MediaAsset.__table__, year.assets),
                                       (Track.__table__, year.tracks),
                                       (CueRow.__table__, year.cues),
                                       (Slot.__table__, year.slots)),
                      ("report", "track"), analyze_sqlite=False, chunk=CHUNK)
        times["insert"] = time.perf_counter() - start
    finally:
        runtime.dispose()
    return settings, year, times


# --------------------------------------------------------------------------- conflicts

# The SQL twin of conflicts.overlapping_pairs: for each slot a, the slots b of its channel
# that start inside [a.start, a.end) (ties on start broken by id, so each pair comes once).
# With positive durations that is exactly the half-open overlap; the (channel_id, start_at)
# index serves the range.
SQL_TWIN = text("""
    SELECT a.id AS first_id, b.id AS second_id
    FROM slot AS a
    JOIN slot AS b
      ON b.channel_id = a.channel_id
     AND b.start_at >= a.start_at AND b.start_at < a.end_at
     AND b.id <> a.id
     AND (b.start_at > a.start_at OR b.id > a.id)
""")

LOAD_ROWS = (select(Slot.id, Channel.code.label("channel"), Slot.start_at.label("start"),
                    Slot.duration_s).join(Channel, Slot.channel_id == Channel.id))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall s, result) of one call, after a collection so garbage is not inherited."""
    t = h.timed(fn)
    return t.wall, t.result


def bench_conflicts(engine: Engine, repeat: int) -> dict[str, Any]:
    from sqlalchemy.orm import Session

    runs: dict[str, list[float]] = defaultdict(list)
    rows: list[Any] = []
    pairs: list[tuple[int | None, int | None]] = []
    sql_pairs: list[Any] = []
    for _ in range(repeat):
        with Session(engine) as session:
            wall, rows = timed(lambda: session.execute(LOAD_ROWS).all())
        runs["load rows"].append(wall)
        wall, pairs = timed(lambda: conflicts.overlapping_pairs(rows))  # noqa: B023
        runs["check"].append(wall)
        with engine.connect() as conn:
            wall, sql_pairs = timed(lambda: conn.execute(SQL_TWIN).all())
        runs["sql twin"].append(wall)
    with Session(engine) as session:  # what loading full ORM rows would cost, once
        wall, entities = timed(lambda: list(session.scalars(select(Slot))))
        runs["load ORM entities (once)"].append(wall)
        del entities
    sweep = {frozenset(p) for p in pairs}
    twin = {frozenset((a, b)) for a, b in sql_pairs}
    return {"slots": len(rows), "pairs": len(pairs), "sql_pairs": len(sql_pairs),
            "same_pairs": sweep == twin,
            "median_s": {k: statistics.median(v) for k, v in runs.items()},
            "runs_s": {k: [round(x, 4) for x in v] for k, v in runs.items()}}


# --------------------------------------------------------------------------- the grid


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    if match is None:
        raise SystemExit("no CSRF token on the login page")
    return match.group(1)


nearest_rank = h.nearest_rank


def grid_weeks(count: int, days: int, seed: int = SEED) -> list[dt.date]:
    """``count`` Mondays inside the generated days, in a shuffled (seeded) order, cycling."""
    first = YEAR_START + dt.timedelta(days=(7 - YEAR_START.weekday()) % 7)
    mondays = [first + dt.timedelta(weeks=n) for n in range(52)
               if (first + dt.timedelta(weeks=n, days=6) - YEAR_START).days < days]
    rng = random.Random(seed + 7)
    order: list[dt.date] = []
    while len(order) < count:
        batch = mondays[:]
        rng.shuffle(batch)
        order.extend(batch)
    return order[:count]


class TestClientSide:
    """Requests through Flask's test client: the app's own time, no sockets."""

    name = "test client"
    # The request runs in this thread: its CPU time is the request's, whatever the neighbours.
    cpu_clock = staticmethod(time.thread_time)

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()
        page = self.client.get("/login")
        token = csrf_token(page.get_data(as_text=True))
        page.close()
        done = self.client.post("/login", data={"username": "bench-editor",
                                                "password": PASSWORD, "csrf_token": token})
        if done.status_code != 302:
            raise SystemExit(f"login failed: {done.status_code}")
        done.close()

    def get(self, path: str) -> tuple[int, int]:
        response = self.client.get(path)
        size = len(response.get_data())
        response.close()
        return response.status_code, size

    def close(self) -> None:
        pass


class HTTPSide:
    """Requests over HTTP with http.client to waitress serving the app in a thread."""

    name = "HTTP (waitress)"
    # A waitress thread serves the request: the process's CPU time (server and client).
    cpu_clock = staticmethod(time.process_time)

    def __init__(self, app: Any) -> None:
        from waitress import create_server

        self.server = create_server(app, host="127.0.0.1", port=0, threads=4,
                                    ident="station-bench")
        self.port = self.server.effective_port
        self.thread = threading.Thread(target=self.server.run, name="bench-http", daemon=True)
        self.thread.start()
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", int(self.port), timeout=60)
        status, body = self._request("GET", "/login")
        token = csrf_token(body.decode("utf-8"))
        form = urlencode({"username": "bench-editor", "password": PASSWORD,
                          "csrf_token": token})
        status, _ = self._request("POST", "/login", form,
                                  {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"login over HTTP failed: {status}")

    def _request(self, method: str, path: str, body: str | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        return response.status, data

    def get(self, path: str) -> tuple[int, int]:
        status, data = self._request("GET", path)
        return status, len(data)

    def close(self) -> None:
        """Stop waitress from its own loop thread (closing its sockets from here races it)."""
        self.conn.close()
        self.server.task_dispatcher.shutdown()

        def close_all() -> None:
            for channel in list(self.server._map.values()):
                channel.close()

        self.server.trigger.pull_trigger(close_all)
        self.thread.join(10)


def bench_grid(side: Any, weeks: list[dt.date], warmup: int) -> dict[str, Any]:
    """Each round: the grid of one week and the two references, in ABBA order."""
    paths = {"grid": None, "login (ref)": "/login",
             "empty week (ref)": f"/schedule/{GRID_CHANNEL}?week={EMPTY_WEEK.isoformat()}"}
    expect = {"grid": 200, "login (ref)": 302, "empty week (ref)": 200}
    for week in weeks[:warmup]:  # templates compiled, caches warm, connections pooled
        for path in paths.values():
            side.get(path or f"/schedule/{GRID_CHANNEL}?week={week.isoformat()}")
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    sizes: list[int] = []
    for i, week in enumerate(weeks):
        order = list(paths) if i % 2 == 0 else list(reversed(paths))
        for name in order:
            path = paths[name] or f"/schedule/{GRID_CHANNEL}?week={week.isoformat()}"
            start, cpu_start = time.perf_counter(), side.cpu_clock()
            status, size = side.get(path)
            times[name].append(time.perf_counter() - start)
            cpu[name].append(side.cpu_clock() - cpu_start)
            if status != expect[name]:
                raise SystemExit(f"{side.name}: GET {path} answered {status}")
            if name == "grid":
                sizes.append(size)
    out: dict[str, Any] = {"requests": len(weeks), "warmup": warmup, "html_bytes_median":
                           statistics.median(sizes)}
    for name, values in times.items():
        ms = [v * 1e3 for v in values]
        cpu_ms = [v * 1e3 for v in cpu[name]]
        out[name] = {"p50_ms": statistics.median(ms), "p95_ms": nearest_rank(ms, 0.95),
                     "max_ms": max(ms), "min_ms": min(ms),
                     "cpu_p50_ms": statistics.median(cpu_ms),
                     "cpu_p95_ms": nearest_rank(cpu_ms, 0.95),
                     "ms": [round(v, 2) for v in ms], "cpu_ms": [round(v, 2) for v in cpu_ms]}
    for ref in ("login (ref)", "empty week (ref)"):
        out[f"ratio vs {ref}"] = h.median_ratio(times["grid"], times[ref])
    return out


# --------------------------------------------------------------------------- where it goes


class Tracer:
    """Inclusive time and calls of Station functions, and SQL statements, per grid request."""

    TARGETS = (
        ("web.editors.schedule", "render_template", "render the template"),
        ("schedule.services", "slots_between", "slots_between (the week's slots)"),
        ("schedule.services", "check_slots", "check_slots (readiness, all of it)"),
        ("schedule.services", "report_facts", "  report_facts (per report)"),
        ("subtitles.services", "run_qc", "    run_qc (subtitle QC per track)"),
        ("subtitles.services", "qc_context", "      qc_context (glossary, fonts, source)"),
        ("subtitles.services", "to_doc", "      to_doc (cues to the QC's form)"),
        ("schedule.rules", "check_day", "  rules.check_day (the pure rules)"),
        ("schedule.services", "slot_item", "  slot_item (rows to SlotItems)"),
        # One line per relationship, e.g. "(lazy loads of Track.cues)"; LazyLoader before 2.1.
        ("sqlalchemy.orm.strategies", "_LazyLoader._emit_lazyload", "(lazy loads of {})"),
    )

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.sql: dict[str, list[float]] = defaultdict(list)
        self._started: list[float] = []
        self.gc: dict[int, list[float]] = defaultdict(list)  # generation -> pauses (s)
        self._gc_started = 0.0

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc[info["generation"]].append(time.perf_counter() - self._gc_started)

    def _wrap(self, module: str, name: str, label: str) -> Any:
        owner: Any = sys.modules[module]
        *path, name = name.split(".")
        for part in path:
            owner = getattr(owner, part, None) or getattr(owner, part.lstrip("_"))
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                # A lazy loader's first argument is the strategy, which knows its relationship.
                key = label.format(args[0].parent_property) if "{}" in label else label
                self.seconds[key] += time.perf_counter() - start
                self.calls[key] += 1

        return mock.patch.object(owner, name, timed_call)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seconds = time.perf_counter() - self._started.pop()
        table = re.search(r"\bFROM\s+\"?(\w+)", statement)
        self.sql[table.group(1) if table else statement.split()[0]].append(seconds)

    @contextlib.contextmanager
    def installed(self) -> Iterator[Tracer]:
        with contextlib.ExitStack() as stack:
            for module, name, label in self.TARGETS:
                stack.enter_context(self._wrap(module, name, label))
            event.listen(self.engine, "before_cursor_execute", self._before)
            event.listen(self.engine, "after_cursor_execute", self._after)
            stack.callback(event.remove, self.engine, "before_cursor_execute", self._before)
            stack.callback(event.remove, self.engine, "after_cursor_execute", self._after)
            gc.callbacks.append(self._gc)
            stack.callback(gc.callbacks.remove, self._gc)
            yield self


def breakdown(app: Any, weeks: list[dt.date]) -> dict[str, Any]:
    """Per-request means of the wrapped steps and the SQL statements over ``weeks``."""
    side = TestClientSide(app)
    engine = app.extensions["station"].engine
    tracer = Tracer(engine)
    walls = []
    slot_counts = []
    with tracer.installed():
        for week in weeks:
            start = time.perf_counter()
            side.get(f"/schedule/{GRID_CHANNEL}?week={week.isoformat()}")
            walls.append(time.perf_counter() - start)
    n = len(weeks)
    with app.extensions["station"].session() as session:
        channel = production.get_channel(session, GRID_CHANNEL)
        facts = schedule_services.channel_facts(channel)
        for week in weeks:
            start, end = days.week_window(week, facts)
            slots = schedule_services.slots_between(session, channel, start, end)
            reports = {s.report_id for s in slots if s.report_id}
            slot_counts.append((len(slots), len(reports)))
    labels = [label for _, _, label in Tracer.TARGETS if "{}" not in label]
    labels += sorted((k for k in tracer.seconds if k not in labels),
                     key=lambda k: -tracer.seconds[k])
    steps = {label: {"ms": tracer.seconds[label] * 1e3 / n, "calls": tracer.calls[label] / n}
             for label in labels}
    sql = {table: {"statements": len(v) / n, "ms": sum(v) * 1e3 / n}
           for table, v in sorted(tracer.sql.items(), key=lambda kv: -sum(kv[1]))}
    pauses = {f"gen{g}": {"collections": len(v) / n, "ms": sum(v) * 1e3 / n}
              for g, v in sorted(tracer.gc.items())}
    return {"requests": n, "wall_ms": statistics.mean(walls) * 1e3, "gc": pauses,
            "slots_per_week": statistics.mean(c for c, _ in slot_counts),
            "reports_per_week": statistics.mean(r for _, r in slot_counts),
            "steps": steps, "sql": sql,
            "sql_total": {"statements": sum(len(v) for v in tracer.sql.values()) / n,
                          "ms": sum(sum(v) for v in tracer.sql.values()) * 1e3 / n}}


def profile_one(app: Any, week: dt.date, top: int = 25) -> str:
    side = TestClientSide(app)
    side.get(f"/schedule/{GRID_CHANNEL}?week={week.isoformat()}")  # warm
    profiler = cProfile.Profile()
    profiler.enable()
    side.get(f"/schedule/{GRID_CHANNEL}?week={week.isoformat()}")
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --------------------------------------------------------------------------- one backend


def run_backend(name: str, url: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    from web import create_app

    print(f"\n=== {name} ===", flush=True)
    settings, year, setup = prepare(url, root / f"instance-{name}", args.days, args.reports,
                                    args.overlaps)
    facts = year.facts
    print(f"year: {facts['slots']:,} slots ({facts['report_slots']:,} of reports) on "
          f"{len(facts['slots_per_channel'])} channels, {facts['days']} days "
          f"{facts['first_day']}..{facts['last_day']}; {facts['reports']} reports, "
          f"{facts['tracks']} tracks, {facts['cues']:,} cues; {facts['injected_overlaps']} "
          f"injected overlaps")
    print(f"setup: migrate {setup['migrate']:.1f} s, generate {setup['generate']:.1f} s, "
          f"bulk insert {setup['insert']:.1f} s", flush=True)
    del year

    runtime = Runtime(settings)
    try:
        found = bench_conflicts(runtime.engine, args.repeat)
    finally:
        runtime.dispose()
    m = found["median_s"]
    print(f"conflict check over {found['slots']:,} slots (median of {args.repeat}):")
    print(f"  load rows {m['load rows'] * 1e3:8.1f} ms   check (sweep) "
          f"{m['check'] * 1e3:8.1f} ms   load + check {(m['load rows'] + m['check']) * 1e3:8.1f}"
          f" ms   -> {found['pairs']} overlapping pairs")
    print(f"  SQL twin {m['sql twin'] * 1e3:9.1f} ms -> {found['sql_pairs']} pairs; same pairs:"
          f" {h.yes(found['same_pairs'])}; full ORM load once "
          f"{m['load ORM entities (once)'] * 1e3:.0f} ms")
    verdict = h.verdict(m["check"] + m["load rows"] < TARGET_CHECK_S)
    print(f"  load + check {verdict} the target < {TARGET_CHECK_S:g} s", flush=True)

    weeks = grid_weeks(args.requests, args.days)
    warmup = min(3, len(weeks))
    app = create_app(settings)
    grid: dict[str, Any] = {}
    try:
        for side_class in (TestClientSide, HTTPSide):
            side = side_class(app)
            try:
                grid[side.name] = bench_grid(side, weeks, warmup)
            finally:
                side.close()
            g = grid[side.name]
            print(f"week grid /schedule/{GRID_CHANNEL}, {side.name}, {g['requests']} requests "
                  f"({g['html_bytes_median'] / 1e3:.0f} kB of HTML):")
            print(f"  {'':<18}{'wall p50':>10}{'p95':>8}{'max':>8}{'CPU p50':>10}{'p95':>8}  (ms)")
            for key in ("grid", "empty week (ref)", "login (ref)"):
                r = g[key]
                print(f"  {key:<18}{r['p50_ms']:>10.1f}{r['p95_ms']:>8.1f}{r['max_ms']:>8.1f}"
                      f"{r['cpu_p50_ms']:>10.1f}{r['cpu_p95_ms']:>8.1f}")
            verdict = h.verdict(g["grid"]["p95_ms"] < TARGET_GRID_P95_MS)
            print(f"  grid / login {g['ratio vs login (ref)']:.1f}x, grid / empty week "
                  f"{g['ratio vs empty week (ref)']:.1f}x; p95 {verdict} the target "
                  f"< {TARGET_GRID_P95_MS:g} ms", flush=True)
        where = breakdown(app, weeks[:args.trace])
        print(f"where a grid request goes ({where['requests']} requests, mean "
              f"{where['wall_ms']:.0f} ms; {where['slots_per_week']:.0f} slots and "
              f"{where['reports_per_week']:.0f} distinct reports a week):")
        for label, step in where["steps"].items():
            print(f"  {label:<46}{step['ms']:8.1f} ms {step['calls']:7.1f} calls")
        total = where["sql_total"]
        print(f"  SQL: {total['statements']:.0f} statements, {total['ms']:.1f} ms in the driver;"
              " by table:")
        for table, item in list(where["sql"].items())[:8]:
            print(f"    {table:<20}{item['statements']:7.1f} statements {item['ms']:8.1f} ms")
        print("  garbage collector pauses: " + ", ".join(
            f"{g} {p['collections']:.1f} x {p['ms']:.1f} ms" for g, p in where["gc"].items()))
        profile = profile_one(app, weeks[0]) if args.profile else None
        if profile:
            print(profile)
    finally:
        app.extensions["station"].dispose()
    return {"facts": facts, "setup_s": setup, "conflicts": found, "grid": grid,
            "breakdown": where, "profile": profile}


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, quick="smoke run: 8 weeks of schedule, 10 requests, "
                      "2 repetitions", repeat=(5, 2),
                      repeat_help="conflict-check repetitions", backends=True)
    parser.add_argument("--requests", type=int, help="grid requests per side (default 50)")
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile's top functions of one grid request")
    args = h.resolve(parser, parser.parse_args(argv))
    args.days = 56 if args.quick else YEAR_DAYS
    args.reports = 60 if args.quick else REPORTS
    args.overlaps = 40 if args.quick else OVERLAPS
    args.requests = args.requests or (10 if args.quick else 50)
    args.trace = min(args.requests, 5 if args.quick else 10)
    if args.requests < 1:
        parser.error("--requests must be positive")
    run = h.Run("schedule", args)
    logging.getLogger("waitress").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="station-bench-schedule-") as tmp:
        root = Path(tmp)
        results = h.each_backend(args, root, run,
                                 lambda backend, url: run_backend(backend, url, root, args))
    return run.finish({"targets": {"check_s": TARGET_CHECK_S,
                                   "grid_p95_ms": TARGET_GRID_P95_MS},
                       "results": results})


if __name__ == "__main__":
    sys.exit(main())
