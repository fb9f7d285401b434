"""Domain events: a lower domain says what happened, a higher one reacts, and neither the
kernel nor the lower domain imports the higher one (docs/architecture.md "Events").

Approving a subtitle track is a subtitles use case; building the partner's package that an
approval makes possible is delivery's. The approval service emits ``track.approved`` and
delivery's handler queues the build, so every way of approving (the workspace, the CLI, the
API, the demo) builds the same packages. Handlers run in the caller's transaction, before
its commit: what they queue is committed, or rolled back, with the approval itself.

Handler modules are found through the ``station.events`` entry points and imported on the
first emit; a handler's error propagates (a reaction that must never undo the action, like
an optional build, catches its own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from station.registry import Registry

Handler = Callable[..., Any]

HANDLERS: Registry[list[Handler]] = Registry()
_loaded = False


def on(event: str) -> Callable[[Handler], Handler]:
    """Decorator: call ``fn(session, *, actor, **payload)`` each time ``event`` is emitted."""

    def register(fn: Handler) -> Handler:
        handlers = HANDLERS.setdefault(event, [])
        if fn not in handlers:
            handlers.append(fn)
        return fn

    return register


def emit(session: Any, event: str, *, actor: Any, **payload: Any) -> None:
    """Run the handlers of ``event`` in registration order, in the session's transaction."""
    global _loaded
    if not _loaded:
        from station import plugins

        for entry in plugins.entries("station.events"):
            entry.load()
        _loaded = True
    for handler in HANDLERS.get(event, []):
        handler(session, actor=actor, **payload)
