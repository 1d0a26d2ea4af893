"""Exports of a search: every match as CSV or JSON Lines, for `/api/search.csv|.jsonl` and
`orbite search --format csv|jsonl` alike.

Rows are the search's results without their snippet (`search.search_all`); this module only
writes them, line by line, so that a long export streams instead of being built in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

CSV_COLUMNS = ("id", "title", "date", "release", "agencies", "missions", "embargo", "url")
LIST_SEPARATOR = "; "
BOM = "\ufeff"  # lets Excel read the file as UTF-8
# A cell starting with one of these is a formula to a spreadsheet (=HYPERLINK(...), +cmd...):
# such a cell is written with a leading apostrophe, which spreadsheets show as text (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A byte-order mark and the header, then one CSV record (RFC 4180, CRLF) per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Iterable[str]) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(CSV_COLUMNS)
    for row in rows:
        yield line(_cell(row.get(column)) for column in CSV_COLUMNS)


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line, UTF-8 characters as they are."""
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = LIST_SEPARATOR.join(value) if isinstance(value, list | tuple) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
