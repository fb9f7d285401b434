"""The one CSV writer: spreadsheets open it in Vietnamese and never run a typed formula."""

from __future__ import annotations

import csv
import io

from station import csvfile
from subtitles import review


def read(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 only with a BOM
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_typed_formulas_are_inert_and_machine_columns_untouched() -> None:
    data = csvfile.write(
        [{"title": '=HYPERLINK("http://evil.example","Lai Châu")', "offset": "+07:00",
          "n": -5, "note": "@SUM(A1)"},
         {"title": "-1+1", "offset": "-03:00", "n": 3, "note": "\tcmd"},
         {"title": "Lai Châu", "offset": "+07:00", "n": 0, "note": "bình thường"}],
        ["title", "offset", "n", "note"], text_columns=("title", "note"))
    assert b"\r\n" in data
    rows = read(data)
    assert [r["title"] for r in rows] == ["'=HYPERLINK(\"http://evil.example\",\"Lai Châu\")",
                                          "'-1+1", "Lai Châu"]
    assert [r["note"] for r in rows] == ["'@SUM(A1)", "'\tcmd", "bình thường"]
    assert [r["offset"] for r in rows] == ["+07:00", "-03:00", "+07:00"]
    assert [r["n"] for r in rows] == ["-5", "3", "0"]


def test_the_review_sheet_neutralises_a_reviewers_formula() -> None:
    rows = [{"cue": 1, "start_ms": 1000, "kind": "comment", "severity": "", "by": "=cmd|x",
             "text": '=HYPERLINK("http://evil.example")', "cue_text": "+chào",
             "resolved": False}]
    got = read(review.report_csv(rows))[0]
    assert got["text"].startswith("'=") and got["by"].startswith("'=")
    assert got["cue_text"] == "'+chào" and got["start_ms"] == "1000"
