"""One registry shape for every "name -> thing" table: formats, QC checks, schedule rules,
exports, speech engines, workflow gates, periodic checks, job handlers.

Each was an if/elif chain once; each became a dict filled by decorators at import time, and
each grew its own "unknown name" error. A ``Registry`` is that dict (registration order kept:
QC findings and schedule findings are listed in it) plus the one lookup that refuses an
unknown name with a message listing the names there are, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from station.errors import StationError, ValidationError

T = TypeVar("T")


class Registry(dict[str, T]):
    """Named entries in registration order; ``lookup`` refuses unknown names politely.

    ``unknown`` is the English template of that refusal, with ``{name}`` and ``{names}``
    (the catalogue translates it like any message); ``error`` is the exception raised, so a
    subtitle format can answer 422 where an export answers 400; ``sort`` lists the names
    alphabetically where registration order is only import order (engines, timers).
    """

    def __init__(self, unknown: str = "Unknown name {name}; use one of {names}", *,
                 error: type[StationError] = ValidationError,
                 entries: Mapping[str, T] | None = None, sort: bool = False) -> None:
        super().__init__(entries or {})
        self.sort = sort
        self.unknown = unknown
        self.error = error

    def add(self, name: str, entry: T) -> T:
        """Register ``entry`` under ``name`` (a module imported twice re-registers the same)."""
        self[name] = entry
        return entry

    def decorator(self, name: str) -> Callable[[T], T]:
        """``@registry.decorator("name")`` registers the decorated function or class."""
        return lambda entry: self.add(name, entry)

    def names(self) -> list[str]:
        """The names in registration order, or sorted when the order means nothing."""
        return sorted(self) if self.sort else list(self)

    def lookup(self, name: str) -> T:
        """The entry called ``name``, or the registry's error listing the known names."""
        try:
            return self[name]
        except KeyError:
            raise self.error(self.unknown, name=name, names=", ".join(self.names())) from None
