"""The playout playlists as their players read them (issue 17): ffplayout's JSON through a
strict checker written from ffplayout's source, ffmpeg's concat list and the extended M3U
through ffprobe and ffmpeg on real clips made with lavfi."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from schedule import playout
from schedule.days import day_window
from schedule.exports import ffconcat, ffplayout, m3u
from schedule.items import ChannelFacts, SlotItem
from station.errors import ValidationError
from station.timecode import local_to_utc
from tests.unit.ffplayout_checker import problems

LCTV = ChannelFacts("LCTV", day_start_hour=5)
VTV4 = ChannelFacts("VTV4", day_start_hour=5)
DAY = dt.date(2026, 12, 7)
FILLER = "/srv/ffplayout/LCTV/filler/lctv-filler.mp4"

# ffplayout's own test playlist, tests/assets/playlists/playlist_short.json, verbatim.
PLAYLIST_SHORT = """{
  "channel": "Channel 1",
  "date": "2022-11-01",
  "program": [
    {"in": 0.0, "out": 30.0, "duration": 30.0, "source": "tests/assets/media_mix/av_sync.mp4"},
    {"in": 0.0, "out": 30.0, "duration": 30.0,
     "source": "tests/assets/media_mix/dual_audio.mp4"},
    {"in": 0.0, "out": 10.0, "duration": 10.0,
     "source": "tests/assets/media_mix/short_video.mp4"},
    {"in": 0.0, "out": 10.0, "duration": 10.0, "source": "tests/assets/media_mix/still.jpg"},
    {"in": 0.0, "out": 10.0, "duration": 10.0,
     "source": "tests/assets/media_mix/short_audio.mp4"},
    {"in": 0.0, "out": 30.0, "duration": 30.0, "source": "tests/assets/media_mix/no_audio.mp4"},
    {"in": 0.0, "out": 10.0, "duration": 10.0, "source": "tests/assets/media_mix/still.jpg",
     "audio": "tests/assets/media_mix/audio.mp3"},
    {"in": 0.0, "out": 25.0, "duration": 25.0, "source": "tests/assets/media_mix/ad.mp4",
     "category": "advertisement"}
  ]
}"""
# The first five items of ffplayout's tests/assets/playlists/2023/02/2023-02-08.json.
PLAYLIST_20230208 = """{
  "channel": "Channel 1",
  "date": "2023-02-08",
  "program": [
    {"in": 0.0, "out": 30.0, "duration": 30.0, "source": "assets/media_mix/dual_audio.mp4"},
    {"in": 0.0, "out": 30.0, "duration": 30.0, "source": "assets/media_mix/av_sync.mp4"},
    {"in": 0.0, "out": 10.0, "duration": 10.0, "source": "assets/media_mix/short_video.mp4"},
    {"in": 0.0, "out": 30.0, "duration": 30.0, "source": "assets/media_mix/av_sync.mp4"},
    {"in": 0.0, "out": 25.0, "duration": 25.0, "source": "assets/media_mix/ad.mp4",
     "category": "advertisement"}
  ]
}"""


def at(*args: int) -> dt.datetime:
    return local_to_utc(dt.datetime(*args))


def slot(slot_id: int, start: dt.datetime, seconds: int, title: str, source: str | None, *,
         channel: str = "LCTV", **kwargs: Any) -> SlotItem:
    return SlotItem(slot_id, channel, start, seconds, title, source=source, **kwargs)


def options(filler: str = FILLER, clip_s: float = 30.0, **media: float) -> dict[str, Any]:
    return {"filler_source": filler, "filler_duration_s": clip_s,
            "media_durations": {int(k[1:]): v for k, v in media.items()}}


def starts(doc: dict[str, Any], channel: ChannelFacts) -> dict[str, dt.datetime]:
    """When ffplayout begins each title, replaying begin += out - in from the day start."""
    begin = day_window(dt.date.fromisoformat(doc["date"]), channel)[0]
    found: dict[str, dt.datetime] = {}
    offset_ms = 0
    for item in doc["program"]:
        found.setdefault(item["title"], begin + dt.timedelta(milliseconds=offset_ms))
        offset_ms += round(item["out"] * 1000) - round(item["in"] * 1000)
    return found


# ---- the checker ---------------------------------------------------------------------------

def test_ffplayouts_own_playlists_pass_the_checker() -> None:
    assert problems(PLAYLIST_SHORT, length_s=None) == []
    assert problems(PLAYLIST_20230208.encode(), length_s=None,
                    path="/playlists/2023/02/2023-02-08.json") == []
    # a test list is not a day: ffplayout would log that it is not long enough
    assert any("not long enough" in p for p in problems(PLAYLIST_SHORT))


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["program"][0].pop("source"), "source is missing"),
    (lambda d: d["program"][0].update(source=""), "source is empty"),
    (lambda d: d["program"][0].update(out=40.0), "out 40.0 <= duration 30.0"),
    (lambda d: d["program"][0].update(out=0.0), "in 0.0 < out 0.0"),
    (lambda d: d["program"][0].update(duration="30"), "duration is not a number"),
    (lambda d: d["program"][0].pop("in"), "in is missing"),
    (lambda d: d["program"][0].update(custom_filter=None), "custom_filter is not a string"),
    (lambda d: d["program"][0].update(category=7), "category is not a string"),
    (lambda d: d.update(date="01.11.2022"), "not YYYY-MM-DD"),
    (lambda d: d.update(program=[]), "program is empty"),
    (lambda d: d.update(begin="06:00:00"), "unknown top-level key"),
])
def test_broken_playlists_are_refused(change: Any, expected: str) -> None:
    doc = json.loads(PLAYLIST_SHORT)
    change(doc)
    assert any(expected in p for p in problems(doc, length_s=None)), problems(doc, length_s=None)


def test_what_serde_json_refuses_is_refused() -> None:
    assert problems(b"\xef\xbb\xbf" + PLAYLIST_SHORT.encode(), length_s=None)
    assert problems(PLAYLIST_SHORT.replace("30.0,", "NaN,", 1), length_s=None)
    assert problems(PLAYLIST_SHORT.replace('"}\n  ]', '"},\n  ]'), length_s=None)
    assert problems(PLAYLIST_20230208, length_s=None, path="2023/02/2023-02-09.json")


# ---- the ffplayout playlist ----------------------------------------------------------------

def demo_day() -> list[SlotItem]:
    """LCTV as the demo plans it: the 19:00 news, a 60 s file in a 30-minute slot."""
    return [slot(1, at(2026, 12, 7, 19, 0), 1800, "Thời sự Lai Châu",
                 "/srv/ffplayout/LCTV/thoi-su-lai-chau.mp4")]


def test_demo_day_airs_the_news_at_1900_and_fills_the_rest_with_the_real_clip() -> None:
    data = ffplayout.write(demo_day(), LCTV, DAY, **options(s1=60.0))
    assert problems(data, exact=True, path=playout.playlist_path(DAY)) == []
    doc = json.loads(data)
    assert doc["date"] == "2026-12-07"
    assert starts(doc, LCTV)["Thời sự Lai Châu"] == at(2026, 12, 7, 19, 0)
    news = next(i for i in doc["program"] if i["title"] == "Thời sự Lai Châu")
    assert (news["in"], news["out"], news["duration"]) == (0.0, 60.0, 60.0)  # never looped
    sources = {i["source"] for i in doc["program"]}
    assert sources == {FILLER, "/srv/ffplayout/LCTV/thoi-su-lai-chau.mp4"}  # no "filler"
    fillers = [i for i in doc["program"] if i["source"] == FILLER]
    assert all(i["duration"] == 30.0 and i["in"] == 0.0 for i in fillers)
    # the 29 minutes after the news are filler, so the next item starts at 19:30 sharp
    after = doc["program"][doc["program"].index(news) + 1:]
    assert sum(i["out"] for i in after[:58]) == pytest.approx(29 * 60)


def test_gaps_long_programmes_and_the_day_end_add_up_to_24_hours() -> None:
    day = [
        slot(1, at(2026, 12, 7, 6, 0), 1800, "Chào buổi sáng", "morning.mp4"),
        slot(2, at(2026, 12, 7, 6, 30), 600, "Phim dài", "/srv/long.mp4"),  # file 900 s
        slot(3, at(2026, 12, 7, 11, 0, 7), 97, "Quảng cáo", "/srv/ad.mp4",
             category="advertisement"),
        slot(4, at(2026, 12, 8, 4, 40), 3600, "Phim đêm", "/srv/night.mp4"),  # past 05:00
    ]
    doc = ffplayout.playlist(day, LCTV, DAY, **options(clip_s=7.321, s1=1799.96, s2=900.0,
                                                        s3=96.5))
    assert problems(doc, exact=True) == []
    at_ = starts(doc, LCTV)
    assert at_["Phim dài"] == at(2026, 12, 7, 6, 30)  # after a 40 ms short file: filler
    assert at_["Quảng cáo"] == at(2026, 12, 7, 11, 0, 7)
    assert at_["Phim đêm"] == at(2026, 12, 8, 4, 40)
    items = {i["title"]: i for i in doc["program"]}
    assert (items["Phim dài"]["out"], items["Phim dài"]["duration"]) == (600.0, 900.0)
    assert items["Phim đêm"]["out"] == 1200.0  # cut at the next day start
    assert items["Quảng cáo"]["category"] == "advertisement"
    assert doc["program"][-1]["title"] == "Phim đêm"
    pieces = [i["out"] - i["in"] for i in doc["program"]]
    assert min(pieces) >= 0.04  # never a filler piece shorter than a frame


def test_a_partner_channel_plays_from_its_own_storage() -> None:
    settings = playout.PlayoutSettings("VTV4", folder="/var/lib/station/playout/VTV4",
                                       storage="/mnt/vtv4", filler="filler.mp4", filler_ms=5000,
                                       day_start="05:00:00", timezone="Asia/Ho_Chi_Minh")
    name = playout.media_name(12, "Lai Châu hôm nay", "ab" * 32, ".mp4")
    assert name == "12-lai-chau-hom-nay-abababab.mp4"
    source = playout.playout_path(settings.storage, name)
    day = [slot(1, at(2026, 12, 7, 19, 0), 1500, "Lai Châu hôm nay", source, channel="VTV4",
                kind="report", report_id=12)]
    doc = ffplayout.playlist(day, VTV4, DAY, filler_source=settings.filler_source(),
                             filler_duration_s=5.0, media_durations={1: 1492.36})
    assert problems(doc, exact=True) == []
    assert {i["source"] for i in doc["program"]} == {"/mnt/vtv4/filler.mp4",
                                                    "/mnt/vtv4/" + name}
    assert not any("/media/" in i["source"] for i in doc["program"])


def test_without_a_filler_or_a_file_the_export_refuses() -> None:
    with pytest.raises(ValidationError, match="filler"):
        ffplayout.write(demo_day(), LCTV, DAY)
    with pytest.raises(ValidationError, match="at least 1 s"):
        ffplayout.write(demo_day(), LCTV, DAY, filler_source=FILLER, filler_duration_s=0.5)
    with pytest.raises(ValidationError, match="no file to play"):
        ffplayout.write([slot(1, at(2026, 12, 7, 19, 0), 60, "Tin", None, kind="report",
                              report_id=3)], LCTV, DAY, **options())


def test_settings_name_what_is_missing_and_what_ffplayout_needs() -> None:
    empty = playout.PlayoutSettings("LCTV")
    with pytest.raises(ValidationError) as refused:
        empty.require()
    assert "--folder" in refused.value.message("en") and "LCTV" in refused.value.message("en")
    ready = playout.PlayoutSettings("LCTV", folder="/a", storage="/b", filler="f.mp4",
                                    filler_ms=10_000, day_start="05:00:00",
                                    timezone="Asia/Ho_Chi_Minh", playlists="/playlists")
    ready.require()
    settings = ready.ffplayout_settings()
    assert settings["playlist.day_start"] == "05:00:00"
    assert settings["playlist.length"] == "24:00:00"
    assert settings["channel.timezone"] == "Asia/Ho_Chi_Minh"
    assert settings["storage.filler"] == "/b/f.mp4"
    with pytest.raises(ValidationError, match="05:59:25"):
        playout.check_agrees(playout.PlayoutSettings("LCTV", day_start="05:59:25",
                                                     timezone="Asia/Ho_Chi_Minh"),
                             day_start_hour=5, timezone="Asia/Ho_Chi_Minh")
    assert playout.parse_day_start("5:00") == "05:00:00"
    with pytest.raises(ValidationError):
        playout.parse_day_start("25:00")


def test_hand_over_links_names_stably_and_never_overwrites(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    first = store / "a.mp4"
    first.write_bytes(b"first master")
    folder = tmp_path / "playout"
    sha = playout._sha256(first)
    name = playout.media_name(5, "Mùa hoa ban", sha, ".mp4")
    placed = playout.hand_over(first, folder, name, sha)
    assert placed.read_bytes() == b"first master"
    assert (folder / f"{name}.sha256").read_text() == f"{sha}  {name}\n"
    assert playout.hand_over(first, folder, name, sha) == placed  # again: nothing changes
    second = store / "b.mp4"
    second.write_bytes(b"replacement master")
    sha2 = playout._sha256(second)
    name2 = playout.media_name(5, "Mùa hoa ban", sha2, ".mp4")
    assert name2 != name
    playout.hand_over(second, folder, name2, sha2)
    assert placed.read_bytes() == b"first master"  # today's playlist still plays it
    with pytest.raises(ValidationError, match="never overwrites"):
        playout.hand_over(second, folder, name, sha2)


# ---- real players on real clips ------------------------------------------------------------

def _clip(path: Path, seconds: float, colour: str) -> Path:
    """A tiny H.264 clip at 1 fps: 24 h of them copy through ffmpeg in seconds."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c={colour}:s=32x32:r=1:d={seconds}", "-c:v", "libx264", "-g", "1",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def _probe_duration(path: str, *extra: str) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", *extra, "-show_entries", "format=duration",
                          "-of", "json", path], check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout)["format"]["duration"])


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("playout")
    _clip(folder / "filler.mp4", 7, "gray")
    _clip(folder / "news it's.mp4", 60, "blue")  # a quote: ffconcat must escape it
    _clip(folder / "long.mp4", 900, "red")
    return folder


