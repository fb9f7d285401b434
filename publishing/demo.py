"""The publishing demo step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def seed(demo: Any) -> Iterator[str]:
    """Nothing yet: the publishing demo step lands with the public site."""
    yield from ()
