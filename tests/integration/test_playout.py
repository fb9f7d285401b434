"""A channel's playout for real (issue 17): its settings, the approved reports' files handed to
its folder, and the day's playlist written where ffplayout reads it, on SQLite and PostgreSQL
and through the ``station`` command."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from production.models import MediaAsset, Report
from production.storage import MediaStore, sha256_file
from schedule import exporting, playout, services
from station.cli import main
from station.errors import PermissionDenied, ValidationError
from station.runtime import Runtime
from tests.conftest import report_factory, user_factory
from tests.unit.ffplayout_checker import problems

DAY = dt.date(2027, 3, 8)
STORAGE = "/srv/ffplayout/lctv"


def _clip(path: Path, seconds: float, colour: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c={colour}:s=32x32:r=5:d={seconds}", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def _master(rt: Runtime, report_id: int, clip: Path) -> str:
    """Put ``clip`` in the media store as the report's master (as the ingest would)."""
    sha = sha256_file(clip)
    key = MediaStore(rt.settings.media_path).put(clip, sha, "mp4", move=False)
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
         str(clip)], check=True, capture_output=True, text=True).stdout)
    with rt.session() as session:
        for old in session.scalars(select(MediaAsset).where(
                MediaAsset.report_id == report_id, MediaAsset.role == "master")):
            session.delete(old)
        session.flush()
        session.add(MediaAsset(report_id=report_id, role="master", sha256=sha,
                               size_bytes=clip.stat().st_size, storage_key=key,
                               duration_ms=round(float(probe["format"]["duration"]) * 1000)))
        session.commit()
    return sha


@pytest.fixture
def lctv(any_runtime: Runtime, tmp_path: Path) -> dict:
    rt = any_runtime
    admin = user_factory(rt)("admin")
    editor = user_factory(rt)("editor")
    report = report_factory(rt)(editor, "Mùa hoa ban", channel_codes=["LCTV"])
    folder = tmp_path / "playout" / "LCTV"
    _clip(folder / "filler" / "lctv-filler.mp4", 7, "gray")
    _clip(folder / "tin-sang.mp4", 40, "green")
    sha = _master(rt, report.id, _clip(tmp_path / "master.mp4", 20, "blue"))
    with rt.session() as session:
        session.get(Report, report.id).status = "approved"  # the workflow is tested elsewhere
        session.commit()
    return {"rt": rt, "admin": admin, "editor": editor, "report": report, "folder": folder,
            "sha": sha, "tmp": tmp_path}


def _settings(d: dict, **changes: str) -> playout.PlayoutSettings:
    values = {"folder": str(d["folder"]), "storage": STORAGE,
              "filler": "filler/lctv-filler.mp4", "day_start": "05:00",
              "timezone": "Asia/Ho_Chi_Minh", "playlists": "/srv/ffplayout/playlists/lctv"}
    values.update(changes)
    with d["rt"].session() as session:
        settings = exporting.set_playout(session, "LCTV", actor=d["admin"], **values)
        session.commit()
    return settings


def _plan_day(d: dict) -> None:
    with d["rt"].session() as session:
        services.add_slot(session, services.SlotInput(
            "LCTV", dt.datetime(2027, 3, 8, 7, 0), duration_s=600, title="Tin sáng",
            kind="programme", source="tin-sang.mp4"), actor=d["editor"])
        services.add_slot(session, services.SlotInput(
            "LCTV", dt.datetime(2027, 3, 8, 19, 0), duration_s=1800, title="Mùa hoa ban",
            report_id=d["report"].id), actor=d["editor"])
        session.commit()


def test_export_refuses_until_the_playout_is_set_and_agrees(lctv: dict) -> None:
    rt = lctv["rt"]
    _plan_day(lctv)
    with rt.session() as session, pytest.raises(ValidationError) as refused:
        exporting.export_day(session, "LCTV", DAY, "ffplayout")
    assert "--folder" in refused.value.message("en")
    with rt.session() as session, pytest.raises(PermissionDenied):
        exporting.set_playout(session, "LCTV", actor=lctv["editor"], storage="/x")
    settings = _settings(lctv, day_start="05:59:25")  # ffplayout's default
    assert settings.filler_ms == 7000  # probed by Station
    with rt.session() as session, pytest.raises(ValidationError, match="05:59:25"):
        exporting.export_day(session, "LCTV", DAY, "ffplayout")


