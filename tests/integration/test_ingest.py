"""Ingest of real media made at test time: assets, loudness, de-duplication, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from production import services
from production.models import Report
from production.storage import MediaStore
from station import jobs
from station.accounts import User
from station.runtime import Runtime
from tests import media


def run_ingest(runtime: Runtime, actor: User, report_id: int, src: Path) -> jobs.JobRun:
    """Stage a file as an upload and run its ingest job to the end, as a worker would."""
    from production.tasks import ingest_now

    return ingest_now(runtime, report_id, src, actor=actor)


def stored_files(runtime: Runtime) -> set[str]:
    root = runtime.settings.media_path
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and "incoming" not in p.parts}


def report_row(runtime: Runtime, report_id: int) -> Report:
    with runtime.session() as session:
        report = session.get(Report, report_id)
        _ = report.assets, report.events
        session.expunge_all()
        return report


@pytest.fixture
def editor(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("editor")


def test_ingest_makes_every_asset_and_measures_loudness(runtime: Runtime, editor: User,
                                                        make_report, media_cache: Path) -> None:
    src = media.report_video(media_cache, seconds=6, size="1920x1080",
                             speech_text="Chào mừng quý vị đến với Lai Châu.")
    report = make_report(editor, channel_codes=["VTV4"])
    job = run_ingest(runtime, editor, report.id, src)
    assert job.status == "succeeded", job.error
    assert job.progress == 100.0

    loaded = report_row(runtime, report.id)
    roles = {a.role: a for a in loaded.assets}
    assert set(roles) == {"master", "proxy", "audio", "poster", "waveform", "peaks"}
    master, proxy, audio = roles["master"], roles["proxy"], roles["audio"]
    assert (master.width, master.height, master.frame_rate) == (1920, 1080, "25/1")
    assert master.field_order == "progressive"
    assert master.sha256 == __import__("hashlib").sha256(src.read_bytes()).hexdigest()
    assert master.size_bytes == src.stat().st_size
    assert abs(master.duration_ms - 6000) < 100
    assert proxy.video_codec == "h264" and proxy.height == 720 and proxy.width == 1280
    assert proxy.audio_codec == "aac"
    assert (audio.sample_rate, audio.channels) == (16000, 1)
    # Loudness measured on the real programme sound (espeak speech at its own level).
    assert -70 < master.loudness_lufs < 0 and master.true_peak_dbtp <= 0.5
    assert master.loudness_range_lu is not None and proxy.loudness_lufs is None
    store = MediaStore(runtime.settings.media_path)
    for asset in loaded.assets:
        assert store.exists(asset.storage_key)
        assert asset.storage_key.split("/")[-1].startswith(asset.sha256)
    peaks = json.loads(store.path(roles["peaks"].storage_key).read_text())
    assert abs(len(peaks["peaks"]) - 6 * 20) <= 2 and max(peaks["peaks"]) > 0.05
    assert loaded.events[0].kind == "media"  # newest first
    assert not list(runtime.settings.upload_path.iterdir())  # the upload was consumed


def test_same_file_twice_is_not_processed_again(runtime: Runtime, editor: User, make_report,
                                                media_cache: Path) -> None:
    src = media.report_video(media_cache, seconds=3, size="640x360")
    report = make_report(editor)
    assert run_ingest(runtime, editor, report.id, src).status == "succeeded"
    before = stored_files(runtime)
    again = run_ingest(runtime, editor, report.id, src)
    assert again.status == "succeeded" and again.result["duplicate"] is True
    assert stored_files(runtime) == before

    # The same master for another report reuses the derived files: no ffmpeg, no copies.
    other = make_report(editor, "Phiên bản cho VOV5", channel_codes=["VTV4"])
    reused = run_ingest(runtime, editor, other.id, src)
    assert reused.result["reused_derivatives"] is True
    assert stored_files(runtime) == before
    assert {a.role for a in report_row(runtime, other.id).assets} == {
        a.role for a in report_row(runtime, report.id).assets}
    assert reused.result["loudness_lufs"] == again_master_lufs(runtime, report.id)


def again_master_lufs(runtime: Runtime, report_id: int) -> float:
    return next(a.loudness_lufs for a in report_row(runtime, report_id).assets
                if a.role == "master")


def test_new_master_replaces_old_assets_and_files(runtime: Runtime, editor: User,
                                                  make_report, media_cache: Path) -> None:
    report = make_report(editor)
    run_ingest(runtime, editor, report.id, media.report_video(media_cache, seconds=3,
                                                              size="640x360"))
    first = stored_files(runtime)
    run_ingest(runtime, editor, report.id, media.report_video(media_cache, seconds=4,
                                                              size="640x360"))
    second = stored_files(runtime)
    assert not first & second  # old files left the store with their rows
    assert len(report_row(runtime, report.id).assets) == 6


def test_radio_programme_takes_audio_only(runtime: Runtime, editor: User, make_report,
                                          media_cache: Path) -> None:
    report = make_report(editor, "Tạp chí tiếng Mông", kind="radio_programme",
                         channel_codes=["LCR"], original_language="hnj")
    job = run_ingest(runtime, editor, report.id, media.audio_only(media_cache, seconds=4,
                                                                  cover=True))
    assert job.status == "succeeded", job.error
    roles = {a.role: a for a in report_row(runtime, report.id).assets}
    assert "poster" not in roles
    assert roles["proxy"].video_codec is None and roles["proxy"].audio_codec == "aac"
    assert roles["master"].shot_changes_ms is None  # no picture: not looked for


@pytest.mark.parametrize("interlaced", [False, True], ids=["progressive", "interlaced-25i"])
def test_ingest_finds_the_shot_changes_and_nothing_else(runtime: Runtime, editor: User,
                                                        make_report, media_cache: Path,
                                                        interlaced: bool) -> None:
    report = make_report(editor)
    job = run_ingest(runtime, editor, report.id,
                     media.shot_cuts(media_cache, interlaced=interlaced))
    assert job.status == "succeeded", job.error
    assert job.result["shot_changes"] == len(media.SHOT_CUTS_MS)
    roles = {a.role: a for a in report_row(runtime, report.id).assets}
    found = roles["master"].shot_changes_ms
    # Every hard cut within a frame (40 ms at 25 fps); the moving testsrc2, the fade from
    # black and the pan are not cuts.
    assert len(found) == len(media.SHOT_CUTS_MS)
    for cut, true_ms in zip(found, media.SHOT_CUTS_MS, strict=True):
        assert abs(cut - true_ms) <= 40, (found, media.SHOT_CUTS_MS)
    assert all(a.shot_changes_ms is None for a in roles.values() if a.role != "master")


def test_same_master_on_another_report_carries_its_shot_changes(
        runtime: Runtime, editor: User, make_report, media_cache: Path) -> None:
    src = media.shot_cuts(media_cache)
    first, second = make_report(editor), make_report(editor, "Bản cho VTV4")
    assert run_ingest(runtime, editor, first.id, src).status == "succeeded"
    reused = run_ingest(runtime, editor, second.id, src)
    assert reused.result["reused_derivatives"] is True
    masters = [next(a for a in report_row(runtime, r.id).assets if a.role == "master")
               for r in (first, second)]
    assert masters[1].shot_changes_ms == masters[0].shot_changes_ms
    assert len(masters[1].shot_changes_ms or []) == len(media.SHOT_CUTS_MS)


def forget_shots(runtime: Runtime, report_id: int) -> None:
    """Make a master look ingested before Station looked for shot changes."""
    from production.models import MediaAsset

    with runtime.session() as session:
        master = session.query(MediaAsset).filter_by(report_id=report_id, role="master").one()
        master.shot_changes_ms = None
        session.commit()


def test_a_master_from_before_shot_detection_gets_them_when_sent_again(
        runtime: Runtime, editor: User, make_report, media_cache: Path) -> None:
    src = media.shot_cuts(media_cache)
    first, second = make_report(editor), make_report(editor, "Bản cho VTV4")
    assert run_ingest(runtime, editor, first.id, src).status == "succeeded"
    forget_shots(runtime, first.id)
    before = stored_files(runtime)
    # The same file on the same report: still a duplicate, but its cuts are found.
    again = run_ingest(runtime, editor, first.id, src)
    assert again.status == "succeeded", again.error
    assert again.result["duplicate"] is True and again.result["shot_changes"] == 4
    assert stored_files(runtime) == before
    master = next(a for a in report_row(runtime, first.id).assets if a.role == "master")
    assert len(master.shot_changes_ms or []) == 4
    # On another report, derived files are reused and the missing cuts are found.
    forget_shots(runtime, first.id)
    reused = run_ingest(runtime, editor, second.id, src)
    assert reused.result["reused_derivatives"] is True and reused.result["shot_changes"] == 4


@pytest.mark.parametrize(
    ("maker", "expected"),
    [
        (media.text_as_mp4, "Invalid data found when processing input"),
        (media.truncated_mp4, "moov atom not found"),
        (media.zero_byte, "The file is empty"),
        (media.silent_video, "no audio stream"),
        (lambda cache: media.audio_only(cache, seconds=3), "a TV report needs a video master"),
    ],
    ids=["text-named-mp4", "truncated-mp4", "zero-byte", "silent-video", "audio-for-tv"],
)
def test_bad_input_fails_precisely_and_leaves_nothing(runtime: Runtime, editor: User,
                                                      make_report, media_cache: Path,
                                                      maker, expected: str) -> None:
    report = make_report(editor)
    before = report_row(runtime, report.id)
    job = run_ingest(runtime, editor, report.id, maker(media_cache))
    assert job.status == "failed"
    assert expected in job.error
    assert "Traceback" not in job.error
    assert str(runtime.settings.instance_path) not in job.error  # no server paths shown
    after = report_row(runtime, report.id)
    assert after.assets == [] and after.status == before.status
    assert len(after.events) == len(before.events)
    assert stored_files(runtime) == set()  # nothing half-stored
    assert not list(runtime.settings.upload_path.iterdir())
    assert not job.retryable  # the input was refused: no Retry button that cannot work


def test_file_over_the_size_limit_is_refused(tmp_path: Path, sqlite_template: Path,
                                             media_cache: Path) -> None:
    from tests.conftest import make_settings, report_factory, user_factory

    db = tmp_path / "s.db"
    shutil.copyfile(sqlite_template, db)
    small = Runtime(make_settings(tmp_path, database_url=f"sqlite:///{db}",
                                  upload_max_bytes=10_000))
    with small.session() as session:
        services.ensure_channels(session)
        session.commit()
    editor = user_factory(small)("editor")
    report = report_factory(small)(editor)
    job = run_ingest(small, editor, report.id, media.report_video(media_cache, seconds=3,
                                                                  size="640x360"))
    assert job.status == "failed" and "over the limit of 10.0 KB" in job.error
    assert report_row(small, report.id).assets == []
    small.dispose()


def test_failed_job_can_be_retried_and_one_ingest_at_a_time(runtime: Runtime, editor: User,
                                                            make_report,
                                                            media_cache: Path) -> None:
    report = make_report(editor)
    runtime.settings.upload_path.mkdir(parents=True, exist_ok=True)
    staged = runtime.settings.upload_path / "x.mp4"
    shutil.copyfile(media.report_video(media_cache, seconds=3, size="640x360"), staged)
    with runtime.session() as session:
        job = services.queue_ingest(session, report.id, staged.name, actor=editor,
                                    original_name="x.mp4")
        with pytest.raises(jobs.JobError, match="already doing this"):
            services.queue_ingest(session, report.id, staged.name, actor=editor,
                                  original_name="x.mp4")
        jobs.discard_pending(session)
        session.commit()
        job_id = job.id
    with runtime.session() as session:  # a user cancels before a worker picks it up
        jobs.cancel(session, job_id)
        session.commit()
    jobs.load_handlers()
    assert jobs.execute(runtime, job_id) == "cancelled"  # a late delivery does not run it
    with runtime.session() as session:
        jobs.retry(session, job_id)
        jobs.discard_pending(session)
        session.commit()
    assert jobs.execute(runtime, job_id) == "succeeded"
    with runtime.session() as session:
        done = session.get(jobs.JobRun, job_id)
        assert done.attempts == 1 and done.error is None
        with pytest.raises(jobs.JobError, match="only failed or cancelled"):
            jobs.retry(session, job_id)


def test_running_job_stops_when_cancelled(runtime: Runtime, editor: User, make_report,
                                          media_cache: Path) -> None:
    report = make_report(editor)
    src = media.report_video(media_cache, seconds=30, size="1920x1080")
    runtime.settings.upload_path.mkdir(parents=True, exist_ok=True)
    staged = runtime.settings.upload_path / "long.mp4"
    shutil.copyfile(src, staged)
    with runtime.session() as session:
        job = services.queue_ingest(session, report.id, staged.name, actor=editor,
                                    original_name="long.mp4")
        jobs.discard_pending(session)
        session.commit()
        job_id = job.id

    import threading
    import time

    jobs.load_handlers()
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(jobs.execute(runtime, job_id)))
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with runtime.session() as session:
            row = session.get(jobs.JobRun, job_id)
            if row.step == "transcode":
                jobs.cancel(session, job_id)
                session.commit()
                break
        time.sleep(0.05)
    worker.join(60)
    assert outcome == ["cancelled"]
    assert report_row(runtime, report.id).assets == []
    assert not (runtime.settings.media_path / "work" / f"job-{job_id}").exists()
    assert staged.exists()  # kept, so the user can retry without uploading again


def test_job_of_a_dead_worker_can_be_retried(runtime: Runtime, editor: User,
                                             make_report) -> None:
    import datetime as dt

    report = make_report(editor)
    with runtime.session() as session:
        job = services.queue_ingest(session, report.id, "gone.mp4", actor=editor,
                                    original_name="gone.mp4")
        jobs.discard_pending(session)
        job.status = "running"
        session.commit()
        with pytest.raises(jobs.JobError, match="only failed or cancelled"):
            jobs.retry(session, job.id)  # still alive as far as anyone knows
        session.rollback()
        job = session.get(jobs.JobRun, job.id)
        job.updated_at = jobs.utcnow() - dt.timedelta(hours=1)
        session.commit()
        retried = jobs.retry(session, job.id)
        session.commit()
        assert retried.status == "queued" and retried.error is not None


# --------------------------------------------------------------------------- untrusted media
# Uploads that are not media but name other files (issue 12, "Untrusted media"). Each is made
# at test time next to a "secret" on the same disk that ffmpeg could read if it followed them.

SECRET_MARKER = b"STATION-SECRET-7f3a"


@pytest.fixture
def secrets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A real MPEG-TS clip and a text file, outside the instance, that no upload may reach."""
    folder = tmp_path_factory.mktemp("server-secrets")
    clip = folder / "secret.ts"
    media._run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                "-i", "testsrc2=d=2:s=320x240:r=25", "-f", "lavfi", "-i", "sine=d=2",
                "-c:v", "mpeg2video", "-c:a", "mp2", "-metadata",
                f"service_name={SECRET_MARKER.decode()}", str(clip)])
    text = folder / "secret.txt"
    text.write_bytes(SECRET_MARKER + b"\nroot:x:0:0:root:/root:/bin/bash\n")
    return {"ts": clip, "txt": text}


