"""Searching: a `SearchRequest` in, the search response dict out.

The CLI (`orbite search --json`) and the web (`/api/search`, and the HTML page) call
`request.parse_request` then `search`, so every client sees the same object; the web side
adds each result's page URL (`web.urls`), since only it knows where pages are served.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Collection, Iterator, Set
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from indexer.analysis.synonyms import NO_SYNONYMS, Synonyms
from indexer.reading.gazetteer import AGENCY, MISSION, Gazetteer
from indexer.release import release_summary
from indexer.search.evaluate import best, evaluate
from indexer.search.facets import filter_and_count
from indexer.search.highlight import snippet
from indexer.search.marker import Marker
from indexer.search.querying import correct, parse_query
from indexer.search.request import SearchRequest
from indexer.search.snapshot import SearchIndex, Snapshot
from indexer.search.visibility import Visibility

MAX_EXPORT = 10_000  # rows of an export: every match of a search, up to this many
EXPORT_BATCH = 500  # rows read per turn of the snapshot's lock while an export streams
SNIPPET_SENTENCES = 8  # sentences analysed for a snippet: those richest in the query's words
PREFIX_ONLY_CEILING = 0.99  # of the lowest score matching the last word as typed
DENSE = 8  # matches listed by date are walked in date order when at least 1 release in 8
WALK_SLICE = 1024  # docnums of a date order read at a time by such a walk


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


@dataclass(frozen=True)
class _Context:
    """What every step of one search reads: the snapshot, what its caller may see, the open
    searcher and the synonyms in force."""

    snapshot: Snapshot
    visible: Visibility
    searcher: Searcher
    synonyms: Synonyms


@dataclass
class _Match:
    query: query.Query
    docnums: Set[int]
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
        match = _cached_match(_Context(snapshot, visible, searcher, index.synonyms()), request)
        ranked = _rank(snapshot, match, request)
        marker = Marker.for_query(snapshot, searcher, match.query)
        results = [
            _result(searcher.stored_fields(docnum), score, marker) for docnum, score in ranked
        ]
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
    match = _cached_match(_Context(snapshot, visible, searcher, NO_SYNONYMS), SearchRequest())
    return match.docnums, match.facets


@dataclass(frozen=True)
class AllMatches:
    """Every match of a search in the search's order, up to a limit: exports list them all."""

    snapshot: Snapshot
    total: int
    docnums: frozenset[int]
    ranked: list[tuple[int, float | None]]

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        """The ranked matches as search results without their snippet, a batch at a time, so
        that a slow reader of a long export does not hold the snapshot from other searches."""
        for start in range(0, len(self.ranked), EXPORT_BATCH):
            with self.snapshot.reading() as searcher:
                batch = [
                    _result(searcher.stored_fields(docnum), score)
                    for docnum, score in self.ranked[start : start + EXPORT_BATCH]
                ]
            yield batch


def search_all(index: SearchIndex, request: SearchRequest, limit: int | None = None) -> AllMatches:
    """The same search as `search`, all its matches up to `limit` (MAX_EXPORT) instead of one
    page; the request's page and page size are ignored. Matching happens now, rows are read
    as they are asked for."""
    limit = limit or MAX_EXPORT
    snapshot = index.snapshot()
    request = with_canonical_names(request, snapshot.gazetteer)
    visible = index.visibility(snapshot, request.include_embargoed)
    with snapshot.reading() as searcher:
        match = _cached_match(_Context(snapshot, visible, searcher, index.synonyms()), request)
    ranked = _rank(snapshot, match, dataclasses.replace(request, page=1, per_page=limit))
    return AllMatches(snapshot, len(match.docnums), frozenset(match.docnums), ranked)


def _cached_match(context: _Context, request: SearchRequest) -> _Match:
    """A search's matches, from the snapshot's cache when its page or order alone changed.

    Keyed by what the caller sees: a search cached before an embargo ended is not reused after;
    and by the synonyms in force when it ran.
    """
    if _lists_everything(request):  # the listing of every release: a slot of its own
        listings = context.snapshot.listings
        match = listings.get(context.visible.key)
        if match is None:
            match = listings[context.visible.key] = _match(context, request)
        return match
    key = (
        dataclasses.replace(request, sort="", page=0, per_page=0),
        context.visible.key,
        context.synonyms.fingerprint if request.q else "",
    )
    match = context.snapshot.matches.get(key)
    if match is None:
        match = _match(context, request)
        context.snapshot.matches.put(key, match)
    return match


