"""ffplayout's own as-run, on SQLite and PostgreSQL: its log, written here line for line as
ffplayout writes it (engine/src/utils/logging.rs and the player's "Play for" line), and its
task hook's calls, reconciled with a published day to "as planned", "late" and "missed"."""

from __future__ import annotations

import datetime as dt

import pytest

from production.models import Report
from schedule import asrun, playout_hook, services
from schedule.models import AsRunEntry, Slot
from station.errors import PermissionDenied
from tests.conftest import user_factory
from tests.integration.test_schedule import DAY, _approve, _vi_track, desk, local

__all__ = ["desk"]  # the fixture, shared with the schedule's own tests


def _line(moment: str, length: str, source: str) -> str:
    """One line as ffplayout's file logger writes the player's clip start."""
    return (f'<span class="log-gray">[{moment}]</span> <span class="level-info">[ INFO]</span> '
            f'Play for <span class="log-number">{length}</span>: '
            f'<span class="log-addr">{source}</span>')


def _published_day(desk: dict) -> tuple[int, int, int]:
    rt, editor, report = desk["rt"], desk["editor"], desk["report"]
    _vi_track(rt, report.id, editor, approve=True)
    _approve(rt, report.id, editor)
    with rt.session() as session:
        main = services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 19), report_id=report.id), actor=editor)
        news = services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 20), duration_s=900, title="Thời sự", kind="programme",
            source="/srv/playout/thoi-su.mp4"), actor=editor)
        music = services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 20, 15), duration_s=600, title="Ca nhạc", kind="programme",
            source="/srv/playout/ca-nhac.mp4"), actor=editor)
        services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 20, 25), duration_s=300, title="Dự báo thời tiết",
            kind="programme", source="/srv/playout/thoi-tiet.mp4"), actor=editor)
        session.commit()
        services.publish_day(session, "LCTV", DAY, actor=editor)
        session.commit()
        return main.id, news.id, music.id


def test_an_ffplayout_log_reconciles_as_planned_late_and_missed(desk: dict) -> None:
    rt, editor, report = desk["rt"], desk["editor"], desk["report"]
    main_id, news_id, music_id = _published_day(desk)
    log = "\n".join([
        '<span class="log-gray">[2027-03-08 18:59:59.000000+07:00]</span> '
        '<span class="level-debug">[DEBUG]</span> Next playlist: /srv/playlists/2027-03-08.json',
        # The report's master, played from the playout's own copy of the media folder.
        _line("2027-03-08 19:00:03.480211+07:00", "00:25:00.000",
              "/srv/playout/media/cc/cc/x.mp4"),
        _line("2027-03-08 19:25:00.002000+07:00", "00:00:30.000", "/srv/playout/jingle.mp4"),
        # The news started three minutes late; the music never ran (the news overran).
        _line("2027-03-08 20:03:00.000000+07:00", "00:15:00.000", "/srv/playout/thoi-su.mp4"),
        _line("2027-03-08 20:25:00.000000+07:00", "00:05:00.000",
              "/srv/playout/thoi-tiet.mp4"),
        '<span class="log-gray">[2027-03-08 20:25:00.100000+07:00]</span> '
        '<span class="level-error">[ERROR]</span> <span class="log-gray">[Decoder]</span> '
        "Broken pipe", ""])
    with rt.session() as session:
        result = services.import_as_run(session, "LCTV", log.encode(), actor=editor,
                                        fmt="ffplayout-log")
        session.commit()
        got = {(e.title, e.outcome, e.slot_id, e.delay_s) for e in result.entries}
        assert got == {("Lai Châu hôm nay", "as_planned", main_id, 3),
                       ("jingle", "unplanned", None, None),
                       ("Thời sự", "late", news_id, 180),
                       ("Dự báo thời tiết", "as_planned", got_slot(session, "Dự báo thời tiết"),
                        0)}
        assert [s.id for s in result.missed] == [music_id]
        assert session.get(Slot, music_id).status == "missed"
        assert session.get(Slot, main_id).status == "aired"
        assert session.get(Report, report.id).status == "aired"


def got_slot(session, title: str) -> int:  # type: ignore[no-untyped-def]
    return next(s.id for s in session.query(Slot).filter(Slot.title == title))


def test_the_task_hook_records_each_clip_once(desk: dict) -> None:
    rt, editor, report = desk["rt"], desk["editor"], desk["report"]
    main_id, news_id, _ = _published_day(desk)
    admin = user_factory(rt)("admin")
    with rt.session() as session:
        with pytest.raises(PermissionDenied):
            playout_hook.create_token(session, "LCTV", "ffplayout", actor=editor)
        token, secret = playout_hook.create_token(session, "LCTV", "ffplayout LCTV",
                                                  actor=admin)
        session.commit()
        assert secret.startswith("stp_") and token.token_hash != secret
    seven_pm = dt.datetime(2027, 3, 8, 12, 0, tzinfo=dt.UTC)
    payload = {"index": 0, "ingest": False, "mode": "playlist", "shift": 0.0, "elapsed": 2.0,
               "media": {"in": 0.0, "out": 1500.0, "duration": 1500.0, "category": "",
                         "source": "/srv/playout/media/cc/cc/x.mp4"}}
    with rt.session() as session:
        token = playout_hook.authenticate(session, secret, "LCTV")
        first = playout_hook.record_played(session, token, asrun.parse_task_payload(
            payload, seven_pm + dt.timedelta(seconds=12)))
        session.commit()
        again = playout_hook.record_played(session, token, asrun.parse_task_payload(
            {**payload, "elapsed": 3.0}, seven_pm + dt.timedelta(seconds=13, milliseconds=400)))
        session.commit()
        assert first.created and not again.created and again.entry.id == first.entry.id
        assert (first.entry.slot_id, first.entry.outcome, first.entry.delay_s) == (
            main_id, "as_planned", 10)
        late = playout_hook.record_played(session, token, asrun.parse_task_payload(
            {**payload, "media": {**payload["media"], "out": 900.0,
                                  "source": "/srv/playout/thoi-su.mp4"}},
            seven_pm + dt.timedelta(hours=1, minutes=4)))
        session.commit()
        assert (late.entry.slot_id, late.entry.outcome) == (news_id, "late")
        assert session.query(AsRunEntry).count() == 2
        assert session.get(Report, report.id).status == "aired"
