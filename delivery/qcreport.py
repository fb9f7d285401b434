"""Per-language QC reports that travel inside a partner package: JSON for machines and a
standalone bilingual HTML page for people.

A partner's ingest desk (VTV4, VOV5) gets the subtitle files with the station's own quality
check beside them: which checks found what, on which cue, at which time *in the delivered file*
(a title card shifts every cue, so the times are given after that shift and the shift is
stated). Messages come from ``subtitles.qc`` in English and Vietnamese. The HTML page needs no
network, no script and no font download; every piece of text is escaped.

Pure: takes data, returns text.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from station.timecode import clock
from subtitles import qc
from subtitles.cues import Cue

log = logging.getLogger(__name__)

SCHEMA = "station.qc/1"
SEVERITY_LABELS: dict[str, tuple[str, str]] = {  # (Vietnamese, English)
    "error": ("Lỗi", "Error"),
    "warning": ("Cảnh báo", "Warning"),
    "info": ("Ghi chú", "Info"),
}
# Why the times differ from the translator's file when a title card leads the programme.
OFFSET_NOTE = ("thời gian đã cộng độ dài màn hình tiêu đề",
               "times include the title card in front of the programme")


@dataclass(frozen=True)
class QCInput:
    """One language's QC as it is delivered: the cues as written in the package (times already
    shifted by offset_ms) and the findings of the track's QC run."""

    language: str
    fingerprint: str
    cues: Sequence[Cue]
    findings: Sequence[qc.Finding]
    offset_ms: int = 0
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    package: str = ""
    title: str = ""


def counts(findings: Sequence[qc.Finding]) -> dict[str, int]:
    """Findings per severity, all three always present."""
    by_severity = dict.fromkeys(qc.SEVERITIES, 0)
    for finding in findings:
        by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
    return by_severity


def _clock(ms: int | None) -> str:
    """HH:MM:SS.mmm, as subtitle editors show times."""
    return "" if ms is None else clock(ms)


def _cue(report: QCInput, index: int | None) -> Cue | None:
    if index is None or not 0 <= index < len(report.cues):
        return None
    return report.cues[index]


def qc_json(report: QCInput) -> dict[str, Any]:
    """The report as a JSON-ready dict (cue_index is 0-based; cue_number is what people see)."""
    findings = []
    for finding in report.findings:
        cue = _cue(report, finding.cue_index)
        findings.append({
            "check": finding.check,
            "severity": finding.severity,
            "cue_index": finding.cue_index,
            "cue_number": None if finding.cue_index is None else finding.cue_index + 1,
            "start_ms": cue.start_ms if cue else None,
            "end_ms": cue.end_ms if cue else None,
            "message_en": finding.text("en"),
            "message_vi": finding.text("vi"),
        })
    return {
        "schema": SCHEMA,
        "package": report.package,
        "language": report.language,
        "fingerprint": report.fingerprint,
        "cues": len(report.cues),
        "time_offset_ms": report.offset_ms,
        "approved_by": report.approved_by,
        "approved_at": report.approved_at.isoformat() if report.approved_at else None,
        "counts": counts(report.findings),
        "findings": findings,
    }


_STYLE = """
body{font-family:"DejaVu Sans","Noto Sans",Arial,sans-serif;margin:2em;color:#1b1b1b}
h1{font-size:1.4em;margin-bottom:.2em}h2{font-size:1.1em;margin-top:1.5em}
.en{color:#555;font-size:.92em}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #c8d2dc;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#e9eff6}td.time{white-space:nowrap;font-family:monospace}
.error{background:#fde8e8}.warning{background:#fff6da}.info{background:#eef5ff}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}
"""


def _both(vi: str, en: str) -> str:
    """A bilingual label: Vietnamese first, English beside it."""
    return f'{html.escape(vi)} <span class="en">/ {html.escape(en)}</span>'


def qc_html(report: QCInput) -> str:
    """A standalone UTF-8 HTML page: summary, then a table of findings (or "No findings")."""
    esc = html.escape
    tally = counts(report.findings)
    rows = []
    for finding in report.findings:
        cue = _cue(report, finding.cue_index)
        vi_label, en_label = SEVERITY_LABELS.get(finding.severity,
                                                 (finding.severity, finding.severity))
        number = "" if finding.cue_index is None else str(finding.cue_index + 1)
        times = f"{_clock(cue.start_ms)} – {_clock(cue.end_ms)}" if cue else ""
        rows.append(
            f'<tr class="{esc(finding.severity)}"><td>{esc(number)}</td>'
            f'<td class="time">{esc(times)}</td><td>{_both(vi_label, en_label)}</td>'
            f"<td><code>{esc(finding.check)}</code></td>"
            f'<td>{esc(finding.text("vi"))}<br><span class="en">{esc(finding.text("en"))}'
            f"</span></td></tr>")
    if rows:
        table = (
            "<table><thead><tr>"
            f"<th>#</th><th>{_both('Thời gian', 'Time')}</th>"
            f"<th>{_both('Mức độ', 'Severity')}</th><th>{_both('Kiểm tra', 'Check')}</th>"
            f"<th>{_both('Nội dung', 'Message')}</th>"
            "</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>")
    else:
        table = f"<p>{_both('Không có phát hiện nào', 'No findings')}</p>"
    approved = ""
    if report.approved_by or report.approved_at:
        when = report.approved_at.isoformat() if report.approved_at else ""
        approved = (f"<dt>{_both('Người duyệt', 'Approved by')}</dt>"
                    f"<dd>{esc(report.approved_by or '')} {esc(when)}</dd>")
    summary = ", ".join(f"{SEVERITY_LABELS[key][0]} / {SEVERITY_LABELS[key][1]}: {tally[key]}"
                        for key in qc.SEVERITIES)
    offset = ""
    if report.offset_ms:
        offset = (f"<dt>{_both('Độ lệch thời gian', 'Time offset')}</dt>"
                  f"<dd>+{report.offset_ms} ms ({_both(*OFFSET_NOTE)})</dd>")
    heading = f"Kiểm tra phụ đề / Subtitle QC — {report.language}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(heading)}</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>{_both('Kiểm tra phụ đề', 'Subtitle QC')}: {esc(report.language)}</h1>\n"
        f"<dl><dt>{_both('Gói', 'Package')}</dt><dd>{esc(report.package)}</dd>"
        f"<dt>{_both('Tiêu đề', 'Title')}</dt><dd>{esc(report.title)}</dd>"
        f"<dt>{_both('Số phụ đề', 'Cues')}</dt><dd>{len(report.cues)}</dd>"
        f"<dt>{_both('Dấu vân tay', 'Fingerprint')}</dt>"
        f"<dd><code>{esc(report.fingerprint)}</code></dd>{approved}{offset}"
        f"<dt>{_both('Tổng hợp', 'Summary')}</dt><dd>{esc(summary)}</dd></dl>\n"
        f"<h2>{_both('Phát hiện', 'Findings')}</h2>\n{table}\n</body></html>\n"
    )

