"""Charts and exports of a hand-made result (no database): each file read back by its library.

The figures are chosen to be recognisable in the files (1.234 reports, 98,5 minutes...), and
the text is Vietnamese with every kind of diacritic, so a writer that loses a letter or a
font that lacks one shows up here.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import docx
import openpyxl
import pypdf
import pytest

from results import charts, exports
from results.types import (
    LANGUAGE_GROUPS,
    OUTCOMES,
    Column,
    Filters,
    Period,
    Results,
    Table,
)
from station.errors import NotFound, ValidationError

PERIOD = Period(dt.date(2025, 12, 1), dt.date(2026, 1, 31))  # across the new year
MONTHS = PERIOD.months()


def sample(*, empty: bool = False) -> Results:
    """A two-month result with every area, or the same tables all zero."""
    z = 0 if empty else 1
    tables = [
        Table("produced_by_month", "production", "Reports produced by month",
              (Column("month", "Month", "month"), Column("tv_report", "tv_report"),
               Column("news", "news"), Column("total", "Total", drill="produced_month")),
              [{"key": m, "month": m, "tv_report": 600 * z, "news": 17 * z,
                "total": 617 * z} for m in MONTHS],
              {"tv_report": 1200 * z, "news": 34 * z, "total": 1234 * z},
              drill="produced_month"),
        Table("produced_by_kind", "production", "Reports produced by kind",
              (Column("kind", "Kind", "kind"), Column("reports", "Reports")),
              [{"key": "tv_report", "kind": "tv_report", "reports": 1200 * z},
               {"key": "news", "kind": "news", "reports": 34 * z}], {"reports": 1234 * z}),
        Table("ontime_by_month", "production", "Reports due by month and their outcome",
              (Column("month", "Month", "month"), Column("due", "Due"),
               *(Column(o, o) for o in OUTCOMES), Column("rate", "On-time rate", "percent")),
              [{"key": m, "month": m, "due": 10 * z, "on_time": 8 * z, "late": z,
                "overdue": z, "pending": 0, "rate": 0.8 if z else None} for m in MONTHS],
              {"due": 20 * z, "on_time": 16 * z, "late": 2 * z, "overdue": 2 * z,
               "pending": 0, "rate": 0.8 if z else None}),
        Table("subtitled_by_month", "subtitles", "Minutes subtitled by month",
              (Column("month", "Month", "month"),
               *(Column(g, g, "minutes") for g in LANGUAGE_GROUPS),
               Column("total", "Total", "minutes")),
              [{"key": m, "month": m, "vi": 60.0 * z, "foreign": 30.0 * z,
                "minority": 8.5 * z, "total": 98.5 * z} for m in MONTHS],
              {"vi": 120.0 * z, "foreign": 60.0 * z, "minority": 17.0 * z, "total": 197.0 * z}),
        Table("aired_by_channel", "broadcast", "Aired per channel (as-run logs)",
              (Column("channel", "Channel", "channel"), Column("airings", "Airings"),
               Column("minutes", "Minutes aired", "minutes"), Column("reruns", "Reruns")),
              [{"key": "LCTV", "channel": "LCTV", "airings": 42 * z, "minutes": 630.0 * z,
                "reruns": 5 * z}],
              {"airings": 42 * z, "minutes": 630.0 * z, "reruns": 5 * z}),
        Table("aired_by_month", "broadcast", "Minutes aired by month",
              (Column("month", "Month", "month"), Column("LCTV", "LCTV", "minutes"),
               Column("total", "Total", "minutes")),
              [{"key": m, "month": m, "LCTV": 315.0 * z, "total": 315.0 * z} for m in MONTHS],
              {"LCTV": 630.0 * z, "total": 630.0 * z}),
        Table("delivery_by_partner", "delivery", "Packages delivered and downloaded per partner",
              (Column("channel", "Partner", "channel"), Column("packages", "Packages ready"),
               Column("size_bytes", "Size", "bytes"), Column("downloads", "Downloads")),
              [{"key": "VTV4", "channel": "VTV4", "packages": 7 * z,
                "size_bytes": 3_500_000_000 * z, "downloads": 11 * z}],
              {"packages": 7 * z, "size_bytes": 3_500_000_000 * z, "downloads": 11 * z}),
        Table("qc_by_language", "qc", "QC findings in approved subtitles by language",
              (Column("language", "Language", "language"), Column("group", "Group", "group"),
               Column("cues", "Cues"), Column("errors", "Errors"),
               Column("warnings", "Warnings")),
              [] if empty else [{"key": "hnj", "language": "hnj", "group": "minority",
                                 "cues": 300, "errors": 3, "warnings": 9}],
              {"cues": 300 * z, "errors": 3 * z, "warnings": 9 * z}),
        Table("qc_by_month", "qc", "QC findings (errors + warnings) by month of approval",
              (Column("month", "Month", "month"), *(Column(g, g) for g in LANGUAGE_GROUPS),
               Column("total", "Total")),
              [{"key": m, "month": m, "vi": 0, "foreign": 0, "minority": 6 * z,
                "total": 6 * z} for m in MONTHS],
              {"vi": 0, "foreign": 0, "minority": 12 * z, "total": 12 * z}),
    ]
    summary = {"reports_produced": 1234 * z, "on_time_rate": 0.8 if z else None,
               "minutes_subtitled": 197.0 * z, "minutes_subtitled_vi": 120.0 * z,
               "minutes_subtitled_foreign": 60.0 * z, "minutes_subtitled_minority": 17.0 * z,
               "minutes_aired": 630.0 * z, "reruns": 5 * z, "packages_delivered": 7 * z,
               "downloads": 11 * z, "qc_errors": 3 * z, "qc_findings": 12 * z}
    return Results(PERIOD, Filters(channels=("LCTV", "VTV4")), dt.date(2026, 2, 1),
                   dt.datetime(2026, 2, 1, 3, 0, tzinfo=dt.UTC),
                   {t.name: t for t in tables}, summary)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_chart_is_a_png(lang: str) -> None:
    results = sample()
    assert charts.available(results) == ["produced_by_month", "ontime_by_month",
                                         "subtitled_by_month", "aired_by_month",
                                         "delivery_by_partner", "qc_by_month"]
    for name, png in charts.render_all(results, lang, dpi=60).items():
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), name
    blank = charts.render(sample(empty=True).tables["qc_by_month"], lang, dpi=60)
    assert blank.startswith(b"\x89PNG")
    with pytest.raises(NotFound):
        charts.render(results.tables["produced_by_kind"], lang)


def test_docx_is_an_administrative_report() -> None:
    document = docx.Document(io.BytesIO(exports.export("docx", sample(), "vi")))
    paragraphs = [p.text for p in document.paragraphs]
    body = "\n".join(paragraphs)
    header = " ".join(c.text for c in document.tables[0].rows[0].cells).replace("\n", " ")
    assert "ĐÀI PHÁT THANH VÀ TRUYỀN HÌNH LAI CHÂU" in header
    assert "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header
    assert "Độc lập - Tự do - Hạnh phúc" in header
    assert "Lai Châu, ngày 01 tháng 02 năm 2026" in header
    assert "BÁO CÁO" in paragraphs
    assert ("Kết quả thực hiện công tác thông tin đối ngoại từ ngày 01/12/2025 đến ngày "
            "31/01/2026") in paragraphs
    for heading in ("I. SẢN XUẤT TIN BÀI", "II. PHỤ ĐỀ", "III. PHÁT SÓNG",
                    "IV. GIAO NHẬN VỚI ĐỐI TÁC", "V. KIỂM TRA CHẤT LƯỢNG PHỤ ĐỀ"):
        assert heading in paragraphs
    assert "Kênh: LCTV, VTV4" in paragraphs
    assert "Trong kỳ, Đài hoàn thành 1.234 tin bài (phóng sự truyền hình 1.200, tin tức 34)." \
        in body
    assert "tỷ lệ đúng hạn 80,0\u00a0%" in body
    assert "Phụ đề đã duyệt đạt 197,0 phút" in body
    assert "Bảng 1. Tin bài hoàn thành theo tháng" in paragraphs
    assert "Biểu đồ 6. Lỗi kiểm tra (lỗi + cảnh báo) theo tháng duyệt" in paragraphs
    assert len(document.inline_shapes) == 6
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["Tháng 12/2025", "600", "17", "617"] in cells
    assert ["Tổng cộng", "1.200", "34", "1.234"] in cells
    assert ["VTV4", "7", "3,5 GB", "11"] in cells
    assert ["Tiếng Mông (hnj)", "Tiếng dân tộc thiểu số", "300", "3", "9"] in cells
    signature = " ".join(c.text for c in document.tables[-1].rows[0].cells)
    assert "Nơi nhận:" in signature and "GIÁM ĐỐC" in signature


def test_xlsx_has_one_sheet_per_table_with_numbers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(exports.export("xlsx", sample(), "vi")))
    assert book.sheetnames[0] == "0. Tổng hợp" and len(book.sheetnames) == 10
    summary = {r[0]: r[1] for r in book.worksheets[0].iter_rows(values_only=True)}
    assert summary["Tin bài hoàn thành"] == 1234 and summary["Tỷ lệ đúng hạn"] == 0.8
    assert summary["Bộ lọc"] == "Kênh: LCTV, VTV4"
    months = book["1. Tin bài theo tháng"]
    rows = list(months.iter_rows(values_only=True))
    assert rows[0] == ("Tin bài hoàn thành theo tháng", None, None, None)
    assert rows[2] == ("Tháng", "Phóng sự truyền hình", "Tin tức", "Tổng")
    assert rows[3] == ("Tháng 12/2025", 600, 17, 617)
    assert rows[-1] == ("Tổng cộng", 1200, 34, 1234)
    due = book["3. Hạn nộp theo tháng"]
    assert due.cell(4, 7).value == 0.8 and due.cell(4, 7).number_format == "0.0%"
    partners = book["7. Giao nhận theo đối tác"]
    assert partners.cell(4, 3).value == 3_500_000_000
    english = openpyxl.load_workbook(io.BytesIO(exports.export("xlsx", sample(), "en")))
    assert english.sheetnames[:2] == ["0. Summary", "1. Reports by month"]


def test_pdf_embeds_a_font_that_writes_vietnamese() -> None:
    data = exports.export("pdf", sample(), "vi")
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for words in ("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BÁO CÁO",
                  "Trong kỳ, Đài hoàn thành 1.234 tin bài", "Tiếng Mông (hnj)",
                  "V. KIỂM TRA CHẤT LƯỢNG PHỤ ĐỀ", "GIÁM ĐỐC", "Trang 1/"):
        assert words in text, words
    fonts = {str(f["/BaseFont"]) for page in reader.pages
             for f in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in f for f in fonts), fonts
    assert len(reader.pages[0].images) + sum(len(p.images) for p in reader.pages[1:]) == 6


def test_json_and_the_registry() -> None:
    data = json.loads(exports.export("json", sample(), "en"))
    assert data["summary"]["reports_produced"] == 1234 and data["lang"] == "en"
    assert data["tables"]["produced_by_month"]["rows"][0]["month"] == "2025-12"
    assert exports.filename("pdf", sample()) == "bao-cao-ket-qua_2025-12-01_2026-01-31.pdf"
    assert exports.filename("xlsx", sample(), "en") == \
        "results-report_2025-12-01_2026-01-31.xlsx"
    with pytest.raises(ValidationError, match="docx, xlsx, pdf, json"):
        exports.get("odt")


def test_an_empty_period_still_makes_every_file() -> None:
    empty = sample(empty=True)
    for name in exports.EXPORTS:
        assert exports.export(name, empty, "vi")
    document = docx.Document(io.BytesIO(exports.export("docx", empty, "vi")))
    assert "Trong kỳ, Đài hoàn thành 0 tin bài" in "\n".join(p.text for p in document.paragraphs)
