"""The `station` command, as an operator uses it: migrate, accounts, reports, ingest, jobs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from station.cli import main
from tests import media


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {"STATION_INSTANCE_PATH": str(tmp_path / "instance"), "STATION_LANGUAGE": "en",
           "STATION_DATABASE_URL": "", "STATION_REDIS_URL": "", "STATION_USER": ""}
    runner = CliRunner()

    def run(*args: str, ok: bool = True, input: str | None = None) -> Result:
        result = runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run("db", "upgrade")
    return run


def test_operator_session(cli, media_cache: Path) -> None:  # type: ignore[no-untyped-def]
    from station import migrate

    assert cli("db", "current").output.strip() == migrate.heads()[0]
    cli("user", "add", "boss", "--role", "admin", "--password", "s3cret-pass")
    cli("user", "add", "mai", "--role", "editor", "--name", "Lò Thị Mai",
        "--password", "s3cret-pass")
    cli("user", "add", "an", "--role", "translator", "--language", "en", "--language", "zh",
        input="s3cret-pass\ns3cret-pass\n")
    users = json.loads(cli("user", "list", "--json").output)
    assert {u["username"]: u["role"] for u in users} == {"boss": "admin", "mai": "editor",
                                                          "an": "translator"}
    bad = cli("user", "add", "pa", "--role", "partner", "--password", "s3cret-pass", ok=False)
    assert bad.exit_code == 1 and "partner channel" in bad.output

    made = json.loads(cli("report", "add", "Lễ hội Gầu Tào", "--channel", "VTV4",
                          "--channel", "lctv", "--due", "2026-12-20", "--tag", "Mông",
                          "--as", "mai", "--json").output)
    assert made["status"] == "planned" and made["channels"] == ["LCTV", "VTV4"]
    listed = json.loads(cli("report", "list", "-q", "gau tao", "--json").output)
    assert [r["id"] for r in listed] == [made["id"]]
    assert json.loads(cli("report", "list", "-q", "khong co", "--json").output) == []

    rid = str(made["id"])
    cli("report", "move", rid, "in_production", "--as", "mai")
    cli("report", "move", rid, "editing", "--as", "mai")
    refused = cli("report", "move", rid, "review", "--as", "mai", ok=False)
    assert refused.exit_code == 1 and "Upload and ingest the master" in refused.output
    translator = cli("report", "move", rid, "in_production", "--as", "an", "-m", "x", ok=False)
    assert "Your role may not" in translator.output

    src = media.report_video(media_cache, seconds=3, size="640x360")
    out = cli("ingest", rid, str(src), "--as", "mai").output
    assert "ingested:" in out and "LUFS" in out
    assert "already the report's master" in cli("ingest", rid, str(src), "--as", "mai").output
    cli("report", "move", rid, "review", "--as", "mai")

    shown = json.loads(cli("report", "show", rid, "--json").output)
    assert shown["status"] == "review"
    assert {a["role"] for a in shown["assets"]} >= {"master", "proxy", "audio"}
    assert [h["to"] for h in shown["history"] if h["kind"] == "status"] == [
        "review", "editing", "in_production"]
    text = cli("report", "show", rid).output
    assert "Lễ hội Gầu Tào" in text and "LUFS" in text

    failed = cli("ingest", rid, str(media.text_as_mp4(media_cache)), "--as", "mai", ok=False)
    assert failed.exit_code == 1 and "Invalid data found" in failed.output
    listed_jobs = json.loads(cli("jobs", "list", "--json").output)
    failed_job = next(j for j in listed_jobs if j["status"] == "failed")
    assert "ffprobe" in failed_job["error"]
    assert failed_job["retryable"] is False  # bad media: the upload is gone, retry cannot help
    refused = cli("jobs", "retry", str(failed_job["id"]), ok=False).output
    assert "retrying cannot help" in refused
    assert "only failed or cancelled" in cli("jobs", "retry", str(listed_jobs[-1]["id"]),
                                             ok=False).output
    assert "No job #999" in cli("jobs", "cancel", "999", ok=False).output
    assert "No report #999" in cli("report", "show", "999", ok=False).output


def test_background_ingest_is_queued(cli, media_cache: Path) -> None:  # type: ignore[no-untyped-def]
    cli("user", "add", "mai", "--role", "editor", "--password", "s3cret-pass")
    rid = json.loads(cli("report", "add", "Tin", "--channel", "LCTV", "--as", "mai",
                         "--json").output)["id"]
    out = cli("ingest", str(rid), str(media.report_video(media_cache, seconds=2,
                                                         size="640x360")),
              "--as", "mai", "--background").output
    assert "queued" in out
    jobs = json.loads(cli("jobs", "list", "--json").output)
    assert jobs[0]["status"] == "queued" and jobs[0]["kind"] == "ingest"
    assert "cancelled" in cli("jobs", "cancel", str(jobs[0]["id"])).output


def test_demo_seed_is_idempotent(cli) -> None:  # type: ignore[no-untyped-def]
    first = cli("demo", "seed", "--no-media").output
    assert "account editor (editor) created" in first and "demo report" in first
    second = cli("demo", "seed", "--no-media").output
    assert "created" not in second
    assert len(json.loads(cli("report", "list", "--json").output)) == 1


def test_subtitle_commands(cli, media_cache: Path, tmp_path: Path, whisper_model: Path) -> None:  # type: ignore[no-untyped-def]
    models_root = str(whisper_model.parent)
    check = CliRunner().invoke(main, ["models", "check"],
                               env={"STATION_MODELS_ROOT": models_root,
                                    "STATION_INSTANCE_PATH": str(tmp_path / "instance")})
    assert check.exit_code == 0 and "Whisper base OK" in check.output
    empty = CliRunner().invoke(main, ["models", "check"],
                               env={"STATION_MODELS_ROOT": str(tmp_path / "none"),
                                    "STATION_INSTANCE_PATH": str(tmp_path / "instance")})
    assert empty.exit_code == 1 and "station models install" in empty.output

    cli("user", "add", "mai", "--role", "editor", "--password", "s3cret-pass")
    rid = str(json.loads(cli("report", "add", "Tin", "--channel", "VTV4", "--as", "mai",
                             "--json").output)["id"])
    hmong = json.loads(cli("report", "add", "Tiếng Mông", "--channel", "LCR",
                           "--language", "hnj", "--as", "mai", "--json").output)["id"]
    refused = cli("transcribe", str(hmong), "--as", "mai", ok=False)
    assert refused.exit_code == 1 and "No speech engine knows hnj" in refused.output

    srt_file = tmp_path / "tin.srt"
    srt_file.write_text("1\n00:00:01,000 --> 00:00:01,200\nQuá ngắn\n\n"
                        "2\n00:00:01,000 --> 00:00:03,000\nChồng lên câu trước\n",
                        encoding="utf-16")
    out = cli("subtitles", "import", rid, str(srt_file), "--language", "vi", "--as", "mai")
    assert "2 cues" in out.output
    tracks = json.loads(cli("subtitles", "list", rid, "--json", "--as", "mai").output)
    assert tracks[0]["language"] == "vi" and tracks[0]["qc"]["error"] >= 1

    qc = cli("qc", rid, "--lang", "vi", "--json", "--as", "mai", ok=False)
    assert qc.exit_code == 1  # an error-level finding (the overlap)
    findings = json.loads(qc.output)["findings"]
    assert {"overlap", "min_duration"} <= {f["check"] for f in findings}
    assert cli("qc", rid, "--lang", "en", "--as", "mai", ok=False).exit_code == 1  # no track

    target = tmp_path / "out.vtt"
    cli("subtitles", "export", str(tracks[0]["id"]), "--format", "webvtt", "-o", str(target),
        "--as", "mai")
    assert target.read_text(encoding="utf-8").startswith("WEBVTT")
    assert "Chồng lên câu trước" in target.read_text(encoding="utf-8")


def test_shot_changes_from_the_shell(cli, media_cache: Path) -> None:  # type: ignore[no-untyped-def]
    cli("user", "add", "mai", "--role", "editor", "--password", "s3cret-pass")
    cli("user", "add", "an", "--role", "translator", "--language", "en",
        "--password", "s3cret-pass")
    rid = str(json.loads(cli("report", "add", "Chợ phiên", "--channel", "LCTV", "--as", "mai",
                             "--json").output)["id"])
    out = cli("ingest", rid, str(media.shot_cuts(media_cache)), "--as", "mai").output
    assert f"{len(media.SHOT_CUTS_MS)} shot changes" in out
    assert "4 shot changes already found" in cli("report", "shots", rid, "--as", "mai").output
    # A master ingested before detection existed is decoded again for its cuts alone.
    again = cli("report", "shots", rid, "--again", "--as", "mai").output
    assert "4 shot changes found" in again
    shown = json.loads(cli("report", "show", rid, "--json", "--as", "mai").output)
    master = next(a for a in shown["assets"] if a["role"] == "master")
    assert [abs(a - b) <= 40 for a, b in zip(master["shot_changes_ms"], media.SHOT_CUTS_MS,
                                              strict=True)] == [True] * 4
    assert "4 shot changes" in cli("report", "show", rid, "--as", "mai").output
    refused = cli("report", "shots", rid, "--again", "--as", "an", ok=False)
    assert refused.exit_code == 1 and "Your role may not" in refused.output
