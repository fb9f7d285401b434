"""Ingest benchmark: Station's real ingest job against the same ffmpeg commands run directly.

    .venv/bin/python benchmarks/ingest.py [--minutes 5] [--repeat 2] [--json out.json]

A 1080p25 H.264/AAC master (testsrc2 with grain, Vietnamese espeak-ng speech over room tone,
about 8 Mb/s) is generated once into ``.cache/bench/``. Each repetition then times, on a fresh
copy of that master:

* the reference: the ffprobe/ffmpeg commands ingest needs (probe the master, the one-decode
  transcode to proxy + WAV + EBU R 128, poster, waveform), built with the same
  ``production.ffmpeg`` builders and run directly with ``subprocess.run``;
* Station: the real ``ingest`` job end to end (``services.queue_ingest`` + ``jobs.execute``)
  in a fresh instance (temporary folder, migrated SQLite), which also hashes the master,
  probes its outputs, computes peaks, stores everything content-addressed and writes rows.

Runs are interleaved (ref, Station, Station, ref, ...) so a busy neighbour slows both sides;
the headline is the median of the per-pair ratios Station / reference (target <= 1.10).
Station's steps are timed by wrapping its functions in place (a clock read per call), which
splits the overhead into hashing, storing, probing outputs, peaks and database work.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import importlib
import json
import logging
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from production import ffmpeg, ingest, services
from production.storage import MediaStore
from station import jobs, migrate
from station.accounts import add_user
from station.config import Settings
from station.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO / ".cache" / "bench"  # .cache/ is git-ignored
TARGET_RATIO = 1.10
# Bump when the master recipe below changes, so a cached master of the old recipe is not reused.
RECIPE = 1
# The staged upload has the same name on both sides, so the two command lines compare equal.
STAGED_NAME = "bench-master.mp4"
SPEECH_VI = (
    "Xin chào quý vị. Đây là bản tin thời sự của Đài Phát thanh và Truyền hình Lai Châu. "
    "Sáng nay, bà con các dân tộc ở huyện Sìn Hồ bắt đầu gieo cấy vụ lúa mới trên những "
    "thửa ruộng bậc thang. Ngành nông nghiệp tỉnh đã hỗ trợ giống và phân bón cho hơn "
    "hai nghìn hộ dân. Tiếp theo là tin thời tiết: trời có mây, ngày nắng, đêm và sáng sớm "
    "có sương mù rải rác, nhiệt độ từ mười sáu đến hai mươi lăm độ."
)

log = logging.getLogger("bench.ingest")


# --------------------------------------------------------------------------- the master


def _check(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(argv)}\n"
                         f"{proc.stderr.decode('utf-8', 'replace')[-2000:]}")
    return proc


def make_master(cache: Path, minutes: float) -> Path:
    """The 1080p25 master, generated once per duration and recipe (through a temporary name)."""
    cache.mkdir(parents=True, exist_ok=True)
    dst = cache / f"master-1080p25-{minutes:g}min-r{RECIPE}.mp4"
    if dst.exists():
        return dst
    seconds = f"{minutes * 60:.3f}"
    print(f"generating {dst.name} (one-off; a few minutes for 5 min on 2 cores) ...", flush=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=cache, prefix=".tmp-") as tmp:
        work = Path(tmp)
        (work / "text.txt").write_text(SPEECH_VI, encoding="utf-8")
        _check(["espeak-ng", "-v", "vi", "-s", "150", "-w", str(work / "speech.wav"),
                "-f", str(work / "text.txt")])
        out = work / "master.mp4"
        _check([
            "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=25:duration={seconds}",
            "-stream_loop", "-1", "-i", str(work / "speech.wav"),
            "-f", "lavfi", "-i",
            f"anoisesrc=color=pink:amplitude=0.02:sample_rate=48000:duration={seconds}",
            "-filter_complex",
            # Temporal grain so the picture costs what a camera master costs to decode.
            "[0:v]noise=alls=6:allf=t[v];"
            "[1:a]aresample=48000[s];[s][2:a]amix=inputs=2:duration=shortest:normalize=0[a]",
            "-map", "[v]", "-map", "[a]", "-t", seconds,
            "-c:v", "libx264", "-preset", "veryfast", "-b:v", "8M", "-maxrate", "8M",
            "-bufsize", "16M", "-g", "50", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
            "-f", "mp4", str(out),
        ])
        os.chmod(out, 0o644)
        os.replace(out, dst)
    print(f"  made in {time.perf_counter() - start:.0f} s", flush=True)
    return dst


def stage(master: Path, folder: Path) -> Path:
    """A fresh copy of the master, flushed to disk so its write-back does not land in a timing."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / STAGED_NAME
    shutil.copyfile(master, copy)
    os.sync()
    return copy


