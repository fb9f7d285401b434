"""The schedule's part of the demo (a ``station.demo`` step): LCTV news and a VTV4 slot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select

from production.demo import DEMO_SECONDS, Demo
from schedule import services as schedule
from schedule.models import SlotTemplate
from station.accounts import User


def seed(demo: Demo) -> Iterator[str]:
    """Four weeks of templates so the schedule desk has something to show (once)."""
    runtime, report_id = demo.runtime, demo.report_id

    with runtime.session() as session:
        if session.scalar(select(SlotTemplate.id).limit(1)) is not None:
            return
        editor = session.scalar(select(User).where(User.username == "editor"))
        today = dt.date.today()
        monday = today - dt.timedelta(days=today.weekday())
        until = monday + dt.timedelta(days=27)
        news = schedule.add_template(
            session, actor=editor, channel="LCTV", title="Thời sự Lai Châu", local_time="19:00",
            duration_s=1800, start_date=monday, weekdays=list(range(7)))
        vtv4 = schedule.add_template(
            session, actor=editor, channel="VTV4", title="Lai Châu hôm nay", local_time="19:00",
            duration_s=DEMO_SECONDS + 2, start_date=monday, weekdays=[0], kind="report",
            report_id=report_id)
        made = [*schedule.apply_template(session, news.id, monday, until, actor=editor),
                *schedule.apply_template(session, vtv4.id, monday, until, actor=editor)]
        for slot in made:
            if slot.template_id == news.id:
                slot.source = "/srv/playout/thoi-su.mp4"
        session.commit()
        yield f"demo schedule: {len(made)} slots on LCTV and VTV4"