def _lists_everything(request: SearchRequest) -> bool:
    """Whether a request asks for every visible release (the home page's listing, in any
    order and page)."""
    filters = (request.agencies, request.missions, request.years)
    return not (request.q or any(filters) or request.date_from or request.date_to)


def _match(context: _Context, request: SearchRequest) -> _Match:
    """Find the matching documents: all words, else the corrected words, else any word."""
    if not request.q:
        return _filtered(context, query.Every(), {}, request)
    snapshot, visible, synonyms = context.snapshot, context.visible, context.synonyms
    schema, gazetteer = snapshot.schema, snapshot.gazetteer

    def scored(q: query.Query) -> dict[int, float]:
        return visible.only(evaluate(q, snapshot.postings, context.searcher))

    def attempt(text: str, any_word: bool = False, prefix: bool = False) -> _Match:
        vocabulary = snapshot.vocabulary if prefix else None
        q, longer = parse_query(
            text, schema, gazetteer, any_word=any_word, vocabulary=vocabulary, synonyms=synonyms
        )
        scores = scored(q)
        if longer != q:
            scores = _whole_words_first(scores, scored(longer))
            q = longer
        return _filtered(context, q, scores, request)

    match = attempt(request.q, prefix=request.prefix)
    if match.docnums:
        return match
    suggestion = correct(request.q, snapshot.vocabulary, visible)
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
    context: _Context, q: query.Query, scores: dict[int, float], request: SearchRequest
) -> _Match:
    """Keep the matches (visible ones: every visible release if Every) within the date range
    and the facet selections."""
    snapshot, visible = context.snapshot, context.visible
    docnums = visible.docnums if isinstance(q, query.Every) else scores.keys()
    if request.date_from or request.date_to:
        docnums = _in_range(snapshot.tables.dates, docnums, request.date_from, request.date_to)
    tables = snapshot.tables
    passing, facets = filter_and_count(tables.facets, tables.labels, docnums, request.selections)
    return _Match(q, passing, facets, scores)


def _in_range(
    dates: np.ndarray, docnums: Collection[int], low: dt.date | None, high: dt.date | None
) -> list[int]:
    """Those of `docnums` dated from `low` to `high` (either may be open); undated ones never."""
    found = np.fromiter(docnums, dtype=np.int64, count=len(docnums))
    on = dates[found]
    keep = on > 0
    if low is not None:
        keep &= on >= low.toordinal()
    if high is not None:
        keep &= on <= high.toordinal()
    return found[keep].tolist()


def _rank(
    snapshot: Snapshot, match: _Match, request: SearchRequest
) -> list[tuple[int, float | None]]:
    """The page's documents in order, with their scores when ranked by relevance."""
    first = (request.page - 1) * request.per_page
    wanted = first + request.per_page
    if request.sort == "relevance" and not isinstance(match.query, query.Every):
        scores = match.scores
        return [(d, round(scores[d], 4)) for d in best(scores, match.docnums, wanted)[first:]]
    tables = snapshot.tables
    order = tables.oldest_first if request.sort == "date" else tables.newest_first
    if len(match.docnums) * DENSE >= len(order):  # the first ones come soon: walk the order
        listed = list(islice(_members(order, match.docnums), wanted))
    else:  # a mask over the whole order costs less than walking far
        listed = order[tables.facets.within(match.docnums)[order]][:wanted].tolist()
    return [(docnum, None) for docnum in listed[first:]]


def _members(order: np.ndarray, docnums: Collection[int]) -> Iterator[int]:
    """The docnums of `order` that are in `docnums`, in order, read a slice at a time."""
    for start in range(0, order.size, WALK_SLICE):
        yield from (d for d in order[start : start + WALK_SLICE].tolist() if d in docnums)


def _result(
    stored: dict[str, Any], score: float | None, marker: Marker | None = None
) -> dict[str, Any]:
    """A search result from a release's stored fields; without a marker (exports), no snippet.
    (Its `url` is added by the web side.)"""
    result = {**release_summary(stored), "score": score}
    if marker is not None:
        text = stored.get("body", "")
        result["snippet"] = snippet(text, marker.spans(text, limit=SNIPPET_SENTENCES))
    return result
