"""The report workflow as data: statuses, allowed moves and who may make them (pure).

planned -> in_production -> editing -> review -> approved -> scheduled -> aired -> archived,
with the back-steps an editor takes when work must be redone.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = (
    "planned",
    "in_production",
    "editing",
    "review",
    "approved",
    "scheduled",
    "aired",
    "archived",
)

EDITORS = frozenset({"admin", "editor"})


@dataclass(frozen=True)
class Transition:
    """One allowed move, the roles that may make it, and whether a comment is required."""

    source: str
    target: str
    roles: frozenset[str]
    back_step: bool = False
    needs_master: bool = False

    @property
    def needs_comment(self) -> bool:
        """A back-step must say why, so the reporter knows what to redo."""
        return self.back_step


TRANSITIONS: tuple[Transition, ...] = (
    Transition("planned", "in_production", EDITORS),
    Transition("in_production", "editing", EDITORS),
    Transition("editing", "review", EDITORS, needs_master=True),
    Transition("review", "approved", EDITORS, needs_master=True),
    Transition("approved", "scheduled", EDITORS),
    Transition("scheduled", "aired", EDITORS),
    Transition("aired", "archived", EDITORS),
    # back-steps
    Transition("in_production", "planned", EDITORS, back_step=True),
    Transition("editing", "in_production", EDITORS, back_step=True),
    Transition("review", "editing", EDITORS, back_step=True),
    Transition("approved", "editing", EDITORS, back_step=True),
    Transition("scheduled", "approved", EDITORS, back_step=True),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def transition(source: str, target: str) -> Transition | None:
    """The allowed move from ``source`` to ``target``, or None."""
    return _BY_PAIR.get((source, target))


def moves_from(status: str, role: str | None = None) -> list[Transition]:
    """Moves out of ``status`` (only those ``role`` may make, when given), forward first."""
    found = [t for t in TRANSITIONS if t.source == status and (role is None or role in t.roles)]
    return sorted(found, key=lambda t: (t.back_step, STATUSES.index(t.target)))