# --------------------------------------------------------------------------- reference


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg), user + system.

    Far less sensitive than wall time to neighbours on a shared machine: a process waiting for
    a core accrues wall time but no CPU time.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed_run(argv: list[str]) -> tuple[subprocess.CompletedProcess[bytes], float]:
    start = time.perf_counter()
    proc = _check(argv)
    return proc, time.perf_counter() - start


def reference_run(master: Path, work: Path, settings: Settings) -> dict[str, Any]:
    """The same commands ingest runs for its outputs, straight through subprocess.run."""
    steps: dict[str, float] = {}
    argvs: list[list[str]] = []
    cpu = cpu_seconds()
    start = time.perf_counter()
    proc, steps["probe master"] = _timed_run(ffmpeg.probe_argv(settings.ffprobe_binary, master,
                                                                 untrusted=True))
    probe = ffmpeg.parse_probe(proc.stdout.decode("utf-8", "replace"))
    demuxer = ffmpeg.demuxer_for(probe.container)  # as ingest.derive reads the master
    has_video = probe.video is not None
    interlaced = bool(probe.video and probe.video.field_order not in ("progressive", "unknown"))
    proxy = work / ("proxy.mp4" if has_video else "proxy.m4a")
    audio = work / "audio.wav"
    argvs.append(ffmpeg.ingest_argv(
        settings.ffmpeg_binary, master, proxy_path=proxy, audio_path=audio,
        has_video=has_video, interlaced=interlaced,
        proxy_max_height=settings.proxy_max_height,
        scenes_path=work / "scenes.txt" if has_video else None,  # as ingest.derive does
        demuxer=demuxer,
    ))
    proc, steps["transcode"] = _timed_run(argvs[-1])
    loudness = ffmpeg.parse_ebur128(proc.stderr.decode("utf-8", "replace"))
    if has_video:
        at_ms = min(10_000, (probe.duration_ms or 0) // 3)
        argvs.append(ffmpeg.poster_argv(settings.ffmpeg_binary, master, work / "poster.jpg",
                                        at_ms=at_ms, demuxer=demuxer))
        _, steps["poster"] = _timed_run(argvs[-1])
    argvs.append(ffmpeg.waveform_argv(settings.ffmpeg_binary, audio, work / "waveform.png"))
    _, steps["waveform"] = _timed_run(argvs[-1])
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "steps": steps, "duration_ms": probe.duration_ms,
            "loudness_lufs": loudness.integrated_lufs, "argv": argvs}


# --------------------------------------------------------------------------- Station


