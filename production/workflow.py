"""The report workflow as data: statuses, allowed moves and who may make them (pure).

planned -> in_production -> editing -> review -> approved -> scheduled -> aired -> archived,
with the back-steps an editor takes when work must be redone.

A move also has gates: functions that look at the facts (media, loudness, subtitles, the
published schedule, the as-run log) and return the reasons a move may not be made yet. Each
domain registers the gates over its own facts (``register_gate``), in the module named by its
``station.gates`` entry point, so production never imports the domains above it. Moves to
"scheduled" and "aired" are ``automatic``: publishing a schedule and reconciling an as-run log
(or an explicit "mark aired") make them, never a button (docs/workflow.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from station.messages import render
from station.registry import Registry

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
    automatic: bool = False  # made by a fact (a published schedule, an as-run line), no button

    @property
    def needs_comment(self) -> bool:
        """A back-step must say why, so the reporter knows what to redo."""
        return self.back_step


TRANSITIONS: tuple[Transition, ...] = (
    Transition("planned", "in_production", EDITORS),
    Transition("in_production", "editing", EDITORS),
    Transition("editing", "review", EDITORS, needs_master=True),
    Transition("review", "approved", EDITORS, needs_master=True),
    Transition("approved", "scheduled", EDITORS, automatic=True),
    Transition("scheduled", "aired", EDITORS, automatic=True),
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


def needs_confirmation(move: Transition, role: str) -> bool:
    """A forward move ``role`` could not step back from asks first (archiving, airing)."""
    if move.back_step:
        return False
    return not any(t.back_step and t.source == move.target and role in t.roles
                   for t in TRANSITIONS)


def admin_back_step(source: str, target: str) -> Transition | None:
    """An admin may step a report back from any status (aired, archived too) to an earlier one."""
    if source not in STATUSES or target not in STATUSES:
        return None
    if STATUSES.index(target) >= STATUSES.index(source):
        return None
    return Transition(source, target, frozenset({"admin"}), back_step=True)


def back_targets(status: str) -> list[str]:
    """The statuses an admin may step a report back to, nearest first."""
    return list(reversed(STATUSES[:STATUSES.index(status)])) if status in STATUSES else []


# ---- gates ------------------------------------------------------------------------------

# Marks the history line of a move an admin made past refusing gates; the service strips it
# from ordinary comments, so only an override carries it.
OVERRIDE_MARK = "[override]"


def override_comment(reason: str, gates: list[str], comment: str = "") -> str:
    """The history line of an override: the mark, the gates passed over, the admin's reason."""
    text = f"{OVERRIDE_MARK} {', '.join(gates)}: {reason}"
    return f"{text}\n{comment}" if comment else text


def parse_override(comment: str) -> tuple[list[str], str] | None:
    """(gates passed over, reason) of an override's history line; None for other lines."""
    if not comment.startswith(OVERRIDE_MARK):
        return None
    gates, _, reason = comment[len(OVERRIDE_MARK):].strip().partition(": ")
    return [g for g in gates.split(", ") if g], reason


@dataclass(frozen=True)
class Reason:
    """Why a move may not be made yet: an English template and its parameters, translatable."""

    gate: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        """The reason in ``lang``, by the rules of every message (station.messages)."""
        return render(self.template, lang, self.params)


# gate(session, report, move, actor) -> reasons; the session and rows are SQLAlchemy's, but
# this module only stores and calls the functions.
Gate = Callable[[Any, Any, Transition, Any], list[Reason]]


@dataclass(frozen=True)
class GateEntry:
    name: str
    targets: frozenset[str]
    check: Gate


GATES: Registry[GateEntry] = Registry("Unknown gate {name}; use one of {names}")


def register_gate(name: str, *targets: str) -> Callable[[Gate], Gate]:
    """Decorator: ``check`` guards forward moves into ``targets`` (registered once by name)."""
    unknown = set(targets) - set(STATUSES)
    if unknown:
        raise ValueError(f"gate {name}: unknown statuses {sorted(unknown)}")

    def add(check: Gate) -> Gate:
        GATES.add(name, GateEntry(name, frozenset(targets), check))
        return check

    return add


def gates_for(move: Transition) -> list[GateEntry]:
    """The gates of a forward move, in name order (back-steps have none: redoing is free)."""
    if move.back_step:
        return []
    return sorted((g for g in GATES.values() if move.target in g.targets), key=lambda g: g.name)


def evaluate(gates: list[GateEntry], session: Any, report: Any, move: Transition,
             actor: Any) -> list[Reason]:
    """Every gate's reasons at once, so the user sees all that is missing, not the first."""
    reasons: list[Reason] = []
    for entry in gates:
        reasons.extend(entry.check(session, report, move, actor))
    return reasons
