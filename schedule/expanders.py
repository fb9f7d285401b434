"""Slots that stand for several media items: a news bulletin airs as one slot, and the
playout plays its running order item by item (docs/planning.md "On air").

Why a registry and not an event or an import: the schedule must not import ``planning``
(planning sits above it, docs/architecture.md), and an event (``station/events.py``) is a
reaction that returns nothing, while the playlist needs an answer: which items replace the
slot. So the schedule keeps this registry of expanders, a higher domain registers into it
when its module is imported, and the module is found through the ``station.slot_expanders``
entry point, loaded on the first expansion (as ``station.events`` handlers are).

An expander takes the session and the day's slots and returns, for the slots it owns, the
slots to play in their place: unsaved ``Slot`` rows, back to back inside the owning slot,
with negative ids (they are never flushed; the id only keys the playlist's file lengths).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from schedule.models import Slot
from station.registry import Registry

Expander = Callable[[Session, Sequence[Slot]], dict[int, list[Slot]]]
PIECE_ID_BASE = 1000  # a piece's id is -(owner id * PIECE_ID_BASE + its index + 1)

EXPANDERS: Registry[Expander] = Registry()
_loaded = False


def register(name: str) -> Callable[[Expander], Expander]:
    """Decorator: ``fn(session, slots) -> {slot id: the slots to play instead}``."""
    return EXPANDERS.decorator(name)


def expand(session: Session, slots: Sequence[Slot]) -> list[Slot]:
    """The slots as the playout plays them: each expanded slot replaced by its items."""
    global _loaded
    if not _loaded:
        from station import plugins

        for entry in plugins.entries("station.slot_expanders"):
            entry.load()
        _loaded = True
    replaced: dict[int, list[Slot]] = {}
    for expander in EXPANDERS.values():
        replaced.update(expander(session, slots))
    if not replaced:
        return list(slots)
    return [piece for slot in slots for piece in replaced.get(slot.id, [slot])]


def piece_id(owner_id: int, index: int) -> int:
    """The id of the ``index``-th piece of slot ``owner_id`` (negative: never a row's)."""
    return -(owner_id * PIECE_ID_BASE + index + 1)


def owner_id(slot_id: int) -> int:
    """The slot a piece stands in for (a real slot's id is its own)."""
    return slot_id if slot_id > 0 else (-slot_id - 1) // PIECE_ID_BASE
