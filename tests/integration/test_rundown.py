"""The rundown (issue 15): a bulletin's running order built, timed, locked against lost
edits, approved, put in the schedule as one slot and played item by item, on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from planning import playout as rundown_playout  # noqa: F401  (registers the expander)
from planning import services
from planning.models import Rundown, RundownItem
from planning.services import ItemInput
from production.models import MediaAsset, Report
from schedule import exporting, playout
from schedule import services as schedule_services
from schedule.models import Slot
from station.errors import Conflict, PermissionDenied, ValidationError
from station.runtime import Runtime
from tests.conftest import report_factory, user_factory
from tests.integration.test_playout import STORAGE, _clip, _master
from tests.unit.ffplayout_checker import problems

ON_AIR = dt.datetime(2027, 3, 8, 19, 0)  # LCTV local time
ONE_MINUTE_OF_TEXT = " ".join(["tin"] * 170)  # 60 s at the default 170 wpm


@pytest.fixture
def desk(any_runtime: Runtime) -> dict:
    rt = any_runtime
    editor = user_factory(rt)("editor", display_name="Lò Thị Mai")
    other = user_factory(rt)("editor", display_name="Tẩn Văn Lìn")
    chief = user_factory(rt)("admin", display_name="Tổng biên tập")
    report = report_factory(rt)(editor, "Mùa hoa ban", channel_codes=["LCTV"])
    with rt.session() as session:
        session.add(MediaAsset(report_id=report.id, role="master", sha256="0" * 64,
                               size_bytes=1, storage_key="aa/master.mp4", duration_ms=95_400,
                               loudness_lufs=-23.1, true_peak_dbtp=-2.0))
        rundown = services.create_rundown(session, actor=editor, channel="LCTV",
                                          title="Thời sự 19:00", starts_at=ON_AIR,
                                          planned_s=300)
        session.commit()
    return {"rt": rt, "editor": editor, "other": other, "chief": chief, "report": report,
            "rundown_id": rundown.id}


def _version(rt: Runtime, rundown_id: int) -> int:
    with rt.session() as session:
        return session.get(Rundown, rundown_id).version


def _add(d: dict, data: ItemInput, who: str = "editor") -> int:
    rt = d["rt"]
    with rt.session() as session:
        item = services.add_item(session, d["rundown_id"], data, actor=d[who],
                                 version=_version(rt, d["rundown_id"]))
        session.commit()
        return item.id


def _build(d: dict) -> list[int]:
    return [
        _add(d, ItemInput("reader", "Chào", anchor_text=ONE_MINUTE_OF_TEXT, anchor="Mai")),
        _add(d, ItemInput("package", report_id=d["report"].id)),
        _add(d, ItemInput("live", "Cầu truyền hình Sìn Hồ", estimate_s=120)),
        _add(d, ItemInput("break", "Quảng cáo", estimate_s=15)),
    ]


def test_a_bulletin_is_timed_line_by_line_against_its_slot(desk: dict) -> None:
    rt = desk["rt"]
    _build(desk)
    with rt.session() as session:
        rundown = services.get_rundown(session, desk["rundown_id"])
        timed = services.timed(session, rundown)
    assert rundown.starts_at == dt.datetime(2027, 3, 8, 12, 0, tzinfo=dt.UTC)  # 19:00 +07
    lines = timed.timing.lines
    assert [(line.duration_ms, line.source) for line in lines] == [
        (60_000, "read"), (95_400, "media"), (120_000, "estimate"), (15_000, "estimate")]
    assert timed.timing.total_ms == 290_400
    assert timed.timing.over_ms == -9_600  # 4:50.4 of 5:00
    assert lines[3].front_time == dt.datetime(2027, 3, 8, 12, 4, 35, 400_000, tzinfo=dt.UTC)
    assert lines[3].back_time == dt.datetime(2027, 3, 8, 12, 4, 45, tzinfo=dt.UTC)
    ready = timed.readiness[rundown.items[1].id]
    assert ready.report_status == "planned" and not ready.approved
    assert ready.loudness == "pass" and ready.has_media and not ready.ready


def test_an_anchors_own_reading_rate_times_their_text(desk: dict) -> None:
    rt = desk["rt"]
    _build(desk)
    with rt.session() as session:
        services.set_reading_rate(session, "LCTV", 150, actor=desk["chief"])
        services.set_reading_rate(session, "LCTV", 200, actor=desk["chief"], anchor="Mai")
        with pytest.raises(PermissionDenied):
            services.set_reading_rate(session, "LCTV", 160, actor=desk["editor"])
        session.commit()
        timed = services.timed(session, services.get_rundown(session, desk["rundown_id"]))
    assert timed.timing.lines[0].duration_ms == 51_000  # 170 words at 200 wpm = 51 s


def test_a_stale_reorder_is_refused_naming_who_and_loses_nothing(desk: dict) -> None:
    rt = desk["rt"]
    ids = _build(desk)
    seen = _version(rt, desk["rundown_id"])
    # The other editor adds a line meanwhile.
    added = _add(desk, ItemInput("filler", "Dự phòng", estimate_s=10), who="other")
    with rt.session() as session, pytest.raises(Conflict) as refused:
        services.reorder(session, desk["rundown_id"], list(reversed(ids)),
                         actor=desk["editor"], version=seen)
    assert "Tẩn Văn Lìn" in refused.value.message("en")
    # Reloaded, the editor's order holds the other's line too.
    with rt.session() as session:
        services.reorder(session, desk["rundown_id"], [added, *reversed(ids)],
                         actor=desk["editor"], version=_version(rt, desk["rundown_id"]))
        session.commit()
    with rt.session() as session:
        order = list(session.scalars(select(RundownItem.id).where(
            RundownItem.rundown_id == desk["rundown_id"]).order_by(RundownItem.position)))
    assert order == [added, *reversed(ids)]
    # An order that drops a line is refused even with the right version.
    with rt.session() as session, pytest.raises(Conflict):
        services.reorder(session, desk["rundown_id"], ids, actor=desk["editor"],
                         version=_version(rt, desk["rundown_id"]))


def test_two_saves_racing_past_the_check_do_not_both_apply(desk: dict) -> None:
    rt = desk["rt"]
    ids = _build(desk)
    version = _version(rt, desk["rundown_id"])
    with rt.session() as first, rt.session() as second:
        services.get_rundown(second, desk["rundown_id"])  # loaded before the first saves
        services.reorder(first, desk["rundown_id"], list(reversed(ids)),
                         actor=desk["editor"], version=version)
        first.commit()
        with pytest.raises(Conflict):
            services.reorder(second, desk["rundown_id"], [ids[1], ids[0], *ids[2:]],
                             actor=desk["other"], version=version)
        second.rollback()
    with rt.session() as session:
        rundown = services.get_rundown(session, desk["rundown_id"])
        assert [i.id for i in rundown.items] == list(reversed(ids))


def test_the_chief_approves_and_later_changes_are_marked(desk: dict) -> None:
    rt = desk["rt"]
    ids = _build(desk)
    with rt.session() as session, pytest.raises(PermissionDenied):
        services.approve(session, desk["rundown_id"], actor=desk["editor"],
                         version=_version(rt, desk["rundown_id"]))
    with rt.session() as session:
        rundown = services.approve(session, desk["rundown_id"], actor=desk["chief"],
                                   version=_version(rt, desk["rundown_id"]))
        session.commit()
        assert rundown.status == "approved" and rundown.approved_by_id == desk["chief"].id
    with rt.session() as session:
        services.update_item(session, ids[2], ItemInput("live", "Cầu truyền hình Sìn Hồ",
                                                        estimate_s=150),
                             actor=desk["editor"], version=_version(rt, desk["rundown_id"]))
        session.commit()
    with rt.session() as session:
        rundown = services.get_rundown(session, desk["rundown_id"])
        assert rundown.status == "approved" and rundown.changed_after_approval
        assert [i.changed_after_approval for i in rundown.items] == [False, False, True, False]
        services.approve(session, desk["rundown_id"], actor=desk["chief"],
                         version=rundown.version)
        session.commit()
        assert not any(i.changed_after_approval for i in rundown.items)


def test_bad_lines_are_refused(desk: dict) -> None:
    rt = desk["rt"]
    with rt.session() as session:
        version = _version(rt, desk["rundown_id"])
        with pytest.raises(ValidationError):
            services.add_item(session, desk["rundown_id"], ItemInput("package", "x"),
                              actor=desk["editor"], version=version)
        with pytest.raises(ValidationError):
            services.add_item(session, desk["rundown_id"], ItemInput("weather", "x"),
                              actor=desk["editor"], version=version)


def test_the_bulletin_is_one_slot_and_plays_its_lines_in_order(desk: dict,
                                                                tmp_path: Path) -> None:
    rt = desk["rt"]
    folder = tmp_path / "playout" / "LCTV"
    _clip(folder / "filler" / "lctv-filler.mp4", 7, "gray")
    sha = _master(rt, desk["report"].id, _clip(tmp_path / "master.mp4", 20, "blue"))
    with rt.session() as session:
        session.get(Report, desk["report"].id).status = "approved"
        exporting.set_playout(session, "LCTV", actor=desk["chief"], folder=str(folder),
                              storage=STORAGE, filler="filler/lctv-filler.mp4",
                              day_start="05:00", timezone="Asia/Ho_Chi_Minh",
                              playlists="/srv/ffplayout/playlists/lctv")
        session.commit()
    _build(desk)
    with rt.session() as session:
        slot = services.place_in_schedule(session, desk["rundown_id"], actor=desk["editor"])
        slot.source = "rtmp://studio/lctv"  # the studio's input for the anchor's lines
        session.commit()
        assert (slot.kind, slot.duration_s, slot.title) == ("programme", 300, "Thời sự 19:00")
    with rt.session() as session:
        data, _, _ = exporting.export_day(session, "LCTV", dt.date(2027, 3, 8), "ffplayout",
                                          media_root=rt.settings.media_path)
    assert problems(data, exact=True, path="lctv/2027/03/2027-03-08.json") == []
    program = json.loads(data)["program"]
    handed = playout.media_name(desk["report"].id, "Mùa hoa ban", sha, ".mp4")
    titled = [(i["title"], i["source"], i["out"]) for i in program
              if i.get("title", "").startswith("Thời sự 19:00")]
    assert titled == [
        ("Thời sự 19:00: Chào", "rtmp://studio/lctv", 60.0),
        ("Thời sự 19:00: Mùa hoa ban", f"{STORAGE}/{handed}", 20.0),  # the real master
        ("Thời sự 19:00: Cầu truyền hình Sìn Hồ", "rtmp://studio/lctv", 120.0),
        ("Thời sự 19:00: Quảng cáo", "rtmp://studio/lctv", 15.0),
    ]
    assert (folder / handed).is_file()


def test_the_playouts_as_run_reads_back_each_line_of_the_bulletin(desk: dict) -> None:
    """Each line the playout logs is matched to its line of the running order and recorded
    against the bulletin's slot; a line the log lacks is simply absent, and the bulletin
    counts as aired as soon as one of its lines went out."""
    rt = desk["rt"]
    _build(desk)  # Chào 19:00:00 (60 s), Mùa hoa ban 19:01:00, live 19:02:36, break 19:04:36
    with rt.session() as session:
        slot = services.place_in_schedule(session, desk["rundown_id"], actor=desk["editor"])
        slot.status = "published"
        session.commit()
        slot_id = slot.id
        log = ("start,duration,title\n"
               "2027-03-08T19:00:01,60,Thời sự 19:00: Chào\n"
               "2027-03-08T19:02:20,80,Thời sự 19:00: Mùa hoa ban\n"  # 80 s late
               "2027-03-08T19:04:36,15,Thời sự 19:00: Quảng cáo\n"
               "2027-03-08T19:05:00,30,Quảng cáo ngoài kế hoạch\n")
        result = schedule_services.import_as_run(session, "LCTV", log.encode(),
                                                 actor=desk["editor"])
        session.commit()
        lines = {e.title: (e.outcome, e.slot_id) for e in result.entries}
        assert lines == {"Thời sự 19:00: Chào": ("as_planned", slot_id),
                         "Thời sự 19:00: Mùa hoa ban": ("late", slot_id),
                         "Thời sự 19:00: Quảng cáo": ("as_planned", slot_id),
                         "Quảng cáo ngoài kế hoạch": ("unplanned", None)}
        assert result.missed == []
        assert session.get(Slot, slot_id).status == "aired"
