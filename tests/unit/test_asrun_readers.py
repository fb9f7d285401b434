"""The as-run readers on text alone: ffplayout's log lines in the forms its releases write,
its task JSON, the station's CSV, and matching a played file to the planned slot."""

from __future__ import annotations

import datetime as dt

import pytest

from schedule import asrun
from station.errors import ValidationError

HCM = dt.timezone(dt.timedelta(hours=7))

# engine/src/utils/logging.rs file_formatter + engine/src/player/output/mod.rs "Play for".
NEW = ('<span class="log-gray">[2027-03-08 19:00:04.712345+07:00]</span> '
       '<span class="level-info">[ INFO]</span> Play for <span class="log-number">'
       '00:25:00.000</span>: <span class="log-addr">/srv/playout/media/cc/cc/x.mp4</span>')
OLD = ("[2027-03-08 20:03:00.100000] [ INFO] Play for <yellow>00:15:00.000</> (2/9): "
       "<b><magenta>/usr/share/ffplayout/tv-media/thoi-su.mp4  </></b>")


def test_play_lines_of_new_and_old_releases_are_read_and_the_rest_skipped() -> None:
    text = "\n".join([
        '<span class="log-gray">[2027-03-08 18:59:58.000000+07:00]</span> '
        '<span class="level-debug">[DEBUG]</span> Next playlist begin',
        NEW,
        '<span class="log-gray">[2027-03-08 19:00:05.000000+07:00]</span> '
        '<span class="level-info">[ INFO]</span> <span class="log-gray">[Decoder]</span> '
        "[info] Input #0, mov,mp4",
        OLD, ""])
    first, second = asrun.parse_ffplayout_log(text)
    assert first == asrun.Played(dt.datetime(2027, 3, 8, 19, 0, 5, tzinfo=HCM), 1500, "x",
                                 source="/srv/playout/media/cc/cc/x.mp4")
    assert second.started == dt.datetime(2027, 3, 8, 20, 3)  # no offset: the channel's time
    assert (second.duration_s, second.title, second.source) == (
        900, "thoi-su", "/usr/share/ffplayout/tv-media/thoi-su.mp4")


def test_a_clip_ends_when_the_next_one_starts() -> None:
    skipped = NEW.replace("19:00:04.712345", "19:10:00.000000").replace("x.mp4", "y.mp4")
    cut, after = asrun.parse_ffplayout_log(NEW + "\n" + skipped)
    assert (cut.duration_s, after.duration_s) == (595, 1500)  # 19:00:05 to 19:10:00


def test_a_file_without_play_lines_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="ffplayout log"):
        asrun.parse_ffplayout_log("start,duration,title\n2027-03-08T19:00,60,x\n")
    assert asrun.parse_ffplayout_log("") == []


def test_task_payload_starts_elapsed_seconds_ago() -> None:
    now = dt.datetime(2027, 3, 8, 12, 0, 10, 600_000, tzinfo=dt.UTC)
    payload = {"index": 3, "ingest": False, "mode": "playlist", "shift": 0.0,
               "elapsed": 5.1, "media": {"in": 0.0, "out": 1500.0, "duration": 1500.2,
                                         "category": "", "source": "/srv/a/b.mp4"}}
    line = asrun.parse_task_payload(payload, now)
    assert line.started == dt.datetime(2027, 3, 8, 12, 0, 6, tzinfo=dt.UTC)
    assert (line.duration_s, line.title, line.source) == (1500, "b", "/srv/a/b.mp4")
    titled = asrun.parse_task_payload({**payload, "media": {**payload["media"],
                                                            "title": "Thời sự"}}, now)
    assert titled.title == "Thời sự"
    for bad in ([], {"media": {}}, {"media": {"source": "x"}},
                {"elapsed": -1, "media": {"source": "x", "out": 5}},
                {"elapsed": True, "media": {"source": "x", "out": 5}}):
        with pytest.raises(ValidationError):
            asrun.parse_task_payload(bad, now)


def test_csv_reader_keeps_its_columns_and_line_numbers() -> None:
    (line,) = asrun.read("csv", "start,duration,title,id\n2027-03-08T19:00:05,1500,A,7\n")
    assert (line.duration_s, line.title, line.external) == (1500, "A", "7")
    with pytest.raises(ValidationError, match="Line 2"):
        asrun.read("csv", "start,duration,title\nsoon,5,x\n")
    with pytest.raises(ValidationError, match="Unknown as-run format"):
        asrun.read("xml", "")


def test_played_files_are_named_by_the_nearest_slot_playing_them() -> None:
    seven = dt.datetime(2027, 3, 8, 12, tzinfo=dt.UTC)
    planned = [asrun.PlannedSource(1, seven, "media/cc/cc/x.mp4", "Lai Châu hôm nay"),
               asrun.PlannedSource(2, seven + dt.timedelta(hours=3), "media/cc/cc/x.mp4",
                                   "Lai Châu hôm nay (phát lại)")]
    lines = [asrun.Played(seven + dt.timedelta(seconds=4), 1500, "x",
                          source="/srv/playout/media/cc/cc/x.mp4"),
             asrun.Played(seven + dt.timedelta(hours=3, minutes=2), 1500, "x",
                          source="D:\\playout\\x.mp4"),
             asrun.Played(seven, 30, "jingle", source="/srv/jingle.mp4")]
    named = asrun.name_sources(lines, planned)
    assert [(n.external, n.title) for n in named] == [
        ("1", "Lai Châu hôm nay"), ("2", "Lai Châu hôm nay (phát lại)"), (None, "jingle")]
