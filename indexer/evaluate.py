"""Evaluating a query in memory: the set of matching releases and their BM25 scores at once.

Whoosh answers a query by walking a tree of matchers document by document, in pure Python;
on words found in most releases that costs tens of milliseconds. Here each term's postings
are read once per snapshot as arrays, weighed as arrays (numpy) and kept as a ``{docnum: BM25
weight}`` dict, and a query is set algebra on those dicts (intersections for AND, unions for
OR, differences for NOT), which Python runs at C speed. A phrase is the intersection of its
word pairs, indexed as terms of their own in the ``pairs`` field, so no positions are read.
Whoosh remains the index and reads the postings (in bulk through `indexer.engine`, the one
module that knows Whoosh's internals); only the evaluation of the common query shapes is ours.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from itertools import islice, pairwise

import numpy as np
from whoosh import query

from indexer.analysis import analyze, pair_term
from indexer.engine import field_lengths, term_postings
from indexer.schema import PAIRS_FIELD

Scores = dict[int, float]
K1 = 1.2
B = 0.75
MAX_EXPANSIONS = 200  # terms a wildcard, prefix or fuzzy term may stand for
CACHE_POSTINGS = 1_000_000  # postings kept in memory per snapshot (about 100 MB at most)


class Postings:
    """Per-snapshot cache of each term's BM25 weights, shared by every request thread.

    A term is read as arrays (`indexer.engine.term_postings`) and weighed as arrays: BM25 over
    a whole postings list is a few vector operations instead of one Python step per posting.
    """

    def __init__(self, reader, live: Iterable[int]) -> None:
        self.reader = reader
        self.live = frozenset(live)
        self.doc_count = max(1, len(self.live))
        docnums = np.fromiter(self.live, dtype=np.int64, count=len(self.live))
        size = max(reader.doc_count_all(), int(docnums.max(initial=-1)) + 1)
        self._alive = np.zeros(size, dtype=bool)  # by docnum: whether the snapshot holds it
        self._alive[docnums] = True
        self._terms: OrderedDict[tuple[str, str], Scores] = OrderedDict()
        self._size = 0
        self._norms: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def scores(self, fieldname: str, text: str) -> Scores:
        """{docnum: BM25 weight} of the live documents holding `text` in `fieldname`."""
        key = (fieldname, text)
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
            found = self._read(fieldname, text)  # under the lock: the reader's files are shared
            self._terms[key] = found
            self._size += len(found)
            while self._size > CACHE_POSTINGS and len(self._terms) > 1:
                _, dropped = self._terms.popitem(last=False)
                self._size -= len(dropped)
        return found

    def _read(self, fieldname: str, text: str) -> Scores:
        if fieldname not in self.reader.schema:
            return {}
        docnums, tfs = term_postings(self.reader, fieldname, text)
        df = docnums.size  # deleted documents included, as Whoosh counts it
        idf = math.log(1 + (self.doc_count - df + 0.5) / (df + 0.5))
        live = self._alive[docnums]
        docnums, tfs = docnums[live], tfs[live]
        weights = idf * (K1 + 1) * tfs / (tfs + self.norms(fieldname)[docnums])
        return dict(zip(docnums.tolist(), weights.tolist(), strict=True))

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
    return _evaluate(q, postings, searcher)


def _evaluate(q: query.Query, postings: Postings, searcher) -> Scores:
    if isinstance(q, query.Term):
        return _boosted(postings.scores(q.fieldname, _text(q.text)), q.boost)
    if isinstance(q, query.Phrase):
        return _boosted(_phrase(q, postings), q.boost)
    if isinstance(q, query.AndNot):
        kept = _evaluate(q.a, postings, searcher)
        banned = _evaluate(q.b, postings, searcher)
        return _boosted({d: s for d, s in kept.items() if d not in banned}, q.boost)
    if isinstance(q, query.AndMaybe):  # "+word other": +word's documents, both sides' scores
        kept = _evaluate(q.a, postings, searcher)
        maybe = _evaluate(q.b, postings, searcher)
        return _boosted({d: s + maybe.get(d, 0.0) for d, s in kept.items()}, q.boost)
    if isinstance(q, query.Not):
        banned = _evaluate(q.query, postings, searcher)
        return {d: 0.0 for d in postings.live if d not in banned}
    if isinstance(q, query.And):
        return _boosted(_all_of([_evaluate(c, postings, searcher) for c in q.subqueries]), q.boost)
    if isinstance(q, query.Or):
        return _boosted(_any_of([_evaluate(c, postings, searcher) for c in q.subqueries]), q.boost)
    if isinstance(q, query.Every):
        return dict.fromkeys(postings.live, 0.0)
    if isinstance(q, type(query.NullQuery)):
        return {}
    if isinstance(q, query.MultiTerm):  # wildcard, prefix, fuzzy: the terms it stands for
        expanded = islice(q.expanded_terms(postings.reader), MAX_EXPANSIONS)
        terms = [query.Term(fieldname, _text(t)) for fieldname, t in expanded]
        return _boosted(_any_of([_evaluate(t, postings, searcher) for t in terms]), q.boost)
    # Any other kind of query: Whoosh's own evaluation, with a flat score.
    return {d: 1.0 for d in searcher.docs_for_query(q) if d in postings.live}


def _phrase(q: query.Phrase, postings: Postings) -> Scores:
    """A phrase: the documents holding each of its word pairs (its French terms side by side)."""
    words = list(q.words)
    if q.fieldname == "exact":  # the exact field's words, as the French field spells them
        words = [term for word in words for term in analyze(word)]
    if len(words) < 2:
        return _any_of([postings.scores(f, w) for f in ("title", "body") for w in words])
    pairs = [pair_term(a, b) for a, b in pairwise(words)]
    return _all_of([postings.scores(PAIRS_FIELD, pair) for pair in pairs])


def _all_of(results: list[Scores]) -> Scores:
    if not results:
        return {}
    results.sort(key=len)
    smallest, others = results[0], results[1:]
    keys = [d for d in smallest if all(d in other for other in others)]
    return {d: sum(r[d] for r in results) for d in keys}


def _any_of(results: list[Scores]) -> Scores:
    merged: Scores = {}
    for result in results:
        for docnum, score in result.items():
            merged[docnum] = merged.get(docnum, 0.0) + score
    return merged


def _boosted(scores: Scores, boost: float) -> Scores:
    if boost == 1.0:
        return scores
    return {d: s * boost for d, s in scores.items()}


def _text(text: str | bytes) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else text
