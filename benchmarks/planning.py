"""Planning: a news editor reordering and retiming a 60-line rundown, and the year's plan page.

Issue 15's targets, on SQLite and PostgreSQL (``--backends``):

* **Rundown** (target p95 < 100 ms): a 60-line bulletin; each round is one reorder (the
  whole new order, ``PUT /api/rundowns/<id>/order``) and one retime (``PATCH`` of a line's
  estimate), both at the version the page last saw, through the app's own HTTP API (Flask's
  test client: the app's time, no sockets). Every answer carries the whole rundown with its
  recomputed timings, as the page needs it. The reference, measured in the same rounds
  (ABBA), is ``GET /api/rundowns/<id>``: the same document read without a change.
* **Plan page** (target < 300 ms): ``GET /plan/<year>`` for a year with 5,000 reports and
  20,000 assignments (topics) under 8 themes, with history, slots and as-run lines. The
  reference is the login page.

``--quick`` runs fewer rounds on a smaller year (1,000 reports, 4,000 topics). Figures go to
docs/benchmarks.md as percentiles and ratios against the references.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from benchmarks import _harness as h
from planning import services as rundowns
from planning.models import Plan, Target, Theme, Topic
from production.models import Report, ReportEvent, report_channel
from schedule.models import AsRunEntry, Slot
from station.accounts import User
from station.runtime import Runtime

PASSWORD = h.BENCH_PASSWORD
YEAR = 2026
LINES = 60
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SIZES = {"full": {"reports": 5_000, "topics": 20_000, "rounds": 100},
         "quick": {"reports": 1_000, "topics": 4_000, "rounds": 30}}
THEMES = ("Chính sách đầu tư", "Văn hoá – du lịch", "Biên giới – đối ngoại", "Nông nghiệp",
          "Giáo dục", "Y tế", "Dân tộc – tôn giáo", "Quốc phòng – an ninh")


def generate(channels: dict[str, int], editor_id: int, size: dict[str, int],
             rng: random.Random) -> dict[Any, list[dict[str, Any]]]:
    """A year of reports, their history, slots and as-run, and the plan's topics."""
    reports, links, events, slots, airings = [], [], [], [], []
    for rid in range(1, size["reports"] + 1):
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))
        status = rng.choice(("planned", "editing", "approved", "aired", "aired"))
        reports.append({"id": rid, "title": f"Phóng sự {rid}", "kind": "tv_report",
                        "original_language": "vi", "due_date": day, "notes": "", "tags": [],
                        "status": status, "search_text": f"phong su {rid}",
                        "created_at": STAMP, "updated_at": STAMP, "version": 1})
        links.append({"report_id": rid, "channel_id": channels["LCTV"]})
        if status in ("approved", "aired"):
            at = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
            events.append({"report_id": rid, "actor_id": editor_id, "at": at, "kind": "status",
                           "from_status": "review", "to_status": "approved", "comment": ""})
        if status == "aired":
            start = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
            slots.append({"id": rid, "channel_id": channels["LCTV"], "start_at": start,
                          "end_at": start + dt.timedelta(minutes=5), "duration_s": 300,
                          "title": f"Khung {rid}",
                          "kind": "report", "report_id": rid, "notes": "", "status": "aired",
                          "created_at": STAMP, "updated_at": STAMP, "version": 1})
            airings.append({"channel_id": channels["LCTV"], "started_at": start,
                            "duration_s": 300, "title": f"Khung {rid}", "slot_id": rid,
                            "outcome": "as_planned", "import_batch": "bench",
                            "imported_at": STAMP})
    plans = [{"id": 1, "year": YEAR, "title": f"Kế hoạch {YEAR}", "created_at": STAMP}]
    themes = [{"id": n + 1, "plan_id": 1, "name": name, "description": "", "position": n}
              for n, name in enumerate(THEMES)]
    targets = [{"theme_id": t["id"], "quarter": q, "channel_id": channels[code],
                "language": None, "count": rng.randint(5, 40), "minutes": rng.randint(30, 300)}
               for t in themes for q in (1, 2, 3, 4) for code in ("LCTV", "VTV4")]
    topics = []
    for tid in range(1, size["topics"] + 1):
        shoot = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(360))
        topics.append({"id": tid, "theme_id": rng.randint(1, len(THEMES)),
                       "title": f"Đề tài {tid}", "place": rng.choice(("Sìn Hồ", "Tam Đường")),
                       "shoot_date": shoot, "due_date": shoot + dt.timedelta(days=3),
                       "reporter_name": f"Phóng viên {tid % 40}", "camera_name":
                       f"Quay phim {tid % 25}", "editor_id": editor_id,
                       "report_id": tid if tid <= size["reports"] else None,
                       "created_at": STAMP, "updated_at": STAMP, "version": 1})
    return {Report.__table__: reports, report_channel: links, ReportEvent.__table__: events,
            Slot.__table__: slots, AsRunEntry.__table__: airings, Plan.__table__: plans,
            Theme.__table__: themes, Target.__table__: targets, Topic.__table__: topics}


