"""What to mark in a release's text for a query: its matched words and its entities.

Search snippets and release pages both mark through a `Marker`, built from the parsed query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from whoosh import query
from whoosh.searching import Searcher

from indexer.index.schema import ENTITY_FIELDS, entity_key
from indexer.search.highlight import matched_spans
from indexer.search.snapshot import Snapshot


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
