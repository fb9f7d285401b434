"""`station package ...` and `station partner token ...` as an operator uses them."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from delivery import services as delivery
from station.accounts import User
from station.config import load_settings
from station.runtime import Runtime
from subtitles import review
from subtitles.models import Track
from tests import delivery_desk as dd
from tests import media

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")


def test_build_list_verify_and_tokens(tmp_path: Path, media_cache: Path) -> None:
    from station.cli import main

    instance = tmp_path / "instance"
    env = {"STATION_INSTANCE_PATH": str(instance), "STATION_LANGUAGE": "en",
           "STATION_DATABASE_URL": "", "STATION_REDIS_URL": "", "STATION_USER": ""}
    runner = CliRunner()

    def cli(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    cli("db", "upgrade")
    cli("user", "add", "boss", "--role", "admin", "--password", "s3cret-pass")
    made = json.loads(cli("report", "add", "Chợ phiên Sìn Hồ", "--channel", "VTV4",
                          "--json").output)
    rid = str(made["id"])
    master = media.report_video(media_cache, seconds=dd.SECONDS, size="640x360",
                                speech_text=media.DEFAULT_SPEECH_VI)
    cli("ingest", rid, str(master))
    refused = cli("package", "build", rid, "--partner", "VTV4", ok=False)
    assert refused.exit_code == 1 and "No vi subtitles yet" in refused.output
    for lang in ("vi", "en", "zh"):
        path = tmp_path / f"{lang}.srt"
        path.write_bytes(dd.srt(lang))
        cli("subtitles", "import", rid, str(path), "--language", lang)

    settings = load_settings(environ={k: v for k, v in env.items() if v})
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            boss = session.scalar(select(User).where(User.username == "boss"))
            for track in session.scalars(select(Track)):
                review.move(session, track.id, "in_review", actor=boss)
                review.move(session, track.id, "approved", actor=boss)
            delivery.save_spec(session, "VTV4", dd.SMALL_VTV4, actor=boss)
            session.commit()
    finally:
        runtime.dispose()

    built = _last_json(cli("package", "build", rid, "--partner", "vtv4", "--json").output)
    assert built["name"] == "LAI_CHAU_PHONG_SU_CHO_PHIEN_SIN_HO_V1"
    assert built["languages"] == ["en", "vi", "zh"] and built["kind"] == "full"
    again = cli("package", "build", rid, "--partner", "VTV4", ok=False)
    assert "already carries these media and tracks" in again.output
    listed = json.loads(cli("package", "list", "--partner", "VTV4", "--json").output)
    assert [p["name"] for p in listed] == [built["name"]]
    assert built["name"] in cli("package", "list").output

    archive = instance / "media" / "packages" / "VTV4" / rid / built["archive"]
    assert cli("package", "verify", str(archive)).output.strip() == "OK"
    bag = instance / "media" / "packages" / "VTV4" / rid / built["name"]
    assert cli("package", "verify", str(bag)).output.strip() == f"OK: {built['name']}"
    copy = tmp_path / "copy"
    shutil.copytree(bag, copy)
    (copy / "data" / "subtitles" / "LAI_CHAU_PHONG_SU_CHO_PHIEN_SIN_HO_EN.srt").write_text("x")
    tampered = cli("package", "verify", str(copy), ok=False)
    assert tampered.exit_code == 1 and "checksum differs" in tampered.output
    with zipfile.ZipFile(archive) as zf:
        assert all(name.startswith(built["name"] + "/") for name in zf.namelist())

    made_token = cli("partner", "token", "create", "VTV4", "--name", "VTV4 MAM").output
    secret = next(line for line in made_token.splitlines() if line.startswith("stn_"))
    tokens = json.loads(cli("partner", "token", "list", "--json").output)
    assert [(t["channel"], t["state"]) for t in tokens] == [("VTV4", "active")]
    assert secret not in cli("partner", "token", "list").output
    cli("partner", "token", "revoke", str(tokens[0]["id"]))
    assert json.loads(cli("partner", "token", "list", "--json").output)[0]["state"] == "revoked"
    local = cli("partner", "token", "create", "LCTV", "--name", "x", ok=False)
    assert "not a partner" in local.output


def _last_json(output: str) -> dict:  # type: ignore[type-arg]
    """The JSON object at the end of the output (after the progress bar's lines)."""
    start = output.index("{")
    return json.loads(output[start:])  # type: ignore[no-any-return]
