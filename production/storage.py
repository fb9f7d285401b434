"""Content-addressed media store: a file's path is its sha256, so a copy is never stored twice.

The database keeps metadata only; files are written under a temporary name and renamed
into place, so a crash never leaves a half-written file at a real key.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
CHUNK = 4 * 1024 * 1024


def sha256_file(path: Path, on_progress: Callable[[int], None] | None = None) -> str:
    """Hash a file in chunks (masters are gigabytes); report bytes read as it goes."""
    digest = hashlib.sha256()
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if on_progress is not None:
                on_progress(done)
    return digest.hexdigest()


class MediaStore:
    """Files under ``root/ab/cd/<sha256>.<ext>``, addressed by a relative storage key."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @staticmethod
    def key_for(sha256: str, ext: str) -> str:
        ext = ext.lower().lstrip(".")
        suffix = f".{ext}" if ext and ext.isalnum() and len(ext) <= 8 else ""
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"

    def path(self, key: str) -> Path:
        """Absolute path of a key; refuses keys that would leave the store."""
        candidate = (self.root / key).resolve()
        if self.root.resolve() not in candidate.parents:
            raise ValueError(f"storage key outside the media root: {key!r}")
        return candidate

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def put(self, src: Path, sha256: str, ext: str, *, move: bool = True) -> str:
        """Store ``src`` under its hash and return the key (an identical file is kept once)."""
        key = self.key_for(sha256, ext)
        dst = self.path(key)
        if dst.is_file():
            if move:
                src.unlink(missing_ok=True)
            return key
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(dst.name + ".part")
        if move:
            try:
                os.replace(src, tmp)
            except OSError:  # another file system: copy, then drop the source
                shutil.copyfile(src, tmp)
                src.unlink(missing_ok=True)
        else:
            shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
        return key

    def delete(self, key: str) -> None:
        """Remove a stored file (callers first check that no row still refers to it)."""
        try:
            self.path(key).unlink(missing_ok=True)
        except (OSError, ValueError):
            log.exception("could not delete stored media %s", key)
