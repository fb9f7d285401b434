"""Social clip benchmark: Station's clip job against the same ffmpeg commands run directly.

    .venv/bin/python benchmarks/social_clip.py [--quick] [--repeat 3] [--json out.json]

Issue 16 asks that a social clip render in at most 1.15x the time of its bare ffmpeg
commands. A one-minute 1080p25 master (testsrc2 with grain, Vietnamese espeak-ng speech over
room tone; benchmarks/ingest.py makes it, cached in ``.cache/bench/``) is ingested once into
a scratch instance, given an approved Vietnamese track (a cue every 3 s) and approved. Each
pair then times, in ABBA order:

* the reference: for each shape (9:16 and 1:1), the ffmpeg command publishing/clips.py
  builds for the clip, its ASS and title files written beforehand (untimed), run with
  ``subprocess.run``;
* Station: the real job end to end: ``clip_services.create_clip`` (the checks, the row, the
  job) and ``jobs.execute`` (reading the plan, writing the files, both renders through the
  runner with progress and cancel checks, probing, hashing and storing the outputs, the
  final rows).

A 30-second clip (from 0:10) with the Vietnamese subtitles burned in; ``--quick`` cuts 8 s.
The headline is the median of the per-pair ratios Station / reference (target <= 1.15).
"""

# ruff: noqa: E402  (imports after the sys.path fix below)
from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from station.timecode import clock

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from benchmarks import _harness as h
from benchmarks._harness import cpu_seconds
from benchmarks.ingest import make_master
from production import ffmpeg
from production import services as production
from production.storage import MediaStore
from publishing import clip_services, clip_tasks, clips
from publishing.models import SocialClip
from station import jobs
from station.accounts import User
from station.errors import WorkflowError
from station.runtime import Runtime
from subtitles import review
from subtitles import services as subtitles

TARGET_RATIO = 1.15
IN_MS = 10_000
LENGTH_MS = {"full": 30_000, "quick": 8_000}
ASPECTS = ("9:16", "1:1")
CUE_TEXT = ("Bà con Sìn Hồ gieo cấy vụ lúa mới", "trên những thửa ruộng bậc thang",
            "Ngành nông nghiệp hỗ trợ giống", "cho hơn hai nghìn hộ dân")


def _srt(seconds: int) -> bytes:
    """A cue of 2.5 s every 3 s: well inside every subtitle rule, so QC passes."""
    blocks = []
    for n, start in enumerate(range(0, seconds - 3, 3), start=1):
        begin, end = start * 1000, start * 1000 + 2500
        stamp = [f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},"
                 f"{ms % 1000:03d}" for ms in (begin, end)]
        blocks.append(f"{n}\n{stamp[0]} --> {stamp[1]}\n{CUE_TEXT[n % len(CUE_TEXT)]}\n")
    return "\n".join(blocks).encode("utf-8")


def approved_report(runtime: Runtime, master: Path) -> tuple[int, int]:
    """Ingest the master, add and approve its Vietnamese track, approve the report; returns
    (report id, editor id)."""
    made = h.ingest_master(runtime, master, channel="LCTV", title="Mùa lúa mới ở Sìn Hồ",
                           users=({"username": "bench", "role": "editor"},
                                  {"username": "chief", "role": "admin"}))
    report_id, (editor_id, chief_id) = made["report_id"], made["user_ids"]
    with runtime.session() as session:
        editor, chief = session.get(User, editor_id), session.get(User, chief_id)
        assert editor is not None and chief is not None
        track, _ = subtitles.import_track(session, report_id, "vi", _srt(60), "vi.srt",
                                          actor=editor)
        review.move(session, track.id, "in_review", actor=editor)
        review.move(session, track.id, "approved", actor=chief)
        for target in ("in_production", "editing", "review"):
            production.move_report(session, report_id, target, actor=editor)
        session.commit()
        try:
            production.move_report(session, report_id, "approved", actor=chief)
        except WorkflowError:  # generated sound is not at -23 LUFS: the chief overrides
            session.rollback()
            production.move_report(session, report_id, "approved", actor=chief,
                                   override="Benchmark")
        session.commit()
    return report_id, editor_id


def _request(length_ms: int) -> clip_services.ClipInput:
    return clip_services.ClipInput(IN_MS, IN_MS + length_ms, "vi", "", list(ASPECTS))


# --------------------------------------------------------------------------- reference


def reference_run(runtime: Runtime, report_id: int, editor_id: int, length_ms: int,
                  work: Path) -> dict[str, Any]:
    """The same commands, built by the same code for a clip row, run directly."""
    with runtime.session() as session:
        editor = session.get(User, editor_id)
        assert editor is not None
        clip = clip_services.create_clip(session, report_id, _request(length_ms), actor=editor)
        jobs.discard_pending(session)
        session.flush()
        plan = clip_tasks.read_plan(session, clip, MediaStore(runtime.settings.media_path))
        session.rollback()  # the reference leaves no row behind
    renders = [clip_tasks.prepare_shape(plan, aspect, work, runtime.settings)
               for aspect in ASPECTS]
    argvs = [clips.clip_argv(render) for render in renders]
    steps: dict[str, float] = {}
    cpu = cpu_seconds()
    start = time.perf_counter()
    for aspect, argv in zip(ASPECTS, argvs, strict=True):
        _, steps[f"render {aspect}"] = h.run_checked(argv)
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "steps": steps, "argv": argvs}


# --------------------------------------------------------------------------- Station


