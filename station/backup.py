"""`station backup` / `station restore`: a consistent database copy plus the media store.

A backup is a folder (docs/operations.md "Backup and restore"):

    backup.json          Station version, Alembic revision, database kind, created UTC, row counts
    database.sqlite3     SQLite: the online backup API's copy (consistent while the app runs)
    database.pgdump      PostgreSQL: ``pg_dump --format=custom``
    media-manifest.tsv   path <TAB> size <TAB> sha256 of every file of the media store
    media/               the files (hard links on the same file system), unless --no-media

The kernel knows no domain: tables are read from the database itself, not from the models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, func, inspect, select
from sqlalchemy.engine import make_url

import station
from station import migrate
from station.config import Settings
from station.db import make_engine
from station.errors import ValidationError

MANIFEST = "media-manifest.tsv"
INFO = "backup.json"
MEDIA_DIR = "media"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
# Not part of the store: uploads waiting for ingest, job scratch folders, half-written files.
SKIP_DIRS = {"incoming", "work"}
SKIP_SUFFIXES = (".part", ".tmp")
CHUNK = 1024 * 1024


@dataclass
class BackupResult:
    path: Path
    info: dict[str, Any]
    media_files: int = 0
    media_bytes: int = 0
    linked: int = 0
    copied: int = 0


@dataclass
class RestoreResult:
    info: dict[str, Any]
    media_files: int = 0
    restored: int = 0
    problems: list[str] = field(default_factory=list)


# ---- helpers ---------------------------------------------------------------------------

def database_kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, absolute path) of every stored file, sorted, skipping scratch."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == root:
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(SKIP_SUFFIXES):
                continue
            path = here / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, for every table the database holds (alembic_version included)."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in sorted(meta.tables.items())}


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq connection options and environment (password via PGPASSWORD, not argv)."""
    parts = make_url(url)
    args = []
    if parts.host:
        args += ["--host", parts.host]
    if parts.port:
        args += ["--port", str(parts.port)]
    if parts.username:
        args += ["--username", parts.username]
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise ValidationError(
            "{tool} is not installed (Debian: postgresql-client-NN matching the server)",
            tool=argv[0]) from exc
    except subprocess.CalledProcessError as exc:
        raise ValidationError("{tool} failed: {error}", tool=argv[0],
                              error=(exc.stderr or "").strip()[-2000:]) from exc


def _pg_dump(url: str, out: Path) -> dict[str, int]:
    """pg_dump one snapshot, and count the rows of that very snapshot (exported to pg_dump),
    so the counts restore checks against are the dump's own, however busy the station."""
    args, env = _pg_args(url)
    dbname = make_url(url).database or ""
    engine = make_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(out),
                  *args, dbname], env)
            meta = MetaData()
            meta.reflect(conn)
            counts = {name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
                      for name, table in sorted(meta.tables.items())}
            conn.rollback()
    finally:
        engine.dispose()
    return counts


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValidationError("Cannot back up an in-memory SQLite database")
    return Path(database)


# ---- backup ----------------------------------------------------------------------------

