"""How the export writes files: atomically, hard-linked from the media store, one at a time.

A web server may be serving the folder while it is exported, so no reader ever sees half a
file: each file is written beside its place and renamed over it. Media are hard links to the
store when it is on the same file system (no copy at all), else copies; a file already in
place with the same size and source is left alone (docs/publishing.md "Export").
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".station-export.lock"


@contextlib.contextmanager
def export_lock(out_dir: Path) -> Iterator[None]:
    """Two exports of one folder take turns: the second waits for the first to finish."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _temp_for(dst: Path) -> Path:
    return dst.with_name(f".{dst.name}.{uuid.uuid4().hex[:8]}.tmp")


def write_bytes(dst: Path, data: bytes) -> bool:
    """Write dst atomically; False (and nothing written) when it already holds data."""
    try:
        if dst.stat().st_size == len(data) and dst.read_bytes() == data:
            return False
    except OSError:
        pass
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_for(dst)
    try:
        tmp.write_bytes(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def place_file(src: Path, dst: Path) -> bool:
    """Put src at dst as a hard link (same file system) or a copy; False when already there.

    Already there: the same inode (an earlier link), or, for a copy, the same size and a
    modification time no older than the source's.
    """
    try:
        have = dst.stat()
        want = src.stat()
        if have.st_ino == want.st_ino and have.st_dev == want.st_dev:
            return False
        if have.st_size == want.st_size and have.st_mtime >= want.st_mtime:
            return False
    except OSError:
        pass
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_for(dst)
    try:
        try:
            os.link(src, tmp)
        except OSError:  # another file system, or links not allowed: copy
            shutil.copyfile(src, tmp)
            os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def remove_tree(path: Path) -> bool:
    """Delete a report's folder (unpublished): renamed away first, so it vanishes at once."""
    if not path.exists():
        return False
    gone = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.gone")
    os.replace(path, gone)
    shutil.rmtree(gone, ignore_errors=True)
    return True


def prune(folder: Path, keep: set[str]) -> int:
    """Delete the files of folder that are not in keep (a language withdrawn, a stale feed)."""
    removed = 0
    if not folder.is_dir():
        return removed
    for child in folder.iterdir():
        if child.is_file() and child.name not in keep and not child.name.startswith("."):
            child.unlink(missing_ok=True)
            removed += 1
    return removed
