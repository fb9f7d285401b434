"""The demo's bulletin: made once, timed, with the demo report's line."""

from __future__ import annotations

from planning import demo as planning_demo
from planning import services
from planning.models import Rundown
from production import demo as production_demo
from production.demo import Demo
from schedule import demo as schedule_demo
from station.runtime import Runtime


def test_the_demo_makes_tonights_bulletin_once(runtime: Runtime) -> None:
    step = Demo(runtime, with_media=False)
    list(production_demo.seed_production(step))
    list(schedule_demo.seed(step))
    said = list(planning_demo.seed(step))
    assert len(said) == 1 and "Thời sự Lai Châu 19:00" in said[0]
    assert list(planning_demo.seed(step)) == []  # once
    with runtime.session() as session:
        rundown = session.query(Rundown).one()
        view = services.timed(session, services.get_rundown(session, rundown.id))
    kinds = [item.kind for item in rundown.items]
    assert kinds[:3] == ["reader", "reader", "package"] and len(kinds) == 8
    assert rundown.items[2].report_id == step.report_id
    assert rundown.slot_id is None  # the demo report is not approved yet
    assert all(line.duration_ms > 0 for line in view.timing.lines)
    assert view.timing.over_ms < 0  # a 30-minute slot with room to spare
