"""Partner delivery benchmark: a VTV4 package build against the same ffmpeg commands run
directly, and package downloads through Station against a bare static server.

    .venv/bin/python benchmarks/delivery.py [--minutes 10] [--repeat 2] [--size-gb 1]
        [--clients 10] [--download-pairs 4] [--skip-build] [--skip-download] [--json out.json]

Targets (issue: partner delivery): building a VTV4 package of a 10-minute 1080p25 report
(3 subtitle languages, loudness normalisation) takes at most 1.15 x the bare ffmpeg commands
doing the same renders; a 1 GB package downloads at >= 200 MB/s over loopback with 10
concurrent partners.

* **The report.** The 1080p25 H.264/AAC master of ``benchmarks/ingest.py`` (testsrc2 with
  grain, espeak-ng Vietnamese speech over room tone, 8 Mb/s), generated once into
  ``.cache/bench/``. It is ingested once by Station's real ingest job into a cached instance
  (migrated SQLite, seed channels, glossary and delivery specs), with a vi, an en and a zh
  track of 20 cues a minute (200 for 10 minutes, generated text) imported from SRT and
  approved, as the desk does it. Each run works on a copy of that database and on hard links
  of its media store: a fresh instance, without ingesting again.
* **Build, reference.** The commands the package builder runs, built with the same
  ``production.ffmpeg`` / ``delivery.renditions`` builders and run with
  ``subprocess.run``: ffprobe of the master, loudnorm pass 1, the H.264 rendition with
  loudnorm pass 2 (VTV4: 1920x1080 25p High 8 Mb/s, preset medium, AAC 192k), ffprobe of the
  rendition and its ebur128 check. The script checks that these command lines are the ones
  Station ran, apart from folder names.
* **Build, Station.** ``delivery.services.queue_build`` + ``station.jobs.execute`` of the real
  ``package`` job, which also writes 3 languages x 3 formats, QC reports, the manifest, the
  BagIt tag files and the zip, and hashes what it wrote. Station's steps are timed by wrapping
  its functions in place (self time: a wrapped call's time minus the wrapped calls inside it;
  an ffmpeg run counts whole, and the database calls made while it runs are listed apart).
  Pairs run in ABBA order (ref, Station, Station, ref, ...); the headline is the median of the
  per-pair ratios. Everything written is flushed (``sync``) before each timing.
* **Downloads.** A package built by the job (the last Station build, or with
  ``--skip-build`` a quick package of the master copied as it is) has its zip grown in place
  to ``--size-gb`` (10^9 bytes) by appending one stored member of random bytes
  (``bench-padding.bin``, outside the bag's manifests), and the row's size and sha256 are
  updated. Station serves it through ``station run --no-worker`` (waitress, 8 threads) in its
  own process; ``--clients`` client processes, each with its own API token, GET
  ``/api/v1/packages/<id>/download`` at the same moment and read the whole body in 1 MiB
  ``readinto`` calls. The reference is the same downloads of the same file from waitress
  (8 threads) serving a three-line WSGI app that returns ``wsgi.file_wrapper``. Aggregate
  throughput = all bytes / (last byte - first request). One client alone is timed too.
  ``--download-pairs`` pairs run in ABBA order. A last Station run has this process GET
  ``/api/v1/openapi.json`` every 20 ms meanwhile: how long another request waits.
"""

# ruff: noqa: E402  (imports after the sys.path fix below)
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import http.client
import logging
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

_HERE = Path(__file__).resolve().parent
# Run as a script, sys.path[0] is benchmarks/, where this file would shadow the delivery package.
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from benchmarks import _harness as h
from benchmarks._harness import cpu_seconds, link_tree
from benchmarks.ingest import make_master
from delivery import bagit, builder
from delivery import renditions as rd
from delivery import services as delivery
from delivery import tasks as delivery_tasks  # registers the "package" job handler
from delivery.models import Package, PackageDownload
from delivery.specs import SEEDS, spec_from_dict
from production import ffmpeg as ff
from production import services as production
from production.models import Report
from production.storage import MediaStore, sha256_file
from production.tasks import ingest_now
from station import jobs, migrate
from station.accounts import User, add_user
from station.config import Settings
from station.runtime import Runtime
from subtitles import formats, review
from subtitles import services as subtitles
from subtitles.cues import Cue, SubtitleDoc