def prepare(url: str, instance: Path, size: dict[str, int]) -> tuple[Any, int, dict[str, float]]:
    """Migrate, add the people, bulk-insert the year and build the 60-line rundown."""
    times: dict[str, float] = {}
    settings, times["migrate"] = h.migrated_database(url, instance)
    runtime = Runtime(settings)
    try:
        editor_id, channels = h.bench_editor(runtime)
        began = time.perf_counter()
        h.bulk_insert(runtime.engine, generate(channels, editor_id, size,
                                               random.Random(20261205)).items(),
                      ("report", "slot", "plan", "theme", "topic"), analyze_sqlite=True)
        times["insert"] = time.perf_counter() - began
        with runtime.session() as session:
            editor = session.get(User, editor_id)
            rundown = rundowns.create_rundown(
                session, actor=editor, channel="LCTV", title="Thời sự 19:00",
                starts_at=dt.datetime(YEAR, 12, 7, 19, 0), planned_s=1800)
            for n in range(LINES):
                kind = ("reader", "package", "voice_over", "sound_bite", "break")[n % 5]
                rundowns.add_item(session, rundown.id, rundowns.ItemInput(
                    kind=kind, title=f"Mục {n + 1}", estimate_s=20 + n % 40,
                    report_id=n + 1 if kind == "package" else None,
                    anchor_text=("Chào mừng quý vị đến với bản tin thời sự tối nay của Đài "
                                 "Phát thanh và Truyền hình Lai Châu. " * (1 + n % 3))
                    if kind == "reader" else "", anchor="Lò Thị Mai"),
                    actor=editor, version=rundown.version)
            session.commit()
            rundown_id = rundown.id
    finally:
        runtime.dispose()
    return settings, rundown_id, times


def _client(settings: Any) -> Any:
    from web import create_app

    client = create_app(settings).test_client()
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="', 1)[1].split('"')[0]
    done = client.post("/login", data={"username": "bench-editor", "password": PASSWORD,
                                       "csrf_token": token})
    if done.status_code != 302:
        raise SystemExit(f"login failed: {done.status_code}")
    # The page's scripts send the session's CSRF token with every change, as this does.
    page = client.get("/reports").get_data(as_text=True)
    client.environ_base["HTTP_X_CSRFTOKEN"] = page.split(
        'name="csrf-token" content="', 1)[1].split('"')[0] if 'name="csrf-token"' in page \
        else page.split('name="csrf_token" value="', 1)[1].split('"')[0]
    return client


def _summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1e3 for v in values]
    return {"p50_ms": statistics.median(ms), "p95_ms": h.nearest_rank(ms, 0.95),
            "max_ms": max(ms)}


