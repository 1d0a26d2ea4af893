"""Facets: agency, mission and year, counted over every match of a query.

A facet's counts take the query and every *other* active filter into account, but not the
facet's own selection, so that selecting "ESA" still shows how many releases "NASA" has.
Values within one facet are alternatives (ESA or NASA); different facets combine (ESA and 2020).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import chain


class Facet:
    """One facet: its name (a field of `Row`) and how its values are ordered."""

    def __init__(self, name: str) -> None:
        self.name = name

    def order(self, key: str, count: int) -> tuple:
        """Most frequent first; ties in alphabetical order."""
        return (-count, key)


class YearFacet(Facet):
    def order(self, key: str, count: int) -> tuple:
        """Newest year first, like a timeline read from the right."""
        return (-int(key), 0)


FACETS: tuple[Facet, ...] = (Facet("agency"), Facet("mission"), YearFacet("year"))


def filter_and_count(
    keys: Mapping[str, Mapping[int, tuple[str, ...]]],
    labels: Mapping[str, str],
    docnums: Iterable[int],
    selections: Mapping[str, frozenset[str]],
) -> tuple[set[int], dict[str, list[dict[str, object]]]]:
    """The documents that pass every selection, and each facet's counts.

    `keys` maps a facet name to each document's keys (folded values) in it; `selections`
    maps a facet name to the keys selected in it.
    """
    matches = set(docnums)
    passing = {f.name: _accepted(keys[f.name], matches, selections.get(f.name)) for f in FACETS}
    final = set.intersection(*passing.values())
    counts = {}
    for facet in FACETS:
        others = [passing[f.name] for f in FACETS if f is not facet]
        base = set.intersection(*others)
        counter = Counter(chain.from_iterable(map(keys[facet.name].__getitem__, base)))
        ordered = sorted(counter.items(), key=lambda kv, f=facet: f.order(*kv))
        counts[facet.name] = [{"value": labels.get(k, k), "count": n} for k, n in ordered]
    return final, counts


def _accepted(
    keys: Mapping[int, tuple[str, ...]], docnums: set[int], selected: frozenset[str] | None
) -> set[int]:
    if not selected:
        return docnums
    return {d for d in docnums if not selected.isdisjoint(keys[d])}
