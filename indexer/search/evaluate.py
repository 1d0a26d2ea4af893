"""Evaluating a query in memory: the set of matching releases and their BM25 scores at once.

Whoosh answers a query by walking a tree of matchers document by document, in pure Python;
on words found in most releases that costs tens of milliseconds. Here each term's postings
are read once per snapshot as arrays and weighed as arrays (numpy), and a query is set algebra
on arrays of docnums kept in increasing order (a search of one in the other for AND, one
`bincount` for OR, a membership mask for NOT), scores summed in the same order as a dict walk
would sum them, so that they are bit-identical. A phrase is the intersection of its word
pairs, indexed as terms of their own in the ``pairs`` field, so no positions are read.
Whoosh remains the index and reads the postings (in bulk through `indexer.index.engine`, the one
module that knows Whoosh's internals); only the evaluation of the common query shapes is ours.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping
from itertools import islice, pairwise

import numpy as np
from whoosh import query

from indexer.analysis.french import analyze, pair_term
from indexer.index.engine import field_lengths, term_filters, term_postings
from indexer.index.schema import PAIRS_FIELD

Scores = dict[int, float]
Hits = tuple[np.ndarray, np.ndarray]  # docnums (increasing) and their scores, of equal length
K1 = 1.2
B = 0.75
MAX_EXPANSIONS = 200  # terms a wildcard, prefix or fuzzy term may stand for
CACHE_POSTINGS = 1_000_000  # postings kept in memory per snapshot (16 MB as arrays)


class Postings:
    """Per-snapshot cache of each term's BM25 weights, shared by every request thread.

    A term is read as arrays (`indexer.index.engine.term_postings`) and weighed as arrays: BM25 over
    a whole postings list is a few vector operations instead of one Python step per posting.
    """

    def __init__(self, reader, live: Iterable[int], filters: Mapping[str, bytes]) -> None:
        """`filters`: term filters of segments `reader` may hold (`term_filters`), read from
        the segments for the others."""
        self.reader = reader
        self.filters = term_filters(reader, filters)  # by segment id: to carry over, to save
        self.live = frozenset(live)
        self.doc_count = max(1, len(self.live))
        docnums = np.fromiter(self.live, dtype=np.int64, count=len(self.live))
        docnums.sort()
        self.live_docnums = docnums
        size = max(reader.doc_count_all(), int(docnums.max(initial=-1)) + 1)
        self._alive = np.zeros(size, dtype=bool)  # by docnum: whether the snapshot holds it
        self._alive[docnums] = True
        self._terms: OrderedDict[tuple[str, str], Hits] = OrderedDict()
        self._size = 0
        self._norms: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def hits(self, fieldname: str, text: str) -> Hits:
        """The live documents holding `text` in `fieldname` and their BM25 weights, as arrays
        (read-only: they are shared)."""
        key = (fieldname, text)
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
            found = self._read(fieldname, text)  # under the lock: the reader's files are shared
            for array in found:
                array.flags.writeable = False
            self._terms[key] = found
            self._size += found[0].size
            while self._size > CACHE_POSTINGS and len(self._terms) > 1:
                _, dropped = self._terms.popitem(last=False)
                self._size -= dropped[0].size
        return found

    def _read(self, fieldname: str, text: str) -> Hits:
        if fieldname not in self.reader.schema:
            return _nothing()
        docnums, tfs = term_postings(self.reader, fieldname, text)
        df = docnums.size  # deleted documents included, as Whoosh counts it
        idf = math.log(1 + (self.doc_count - df + 0.5) / (df + 0.5))
        live = self._alive[docnums]
        docnums, tfs = docnums[live], tfs[live]
        return docnums, idf * (K1 + 1) * tfs / (tfs + self.norms(fieldname)[docnums])

    def norms(self, fieldname: str) -> np.ndarray:
        """BM25's length normalisation of every document in `fieldname`, computed once."""
        norms = self._norms.get(fieldname)
        if norms is None:
            average = (self.reader.field_length(fieldname) / self.doc_count) or 1.0
            lengths = field_lengths(self.reader, fieldname)
            norms = K1 * (1 - B + B * lengths / average)
            self._norms[fieldname] = norms
        return norms


def evaluate(q: query.Query, postings: Postings, searcher) -> Scores:
    """The documents a query matches, with their scores."""
    return as_scores(_evaluate(q, postings, searcher))


def best(scores: Scores, docnums: Collection[int], count: int) -> list[int]:
    """The `count` of `docnums` that score highest, in order, the lower docnum first between
    equal scores: `heapq.nlargest` keyed by (score, -docnum), as arrays (a Python key per
    match cost 1.7 ms for the 3,000 matches of a three-word query at 20,000 releases)."""
    if count <= 0 or not docnums:
        return []
    found = np.fromiter(docnums, dtype=np.int64, count=len(docnums))
    values = np.fromiter(map(scores.__getitem__, found.tolist()), dtype=np.float64)
    if count < found.size:  # those at or above the count-th highest score, ties included
        keep = values >= np.partition(values, found.size - count)[found.size - count]
        found, values = found[keep], values[keep]
    return found[np.lexsort((found, -values))[:count]].tolist()


