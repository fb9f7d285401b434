"""Background jobs of the production desk: the ingest of an uploaded master."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from production import ingest, services
from production.models import MediaAsset, Report
from production.storage import MediaStore
from station.accounts import User
from station.errors import MediaError, NotFound
from station.jobs import JobContext, JobRun, discard_pending, execute, handler

if TYPE_CHECKING:
    from production.ffmpeg import ProbeResult
    from station.runtime import Runtime

log = logging.getLogger(__name__)

_PLAIN_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}")
STORED = "stored"  # on the job's result once its assets are committed (see run_ingest)

ROW_FIELDS = (
    "container", "duration_ms", "bit_rate", "video_codec", "width", "height", "frame_rate",
    "field_order", "audio_codec", "sample_rate", "channels", "loudness_lufs",
    "true_peak_dbtp", "loudness_range_lu",
)


def _upload_path(ctx: JobContext) -> Path:
    """The upload lives in the instance's incoming folder; never follow a path elsewhere."""
    incoming = ctx.runtime.settings.upload_path.resolve()
    path = (incoming / Path(ctx.args["upload"]).name).resolve()
    if path.parent != incoming:
        raise MediaError("The uploaded file is gone; upload it again")
    return path


def _work_dir(ctx: JobContext) -> Path:
    return ctx.runtime.settings.media_path / "work" / f"job-{ctx.job_id}"


def _on_failure(ctx: JobContext, _exc: BaseException) -> None:
    """Leave nothing half-made; drop the upload when retrying could not help."""
    ingest.clean(_work_dir(ctx))


@handler("ingest", on_failure=_on_failure)
def run_ingest(ctx: JobContext) -> dict[str, Any]:
    """Ingest one upload into its report (idempotent: a known file is not processed twice)."""
    settings = ctx.runtime.settings
    store = MediaStore(settings.media_path)
    report_id = int(ctx.args["report_id"])
    original_name = ctx.args.get("original_name") or "master"
    upload = _upload_path(ctx)
    if not upload.is_file() and (stored := _stored_result(ctx)) is not None:
        return stored  # an earlier run committed; only its end was not recorded
    needs_video, current_sha, late_shots = _current_master(ctx, report_id)

    try:
        ctx.progress(0.0, "check", force=True)
        size = ingest.check_upload(upload, settings)
        ctx.progress(1.0, "sha256", force=True)
        sha = ingest.sha256_file(upload, lambda done: ctx.progress(1.0 + 3.0 * done / size))
        if sha == current_sha:
            return _same_master_again(ctx, report_id, upload, sha, late_shots)
        ctx.progress(4.0, "probe", force=True)
        probe = ingest.probe_master(upload, settings, needs_video=needs_video,
                                    shown_as=original_name)
    except MediaError as exc:
        upload.unlink(missing_ok=True)  # bad input: a retry would fail the same way
        exc.retryable = False
        raise

    reused, measured = _twin_files(ctx, sha, report_id, store)
    work = _work_dir(ctx)
    if reused:
        rows = reused
        ctx.progress(90.0, "reuse", force=True)
        if probe.video is not None and measured.get("shot_changes_ms") is None:
            # The twin was ingested before shot detection: find them for both to see.
            measured["shot_changes_ms"] = _shot_changes_only(
                ctx, upload, interlaced=_interlaced(probe.video.field_order))
    else:
        rows, measured = _derive_files(ctx, upload, probe, work, store)
    ext = Path(original_name).suffix.lstrip(".") or probe.container.split(",")[0]
    master_key = _store_master(store, upload, sha, ext)
    rows.insert(0, {"role": "master", "sha256": sha, "size_bytes": size,
                    "storage_key": master_key, "original_name": original_name[:300],
                    **ingest.asset_meta(probe), **measured})
    result = {
        "sha256": sha,
        "duplicate": False,
        "reused_derivatives": bool(reused),
        "duration_ms": probe.duration_ms,
        "loudness_lufs": measured.get("loudness_lufs"),
        "true_peak_dbtp": measured.get("true_peak_dbtp"),
        "shot_changes": (None if measured.get("shot_changes_ms") is None
                         else len(measured["shot_changes_ms"])),
    }
    orphans = _record_assets(ctx, report_id, rows, result, original_name)
    upload.unlink(missing_ok=True)  # only now: a run cut short before the commit needs it
    for key in orphans:
        store.delete(key)
    ingest.clean(work)
    return result


