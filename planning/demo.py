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
