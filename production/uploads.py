"""Resumable uploads of masters, for a provincial link that drops and a laptop that closes.

A 4 GB master over a mountain province's line takes an hour and rarely gets through in one
request. So the browser (or `curl`) sends it in chunks: it opens an upload (name and size),
sends chunks at the offset the server has, asks for that offset again after any failure (a
dropped connection, a reload, the next morning) and carries on from there; each chunk may
carry its SHA-256, checked before it is written. Only when every byte is there does *finish*
check the size (and the whole file's SHA-256 when the client knows it), hand the file to
ingest and forget the upload: a master is never half-ingested (docs/operations.md "Uploads").

The protocol borrows tus's ideas (an offset the server owns, 409 on a wrong one) without its
library: three small routes, no new dependency, the same auth and CSRF as the rest of the
desk. State lives beside the data, in the upload folder: ``<token>.part`` (the bytes so far)
and ``<token>.json`` (who, for which report, name, size); nothing in the database until ingest.
Pure file handling, no Flask.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from station.errors import Conflict, NotFound, PermissionDenied, TooLarge, ValidationError
from station.text import file_name, human_size

CHUNK_MAX = 16 * 1024 * 1024  # the most one request may carry (the browser sends 8 MB)
KEEP_DAYS = 7  # an upload untouched this long is given up and its bytes removed
DISK_SLACK = 1024**3  # leave this much free beyond the file (ingest writes a proxy too)
_TOKEN = set("0123456789abcdef")


@dataclass(frozen=True)
class Upload:
    """One upload in progress, as the client sees it."""

    token: str
    report_id: int
    user_id: int
    name: str
    size: int
    offset: int
    created_at: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _folder(upload_path: Path) -> Path:
    folder = upload_path / "resumable"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _paths(upload_path: Path, token: str) -> tuple[Path, Path]:
    if len(token) != 32 or not set(token) <= _TOKEN:
        raise NotFound("No upload {token}", token=token[:40])
    folder = _folder(upload_path)
    return folder / f"{token}.part", folder / f"{token}.json"


def _load(upload_path: Path, token: str, user_id: int, *, admin: bool = False) -> Upload:
    part, meta = _paths(upload_path, token)
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        raise NotFound("No upload {token}: it was finished, cancelled or given up after "
                       "{days} days; start again", token=token, days=KEEP_DAYS) from None
    if data["user_id"] != user_id and not admin:
        raise PermissionDenied("This upload was started by someone else")
    offset = part.stat().st_size if part.exists() else 0
    return Upload(token=token, offset=offset, **data)


@contextmanager
def _locked(upload_path: Path, token: str) -> Iterator[None]:
    """One writer per upload, across the web processes (two tabs resuming the same file)."""
    part, _meta = _paths(upload_path, token)
    with open(part.with_suffix(".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start(upload_path: Path, *, report_id: int, user_id: int, name: str, size: int,
          max_bytes: int) -> Upload:
    """Open an upload of ``size`` bytes; refused at once when it could never fit."""
    sweep(upload_path)
    if size <= 0:
        raise ValidationError("The file is empty")
    if size > max_bytes:
        raise TooLarge("The file is {size}, over the limit of {limit}", size=human_size(size),
                       limit=human_size(max_bytes))
    free = shutil.disk_usage(_folder(upload_path)).free
    if free < size + DISK_SLACK:
        raise TooLarge("Not enough disk space for {size}: {free} free; ask the administrator",
                       size=human_size(size), free=human_size(free))
    token = secrets.token_hex(16)
    part, meta = _paths(upload_path, token)
    part.touch()
    upload = Upload(token=token, report_id=report_id, user_id=user_id,
                    name=file_name(name, fallback="master"), size=size, offset=0,
                    created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    data = upload.as_dict()
    del data["token"], data["offset"]
    meta.write_text(json.dumps(data), encoding="utf-8")
    return upload


def status(upload_path: Path, token: str, *, user_id: int, admin: bool = False) -> Upload:
    return _load(upload_path, token, user_id, admin=admin)


def append(upload_path: Path, token: str, offset: int, chunk: bytes, *, user_id: int,
           sha256: str | None = None) -> Upload:
    """Write ``chunk`` at ``offset``, which must be where the file ends (else 409 naming the
    right offset, so the client continues from there); a chunk whose SHA-256 differs from
    the one sent was damaged on the way and is refused, the file unchanged."""
    if len(chunk) > CHUNK_MAX:
        raise TooLarge("A chunk may be at most {limit}", limit=human_size(CHUNK_MAX))
    if sha256 is not None and hashlib.sha256(chunk).hexdigest() != sha256.strip().lower():
        raise ValidationError("The chunk at byte {offset} arrived damaged (SHA-256 differs); "
                              "send it again", offset=offset)
    with _locked(upload_path, token):
        upload = _load(upload_path, token, user_id)
        if offset != upload.offset:
            raise Conflict("The server has {have} bytes of this file, not {offset}: continue "
                           "from {have}", have=upload.offset, offset=offset)
        if upload.offset + len(chunk) > upload.size:
            raise ValidationError("The chunk goes past the file's size ({size} bytes)",
                                  size=upload.size)
        part, _meta = _paths(upload_path, token)
        with open(part, "ab") as out:
            out.write(chunk)
            out.flush()
            os.fsync(out.fileno())  # an acknowledged chunk survives a crash of the server
        return _load(upload_path, token, user_id)


def finish(upload_path: Path, token: str, *, user_id: int,
           sha256: str | None = None) -> tuple[Upload, str, str]:
    """Check the whole file and move it where ingest takes uploads from; returns the upload,
    the staged file's name (for ``services.queue_ingest``) and the file's SHA-256. The upload
    itself is kept until :func:`forget`: if ingest cannot be queued, :func:`restore` puts the
    bytes back, so a refusal never costs the hour the file took to arrive."""
    with _locked(upload_path, token):
        upload = _load(upload_path, token, user_id)
        if upload.offset != upload.size:
            raise Conflict("The upload is not complete: {have} of {size} bytes",
                           have=upload.offset, size=upload.size)
        part, _meta = _paths(upload_path, token)
        digest = hashlib.sha256()
        with open(part, "rb") as handle:
            while block := handle.read(1024 * 1024):
                digest.update(block)
        whole = digest.hexdigest()
        if sha256 is not None and sha256.strip().lower() != whole:
            raise ValidationError("The file arrived damaged: its SHA-256 is {got}, not "
                                  "{expected}; cancel and send it again", got=whole,
                                  expected=sha256.strip().lower()[:64])
        staged = f"{uuid.uuid4().hex}.upload"
        os.replace(part, upload_path / staged)
    return upload, staged, whole


def restore(upload_path: Path, token: str, staged: str) -> None:
    """Undo :func:`finish` (ingest was refused): the bytes go back to the upload."""
    part, _meta = _paths(upload_path, token)
    os.replace(upload_path / staged, part)


def forget(upload_path: Path, token: str) -> None:
    """The file went to ingest: the upload's own records go."""
    part, meta = _paths(upload_path, token)
    meta.unlink(missing_ok=True)
    part.with_suffix(".lock").unlink(missing_ok=True)


def cancel(upload_path: Path, token: str, *, user_id: int, admin: bool = False) -> None:
    """Give up an upload and free its disk space."""
    _load(upload_path, token, user_id, admin=admin)
    part, meta = _paths(upload_path, token)
    for path in (meta, part, part.with_suffix(".lock")):
        path.unlink(missing_ok=True)


def sweep(upload_path: Path, *, now: float | None = None) -> int:
    """Remove uploads untouched for KEEP_DAYS; returns how many."""
    cutoff = (time.time() if now is None else now) - KEEP_DAYS * 86400
    removed = 0
    for meta in _folder(upload_path).glob("*.json"):
        part = meta.with_suffix(".part")
        last = max((p.stat().st_mtime for p in (meta, part) if p.exists()), default=0)
        if last < cutoff:
            for path in (meta, part, part.with_suffix(".lock")):
                path.unlink(missing_ok=True)
            removed += 1
    return removed