TARGET_RATIO = 1.15
TARGET_MB_S = 200.0
# Bump when the instance recipe below (report, tracks, users) changes.
RECIPE = 1
PARTNER = "VTV4"
LANGUAGES = ("vi", "en", "zh")
CUES_PER_MINUTE = 20  # 200 cues for the 10-minute report
SEED = 20261126
PASSWORD = h.PASSWORD
TITLE = "Mùa hoa đào ở Lai Châu"
TITLE_EN = "Peach blossom season in Lai Chau"
READ_SIZE = 1 << 20  # clients read the body in 1 MiB pieces
# Lines of a report in the three languages; at most 42 characters a line.
LINES: tuple[dict[str, str], ...] = (
    {"vi": "Mùa hoa đào đã về\ntrên các bản ở Lai Châu.",
     "en": "Peach blossom season has come\nto the villages of Lai Chau.",
     "zh": "桃花季节来到了\n莱州的各个村寨。"},
    {"vi": "Du khách lên Sìn Hồ\nngày càng đông.",
     "en": "More and more visitors\ncome up to Sin Ho.",
     "zh": "来辛湖的游客越来越多。"},
    {"vi": "Bà con người Mông\nchuẩn bị đón Tết.",
     "en": "Hmong families are getting\nready for the New Year.",
     "zh": "苗族同胞正在准备过年。"},
    {"vi": "Chợ phiên Phong Thổ\nhọp vào sáng chủ nhật.",
     "en": "The Phong Tho market\nopens on Sunday morning.",
     "zh": "封土集市在星期天上午开市。"},
    {"vi": "Nhiệt độ đêm nay\nxuống dưới 10 độ.",
     "en": "Tonight the temperature\nwill fall below 10 degrees.",
     "zh": "今晚气温将降到十度以下。"},
    {"vi": "Đường lên bản đã được\nrải nhựa 12 km.",
     "en": "The road to the village\nnow has 12 km of asphalt.",
     "zh": "通往村寨的公路\n已铺好十二公里沥青。"},
    {"vi": "Các em học sinh\nđã trở lại trường.",
     "en": "The pupils are\nback at school.",
     "zh": "学生们已经返校。"},
    {"vi": "Lễ hội Xòe diễn ra\ntrong ba ngày.",
     "en": "The Xoe festival\nlasts three days.",
     "zh": "跳舞节持续三天。"},
    {"vi": "Giá chè búp tươi\ntăng lên mỗi ngày.",
     "en": "The price of fresh tea\nrises every day.",
     "zh": "鲜茶叶的价格每天都在上涨。"},
    {"vi": "Điện lưới đã về\nđến bản xa nhất.",
     "en": "The power grid now reaches\nthe most remote village.",
     "zh": "电网已经通到\n最远的村寨。"},
)

log = logging.getLogger("bench.delivery")


# --------------------------------------------------------------------------- the instance


def instance_settings(folder: Path, db_file: Path, **values: Any) -> Settings:
    return h.instance_settings(folder, db_file, **values)


def track_srt(language: str, duration_ms: int) -> bytes:
    """CUES_PER_MINUTE cues a minute, evenly spread over the report, 600 ms apart."""
    count = max(1, round(CUES_PER_MINUTE * duration_ms / 60_000))
    spacing = duration_ms // count
    length = min(spacing - 600, 6000)
    cues = [Cue(i * spacing + 300, i * spacing + 300 + length, LINES[i % len(LINES)][language])
            for i in range(count)]
    return formats.write("srt", SubtitleDoc(language, cues))


def make_instance(master: Path, dst: Path) -> dict[str, Any]:
    """A migrated instance (seed channels, glossary, delivery specs; an admin and an editor)
    with one VTV4 report whose master went through the real ingest job and whose vi, en and zh
    tracks are imported and approved; kept in the cache (``station.db``, ``media/``,
    ``meta.json``). Runs work on a copy of the database and hard links of the media."""
    return h.cached_instance(
        dst, f"ingesting {master.name} and approving 3 tracks", lambda tmp: _build(master, tmp),
        lambda meta: (dst / meta["master"]).is_file() and (dst / "station.db").is_file())


def _build(master: Path, tmp: Path) -> dict[str, Any]:
    db_file = h.migrated_sqlite(tmp / "station.db")
    settings = instance_settings(tmp, db_file)
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            # What `station db upgrade` seeds.
            production.ensure_channels(session)
            subtitles.ensure_glossary(session)
            delivery.ensure_specs(session)
            admin = add_user(session, username="admin", password=PASSWORD, role="admin",
                             display_name="Bench Admin")
            editor = add_user(session, username="editor", password=PASSWORD,
                              role="editor", display_name="Bench Editor")
            session.commit()
            admin_id, editor_id = admin.id, editor.id
            report = production.create_report(session, production.ReportInput(
                title=TITLE, title_en=TITLE_EN, channel_codes=[PARTNER],
                reporter="Lò Văn Páo", due_date=dt.date(2026, 12, 20)), actor=editor)
            session.commit()
            report_id = report.id
            session.expunge(editor)
        job = ingest_now(runtime, report_id, master, actor=editor)
        if job.status != "succeeded":
            raise SystemExit(f"Station ingest {job.status}: {job.error}")
        with runtime.session() as session:
            editor = session.get(User, editor_id)
            assert editor is not None
            row = session.get(Report, report_id)
            assert row is not None
            master_asset = row.asset("master")
            assert master_asset is not None and master_asset.duration_ms
            duration_ms = master_asset.duration_ms
            cues = 0
            for language in LANGUAGES:
                track, _ = subtitles.import_track(
                    session, report_id, language, track_srt(language, duration_ms),
                    f"{language}.srt", actor=editor)
                review.move(session, track.id, "in_review", actor=editor)
                review.move(session, track.id, "approved", actor=editor)
                cues = len(track.cues)
            session.commit()
            channel = production.get_channel(session, PARTNER)
            spec_row = delivery.spec_row(session, channel)
            ready = delivery.readiness(session, row, channel, delivery.spec_of(spec_row))
            if not ready.ok:
                raise SystemExit("the report is not ready for delivery: "
                                 + "; ".join(ready.messages("en")))
            findings = {t.language: subtitles.qc_counts(session, t)
                        for t in ready.tracks.values()}
            key = master_asset.storage_key
            spec = dict(spec_row.data)
    finally:
        runtime.dispose()
    master_path = MediaStore(tmp / "media").path(key)
    return {"recipe": RECIPE, "report_id": report_id, "admin_id": admin_id,
            "editor_id": editor_id, "master": master_path.relative_to(tmp).as_posix(),
            "master_bytes": master_path.stat().st_size, "duration_ms": duration_ms,
            "cues_per_track": cues, "qc": findings, "spec": spec, "source": str(master)}


