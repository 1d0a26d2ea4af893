"""Facets: agency, mission and year, counted over every match of a query.

A facet's counts take the query and every *other* active filter into account, but not the
facet's own selection, so that selecting "ESA" still shows how many releases "NASA" has.
Values within one facet are alternatives (ESA or NASA); different facets combine (ESA and 2020).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from indexer.normalize import fold
from indexer.snapshot import Row


class Facet:
    """One facet: how to read its values from a row, and how a selection filters rows."""

    name: str

    def order(self, key: str, count: int) -> tuple:
        """Most frequent first; ties in alphabetical order."""
        return (-count, key)

    def values(self, row: Row) -> Iterable[str]:
        raise NotImplementedError

    def keys(self, row: Row) -> Iterable[str]:
        return (fold(value) for value in self.values(row))

    def accepts(self, row: Row, selected: frozenset[str]) -> bool:
        return not selected or not selected.isdisjoint(self.keys(row))


class AgencyFacet(Facet):
    name = "agency"

    def values(self, row: Row) -> Iterable[str]:
        return row.agencies

    def keys(self, row: Row) -> Iterable[str]:
        return row.agency_keys


class MissionFacet(Facet):
    name = "mission"

    def values(self, row: Row) -> Iterable[str]:
        return row.missions

    def keys(self, row: Row) -> Iterable[str]:
        return row.mission_keys


class YearFacet(Facet):
    name = "year"

    def order(self, key: str, count: int) -> tuple:
        """Newest year first, like a timeline read from the right."""
        return (-int(key), 0)

    def values(self, row: Row) -> Iterable[str]:
        return (row.year,) if row.year else ()


FACETS: tuple[Facet, ...] = (AgencyFacet(), MissionFacet(), YearFacet())


def filter_and_count(
    rows: Mapping[int, Row], docnums: Iterable[int], selections: Mapping[str, frozenset[str]]
) -> tuple[set[int], dict[str, list[dict[str, object]]]]:
    """The documents that pass every selection, and each facet's counts.

    `selections` maps a facet name to the folded values selected in it.
    """
    passing: set[int] = set()
    counters = {facet.name: Counter() for facet in FACETS}
    labels: dict[tuple[str, str], str] = {}
    for docnum in docnums:
        row = rows[docnum]
        failed = [f for f in FACETS if not f.accepts(row, selections.get(f.name, frozenset()))]
        if not failed:
            passing.add(docnum)
        if len(failed) > 1:
            continue
        for facet in failed or FACETS:
            for value in facet.values(row):
                key = fold(value)
                counters[facet.name][key] += 1
                labels.setdefault((facet.name, key), value)
    return passing, {
        facet.name: [
            {"value": labels[(facet.name, key)], "count": count}
            for key, count in sorted(
                counters[facet.name].items(), key=lambda kv, f=facet: f.order(*kv)
            )
        ]
        for facet in FACETS
    }
