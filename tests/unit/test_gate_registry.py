"""The workflow's gate registry and its rules, without a database (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest

from production import workflow
from production.workflow import Reason, Transition
from station.registry import Registry


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, workflow.GateEntry]:
    """An empty registry for the test, so the domains' real gates stay untouched."""
    gates: Registry[workflow.GateEntry] = Registry()
    monkeypatch.setattr(workflow, "GATES", gates)
    return gates


def test_every_gate_is_asked_and_every_reason_returned(registry: dict) -> None:
    calls: list[str] = []

    @workflow.register_gate("b.second", "approved")
    def second(session: Any, report: Any, move: Transition, actor: Any) -> list[Reason]:
        calls.append("b")
        return [Reason("b.second", "B {n}", {"n": 2})]

    @workflow.register_gate("a.first", "approved", "review")
    def first(session: Any, report: Any, move: Transition, actor: Any) -> list[Reason]:
        calls.append("a")
        return [Reason("a.first", "A")]

    approve = workflow.transition("review", "approved")
    assert approve is not None
    gates = workflow.gates_for(approve)
    assert [g.name for g in gates] == ["a.first", "b.second"]
    reasons = workflow.evaluate(gates, None, None, approve, None)
    assert [r.message() for r in reasons] == ["A", "B 2"] and calls == ["a", "b"]
    review = workflow.transition("editing", "review")
    assert review is not None
    assert [g.name for g in workflow.gates_for(review)] == ["a.first"]


def test_back_steps_have_no_gates(registry: dict) -> None:
    workflow.register_gate("x", "editing")(lambda *_: [Reason("x", "never")])
    back = workflow.transition("review", "editing")
    assert back is not None and workflow.gates_for(back) == []


def test_a_gate_for_an_unknown_status_is_a_mistake(registry: dict) -> None:
    with pytest.raises(ValueError, match="unknown statuses"):
        workflow.register_gate("x", "broadcast")


def test_scheduled_and_aired_are_automatic_not_buttons() -> None:
    assert workflow.transition("approved", "scheduled").automatic  # type: ignore[union-attr]
    assert workflow.transition("scheduled", "aired").automatic  # type: ignore[union-attr]
    assert not workflow.transition("review", "approved").automatic  # type: ignore[union-attr]


def test_moves_an_editor_cannot_step_back_from_ask_first() -> None:
    def confirm(source: str, target: str, role: str = "editor") -> bool:
        move = workflow.transition(source, target)
        assert move is not None
        return workflow.needs_confirmation(move, role)

    assert confirm("aired", "archived") and confirm("scheduled", "aired")
    assert not confirm("review", "approved")  # approved -> editing exists
    assert not confirm("planned", "in_production")
    assert not confirm("review", "editing")  # a back-step itself


def test_an_admin_steps_back_from_any_status_to_an_earlier_one() -> None:
    back = workflow.admin_back_step("archived", "editing")
    assert back is not None and back.back_step and back.needs_comment
    assert back.roles == frozenset({"admin"})
    assert workflow.admin_back_step("editing", "aired") is None
    assert workflow.admin_back_step("editing", "editing") is None
    assert workflow.admin_back_step("nowhere", "planned") is None
    assert workflow.back_targets("approved") == ["review", "editing", "in_production", "planned"]
    assert workflow.back_targets("planned") == []


def test_override_comments_round_trip() -> None:
    text = workflow.override_comment("Tin khẩn: phụ đề sau", ["a.one", "b.two"], "ghi chú")
    assert text.startswith(workflow.OVERRIDE_MARK)
    assert workflow.parse_override(text) == (["a.one", "b.two"], "Tin khẩn: phụ đề sau\nghi chú")
    assert workflow.parse_override("an ordinary comment") is None


def test_reasons_speak_the_readers_language() -> None:
    reason = Reason("production.media",
                    "Upload and ingest the master before sending the report to {target}",
                    {"target": "review"})
    import production.gates  # noqa: F401  (registers the Vietnamese messages)

    assert reason.message("en").endswith("to In review")
    assert reason.message("vi") == ("Hãy tải lên và nhập bản gốc trước khi chuyển tin bài "
                                    "sang Chờ duyệt")
