"""Serving package files to partners (portal and API alike): HTTP Range, ETag, a log row.

A file is found by its exact name in the package's own file list, never by joining a
requested path onto a folder, so "../" or an absolute path can only ever be "not found".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import abort, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import http_date, quote_etag
from werkzeug.wrappers import Response

from delivery import portal, services
from delivery.models import ApiToken, Package
from production.storage import MediaStore
from station.accounts import User
from web import conditional
from web.app import commit, db, runtime

MIMETYPES = {"mp4": "video/mp4", "wav": "audio/wav", "mp3": "audio/mpeg",
             "srt": "application/x-subrip", "webvtt": "text/vtt", "vtt": "text/vtt",
             "ttml": "application/ttml+xml", "txt": "text/plain", "json": "application/json",
             "html": "text/html", "zip": "application/zip"}


def package_path(package: Package, name: str) -> tuple[Path, str, str | None, str]:
    """(file on disk, download name, sha256, mimetype) of the archive or one payload file."""
    store = MediaStore(runtime().settings.media_path)
    archive = services.archive_name(package)
    if archive is not None and name == archive:
        assert package.archive_key is not None
        return store.path(package.archive_key), archive, package.sha256, MIMETYPES["zip"]
    entry = package.file(name)
    if entry is None or not package.storage_key:
        abort(404)
    ext = name.rsplit(".", 1)[-1].lower()
    mimetype = MIMETYPES.get(entry.get("format") or ext, MIMETYPES.get(ext,
                                                                        "application/octet-stream"))
    return (store.path(f"{package.storage_key}/{entry['path']}"), Path(name).name,
            entry.get("sha256"), mimetype)


def _validators(path: Path, sha256: str | None) -> conditional.Validators:
    stat = path.stat()
    modified = dt.datetime.fromtimestamp(int(stat.st_mtime), dt.UTC)
    # The payload's SHA-256 is the strong tag a client can also check the bytes against;
    # a file without one (never, for a built package) is tagged by its size and time.
    return conditional.Validators(sha256 or f"{stat.st_size:x}-{stat.st_mtime_ns:x}",
                                  modified, stat.st_size)


def serve(package: Package, name: str, *, user: User | None = None,
          token: ApiToken | None = None, inline: bool = False) -> Response:
    """Send one file of the package, resumable and conditional exactly as RFC 9110 says
    (web/conditional.py), and log the partner's download (a preview in the portal's player is
    not a download, and staff opening a package are not the partner: neither is logged; see
    ``portal.record_download``)."""
    path, download_name, sha256, mimetype = package_path(package, name)
    if not path.is_file():
        abort(404)
    file = _validators(path, sha256)
    decision = conditional.evaluate(request.method, request.headers, file)
    validators = {"ETag": quote_etag(file.etag), "Last-Modified": http_date(file.last_modified),
                  "Cache-Control": "no-cache", "Accept-Ranges": "bytes"}
    if decision.status == conditional.PRECONDITION_FAILED:
        return Response(status=412, headers=validators)  # no body: the file was not sent
    if decision.status == conditional.NOT_MODIFIED:
        return Response(status=304, headers=validators)
    if decision.status == conditional.RANGE_NOT_SATISFIABLE:
        raise RequestedRangeNotSatisfiable(length=file.size)  # Content-Range: bytes */size
    response = send_file(path, mimetype=mimetype, conditional=False, as_attachment=not inline,
                         download_name=download_name, max_age=0)
    response.headers.update(validators)
    if decision.status == conditional.PARTIAL:
        # Werkzeug slices the file; it sees only the one range decided above (no If-*).
        environ = {k: v for k, v in request.environ.items() if not k.startswith("HTTP_IF_")}
        environ["HTTP_RANGE"] = f"bytes={decision.start}-{decision.end}"
        response.make_conditional(environ, accept_ranges=True, complete_length=file.size)
    if sha256:
        # RFC 3230 digest of the whole file, so a client can check what it assembled.
        response.headers["X-Checksum-SHA256"] = sha256
    if request.method == "GET" and not inline:
        portal.record_download(db(), package, name, user=user, token=token,
                                 range_start=decision.start if decision.status == 206 else 0,
                                 size=decision.length, remote_addr=request.remote_addr)
        commit()
    return response
