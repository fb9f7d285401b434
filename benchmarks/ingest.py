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

# ruff: noqa: E402  (imports after the sys.path fix below)
from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from benchmarks import _harness as h
from benchmarks._harness import cpu_seconds
from production import ffmpeg, ingest, services
from production.storage import MediaStore
from station import jobs
from station.accounts import add_user
from station.config import Settings
from station.runtime import Runtime

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

# --------------------------------------------------------------------------- the master


def _check(argv: list[str]) -> Any:
    return h.run_checked(argv)[0]


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


def _timed_run(argv: list[str]) -> tuple[Any, float]:
    return h.run_checked(argv)


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


class Tracer(h.Tracer):
    """Times calls to Station's own functions during one job, by wrapping them in place.
    Calls count whole; the ffmpeg runs' own progress writes and cancel checks are apart."""

    def __init__(self, upload: Path) -> None:
        super().__init__(exclusive=False)
        self.upload = upload.resolve()

    def _is_upload(self, path: Any) -> bool:
        return Path(path).resolve() == self.upload

    @staticmethod
    def _run_label(args: tuple[Any, ...], kwargs: dict[str, Any], parent: str | None) -> str:
        argv = [str(a) for a in args[0]]
        if any(a.endswith("poster.jpg") for a in argv):
            return "poster"
        if any(a.endswith("waveform.png") for a in argv):
            return "waveform"
        return "transcode" if "-progress" in argv else "ffmpeg (other)"

    @contextlib.contextmanager
    def installed(self) -> Iterator[Tracer]:
        up = self._is_upload
        with self.patched([
            self.wrap(ingest, "sha256_file",
                      lambda a, k, p: "hash master" if up(a[0]) else "hash outputs"),
            self.wrap(ffmpeg, "probe",
                      lambda a, k, p: "probe master" if up(a[0]) else "probe outputs"),
            self.wrap(ffmpeg, "run", self._run_label, command=lambda a, k: list(a[0])),
            self.wrap(ffmpeg, "compute_peaks", "peaks"),
            self.wrap(MediaStore, "put",
                      lambda a, k, p: "store master" if up(a[1]) else "store outputs"),
            self.wrap(services, "replace_assets", "db rows"),
            self.wrap(jobs.JobContext, "progress", "db progress"),
            self.wrap(jobs.JobContext, "should_cancel", "db cancel check"),
        ]):
            yield self


def station_run(master: Path, run_dir: Path, template: Path) -> dict[str, Any]:
    """The real ingest job, end to end, in a fresh instance, as a worker would run it."""
    db_file = run_dir / "station.db"
    shutil.copyfile(template, db_file)
    settings = h.instance_settings(run_dir, db_file)
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            services.ensure_channels(session)
            editor = add_user(session, username="bench", password=h.PASSWORD,
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
        result = h.job_result(runtime, job_id, status, "Station ingest")
    finally:
        runtime.dispose()
    return {"wall_s": wall, "cpu_s": cpu, "steps": tracer.totals(),
            "during_ffmpeg": tracer.during_command(), "duration_ms": result.get("duration_ms"),
            "loudness_lufs": result.get("loudness_lufs"), "argv": tracer.argvs}


# --------------------------------------------------------------------------- analysis

FFMPEG_STEPS = ("probe master", "transcode", "poster", "waveform")
SHARED = h.SHARED
OVERHEAD_GROUPS = {
    "hashing (master + outputs)": ("hash master", "hash outputs"),
    "storing (renames into the store)": ("store master", "store outputs"),
    "probing outputs": ("probe outputs",),
    "peaks": ("peaks",),
    "database (progress, rows)": ("db progress", "db cancel check", "db rows"),
}
normalise = h.normalise_argv


def overhead(ref: dict[str, Any], st: dict[str, Any]) -> dict[str, float]:
    """Split Station - reference wall time into where it went (seconds; sums to the difference)."""
    return h.split_overhead(ref, st, FFMPEG_STEPS, OVERHEAD_GROUPS,
                            "everything else (job bookkeeping, Python)")


def print_summary(rows: list[dict[str, Any]], med: dict[str, float], parts: dict[str, float],
                  *, duration_min: float, size: int, same: bool) -> None:
    print()
    print(f"Ingest of a {duration_min:g}-minute 1080p25 master ({size / 1e6:.0f} MB), "
          f"{len(rows)} pair(s)")
    h.print_runs(rows, med, (*h.WALL_COLUMNS, ("ref s/min", "reference_s_per_min", ">10.2f"),
                             ("Stn s/min", "station_s_per_min", ">10.2f"), h.RATIO_COLUMN,
                             *h.CPU_COLUMNS))
    h.print_pair_summary(med, parts, TARGET_RATIO, 46)
    print("same ffmpeg command lines on both sides:", h.yes(same, "NO (see JSON)"))


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, repeat=2, repeat_help="reference/Station pairs to run",
                      cache=True)
    parser.add_argument("--minutes", type=float, default=5.0,
                        help="length of the generated master (default 5)")
    args = h.resolve(parser, parser.parse_args(argv))
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    run = h.Run("ingest", args, ffmpeg=True)
    master = make_master(args.cache.resolve(), args.minutes)
    size = master.stat().st_size
    print(f"master: {master} ({size / 1e6:.1f} MB)")
    settings = Settings(secret_key="bench")  # only its ffmpeg/ffprobe/proxy defaults are read

    with tempfile.TemporaryDirectory(prefix="station-bench-") as tmp:
        root = Path(tmp)
        template = h.migrated_sqlite(root / "template.db")

        def measure(side: str, run_dir: Path | None) -> dict[str, Any]:
            assert run_dir is not None
            try:
                if side == "reference":
                    work = run_dir / "work"
                    return reference_run(stage(master, work), work, settings)
                return station_run(master, run_dir, template)
            finally:
                shutil.rmtree(run_dir, ignore_errors=True)

        pairs = h.run_pairs(args.repeat, measure, root=root)

    duration_min = (pairs[0]["reference"]["duration_ms"] or 0) / 60_000
    same = all(normalise(p["reference"]["argv"]) == normalise(p["station"]["argv"])
               for p in pairs)
    rows = [h.pair_row(p["reference"], p["station"], overhead(p["reference"], p["station"]),
                       reference_s_per_min=p["reference"]["wall_s"] / duration_min,
                       station_s_per_min=p["station"]["wall_s"] / duration_min)
            for p in pairs]
    med, parts = h.pair_medians(rows)
    print_summary(rows, med, parts, duration_min=duration_min, size=size, same=same)
    return run.finish({
        "master": {"path": str(master), "bytes": size, "minutes": duration_min},
        "target_ratio": TARGET_RATIO,
        "median": med,
        "median_overhead_s": parts,
        "same_commands": same,
        **h.pair_details(rows, pairs),
    })


if __name__ == "__main__":
    sys.exit(main())
