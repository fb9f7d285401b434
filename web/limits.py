"""How big a request may be, per route, and reading an uploaded file without trusting its size.

Every request gets a body limit before anything reads the body (issue 12): JSON calls under
/api/ a small one, forms a moderate one, and a view decorated with ``@limit(...)`` its own (the
master upload keeps the app's big ``MAX_CONTENT_LENGTH``). Werkzeug enforces it: a declared
``Content-Length`` over the limit is refused before a byte is read, a streamed body as soon as
it passes the limit; both become 413 with the limit named (web/errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Request, current_app, g, request
from werkzeug.datastructures import FileStorage

from station.errors import TooLarge
from station.text import human_size

F = TypeVar("F", bound=Callable[..., Any])

JSON_BODY_MAX = 64_000  # a cue save is a few hundred bytes; a split/merge/comment too
FORM_BODY_MAX = 2_000_000  # the biggest form field (glossary, notes) is well under this
FORM_SLACK = 64_000  # a file upload's form: the other fields, the multipart boundaries
CHUNK = 64 * 1024
UPLOAD = -1  # ``@limit(UPLOAD)``: the app's upload limit (MAX_CONTENT_LENGTH)


def limit(body: int, *, file: int | None = None) -> Callable[[F], F]:
    """Give a view its own body limit; ``file`` is the file size to name in the 413 message."""

    def mark(view: F) -> F:
        view.body_limit = (body, file)  # type: ignore[attr-defined]
        return view

    return mark


def _limits_for_request() -> tuple[int | None, int | None]:
    """(body limit in bytes or None for the app's, file size to name in a 413 or None)."""
    view = current_app.view_functions.get(request.endpoint or "")
    marked = getattr(view, "body_limit", None)
    if marked is not None:
        body, file = marked
        if body == UPLOAD:
            from web.app import runtime

            return None, runtime().settings.upload_max_bytes
        return body, file
    if request.path.startswith("/api/"):
        return JSON_BODY_MAX, None
    return FORM_BODY_MAX, None


class StationRequest(Request):
    """Closes every upload temp file it opened, also those of a form whose parsing stopped
    at the limit (Werkzeug only closes the files of a form it finished parsing)."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> Any:
        stream = super()._get_file_stream(total_content_length, content_type, filename,
                                          content_length)
        self.__dict__.setdefault("_opened_uploads", []).append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self.__dict__.pop("_opened_uploads", []):
            stream.close()


def init_app(app: Flask) -> None:
    """Register the hook; call before anything that reads forms (CSRF) registers its own."""
    app.request_class = StationRequest

    @app.before_request
    def set_body_limit() -> None:
        body, file = _limits_for_request()
        if body is not None:
            request.max_content_length = body
        g.file_limit = file


def body_limit() -> int | None:
    """The limit in force for this request (for the 413 message)."""
    return request.max_content_length


def file_limit() -> int | None:
    """The file size a limited upload view names in its 413 message, if any."""
    return g.get("file_limit")


def read_upload(upload: FileStorage, max_bytes: int) -> bytes:
    """The uploaded file's bytes, read in chunks; refused as soon as it passes ``max_bytes``
    (the rest is never read into memory)."""
    parts: list[bytes] = []
    total = 0
    while chunk := upload.stream.read(CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise TooLarge("The file is {size}, over the limit of {limit}",
                           size=f"> {human_size(max_bytes)}", limit=human_size(max_bytes))
        parts.append(chunk)
    return b"".join(parts)
