"""How domains join the kernel: entry points declared in pyproject.toml, read here.

The kernel never imports a domain (docs/architecture.md): each domain names, under
``[project.entry-points."station.*"]``, the modules and functions it adds, the way Flask finds
CLI commands and pytest finds plugins. A new domain is a folder plus a few lines of
pyproject.toml; nothing in station/ changes.

Groups:
- ``station.models``: modules whose import registers tables on the one metadata;
- ``station.tasks``: modules whose import registers job handlers;
- ``station.commands``: ``register(main)`` functions adding click commands;
- ``station.seeds``: ``ensure(session)`` functions writing reference data after an upgrade,
  run in name order (names start with the domain's floor: a channel before its spec);
- ``station.gates``: modules whose import registers workflow gates
  (``production.workflow.register_gate``) over that domain's facts;
- ``station.events``: modules whose import registers handlers of other domains' events
  (``station.events.on``);
- ``station.slot_expanders``: modules whose import registers how a slot of theirs plays
  (``schedule.expanders``: a bulletin's slot is its running order's items);
- ``station.web``: the web app factory ``create_app(settings)``.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any


def entries(group: str) -> list[importlib.metadata.EntryPoint]:
    """The installed entry points of a group, in name order (stable across installs)."""
    return sorted(importlib.metadata.entry_points(group=group), key=lambda e: e.name)


def load(group: str) -> list[Any]:
    """Import every entry point of a group (a module, or the object it names)."""
    found = entries(group)
    if not found:
        raise RuntimeError(
            f"No {group} entry points: install Station (`pip install -e .`, `make run`) so "
            "its domains are registered")
    return [entry.load() for entry in found]


def one(group: str) -> Any:
    """The single object a group names (e.g. the web app factory)."""
    objects = load(group)
    if len(objects) != 1:
        raise RuntimeError(f"{group} should name one object, found {len(objects)}")
    return objects[0]
