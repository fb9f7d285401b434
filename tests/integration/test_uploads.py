"""Resumable uploads (production/uploads.py and their routes): a master sent in chunks over a
link that drops continues where the server stopped, damaged chunks and files are refused,
nothing is ingested before every byte is there, and nothing that arrived is lost when ingest
cannot start yet."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from production import uploads
from station.errors import Conflict, NotFound, PermissionDenied, TooLarge, ValidationError
from station.jobs import JobRun
from station.runtime import Runtime
from tests.conftest import csrf_token, login

DATA = os.urandom(300_000)


def test_chunks_resume_from_the_servers_offset(tmp_path: Path) -> None:
    up = uploads.start(tmp_path, report_id=1, user_id=7, name="Phóng sự\n.mp4",
                       size=len(DATA), max_bytes=10**9)
    assert up.offset == 0 and up.name == "Phóng sự .mp4"
    first = uploads.append(tmp_path, up.token, 0, DATA[:100_000], user_id=7,
                           sha256=hashlib.sha256(DATA[:100_000]).hexdigest())
    assert first.offset == 100_000
    # The link dropped after the server wrote the chunk: the client sends it again.
    with pytest.raises(Conflict, match="has 100000 bytes"):
        uploads.append(tmp_path, up.token, 0, DATA[:100_000], user_id=7)
    assert uploads.status(tmp_path, up.token, user_id=7).offset == 100_000
    with pytest.raises(ValidationError, match="damaged"):
        uploads.append(tmp_path, up.token, 100_000, DATA[100_000:200_000], user_id=7,
                       sha256=hashlib.sha256(b"other").hexdigest())
    assert uploads.status(tmp_path, up.token, user_id=7).offset == 100_000
    with pytest.raises(Conflict, match="not complete"):
        uploads.finish(tmp_path, up.token, user_id=7)
    uploads.append(tmp_path, up.token, 100_000, DATA[100_000:], user_id=7)
    with pytest.raises(ValidationError, match="past the file"):
        uploads.append(tmp_path, up.token, len(DATA), b"x", user_id=7)
    with pytest.raises(ValidationError, match="damaged"):
        uploads.finish(tmp_path, up.token, user_id=7, sha256="0" * 64)
    done, staged, digest = uploads.finish(tmp_path, up.token, user_id=7,
                                          sha256=hashlib.sha256(DATA).hexdigest())
    assert (tmp_path / staged).read_bytes() == DATA and digest == hashlib.sha256(DATA).hexdigest()
    assert (done.report_id, done.size) == (1, len(DATA))
    uploads.forget(tmp_path, up.token)
    with pytest.raises(NotFound):
        uploads.status(tmp_path, up.token, user_id=7)


def test_who_and_how_big(tmp_path: Path) -> None:
    with pytest.raises(TooLarge):
        uploads.start(tmp_path, report_id=1, user_id=7, name="a.mp4", size=2000, max_bytes=1000)
    with pytest.raises(TooLarge, match="disk space"):
        uploads.start(tmp_path, report_id=1, user_id=7, name="a.mp4", size=10**15,
                      max_bytes=10**16)
    with pytest.raises(ValidationError):
        uploads.start(tmp_path, report_id=1, user_id=7, name="a.mp4", size=0, max_bytes=10)
    up = uploads.start(tmp_path, report_id=1, user_id=7, name="a.mp4", size=10, max_bytes=10)
    with pytest.raises(PermissionDenied):
        uploads.append(tmp_path, up.token, 0, b"0123456789", user_id=8)
    assert uploads.status(tmp_path, up.token, user_id=8, admin=True).size == 10
    for bad in ("../../etc/passwd", "x" * 32, up.token.upper()):
        with pytest.raises(NotFound):
            uploads.status(tmp_path, bad, user_id=7)
    uploads.cancel(tmp_path, up.token, user_id=7)
    assert list((tmp_path / "resumable").iterdir()) == []


def test_stale_uploads_are_swept(tmp_path: Path) -> None:
    old = uploads.start(tmp_path, report_id=1, user_id=7, name="a.mp4", size=10, max_bytes=10)
    assert uploads.sweep(tmp_path, now=os.path.getmtime(tmp_path / "resumable") + 3600) == 0
    assert uploads.sweep(tmp_path, now=10**11) == 1
    with pytest.raises(NotFound):
        uploads.status(tmp_path, old.token, user_id=7)


def _editor_client(app: Any, make_user: Any) -> tuple[Any, Any, str]:
    editor = make_user("editor")
    client = app.test_client()
    login(client, editor.username)
    token = csrf_token(client.get("/reports").get_data(as_text=True))
    return client, editor, token


def test_routes_resume_and_queue_ingest_only_at_the_end(app: Any, runtime: Runtime,
                                                        make_user: Any,
                                                        make_report: Any) -> None:
    client, editor, csrf = _editor_client(app, make_user)
    report = make_report(editor, "Chợ phiên")
    head = {"X-CSRFToken": csrf, "Accept": "application/json"}
    started = client.post(f"/reports/{report.id}/uploads", json={"name": "cho.mp4",
                                                                  "size": len(DATA)},
                          headers=head)
    assert started.status_code == 201
    token = started.json["token"]
    put = client.put(f"/uploads/{token}", data=DATA[:120_000],
                     headers={**head, "Upload-Offset": "0",
                              "X-Chunk-SHA256": hashlib.sha256(DATA[:120_000]).hexdigest()})
    assert put.status_code == 200 and put.json["offset"] == 120_000
    stale = client.put(f"/uploads/{token}", data=DATA[:120_000],
                       headers={**head, "Upload-Offset": "0"})
    assert stale.status_code == 409 and stale.json["offset"] == 120_000
    assert client.get(f"/uploads/{token}", headers=head).json["offset"] == 120_000
    early = client.post(f"/uploads/{token}/finish", json={}, headers=head)
    assert early.status_code == 409
    with runtime.session() as session:
        assert session.scalars(select(JobRun)).all() == []  # nothing half-ingested
    client.put(f"/uploads/{token}", data=DATA[120_000:],
               headers={**head, "Upload-Offset": "120000"})
    done = client.post(f"/uploads/{token}/finish",
                       json={"sha256": hashlib.sha256(DATA).hexdigest()}, headers=head)
    assert done.status_code == 202 and done.json["job"]["kind"] == "ingest"
    with runtime.session() as session:
        job = session.get(JobRun, done.json["job"]["id"])
        assert job is not None
        staged = runtime.settings.upload_path / job.args["upload"]
    assert staged.read_bytes() == DATA
    # Another finish of the same upload finds nothing: it went to ingest once.
    assert client.post(f"/uploads/{token}/finish", json={}, headers=head).status_code == 404


def test_a_refused_ingest_keeps_the_bytes(app: Any, runtime: Runtime, make_user: Any,
                                          make_report: Any) -> None:
    client, editor, csrf = _editor_client(app, make_user)
    report = make_report(editor, "Hai bản")
    head = {"X-CSRFToken": csrf, "Accept": "application/json"}
    tokens = []
    for _ in range(2):
        token = client.post(f"/reports/{report.id}/uploads", json={"name": "a.mp4",
                                                                    "size": 1000},
                            headers=head).json["token"]
        client.put(f"/uploads/{token}", data=DATA[:1000], headers={**head, "Upload-Offset": "0"})
        tokens.append(token)
    assert client.post(f"/uploads/{tokens[0]}/finish", json={}, headers=head).status_code == 202
    # An ingest of this report is already queued: the second is refused, its file kept.
    refused = client.post(f"/uploads/{tokens[1]}/finish", json={}, headers=head)
    assert refused.status_code == 409, refused.json
    assert client.get(f"/uploads/{tokens[1]}", headers=head).json["offset"] == 1000
    translator = make_user("translator")
    other = app.test_client()
    login(other, translator.username)
    assert other.get(f"/uploads/{tokens[1]}", headers={"Accept": "application/json"}
                     ).status_code == 403