def _hls(entry: str) -> str:
    return ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
            f"#EXTINF:2.0,\n{entry}\n#EXT-X-ENDLIST\n")


ATTACKS = {
    "hls-local-ts": (lambda s: _hls(str(s["ts"])), "This file is a playlist (hls)"),
    "hls-file-url-text": (lambda s: _hls(f"file:{s['txt']}"), "This file is a playlist (hls)"),
    "hls-etc-passwd": (lambda s: _hls("file:/etc/passwd"), "This file is a playlist (hls)"),
    "ffconcat": (lambda s: f"ffconcat version 1.0\nfile '{s['ts']}'\n",
                 "This file is a playlist (concat)"),
    "sdp": (lambda s: "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=feed\nc=IN IP4 127.0.0.1\nt=0 0\n"
                      "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n",
            "This file describes a network stream (sdp)"),
    "subfile-url": (lambda s: f"subfile,,start,0,end,0,,:{s['ts']}\n",
                    "This is not a media file Station can read"),
    "tee-url": (lambda s: f"tee:{s['ts']}|{s['txt']}\n",
                "This is not a media file Station can read"),
}


def assert_refused_and_nothing_kept(runtime: Runtime, job: jobs.JobRun, report_id: int,
                                    expected: str, secrets: dict[str, Path]) -> None:
    assert job.status == "failed", job.result
    assert expected in job.error
    assert not job.retryable
    for path in secrets.values():
        assert str(path) not in job.error and str(path.parent) not in job.error
    assert report_row(runtime, report_id).assets == []
    assert stored_files(runtime) == set()
    assert not list(runtime.settings.upload_path.iterdir())
    secret_bytes = [SECRET_MARKER, secrets["ts"].read_bytes()[:4096]]
    for path in runtime.settings.instance_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(secret in data for secret in secret_bytes), path


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_upload_naming_other_files_is_refused_before_they_are_read(
        runtime: Runtime, editor: User, make_report, tmp_path: Path,
        secrets: dict[str, Path], attack: str) -> None:
    make_text, expected = ATTACKS[attack]
    upload = tmp_path / "x.mp4"
    upload.write_text(make_text(secrets), encoding="utf-8")
    report = make_report(editor)
    job = run_ingest(runtime, editor, report.id, upload)
    assert_refused_and_nothing_kept(runtime, job, report.id, expected, secrets)


