"""Load and faults, for real: 50 people on two web processes and three workers while jobs run,
then workers killed mid-job and the database and the queue restarted mid-run (issue 12).

The run starts its own PostgreSQL 15 cluster and Redis on free ports under a temporary folder
(so its restarts never touch the machine's shared servers), a fresh instance seeded with the
demo, two ``station run --no-worker`` processes and three ``station worker`` processes, then
Locust (headless, users in benchmarks/_load_users.py): editors browse and upload short
masters and ask for their transcription, translators save a cue every few seconds, partners
read the portal and the API and download package files. During the steady phase it SIGKILLs a
worker mid-ingest, mid-transcription and mid-package (starting a replacement, as systemd
would), restarts PostgreSQL (``pg_ctl restart -m fast``) and Redis (shutdown nosave, start),
then waits for the queue to drain and checks: p95/p99 per kind of request, 5xx inside and
outside the restart windows, jobs completed, every killed job finished exactly once, and no
cue save lost (every cue in the database against what its translator last saved).

Targets (issue 12): p95 page < 300 ms, cue save p95 < 100 ms, no 5xx outside the restart
windows, no lost saves, every killed job finished exactly once. A missed target is reported,
not an error: the exit code is non-zero only when the run itself breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, Python puts benchmarks/ first on sys.path: put the repository there
# instead, so the project's packages come first whatever is installed.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from benchmarks import _harness as h  # noqa: E402  (after the sys.path fix)

ROOT = _HERE.parent
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CACHE = h.CACHE / "load"
MODELS = h.MODELS
PASSWORD = "laichau2026"
TARGET_PAGE_P95_MS = 300.0
TARGET_SAVE_P95_MS = 100.0
RESTART_GRACE_S = 5.0  # after a server answers again, pools and clients reconnect
PAGE_NAMES = ("page",)
# Four short masters with different speech, so each upload is new media (10-16 s, 640x360).
MASTER_TEXTS = (
    "Lai Châu là tỉnh miền núi biên giới. Bà con các dân tộc chuẩn bị cho mùa lúa mới.",
    "Chè Shan tuyết ở Tam Đường được mùa. Người dân thu hoạch từ sáng sớm.",
    "Đường về bản đã được sửa sau mưa lũ. Các em học sinh lại đến trường.",
    "Chợ phiên Sìn Hồ họp vào ngày chủ nhật. Du khách đến mua thổ cẩm và thảo quả.",
)

log = logging.getLogger("bench.load")


# --------------------------------------------------------------------------- servers

free_port = h.free_port


def wait_port(port: int, timeout: float) -> None:
    if not h.wait_port(port, timeout):
        raise RuntimeError(f"nothing answered on port {port} within {timeout:.0f} s")


class PrivateServers:
    """A PostgreSQL 15 cluster and a Redis of this run only, under ``root``: restarting them
    is part of the test, and the machine's shared servers serve other runs meanwhile."""

    def __init__(self, root: Path, pg_port: int, redis_port: int) -> None:
        self.root = root
        self.pg_port = pg_port
        self.redis_port = redis_port
        self.pg_dir = root / "pg"
        self.redis: subprocess.Popen[bytes] | None = None

    @staticmethod
    def _as_postgres(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True,
                              text=True, check=True, timeout=120)

    def start(self) -> None:
        self.pg_dir.mkdir()
        shutil.chown(self.pg_dir, "postgres", "postgres")
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.pg_dir / "data"), "-A",
                          "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                          "--locale", "C.UTF-8")
        self.pg_ctl("start")
        self.start_redis()

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = (f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -c max_connections=300 "
                   f"-c unix_socket_directories={self.pg_dir}")
        self._as_postgres(str(PG_BIN / "pg_ctl"), action, "-D", str(self.pg_dir / "data"),
                          "-l", str(self.pg_dir / "server.log"), "-w", "-t", "60",
                          "-o", options, *extra)

    def start_redis(self) -> None:
        log_file = open(self.root / "redis.log", "ab")  # noqa: SIM115 - closed with the process
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.root)],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        log_file.close()
        wait_port(self.redis_port, 30)

    def stop_redis(self) -> None:
        if self.redis is None:
            return
        subprocess.run(["redis-cli", "-p", str(self.redis_port), "shutdown", "nosave"],
                       capture_output=True, check=False, timeout=30)
        try:
            self.redis.wait(10)
        except subprocess.TimeoutExpired:
            self.redis.kill()
            self.redis.wait()
        self.redis = None

    def restart_pg(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    def restart_redis(self) -> None:
        self.stop_redis()
        self.start_redis()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.stop_redis()
        if (self.pg_dir / "data" / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._as_postgres(str(PG_BIN / "pg_ctl"), "stop", "-D",
                                  str(self.pg_dir / "data"), "-m", "immediate", "-w")

    @property
    def database_server(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"


def create_database(server_url: str, name: str) -> str:
    """A new empty database on the server; its SQLAlchemy URL."""
    import psycopg

    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


# --------------------------------------------------------------------------- processes

@dataclass
class Proc:
    """One Station process with its log file."""

    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str]
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with open(self.log_path, "ab") as out:
            self.popen = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                          env=self.env, cwd=ROOT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 15) -> None:
        """SIGINT (workers finish their job and stop), then SIGKILL of the whole group."""
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(signal.SIGINT)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


def station(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    proc = subprocess.run([str(BIN / "station"), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"station {' '.join(args)} failed:\n{proc.stdout[-2000:]}"
                           f"{proc.stderr[-3000:]}")
    return proc.stdout


def http_ready(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), \
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as answer:
            if answer.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the web process on port {port} did not answer")


# --------------------------------------------------------------------------- media

def masters() -> list[Path]:
    """Short masters with espeak-ng Vietnamese speech, made once into .cache/bench/load/."""
    from tests import media

    return [media.report_video(CACHE, seconds=10 + 2 * i, size="640x360", speech_text=text,
                               name=f"load-master-{i}.mp4")
            for i, text in enumerate(MASTER_TEXTS)]


def fault_master() -> Path:
    """A 40 s 720p master no report holds yet, so the killed ingest really decodes and
    encodes (the demo's master would only be linked to its twin's files)."""
    from tests import media

    return media.report_video(CACHE, seconds=40, size="1280x720", speech_text=MASTER_TEXTS[0],
                              name="load-fault-master.mp4")


# --------------------------------------------------------------------------- the instance

@dataclass
class Instance:
    """What the seeded instance holds for the users and the faults."""

    runtime: Any
    editor_reports: list[int]
    browse_reports: list[int]
    translators: list[dict[str, Any]]
    tokens: list[str]
    ingest_reports: list[int]
    transcribe_report: int
    package_report: int
    initial_cues: dict[int, str]


def _srt(count: int, seconds: float = 4.0) -> bytes:
    blocks = []
    for n in range(count):
        start, end = n * seconds, n * seconds + seconds - 0.5

        def stamp(t: float) -> str:
            ms = round(t * 1000)
            return (f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:"
                    f"{ms // 1000 % 60:02d},{ms % 1000:03d}")

        blocks.append(f"{n + 1}\n{stamp(start)} --> {stamp(end)}\nLine {n + 1} of the draft\n")
    return "\n".join(blocks).encode("utf-8")


def prepare(runtime: Any, users: int, partners: int) -> Instance:
    """Reports for editors and for the faults, draft tracks for translators (each simulated
    translator edits its own cues, so any difference at the end is a lost save), API tokens."""
    from sqlalchemy import select

    from delivery import services as delivery
    from production import services as production
    from production.models import Report
    from station.accounts import User
    from subtitles import services as subtitles
    from subtitles.models import CueRow

    with runtime.session() as session:
        def user(name: str) -> User:
            found = session.scalar(select(User).where(User.username == name))
            assert found is not None, name
            return found

        editor, admin = user("editor"), user("admin")

        def report(title: str) -> int:
            made = production.create_report(session, production.ReportInput(
                title=title, kind="tv_report", channel_codes=["VTV4", "LCTV"],
                reporter="Bench", editor_id=editor.id, due_date=dt.date.today(),
                planned_duration_s=20, tags=["load"]), actor=editor)
            session.flush()
            return made.id

        editor_reports = [report(f"Tải thử – phóng sự {n + 1}") for n in range(users)]
        ingest_reports = [report(f"Tải thử – ingest bị ngắt {n + 1}") for n in range(3)]
        track_reports = [report(f"Tải thử – bản dịch {n + 1}") for n in range(3)]
        tracks = []
        for report_id in track_reports:
            for language in ("en", "zh"):
                track, _ = subtitles.import_track(session, report_id, language, _srt(60),
                                                  f"{language}.srt", actor=editor)
                tracks.append(track.id)
        session.flush()
        cues_of = {t: list(session.scalars(select(CueRow.id).where(CueRow.track_id == t)
                                           .order_by(CueRow.start_ms))) for t in tracks}
        translators = []
        per_track = -(-users // len(tracks))  # slots sharing one track
        for slot in range(users):
            track = tracks[slot % len(tracks)]
            share = slot // len(tracks)
            translators.append({"track": track,
                                "cues": cues_of[track][share::per_track][:4]})
        tokens = [delivery.create_token(session, "VTV4", f"load-{n}", actor=admin)[1]
                  for n in range(partners)]
        demo_report = session.scalar(
            select(Report.id).where(Report.search_text.like("%mien dat cua nhung dinh nui%")))
        delivered = session.scalar(select(Report.id).where(Report.title == "Mùa hoa đào Lai Châu"))
        assert demo_report is not None and delivered is not None
        initial = {cue: text for cue, text in session.execute(
            select(CueRow.id, CueRow.text).where(CueRow.track_id.in_(tracks)))}
        session.commit()
    return Instance(runtime=runtime, editor_reports=editor_reports,
                    browse_reports=[demo_report, delivered, *editor_reports[:5]],
                    translators=translators, tokens=tokens, ingest_reports=ingest_reports,
                    transcribe_report=demo_report, package_report=delivered,
                    initial_cues=initial)


# --------------------------------------------------------------------------- faults

@dataclass
class Fault:
    kind: str
    started: float
    ended: float = 0.0
    job_id: int | None = None
    pid: int | None = None
    step: str = ""
    progress: float = 0.0
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "started": self.started, "ended": self.ended,
                "job_id": self.job_id, "worker_pid": self.pid, "step": self.step,
                "progress": round(self.progress, 1), "note": self.note}


@dataclass
class Cluster:
    """The web processes and the workers, with what happened to them."""

    env: dict[str, str]
    root: Path
    webs: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start_worker(self) -> Proc:
        n = len(self.workers) + 1
        worker = Proc(f"worker{n}", [str(BIN / "station"), "worker"],
                      self.root / f"worker{n}.log", self.env).start()
        with self.lock:
            self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for proc in [*self.workers, *self.webs]:
            with contextlib.suppress(Exception):
                proc.stop()


def retrying(fn: Callable[[], Any], until: float) -> Any:
    """Call ``fn`` until it works (the database may be restarting) or ``until`` passes."""
    while True:
        try:
            return fn()
        except Exception:
            if time.monotonic() > until:
                raise
            time.sleep(0.5)


def queue_fault_job(inst: Instance, kind: str, attempt: int, master: Path) -> int:
    """The job a fault kills: an ingest of a fresh report, a transcription of the demo
    report (its machine draft is replaced), a full VTV4 package of the delivered report."""
    from sqlalchemy import select

    from delivery import services as delivery
    from production import services as production
    from station.accounts import User
    from subtitles import services as subtitles

    runtime = inst.runtime
    with runtime.session() as session:
        editor = session.scalar(select(User).where(User.username == "editor"))
        assert editor is not None
        if kind == "ingest":
            runtime.settings.upload_path.mkdir(parents=True, exist_ok=True)
            upload = runtime.settings.upload_path / f"fault-{attempt}.upload"
            shutil.copyfile(master, upload)
            job = production.queue_ingest(session, inst.ingest_reports[attempt], upload.name,
                                          actor=editor, original_name=master.name)
        elif kind == "transcribe":
            job = subtitles.queue_transcription(session, inst.transcribe_report, actor=editor)
        else:
            package = delivery.queue_build(session, inst.package_report, "VTV4", actor=editor,
                                           full=True)
            job_id = package.job_id
            session.commit()
            assert job_id is not None
            return job_id
        session.commit()
        return int(job.id)


def job_row(runtime: Any, job_id: int) -> Any:
    from station.jobs import JobRun

    with runtime.session() as session:
        job = session.get(JobRun, job_id)
        assert job is not None
        session.expunge(job)
        return job


def kill_mid_job(inst: Instance, cluster: Cluster, kind: str, master: Path, min_progress: float,
                 deadline: float) -> Fault:
    """Queue a job of ``kind``, wait until a worker is well into it, SIGKILL that worker and
    start a replacement. A job that finishes before it could be killed is tried again."""
    for attempt in range(3):
        fault = Fault(kind=f"kill mid-{kind}", started=time.time())
        job_id = retrying(lambda a=attempt: queue_fault_job(inst, kind, a, master), deadline)
        fault.job_id = job_id
        while time.monotonic() < deadline:
            try:
                job = job_row(inst.runtime, job_id)
            except Exception:
                time.sleep(0.5)
                continue
            if job.status != "running" and job.status != "queued":
                fault.note = f"finished ({job.status}) before it could be killed"
                break
            if job.status == "running" and job.progress >= min_progress and job.worker:
                pid = int(job.worker.rsplit(":", 1)[1])
                holder = next((w for w in cluster.workers if w.pid == pid and w.alive()), None)
                if holder is None:
                    time.sleep(0.2)
                    continue
                fault.pid, fault.step, fault.progress = pid, job.step, job.progress
                fault.started = time.time()
                os.kill(pid, signal.SIGKILL)
                holder.popen.wait()  # type: ignore[union-attr]
                fault.ended = time.time()
                replacement = cluster.start_worker()
                fault.note = f"worker pid {pid} killed at {job.progress:.0f} % " \
                             f"({job.step or 'no step'}); replacement pid {replacement.pid}"
                log.info("%s: job %s, %s", fault.kind, job_id, fault.note)
                return fault
            time.sleep(0.2)
        else:
            fault.note = "the job did not start in time"
            return fault
        log.info("%s: job %s %s; trying again", fault.kind, job_id, fault.note)
    return fault


def restart_fault(kind: str, action: Callable[[], None], port: int) -> Fault:
    fault = Fault(kind=kind, started=time.time())
    action()
    wait_port(port, 60)
    fault.ended = time.time()
    fault.note = f"down {fault.ended - fault.started:.1f} s"
    log.info("%s: %s", kind, fault.note)
    return fault


# --------------------------------------------------------------------------- figures

nearest_rank = h.nearest_rank


def request_figures(rows: list[list[Any]], start: float, end: float,
                    windows: list[tuple[float, float]]) -> dict[str, Any]:
    """Per kind of request in [start, end): count, p50/p95/p99 (answered requests), errors,
    5xx and unanswered inside and outside the restart windows."""
    def in_window(t0: float, ms: float) -> bool:
        t1 = t0 + ms / 1000
        return any(t0 < b and t1 > a for a, b in windows)

    kinds: dict[str, dict[str, Any]] = {}
    for started, ms, name, status, error in rows:
        if not start <= started < end:
            continue
        entry = kinds.setdefault(name, {"times": [], "times_outside": [], "n": 0,
                                        "status": Counter(), "5xx_in": 0, "5xx_out": 0,
                                        "none_in": 0, "none_out": 0, "errors": Counter()})
        entry["n"] += 1
        entry["status"][str(status)] += 1
        inside = in_window(started, ms)
        if status:
            entry["times"].append(ms)
            if not inside:
                entry["times_outside"].append(ms)
        if status >= 500:
            entry["5xx_in" if inside else "5xx_out"] += 1
        if not status:
            entry["none_in" if inside else "none_out"] += 1
            entry["errors"][error or "?"] += 1
    out = {}
    for name, entry in sorted(kinds.items()):
        times, outside = entry.pop("times"), entry.pop("times_outside")
        out[name] = {**entry, "status": dict(entry["status"]), "errors": dict(entry["errors"]),
                     "p50_ms": nearest_rank(times, 0.50), "p95_ms": nearest_rank(times, 0.95),
                     "p99_ms": nearest_rank(times, 0.99), "max_ms": max(times, default=0.0),
                     "p95_outside_ms": nearest_rank(outside, 0.95),
                     "rps": entry["n"] / max(1e-9, end - start)}
    return out


def lost_saves(saves: list[dict[str, Any]], final: dict[int, tuple[str, int]],
               initial: dict[int, str]) -> dict[str, Any]:
    """Compare every cue with what its translator last saved (one translator per cue).

    A save answered 200 must be in the database unless a later save of that cue replaced it;
    a save with no answer (a restart) may or may not have landed, so the cue may hold it or
    the last acknowledged text, nothing else."""
    by_cue: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for save in saves:
        by_cue[save["cue"]].append(save)
    lost, ambiguous, landed = [], 0, 0
    outcomes: Counter[str] = Counter()
    for cue, history in by_cue.items():
        history.sort(key=lambda s: s["t"])
        outcomes.update(s["outcome"] for s in history)
        allowed = {initial.get(cue, "")}
        acked: str | None = None
        for save in history:
            if save["outcome"] == "saved":
                allowed, acked = {save["text"]}, save["text"]
            elif save["outcome"] == "unknown":
                allowed.add(save["text"])
        text, version = final.get(cue, ("<missing>", 0))
        unknown_texts = {s["text"] for s in history if s["outcome"] == "unknown"}
        ambiguous += len(unknown_texts)
        landed += text in unknown_texts
        if text not in allowed:
            lost.append({"cue": cue, "expected": acked, "found": text, "version": version})
    return {"cues_edited": len(by_cue), "saves": dict(outcomes), "lost": len(lost),
            "lost_detail": lost[:20], "unanswered_saves": ambiguous,
            "unanswered_that_landed": landed}


def job_checks(inst: Instance, faults: list[Fault], logs: list[Path],
               since: dt.datetime) -> dict[str, Any]:
    """Jobs of the run by kind and status, and for each killed job: its final status, how many
    times it started and finished (worker logs), and its outputs counted in the database."""
    from sqlalchemy import func, select

    from delivery.models import Package, WebhookDelivery
    from production.models import MediaAsset
    from station.jobs import JobRun
    from subtitles.models import CueRow, Track

    text = "".join(p.read_text("utf-8", "replace") for p in logs if p.exists())
    runtime = inst.runtime
    out: dict[str, Any] = {"by_kind": {}, "killed": []}
    with runtime.session() as session:
        for kind, status, count in session.execute(
                select(JobRun.kind, JobRun.status, func.count())
                .where(JobRun.created_at >= since).group_by(JobRun.kind, JobRun.status)):
            out["by_kind"].setdefault(kind, {})[status] = count
        failures = session.execute(
            select(JobRun.id, JobRun.kind, JobRun.error)
            .where(JobRun.created_at >= since, JobRun.status == "failed")).all()
        out["failed"] = [{"id": i, "kind": k, "error": (e or "")[:300]} for i, k, e in failures]
        for fault in faults:
            if fault.job_id is None or not fault.pid:
                continue
            job = session.get(JobRun, fault.job_id)
            assert job is not None
            started = text.count(f"job {job.id} ({job.kind}) started")
            finished = text.count(f"job {job.id} ({job.kind}) succeeded")
            check: dict[str, Any] = {"fault": fault.kind, "job_id": job.id, "kind": job.kind,
                                     "status": job.status, "attempts": job.attempts,
                                     "runs_started": started, "runs_succeeded": finished,
                                     "error": job.error}
            report_id = job.args.get("report_id")
            if job.kind == "ingest":
                roles = Counter(session.scalars(
                    select(MediaAsset.role).where(MediaAsset.report_id == report_id)))
                ingests = session.scalar(select(func.count()).select_from(JobRun).where(
                    JobRun.kind == "ingest", JobRun.subject_id == report_id))
                check["outputs"] = {"assets_by_role": dict(roles), "ingest_jobs": ingests}
                check["duplicates"] = max(roles.values(), default=0) > 1 or ingests != 1
                check["output_ok"] = roles.get("master") == 1
            elif job.kind == "transcribe":
                tracks = list(session.scalars(select(Track).where(
                    Track.report_id == report_id, Track.language == job.args.get("language"))))
                cues = [(c.start_ms, c.end_ms) for t in tracks for c in session.scalars(
                    select(CueRow).where(CueRow.track_id == t.id))]
                check["outputs"] = {"tracks": len(tracks), "cues": len(cues),
                                    "distinct_cue_times": len(set(cues))}
                check["duplicates"] = len(tracks) != 1 or len(set(cues)) != len(cues)
                check["output_ok"] = len(tracks) == 1 and bool(cues)
            else:
                package = session.get(Package, job.args["package_id"])
                assert package is not None
                same_job = session.scalar(select(func.count()).select_from(Package)
                                          .where(Package.job_id == job.id))
                hooks = session.scalar(select(func.count()).select_from(WebhookDelivery)
                                       .where(WebhookDelivery.package_id == package.id))
                bag = (runtime.settings.media_path / package.storage_key
                       if package.storage_key else None)
                check["outputs"] = {"package": package.id, "package_status": package.status,
                                    "packages_of_job": same_job, "webhooks": hooks,
                                    "bag_on_disk": bool(bag and bag.is_dir())}
                check["duplicates"] = same_job != 1
                check["output_ok"] = package.status == "ready" and bool(bag and bag.is_dir())
            check["done_after_kill_s"] = (round(job.finished_at.timestamp() - fault.started, 1)
                                          if job.finished_at else None)
            check["exactly_once"] = (job.status == "succeeded" and finished == 1
                                     and not check["duplicates"] and check["output_ok"])
            out["killed"].append(check)
    return out


# --------------------------------------------------------------------------- the run

@dataclass
class Settings:
    users: int
    warmup_s: float
    steady_s: float
    drain_s: float
    heartbeat_timeout: float
    uploads_per_editor: int


def station_env(instance: Path, database_url: str, redis_url: str,
                heartbeat_timeout: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
    env.update({
        "STATION_INSTANCE_PATH": str(instance),
        "STATION_DATABASE_URL": database_url,
        "STATION_REDIS_URL": redis_url,
        "STATION_MODELS_ROOT": str(Path(os.environ.get("STATION_MODELS_ROOT", MODELS))),
        "STATION_QUEUE_NAME": f"load-{instance.name}",
        "STATION_JOB_HEARTBEAT_TIMEOUT": str(heartbeat_timeout),
        "STATION_LANGUAGE": "en",
        "PYTHONUNBUFFERED": "1",
    })
    return env


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the run like Ctrl-C, so the private servers are always stopped."""
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def read_jsonl(path: Path) -> list[Any]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text("utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            rows.append(json.loads(line))
    return rows


def run(args: argparse.Namespace, cfg: Settings) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="station-load-"))
    root.chmod(0o755)  # the postgres user reaches its data folder through it
    log.info("working folder %s", root)
    servers: PrivateServers | None = None
    cluster: Cluster | None = None
    locust: subprocess.Popen[bytes] | None = None
    restarts = args.database_url is None or args.allow_restart
    try:
        media_files = masters()
        big_master = fault_master()
        if args.database_url:
            database_url, redis_url = args.database_url, args.redis_url
            pg_port = int(database_url.rsplit(":", 1)[1].split("/")[0])
            redis_port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
        else:
            servers = PrivateServers(root, free_port(55432), free_port(56379))
            servers.start()
            database_url = create_database(servers.database_server, "station")
            redis_url = servers.redis_url
            pg_port, redis_port = servers.pg_port, servers.redis_port
        instance = root / "instance"
        env = station_env(instance, database_url, redis_url, cfg.heartbeat_timeout)
        os.environ.update({k: v for k, v in env.items() if k.startswith("STATION_")})
        t = time.monotonic()
        station(env, "db", "upgrade")
        station(env, "models", "install", timeout=900)
        station(env, "demo", "seed", timeout=900)
        seed_s = time.monotonic() - t
        from station.config import load_settings
        from station.runtime import Runtime

        runtime = Runtime(load_settings())
        partners = max(1, round(cfg.users * 10 / 50))
        inst = prepare(runtime, cfg.users, partners)
        cluster = Cluster(env=env, root=root)
        ports = [free_port(58080), free_port(58081)]
        if ports[0] == ports[1]:
            ports[1] = free_port(0)
        for n, port in enumerate(ports, start=1):
            cluster.webs.append(Proc(f"web{n}", [str(BIN / "station"), "run", "--no-worker",
                                                 "--port", str(port)],
                                     root / f"web{n}.log", env).start())
        for _ in range(3):
            cluster.start_worker()
        for port in ports:
            http_ready(port, 60)
        # The demo's package is built by the workers; partners download it.
        from sqlalchemy import func, select

        from delivery.models import Package

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with runtime.session() as session:
                if session.scalar(select(Package.id).where(Package.status == "ready")):
                    break
            time.sleep(1)
        else:
            raise RuntimeError("the demo package was not built within 5 minutes")
        log.info("instance ready in %.0f s (seed %.0f s)", time.monotonic() - t, seed_s)

        plan = {
            "ports": ports, "password": PASSWORD, "editor_reports": inst.editor_reports,
            "browse_reports": inst.browse_reports, "translators": inst.translators,
            "tokens": inst.tokens, "schedule_channel": "VTV4",
            "masters": [str(p) for p in media_files],
            "uploads_per_editor": cfg.uploads_per_editor,
            "upload_after": [0.1 * cfg.steady_s, 0.9 * cfg.steady_s + cfg.warmup_s],
            "transcribe_after": 30 if args.quick else 60,
            "request_log": str(root / "requests.jsonl"), "save_log": str(root / "saves.jsonl"),
        }
        (root / "plan.json").write_text(json.dumps(plan), "utf-8")
        locust_env = {**os.environ, "STATION_LOAD_PLAN": str(root / "plan.json")}
        since = dt.datetime.now(dt.UTC)
        spawn_rate = max(1.0, cfg.users / max(1.0, cfg.warmup_s * 0.6))
        load_start = time.time()
        with open(root / "locust.log", "ab") as out:
            locust = subprocess.Popen(
                [str(BIN / "locust"), "-f", str(_HERE / "_load_users.py"), "--headless",
                 "-u", str(cfg.users), "-r", f"{spawn_rate:.2f}",
                 "-t", f"{int(cfg.warmup_s + cfg.steady_s)}s", "--stop-timeout", "10",
                 "--host", f"http://127.0.0.1:{ports[0]}", "--csv", str(root / "locust"),
                 "--only-summary", "--loglevel", "WARNING"],
                stdout=out, stderr=subprocess.STDOUT, env=locust_env, cwd=ROOT)
        steady_start = load_start + cfg.warmup_s
        steady_end = steady_start + cfg.steady_s

        # Faults: the kills one after another in a thread (each waits for its job to run),
        # the restarts at fixed points of the steady phase.
        faults: list[Fault] = []
        fault_errors: list[str] = []
        retried: list[int] = []
        exits: list[dict[str, Any]] = []

        def kills() -> None:
            try:
                time.sleep(max(0.0, steady_start + 0.02 * cfg.steady_s - time.time()))
                until = time.monotonic() + cfg.steady_s
                for kind, progress in (("ingest", 20.0), ("transcribe", 5.0), ("package", 5.0)):
                    faults.append(kill_mid_job(inst, cluster, kind, big_master, progress, until))
                # The sweep fails the killed package (not repeatable); a person presses Retry.
                while time.monotonic() < until and not retry_killed_package(runtime, faults,
                                                                            retried):
                    time.sleep(2)
            except Exception as exc:  # reported, and the run goes on to its checks
                log.exception("kill faults failed")
                fault_errors.append(f"{type(exc).__name__}: {exc}")

        killer = threading.Thread(target=kills, name="kills", daemon=True)
        killer.start()
        if restarts:
            assert servers is not None or args.allow_restart
            for at, kind in ((0.5, "restart PostgreSQL"), (0.8, "restart Redis")):
                watch(cluster, faults, exits, until=steady_start + at * cfg.steady_s)
                if servers is None:
                    fault_errors.append(f"{kind}: not done (external servers have no handle)")
                    continue
                action = servers.restart_pg if "Postgre" in kind else servers.restart_redis
                faults.append(restart_fault(kind, action,
                                            pg_port if "Postgre" in kind else redis_port))
        deadline = time.time() + cfg.warmup_s + cfg.steady_s + 120
        while locust.poll() is None and time.time() < deadline:
            watch(cluster, faults, exits, until=time.time() + 1)
        killer.join(timeout=cfg.steady_s)
        load_end = time.time()

        # Drain: the killed package is failed by the sweep (not repeatable); a person would
        # press Retry, so the run does too. Then wait for every job of the run to finish.
        from station import jobs
        from station.jobs import JobRun

        drain_start = time.monotonic()
        while time.monotonic() - drain_start < cfg.drain_s:
            try:
                retry_killed_package(runtime, faults, retried)
                with runtime.session() as session:
                    active = session.scalar(
                        select(func.count()).select_from(JobRun)
                        .where(JobRun.status.in_(jobs.ACTIVE_STATUSES)))
                pending_package = any(f.kind == "kill mid-package" and f.pid
                                      and f.job_id not in retried for f in faults)
                if not active and not pending_package:
                    break
            except Exception:
                log.warning("drain poll failed", exc_info=True)
            time.sleep(2)
        drain_s = time.monotonic() - drain_start

        windows = [(f.started, f.ended + RESTART_GRACE_S) for f in faults
                   if f.kind.startswith("restart")]
        rows = read_jsonl(root / "requests.jsonl")
        from subtitles.models import CueRow

        with runtime.session() as session:
            final = {i: (txt, v) for i, txt, v in session.execute(
                select(CueRow.id, CueRow.text, CueRow.version)
                .where(CueRow.id.in_(list(inst.initial_cues))))}
        worker_logs = [w.log_path for w in cluster.workers]
        result = {
            "date": dt.date.today().isoformat(), "machine": h.machine(),
            "load_avg_end": os.getloadavg()[0],
            "mode": "quick" if args.quick else "full",
            "settings": {**cfg.__dict__, "partners": partners, "web_processes": 2,
                         "workers": 3, "worker_threads": 2, "restarts": restarts},
            "seed_s": round(seed_s, 1), "drain_s": round(drain_s, 1),
            "folder": str(root),
            "faults": [f.as_dict() for f in faults], "fault_errors": fault_errors,
            "windows": windows,
            "steady": request_figures(rows, steady_start, steady_end, windows),
            "whole_run": request_figures(rows, load_start, load_end + 1, windows),
            "saves": lost_saves(read_jsonl(root / "saves.jsonl"), final, inst.initial_cues),
            "jobs": job_checks(inst, faults, worker_logs, since),
            "retried_packages": retried,
            "unexpected_exits": exits,
            "worker_restarts": len(cluster.workers) - 3,
            "tracebacks": tracebacks([*worker_logs, *(w.log_path for w in cluster.webs)]),
        }
        result["targets"] = targets(result)
        return result
    finally:
        if locust is not None and locust.poll() is None:
            locust.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                locust.wait(20)
            if locust.poll() is None:
                locust.kill()
        if cluster is not None:
            cluster.stop()
        if servers is not None:
            servers.stop()
        if not args.keep:  # the logs stay for reading; media and the cluster go
            shutil.rmtree(root / "instance" / "media", ignore_errors=True)
            shutil.rmtree(root / "pg" / "data", ignore_errors=True)


def watch(cluster: Cluster, faults: list[Fault], exits: list[dict[str, Any]],
           until: float) -> None:
    """Until ``until``, notice a web process or a worker that stopped although no fault
    killed it: record its exit code (a negative one is the signal) and start it again, as
    systemd would, so the run goes on and the summary says it happened."""
    while True:
        killed = {f.pid for f in faults if f.pid}
        for proc in [*cluster.webs, *cluster.workers]:
            if proc.popen is None or proc.alive() or proc.pid in killed \
                    or any(e["pid"] == proc.pid for e in exits):
                continue
            exits.append({"name": proc.name, "pid": proc.pid, "at": time.time(),
                          "returncode": proc.popen.returncode})
            log.warning("%s (pid %s) stopped by itself with code %s; starting it again",
                        proc.name, proc.pid, proc.popen.returncode)
            if proc in cluster.webs:
                proc.start()
            else:
                cluster.start_worker()
        if time.time() >= until:
            return
        time.sleep(min(0.5, max(0.0, until - time.time())))


def retry_killed_package(runtime: Any, faults: list[Fault], retried: list[int]) -> bool:
    """Retry the killed package job once the sweep has failed it; True when nothing is left
    to retry (errors, e.g. the database restarting, leave it for the next call)."""
    from station import jobs

    waiting = [f.job_id for f in faults if f.kind == "kill mid-package" and f.pid
               and f.job_id is not None and f.job_id not in retried]
    for job_id in waiting:
        try:
            with runtime.session() as session:
                job = session.get(jobs.JobRun, job_id)
                if job is None or job.status != "failed":
                    continue
                jobs.retry(session, job_id)
                session.commit()
        except Exception:
            log.warning("retrying package job %s failed", job_id, exc_info=True)
            continue
        retried.append(job_id)
        log.info("package job %s failed by the sweep; retried", job_id)
    return all(job_id in retried for job_id in waiting)


def tracebacks(logs: list[Path]) -> list[dict[str, Any]]:
    """Each distinct last line of a traceback in the process logs, with a count."""
    found: Counter[str] = Counter()
    for path in logs:
        if not path.exists():
            continue
        lines = path.read_text("utf-8", "replace").splitlines()
        for n, line in enumerate(lines):
            if line.startswith("Traceback"):
                tail = next((x for x in lines[n + 1:n + 200] if x and not x.startswith(" ")),
                            "?")
                found[f"{path.name.rstrip('0123456789.log')}: {tail[:200]}"] += 1
    return [{"where_error": k, "count": v} for k, v in found.most_common(30)]


def targets(result: dict[str, Any]) -> dict[str, Any]:
    steady = result["steady"]
    page = steady.get("page", {}).get("p95_ms", float("nan"))
    save = steady.get("cue save", {}).get("p95_ms", float("nan"))
    outside = sum(k["5xx_out"] for k in result["whole_run"].values())
    unanswered = sum(k["none_out"] for k in result["whole_run"].values())
    killed = result["jobs"]["killed"]
    return {
        "page p95 < 300 ms": {"value": page, "met": page < TARGET_PAGE_P95_MS},
        "cue save p95 < 100 ms": {"value": save, "met": save < TARGET_SAVE_P95_MS},
        "no 5xx (nor unanswered) outside restart windows": {
            "value": f"{outside} 5xx, {unanswered} unanswered",
            "met": outside == 0 and unanswered == 0},
        "no lost saves": {"value": result["saves"]["lost"], "met": result["saves"]["lost"] == 0},
        "every killed job finished exactly once": {
            "value": f"{sum(k['exactly_once'] for k in killed)}/{len(killed)}",
            "met": len(killed) == 3 and all(k["exactly_once"] for k in killed)},
    }


def summary(result: dict[str, Any]) -> str:
    lines = [f"Load and faults ({result['mode']}): {result['settings']['users']} users, "
             f"{result['settings']['steady_s']:.0f} s steady, machine {result['machine']['nproc']} "
             f"cores, load avg at the end {result['load_avg_end']:.1f}", ""]
    lines.append(f"{'request':<12} {'n':>6} {'rps':>6} {'p50':>7} {'p95':>7} {'p99':>7} "
                 f"{'max':>7} {'p95 out':>8} {'5xx in/out':>10} {'no answer':>9}")
    for name, k in result["steady"].items():
        lines.append(f"{name:<12} {k['n']:>6} {k['rps']:>6.2f} {k['p50_ms']:>7.0f} "
                     f"{k['p95_ms']:>7.0f} {k['p99_ms']:>7.0f} {k['max_ms']:>7.0f} "
                     f"{k['p95_outside_ms']:>8.0f} {k['5xx_in']:>4}/{k['5xx_out']:<5} "
                     f"{k['none_in'] + k['none_out']:>9}")
    lines.append("")
    lines.append("faults:")
    for f in result["faults"]:
        lines.append(f"  {f['kind']:<22} job {f['job_id'] or '-'}: {f['note']}")
    for error in result["fault_errors"]:
        lines.append(f"  ERROR {error}")
    for gone in result["unexpected_exits"]:
        lines.append(f"  UNEXPECTED: {gone['name']} (pid {gone['pid']}) exited with code "
                     f"{gone['returncode']} at {dt.datetime.fromtimestamp(gone['at']):%H:%M:%S}"
                     "; started again")
    lines.append("jobs of the run: " + "; ".join(
        f"{kind} " + ", ".join(f"{s} {n}" for s, n in sorted(st.items()))
        for kind, st in sorted(result["jobs"]["by_kind"].items())))
    for k in result["jobs"]["killed"]:
        lines.append(f"  killed {k['kind']:<10} job {k['job_id']}: {k['status']}, attempts "
                     f"{k['attempts']}, runs started {k['runs_started']}, succeeded "
                     f"{k['runs_succeeded']}, done {k['done_after_kill_s']} s after the kill, "
                     f"outputs {k['outputs']} -> "
                     f"{'exactly once' if k['exactly_once'] else 'NOT exactly once'}")
    s = result["saves"]
    lines.append(f"saves: {s['saves']}, cues edited {s['cues_edited']}, lost {s['lost']}, "
                 f"unanswered {s['unanswered_saves']} (landed {s['unanswered_that_landed']})")
    if result["tracebacks"]:
        lines.append("tracebacks in the logs:")
        lines.extend(f"  {t['count']:>4} x {t['where_error']}" for t in result["tracebacks"])
    lines.append("")
    for name, t in result["targets"].items():
        value = t["value"]
        shown = f"{value:.0f} ms" if isinstance(value, float) else str(value)
        lines.append(f"  {h.verdict(t['met']):<6} {name}: {shown}")
    lines.append(f"logs: {result['folder']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, quick="10 users, 60 s of load, every fault (a few minutes)")
    parser.add_argument("--users", type=int, help="simulated people (default 50; quick 10)")
    parser.add_argument("--seconds", type=float, help="steady load (default 300; quick 60)")
    parser.add_argument("--heartbeat-timeout", type=float,
                        help="STATION_JOB_HEARTBEAT_TIMEOUT (default 45; quick 15)")
    parser.add_argument("--database-url", help="use this PostgreSQL database (no restart)")
    parser.add_argument("--redis-url", help="use this Redis (with --database-url)")
    parser.add_argument("--allow-restart", action="store_true",
                        help="with external servers: still count restarts (done by hand)")
    parser.add_argument("--keep", action="store_true", help="keep the media of the instance")
    args = h.resolve(parser, parser.parse_args(argv))
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    if bool(args.database_url) != bool(args.redis_url):
        parser.error("--database-url and --redis-url go together")
    quick = args.quick
    cfg = Settings(users=args.users or (10 if quick else 50),
                   warmup_s=15 if quick else 30,
                   steady_s=args.seconds or (60 if quick else 300),
                   drain_s=150 if quick else 600,
                   heartbeat_timeout=args.heartbeat_timeout or (15 if quick else 45),
                   uploads_per_editor=1 if quick else 2)
    bench = h.Run("load_faults", args)
    with sigterm_as_interrupt():
        try:
            result = run(args, cfg)
        except KeyboardInterrupt:
            print("interrupted; private servers stopped", file=sys.stderr)
            return 130
    print(summary(result))
    return bench.finish(result)


if __name__ == "__main__":
    sys.exit(main())