class Tracer:
    """Times calls to Station's own functions during one job, by wrapping them in place."""

    def __init__(self, upload: Path) -> None:
        self.upload = upload.resolve()
        self.calls: list[dict[str, Any]] = []
        self.argvs: list[list[str]] = []
        self._in_ffmpeg = 0

    def _wrap(self, owner: Any, name: str, label: Callable[[tuple[Any, ...]], str],
              *, ffmpeg_run: bool = False) -> Any:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            nested = self._in_ffmpeg > 0
            if ffmpeg_run:
                self.argvs.append(list(args[0]))
                self._in_ffmpeg += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - start
                if ffmpeg_run:
                    self._in_ffmpeg -= 1
                self.calls.append({"step": label(args), "seconds": seconds, "nested": nested})

        return mock.patch.object(owner, name, timed)

    def _is_upload(self, path: Any) -> bool:
        return Path(path).resolve() == self.upload

    @staticmethod
    def _run_label(args: tuple[Any, ...]) -> str:
        argv = [str(a) for a in args[0]]
        if any(a.endswith("poster.jpg") for a in argv):
            return "poster"
        if any(a.endswith("waveform.png") for a in argv):
            return "waveform"
        return "transcode" if "-progress" in argv else "ffmpeg (other)"

    @contextlib.contextmanager
    def installed(self) -> Iterator[Tracer]:
        up = self._is_upload
        wrappers = [
            self._wrap(ingest, "sha256_file",
                       lambda a: "hash master" if up(a[0]) else "hash outputs"),
            self._wrap(ffmpeg, "probe",
                       lambda a: "probe master" if up(a[0]) else "probe outputs"),
            self._wrap(ffmpeg, "run", self._run_label, ffmpeg_run=True),
            self._wrap(ffmpeg, "compute_peaks", lambda a: "peaks"),
            self._wrap(MediaStore, "put",
                       lambda a: "store master" if up(a[1]) else "store outputs"),
            self._wrap(services, "replace_assets", lambda a: "db rows"),
            self._wrap(jobs.JobContext, "progress", lambda a: "db progress"),
            self._wrap(jobs.JobContext, "should_cancel", lambda a: "db cancel check"),
        ]
        with contextlib.ExitStack() as stack:
            for patcher in wrappers:
                stack.enter_context(patcher)
            yield self

    def totals(self) -> dict[str, float]:
        """Seconds per step, counting only calls made outside an ffmpeg run (those add wall
        time; progress writes and cancel checks during a run overlap ffmpeg's own work)."""
        out: dict[str, float] = defaultdict(float)
        for call in self.calls:
            if not call["nested"]:
                out[call["step"]] += call["seconds"]
        return dict(out)

    def during_ffmpeg(self) -> dict[str, dict[str, float]]:
        """Database calls made from inside ffmpeg runs: how many and how long in all."""
        out: dict[str, dict[str, float]] = {}
        for call in self.calls:
            if call["nested"]:
                item = out.setdefault(call["step"], {"calls": 0, "seconds": 0.0})
                item["calls"] += 1
                item["seconds"] += call["seconds"]
        return out


def make_template(folder: Path) -> Path:
    """A SQLite file migrated once by the real migrations; each Station run gets a copy."""
    path = folder / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def station_run(master: Path, run_dir: Path, template: Path) -> dict[str, Any]:
    """The real ingest job, end to end, in a fresh instance, as a worker would run it."""
    db_file = run_dir / "station.db"
    shutil.copyfile(template, db_file)
    settings = Settings(instance_path=run_dir / "instance", database_url=f"sqlite:///{db_file}",
                        secret_key="bench", language="en", worker_count=1)
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            services.ensure_channels(session)
            editor = add_user(session, username="bench", password="bench-password-1",
                              role="editor")
            report = services.create_report(
                session, services.ReportInput(title="Bản tin Lai Châu", channel_codes=["VTV4"]),
                actor=editor)
            session.commit()
            report_id = report.id
        upload = stage(master, settings.upload_path)
        # Registers the ingest handler (jobs.load_handlers would import every desk's tasks).
        importlib.import_module("production.tasks")
        tracer = Tracer(upload)
        with tracer.installed():
            cpu = cpu_seconds()
            start = time.perf_counter()
            with runtime.session() as session:
                job = services.queue_ingest(session, report_id, upload.name, actor=editor,
                                            original_name=STAGED_NAME)
                jobs.discard_pending(session)  # run inline below, not through the queue
                session.commit()
                job_id = job.id
            status = jobs.execute(runtime, job_id)
            wall = time.perf_counter() - start
            cpu = cpu_seconds() - cpu
        with runtime.session() as session:
            row = session.get(jobs.JobRun, job_id)
            assert row is not None
            if status != "succeeded":
                raise SystemExit(f"Station ingest {status}: {row.error}")
            result = dict(row.result or {})
    finally:
        runtime.dispose()
    return {"wall_s": wall, "cpu_s": cpu, "steps": tracer.totals(),
            "during_ffmpeg": tracer.during_ffmpeg(), "duration_ms": result.get("duration_ms"),
            "loudness_lufs": result.get("loudness_lufs"), "argv": tracer.argvs}


