"""The desk's as-run upload takes ffplayout's log as well as the CSV, told apart by content
when the editor leaves the format to the page."""

from __future__ import annotations

import io
import re
from typing import Any

from schedule import services
from schedule.models import AsRunEntry
from station.runtime import Runtime
from tests.conftest import csrf_token, login
from tests.integration.test_asrun_cli import LOG
from tests.integration.test_schedule import DAY, local


def _flashes(html: str) -> list[str]:
    return re.findall(r'<div class="flash \w+" role="\w+">([^<]*)</div>', html)


def test_the_upload_reads_an_ffplayout_log_or_a_csv(client: Any, runtime: Runtime,
                                                   make_user: Any) -> None:
    editor = make_user("editor")
    with runtime.session() as session:
        services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 20), duration_s=900, title="Thời sự", kind="programme",
            source="/srv/playout/thoi-su.mp4"), actor=editor)
        session.commit()
    login(client, editor.username)
    week = DAY.isoformat()

    def upload(data: bytes, name: str, fmt: str) -> str:
        token = csrf_token(client.get(f"/schedule/LCTV?week={week}").get_data(as_text=True))
        return client.post("/schedule/LCTV/asrun", data={
            "csrf_token": token, "week": week, "format": fmt,
            "file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
            follow_redirects=True).get_data(as_text=True)

    page = upload(LOG.encode(), "ffplayout_1.log", "auto")
    assert _flashes(page) == ["Đã nhập nhật ký: Phát muộn: 1, Ngoài kế hoạch: 1; bỏ lỡ: 0"]
    page = upload("start,duration,title\n2027-03-08T21:00:00,60,Quảng cáo\n".encode(),
                  "asrun.csv", "auto")
    assert _flashes(page) == ["Đã nhập nhật ký: Ngoài kế hoạch: 1; bỏ lỡ: 0"]
    refused = upload(b"start,duration,title\n", "x.log", "ffplayout-log")
    assert _flashes(refused) == [
        "Tệp này không có dòng “Play for” nào: có phải nhật ký của ffplayout không?"]
    with runtime.session() as session:
        outcomes = sorted(e.outcome for e in session.query(AsRunEntry))
    assert outcomes == ["late", "unplanned", "unplanned"]