def fresh_instance(cached: Path, run_dir: Path) -> Settings:
    """A copy of the cached database (migrated to head) over hard links of its media."""
    db_file = run_dir / "station.db"
    shutil.copyfile(cached / "station.db", db_file)
    migrate.upgrade(f"sqlite:///{db_file}")  # the cached copy may predate a migration
    # Without built packages or uploads: the job only reads the stored media.
    link_tree(cached / "media", run_dir / "media", skip=("packages", "incoming"))
    return instance_settings(run_dir, db_file)


# --------------------------------------------------------------------------- build, reference


def _timed(argv: list[str]) -> tuple[str, str, float]:
    proc, seconds = h.run_checked(argv)
    return (proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"),
            seconds)


def reference_build(master: Path, work: Path, spec_data: dict[str, Any], stem: str,
                    settings: Settings) -> dict[str, Any]:
    """The ffmpeg/ffprobe commands the builder runs for a VTV4 package, run directly."""
    spec = spec_from_dict(spec_data)
    ffmpeg, ffprobe = settings.ffmpeg_binary, settings.ffprobe_binary
    work.mkdir(parents=True, exist_ok=True)
    steps: dict[str, float] = {}
    argvs: list[list[str]] = []
    cpu = cpu_seconds()
    start = time.perf_counter()
    argvs.append(ff.probe_argv(ffprobe, master))
    out, _, steps["ffprobe master"] = _timed(argvs[-1])
    duration_ms = ff.parse_probe(out).duration_ms
    argvs.append(rd.loudnorm_measure_argv(ffmpeg, master, target_i=spec.loudness_i,
                                          target_tp=spec.loudness_tp))
    _, err, steps["ffmpeg loudnorm measure"] = _timed(argvs[-1])
    audio_filter = rd.loudnorm_filter(rd.parse_loudnorm(err), target_i=spec.loudness_i,
                                      target_tp=spec.loudness_tp)
    rendition = work / f"{stem}.mp4"
    argvs.append(rd.video_rendition_argv(ffmpeg, master, rendition, spec.video_spec,
                                         audio_filter=audio_filter))
    _, err, steps["ffmpeg render"] = _timed(argvs[-1])
    normalization = rd.parse_normalization_type(err)
    argvs.append(ff.probe_argv(ffprobe, rendition))
    _, _, steps["ffprobe rendition"] = _timed(argvs[-1])
    argvs.append(rd.ebur128_argv(ffmpeg, rendition))
    _, err, steps["ffmpeg ebur128 check"] = _timed(argvs[-1])
    loud = ff.parse_ebur128(err)
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "steps": steps, "argv": argvs,
            "duration_ms": duration_ms, "rendition_bytes": rendition.stat().st_size,
            "loudness_lufs": loud.integrated_lufs, "true_peak_dbtp": loud.true_peak_dbtp,
            "normalization": normalization}


# --------------------------------------------------------------------------- build, Station


class Tracer(h.Tracer):
    """Times Station's own functions during one build by wrapping them in place (self times,
    see the harness's Tracer); an ffmpeg run counts whole, like the reference's
    subprocess.run, and the database calls made while it runs are reported apart."""

    def __init__(self, master_name: str) -> None:
        super().__init__(exclusive=True)
        self.master_name = master_name

    @staticmethod
    def _run_label(args: tuple[Any, ...], kwargs: dict[str, Any], parent: str | None) -> str:
        argv = [str(a) for a in args[0]]
        joined = " ".join(argv)
        if "libx264" in argv:
            return "ffmpeg render"
        if "ebur128" in joined:
            return "ffmpeg ebur128 check"
        if "loudnorm" in joined:
            return "ffmpeg loudnorm measure"
        return "ffmpeg (other)"

    def _probe_label(self, args: tuple[Any, ...], kwargs: dict[str, Any],
                     parent: str | None) -> str:
        return "ffprobe master" if Path(args[0]).name == self.master_name else \
            "ffprobe rendition"

    @staticmethod
    def _hash_label(args: tuple[Any, ...], kwargs: dict[str, Any], parent: str | None) -> str:
        return {"file list": "hash: file list (PackageFile)",
                "BagIt tag files": "hash: BagIt manifests"}.get(parent or "", "hash: other")

    @contextlib.contextmanager
    def installed(self) -> Iterator[Tracer]:
        wrappers = [
            self.wrap(ff, "run", self._run_label, command=lambda a, k: list(a[0])),
            self.wrap(ff, "probe", self._probe_label,
                       command=lambda a, k: ff.probe_argv(k.get("ffprobe", "ffprobe"), a[0])),
            # Hashing: the payload list, the BagIt manifests, the job's sha256 of the zip.
            self.wrap(builder._State, "add", "file list"),
            self.wrap(bagit, "sha256_file", self._hash_label),
            self.wrap(bagit, "write_manifest", "BagIt tag files"),
            self.wrap(delivery_tasks, "sha256_file", "hash: zip (job)"),
            self.wrap(builder, "_zip", "zip"),
            # Subtitles and QC.
            self.wrap(builder, "_subtitles", "subtitle files"),
            self.wrap(builder, "_qc_reports", "QC reports"),
            self.wrap(builder, "fingerprint", "fingerprints"),
            self.wrap(builder, "validate", "validate request"),
            self.wrap(subtitles, "qc_counts", "subtitle QC (readiness)"),
            self.wrap(delivery_tasks, "run_qc", "subtitle QC (job)"),
            self.wrap(builder, "_manifest", "manifest.json"),
            self.wrap(builder, "_move_into_place", "move into place"),
            # Glue: what the job and the builder do outside the steps above.
            # The job table holds the handler itself, not the module's name for it.
            mock.patch.dict(jobs._HANDLERS, {"package": self.timer(
                jobs._HANDLERS["package"], "job handler (other)")}),
            self.wrap(builder, "build", "builder (other)"),
            self.wrap(builder, "_media", "builder (other)"),
            self.wrap(builder, "_render_video", "builder (other)"),
            self.wrap(builder, "_describe", "builder (other)"),
            # Database.
            self.wrap(delivery, "queue_build", "db queue build"),
            self.wrap(delivery, "stored_cues", "db stored cues"),
            self.wrap(delivery_tasks, "stored_cues", "db stored cues"),
            self.wrap(delivery_tasks, "_request", "db load request"),
            self.wrap(delivery, "finish_package", "db finish"),
            self.wrap(delivery, "queue_webhooks", "db finish"),
            self.wrap(jobs.JobContext, "progress", "db progress"),
            self.wrap(jobs.JobContext, "should_cancel", "db cancel check"),
        ]
        with self.patched(wrappers):
            yield self


