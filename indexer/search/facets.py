"""Facets: agency, mission and year, counted over every match of a query.

A facet's counts take the query and every *other* active filter into account, but not the
facet's own selection, so that selecting "ESA" still shows how many releases "NASA" has.
Values within one facet are alternatives (ESA or NASA); different facets combine (ESA and 2020).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from itertools import chain

import numpy as np

from indexer.analysis.normalize import fold


class Facet:
    """One facet: its names, how a selected value is compared and how its values are ordered.

    `name` is the facet's key in responses, its URL parameter and its field of `Row`;
    `selected` names the `SearchRequest` field holding its selected values; `label` is its
    French heading on pages.
    """

    def __init__(self, name: str, selected: str, label: str) -> None:
        self.name = name
        self.selected = selected
        self.label = label

    def key(self, value: str) -> str:
        """The form a value is compared in: names are folded ("Cnes" selects "CNES")."""
        return fold(value)

    def order(self, key: str, count: int) -> tuple:
        """Most frequent first; ties in alphabetical order."""
        return (-count, key)


class YearFacet(Facet):
    def key(self, value: str) -> str:
        return value

    def order(self, key: str, count: int) -> tuple:
        """Newest year first, like a timeline read from the right."""
        return (-int(key), 0)


FACETS: tuple[Facet, ...] = (
    Facet("agency", "agencies", "Agences"),
    Facet("mission", "missions", "Missions"),
    YearFacet("year", "years", "Années"),
)
FACET_NAMES: tuple[str, ...] = tuple(f.name for f in FACETS)


class _Pairs:
    """One facet's (document, key) pairs as two parallel arrays, keys numbered in `names`."""

    def __init__(self, number: dict[str, int], docs: np.ndarray, ids: np.ndarray) -> None:
        self.number = number  # key -> its id, in the order ids were given
        self.names = list(number)
        self.docs, self.ids = docs, ids

    @classmethod
    def of(
        cls, by_doc: Mapping[int, tuple[str, ...]], number: dict[str, int] | None = None
    ) -> _Pairs:
        number = dict(number or {})
        docs = [docnum for docnum, doc_keys in by_doc.items() for _ in doc_keys]
        ids = [number.setdefault(key, len(number)) for keys in by_doc.values() for key in keys]
        return cls(number, np.array(docs, dtype=np.int64), np.array(ids, dtype=np.int64))

    def having(self, keys: frozenset[str], size: int) -> np.ndarray:
        """By docnum: whether the document has one of `keys`."""
        wanted = [self.number[key] for key in keys if key in self.number]
        found = np.zeros(size, dtype=bool)
        found[self.docs[np.isin(self.ids, wanted)]] = True
        return found


class FacetIndex:
    """Per snapshot: each document's keys in each facet, and every (document, key) pair as
    arrays, so that counting a large set of matches is one `bincount` per facet instead of a
    walk over every match's values; a small set is still counted document by document.
    """

    ARRAYS_FROM = 512  # matches above which arrays beat a walk over the matches

    def __init__(self, keys: Mapping[str, Mapping[int, tuple[str, ...]]], size: int) -> None:
        self.keys = keys
        self.size = size
        self._pairs = {name: _Pairs.of(by_doc) for name, by_doc in keys.items()}

    def derive(
        self, removed: set[int], added: Mapping[str, Mapping[int, tuple[str, ...]]]
    ) -> FacetIndex:
        """A copy without the `removed` docnums and with the `added` ones' keys; its arrays
        are filtered and appended to, so it costs the change, not a walk over the index."""
        derived = FacetIndex.__new__(FacetIndex)
        derived.size = max([self.size, *(d + 1 for by_doc in added.values() for d in by_doc)])
        derived.keys, derived._pairs = {}, {}
        gone = np.fromiter(removed, dtype=np.int64, count=len(removed))
        for name, by_doc in self.keys.items():
            keys = dict(by_doc)
            for docnum in removed:
                keys.pop(docnum, None)
            new = added.get(name, {})
            keys.update(new)
            derived.keys[name] = keys
            pairs = self._pairs[name]
            kept = np.isin(pairs.docs, gone, invert=True)
            more = _Pairs.of(new, pairs.number)
            derived._pairs[name] = _Pairs(
                more.number,
                np.concatenate([pairs.docs[kept], more.docs]),
                np.concatenate([pairs.ids[kept], more.ids]),
            )
        return derived

    def count(self, name: str, docnums: Collection[int]) -> dict[str, int]:
        """How many of `docnums` have each key of facet `name`."""
        if len(docnums) < self.ARRAYS_FROM:
            return Counter(chain.from_iterable(map(self.keys[name].__getitem__, docnums)))
        return self._count(name, self.within(docnums))

    def within(self, docnums: Collection[int]) -> np.ndarray:
        """`docnums` as a mask by docnum."""
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(docnums, dtype=np.int64, count=len(docnums))] = True
        return mask

    def _count(self, name: str, mask: np.ndarray) -> dict[str, int]:
        pairs = self._pairs[name]
        counts = np.bincount(pairs.ids[mask[pairs.docs]], minlength=len(pairs.names))
        return {pairs.names[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def filter_and_count(
        self, docnums: Iterable[int], selections: Mapping[str, frozenset[str]]
    ) -> tuple[set[int], dict[str, dict[str, int]]]:
        """The documents that pass every selection, and each facet's counts over the
        documents that pass the *other* facets' selections."""
        matches = set(docnums)
        selected = [f.name for f in FACETS if selections.get(f.name)]
        if len(matches) < self.ARRAYS_FROM:
            passing = {
                name: {d for d in matches if not selections[name].isdisjoint(self.keys[name][d])}
                for name in selected
            }
            final = set.intersection(matches, *passing.values())
            counts = {}
            for facet in FACETS:
                base = set.intersection(
                    matches, *(v for k, v in passing.items() if k != facet.name)
                )
                counts[facet.name] = self.count(facet.name, base)
            return final, counts
        mask = self.within(matches)
        having = {name: self._pairs[name].having(selections[name], self.size) for name in selected}
        counts = {}
        for facet in FACETS:
            base = mask.copy()
            for name, found in having.items():
                if name != facet.name:
                    base &= found
            counts[facet.name] = self._count(facet.name, base)
        if not having:
            return matches, counts
        for found in having.values():
            mask &= found
        return set(np.flatnonzero(mask).tolist()), counts


def filter_and_count(
    facets: FacetIndex,
    labels: Mapping[str, str],
    docnums: Iterable[int],
    selections: Mapping[str, frozenset[str]],
) -> tuple[set[int], dict[str, list[dict[str, object]]]]:
    """The documents that pass every selection, and each facet's counts, ordered and labelled.

    `selections` maps a facet name to the keys (folded values) selected in it.
    """
    final, counted = facets.filter_and_count(docnums, selections)
    counts = {}
    for facet in FACETS:
        ordered = sorted(counted[facet.name].items(), key=lambda kv, f=facet: f.order(*kv))
        counts[facet.name] = [{"value": labels.get(k, k), "count": n} for k, n in ordered]
    return final, counts
