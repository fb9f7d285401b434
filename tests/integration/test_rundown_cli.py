"""`station rundown show|export|approve` on a real database, through the click group."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from planning.cli import rundown
from station.runtime import Runtime
from tests.integration.test_rundown import _build, _version, desk  # noqa: F401  (fixture)


def _run(rt: Runtime, tmp_path: Path, *args: str, lang: str = "en",
         ok: bool = True) -> Result:
    env = {"STATION_INSTANCE_PATH": str(tmp_path / "instance"), "STATION_LANGUAGE": lang,
           "STATION_DATABASE_URL": rt.settings.database_url, "STATION_REDIS_URL": "",
           "STATION_USER": ""}
    result = CliRunner().invoke(rundown, list(args), env=env, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_show_lists_the_running_order_with_its_clock(desk: dict,  # noqa: F811
                                                     tmp_path: Path) -> None:
    rt = desk["rt"]
    _build(desk)
    rid = str(desk["rundown_id"])
    shown = _run(rt, tmp_path, "show", rid).output.splitlines()
    assert "Thời sự 19:00" in shown[0] and "2027-03-08 19:00:00" in shown[0]
    assert shown[1].split()[:4] == ["1", "19:00:00", "Reader", "1:00"]
    assert "19:01:00" in shown[2] and "1:36" in shown[2] and "Mùa hoa ban" in shown[2]
    assert "(media length)" in shown[2]
    assert "[not approved, loudness ok, vi: subtitles missing]" in shown[2]
    assert shown[-1] == "Total 4:51 of 5:00: 0:10 under"
    doc = json.loads(_run(rt, tmp_path, "show", rid, "--json").output)
    assert [line["back_time"] for line in doc["lines"]] == [
        "19:00:09", "19:01:09", "19:02:45", "19:04:45"]
    assert doc["over_ms"] == -9_600 and doc["version"] == _version(rt, desk["rundown_id"])


def test_export_writes_the_anchor_script_and_the_data(desk: dict,  # noqa: F811
                                                      tmp_path: Path) -> None:
    rt = desk["rt"]
    _build(desk)
    rid = str(desk["rundown_id"])
    text = _run(rt, tmp_path, "export", rid, "--format", "txt").output
    assert text.startswith("THỜI SỰ 19:00\nLCTV, on air 2027-03-08 19:00:00, off air "
                           "2027-03-08 19:05:00\n")
    assert "[19:00:00] 1. READER · Mai: Chào (1:00)" in text
    assert ("tin " * 170).strip() in text  # the words to read, in full
    assert "back time 19:00:09, 1:00 into the bulletin" in text
    vietnamese = _run(rt, tmp_path, "export", rid, "--format", "txt", lang="vi").output
    assert "lên sóng" in vietnamese
    target = tmp_path / "rundown.json"
    _run(rt, tmp_path, "export", rid, "--format", "json", "-o", str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["lines"][1]["timed_from"] == "media"


def test_the_pdf_holds_the_running_order_and_the_script(desk: dict,  # noqa: F811
                                                        tmp_path: Path) -> None:
    import pypdf

    rt = desk["rt"]
    _build(desk)
    target = tmp_path / "rundown.pdf"
    _run(rt, tmp_path, "export", str(desk["rundown_id"]), "--format", "pdf", "-o", str(target),
         lang="vi")
    reader = pypdf.PdfReader(target)
    words = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert len(reader.pages) >= 2  # the running order, then the script
    assert "Thời sự 19:00" in words and "Mùa hoa ban" in words  # Vietnamese, embedded font
    assert "19:02:45" in words  # a back time, as the screen shows it
    assert "Tổng 4:51 trên 5:00: thiếu 0:10" in words  # the total and its over/under
    assert ("tin " * 20).strip() in words  # the words to read, in full


def test_approve_needs_the_version_read(desk: dict, tmp_path: Path) -> None:  # noqa: F811
    rt = desk["rt"]
    _build(desk)
    rid = str(desk["rundown_id"])
    stale = _run(rt, tmp_path, "approve", rid, "--version", "1", "--as",
                 desk["chief"].username, ok=False)
    assert stale.exit_code == 1 and "Lò Thị Mai changed this rundown" in stale.output
    done = _run(rt, tmp_path, "approve", rid, "--version",
                str(_version(rt, desk["rundown_id"])), "--as", desk["chief"].username)
    assert "approved" in done.output


def test_place_puts_the_bulletin_in_the_schedule(desk: dict, tmp_path: Path) -> None:  # noqa: F811
    rt = desk["rt"]
    rid = str(desk["rundown_id"])
    placed = _run(rt, tmp_path, "place", rid, "--as", desk["editor"].username)
    assert "airs in slot #" in placed.output and "(300 s)" in placed.output
    again = _run(rt, tmp_path, "place", rid, "--as", desk["editor"].username, ok=False)
    assert again.exit_code == 1 and "already airs in slot" in again.output
