"""Facets: agency, mission and year, counted over every match of a query.

A facet's counts take the query and every *other* active filter into account, but not the
facet's own selection, so that selecting "ESA" still shows how many releases "NASA" has.
Values within one facet are alternatives (ESA or NASA); different facets combine (ESA and 2020).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence, Set

import numpy as np

from indexer.analysis.normalize import fold


class Facet:
    """One facet: its names, how a selected value is compared and how its values are ordered.

    `name` is the facet's key in responses, in `Tables.facets` and its URL parameter;
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
    """One facet's (document, key) pairs as two parallel arrays, in increasing document order,
    keys numbered in `names`."""

    def __init__(self, number: dict[str, int], docs: np.ndarray, ids: np.ndarray) -> None:
        self.number = number  # key -> its id, in the order ids were given
        self.names = list(number)
        self.docs, self.ids = docs, ids

    @classmethod
    def of(
        cls, docs: Sequence[int], keys: Sequence[str], number: dict[str, int] | None = None
    ) -> _Pairs:
        """The pairs (docs[i], keys[i]), `docs` in increasing order; keys already numbered in
        `number` keep their id."""
        number = dict(number or {})
        ids = [number.setdefault(key, len(number)) for key in keys]
        return cls(number, np.array(docs, dtype=np.int64), np.array(ids, dtype=np.int64))

    def having(self, keys: frozenset[str], size: int) -> np.ndarray:
        """By docnum: whether the document has one of `keys`."""
        found = np.zeros(size, dtype=bool)
        found[self.docs[np.isin(self.ids, self.key_ids(keys))]] = True
        return found

    def of_docs(self, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pairs of `docnums` (increasing) as (docs, ids): a binary search per document,
        so that a few matches cost a few steps, not a pass over every pair."""
        low = np.searchsorted(self.docs, docnums, "left")
        lengths = np.searchsorted(self.docs, docnums, "right") - low
        starts = np.repeat(low - np.cumsum(lengths) + lengths, lengths)
        at = np.arange(starts.size) + starts
        return self.docs[at], self.ids[at]

    def key_ids(self, keys: Iterable[str]) -> list[int]:
        """The ids of those of `keys` the facet has."""
        return [self.number[key] for key in keys if key in self.number]

    def counts(self, ids: np.ndarray) -> dict[str, int]:
        """Key -> how many of `ids` it has (those it has at least once)."""
        found = np.bincount(ids, minlength=len(self.names))
        return {self.names[i]: int(found[i]) for i in np.flatnonzero(found)}


class FacetIndex:
    """Per snapshot: every (document, key) pair of each facet as arrays, so that counting the
    matches of a query is one `bincount` per facet instead of a walk over their values.
    A large set of matches is a mask over every pair; a small one looks its pairs up.
    """

    ARRAYS_FROM = 512  # matches above which a mask over every pair beats looking them up

    def __init__(self, pairs: Mapping[str, _Pairs], size: int) -> None:
        self._pairs = dict(pairs)
        self.size = size  # docnums are below it

    @classmethod
    def of(cls, values: Mapping[str, tuple[Sequence[int], Sequence[str]]], size: int) -> FacetIndex:
        """From each facet's (docs, keys) pairs, docs in increasing order."""
        return cls({name: _Pairs.of(docs, keys) for name, (docs, keys) in values.items()}, size)

    def derive(
        self,
        gone: np.ndarray,
        added: Mapping[str, tuple[Sequence[int], Sequence[str]]],
        size: int,
    ) -> FacetIndex:
        """A copy without the `gone` docnums and with the `added` pairs, whose docnums must
        come after every kept one (a commit appends its segments); it costs the change."""
        derived = {}
        for name, pairs in self._pairs.items():
            kept = np.isin(pairs.docs, gone, invert=True)
            more = _Pairs.of(*added.get(name, ((), ())), pairs.number)
            derived[name] = _Pairs(
                more.number,
                np.concatenate([pairs.docs[kept], more.docs]),
                np.concatenate([pairs.ids[kept], more.ids]),
            )
        return FacetIndex(derived, size)

    def count(self, name: str, docnums: Collection[int]) -> dict[str, int]:
        """How many of `docnums` have each key of facet `name`."""
        pairs = self._pairs[name]
        if len(docnums) < self.ARRAYS_FROM:
            return pairs.counts(pairs.of_docs(_sorted(docnums))[1])
        return self._count(name, self.within(docnums))

    def within(self, docnums: Collection[int]) -> np.ndarray:
        """`docnums` as a mask by docnum."""
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(docnums, dtype=np.int64, count=len(docnums))] = True
        return mask

    def _count(self, name: str, mask: np.ndarray) -> dict[str, int]:
        pairs = self._pairs[name]
        return pairs.counts(pairs.ids[mask[pairs.docs]])

    def filter_and_count(
        self, docnums: Collection[int], selections: Mapping[str, frozenset[str]]
    ) -> tuple[Set[int], dict[str, dict[str, int]]]:
        """The documents that pass every selection, and each facet's counts over the
        documents that pass the *other* facets' selections."""
        selected = [f.name for f in FACETS if selections.get(f.name)]
        if len(docnums) < self.ARRAYS_FROM:
            return self._filter_and_count_few(_sorted(docnums), selections, selected)
        mask = self.within(docnums)
        having = {name: self._pairs[name].having(selections[name], self.size) for name in selected}
        counts = {}
        for facet in FACETS:
            base = mask.copy()
            for name, found in having.items():
                if name != facet.name:
                    base &= found
            counts[facet.name] = self._count(facet.name, base)
        if not having:
            return docnums if isinstance(docnums, Set) else set(docnums), counts
        for found in having.values():
            mask &= found
        return set(np.flatnonzero(mask).tolist()), counts

    def _filter_and_count_few(
        self, matches: np.ndarray, selections: Mapping[str, frozenset[str]], selected: list[str]
    ) -> tuple[Set[int], dict[str, dict[str, int]]]:
        passing = {}
        for name in selected:
            pairs = self._pairs[name]
            docs, ids = pairs.of_docs(matches)
            passing[name] = np.unique(docs[np.isin(ids, pairs.key_ids(selections[name]))])
        counts = {}
        for facet in FACETS:
            base = _intersection(matches, (v for k, v in passing.items() if k != facet.name))
            pairs = self._pairs[facet.name]
            counts[facet.name] = pairs.counts(pairs.of_docs(base)[1])
        return set(_intersection(matches, passing.values()).tolist()), counts


def _sorted(docnums: Collection[int]) -> np.ndarray:
    found = np.fromiter(docnums, dtype=np.int64, count=len(docnums))
    found.sort()
    return found


def _intersection(first: np.ndarray, others: Iterable[np.ndarray]) -> np.ndarray:
    for other in others:
        first = np.intersect1d(first, other, assume_unique=True)
    return first


def filter_and_count(
    facets: FacetIndex,
    labels: Mapping[str, str],
    docnums: Collection[int],
    selections: Mapping[str, frozenset[str]],
) -> tuple[Set[int], dict[str, list[dict[str, object]]]]:
    """The documents that pass every selection, and each facet's counts, ordered and labelled.

    `selections` maps a facet name to the keys (folded values) selected in it.
    """
    final, counted = facets.filter_and_count(docnums, selections)
    counts = {}
    for facet in FACETS:
        ordered = sorted(counted[facet.name].items(), key=lambda kv, f=facet: f.order(*kv))
        counts[facet.name] = [{"value": labels.get(k, k), "count": n} for k, n in ordered]
    return final, counts
