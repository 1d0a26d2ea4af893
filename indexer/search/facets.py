"""Facets: agency, mission and year, counted over every match of a query.

A facet's counts take the query and every *other* active filter into account, but not the
facet's own selection, so that selecting "ESA" still shows how many releases "NASA" has.
Values within one facet are alternatives (ESA or NASA); different facets combine (ESA and 2020).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import chain

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


class FacetIndex:
    """Per snapshot: each document's keys in each facet, and each key's documents as a bitmask.

    Counting a large set of matches is then one AND and one popcount per value, instead of a
    walk over every match's values; a small set is still counted document by document.
    """

    BITMASKS_FROM = 512  # matches above which popcounts beat a walk over the matches

    def __init__(self, keys: Mapping[str, Mapping[int, tuple[str, ...]]], size: int) -> None:
        self.keys = keys
        self.size = size
        self.masks: dict[str, dict[str, int]] = {}
        for name, by_doc in keys.items():
            bits: dict[str, bytearray] = {}
            for docnum, doc_keys in by_doc.items():
                for key in doc_keys:
                    field = bits.setdefault(key, bytearray(size // 8 + 1))
                    field[docnum >> 3] |= 1 << (docnum & 7)
            self.masks[name] = {key: int.from_bytes(b, "little") for key, b in bits.items()}

    def derive(
        self, removed: set[int], added: Mapping[str, Mapping[int, tuple[str, ...]]]
    ) -> FacetIndex:
        """A copy without the `removed` docnums and with the `added` ones' keys; the copy
        shares what did not change, so it costs the change, not the index."""
        derived = FacetIndex.__new__(FacetIndex)
        derived.size = max([self.size, *(d + 1 for by_doc in added.values() for d in by_doc)])
        derived.keys, derived.masks = {}, {}
        for name, by_doc in self.keys.items():
            keys, masks = dict(by_doc), dict(self.masks[name])
            cleared: dict[str, int] = {}
            for docnum in removed:
                for key in keys.pop(docnum, ()):
                    cleared[key] = cleared.get(key, 0) | 1 << docnum
            for key, bits in cleared.items():
                masks[key] &= ~bits
            for docnum, doc_keys in added.get(name, {}).items():
                keys[docnum] = doc_keys
                for key in doc_keys:
                    masks[key] = masks.get(key, 0) | 1 << docnum
            derived.keys[name] = keys
            derived.masks[name] = {key: mask for key, mask in masks.items() if mask}
        return derived

    def mask(self, docnums: Iterable[int]) -> int:
        bits = bytearray(self.size // 8 + 1)
        for docnum in docnums:
            bits[docnum >> 3] |= 1 << (docnum & 7)
        return int.from_bytes(bits, "little")

    def count(self, name: str, docnums: set[int]) -> dict[str, int]:
        """How many of `docnums` have each key of facet `name`."""
        if len(docnums) < self.BITMASKS_FROM:
            return Counter(chain.from_iterable(map(self.keys[name].__getitem__, docnums)))
        within = self.mask(docnums)
        counts = ((key, (mask & within).bit_count()) for key, mask in self.masks[name].items())
        return {key: n for key, n in counts if n}


def filter_and_count(
    facets: FacetIndex,
    labels: Mapping[str, str],
    docnums: Iterable[int],
    selections: Mapping[str, frozenset[str]],
) -> tuple[set[int], dict[str, list[dict[str, object]]]]:
    """The documents that pass every selection, and each facet's counts.

    `selections` maps a facet name to the keys (folded values) selected in it.
    """
    matches = set(docnums)
    passing = {
        f.name: _accepted(facets.keys[f.name], matches, selections.get(f.name)) for f in FACETS
    }
    final = set.intersection(*passing.values())
    counts = {}
    for facet in FACETS:
        base = set.intersection(*[passing[f.name] for f in FACETS if f is not facet])
        counted = facets.count(facet.name, base)
        ordered = sorted(counted.items(), key=lambda kv, f=facet: f.order(*kv))
        counts[facet.name] = [{"value": labels.get(k, k), "count": n} for k, n in ordered]
    return final, counts


def _accepted(
    keys: Mapping[int, tuple[str, ...]], docnums: set[int], selected: frozenset[str] | None
) -> set[int]:
    if not selected:
        return docnums
    return {d for d in docnums if not selected.isdisjoint(keys[d])}
