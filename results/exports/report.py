"""The review as a Vietnamese administrative report, independent of the file format.

Layout after Decree 30/2020/NĐ-CP (Nghị định về công tác văn thư), appendix I: the issuing
body top left with the document number under it; the national name and motto top right,
with the place and date under them; the title (kind of document, then its subject) centred;
the body in numbered sections (I., II., ...); then the recipients ("Nơi nhận") bottom left
and the signer bottom right. The DOCX and the PDF writers lay out this same structure, so
both say the same thing in the same order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from results.labels import NOTES, filters_text, number, summary_value, text
from results.types import SECTION_TITLES, Results, Table
from station.i18n import N_ as _
from station.timecode import to_local

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# The chart drawn after each table that has one.
CHART_AFTER = ("produced_by_month", "ontime_by_month", "subtitled_by_month", "aired_by_month",
               "delivery_by_partner", "qc_by_month")


@dataclass
class Block:
    """One piece of the body: a section heading, a paragraph, a table or a chart."""

    kind: str  # "section", "paragraph", "table", "chart"
    text: str = ""
    table: Table | None = None
    chart: str | None = None  # the table name whose chart goes here


@dataclass
class Report:
    """Everything the document shows, already in the chosen language."""

    lang: str
    agency: list[str]
    number: str
    nation: list[str]
    place_date: str
    title: list[str]
    dates: str
    filters: str
    intro: str
    blocks: list[Block] = field(default_factory=list)
    notes_title: str = ""
    notes: list[str] = field(default_factory=list)
    recipients_title: str = ""
    recipients: list[str] = field(default_factory=list)
    signer: list[str] = field(default_factory=list)


def place_date(day: dt.date, lang: str) -> str:
    """"Lai Châu, ngày 05 tháng 01 năm 2027": days below 10 and the months 1 and 2 take a
    leading zero (Decree 30/2020/NĐ-CP); "Lai Chau, 5 January 2027" in English."""
    if lang == "vi":
        day_text, month = f"{day.day:02d}", f"{day.month:02d}" if day.month < 3 else str(day.month)
    else:
        day_text, month = str(day.day), day.strftime("%B")
    return text(_("Lai Chau, {day} {month} {year}"), lang).format(
        day=day_text, month=month, year=day.year)


def _sentences(results: Results, section: str, lang: str) -> list[str]:
    """A plain summary of a section, with its figures."""
    s = results.summary

    def n(value: Any, decimals: int = 0) -> str:
        return number(value or 0, lang, decimals)

    out: list[str] = []
    tables = results.tables

    def total(name: str) -> dict[str, Any]:
        table = tables.get(name)
        return (table.total or {}) if table is not None else {}

    if section == "production":
        kinds = tables["produced_by_kind"].rows if "produced_by_kind" in tables else []
        # "phóng sự truyền hình 16" in a Vietnamese sentence; "TV report 16" keeps its case.
        detail = ", ".join(
            f"{text(r['kind'], lang).lower() if lang == 'vi' else text(r['kind'], lang)} "
            f"{n(r['reports'])}" for r in kinds)
        out.append(text("In the period the station produced {n} reports ({detail}).", lang)
                   .format(n=n(s.get("reports_produced")), detail=detail or "–"))
        due = total("ontime_by_month")
        if due.get("due"):
            out.append(text("{due} reports were due: {on_time} on time, {late} late, {overdue} "
                            "overdue and {pending} not yet due; on-time rate {rate}.", lang)
                       .format(due=n(due["due"]), on_time=n(due["on_time"]),
                               late=n(due["late"]), overdue=n(due["overdue"]),
                               pending=n(due["pending"]),
                               rate=summary_value("on_time_rate", results, lang)))
        elif "ontime_by_month" in tables:
            out.append(text("No report was due in the period.", lang))
    elif section == "subtitles":
        out.append(text("Approved subtitles cover {total} minutes: Vietnamese {vi}, foreign "
                        "languages {foreign}, minority languages {minority}.", lang)
                   .format(total=n(s.get("minutes_subtitled"), 1),
                           vi=n(s.get("minutes_subtitled_vi"), 1),
                           foreign=n(s.get("minutes_subtitled_foreign"), 1),
                           minority=n(s.get("minutes_subtitled_minority"), 1)))
    elif section == "broadcast":
        aired = total("aired_by_channel")
        out.append(text("The channels aired {minutes} minutes in {airings} airings, of which "
                        "{reruns} reruns ({rerun_minutes} minutes).", lang)
                   .format(minutes=n(aired.get("minutes"), 1), airings=n(aired.get("airings")),
                           reruns=n(aired.get("reruns")),
                           rerun_minutes=n(aired.get("rerun_minutes"), 1)))
    else:
        out += _other_sentences(section, total, n, lang)
    return out


def _other_sentences(section: str, total: Any, n: Any, lang: str) -> list[str]:
    """The one-sentence sections: delivery, QC and the public site."""
    out: list[str] = []
    if section == "delivery":
        delivered = total("delivery_by_partner")
        out.append(text("{packages} packages were delivered to partners; partners downloaded "
                        "{downloads} times.", lang)
                   .format(packages=n(delivered.get("packages")),
                           downloads=n(delivered.get("downloads"))))
    elif section == "qc":
        found = total("qc_by_language")
        out.append(text("Quality control of the approved subtitles found {errors} errors and "
                        "{warnings} warnings in {cues} cues.", lang)
                   .format(errors=n(found.get("errors")), warnings=n(found.get("warnings")),
                           cues=n(found.get("cues"))))
    elif section == "publishing":
        seen = total("publishing_by_month")
        out.append(text("The public site published {published} reports and withdrew "
                        "{withdrawn}; pages were viewed {page} times and media played {play} "
                        "times.", lang)
                   .format(published=n(seen.get("published")), withdrawn=n(seen.get("withdrawn")),
                           page=n(seen.get("page")), play=n(seen.get("play"))))
    return out


def build(results: Results, lang: str = "vi", *, today: dt.date | None = None) -> Report:
    """The review's document structure in ``lang`` ("vi" or "en")."""
    day = today or to_local(results.generated_at, results.period.tz).date()
    period = results.period
    doc = Report(
        lang=lang,
        agency=[text(_("LAI CHAU RADIO AND"), lang), text(_("TELEVISION STATION"), lang)],
        number=text(_("No. …/BC-PTTH"), lang),
        nation=[text(_("SOCIALIST REPUBLIC OF VIETNAM"), lang),
                text(_("Independence - Freedom - Happiness"), lang)],
        place_date=place_date(day, lang),
        title=[text(_("REPORT"), lang),
               text(_("Results of the external information work, {period}"), lang)
               .format(period=period.label(lang))],
        dates=f"({period.dates_label(lang).capitalize()})",
        filters=filters_text(results, lang),
        intro=text("From the data recorded in Station, the Lai Châu Radio and Television "
                   "Station reports the results of the period as follows:", lang),
        notes_title=text("How the figures are counted", lang),
        notes=[text(note, lang) for note in NOTES],
        recipients_title=text(_("Recipients:"), lang),
        recipients=[text(_("- The station's board of directors;"), lang),
                    text(_("- Archive."), lang)],
        signer=[text(_("DIRECTOR"), lang), text(_("(Signature and full name)"), lang)],
    )
    for number_, (section, tables) in enumerate(results.sections()):
        doc.blocks.append(Block("section", f"{ROMAN[number_]}. "
                                + text(SECTION_TITLES[section], lang).upper()))
        doc.blocks.extend(Block("paragraph", line) for line in _sentences(results, section, lang))
        for table in tables:
            doc.blocks.append(Block("table", text(table.title, lang), table=table))
            if table.name in CHART_AFTER:
                doc.blocks.append(Block("chart", text(table.title, lang), chart=table.name))
    return doc


def numbered(doc: Report) -> list[tuple[Block, str]]:
    """Each block with its caption: "Bảng 1. ..." for tables, "Biểu đồ 1. ..." for charts."""
    tables = charts = 0
    out = []
    for block in doc.blocks:
        caption = ""
        if block.kind == "table":
            tables += 1
            caption = f"{text('Table', doc.lang)} {tables}. {block.text}"
        elif block.kind == "chart":
            charts += 1
            caption = f"{text('Chart', doc.lang)} {charts}. {block.text}"
        out.append((block, caption))
    return out
