"""Searching: a `SearchRequest` in, the search response dict out.

The CLI (`orbite search --json`) and the web (`/api/search`, and the HTML page) call
`parse_request` then `search`, so every client sees the same object.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from whoosh import query
from whoosh.searching import Searcher

from indexer.evaluate import evaluate
from indexer.facets import filter_and_count
from indexer.gazetteer import AGENCY, MISSION, Gazetteer
from indexer.highlight import matched_spans, snippet
from indexer.normalize import fold
from indexer.querying import correct, parse_query
from indexer.release import release_summary, release_url
from indexer.schema import ENTITY_FIELDS, entity_key
from indexer.snapshot import SearchIndex, Snapshot
from indexer.visibility import Visibility

SORTS = ("relevance", "date", "-date")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 32
SNIPPET_SENTENCES = 200  # sentences analysed for a snippet, however long the release
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
PREFIX_ONLY_CEILING = 0.99  # of the lowest score matching the last word as typed
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
        """The folded values selected in each facet, as facets compare them."""
        return {
            "agency": frozenset(fold(a) for a in self.agencies),
            "mission": frozenset(fold(m) for m in self.missions),
            "year": frozenset(self.years),
        }

    def filters(self) -> dict[str, tuple[str, ...]]:
        return {"agency": self.agencies, "mission": self.missions, "year": self.years}


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


def with_canonical_names(request: SearchRequest, gazetteer: Gazetteer) -> SearchRequest:
    """The request with its agency and mission filters under their gazetteer names, so that
    `agency=Agence spatiale européenne` selects what `agence:"Agence spatiale européenne"` does."""

    def canonical(kind: str, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(gazetteer.canonical(kind, name) for name in names))

    return dataclasses.replace(
        request,
        agencies=canonical(AGENCY, request.agencies),
        missions=canonical(MISSION, request.missions),
    )


@dataclass
class _Match:
    query: query.Query
    docnums: set[int]
    facets: dict[str, list[dict[str, object]]]
    scores: dict[int, float]
    suggestion: str | None = None
    fallback: str | None = None


def search(index: SearchIndex, request: SearchRequest) -> dict[str, Any]:
    """Run a search: total, one page of results with snippets, facets, suggestion, fallback."""
    started = time.perf_counter()
    snapshot = index.snapshot()
    request = with_canonical_names(request, snapshot.gazetteer)
    visible = index.visibility(snapshot, request.include_embargoed)
    with snapshot.reading() as searcher:
        match = _cached_match(snapshot, visible, searcher, request)
        ranked = _rank(snapshot, match, request)
        marker = Marker.for_query(snapshot, searcher, match.query)
        results = [_result(searcher, docnum, score, marker) for docnum, score in ranked]
    return {
        "query": request.q,
        "total": len(match.docnums),
        "page": request.page,
        "per_page": request.per_page,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "results": results,
        "facets": match.facets,
        "suggestion": match.suggestion,
        "fallback": match.fallback,
    }


def shown(
    snapshot: Snapshot, visible: Visibility, searcher: Searcher
) -> tuple[set[int], dict[str, list]]:
    """The releases an empty search shows, and its facets: what suggestions may offer."""
    match = _cached_match(snapshot, visible, searcher, SearchRequest())
    return match.docnums, match.facets


def _cached_match(
    snapshot: Snapshot, visible: Visibility, searcher: Searcher, request: SearchRequest
) -> _Match:
    """A search's matches, from the snapshot's cache when its page or order alone changed.

    Keyed by what the caller sees: a search cached before an embargo ended is not reused after.
    """
    key = (dataclasses.replace(request, sort="", page=0, per_page=0), visible.key)
    match = snapshot.matches.get(key)
    if match is None:
        match = _match(snapshot, visible, searcher, request)
        snapshot.matches.put(key, match)
    return match


def _match(
    snapshot: Snapshot, visible: Visibility, searcher: Searcher, request: SearchRequest
) -> _Match:
    """Find the matching documents: all words, else the corrected words, else any word."""
    if not request.q:
        return _filtered(snapshot, visible, query.Every(), {}, request)
    schema, gazetteer = snapshot.schema, snapshot.gazetteer

    def scored(q: query.Query) -> dict[int, float]:
        return visible.only(evaluate(q, snapshot.postings, searcher))

    def attempt(text: str, any_word: bool = False, prefix: bool = False) -> _Match:
        q = parse_query(text, schema, gazetteer, any_word=any_word)
        scores = scored(q)
        if prefix:
            longer = parse_query(
                text, schema, gazetteer, any_word=any_word, vocabulary=snapshot.vocabulary
            )
            if longer != q:
                scores = _whole_words_first(scores, scored(longer))
                q = longer
        return _filtered(snapshot, visible, q, scores, request)

    match = attempt(request.q, prefix=request.prefix)
    if match.docnums:
        return match
    suggestion = correct(request.q, searcher, visible)
    if suggestion:
        fuzzy = attempt(suggestion)
        if fuzzy.docnums:
            fuzzy.suggestion, fuzzy.fallback = suggestion, "fuzzy"
            return fuzzy
    match = attempt(suggestion or request.q, any_word=True)
    match.suggestion = suggestion
    if match.docnums:
        match.fallback = "any_word"
    return match


def _whole_words_first(whole: dict[int, float], longer: dict[int, float]) -> dict[int, float]:
    """Scores of a prefix search: releases that match the last word as typed keep their score;
    those found only through longer words it begins score below every one of them."""
    extra = {d: s for d, s in longer.items() if d not in whole}
    if not whole or not extra:
        return {**longer, **whole}
    ceiling = min(whole.values()) * PREFIX_ONLY_CEILING
    top = max(extra.values()) or 1.0
    return {**{d: s / top * ceiling for d, s in extra.items()}, **whole}


def _filtered(
    snapshot: Snapshot,
    visible: Visibility,
    q: query.Query,
    scores: dict[int, float],
    request: SearchRequest,
) -> _Match:
    """Keep the matches (visible ones: every visible release if Every) within the date range
    and the facet selections."""
    docnums = visible.docnums if isinstance(q, query.Every) else scores.keys()
    low = request.date_from.toordinal() if request.date_from else None
    high = request.date_to.toordinal() if request.date_to else None
    if low is not None or high is not None:
        docnums = [d for d in docnums if _in_range(snapshot.rows[d].date, low, high)]
    selections = request.selections
    passing, facets = filter_and_count(snapshot.facets, snapshot.labels, docnums, selections)
    return _Match(q, passing, facets, scores)


def _in_range(date: int | None, low: int | None, high: int | None) -> bool:
    if date is None:
        return False
    return (low is None or date >= low) and (high is None or date <= high)


def _rank(
    snapshot: Snapshot, match: _Match, request: SearchRequest
) -> list[tuple[int, float | None]]:
    """The page's documents in order, with their scores when ranked by relevance."""
    first = (request.page - 1) * request.per_page
    wanted = first + request.per_page
    if request.sort == "relevance" and not isinstance(match.query, query.Every):
        scores = match.scores
        best = heapq.nlargest(wanted, match.docnums, key=lambda d: (scores[d], -d))
        return [(docnum, round(scores[docnum], 4)) for docnum in best[first:]]
    order = snapshot.oldest_first if request.sort == "date" else snapshot.newest_first
    docnums = match.docnums
    best = list(islice((d for d in order if d in docnums), wanted))
    return [(docnum, None) for docnum in best[first:]]


