"""The workers' timer (station/periodic.py): what is due runs, a failing check stops nothing."""

from __future__ import annotations

from typing import Any

import pytest

from station import periodic
from station.registry import Registry


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(periodic, "_CHECKS", Registry(sort=True))
    return periodic._CHECKS


def test_runs_what_is_due_and_survives_a_failing_check(checks: dict[str, Any]) -> None:
    calls: list[str] = []

    @periodic.every("often", 10)
    def often(runtime: Any) -> int:
        calls.append("often")
        return 1

    @periodic.every("broken", 10)
    def broken(runtime: Any) -> None:
        calls.append("broken")
        raise RuntimeError("boom")

    assert periodic.run_due(None, now=100.0) == {"often": 1}  # type: ignore[arg-type]
    assert periodic.run_due(None, now=105.0) == {}  # type: ignore[arg-type]
    assert periodic.run_due(None, now=110.0) == {"often": 1}  # type: ignore[arg-type]
    assert periodic.run_due(None, now=111.0, force=True) == {"often": 1}  # type: ignore[arg-type]
    assert calls == ["broken", "often"] * 3
    assert periodic.names() == ["broken", "often"]