def _day(folder: Path) -> tuple[list[SlotItem], dict[str, Any]]:
    day = [slot(1, at(2026, 12, 7, 19, 0), 1800, "Thời sự", str(folder / "news it's.mp4")),
           slot(2, at(2026, 12, 7, 21, 0), 600, "Phim", str(folder / "long.mp4"))]
    return day, {"filler_source": str(folder / "filler.mp4"),
                 "filler_duration_s": _probe_duration(str(folder / "filler.mp4")),
                 "media_durations": {1: _probe_duration(str(folder / "news it's.mp4")),
                                     2: _probe_duration(str(folder / "long.mp4"))}}


def test_ffprobe_reads_every_source_of_the_json_playlist(clips: Path) -> None:
    day, opts = _day(clips)
    doc = ffplayout.playlist(day, LCTV, DAY, **opts)
    assert problems(doc, exact=True) == []
    probed = {source: _probe_duration(source) for source in {i["source"] for i in doc["program"]}}
    assert all(seconds > 0 for seconds in probed.values())
    for item in doc["program"]:  # duration is the file's own, as ffplayout's probe finds it
        assert item["duration"] == pytest.approx(probed[item["source"]], abs=0.05)


def test_ffmpeg_plays_the_concat_list_for_exactly_a_day(clips: Path, tmp_path: Path) -> None:
    day, opts = _day(clips)
    listing = tmp_path / "LCTV_2026-12-07.ffconcat"
    listing.write_bytes(ffconcat.write(day, LCTV, DAY, **opts))
    text = listing.read_text("utf-8")
    assert text.startswith("ffconcat version 1.0\n") and "'\\''" in text
    assert _probe_duration(str(listing), "-f", "concat", "-safe", "0") == pytest.approx(86400,
                                                                                       abs=0.01)
    run = subprocess.run(["ffmpeg", "-v", "error", "-f", "concat", "-safe", "0", "-i",
                          str(listing), "-c", "copy", "-f", "null", "-"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr


def test_the_m3u_names_real_files_and_keeps_the_clock(clips: Path) -> None:
    day, opts = _day(clips)
    data = m3u.write(day, LCTV, DAY, **opts)
    entries = m3u.read(data)
    assert data.startswith(b"#EXTM3U\n")
    for path in {e.path for e in entries}:
        assert _probe_duration(path) > 0
    assert "filler" not in {e.path for e in entries}
    # ffmpeg reads the list itself too (its HLS demuxer takes an extended M3U of paths). A
    # list without an end tag is a live one to it: probing the default 5 s of these 1 fps
    # clips runs past the listed entries into half a minute of waiting for a reload, so it
    # probes 1 s.
    listing = clips / "LCTV.m3u"
    listing.write_bytes(data)
    found = subprocess.run(["ffprobe", "-v", "error", "-analyzeduration", "1000000",
                            "-f", "hls", "-show_entries",
                            "stream=codec_type", "-of", "json", str(listing)],
                           capture_output=True, text=True, check=True)
    assert "video" in found.stdout
    # whole files back to back: the news starts within half a filler clip of 19:00
    offset = 0
    for entry in entries:
        if entry.title == "Thời sự":
            break
        offset += entry.duration_s
    assert abs(offset - 14 * 3600) <= 4
    assert abs(sum(e.duration_s for e in entries) - 86400) <= 4 + 300  # the film plays whole
