"""A search as a user asks it: raw parameters validated into a `SearchRequest`.

Every client (the CLI, the API, the pages, the feed) validates through `parse_request`, and
a parameter a user must correct raises `BadRequest`, naming it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.search.facets import FACETS

SORTS = ("relevance", "date", "-date")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 32
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_UNPRINTABLE = ("Cc", "Cs", "Zl", "Zp")
_WHOLE = re.compile(r"[0-9]{1,9}")


class BadRequest(ValueError):
    """A search parameter a user must correct; the message says which and how."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: what to find, which filters, which page."""

    q: str = ""
    agencies: tuple[str, ...] = ()
    missions: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    # Whether the last word may be a word being typed (prefix search): not after a space.
    prefix: bool = True
    include_embargoed: bool = False  # the press office's view: set only for a valid admin

    @property
    def selections(self) -> dict[str, frozenset[str]]:
        """The keys selected in each facet, in the form facets compare them (folded names)."""
        return {f.name: frozenset(map(f.key, getattr(self, f.selected))) for f in FACETS}

    def filters(self) -> dict[str, tuple[str, ...]]:
        """The values selected in each facet, as the user spelled them."""
        return {f.name: getattr(self, f.selected) for f in FACETS}


def parse_request(
    q: str | None = None,
    agency: Iterable[str] = (),
    mission: Iterable[str] = (),
    year: Iterable[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
    sort: str | None = None,
    page: str | int | None = None,
    per_page: str | int | None = None,
    include_embargoed: bool = False,
) -> SearchRequest:
    """Validate raw parameters (strings from a URL or a command line); raise BadRequest."""
    text = clean_query(q or "")
    agencies = _values(agency)
    missions = _values(mission)
    years = tuple(_year(y) for y in _values(year))
    start, end = _date(date_from, "from"), _date(date_to, "to")
    if start and end and start > end:
        raise BadRequest(f"'from' ({start}) is after 'to' ({end})", "from")
    sort = sort or ("relevance" if text else "-date")
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not {sort!r}", "sort")
    return SearchRequest(
        q=text,
        agencies=agencies,
        missions=missions,
        years=years,
        date_from=start,
        date_to=end,
        sort=sort,
        page=_integer(page, "page", 1, 1, MAX_PAGE),
        per_page=_integer(per_page, "per_page", 10, 1, MAX_PER_PAGE),
        prefix=not (q or "")[-1:].isspace(),
        include_embargoed=include_embargoed,
    )


def clean_query(text: str) -> str:
    """Drop control characters and lone surrogates; bound the query's size."""
    text = printable(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"query too long: {len(text)} characters, at most {MAX_QUERY_CHARS}", "q")
    if len(text.split()) > MAX_QUERY_WORDS:
        raise BadRequest(f"query has too many words: at most {MAX_QUERY_WORDS}", "q")
    return text


def printable(text: str) -> str:
    """`text` with control characters, lone surrogates and line separators as spaces."""
    return "".join(" " if unicodedata.category(c) in _UNPRINTABLE else c for c in text)


def _values(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _year(value: str) -> str:
    if not _YEAR.fullmatch(value):
        raise BadRequest(f"year must be four digits, not {value!r}", "year")
    return value


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date as YYYY-MM-DD, not {value!r}", name) from None


def _integer(value: str | int | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    if not _WHOLE.fullmatch(str(value)):  # int() would take "١", " 1", "1_0"
        raise BadRequest(f"{name} must be a whole number, not {value!r}", name)
    number = int(value)
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, not {number}", name)
    return number