@dataclass(frozen=True)
class Marker:
    """What to mark in a release's text for a query: its French terms and its entities."""

    snapshot: Snapshot
    terms: frozenset[str]
    phrases: frozenset[tuple[str, ...]]
    entities: frozenset[tuple[str, str]]

    @classmethod
    def for_query(cls, snapshot: Snapshot, searcher: Searcher, q: query.Query) -> Marker:
        terms: set[str] = set()
        phrases: set[tuple[str, ...]] = set()
        entities: set[tuple[str, str]] = set()
        reader = searcher.reader()
        for leaf in _wanted_leaves(q):
            if isinstance(leaf, query.Phrase):
                if leaf.fieldname in ("title", "body"):
                    phrases.add(tuple(leaf.words))
                continue
            for fieldname, text in leaf.expanded_terms(reader, phrases=True):
                text = text.decode("utf-8") if isinstance(text, bytes) else text
                if fieldname in ("title", "body"):
                    terms.add(text)
                elif fieldname in ENTITY_FIELDS:
                    entities.add((fieldname, text))
        return cls(snapshot, frozenset(terms), frozenset(phrases), frozenset(entities))

    def spans(self, text: str, limit: int | None = None) -> list[tuple[int, int]]:
        """The spans of `text` to mark: matched words, and the entities under any alias."""
        extra = []
        if self.entities:
            extra = [
                (m.start, m.end)
                for m in self.snapshot.gazetteer.find(text)
                if (m.entity.kind, entity_key(m.entity.name)) in self.entities
            ]
        return matched_spans(text, self.terms, self.phrases, extra, limit)


def _wanted_leaves(q: query.Query) -> Iterable[query.Query]:
    """The leaves of a query, except those under a NOT (excluded words are not marked).

    Whoosh's own ``Query.existing_terms`` is not used: its loop variable shadows its
    ``fieldname`` parameter, so it drops the leaves of every field but the first.
    """
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from _wanted_leaves(q.a)
        return
    if q.is_leaf():
        yield q
    for child in q.children():
        yield from _wanted_leaves(child)


def _result(searcher: Searcher, docnum: int, score: float | None, marker: Marker) -> dict[str, Any]:
    stored = searcher.stored_fields(docnum)
    text = stored.get("body", "")
    return {
        **release_summary(stored),
        "score": score,
        "snippet": snippet(text, marker.spans(text, limit=SNIPPET_SENTENCES)),
        "url": release_url(stored["id"]),
    }
