"""Domain exceptions: raised by services, mapped to HTTP codes only in ``web/``.

Each error carries an English message template and its parameters, so the web layer and
the CLI can show it in the user's language (see ``station.i18n``) without parsing text.
"""

from __future__ import annotations

from typing import Any

from station.messages import Message


class StationError(Exception):
    """Base of every error a user may see; its message is safe to show as is.

    The message is a ``station.messages.Message``: the same rules render an error, a note
    or a finding in the reader's language.
    """

    http_status = 400
    retryable = True  # a job that failed with this error may succeed when run again

    def __init__(self, message: str, **params: Any) -> None:
        self.text = Message(message, **params)
        super().__init__(str(self.text))

    @property
    def template(self) -> str:
        return self.text.template

    @property
    def params(self) -> dict[str, Any]:
        return self.text.params

    def message(self, lang: str = "en") -> str:
        """Render the message in ``lang`` (falls back to English)."""
        return self.text.message(lang)


class ValidationError(StationError):
    """Input that cannot be accepted as given."""


class NotFound(StationError):
    """A row the caller asked for does not exist (or is not theirs to see)."""

    http_status = 404


class PermissionDenied(StationError):
    """The acting user's role does not allow the action."""

    http_status = 403


class Conflict(StationError):
    """Someone else changed the row first; the caller must reload, never overwrite."""

    http_status = 409


class WorkflowError(StationError):
    """A status change the workflow does not allow."""

    http_status = 409


class MediaError(StationError):
    """Media that cannot be ingested: corrupt, empty, too large or of the wrong kind."""

    http_status = 422


class TooLarge(MediaError):
    """An upload over the configured size limit."""

    http_status = 413


class JobError(StationError):
    """A background job that cannot be queued, retried or cancelled as asked."""

    http_status = 409
