"""The one CSV writer every export uses: what a spreadsheet opens safely and shows correctly.

UTF-8 with a BOM, because Excel opens a BOM-less UTF-8 CSV in the ANSI code page and turns
"Lai Châu" into mojibake; CRLF line ends (RFC 4180). A free-text cell (a title, a comment, a
cue's text: anything a person typed) that starts with = + - @, a tab or a carriage return gets
a leading apostrophe, so a spreadsheet shows it instead of running it as a formula (OWASP "CSV
injection", e.g. ``=HYPERLINK(...)`` in a reviewer's comment). Machine columns (times, ids,
"+07:00" offsets) are written as they are: the caller names its free-text columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *,
          text_columns: Collection[str]) -> bytes:
    """Rows as CSV bytes (BOM, header, CRLF); ``text_columns`` are made formula-safe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: inert(value) if key in text_columns and isinstance(value, str)
                         else value for key, value in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