class Tracer(h.Tracer):
    """Times Station's own steps of the clip job by wrapping them in place."""

    def __init__(self) -> None:
        super().__init__(exclusive=False)

    @staticmethod
    def _run_label(args: tuple[Any, ...], kwargs: dict[str, Any], parent: str | None) -> str:
        argv = [str(a) for a in args[0]]
        for aspect in ASPECTS:
            if any(a.endswith(f"/{aspect.replace(':', 'x')}/clip.mp4") for a in argv):
                return f"render {aspect}"
        return "ffmpeg (other)"

    @contextlib.contextmanager
    def installed(self) -> Iterator[Tracer]:
        with self.patched([
            self.wrap(ffmpeg, "run", self._run_label, command=lambda a, k: list(a[0])),
            self.wrap(ffmpeg, "probe", "probe outputs"),
            self.wrap(clip_tasks, "sha256_file", "hash outputs"),
            self.wrap(MediaStore, "put", "store outputs"),
            self.wrap(clip_tasks, "prepare_shape", "ASS and title files"),
            self.wrap(clip_tasks, "read_plan", "read the plan"),
            self.wrap(clip_services, "create_clip", "create the clip"),
            self.wrap(jobs.JobContext, "progress", "db progress"),
            self.wrap(jobs.JobContext, "should_cancel", "db cancel check"),
        ]):
            yield self


def station_run(runtime: Runtime, report_id: int, editor_id: int,
                length_ms: int) -> dict[str, Any]:
    """The clip asked for and rendered by its job, as a worker runs it."""
    tracer = Tracer()
    with tracer.installed():
        cpu = cpu_seconds()
        start = time.perf_counter()
        with runtime.session() as session:
            editor = session.get(User, editor_id)
            assert editor is not None
            clip = clip_services.create_clip(session, report_id, _request(length_ms),
                                             actor=editor)
            jobs.discard_pending(session)  # run inline below, not through the queue
            session.commit()
            clip_id, job_id = clip.id, clip.job_id
        assert job_id is not None
        status = jobs.execute(runtime, job_id)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    h.job_result(runtime, job_id, status, "Station social clip")
    with runtime.session() as session:
        row = session.get(SocialClip, clip_id)
        assert row is not None
        durations = {a: o["duration_ms"] for a, o in row.outputs.items()}
    return {"wall_s": wall, "cpu_s": cpu, "steps": tracer.totals(),
            "during_ffmpeg": tracer.during_command(), "argv": tracer.argvs,
            "duration_ms": durations}


# --------------------------------------------------------------------------- analysis

FFMPEG_STEPS = tuple(f"render {a}" for a in ASPECTS)
OVERHEAD_GROUPS = {
    "checks and the clip row": ("create the clip", "read the plan"),
    "ASS and title files": ("ASS and title files",),
    "probing, hashing, storing outputs": ("probe outputs", "hash outputs", "store outputs"),
    "database (progress, cancel checks)": ("db progress", "db cancel check"),
}


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, quick="a shorter clip (8 s) and fewer pairs",
                      repeat=(3, 2), repeat_help="reference/Station pairs to run", cache=True)
    args = h.resolve(parser, parser.parse_args(argv))
    run = h.Run("social_clip", args, ffmpeg=True)
    length_ms = LENGTH_MS["quick" if args.quick else "full"]
    master = make_master(args.cache.resolve(), 1.0)
    print(f"master: {master} ({master.stat().st_size / 1e6:.1f} MB); clip "
          f"{clock(IN_MS)} + {length_ms / 1000:g} s, shapes {', '.join(ASPECTS)}")
    with tempfile.TemporaryDirectory(prefix="station-bench-") as tmp:
        root = Path(tmp)
        db_file = h.migrated_sqlite(root / "station.db")
        runtime = Runtime(h.instance_settings(root / "instance", db_file))
        try:
            jobs.load_handlers()
            print("ingesting and approving the report (one-off) ...", flush=True)
            report_id, editor_id = approved_report(runtime, master)

            def measure(side: str, run_dir: Path | None) -> dict[str, Any]:
                assert run_dir is not None
                if side == "reference":
                    return reference_run(runtime, report_id, editor_id, length_ms, run_dir)
                return station_run(runtime, report_id, editor_id, length_ms)

            (root / "runs").mkdir()
            pairs = h.run_pairs(args.repeat, measure, root=root / "runs")
        finally:
            runtime.dispose()
    same = all(h.normalise_argv(p["reference"]["argv"]) == h.normalise_argv(
        p["station"]["argv"]) for p in pairs)
    rows = [h.pair_row(p["reference"], p["station"], h.split_overhead(
                p["reference"], p["station"], FFMPEG_STEPS, OVERHEAD_GROUPS,
                "everything else (job bookkeeping, Python)"))
            for p in pairs]
    med, parts = h.pair_medians(rows)
    print()
    print(f"Social clip of {length_ms / 1000:g} s in {len(ASPECTS)} shapes from a 1080p25 "
          f"master, {len(rows)} pair(s)")
    h.print_runs(rows, med, (*h.WALL_COLUMNS, h.RATIO_COLUMN, *h.CPU_COLUMNS))
    h.print_pair_summary(med, parts, TARGET_RATIO, 40)
    print("same ffmpeg command lines on both sides:", h.yes(same, "NO (see JSON)"))
    print("clip lengths (ms):", pairs[-1]["station"]["duration_ms"])
    return run.finish({
        "clip": {"in_ms": IN_MS, "length_ms": length_ms, "aspects": list(ASPECTS)},
        "target_ratio": TARGET_RATIO, "median": med, "median_overhead_s": parts,
        "same_commands": same,
        **h.pair_details(rows, pairs),
    }, ok=med["ratio"] <= TARGET_RATIO)


if __name__ == "__main__":
    sys.exit(main())
