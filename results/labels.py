"""The review's words: labels, numbers and period names in Vietnamese or English.

Shared by the page, the charts, the CLI and the exports. The words themselves live in the
gettext catalogue (station/translations/*/LC_MESSAGES/messages.po, docs/i18n.md): the code
names things in English and marks each message with ``_`` (``N_``: marked here, translated
where it is shown, in the reader's language) so ``station.i18n_extract`` finds it and
tests/unit/test_catalogue.py fails while one has no Vietnamese. Numbers take the language's
separators (1.234,5 / 1,234.5); months and periods are named from catalogue templates
("Jan {year}" -> "Tháng 1/{year}", "Q1 {year}" -> "quý I năm {year}").
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from station.i18n import N_, translate

if TYPE_CHECKING:
    from results.types import Column, Results




_ = N_

# The catalogue's templates for months and periods (English source; Vietnamese msgstr).
MONTH_ROWS = (_("Jan {year}"), _("Feb {year}"), _("Mar {year}"), _("Apr {year}"),
              _("May {year}"), _("Jun {year}"), _("Jul {year}"), _("Aug {year}"),
              _("Sep {year}"), _("Oct {year}"), _("Nov {year}"), _("Dec {year}"))
MONTH_AXIS = (_("Jan {year} (short)"), _("Feb {year} (short)"), _("Mar {year} (short)"),
              _("Apr {year} (short)"), _("May {year} (short)"), _("Jun {year} (short)"),
              _("Jul {year} (short)"), _("Aug {year} (short)"), _("Sep {year} (short)"),
              _("Oct {year} (short)"), _("Nov {year} (short)"), _("Dec {year} (short)"))
MONTH_PERIODS = (_("January {year}"), _("February {year}"), _("March {year}"),
                 _("April {year}"), _("May {year} (month)"), _("June {year}"),
                 _("July {year}"), _("August {year}"), _("September {year}"),
                 _("October {year}"), _("November {year}"), _("December {year}"))
QUARTER_PERIODS = (_("Q1 {year}"), _("Q2 {year}"), _("Q3 {year}"), _("Q4 {year}"))
HALF_PERIODS = (_("first half of {year}"), _("second half of {year}"))
YEAR_PERIOD = _("year {year}")
DATES = _("from {start} to {end}")


def month_label(value: str, lang: str = "vi", *, short: bool = False) -> str:
    """A "YYYY-MM" row key as a table ("Tháng 1/2026", "Jan 2026") or a chart axis ("T1/2026")
    shows it; anything else as it is."""
    year, _sep, month = value.partition("-")
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return value
    template = (MONTH_AXIS if short else MONTH_ROWS)[int(month) - 1]
    return translate(template, lang).format(year=year)


def period_label(kind: str, start: dt.date, end: dt.date, lang: str = "vi") -> str:
    """A period as a report title names it ("quý I năm 2026", "Q1 2026"); ``kind`` is
    ``Period.kind``, and a range of days is named by its dates."""
    if kind == "month":
        template = MONTH_PERIODS[start.month - 1]
    elif kind == "quarter":
        template = QUARTER_PERIODS[(start.month - 1) // 3]
    elif kind == "half":
        template = HALF_PERIODS[0 if start.month == 1 else 1]
    elif kind == "year":
        template = YEAR_PERIOD
    else:
        return dates_label(start, end, lang)
    return translate(template, lang).format(year=start.year)


def dates_label(start: dt.date, end: dt.date, lang: str = "vi") -> str:
    """"từ ngày 01/01/2026 đến ngày 31/03/2026" (or the English)."""
    return translate(DATES, lang).format(start=start.strftime("%d/%m/%Y"),
                                         end=end.strftime("%d/%m/%Y"))


GROUP_LABELS = {"vi": _("Vietnamese"), "foreign": _("Foreign languages"),
                "minority": _("Minority languages")}
OUTCOME_LABELS = {"on_time": _("On time"), "late": _("Late"), "overdue": _("Overdue"),
                  "pending": _("Not yet due")}
LANGUAGE_NAMES = {  # English names; Vietnamese in the catalogue
    "vi": _("Vietnamese"), "en": _("English"), "fr": _("French"), "zh": _("Chinese"),
    "ru": _("Russian"), "ja": _("Japanese"), "es": _("Spanish"), "lo": _("Lao"),
    "th": _("Thai"), "km": _("Khmer"), "id": _("Indonesian"), "de": _("German"),
    "ko": _("Korean"), "blt": _("Tai Dam"), "twh": _("Tai Dón"), "hnj": _("Hmong"),
    "mww": _("White Hmong"), "hmv": _("Hmong Đô"), "hmn": _("Hmong"),
    "ium": _("Iu Mien (Dao)"), "mji": _("Kim Mun (Dao)"), "hni": _("Hani"), "khb": _("Lü"),
    "pcc": _("Bouyei (Giáy)"), "kjg": _("Khmu"), "lhu": _("Lahu"), "zng": _("Mang"),
    "cnc": _("Côông"), "slt": _("Sila"), "kjm": _("Kháng"),
}


def text(english: str, lang: str) -> str:
    """A label in ``lang`` (Vietnamese from the catalog; codes get their English names)."""
    return translate(english, lang)


def label(kind: str, value: Any, lang: str = "vi", *, short: bool = False) -> str:
    """A row label (month, kind, group, language, outcome, channel) as people read it."""
    if value is None:
        return "–"
    if kind == "month":
        return month_label(str(value), lang, short=short)
    if kind == "kind":
        return translate(str(value), lang)
    if kind == "group":
        return translate(GROUP_LABELS.get(str(value), str(value)), lang)
    if kind == "outcome":
        return translate(OUTCOME_LABELS.get(str(value), str(value)), lang)
    if kind == "language":
        primary = str(value).split("-", 1)[0].lower()
        name = LANGUAGE_NAMES.get(primary)
        return f"{translate(name, lang)} ({value})" if name else str(value)
    return str(value)


def number(value: float | int | None, lang: str = "vi", decimals: int = 0) -> str:
    """1.234,5 in Vietnamese, 1,234.5 in English."""
    if value is None:
        return "–"
    out = f"{value:,.{decimals}f}"
    if lang == "vi":
        out = out.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return out


def cell(column: Column, value: Any, lang: str = "vi") -> str:
    """One cell's text: labels named, numbers with the language's separators."""
    return value_text(column.kind, value, lang)


def value_text(kind: str, value: Any, lang: str = "vi") -> str:
    """A value of ``kind`` (a Column kind) as text in ``lang``."""
    if kind in ("month", "kind", "group", "language", "outcome", "channel", "text"):
        return label(kind, value, lang)
    if value is None:
        return "–"
    if kind == "minutes":
        return number(value, lang, 1)
    if kind == "percent":
        return number(100 * value, lang, 1) + "\u00a0%"  # never "85,7" and "%" on two lines
    if kind == "bytes":
        return bytes_text(value, lang)
    if kind == "number":
        return number(value, lang, 1)
    return number(value, lang)


def bytes_text(value: int, lang: str = "vi") -> str:
    size, unit = float(value), "B"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            break
        size /= 1000
    return f"{number(size, lang, 0 if unit == 'B' else 1)} {unit}"


def column_label(column: Column, lang: str = "vi") -> str:
    """A column header: a kind, group, outcome or channel code named, else the label."""
    if column.label in GROUP_LABELS:
        return label("group", column.label, lang)
    if column.label in OUTCOME_LABELS:
        return label("outcome", column.label, lang)
    return translate(column.label, lang)


def summary_value(key: str, results: Results, lang: str = "vi") -> str:
    """A headline figure of ``results`` as text (its kind from ``SUMMARY_FIELDS``)."""
    from results.types import SUMMARY_FIELDS

    kind = next((k for f, _l, k, _s in SUMMARY_FIELDS if f == key), "count")
    return value_text(kind, results.summary.get(key), lang)


def filters_text(results: Results, lang: str = "vi") -> str:
    """"Kênh: LCTV, VTV4; thể loại: Tin tức" (empty without filters)."""
    parts = []
    if results.filters.channels:
        parts.append(f"{translate('Channels', lang)}: {', '.join(results.filters.channels)}")
    if results.filters.kinds:
        parts.append(f"{translate('Kind', lang)}: "
                     + ", ".join(translate(k, lang) for k in results.filters.kinds))
    return "; ".join(parts)


NOTES: tuple[str, ...] = (
    _("Produced: the first approval by someone other than the report's author or editor "
      "(or an admin's recorded override), if it still stands; in local time."),
    _("On time: produced on or before its due date; the rate counts on-time, late and "
      "overdue reports due in the period."),
    _("Subtitled: approved tracks only, by date of approval; minutes are the cues' "
      "durations."),
    _("Aired: the as-run logs (imported, or marked aired by an editor naming the slot and "
      "time); a rerun is an airing of a slot planned as a rerun."),
    _("Downloaded: a download started from the first byte (a resumed download counts "
      "once)."),
    _("QC findings: errors and warnings of the subtitle checks on the approved tracks."),
    _("Public site: views from the site's server logs (a page answered in full or unchanged, a "
      "play from the first byte; bots left out); no address, cookie or user agent is kept."),
)
