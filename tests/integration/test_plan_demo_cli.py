"""The plan's demo and its commands: `station plan import FILE`, `station plan show YEAR`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from click.testing import CliRunner

from planning import demo as planning_demo
from planning import plans
from production import demo as production_demo
from production.demo import Demo
from schedule import demo as schedule_demo
from station.cli import main
from station.runtime import Runtime
from tests.integration.test_plans import PLAN, YEAR


def test_the_demo_plans_the_year_and_books_someone_twice(runtime: Runtime) -> None:
    step = Demo(runtime, with_media=False)
    list(production_demo.seed_production(step))
    list(schedule_demo.seed(step))
    said = list(planning_demo.seed(step))
    assert len(said) == 1 and "demo plan" in said[0]
    assert list(planning_demo.seed(step)) == []  # once
    with runtime.session() as session:
        _plan, rows = plans.progress(session, dt.date.today().year)
        assert [r.theme.name for r in rows] == [t[0] for t in planning_demo.PLAN_THEMES]
        week = [dt.date.today() - dt.timedelta(days=dt.date.today().weekday() - i)
                for i in range(7)]
        cal = plans.calendar(session, week)
        assert [who for _day, who, _topics in cal.doubles] == ["Lò Văn Hùng"]


def test_import_and_show(runtime: Runtime, tmp_path: Path) -> None:
    from tests.conftest import user_factory

    user_factory(runtime)("admin", username="chief")
    env = {"STATION_INSTANCE_PATH": str(tmp_path / "instance"), "STATION_LANGUAGE": "en",
           "STATION_DATABASE_URL": runtime.settings.database_url, "STATION_REDIS_URL": "",
           "STATION_USER": ""}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    plan = main.get_command(click.Context(main), "plan")  # as `station` registers it
    done = runner.invoke(plan, ["import", str(path), "--as", "chief"], env=env)
    assert done.exit_code == 0, done.output
    assert "2 themes, 4 targets" in done.output
    shown = runner.invoke(plan, ["show", str(YEAR), "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.output)
    assert doc["themes"][0]["quarters"]["1"]["target_count"] == 6
    text = runner.invoke(plan, ["show", str(YEAR)], env=env)
    assert "Chính sách đầu tư" in text.output and "Q" in text.output
    missing = runner.invoke(plan, ["show", "2099"], env=env)
    assert missing.exit_code != 0