def test_the_day_plays_real_files_at_their_times(lctv: dict) -> None:
    rt, report, folder = lctv["rt"], lctv["report"], lctv["folder"]
    _settings(lctv)
    _plan_day(lctv)
    with rt.session() as session:
        data, name, _ = exporting.export_day(session, "LCTV", DAY, "ffplayout",
                                            media_root=rt.settings.media_path)
    assert name == "2027-03-08.json"
    assert problems(data, exact=True, path="lctv/2027/03/2027-03-08.json") == []
    doc = json.loads(data)
    handed = playout.media_name(report.id, report.title, lctv["sha"], ".mp4")
    assert {i["source"] for i in doc["program"]} == {
        f"{STORAGE}/filler/lctv-filler.mp4", f"{STORAGE}/tin-sang.mp4", f"{STORAGE}/{handed}"}
    items = {i["title"]: i for i in doc["program"]}
    assert items["Mùa hoa ban"]["duration"] == pytest.approx(20.0, abs=0.05)  # the file's own
    assert items["Tin sáng"]["duration"] == pytest.approx(40.0, abs=0.05)  # probed
    begin, starts = 0, {}
    for item in doc["program"]:
        starts.setdefault(item["title"], begin)
        begin += round(item["out"] * 1000) - round(item["in"] * 1000)
    assert starts["Mùa hoa ban"] == 14 * 3600 * 1000  # 19:00 is 14 h after the 05:00 start
    assert begin == 86_400_000
    placed = folder / handed
    assert placed.is_file() and sha256_file(placed) == lctv["sha"]
    assert (folder / f"{handed}.sha256").read_text() == f"{lctv['sha']}  {handed}\n"
    # the same day as ffconcat and M3U names the same real files
    with rt.session() as session:
        m3u_data, m3u_name, _ = exporting.export_day(session, "LCTV", DAY, "m3u")
    assert m3u_name == "LCTV_2027-03-08.m3u" and f"{STORAGE}/{handed}".encode() in m3u_data
    # a replacement master is a new file; the one today's list names stays as it was
    new_sha = _master(rt, report.id, _clip(lctv["tmp"] / "master2.mp4", 22, "red"))
    with rt.session() as session:
        again, _, _ = exporting.export_day(session, "LCTV", DAY, "ffplayout",
                                          media_root=rt.settings.media_path)
    renamed = playout.media_name(report.id, report.title, new_sha, ".mp4")
    assert renamed != handed and f"{STORAGE}/{renamed}" in again.decode()
    assert sha256_file(placed) == lctv["sha"] and (folder / renamed).is_file()


def test_a_report_not_approved_is_not_handed_over(lctv: dict) -> None:
    rt = lctv["rt"]
    _settings(lctv)
    _plan_day(lctv)
    with rt.session() as session:
        session.get(Report, lctv["report"].id).status = "review"
        session.commit()
    with rt.session() as session, pytest.raises(ValidationError, match="not approved"):
        exporting.export_day(session, "LCTV", DAY, "ffplayout",
                            media_root=rt.settings.media_path)