# --------------------------------------------------------------------------- analysis

FFMPEG_STEPS = ("probe master", "transcode", "poster", "waveform")
# The commands both sides run: their difference is the runner's cost plus the machine's noise.
SHARED = "same ffmpeg commands (runner + noise)"
OVERHEAD_GROUPS = {
    "hashing (master + outputs)": ("hash master", "hash outputs"),
    "storing (renames into the store)": ("store master", "store outputs"),
    "probing outputs": ("probe outputs",),
    "peaks": ("peaks",),
    "database (progress, rows)": ("db progress", "db cancel check", "db rows"),
}


def normalise(argvs: list[list[str]]) -> list[list[str]]:
    """Command lines with folders dropped, to compare Station's with the reference's."""
    def one(arg: str) -> str:
        bare = arg.removeprefix("file:")
        return Path(bare).name if bare.startswith("/") else arg
    return [[one(a) for a in argv] for argv in argvs]


def overhead(ref: dict[str, Any], st: dict[str, Any]) -> dict[str, float]:
    """Split Station - reference wall time into where it went (seconds; sums to the difference)."""
    steps = st["steps"]
    parts = {
        SHARED: sum(
            steps.get(s, 0.0) - ref["steps"].get(s, 0.0) for s in FFMPEG_STEPS),
    }
    for name, keys in OVERHEAD_GROUPS.items():
        parts[name] = sum(steps.get(k, 0.0) for k in keys)
    parts["everything else (job bookkeeping, Python)"] = (
        st["wall_s"] - ref["wall_s"] - sum(parts.values()))
    return parts


