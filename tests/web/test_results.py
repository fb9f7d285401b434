"""The results page through the Flask client: figures, charts, drill-down, exports, roles."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pypdf

from delivery.models import Package, PackageDownload
from production.models import Channel, MediaAsset, Report, ReportEvent
from schedule.models import AsRunEntry, Slot
from station.runtime import Runtime
from subtitles.models import CueRow, Track
from tests.conftest import login

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = "from=2026-01-01&to=2026-12-31"


def local(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=HCM).astimezone(dt.UTC)


def seed_small(runtime: Runtime) -> dict[str, Any]:
    """Three reports of 2026 with known figures: produced in March (2) and December (1), one
    of them late; a Vietnamese and a Mông track; an airing and a rerun; a package downloaded
    twice (once resumed)."""
    with runtime.session() as session:
        channels = {c.code: c for c in session.query(Channel)}
        made = []
        for title, kind, codes, due, done in (
                ("Mùa hoa ban Tây Bắc", "tv_report", ("LCTV", "VTV4"), dt.date(2026, 3, 10),
                 local(2026, 3, 9, 15)),
                ("Chợ phiên Tam Đường", "news", ("LCTV",), dt.date(2026, 3, 1),
                 local(2026, 3, 5, 10)),
                ("Lễ hội Gầu Tào", "radio_programme", ("LCR", "VOV5"), dt.date(2026, 12, 31),
                 local(2026, 12, 31, 23, 30))):
            report = Report(title=title, kind=kind, status="approved", due_date=due,
                            channels=[channels[c] for c in codes])
            session.add(report)
            session.flush()
            session.add(ReportEvent(report_id=report.id, kind="status", from_status="review",
                                    to_status="approved", at=done))
            made.append(report)
        flower, market, festival = made
        session.add(MediaAsset(report_id=flower.id, role="master", sha256="a" * 64,
                               size_bytes=1, storage_key="a/a.mp4", duration_ms=600_000))
        for report, language, cues in ((flower, "vi", (3_000, 4_000)),
                                       (festival, "hnj", (2_500,))):
            track = Track(report_id=report.id, language=language, role="original",
                          status="approved", origin="human", rules={"max_lines": 2},
                          approved_at=local(2026, 3, 20))
            session.add(track)
            session.flush()
            start = 1_000
            for length in cues:
                session.add(CueRow(track_id=track.id, start_ms=start, end_ms=start + length,
                                   text="Lai Châu hôm nay"))
                start += length + 500
        first = Slot(channel_id=channels["LCTV"].id, start_at=local(2026, 3, 12, 19),
                     end_at=local(2026, 3, 12, 19, 10), duration_s=600, title=flower.title,
                     kind="report", report_id=flower.id, status="aired")
        session.add(first)
        session.flush()
        rerun = Slot(channel_id=channels["LCTV"].id, start_at=local(2026, 3, 13, 9),
                     end_at=local(2026, 3, 13, 9, 10), duration_s=600, title=flower.title,
                     kind="report", report_id=flower.id, rerun_of_id=first.id,
                     status="aired")
        session.add(rerun)
        session.flush()
        for slot in (first, rerun):
            session.add(AsRunEntry(channel_id=slot.channel_id, started_at=slot.start_at,
                                   duration_s=600, title=slot.title, slot_id=slot.id,
                                   outcome="as_planned", import_batch="t"))
        package = Package(report_id=flower.id, channel_id=channels["VTV4"].id, number=1,
                          kind="full", status="ready", spec_version=1, spec={},
                          ready_at=local(2026, 3, 14), size_bytes=2_000_000)
        session.add(package)
        session.flush()
        for range_start in (0, 1_000_000, 0):
            session.add(PackageDownload(package_id=package.id,
                                        channel_id=channels["VTV4"].id, path="p.zip",
                                        range_start=range_start, bytes=1_000_000,
                                        at=local(2026, 3, 15)))
        session.commit()
        return {"flower": flower.id, "market": market.id, "festival": festival.id}


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _kpi(html: str, key: str) -> str:
    found = re.search(rf'data-key="{key}"><span class="label">[^<]*</span>'
                      rf'<span class="value">([^<]*)</span>', html)
    assert found, key
    return found.group(1)


def test_editor_sees_the_year_and_drills_down(client, make_user, runtime) -> None:  # type: ignore[no-untyped-def]
    ids = seed_small(runtime)
    editor = make_user("editor")
    login(client, editor.username)
    html = _page(client, f"/results/?{YEAR}")
    assert "năm 2026" in html and 'href="/results/' in html  # the nav link
    assert _kpi(html, "reports_produced") == "3"
    assert _kpi(html, "on_time_rate") == "66,7\u00a0%"  # market was done after its due date
    assert _kpi(html, "minutes_aired") == "20,0"
    assert _kpi(html, "reruns") == "1"
    assert _kpi(html, "downloads") == "2"  # the resumed request is the same download
    assert _kpi(html, "minutes_subtitled") == "0,2"  # 9.5 s of cues
    assert "Tiếng Mông (hnj)" in html and "Tiếng dân tộc thiểu số" in html
    charts = re.findall(r'src="(/results/chart/[a-z_]+\.png\?[^"]+)"', html)
    assert len(charts) == 6

    png = client.get(charts[0].replace("&amp;", "&"))
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG") and "private" in png.headers["Cache-Control"]
    again = client.get(charts[0].replace("&amp;", "&"),
                       headers={"If-None-Match": png.headers["ETag"]})
    assert again.status_code == 304

    march = re.search(r'href="(/results/drill\?figure=produced_month&amp;key=2026-03[^"]*)"',
                      html)
    assert march
    listing = _page(client, march.group(1).replace("&amp;", "&"))
    assert "Mùa hoa ban Tây Bắc" in listing and "Chợ phiên Tam Đường" in listing
    assert "Lễ hội Gầu Tào" not in listing and "2 tin bài" in listing
    assert f'href="/reports/{ids["flower"]}"' in listing
    late = _page(client, f"/results/drill?figure=ontime&key=late&{YEAR}")
    assert "Chợ phiên Tam Đường" in late and "Mùa hoa ban" not in late
    reruns = _page(client, f"/results/drill?figure=reruns_channel&key=LCTV&{YEAR}")
    assert "Mùa hoa ban Tây Bắc" in reruns
    assert client.get(f"/results/drill?figure=nope&key=x&{YEAR}").status_code == 404


def test_filters_periods_and_bad_input(client, make_user, runtime) -> None:  # type: ignore[no-untyped-def]
    seed_small(runtime)
    editor = make_user("editor")
    login(client, editor.username)
    vtv4 = _page(client, f"/results/?{YEAR}&channel=VTV4")
    assert _kpi(vtv4, "reports_produced") == "1" and _kpi(vtv4, "minutes_aired") == "0,0"
    assert 'value="VTV4" checked' in vtv4
    news = _page(client, f"/results/?{YEAR}&kind=news")
    assert _kpi(news, "reports_produced") == "1" and _kpi(news, "downloads") == "0"
    december = _page(client, "/results/?from=2026-12-01&to=2026-12-31")
    assert "tháng 12 năm 2026" in december and _kpi(december, "reports_produced") == "1"
    across = _page(client, "/results/?from=2026-12-15&to=2027-01-15")
    assert "T12/2026" not in across and "Tháng 1/2027" in across
    empty = _page(client, "/results/?from=2031-01-01&to=2031-12-31")
    assert _kpi(empty, "reports_produced") == "0" and "Không có số liệu" in empty
    backwards = _page(client, "/results/?from=2026-12-31&to=2026-01-01")
    assert "trước khi bắt đầu" in backwards and 'class="flash error"' in backwards
    unknown = _page(client, f"/results/?{YEAR}&channel=XYZ&kind=opera")
    assert "Không có kênh XYZ" in unknown and "thể loại không hợp lệ" in unknown
    client.get("/lang/en")
    english = _page(client, f"/results/?{YEAR}")
    assert "Reports produced" in english and _kpi(english, "on_time_rate") == "66.7\u00a0%"


def test_exports_download(client, make_user, runtime) -> None:  # type: ignore[no-untyped-def]
    seed_small(runtime)
    editor = make_user("admin")
    login(client, editor.username)
    got = client.get(f"/results/export/docx?{YEAR}")
    assert got.status_code == 200
    assert got.headers["Content-Disposition"] == \
        'attachment; filename="bao-cao-ket-qua_2026-01-01_2026-12-31.docx"'
    document = docx.Document(io.BytesIO(got.data))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Trong kỳ, Đài hoàn thành 3 tin bài" in body and "II. PHỤ ĐỀ" in body
    assert "Các kênh đã phát sóng 20,0 phút với 2 lượt phát, trong đó 1 lượt phát lại" in body

    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/results/export/xlsx?{YEAR}").data))
    partners = next(ws for ws in book.worksheets if "đối tác" in ws.title)
    rows = {r[0]: r for r in partners.iter_rows(min_row=4, values_only=True)}
    assert rows["VTV4"][1:6] == (1, 1, 2_000_000, 2, 1)

    english = client.get(f"/results/export/pdf?{YEAR}&lang=en")
    assert english.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in
                             pypdf.PdfReader(io.BytesIO(english.data)).pages).split())
    assert "REPORT" in text and "the station produced 3 reports" in text
    data = json.loads(client.get(f"/results/export/json?{YEAR}").data)
    assert data["summary"]["reports_produced"] == 3
    assert client.get(f"/results/export/odt?{YEAR}").status_code == 400


def test_only_editors_and_admins(client, make_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/results/").status_code == 302  # to the login page
    translator = make_user("translator", languages=["en"])
    login(client, translator.username)
    assert client.get("/results/").status_code == 403
    assert client.get(f"/results/export/docx?{YEAR}").status_code == 403
    assert client.get("/results/chart/produced_by_month.png").status_code == 403
    assert 'href="/results/"' not in _page(client, "/reports")
