"""The report workflow: only allowed moves, by allowed roles, back-steps need a reason."""

from production import workflow


def test_forward_path_covers_every_status_in_order() -> None:
    path = ["planned"]
    while True:
        forward = [t for t in workflow.moves_from(path[-1]) if not t.back_step]
        if not forward:
            break
        path.append(forward[0].target)
    assert tuple(path) == workflow.STATUSES


def test_review_can_go_back_to_editing_and_needs_a_comment() -> None:
    move = workflow.transition("review", "editing")
    assert move is not None and move.back_step and move.needs_comment


def test_skipping_steps_is_not_allowed() -> None:
    assert workflow.transition("planned", "approved") is None
    assert workflow.transition("editing", "aired") is None
    assert workflow.transition("archived", "planned") is None


def test_translators_and_partners_may_not_move_reports() -> None:
    for status in workflow.STATUSES:
        assert workflow.moves_from(status, "translator") == []
        assert workflow.moves_from(status, "partner") == []
    assert [t.target for t in workflow.moves_from("editing", "editor")] == ["review",
                                                                           "in_production"]


def test_review_and_approval_need_media() -> None:
    assert workflow.transition("editing", "review").needs_master  # type: ignore[union-attr]
    assert not workflow.transition("planned", "in_production").needs_master  # type: ignore[union-attr]