def print_summary(rows: list[dict[str, Any]], med: dict[str, float], parts: dict[str, float],
                  *, duration_min: float, size: int, same: bool) -> None:
    print()
    print(f"Ingest of a {duration_min:g}-minute 1080p25 master ({size / 1e6:.0f} MB), "
          f"{len(rows)} pair(s)")
    print(f"{'run':<7}{'ref s':>8}{'Station s':>10}{'ref s/min':>10}{'Stn s/min':>10}"
          f"{'ratio':>7}{'ref CPU s':>11}{'Stn CPU s':>10}{'CPU ratio':>10}")
    for i, r in enumerate([*rows, med]):
        name = "median" if i == len(rows) else str(i + 1)
        print(f"{name:<7}{r['reference_s']:>8.1f}{r['station_s']:>10.1f}"
              f"{r['reference_s_per_min']:>10.2f}{r['station_s_per_min']:>10.2f}"
              f"{r['ratio']:>7.3f}{r['reference_cpu_s']:>11.1f}{r['station_cpu_s']:>10.1f}"
              f"{r['cpu_ratio']:>10.3f}")
    verdict = "meets" if med["ratio"] <= TARGET_RATIO else "MISSES"
    print(f"median wall-time ratio {med['ratio']:.3f} ({verdict} the target "
          f"<= {TARGET_RATIO:.2f}); CPU-time ratio {med['cpu_ratio']:.3f}")
    print(f"Station-only steps add {med['station_only_s']:.2f} s "
          f"(ratio {med['station_only_ratio']:.3f} if the shared ffmpeg commands cost the same)")
    print("Station - reference, median seconds (share of the reference):")
    for name, seconds in parts.items():
        print(f"  {name:<46}{seconds:>+8.2f} s {seconds / med['reference_s']:>+7.1%}")
    print("same ffmpeg command lines on both sides:", "yes" if same else "NO (see JSON)")


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True,
                             check=False).stdout.splitlines()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "ffmpeg": version[0] if version else "unknown",
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=5.0,
                        help="length of the generated master (default 5)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="reference/Station pairs to run (default 2)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help=f"where the master is kept (default {DEFAULT_CACHE})")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.repeat < 1:
        parser.error("--minutes must be positive and --repeat at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    began = time.perf_counter()
    info = machine()
    print(f"machine: {info['nproc']} cores, {info['cpu']}; {info['ffmpeg']}")
    master = make_master(args.cache.resolve(), args.minutes)
    size = master.stat().st_size
    print(f"master: {master} ({size / 1e6:.1f} MB)")
    settings = Settings(secret_key="bench")  # only its ffmpeg/ffprobe/proxy defaults are read

    pairs: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="station-bench-") as tmp:
        root = Path(tmp)
        template = make_template(root)
        for i in range(args.repeat):
            pair: dict[str, Any] = {}
            # ABBA order: a machine that gets busier or quieter over time biases neither side.
            order = ("reference", "station") if i % 2 == 0 else ("station", "reference")
            for side in order:
                run_dir = root / f"{side}-{i}"
                run_dir.mkdir()
                if side == "reference":
                    work = run_dir / "work"
                    pair[side] = reference_run(stage(master, work), work, settings)
                else:
                    pair[side] = station_run(master, run_dir, template)
                shutil.rmtree(run_dir, ignore_errors=True)
                print(f"  run {i + 1} {side:<9} {pair[side]['wall_s']:7.1f} s", flush=True)
            pairs.append(pair)

    duration_min = (pairs[0]["reference"]["duration_ms"] or 0) / 60_000
    same = all(normalise(p["reference"]["argv"]) == normalise(p["station"]["argv"])
               for p in pairs)
    rows = []
    for p in pairs:
        ref, st = p["reference"], p["station"]
        split = overhead(ref, st)
        own = sum(v for k, v in split.items() if k != SHARED)
        rows.append({"reference_s": ref["wall_s"], "station_s": st["wall_s"],
                     "ratio": st["wall_s"] / ref["wall_s"],
                     "reference_s_per_min": ref["wall_s"] / duration_min,
                     "station_s_per_min": st["wall_s"] / duration_min,
                     "reference_cpu_s": ref["cpu_s"], "station_cpu_s": st["cpu_s"],
                     "cpu_ratio": st["cpu_s"] / ref["cpu_s"],
                     "station_only_s": own, "station_only_ratio": 1 + own / ref["wall_s"],
                     "overhead_s": split})
    med = {key: _median([r[key] for r in rows]) for key in rows[0] if key != "overhead_s"}
    parts = {name: _median([r["overhead_s"][name] for r in rows])
             for name in rows[0]["overhead_s"]}
    elapsed = time.perf_counter() - began
    print_summary(rows, med, parts, duration_min=duration_min, size=size, same=same)
    print(f"benchmark took {elapsed / 60:.1f} min; load average before/after "
          f"{load_before[0]:.2f}/{os.getloadavg()[0]:.2f}")
    if args.json:
        report = {
            "benchmark": "ingest",
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join([".venv/bin/python", "benchmarks/ingest.py", *sys.argv[1:]]),
            "machine": info,
            "master": {"path": str(master), "bytes": size, "minutes": duration_min},
            "target_ratio": TARGET_RATIO,
            "median": med,
            "median_overhead_s": parts,
            "same_commands": same,
            "runs": [{**r, "reference_steps": p["reference"]["steps"],
                      "station_steps": p["station"]["steps"],
                      "station_db_during_ffmpeg": p["station"]["during_ffmpeg"]}
                     for r, p in zip(rows, pairs, strict=True)],
            "argv": {"reference": pairs[0]["reference"]["argv"],
                     "station": pairs[0]["station"]["argv"]},
            "elapsed_s": elapsed,
            "load_average": {"before": load_before, "after": os.getloadavg()},
        }
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
