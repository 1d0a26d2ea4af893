"""Facet counting: the bitmask way and the walk over matches give the same counts."""

import random
from collections import Counter
from itertools import chain

import pytest

from indexer.search.facets import FacetIndex


@pytest.mark.parametrize("matches", [10, 600, 3000])
def test_bitmask_and_walk_count_alike(matches: int) -> None:
    rng = random.Random(matches)
    values = [f"v{i}" for i in range(40)]
    keys = {"mission": {d: tuple(rng.sample(values, rng.randint(0, 4))) for d in range(4000)}}
    index = FacetIndex(keys, 4000)
    docnums = set(rng.sample(range(4000), matches))
    walked = Counter(chain.from_iterable(keys["mission"][d] for d in docnums))
    assert dict(index.count("mission", docnums)) == dict(walked)