def _current_master(ctx: JobContext, report_id: int) -> tuple[bool, str | None, bool | None]:
    """What the report holds now: whether it needs video, its master's sha256, and (for a
    master ingested before Station looked for shot changes) whether that master is interlaced,
    so the same file again finds its shots."""
    with ctx.runtime.session() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound("No report #{report_id}", report_id=report_id)
        current = report.asset("master")
        late_shots = (_interlaced(current.field_order)
                      if current and current.video_codec and current.shot_changes_ms is None
                      else None)
        return not report.is_radio, current.sha256 if current else None, late_shots


def _same_master_again(ctx: JobContext, report_id: int, upload: Path, sha: str,
                       late_shots: bool | None) -> dict[str, Any]:
    """The upload is the report's master already: nothing to ingest, except the shot changes
    it was ingested without."""
    done: dict[str, Any] = {"sha256": sha, "duplicate": True, "message": "already ingested"}
    if late_shots is not None:
        shots = _shot_changes_only(ctx, upload, interlaced=late_shots)
        if shots is not None:
            with ctx.runtime.session() as session:
                services.save_shot_changes(session, report_id, shots, master_sha256=sha)
                session.commit()
            done["shot_changes"] = len(shots)
    upload.unlink(missing_ok=True)
    return done


def _twin_files(ctx: JobContext, sha: str, report_id: int,
                store: MediaStore) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The derived files (still stored) and measurements of another report whose master is
    this same file, so they are reused instead of rendered again; empty when there is none."""
    with ctx.runtime.session() as session:
        twin = services.master_twin(session, sha, report_id)
        reused = (
            [_row_of(a) for a in twin.assets if a.role != "master" and store.exists(a.storage_key)]
            if twin else []
        )
        twin_master = twin.asset("master") if twin else None
        # The twin's shot list goes with its files (None if it predates detection).
        measured: dict[str, Any] = ({"loudness_lufs": twin_master.loudness_lufs,
                     "true_peak_dbtp": twin_master.true_peak_dbtp,
                     "loudness_range_lu": twin_master.loudness_range_lu,
                     "shot_changes_ms": twin_master.shot_changes_ms}
                    if twin_master else {})
    return reused, measured


def _derive_files(ctx: JobContext, upload: Path, probe: ProbeResult, work: Path,
                  store: MediaStore) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Render the proxy, speech WAV, poster and waveform, measure loudness and shots, and
    store the files; returns their asset rows and the master's measurements."""
    work.mkdir(parents=True, exist_ok=True)
    files, loudness, shots = ingest.derive(
        upload, probe, work, ctx.runtime.settings,
        progress=lambda pct, step: ctx.progress(pct, step, force=step is not None),
        should_cancel=ctx.should_cancel,
        timeout=ctx.seconds_left,
    )
    measured = {**ingest.loudness_meta(loudness), "shot_changes_ms": shots}
    ctx.progress(97.0, "store", force=True)
    rows = []
    for item, key, item_sha, item_size in ingest.store_files(store, files):
        rows.append({"role": item.role, "sha256": item_sha, "size_bytes": item_size,
                     "storage_key": key, **item.meta})
    return rows, measured


def _record_assets(ctx: JobContext, report_id: int, rows: list[dict[str, Any]],
                   result: dict[str, Any], original_name: str) -> set[str]:
    """Replace the report's assets with rows and mark the job's result as stored, in one
    transaction; returns the storage keys no asset uses any more."""
    with ctx.runtime.session() as session:
        _new, orphans = services.replace_assets(
            session, report_id, rows, actor_id=ctx.args.get("actor_id"),
            comment=f"{original_name} ({ingest.describe(rows[0])})",
        )
        # In the same transaction: should this run's end never be recorded (killed now, or
        # the database restarting), the rerun the sweep starts finds its work done here.
        session.execute(update(JobRun).where(JobRun.id == ctx.job_id)
                        .values(result={**result, STORED: True}))
        session.commit()
    return orphans