def test_playlist_refusal_is_translated(runtime: Runtime, editor: User, make_report,
                                        tmp_path: Path, secrets: dict[str, Path]) -> None:
    from station.errors import MediaError

    upload = tmp_path / "x.mp4"
    upload.write_text(_hls(str(secrets["ts"])), encoding="utf-8")
    with pytest.raises(MediaError) as caught:
        from production import ingest

        ingest.probe_master(upload, runtime.settings, needs_video=True)
    assert caught.value.message("vi") == ("Tệp này là danh sách phát (hls), không phải tệp "
                                          "tư liệu; hãy tải lên chính tệp tư liệu")


def test_an_image_sequence_pattern_cannot_be_named_by_an_upload(
        runtime: Runtime, editor: User, make_report, tmp_path: Path,
        secrets: dict[str, Path]) -> None:
    """image2 expands "%d" in a file name into a sequence; uploads never keep such a name and
    a still picture is not a master format either."""
    from production.tasks import stage_upload

    for name in ("frame-%03d.jpg", "clip.%d", "a.mp4:%d", "b.-f"):
        staged = stage_upload(runtime.settings, _still(tmp_path / name))
        assert "%" not in staged.name and ":" not in staged.name and "-f" not in staged.name
        staged.unlink()
    # Frames that a pattern would pick up if the name reached ffmpeg unchanged.
    for number in (1, 2, 3):
        _still(runtime.settings.upload_path / f"frame-{number:03d}.jpg")
    report = make_report(editor)
    job = run_ingest(runtime, editor, report.id, _still(tmp_path / "frame-%03d.jpg"))
    assert job.status == "failed"
    assert "Station does not take image2 files as masters" in job.error
    assert stored_files(runtime) == set() and report_row(runtime, report.id).assets == []


def _still(path: Path) -> Path:
    """A one-frame JPEG at path (made with ffmpeg's lavfi test source)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    media._run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                "-i", "testsrc2=s=64x64", "-frames:v", "1", "-f", "image2", "-update", "1",
                "file:" + str(path)])
    return path


@pytest.mark.parametrize(
    ("kind", "maker", "container"),
    [
        ("tv_report", lambda cache: media.interlaced_video(cache, seconds=2),
         "mov,mp4,m4a,3gp,3g2,mj2"),
        ("radio_programme", lambda cache: media.tone_wav(cache, seconds=2), "wav"),
    ],
    ids=["interlaced-mp4", "radio-wav"],
)
def test_station_masters_still_ingest_through_the_allow_list(
        runtime: Runtime, editor: User, make_report, media_cache: Path,
        kind: str, maker, container: str) -> None:
    report = make_report(editor, kind=kind)
    job = run_ingest(runtime, editor, report.id, maker(media_cache))
    assert job.status == "succeeded", job.error
    master = {a.role: a for a in report_row(runtime, report.id).assets}["master"]
    assert master.container == container
