"""Results exports: a registry of name -> (writer, extension, mimetype), as in schedule.exports.

Every writer has the same shape, ``write(results, lang="vi") -> bytes``; the CLI's
``--format`` and the web page's download links read ``EXPORTS``. The writers import their
libraries (python-docx, fpdf2, openpyxl, matplotlib) when first used, so the web app and the
CLI start without them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

from results.types import Results
from station.registry import Registry


class Export(NamedTuple):
    """A registered export: its writer's module, file extension and HTTP content type."""

    module: str
    extension: str
    mimetype: str

    @property
    def write(self) -> Callable[..., bytes]:
        return importlib.import_module(self.module).write  # type: ignore[no-any-return]


EXPORTS: Registry[Export] = Registry("Unknown export format {name}; use one of {names}", entries={
    "docx": Export("results.exports.docx", "docx",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": Export("results.exports.xlsx", "xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": Export("results.exports.pdf", "pdf", "application/pdf"),
    "json": Export("results.exports.json", "json", "application/json"),
})


def get(name: str) -> Export:
    """The export called ``name``, or a message listing the ones there are."""
    return EXPORTS.lookup(name)


def export(name: str, results: Results, lang: str = "vi", **options: Any) -> bytes:
    """Run the export called ``name``."""
    return get(name).write(results, lang, **options)


def filename(name: str, results: Results, lang: str = "vi") -> str:
    """An ASCII download name: bao-cao-ket-qua_2026-01-01_2026-12-31.docx."""
    stem = "bao-cao-ket-qua" if lang == "vi" else "results-report"
    period = results.period
    return f"{stem}_{period.start.isoformat()}_{period.end.isoformat()}.{get(name).extension}"
