"""Delivery's reactions to other domains' events (station/events.py)."""

from __future__ import annotations

from typing import Any

from delivery import services
from station.events import on


@on("track.approved")
def build_for_partners(session: Any, *, actor: Any, track: Any) -> None:
    """A partner that asked for automatic builds gets its package as soon as it is ready."""
    services.auto_build(session, track.report_id, actor=actor)