def _stored_result(ctx: JobContext) -> dict[str, Any] | None:
    """The result an earlier run of this job committed with its assets, if one did."""
    with ctx.runtime.session() as session:
        result = session.scalar(select(JobRun.result).where(JobRun.id == ctx.job_id))
    if isinstance(result, dict) and result.get(STORED):
        return {k: v for k, v in result.items() if k != STORED}
    return None


def _store_master(store: MediaStore, upload: Path, sha: str, ext: str) -> str:
    """Store the master as a hard link of the upload and keep the upload until the rows are
    committed: a run killed (or cut off by a database restart) between the store and the
    commit is requeued and runs again from the upload. Moving the upload into the store left
    the rerun with nothing to read ("The uploaded file is gone"), so the ingest failed."""
    held = upload.with_name(upload.name + ".store")
    held.unlink(missing_ok=True)
    try:
        os.link(upload, held)
    except OSError:  # no hard links here: a copy (the upload still goes after the commit)
        return store.put(upload, sha, ext, move=False)
    return store.put(held, sha, ext)


def stage_upload(settings: Any, src: Path, *, check_size: bool = True) -> Path:
    """Copy a file into the incoming folder under a fresh name (the user's file stays);
    an oversized file is refused before the copy (the job checks again either way)."""
    import shutil
    import uuid

    from station.errors import TooLarge
    from station.text import human_size

    size = src.stat().st_size
    if check_size and size > settings.upload_max_bytes:
        raise TooLarge("The file is {size}, over the limit of {limit}",
                       size=human_size(size), limit=human_size(settings.upload_max_bytes))
    settings.upload_path.mkdir(parents=True, exist_ok=True)
    # Only a plain extension is kept: a "%d" or ":" in the stored name must not reach ffmpeg.
    suffix = src.suffix.lower() if _PLAIN_SUFFIX.fullmatch(src.suffix.lower()) else ".upload"
    dst = settings.upload_path / f"{uuid.uuid4().hex}{suffix}"
    shutil.copyfile(src, dst)
    return dst


def ingest_now(runtime: Runtime, report_id: int, src: Path, *, actor: User) -> JobRun:
    """Ingest a file in this process, start to end, as a worker would (demo, tests, benches)."""
    staged = stage_upload(runtime.settings, src, check_size=False)  # the job decides
    with runtime.session() as session:
        job = services.queue_ingest(session, report_id, staged.name, actor=actor,
                                    original_name=src.name)
        discard_pending(session)  # run here, not on the queue
        session.commit()
        job_id = job.id
    execute(runtime, job_id)
    with runtime.session() as session:
        done = session.get(JobRun, job_id)
        assert done is not None
        session.expunge(done)
        return done


def _interlaced(field_order: str | None) -> bool:
    """Whether a master's field order asks for deinterlacing (as ingest.derive decides)."""
    return field_order not in (None, "progressive", "unknown")


def _shot_changes_only(ctx: JobContext, master: Path, *, interlaced: bool) -> list[int] | None:
    """Decode a master for its shot changes alone, in the job's work folder."""
    work = _work_dir(ctx)
    work.mkdir(parents=True, exist_ok=True)
    ctx.progress(50.0, "shots", force=True)
    try:
        return ingest.find_shot_changes(master, work, ctx.runtime.settings, interlaced=interlaced,
                                        timeout=ctx.seconds_left, should_cancel=ctx.should_cancel)
    finally:
        ingest.clean(work)


def _row_of(asset: MediaAsset) -> dict[str, Any]:
    row = {f: getattr(asset, f) for f in ROW_FIELDS}
    row.update(role=asset.role, sha256=asset.sha256, size_bytes=asset.size_bytes,
               storage_key=asset.storage_key)
    return row
