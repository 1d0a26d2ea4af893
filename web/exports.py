"""Downloads of a whole search: `/api/search.csv` and `/api/search.jsonl`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request

from indexer.analysis.normalize import nfc, without_accents
from indexer.search.export import csv_lines, jsonl_lines
from indexer.search.searching import search_all
from web.api import requested_search
from web.index import get_index
from web.urls import with_urls

bp = Blueprint("exports", __name__, url_prefix="/api")

FORMATS: dict[str, tuple[str, Callable[[Iterable[dict[str, Any]]], Iterator[str]]]] = {
    "csv": ("text/csv; charset=utf-8; header=present", csv_lines),
    "jsonl": ("application/x-ndjson; charset=utf-8", jsonl_lines),
}
TOTAL_HEADER = "X-Total-Count"  # every match, even beyond the rows an export holds
FILENAME_STEM = "orbite"
EMPTY_QUERY_NAME = "communiques"  # the file of a search without words: all the releases
MAX_NAME_CHARS = 60
# Anything but letters, digits and "_" becomes a "-": no quote, slash, dot or control character
# can reach the header or the file system, and a name stays one word for a shell.
_UNSAFE = re.compile(r"\W+")


@bp.get("/search.csv", endpoint="csv")
def search_csv() -> Response:
    """Every match of the search (up to MAX_EXPORT) as a CSV spreadsheet."""
    return _export("csv")


@bp.get("/search.jsonl", endpoint="jsonl")
def search_jsonl() -> Response:
    """Every match of the search (up to MAX_EXPORT) as JSON Lines."""
    return _export("jsonl")


def _export(extension: str) -> Response:
    wanted = requested_search()  # a bad parameter is a 400 before anything is streamed
    matches = search_all(get_index(), wanted)
    mimetype, lines = FORMATS[extension]
    root = request.script_root  # read now: the rows are written after this view returns
    rows = (row for batch in matches.batches() for row in with_urls(batch, root))
    response = Response(lines(rows), content_type=mimetype)
    response.headers["Content-Disposition"] = attachment(wanted.q, extension)
    response.headers[TOTAL_HEADER] = str(matches.total)
    return response


def attachment(q: str, extension: str) -> str:
    """`attachment; filename="orbite-<query>.<ext>"`, the query made safe for a file name; a
    name with non-ASCII letters also goes as RFC 5987 `filename*`, with an ASCII fallback."""
    name = _UNSAFE.sub("-", nfc(q))[:MAX_NAME_CHARS].strip("-")
    filename = f"{FILENAME_STEM}-{name or EMPTY_QUERY_NAME}.{extension}"
    ascii_name = _ascii(filename)
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def _ascii(filename: str) -> str:
    """The file name without accents; other non-ASCII characters become "_"."""
    return without_accents(filename).encode("ascii", "replace").decode("ascii").replace("?", "_")
