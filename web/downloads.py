"""Serving package files to partners (portal and API alike): HTTP Range, ETag, a log row.

A file is found by its exact name in the package's own file list, never by joining a
requested path onto a folder, so "../" or an absolute path can only ever be "not found".
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, request, send_file
from werkzeug.wrappers import Response

from delivery import services
from delivery.models import ApiToken, Package
from production.storage import MediaStore
from station.accounts import User
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


def _range_start() -> int:
    ranges = request.range
    if ranges is None or not ranges.ranges:
        return 0
    start = ranges.ranges[0][0]
    return max(0, start) if start is not None else 0


def serve(package: Package, name: str, *, user: User | None = None,
          token: ApiToken | None = None, inline: bool = False) -> Response:
    """Send one file of the package (resumable), and log the partner's download (a preview in
    the portal's player is not a download, and staff opening a package are not the partner:
    neither is logged; see ``services.record_download``)."""
    path, download_name, sha256, mimetype = package_path(package, name)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mimetype, conditional=True, as_attachment=not inline,
                         download_name=download_name, etag=sha256 or True, max_age=0)
    response.headers["Accept-Ranges"] = "bytes"
    if sha256:
        # RFC 3230 digest of the whole file, so a client can check what it assembled.
        response.headers["X-Checksum-SHA256"] = sha256
    if response.status_code in (200, 206) and request.method == "GET" and not inline:
        services.record_download(db(), package, name, user=user, token=token,
                                 range_start=_range_start() if response.status_code == 206 else 0,
                                 size=response.content_length or 0,
                                 remote_addr=request.remote_addr)
        commit()
    return response
