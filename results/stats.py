"""The names ``results.stats`` used to hold, kept for code written against it.

``results.stats`` was the review's single module; it is now split by concern:
``results.types`` (Period, Filters, the table model), ``results.sql`` (dialect helpers and
the scope), ``results.sections`` (one module per section, QC verdicts in
``results.sections.qc``), ``results.review`` (``compute``), ``results.drilldown`` and
``results.labels`` (the words), with the use cases in ``results.services``. New code
imports from those; this module only re-exports them (the benchmark, benchmarks/results.py,
still reads ``stats.compute``, ``stats.drill`` and ``stats.SECTIONS``).
"""

from __future__ import annotations

from results.drilldown import DRILLS, drill, drill_count, drill_title
from results.labels import (
    GROUP_LABELS,
    LANGUAGE_NAMES,
    NOTES,
    OUTCOME_LABELS,
    bytes_text,
    cell,
    column_label,
    filters_text,
    label,
    number,
    summary_value,
    text,
)
from results.review import compute
from results.sections import BUILDERS
from results.sections.broadcast import airing_rows
from results.sections.delivery import download_rows, package_rows
from results.sections.production import due_rows, produced_rows
from results.sections.qc import Verdict, qc_verdicts
from results.sections.subtitles import track_rows
from results.sql import Scope, local_date, month_of
from results.types import (
    DONE_STATUSES,
    LANGUAGE_GROUPS,
    MINORITY_TAGS,
    OUTCOMES,
    SECTION_TITLES,
    SECTIONS,
    SUMMARY_FIELDS,
    Column,
    Filters,
    Period,
    Results,
    Table,
    language_group,
)

__all__ = [
    "BUILDERS", "DONE_STATUSES", "DRILLS", "GROUP_LABELS", "LANGUAGE_GROUPS", "LANGUAGE_NAMES",
    "MINORITY_TAGS", "NOTES", "OUTCOMES", "OUTCOME_LABELS", "SECTIONS", "SECTION_TITLES",
    "SUMMARY_FIELDS", "Column", "Filters", "Period", "Results", "Scope", "Table", "Verdict",
    "airing_rows", "bytes_text", "cell", "column_label", "compute", "download_rows", "drill",
    "drill_count", "drill_title", "due_rows", "filters_text", "label", "language_group",
    "local_date", "month_of", "number", "package_rows", "produced_rows", "qc_verdicts",
    "summary_value", "text", "track_rows",
]
