"""`station backup` and `station restore`: a round trip that checks every row and media file."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import MetaData, create_engine, select, text

from production.storage import MediaStore
from station.cli import main
from station.config import Settings
from station.runtime import Runtime
from tests.conftest import PG_URL, make_settings, report_factory, user_factory


def cli_for(settings: Settings) -> Callable[..., Result]:
    """The `station` command as an operator of the instance ``settings`` runs it."""
    env = {"STATION_INSTANCE_PATH": str(settings.instance_path), "STATION_LANGUAGE": "en",
           "STATION_DATABASE_URL": settings.database_url, "STATION_REDIS_URL": "",
           "STATION_MEDIA_ROOT": "", "STATION_USER": ""}
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """SELECT * of every table, ordered by primary key (all columns where there is none)."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    rows = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            rows[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    engine.dispose()
    return rows


def media_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def fill(runtime: Runtime) -> dict[str, bytes]:
    """Rows in several tables and two stored media files (plus scratch that is not backed up)."""
    make_user, make_report = user_factory(runtime), report_factory(runtime)
    boss = make_user("admin")
    mai = make_user("editor", display_name="Lò Thị Mai")
    make_report(boss, title="Lễ hội Gầu Tào")
    make_report(mai, title="Chợ phiên Tam Đường", channel_codes=["LCTV", "VTV4"])
    store = MediaStore(runtime.settings.media_path)
    stored = {}
    for n, ext in ((1, "mp4"), (2, "wav")):
        data = os.urandom(50_000 + n) + "Sìn Hồ".encode()
        src = runtime.settings.instance_path / f"src{n}.{ext}"
        src.write_bytes(data)
        stored[store.put(src, hashlib.sha256(data).hexdigest(), ext)] = data
    runtime.settings.upload_path.mkdir(parents=True, exist_ok=True)
    (runtime.settings.upload_path / "upload-in-progress.mp4").write_bytes(b"half")
    (store.root / "ab").mkdir(exist_ok=True)
    (store.root / "ab" / "half-written.mp4.part").write_bytes(b"half")
    return stored


@pytest.fixture
def empty_target(tmp_path: Path, any_runtime: Runtime) -> Iterator[Settings]:
    """A fresh instance with an empty database of the same kind: nothing migrated, no media."""
    if any_runtime.settings.sqlalchemy_url.startswith("sqlite"):
        yield make_settings(tmp_path / "restored")
        return
    name = f"station_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_settings(tmp_path / "restored",
                            database_url=PG_URL.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_round_trip(any_runtime: Runtime, empty_target: Settings, tmp_path: Path) -> None:
    stored = fill(any_runtime)
    source = any_runtime.settings
    before = every_row(source.sqlalchemy_url)
    assert before["user_account"] and before["report_event"] and before["channel"]
    any_runtime.dispose()

    dest = tmp_path / "backup"
    out = cli_for(source)("backup", str(dest)).output
    assert "database:" in out and "media: 2 files" in out
    info = json.loads((dest / "backup.json").read_text())
    assert info["database"] == ("sqlite" if source.sqlalchemy_url.startswith("sqlite")
                                else "postgresql")
    assert info["tables"]["user_account"] == len(before["user_account"])
    assert info["tables"]["report"] == 2 and info["alembic_revision"]
    manifest = (dest / "media-manifest.tsv").read_text().splitlines()
    assert manifest[0] == "path\tsize\tsha256"
    assert {line.split("\t")[0] for line in manifest[1:]} == set(stored)  # no incoming/, .part
    for key in stored:  # same file system: hard links, not copies
        assert (dest / "media" / key).stat().st_ino == (source.media_path / key).stat().st_ino
    assert not (dest / "database.sqlite3-wal").exists()

    restore = cli_for(empty_target)
    out = restore("restore", str(dest)).output
    assert "restore verified: 0 problem(s)" in out
    assert every_row(empty_target.sqlalchemy_url) == before
    assert media_bytes(empty_target.media_path) == stored
    for key in stored:  # the restored store owns its files
        assert (empty_target.media_path / key).stat().st_ino != (dest / "media" / key).stat().st_ino

    refused = restore("restore", str(dest), ok=False)
    assert refused.exit_code == 1 and "not empty" in refused.output
    assert "0 problem(s)" in restore("restore", str(dest), "--force").output
    assert every_row(empty_target.sqlalchemy_url) == before


def test_corrupted_media_fails_restore(runtime: Runtime, tmp_path: Path) -> None:
    stored = fill(runtime)
    runtime.dispose()
    dest = tmp_path / "backup"
    cli_for(runtime.settings)("backup", str(dest), "--copy")
    bad, good = sorted(stored)
    copy = dest / "media" / bad
    assert copy.stat().st_ino != (runtime.settings.media_path / bad).stat().st_ino
    flipped = bytearray(copy.read_bytes())
    flipped[100] ^= 0xFF
    copy.write_bytes(bytes(flipped))
    (dest / "media" / good).unlink()

    target = make_settings(tmp_path / "restored")
    result = cli_for(target)("restore", str(dest), ok=False)
    assert result.exit_code == 1
    assert f"media {bad}: sha256 differs from the manifest" in result.output
    assert f"media {good}: missing from the backup" in result.output
    assert "restore FAILED: 2 problem(s)" in result.output


def test_manifest_only(runtime: Runtime, tmp_path: Path) -> None:
    stored = fill(runtime)
    runtime.dispose()
    dest = tmp_path / "backup"
    done = json.loads(cli_for(runtime.settings)("backup", str(dest), "--no-media",
                                                "--json").output)
    assert done["media_files"] == 2 and not (dest / "media").exists()
    # The site's own media copy comes back first; restore then checks it against the manifest.
    target = make_settings(tmp_path / "restored")
    for key, data in stored.items():
        (target.media_path / key).parent.mkdir(parents=True, exist_ok=True)
        (target.media_path / key).write_bytes(data)
    result = json.loads(cli_for(target)("restore", str(dest), "--json").output)
    assert result["problems"] == [] and result["media_files"] == 2
