"""Facet filtering and counting: the arrays (large match sets) and the walk over matches
(small ones) give what a plain reading of each document's values gives."""

import random
from collections import Counter
from itertools import chain

import pytest

from indexer.search.facets import FACET_NAMES, FacetIndex

DOCS = 4000


def facet_index(seed: int) -> FacetIndex:
    rng = random.Random(seed)
    values = [f"v{i}" for i in range(40)]
    keys = {
        name: {d: tuple(rng.sample(values, rng.randint(0, 4))) for d in range(DOCS)}
        for name in FACET_NAMES
    }
    return FacetIndex(keys, DOCS)


def walked(index: FacetIndex, name: str, docnums: set[int]) -> dict[str, int]:
    return dict(Counter(chain.from_iterable(index.keys[name][d] for d in docnums)))


@pytest.mark.parametrize("matches", [10, 600, 3000])
def test_counts_are_the_values_of_the_matches(matches: int) -> None:
    index = facet_index(matches)
    docnums = set(random.Random(-matches).sample(range(DOCS), matches))
    assert dict(index.count("mission", docnums)) == walked(index, "mission", docnums)


@pytest.mark.parametrize("matches", [10, 600, 3000])
@pytest.mark.parametrize(
    "selections",
    [
        {},
        {"agency": frozenset({"v1", "v2"})},
        {"agency": frozenset({"v3"}), "year": frozenset({"v4"})},
    ],
)
def test_selections_filter_and_each_facet_ignores_its_own(matches: int, selections) -> None:
    index = facet_index(matches)
    docnums = set(random.Random(-matches).sample(range(DOCS), matches))

    def passing(names) -> set[int]:
        return {
            d for d in docnums if all(not selections[n].isdisjoint(index.keys[n][d]) for n in names)
        }

    final, counts = index.filter_and_count(docnums, selections)
    assert final == passing(selections)
    for name in FACET_NAMES:
        others = passing([n for n in selections if n != name])
        assert dict(counts[name]) == walked(index, name, others), name


def test_a_derived_index_counts_like_a_fresh_one() -> None:
    index = facet_index(7)
    removed = set(range(0, DOCS, 3))
    added = {name: {DOCS + i: ("v1", "new") for i in range(5)} for name in FACET_NAMES}
    derived = index.derive(removed, added)
    keys = {
        name: {**{d: v for d, v in index.keys[name].items() if d not in removed}, **added[name]}
        for name in FACET_NAMES
    }
    fresh = FacetIndex(keys, DOCS + 5)
    everything = set(keys["agency"])
    for name in FACET_NAMES:
        assert derived.count(name, everything) == fresh.count(name, everything)
