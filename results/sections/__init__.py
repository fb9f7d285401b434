"""The review's sections, one module each, in the order the review shows them.

Every module has ``build(session, scope) -> list[Table]`` (its tables, grouped in SQL) and
the row selects its figures count, which the drill-down lists (``results.drilldown``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from results.sections import broadcast, delivery, plan, production, publishing, qc, subtitles
from results.sql import Scope
from results.types import Table

BUILDERS: dict[str, Callable[[Session, Scope], list[Table]]] = {
    "plan": plan.build,
    "production": production.build,
    "subtitles": subtitles.build,
    "broadcast": broadcast.build,
    "delivery": delivery.build,
    "qc": qc.build,
    "publishing": publishing.build,
}