def backup(settings: Settings, dest: Path, *, with_media: bool = True, link: bool = True,
           log: Callable[[str], None] = lambda _: None) -> BackupResult:
    """Write a backup folder at ``dest`` (which must not exist or be empty)."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise ValidationError("{path} is not empty: choose a new folder", path=str(dest))
    dest.mkdir(parents=True, exist_ok=True)
    url = settings.sqlalchemy_url
    kind = database_kind(url)

    # The database first: every media file it refers to was stored before its row was
    # committed, and stored files are never rewritten, so the media taken after it match.
    counts, counts_url = _backup_database(url, kind, dest, log)
    result = BackupResult(path=dest, info={})
    _backup_media(settings.media_path, dest, result, with_media=with_media, link=link)
    log(f"media: {result.media_files} files, {result.media_bytes} bytes in {MANIFEST}"
        + (f"; {result.linked} hard-linked, {result.copied} copied into {MEDIA_DIR}/"
           if with_media else "; files not copied (--no-media)"))
    result.info = {
        "station_version": station.__version__,
        "alembic_revision": migrate.current(counts_url),
        "database": kind,
        "database_file": SQLITE_FILE if kind == "sqlite" else PG_FILE,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "media": with_media,
        "media_files": result.media_files,
        "media_bytes": result.media_bytes,
        "tables": counts,
    }
    (dest / INFO).write_text(json.dumps(result.info, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    log(f"wrote {dest / INFO}: revision {result.info['alembic_revision']}, "
        f"{sum(counts.values())} rows in {len(counts)} tables")
    return result


def _backup_database(url: str, kind: str, dest: Path,
                     log: Callable[[str], None]) -> tuple[dict[str, int], str]:
    """Copy the database into dest (SQLite's online backup, or pg_dump); returns the copy's
    row counts per table and the URL to read its Alembic revision from."""
    if kind == "sqlite":
        with sqlite3.connect(_sqlite_path(url)) as src, \
                sqlite3.connect(dest / SQLITE_FILE) as dst:
            src.backup(dst)
        src.close()
        dst.close()
        counts_url = f"sqlite:///{dest / SQLITE_FILE}"
        log(f"database: SQLite online backup -> {SQLITE_FILE}")
        engine = create_engine(counts_url)  # plain: make_engine would turn the copy to WAL
        try:
            counts = table_counts(engine)
        finally:
            engine.dispose()
    else:
        counts = _pg_dump(url, dest / PG_FILE)
        counts_url = url
        log(f"database: pg_dump --format=custom -> {PG_FILE}")
    return counts, counts_url


def _backup_media(media_root: Path, dest: Path, result: BackupResult, *, with_media: bool,
                  link: bool) -> None:
    """List every stored media file with its size and sha256 in the manifest and, with
    with_media, hard-link (or else copy) it into dest; counts go onto result."""
    with (dest / MANIFEST).open("w", encoding="utf-8", newline="\n") as manifest:
        manifest.write("path\tsize\tsha256\n")
        for rel, path in media_files(media_root):
            size = path.stat().st_size
            manifest.write(f"{rel}\t{size}\t{sha256_file(path)}\n")
            result.media_files += 1
            result.media_bytes += size
            if with_media:
                target = dest / MEDIA_DIR / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if link:
                    try:
                        os.link(path, target)
                        result.linked += 1
                        continue
                    except OSError:  # another file system (EXDEV) or no hard links there
                        pass
                shutil.copy2(path, target)
                result.copied += 1


# ---- restore ---------------------------------------------------------------------------

def read_manifest(path: Path) -> list[tuple[str, int, str]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        next(fh, None)  # header
        for line in fh:
            rel, size, digest = line.rstrip("\n").split("\t")
            rows.append((rel, int(size), digest))
    return rows


def _safe_join(root: Path, rel: str) -> Path:
    target = (root / rel).resolve()
    if root.resolve() not in target.parents:
        raise ValidationError("Manifest path outside the media store: {path}", path=rel)
    return target


def database_is_empty(url: str) -> bool:
    engine = make_engine(url)
    try:
        if not inspect(engine).get_table_names():
            return True
        return not any(n for name, n in table_counts(engine).items() if name != "alembic_version")
    finally:
        engine.dispose()


def restore(settings: Settings, src: Path, *, force: bool = False,
            log: Callable[[str], None] = lambda _: None) -> RestoreResult:
    """Restore the database and media of backup ``src``, then verify both against it."""
    src = Path(src)
    info_file = src / INFO
    if not info_file.is_file():
        raise ValidationError("{path} is not a Station backup (no backup.json)", path=str(src))
    info = json.loads(info_file.read_text(encoding="utf-8"))
    url = settings.sqlalchemy_url
    kind = database_kind(url)
    if info["database"] != kind:
        raise ValidationError("The backup holds a {theirs} database; this instance uses {ours}",
                              theirs=info["database"], ours=kind)
    if kind == "sqlite":
        _sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
    if not force and not database_is_empty(url):
        raise ValidationError("The database is not empty: restore with --force to replace it")

    _restore_database(url, kind, src, log)
    result = RestoreResult(info=info)
    _restore_media(settings.media_path, src, info, result, log)
    _check_tables(url, info, result, log)
    revision = info.get("alembic_revision")
    if revision and revision not in migrate.heads():
        log(f"note: the backup is at revision {revision}; run `station db upgrade`")
    return result


def _restore_database(url: str, kind: str, src: Path, log: Callable[[str], None]) -> None:
    """Replace the live database with the backup's copy."""
    if kind == "sqlite":
        # SQLite's backup API copies the pages into the live file under its locks and
        # through its WAL, so no stale -wal/-shm file can outlive the swap.
        with sqlite3.connect(src / SQLITE_FILE) as source, \
                sqlite3.connect(_sqlite_path(url)) as target:
            source.backup(target)
        source.close()
        target.close()
        log(f"database: {SQLITE_FILE} copied into {_sqlite_path(url)}")
    else:
        args, env = _pg_args(url)
        dbname = make_url(url).database or ""
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              *args, "--dbname", dbname, str(src / PG_FILE)], env)
        log(f"database: pg_restore --clean --if-exists --no-owner {PG_FILE}")


def _restore_media(media_root: Path, src: Path, info: dict[str, Any], result: RestoreResult,
                   log: Callable[[str], None]) -> None:
    """Copy back each manifest file that differs (when the backup holds media), then check
    every one in place against its size and sha256; problems go onto result."""
    manifest = read_manifest(src / MANIFEST)
    result.media_files = len(manifest)
    copy_from = src / MEDIA_DIR if info.get("media", True) else None
    for rel, size, digest in manifest:
        target = _safe_join(media_root, rel)
        if copy_from is not None:
            source_file = copy_from / rel
            if not source_file.is_file():
                result.problems.append(f"media {rel}: missing from the backup")
                continue
            if not (target.is_file() and target.stat().st_size == size
                    and sha256_file(target) == digest):
                target.parent.mkdir(parents=True, exist_ok=True)
                part = target.with_name(target.name + ".part")
                shutil.copy2(source_file, part)
                os.replace(part, target)
                result.restored += 1
        if not target.is_file():
            result.problems.append(f"media {rel}: missing")
        elif target.stat().st_size != size:
            result.problems.append(
                f"media {rel}: {target.stat().st_size} bytes, the manifest says {size}")
        elif sha256_file(target) != digest:
            result.problems.append(f"media {rel}: sha256 differs from the manifest")
    log(f"media: {result.restored} of {result.media_files} files copied into {media_root}"
        if copy_from is not None else
        f"media: not in the backup (--no-media); checked {result.media_files} files in place")


def _check_tables(url: str, info: dict[str, Any], result: RestoreResult,
                  log: Callable[[str], None]) -> None:
    """Compare the restored database's row counts with the backup's; problems onto result."""
    engine = make_engine(url)
    try:
        counts = table_counts(engine)
    finally:
        engine.dispose()
    for name, expected in info["tables"].items():
        found = counts.get(name)
        if found is None:
            result.problems.append(f"table {name}: missing")
        elif found != expected:
            result.problems.append(f"table {name}: {found} rows, the backup had {expected}")
    log(f"database: {sum(counts.values())} rows in {len(counts)} tables checked")