def test_station_command_sets_the_playout_and_writes_the_tree(tmp_path: Path) -> None:
    env = {"STATION_INSTANCE_PATH": str(tmp_path / "instance"), "STATION_LANGUAGE": "en",
           "STATION_DATABASE_URL": "", "STATION_REDIS_URL": "", "STATION_USER": ""}
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run("db", "upgrade")
    run("user", "add", "boss", "--role", "admin", "--password", "s3cret-pass")
    folder = tmp_path / "playout" / "VTV4"
    _clip(folder / "filler.mp4", 5, "gray")
    _clip(folder / "ban-tin.mp4", 30, "blue")
    run("schedule", "add", "--channel", "VTV4", "--at", "2027-03-08T19:00", "--duration",
        "600", "--title", "Bản tin", "--source", "ban-tin.mp4", "--as", "boss")
    out = tmp_path / "playlists"
    refused = run("schedule", "export", "--channel", "VTV4", "--date", "2027-03-08",
                  "--format", "ffplayout", "--out", str(out), ok=False)
    assert refused.exit_code != 0 and "--folder" in refused.output
    shown = run("schedule", "playout", "set", "VTV4", "--folder", str(folder), "--storage",
                "/mnt/vtv4", "--filler", "filler.mp4", "--day-start", "5:00", "--timezone",
                "Asia/Ho_Chi_Minh", "--playlists", "/var/lib/ffplayout/playlists/vtv4",
                "--as", "boss").output
    assert "filler duration  5.000 s" in shown
    wrong = run("schedule", "export", "--channel", "VTV4", "--date", "2027-03-08",
                "--format", "ffplayout", "--out", str(out), ok=False)
    assert "starts at 00:00 but its playout day start is 05:00:00" in wrong.output
    run("schedule", "playout", "set", "VTV4", "--day-start", "00:00", "--as", "boss")
    done = run("schedule", "export", "--channel", "VTV4", "--date", "2027-03-08",
               "--format", "ffplayout", "--out", str(out)).output
    written = out / "2027" / "03" / "2027-03-08.json"
    assert written.is_file()
    assert problems(written.read_bytes(), exact=True, path=str(written)) == []
    for line in ("playlist.day_start: 00:00:00", "channel.timezone: Asia/Ho_Chi_Minh",
                 "channel.storage: /mnt/vtv4", "playlist.length: 24:00:00",
                 "channel.playlists: /var/lib/ffplayout/playlists/vtv4",
                 "storage.filler: /mnt/vtv4/filler.mp4"):
        assert line in done
    sources = {i["source"] for i in json.loads(written.read_text())["program"]}
    assert sources == {"/mnt/vtv4/filler.mp4", "/mnt/vtv4/ban-tin.mp4"}
    concat = run("schedule", "export", "--channel", "VTV4", "--date", "2027-03-08",
                 "--format", "ffconcat", "--out", str(out)).output
    assert "VTV4_2027-03-08.ffconcat" in concat
    run("schedule", "playout", "set", "VTV4", "--layout", "single", "--as", "boss")
    single = run("schedule", "export", "--channel", "VTV4", "--date", "2027-03-08",
                 "--format", "ffplayout", "--out", str(tmp_path / "single")).output
    assert "channel.playlists: /var/lib/ffplayout/playlists/vtv4/playlist.json" in single
    assert problems((tmp_path / "single" / "playlist.json").read_bytes(), exact=True) == []
    shown = json.loads(run("schedule", "playout", "show", "VTV4", "--json").output)
    assert shown["missing"] == [] and shown["ffplayout"]["playlist.day_start"] == "00:00:00"


def test_the_demo_playout_exports_a_day_ffplayout_and_ffprobe_read(runtime: Runtime) -> None:
    from production.demo import Demo
    from schedule import demo

    user_factory(runtime)("admin", username="admin")
    editor = user_factory(runtime)("editor")
    said = list(demo.seed_playout(Demo(runtime, with_media=True)))
    assert said and "LCTV" in said[0]
    assert list(demo.seed_playout(Demo(runtime, with_media=True))) == []  # once
    with runtime.session() as session:
        services.add_slot(session, services.SlotInput(
            "LCTV", dt.datetime(2027, 3, 8, 19, 0), duration_s=1800, title="Thời sự Lai Châu",
            kind="programme", source=demo.NEWS_OPENER), actor=editor)
        session.commit()
        data, _, _ = exporting.export_day(session, "LCTV", DAY, "ffplayout",
                                         media_root=runtime.settings.media_path)
    assert problems(data, exact=True) == []
    program = json.loads(data)["program"]
    news = next(i for i in program if i["title"] == "Thời sự Lai Châu")
    assert news["duration"] == pytest.approx(demo.NEWS_SECONDS, abs=0.1)  # not the slot's 1800
    for source in {i["source"] for i in program}:
        subprocess.run(["ffprobe", "-v", "error", source], check=True)


def test_a_master_missing_from_the_store_is_refused_by_name(lctv: dict) -> None:
    rt = lctv["rt"]
    _settings(lctv)
    _plan_day(lctv)
    with rt.session() as session:
        master = session.scalar(select(MediaAsset).where(
            MediaAsset.report_id == lctv["report"].id, MediaAsset.role == "master"))
        MediaStore(rt.settings.media_path).path(master.storage_key).unlink()
    with rt.session() as session, pytest.raises(ValidationError, match="Mùa hoa ban"):
        exporting.export_day(session, "LCTV", DAY, "ffplayout",
                            media_root=rt.settings.media_path)
