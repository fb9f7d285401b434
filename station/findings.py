"""What a check found: the counts the badges, gates and CLI show, for any family of checks.

Subtitle QC (``subtitles.qc``) and the schedule's rules (``schedule.rules``) are both
registries of named checks that yield findings (a check id, a severity, a message); each
finding also says where (a cue, a slot), which is why they stay two record types. Counting
them is the same act and lives here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol


class Finding(Protocol):
    check: str
    severity: str


def summary(findings: Iterable[Finding], severities: Sequence[str]) -> dict[str, Any]:
    """Counts per severity (every one of ``severities`` present, zero or not) and per check."""
    by_severity = dict.fromkeys(severities, 0)
    by_check: dict[str, int] = {}
    total = 0
    for finding in findings:
        total += 1
        by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
        by_check[finding.check] = by_check.get(finding.check, 0) + 1
    return {"total": total, "by_severity": by_severity, "by_check": by_check}