def station_build(cached: Path, meta: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """The real package job, end to end, in a fresh instance, as a worker runs it."""
    settings = fresh_instance(cached, run_dir)
    runtime = Runtime(settings)
    try:
        tracer = Tracer(Path(meta["master"]).name)
        os.sync()
        with tracer.installed():
            cpu = cpu_seconds()
            start = time.perf_counter()
            with runtime.session() as session:
                editor = session.get(User, meta["editor_id"])
                assert editor is not None
                package = delivery.queue_build(session, meta["report_id"], PARTNER,
                                               actor=editor)
                jobs.discard_pending(session)  # run inline below, not through the queue
                session.commit()
                package_id, job_id = package.id, package.job_id
            assert job_id is not None
            status = jobs.execute(runtime, job_id)
            wall = time.perf_counter() - start
            cpu = cpu_seconds() - cpu
        h.job_result(runtime, job_id, status, "Station package build")
        with runtime.session() as session:
            row = session.get(Package, package_id)
            assert row is not None
            media = settings.media_path
            bag = media / str(row.storage_key)
            archive = media / str(row.archive_key)
            video = next(f for f in row.files if f["role"] == "video")
            loudness = row.manifest["media"]["video"]["loudness"]
            result = {
                "package_id": package_id, "name": row.name, "archive": str(archive),
                "archive_bytes": row.size_bytes, "rendition_bytes": video["size"],
                "files": len(row.files),
                "files_by_role": {role: sum(1 for f in row.files if f["role"] == role)
                                  for role in sorted({f["role"] for f in row.files})},
                "loudness_lufs": loudness["integrated_lufs"],
                "true_peak_dbtp": loudness["true_peak_dbtp"],
                "normalization": loudness["normalization_type"],
            }
    finally:
        runtime.dispose()
    # Outside the timing: the bag checks (sha256sum -c would agree).
    problems = builder.verify_package(bag)
    if problems:
        raise SystemExit(f"the built bag does not verify: {problems[:3]}")
    return {"wall_s": wall, "cpu_s": cpu, "steps": tracer.totals(), "counts": tracer.counts(),
            "during_ffmpeg": tracer.during_command(), "argv": tracer.argvs,
            "settings": settings, **result}


# --------------------------------------------------------------------------- build, analysis

FFMPEG_STEPS = ("ffprobe master", "ffmpeg loudnorm measure", "ffmpeg render",
                "ffprobe rendition", "ffmpeg ebur128 check")
SHARED = h.SHARED
OVERHEAD_GROUPS = {
    "hashing (sha256)": ("hash: file list (PackageFile)", "hash: BagIt manifests",
                         "hash: zip (job)", "hash: other"),
    "zip (copy + CRC-32 + deflate)": ("zip",),
    "subtitles and QC (files, reports, QC, fingerprints)": (
        "subtitle files", "QC reports", "subtitle QC (readiness)", "subtitle QC (job)",
        "fingerprints", "validate request"),
    "manifest and BagIt tag files (without hashing)": ("manifest.json", "BagIt tag files",
                                                       "file list"),
    "moving into place": ("move into place",),
    "job handler and builder glue": ("job handler (other)", "builder (other)"),
    "database (queue, request, progress, finish)": (
        "db queue build", "db stored cues", "db load request", "db finish", "db progress",
        "db cancel check"),
}


def overhead(ref: dict[str, Any], st: dict[str, Any]) -> dict[str, float]:
    """Station - reference wall time, split by where it went (sums to the difference)."""
    return h.split_overhead(ref, st, FFMPEG_STEPS, OVERHEAD_GROUPS,
                            "everything else (job rows, queueing glue)")


_median = h.median
normalise = h.normalise_argv


def summarise_build(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [h.pair_row(p["reference"], p["station"], overhead(p["reference"], p["station"]))
            for p in pairs]
    med, parts = h.pair_medians(rows)
    labels = sorted({k for p in pairs for k in p["station"]["steps"]})
    steps = {k: _median([p["station"]["steps"].get(k, 0.0) for p in pairs]) for k in labels}
    ref_steps = {k: _median([p["reference"]["steps"][k] for p in pairs]) for k in FFMPEG_STEPS}
    same = all(normalise(p["reference"]["argv"]) == normalise(p["station"]["argv"])
               for p in pairs)
    return {"rows": rows, "median": med, "overhead_s": parts, "station_steps_s": steps,
            "reference_steps_s": ref_steps, "same_commands": same}


def print_build(summary: dict[str, Any], meta: dict[str, Any], last: dict[str, Any]) -> None:
    rows, med = summary["rows"], summary["median"]
    print()
    print(f"VTV4 package build, {meta['duration_ms'] / 60_000:g}-minute 1080p25 master "
          f"({meta['master_bytes'] / 1e6:.0f} MB), 3 x {meta['cues_per_track']} cues, "
          f"{len(rows)} pair(s)")
    h.print_runs(rows, med, (*h.WALL_COLUMNS, h.RATIO_COLUMN, *h.CPU_COLUMNS,
                             ("Stn-only s", "station_only_s", ">11.2f")))
    h.print_pair_summary(med, summary["overhead_s"], TARGET_RATIO, 54)
    print("Station's steps, median self seconds (outside ffmpeg):")
    for name, seconds in sorted(summary["station_steps_s"].items(), key=lambda kv: -kv[1]):
        if not name.startswith(("ffmpeg", "ffprobe")):
            print(f"  {name:<40}{seconds:>8.3f} s  ({last['counts'].get(name, 0)} calls)")
    print("ffmpeg commands, median seconds, reference / Station:")
    for name in FFMPEG_STEPS:
        print(f"  {name:<28}{summary['reference_steps_s'][name]:>8.1f} /"
              f"{summary['station_steps_s'].get(name, 0.0):>8.1f}")
    during = last["during_ffmpeg"]
    if during:
        print("database calls while ffmpeg ran (last run): " + ", ".join(
            f"{k} {int(v['calls'])} calls {v['seconds']:.2f} s" for k, v in during.items()))
    print(f"package: {last['name']}.zip {last['archive_bytes'] / 1e6:.1f} MB, rendition "
          f"{last['rendition_bytes'] / 1e6:.1f} MB, {last['files']} payload files "
          f"{last['files_by_role']}; {last['loudness_lufs']:.1f} LUFS, "
          f"{last['true_peak_dbtp']:.1f} dBTP, {last['normalization']}")
    print("same ffmpeg command lines on both sides:",
          h.yes(summary["same_commands"], "NO (see JSON)"))


# --------------------------------------------------------------------------- downloads


def quick_package(cached: Path, meta: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """Without a build run: a package of the master copied as it is (VTV4's spec with
    ``video: master``), built by the real job on a fresh instance."""
    settings = fresh_instance(cached, run_dir)
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            admin = session.get(User, meta["admin_id"])
            editor = session.get(User, meta["editor_id"])
            assert admin is not None and editor is not None
            delivery.save_spec(session, PARTNER, {**SEEDS[PARTNER], "video": "master"},
                               actor=admin)
            session.commit()
            package = delivery.queue_build(session, meta["report_id"], PARTNER, actor=editor)
            jobs.discard_pending(session)
            session.commit()
            package_id, job_id = package.id, package.job_id
        assert job_id is not None
        if jobs.execute(runtime, job_id) != "succeeded":
            raise SystemExit("the quick package build failed")
        with runtime.session() as session:
            row = session.get(Package, package_id)
            assert row is not None
            archive = settings.media_path / str(row.archive_key)
    finally:
        runtime.dispose()
    return {"package_id": package_id, "archive": str(archive), "settings": settings}


def grow_archive(settings: Settings, package_id: int, size: int) -> dict[str, Any]:
    """Append one stored member of random bytes to the package's zip so it reaches about
    ``size`` bytes, then update the row's size and sha256 (the download's ETag)."""
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            row = session.get(Package, package_id)
            assert row is not None and row.archive_key
            archive = settings.media_path / row.archive_key
            before = archive.stat().st_size
            # Local header + zip64 extra + central directory entry, roughly.
            pad = size - before - 2 * len(f"{row.name}/bench-padding.bin") - 200
            if pad > 0:
                block = random.Random(SEED).randbytes(16 << 20)
                view = memoryview(block)
                with zipfile.ZipFile(archive, "a", allowZip64=True) as zf:
                    info = zipfile.ZipInfo(f"{row.name}/bench-padding.bin",
                                           date_time=(2026, 11, 26, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_STORED
                    with zf.open(info, "w", force_zip64=True) as dst:
                        left = pad
                        while left > 0:
                            n = min(left, len(block))
                            dst.write(view[:n])
                            left -= n
            row.size_bytes = archive.stat().st_size
            row.sha256 = sha256_file(archive)  # also leaves the file in the page cache
            session.commit()
            return {"archive": str(archive), "bytes": row.size_bytes, "bag_bytes": before,
                    "package_id": package_id, "name": row.name}
    finally:
        runtime.dispose()


def make_tokens(settings: Settings, admin_id: int, count: int) -> list[str]:
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            admin = session.get(User, admin_id)
            assert admin is not None
            secrets = [delivery.create_token(session, PARTNER, f"bench partner {i + 1}",
                                             actor=admin)[1] for i in range(count)]
            session.commit()
            return secrets
    finally:
        runtime.dispose()


def count_download_rows(settings: Settings, package_id: int) -> int:
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            return len(session.query(PackageDownload.id)
                       .filter(PackageDownload.package_id == package_id).all())
    finally:
        runtime.dispose()


def serve_bare(path: Path, port: int) -> None:
    """The reference server: waitress (8 threads) and a WSGI app that only sends the file."""
    from waitress import serve

    size = str(path.stat().st_size)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Type", "application/zip"),
                                  ("Content-Length", size)])
        return environ["wsgi.file_wrapper"](open(path, "rb"))  # waitress closes it

    gc.freeze()
    serve(app, host="127.0.0.1", port=port, threads=8, channel_timeout=600)


def wait_for_port(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    if not h.wait_port(port, 60, alive=lambda: proc.poll() is None):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n"
                             f"{log_path.read_text(errors='replace')[-2000:]}")
        raise SystemExit(f"server did not listen on port {port}")


@contextlib.contextmanager
def server(kind: str, settings: Settings, archive: Path, log_dir: Path,
           ) -> Iterator[tuple[int, int]]:
    """Start the Station (``station run --no-worker``) or the bare server; yields (port, pid)."""
    port = h.free_port()
    log_path = log_dir / f"server-{kind}.log"
    if kind == "station":
        env = {**os.environ,
               "STATION_INSTANCE_PATH": str(settings.instance_path),
               "STATION_DATABASE_URL": settings.sqlalchemy_url,
               "STATION_MEDIA_ROOT": str(settings.media_path),
               "STATION_SECRET_KEY": settings.secret_key,
               "STATION_LANGUAGE": "en",
               "STATION_REDIS_URL": "",
               "STATION_API_RATE_LIMIT": "1000000"}
        argv = [sys.executable, "-m", "station", "run", "--no-worker", "--host", "127.0.0.1",
                "--port", str(port)]
    else:
        env = dict(os.environ)
        argv = [sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(archive),
                "--port", str(port)]
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(argv, cwd=h.REPO, env=env, stdin=subprocess.DEVNULL,
                                stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_for_port(proc, port, log_path)
            yield port, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _download(port: int, path: str, token: str | None, start_at: float) -> dict[str, Any]:
    """One client: GET the whole body, discarding it in 1 MiB readinto calls."""
    buf = bytearray(READ_SIZE)
    view = memoryview(buf)
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    cpu = time.process_time()
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path,
                     headers={"Authorization": f"Bearer {token}"} if token else {})
        resp = conn.getresponse()
        t_head = time.monotonic()
        total = 0
        if resp.status == 200:
            while n := resp.readinto(view):
                total += n
        else:
            detail = resp.read()[:300].decode("utf-8", "replace")
            return {"error": f"HTTP {resp.status}: {detail}"}
        length = int(resp.getheader("Content-Length") or -1)
    finally:
        conn.close()
    t1 = time.monotonic()
    if total != length:
        return {"error": f"read {total} bytes of {length}"}
    return {"bytes": total, "t0": t0, "t_head": t_head, "t1": t1,
            "cpu_s": time.process_time() - cpu}


def _get_ms(port: int, path: str, token: str | None = None) -> float:
    """One small GET on a new connection; its round trip in ms."""
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path,
                     headers={"Authorization": f"Bearer {token}"} if token else {})
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise SystemExit(f"GET {path}: HTTP {resp.status}")
    finally:
        conn.close()
    return (time.monotonic() - start) * 1000


def _probe_loop(port: int, path: str, start_at: float, stop: threading.Event,
                waits: list[float]) -> None:
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    while not stop.is_set():
        waits.append(_get_ms(port, path))
        stop.wait(0.02)


def _client_loop(commands: Any, results: Any) -> None:
    """A client process: download what it is told, until it gets None."""
    while (job := commands.get()) is not None:
        try:
            results.put(_download(*job))
        except Exception as exc:  # report, never hang the benchmark
            results.put({"error": f"{type(exc).__name__}: {exc}"})


class Clients:
    """Client processes, started once and reused by every download run."""

    def __init__(self, count: int) -> None:
        ctx = mp.get_context("spawn")
        self.results = ctx.Queue()
        self.commands = [ctx.Queue() for _ in range(count)]
        self.procs = [ctx.Process(target=_client_loop, args=(q, self.results), daemon=True)
                      for q in self.commands]
        for proc in self.procs:
            proc.start()

    def run(self, port: int, path: str, tokens: list[str | None], server_pid: int,
            *, probe: str | None = None) -> dict[str, Any]:
        """All clients at once; with ``probe``, this process also GETs that light page again
        and again while they download (how long another user waits meanwhile)."""
        start_at = time.monotonic() + 1.0
        server_cpu = process_cpu(server_pid)
        for queue, token in zip(self.commands, tokens, strict=False):
            queue.put((port, path, token, start_at))
        stop = threading.Event()
        waits: list[float] = []
        prober = threading.Thread(target=_probe_loop, args=(port, probe, start_at, stop, waits),
                                  daemon=True) if probe else None
        if prober is not None:
            prober.start()
        done = [self.results.get(timeout=3600) for _ in tokens]
        stop.set()
        if prober is not None:
            prober.join(60)
        server_cpu = process_cpu(server_pid) - server_cpu
        errors = [d["error"] for d in done if "error" in d]
        if errors:
            raise SystemExit(f"download failed: {errors[0]}")
        first, last = min(d["t0"] for d in done), max(d["t1"] for d in done)
        total = sum(d["bytes"] for d in done)
        wall = last - first
        return {"clients": len(done), "bytes": total, "wall_s": wall,
                "mb_s": total / wall / 1e6,
                "per_client_mb_s": sorted(d["bytes"] / (d["t1"] - d["t0"]) / 1e6 for d in done),
                "first_byte_ms": sorted((d["t_head"] - d["t0"]) * 1000 for d in done),
                "server_cpu_s": server_cpu, "client_cpu_s": sum(d["cpu_s"] for d in done),
                "probe_ms": waits}

    def close(self) -> None:
        for queue in self.commands:
            queue.put(None)
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.terminate()


PROBE = "/api/v1/openapi.json"  # public, small: stands for any other request


def download_benchmark(package: dict[str, Any], meta: dict[str, Any], *, size: int,
                       clients: int, repeat: int, log_dir: Path) -> dict[str, Any]:
    settings: Settings = package["settings"]
    grown = grow_archive(settings, package["package_id"], size)
    archive = Path(grown["archive"])
    print(f"download file: {archive.name}, {grown['bytes']:,} bytes (bag zip "
          f"{grown['bag_bytes'] / 1e6:.0f} MB + padding)", flush=True)
    tokens: list[str | None] = list(make_tokens(settings, meta["admin_id"], clients))
    url = f"/api/v1/packages/{package['package_id']}/download"
    pool = Clients(clients)
    runs: list[dict[str, Any]] = []
    probe: dict[str, Any] = {}
    try:
        for i in range(repeat):
            for side in h.abba(i, "bare", "station"):
                with server(side, settings, archive, log_dir) as (port, pid):
                    path = url if side == "station" else "/"
                    keys = tokens if side == "station" else [None] * clients
                    if side == "station":  # a server that has answered once, as in service
                        _get_ms(port, f"/api/v1/packages/{package['package_id']}", tokens[0])
                    for n in sorted({1, clients}):
                        os.sync()
                        result = pool.run(port, path, keys[:n], pid)
                        result.update(side=side, pair=i + 1)
                        runs.append(result)
                        print(f"  pair {i + 1} {side:<8}{n:>3} client(s) "
                              f"{result['mb_s']:8.0f} MB/s  ({result['wall_s']:.1f} s, server "
                              f"CPU {result['server_cpu_s']:.1f} s)", flush=True)
        # Apart from the pairs (it adds load): another request while the partners download.
        with server("station", settings, archive, log_dir) as (port, pid):
            idle = [_get_ms(port, PROBE) for _ in range(20)]
            os.sync()
            busy = pool.run(port, url, tokens, pid, probe=PROBE)
        probe = {"path": PROBE, "idle_ms": idle, "busy_ms": busy["probe_ms"],
                 "download_mb_s": busy["mb_s"], "wall_s": busy["wall_s"]}
        print(f"  {PROBE} idle {_median(idle):.1f} ms; during {clients} downloads "
              f"median {_median(busy['probe_ms']):.0f} ms, max {max(busy['probe_ms']):.0f} ms "
              f"({len(busy['probe_ms'])} requests in {busy['wall_s']:.1f} s)", flush=True)
    finally:
        pool.close()
    logged = count_download_rows(settings, package["package_id"])
    return {"file": grown, "runs": runs, "download_rows": logged, "probe": probe}


def summarise_downloads(result: dict[str, Any], clients: int) -> dict[str, Any]:
    runs = result["runs"]
    out: dict[str, Any] = {}
    for n in sorted({1, clients}):
        ratios = []
        for pair in sorted({r["pair"] for r in runs}):
            by = {r["side"]: r for r in runs if r["pair"] == pair and r["clients"] == n}
            ratios.append(h.ratio(by["station"]["mb_s"], by["bare"]["mb_s"]))
        entry: dict[str, Any] = {"ratio": _median(ratios), "ratios": ratios}
        for side in ("station", "bare"):
            mine = [r for r in runs if r["side"] == side and r["clients"] == n]
            gb = sum(r["bytes"] for r in mine) / 1e9
            entry[side] = {
                "mb_s": _median([r["mb_s"] for r in mine]),
                "mb_s_runs": [r["mb_s"] for r in mine],
                "server_cpu_s_per_gb": sum(r["server_cpu_s"] for r in mine) / gb,
                "client_cpu_s_per_gb": sum(r["client_cpu_s"] for r in mine) / gb,
                "first_byte_ms": _median([x for r in mine for x in r["first_byte_ms"]]),
                "slowest_client_mb_s": min(x for r in mine for x in r["per_client_mb_s"]),
            }
        out[str(n)] = entry
    return out


def print_downloads(summary: dict[str, Any], result: dict[str, Any], clients: int) -> None:
    print()
    print(f"Downloads of a {result['file']['bytes'] / 1e9:.2f} GB package over loopback "
          f"(MB = 10^6 bytes)")
    print(f"{'clients':<9}{'side':<9}{'MB/s':>8}{'server CPU-s/GB':>17}"
          f"{'first byte ms':>15}{'slowest MB/s':>14}  runs MB/s")
    for n, entry in summary.items():
        for side in ("station", "bare"):
            e = entry[side]
            runs = ", ".join(f"{x:.0f}" for x in e["mb_s_runs"])
            print(f"{n:<9}{side:<9}{e['mb_s']:>8.0f}"
                  f"{e['server_cpu_s_per_gb']:>17.2f}{e['first_byte_ms']:>15.1f}"
                  f"{e['slowest_client_mb_s']:>14.0f}  {runs}")
        print(f"{'':<9}Station / bare: {entry['ratio']:.3f} "
              f"({', '.join(f'{r:.3f}' for r in entry['ratios'])})")
    best = summary[str(clients)]["station"]["mb_s"]
    verdict = h.verdict(best >= TARGET_MB_S)
    print(f"Station with {clients} clients: {best:.0f} MB/s ({verdict} the target "
          f">= {TARGET_MB_S:.0f} MB/s); download rows logged: {result['download_rows']}")
    probe = result["probe"]
    if probe:
        busy = probe["busy_ms"]
        print(f"GET {probe['path']} on Station: idle {_median(probe['idle_ms']):.1f} ms; while "
              f"{clients} partners download: median {_median(busy):.0f} ms, max "
              f"{max(busy):.0f} ms ({len(busy)} requests in {probe['wall_s']:.1f} s)")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, repeat=2, repeat_help="reference/Station build pairs",
                      cache=True)
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="length of the generated report (default 10)")
    parser.add_argument("--size-gb", type=float, default=1.0,
                        help="size of the downloaded package, 10^9 bytes (default 1)")
    parser.add_argument("--clients", type=int, default=10,
                        help="concurrent downloading partners (default 10)")
    parser.add_argument("--download-pairs", type=int, default=4,
                        help="bare/Station download pairs (default 4; each takes seconds)")
    parser.add_argument("--skip-build", action="store_true", help="only the downloads")
    parser.add_argument("--skip-download", action="store_true", help="only the builds")
    parser.add_argument("--serve-bare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = h.resolve(parser, parser.parse_args(argv))
    if args.serve_bare:
        serve_bare(args.serve_bare, args.port)
        return 0
    if (args.minutes <= 0 or args.size_gb <= 0 or min(args.repeat, args.clients,
                                                       args.download_pairs) < 1):
        parser.error("--minutes and --size-gb must be positive; --repeat, --clients and "
                     "--download-pairs at least 1")
    run = h.Run("delivery", args, ffmpeg=True)
    cache = args.cache.resolve()
    master = make_master(cache, args.minutes)
    cached = cache / f"delivery-instance-{args.minutes:g}min-r{RECIPE}"
    meta = make_instance(master, cached)
    print(f"instance: {cached} (master {meta['master_bytes'] / 1e6:.0f} MB, "
          f"3 tracks x {meta['cues_per_track']} cues)")
    base = Settings(secret_key="bench")  # only its ffmpeg/ffprobe names are read
    spec = spec_from_dict(meta["spec"])
    stem = builder.package_stem(spec, builder.ReportInfo(
        id=meta["report_id"], title=TITLE, title_en=TITLE_EN, kind="tv_report",
        original_language="vi", reporter=None, partner=PARTNER, due_date=None))

    report: dict[str, Any] = {
        "master": {"path": str(master), "bytes": meta["master_bytes"],
                   "minutes": meta["duration_ms"] / 60_000},
        "cues_per_track": meta["cues_per_track"], "track_qc": meta["qc"],
        "target_ratio": TARGET_RATIO, "target_mb_s": TARGET_MB_S,
    }
    with tempfile.TemporaryDirectory(dir=cache, prefix=".run-") as tmp:
        root = Path(tmp)
        keep: dict[str, Any] | None = None  # the last Station build, for the downloads
        if not args.skip_build:
            def measure(side: str, run_dir: Path | None) -> dict[str, Any]:
                nonlocal keep
                assert run_dir is not None
                if side == "reference":
                    os.sync()
                    ref = reference_build(cached / meta["master"], run_dir / "work",
                                          meta["spec"], stem, base)
                    shutil.rmtree(run_dir, ignore_errors=True)
                    return ref
                built = station_build(cached, meta, run_dir)
                if keep is not None:
                    shutil.rmtree(keep["run_dir"], ignore_errors=True)
                keep = {**built, "run_dir": run_dir}
                return built

            pairs = h.run_pairs(args.repeat, measure, root=root, label="build")
            assert keep is not None
            build = summarise_build(pairs)
            print_build(build, meta, keep)
            report["build"] = {
                **{k: v for k, v in build.items()},
                "runs": [{"reference_steps": p["reference"]["steps"],
                          "station_steps": p["station"]["steps"],
                          "station_counts": p["station"]["counts"],
                          "station_db_during_ffmpeg": p["station"]["during_ffmpeg"],
                          "reference_loudness_lufs": p["reference"]["loudness_lufs"],
                          "station_loudness_lufs": p["station"]["loudness_lufs"],
                          "normalization": p["station"]["normalization"],
                          "archive_bytes": p["station"]["archive_bytes"],
                          "rendition_bytes": p["station"]["rendition_bytes"]}
                         for p in pairs],
                "argv": {"reference": pairs[0]["reference"]["argv"],
                         "station": pairs[0]["station"]["argv"]},
            }
            report["load_after_build"] = os.getloadavg()
        if not args.skip_download:
            if keep is None:
                print("building a package (master copied as it is) for the downloads ...",
                      flush=True)
                run_dir = root / "quick"
                run_dir.mkdir()
                keep = {**quick_package(cached, meta, run_dir), "run_dir": run_dir}
            downloads = download_benchmark(keep, meta, size=int(args.size_gb * 1e9),
                                           clients=args.clients,
                                           repeat=args.download_pairs,
                                           log_dir=root)
            summary = summarise_downloads(downloads, args.clients)
            print_downloads(summary, downloads, args.clients)
            report["downloads"] = {"summary": summary, **downloads}
    return run.finish(report)


if __name__ == "__main__":
    sys.exit(main())
