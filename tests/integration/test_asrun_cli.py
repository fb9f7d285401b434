"""`station schedule import-asrun --format ffplayout-log` and the playout token commands, on a
freshly migrated instance (the playout_token migration included)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import cli

__all__ = ["cli"]  # the fixture: a migrated SQLite instance and the `station` command

LOG = "\n".join([
    '<span class="log-gray">[2027-03-08 20:04:10.250000+07:00]</span> '
    '<span class="level-info">[ INFO]</span> Play for <span class="log-number">00:15:00.000'
    '</span>: <span class="log-addr">/srv/playout/thoi-su.mp4</span>',
    '<span class="log-gray">[2027-03-08 20:30:00.000000+07:00]</span> '
    '<span class="level-info">[ INFO]</span> Play for <span class="log-number">00:05:00.000'
    '</span>: <span class="log-addr">/srv/playout/thoi-tiet.mp4</span>', ""])


def test_an_ffplayout_log_and_playout_tokens_from_the_shell(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("user", "add", "boss", "--role", "admin", "--password", "s3cret-pass")
    for at, minutes, title, source in (("20:00", 15, "Thời sự", "thoi-su"),
                                       ("20:15", 10, "Ca nhạc", "ca-nhac"),
                                       ("20:30", 5, "Thời tiết", "thoi-tiet")):
        cli("schedule", "add", "--channel", "LCTV", "--at", f"2027-03-08T{at}",
            "--duration", str(minutes * 60), "--title", title, "--kind", "programme",
            "--source", f"/srv/playout/{source}.mp4")
    log = tmp_path / "ffplayout_1.log"
    log.write_text(LOG, encoding="utf-8")
    done = json.loads(cli("schedule", "import-asrun", str(log), "--channel", "LCTV",
                          "--format", "ffplayout-log", "--json").output)
    assert [(e["title"], e["outcome"], e["delay_s"]) for e in done["entries"]] == [
        ("Thời sự", "late", 250), ("Thời tiết", "as_planned", 0)]
    assert [m["title"] for m in done["missed"]] == ["Ca nhạc"]
    as_csv = cli("schedule", "import-asrun", str(log), "--channel", "LCTV", ok=False)
    assert as_csv.exit_code == 1 and "start, duration, title" in as_csv.output

    made = cli("schedule", "playout-token", "create", "LCTV", "--name", "ffplayout LCTV").output
    secret = made.strip().splitlines()[-1]
    assert secret.startswith("stp_") and len(secret) > 40
    (token,) = json.loads(cli("schedule", "playout-token", "list", "--json").output)
    assert (token["channel"], token["state"], secret.startswith(token["prefix"])) == (
        "LCTV", "active", True)
    cli("schedule", "playout-token", "revoke", str(token["id"]))
    (token,) = json.loads(cli("schedule", "playout-token", "list", "--json").output)
    assert token["state"] == "revoked"