def bench_rundown(client: Any, rundown_id: int, rounds: int,
                  rng: random.Random) -> dict[str, Any]:
    """Reorder and retime in turns at the version last seen; the read as the reference."""
    base = f"/api/rundowns/{rundown_id}"
    doc = client.get(base).get_json()["rundown"]
    times: dict[str, list[float]] = defaultdict(list)

    def change(name: str, method: str, path: str, body: dict[str, Any]) -> None:
        nonlocal doc
        started = time.perf_counter()
        answer = client.open(path, method=method, json=body)
        times[name].append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"{method} {path} answered {answer.status_code}: "
                             f"{answer.get_data(as_text=True)[:300]}")
        doc = answer.get_json()["rundown"]

    def read() -> None:
        started = time.perf_counter()
        answer = client.get(base)
        times["read (ref)"].append(time.perf_counter() - started)
        assert answer.status_code == 200

    for i in range(rounds + 3):
        order = [line["id"] for line in doc["lines"]]
        a, b = rng.randrange(len(order)), rng.randrange(len(order))
        order.insert(b, order.pop(a))
        line = rng.choice(doc["lines"])
        retime = {"kind": line["kind"], "title": line["title"], "report_id": line["report_id"],
                  "anchor_text": line["anchor_text"], "anchor": line["anchor"],
                  "estimate_s": rng.randint(10, 90)}
        steps = [lambda o=order: change("reorder", "PUT", f"{base}/order",
                                        {"order": o, "version": doc["version"]}),
                 read,
                 lambda r=retime, n=line["id"]: change(
                     "retime", "PATCH", f"{base}/items/{n}", {**r, "version": doc["version"]})]
        for step in steps if i % 2 == 0 else reversed(steps):
            step()
        if i < 3:  # warm-up: templates, caches, connections
            for values in times.values():
                values.clear()
    both = times["reorder"] + times["retime"]
    out: dict[str, Any] = {name: _summary(values) for name, values in times.items()}
    out["change"] = _summary(both)
    out["lines"] = len(doc["lines"])
    out["ratio vs read (ref)"] = h.median_ratio(both, times["read (ref)"] * 2)
    return out


def bench_plan(client: Any, rounds: int) -> dict[str, Any]:
    times: dict[str, list[float]] = defaultdict(list)
    paths = {"plan page": f"/plan/{YEAR}", "login (ref)": "/login"}
    expect = {"plan page": 200, "login (ref)": 302}
    for i in range(rounds + 2):
        for name in (paths if i % 2 == 0 else reversed(list(paths))):
            started = time.perf_counter()
            answer = client.get(paths[name])
            answer.get_data()
            elapsed = time.perf_counter() - started
            if answer.status_code != expect[name]:
                raise SystemExit(f"GET {paths[name]} answered {answer.status_code}")
            if i >= 2:
                times[name].append(elapsed)
    out: dict[str, Any] = {name: _summary(values) for name, values in times.items()}
    out["ratio vs login (ref)"] = h.median_ratio(times["plan page"], times["login (ref)"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, quick="1,000 reports, 4,000 topics, 30 rounds",
                      backends=True)
    args = h.resolve(parser, parser.parse_args(argv))
    run = h.Run("planning", args)
    size = SIZES["quick" if args.quick else "full"]
    ok = True

    def measure(backend: str, url: str) -> dict[str, Any]:
        nonlocal ok
        with tempfile.TemporaryDirectory(prefix="station-bench-planning-") as work:
            settings, rundown_id, times = prepare(url, Path(work) / "instance", size)
            client = _client(settings)
            rundown = bench_rundown(client, rundown_id, size["rounds"], random.Random(7))
            plan = bench_plan(client, max(10, size["rounds"] // 3))
        print(f"\n=== {backend}: {size['reports']:,} reports, {size['topics']:,} topics "
              f"(insert {times['insert']:.1f} s) ===")
        for name in ("reorder", "retime", "change", "read (ref)"):
            f = rundown[name]
            print(f"  rundown {name:<11} p50 {f['p50_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f} ms")
        print(f"  a change costs {rundown['ratio vs read (ref)']:.2f}x a read of the rundown")
        met = rundown["change"]["p95_ms"] < 100
        print(f"  rundown change p95 {rundown['change']['p95_ms']:.1f} ms: "
              f"{h.verdict(met)} < 100 ms")
        for name in ("plan page", "login (ref)"):
            f = plan[name]
            print(f"  {name:<19} p50 {f['p50_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f} ms")
        plan_met = plan["plan page"]["p95_ms"] < 300
        print(f"  plan page p95 {plan['plan page']['p95_ms']:.1f} ms "
              f"({plan['ratio vs login (ref)']:.1f}x the login page): "
              f"{h.verdict(plan_met)} < 300 ms")
        ok = ok and met and plan_met
        return {"size": size, "times": times, "rundown": rundown, "plan": plan}

    with tempfile.TemporaryDirectory(prefix="station-bench-") as root:
        results = h.each_backend(args, Path(root), run, measure)
    return run.finish({"backends": results}, ok=True)


if __name__ == "__main__":
    sys.exit(main())