def as_scores(hits: Hits) -> Scores:
    """Hits as a {docnum: score} dict."""
    docnums, scores = hits
    return dict(zip(docnums.tolist(), scores.tolist(), strict=True))


def _evaluate(q: query.Query, postings: Postings, searcher) -> Hits:
    if isinstance(q, query.Term):
        return _boosted(postings.hits(q.fieldname, _text(q.text)), q.boost)
    if isinstance(q, query.Phrase):
        return _boosted(_phrase(q, postings), q.boost)
    if isinstance(q, query.AndNot):
        kept, scores = _evaluate(q.a, postings, searcher)
        banned, _ = _evaluate(q.b, postings, searcher)
        allowed = np.isin(kept, banned, assume_unique=True, invert=True)
        return _boosted((kept[allowed], scores[allowed]), q.boost)
    if isinstance(q, query.AndMaybe):  # "+word other": +word's documents, both sides' scores
        kept, scores = _evaluate(q.a, postings, searcher)
        maybe, more = _evaluate(q.b, postings, searcher)
        at, found = _positions(maybe, kept)
        extra = np.zeros(kept.size)
        extra[found] = more[at[found]]
        return _boosted((kept, scores + extra), q.boost)
    if isinstance(q, query.Not):
        banned, _ = _evaluate(q.query, postings, searcher)
        docnums = postings.live_docnums
        docnums = docnums[np.isin(docnums, banned, assume_unique=True, invert=True)]
        return docnums, np.zeros(docnums.size)
    if isinstance(q, query.And):
        return _boosted(_all_of([_evaluate(c, postings, searcher) for c in q.subqueries]), q.boost)
    if isinstance(q, query.Or):
        return _boosted(_any_of([_evaluate(c, postings, searcher) for c in q.subqueries]), q.boost)
    if isinstance(q, query.Every):
        return postings.live_docnums, np.zeros(postings.live_docnums.size)
    if isinstance(q, type(query.NullQuery)):
        return _nothing()
    if isinstance(q, query.MultiTerm):  # wildcard, prefix, fuzzy: the terms it stands for
        expanded = islice(q.expanded_terms(postings.reader), MAX_EXPANSIONS)
        terms = [query.Term(fieldname, _text(t)) for fieldname, t in expanded]
        return _boosted(_any_of([_evaluate(t, postings, searcher) for t in terms]), q.boost)
    # Any other kind of query: Whoosh's own evaluation, with a flat score.
    found = sorted(d for d in searcher.docs_for_query(q) if d in postings.live)
    return np.array(found, dtype=np.int64), np.ones(len(found))


def _phrase(q: query.Phrase, postings: Postings) -> Hits:
    """A phrase: the documents holding each of its word pairs (its French terms side by side)."""
    words = list(q.words)
    if q.fieldname == "exact":  # the exact field's words, as the French field spells them
        words = [term for word in words for term in analyze(word)]
    if len(words) < 2:
        return _any_of([postings.hits(f, w) for f in ("title", "body") for w in words])
    pairs = [pair_term(a, b) for a, b in pairwise(words)]
    return _all_of([postings.hits(PAIRS_FIELD, pair) for pair in pairs])


def _all_of(results: list[Hits]) -> Hits:
    """The documents in every result, their scores summed (smallest result first)."""
    if not results:
        return _nothing()
    results.sort(key=lambda hits: hits[0].size)
    docnums, scores = results[0]
    for others, their_scores in results[1:]:
        at, found = _positions(others, docnums)
        docnums, scores = docnums[found], scores[found] + their_scores[at[found]]
    return docnums, scores


def _positions(within: np.ndarray, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `docnums` is in the increasing `within` (0 when absent), and whether it
    is there."""
    if not within.size:
        return np.zeros(docnums.size, dtype=np.int64), np.zeros(docnums.size, dtype=bool)
    at = np.minimum(np.searchsorted(within, docnums), within.size - 1)
    return at, within[at] == docnums


def _any_of(results: list[Hits]) -> Hits:
    """The documents in any result, their scores summed in the results' order."""
    results = [hits for hits in results if hits[0].size]
    if len(results) < 2:
        return results[0] if results else _nothing()
    docnums = np.concatenate([d for d, _ in results])
    sums = np.bincount(docnums, weights=np.concatenate([s for _, s in results]))
    found = np.flatnonzero(np.bincount(docnums))
    return found, sums[found]


def _boosted(hits: Hits, boost: float) -> Hits:
    if boost == 1.0:
        return hits
    return hits[0], hits[1] * boost


def _nothing() -> Hits:
    return np.empty(0, dtype=np.int64), np.empty(0)


def _text(text: str | bytes) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else text
