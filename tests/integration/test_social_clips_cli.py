"""`station publish clip` as an editor types it: timecodes in, a rendered file out, and a
refusal as one clear line (the command on a group built here, as publishing/cli.py will)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from publishing.clip_cli import clip_command
from station.runtime import Runtime
from tests import media
from tests.integration.test_social_clips_desk import approved_desk

pytestmark = pytest.mark.skipif(not media.tools_available(), reason="ffmpeg/espeak-ng missing")


@click.group()
def publish() -> None:
    """The group the command joins."""


publish.add_command(clip_command)


def test_clip_command_renders_and_refuses(runtime: Runtime, media_cache: Path) -> None:
    approved_desk(runtime, media_cache, languages=("vi", "en"))
    settings = runtime.settings
    env = {"STATION_INSTANCE_PATH": str(settings.instance_path), "STATION_LANGUAGE": "en",
           "STATION_DATABASE_URL": settings.database_url, "STATION_REDIS_URL": "",
           "STATION_USER": "editor"}
    runner = CliRunner()
    done = runner.invoke(publish, ["clip", "1", "--in", "00:00:00.500", "--out", "3",
                                   "--language", "vi", "--title", "Hoa đào Lai Châu",
                                   "--aspect", "1:1", "--json"], env=env)
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output[done.output.index("{"):])
    assert (summary["status"], summary["in"], summary["out"]) == (
        "ready", "00:00:00.500", "00:00:03.000")
    assert summary["title"] == "Hoa đào Lai Châu" and list(summary["files"]) == ["1:1"]
    made = Path(summary["files"]["1:1"]["path"])
    assert made.is_file() and made.stat().st_size == summary["files"]["1:1"]["bytes"]
    assert abs(summary["files"]["1:1"]["duration_ms"] - 2500) <= 80

    refused = runner.invoke(publish, ["clip", "1", "--in", "0", "--out", "1:35"], env=env)
    assert refused.exit_code == 1
    assert "Error: A social clip is at most 90 s; this one is 95 s" in refused.output
    wrong = runner.invoke(publish, ["clip", "1", "--in", "1:75", "--out", "2"], env=env)
    assert wrong.exit_code == 1
    assert "The in point \u201c1:75\u201d: seconds must be under 60" in wrong.output
