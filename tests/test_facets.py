"""Facet filtering and counting: the arrays (large match sets) and the walk over matches
(small ones) give what a plain reading of each document's values gives."""

import random
from collections import Counter
from itertools import chain

import numpy as np
import pytest

from indexer.search.facets import FACET_NAMES, FacetIndex

DOCS = 4000


Keys = dict[str, dict[int, tuple[str, ...]]]  # facet -> docnum -> the document's keys


def random_keys(seed: int) -> Keys:
    rng = random.Random(seed)
    values = [f"v{i}" for i in range(40)]
    return {
        name: {d: tuple(rng.sample(values, rng.randint(0, 4))) for d in range(DOCS)}
        for name in FACET_NAMES
    }


def pairs(by_doc: dict[int, tuple[str, ...]]) -> tuple[list[int], list[str]]:
    return [d for d, keys in by_doc.items() for _ in keys], [
        k for ks in by_doc.values() for k in ks
    ]


def facet_index(keys: Keys, size: int = DOCS) -> FacetIndex:
    return FacetIndex.of({name: pairs(by_doc) for name, by_doc in keys.items()}, size)


def walked(keys: Keys, name: str, docnums: set[int]) -> dict[str, int]:
    return dict(Counter(chain.from_iterable(keys[name][d] for d in docnums)))


@pytest.mark.parametrize("matches", [10, 600, 3000])
def test_counts_are_the_values_of_the_matches(matches: int) -> None:
    keys = random_keys(matches)
    docnums = set(random.Random(-matches).sample(range(DOCS), matches))
    assert facet_index(keys).count("mission", docnums) == walked(keys, "mission", docnums)


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
    keys = random_keys(matches)
    docnums = set(random.Random(-matches).sample(range(DOCS), matches))

    def passing(names) -> set[int]:
        return {d for d in docnums if all(not selections[n].isdisjoint(keys[n][d]) for n in names)}

    final, counts = facet_index(keys).filter_and_count(docnums, selections)
    assert final == passing(selections)
    for name in FACET_NAMES:
        others = passing([n for n in selections if n != name])
        assert counts[name] == walked(keys, name, others), name


def test_a_derived_index_counts_like_a_fresh_one() -> None:
    keys = random_keys(7)
    removed = set(range(0, DOCS, 3))
    added = {name: {DOCS + i: ("v1", "new") for i in range(5)} for name in FACET_NAMES}
    derived = facet_index(keys).derive(
        np.array(sorted(removed)), {name: pairs(by_doc) for name, by_doc in added.items()}, DOCS + 5
    )
    now = {
        name: {**{d: v for d, v in keys[name].items() if d not in removed}, **added[name]}
        for name in FACET_NAMES
    }
    fresh = facet_index(now, DOCS + 5)
    for docnums in (set(now["agency"]), set(list(now["agency"])[-20:])):  # arrays, then a walk
        for name in FACET_NAMES:
            assert derived.count(name, docnums) == fresh.count(name, docnums)
            assert derived.count(name, docnums) == walked(now, name, docnums)
