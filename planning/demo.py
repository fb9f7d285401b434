"""The planning part of the demo (a ``station.demo`` step): tonight's LCTV news bulletin.

A 30-minute "Thời sự Lai Châu" at 19:00 with the demo report as its packaged report and a
few anchor lines, so ``station rundown show`` and the anchor script have something real.
It goes into tonight's news slot (the one the schedule's demo template made) only once the
demo report is approved: a bulletin's slot plays its lines, and the playout refuses a
report that is not approved, so linking it earlier would stop tonight's playlist export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select

from planning import services
from planning.models import Rundown
from planning.services import ItemInput
from production.demo import Demo
from production.models import Report
from production.services import get_channel
from schedule.items import AIRABLE_REPORT_STATUSES
from schedule.models import Slot
from station.accounts import User
from station.timecode import local_to_utc

TITLE = "Thời sự Lai Châu 19:00"
OPENING = ("Kính chào quý vị khán giả. Mời quý vị theo dõi chương trình Thời sự tối nay "
           "của Đài Phát thanh và Truyền hình Lai Châu.")
LEAD = ("Những ngày này, hoa ban nở trắng các bản vùng cao Lai Châu. Phóng viên của Đài "
        "ghi lại không khí mùa hoa ở huyện Tam Đường.")
CLOSING = ("Chương trình Thời sự tối nay đến đây là kết thúc. Cảm ơn quý vị đã theo dõi, "
           "hẹn gặp lại quý vị trong chương trình lần sau.")


def seed(demo: Demo) -> Iterator[str]:
    """Tonight's bulletin on LCTV (once), and its slot when the demo report may air."""
    runtime, report_id = demo.runtime, demo.report_id
    with runtime.session() as session:
        channel = get_channel(session, "LCTV")
        tonight = dt.datetime.combine(dt.date.today(), dt.time(19, 0))
        starts = local_to_utc(tonight, channel.timezone)
        if session.scalar(select(Rundown.id).where(Rundown.channel_id == channel.id,
                                                   Rundown.starts_at == starts)) is not None:
            return
        editor = session.scalar(select(User).where(User.username == "editor"))
        if editor is None:
            return
        rundown = services.create_rundown(session, actor=editor, channel="LCTV", title=TITLE,
                                          starts_at=tonight, planned_s=1800)
        lines = [ItemInput("reader", "Lời chào", anchor_text=OPENING, anchor="Lò Thị Mai"),
                 ItemInput("reader", "Dẫn: mùa hoa ban", anchor_text=LEAD,
                           anchor="Lò Thị Mai")]
        if report_id is not None:
            lines.append(ItemInput("package", report_id=report_id, estimate_s=120))
        lines += [ItemInput("voice_over", "Tin vắn: giao thông Sìn Hồ", estimate_s=45),
                  ItemInput("sound_bite", "Phỏng vấn: chủ tịch xã Bản Giang", estimate_s=30),
                  ItemInput("live", "Cầu truyền hình Mường Tè", estimate_s=240),
                  ItemInput("break", "Quảng cáo", estimate_s=60),
                  ItemInput("reader", "Lời chào kết", anchor_text=CLOSING,
                            anchor="Lò Thị Mai")]
        for line in lines:
            services.add_item(session, rundown.id, line, actor=editor,
                              version=rundown.version)
        said = f"demo rundown #{rundown.id}: {TITLE} on LCTV, {len(lines)} lines"
        report = session.get(Report, report_id) if report_id is not None else None
        slot = session.scalar(select(Slot).where(Slot.channel_id == channel.id,
                                                 Slot.start_at == starts))
        if report is not None and report.status in AIRABLE_REPORT_STATUSES:
            services.place_in_schedule(session, rundown.id, actor=editor,
                                       slot_id=slot.id if slot is not None else None)
            said += ", in tonight's schedule"
        session.commit()
        yield said


# ---- the year's plan and a week of assignments ---------------------------------------

PLAN_THEMES = (
    ("Chính sách đầu tư", "Thu hút đầu tư, khu công nghiệp, nông nghiệp công nghệ cao",
     (6, 30)),
    ("Văn hoá – du lịch", "Lễ hội, bản văn hoá, mùa hoa, homestay", (8, 40)),
    ("Biên giới – đối ngoại", "Cửa khẩu, đồn biên phòng, giao lưu với Vân Nam", (4, 20)),
)
# (theme index, weekday, title, place, reporter, camera): Lò Văn Hùng shoots twice on
# Wednesday, the double booking the calendar flags.
WEEK = (
    (0, 0, "Khu công nghiệp Tam Đường", "Tam Đường", "Tẩn Văn Lìn", "Lò Văn Hùng"),
    (1, 1, "Homestay bản Sìn Suối Hồ", "Phong Thổ", "Lò Thị Mai", "Giàng A Páo"),
    (2, 2, "Cửa khẩu Ma Lù Thàng", "Phong Thổ", "Tẩn Văn Lìn", "Lò Văn Hùng"),
    (1, 2, "Chợ phiên Sìn Hồ", "Sìn Hồ", "Lò Thị Mai", "Lò Văn Hùng"),
    (0, 4, "Chè Shan tuyết Tân Uyên", "Tân Uyên", "Lò Thị Mai", "Giàng A Páo"),
)


def seed_plan(demo: Demo) -> Iterator[str]:
    """This year's plan (3 themes, a target a quarter on LCTV) and this week's topics (once)."""
    from planning import plans

    with demo.runtime.session() as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        editor = session.scalar(select(User).where(User.username == "editor"))
        year = dt.date.today().year
        if admin is None or editor is None or session.scalar(
                select(plans.Plan.id).where(plans.Plan.year == year)) is not None:
            return
        plan = plans.import_plan(session, {
            "year": year, "title": f"Kế hoạch tuyên truyền năm {year}", "themes": [
                {"name": name, "description": about, "targets": [
                    {"quarter": q, "channel": "LCTV", "count": count, "minutes": minutes}
                    for q in plans.QUARTERS]}
                for name, about, (count, minutes) in PLAN_THEMES]}, actor=admin)
        themes = plans.get_plan(session, year).themes
        monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
        for index, weekday, title, place, reporter, camera in WEEK:
            day = monday + dt.timedelta(days=weekday)
            plans.create_topic(session, themes[index].id, plans.TopicInput(
                title, place=place, shoot_date=day, due_date=day + dt.timedelta(days=3),
                reporter_id=editor.id if reporter == "Lò Thị Mai" else None,
                reporter_name=reporter, camera_name=camera, editor_id=editor.id),
                actor=editor)
        session.commit()
        yield (f"demo plan {plan.year}: {len(themes)} themes, {len(WEEK)} topics this week "
               "(one double booking)")


_seed_rundown = seed


def seed(demo: Demo) -> Iterator[str]:  # type: ignore[no-redef]
    """The planning demo step: tonight's bulletin, then the year's plan and this week.

    One line for the step (the bulletin's, then the plan's), as the demo prints one line
    a domain's step; the plan has no entry point of its own (a new one needs a reinstall).
    """
    said = [*_seed_rundown(demo), *seed_plan(demo)]
    if said:
        yield "; ".join(said)
