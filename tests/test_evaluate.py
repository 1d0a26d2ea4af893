"""The evaluator's ranking helper against the order it replaces."""

from __future__ import annotations

import heapq

from hypothesis import given
from hypothesis import strategies as st

from indexer.search.evaluate import best


@given(
    st.dictionaries(st.integers(0, 500), st.sampled_from([0.0, 0.5, 1.25, 2.0, 7.5])),
    st.integers(0, 30),
    st.data(),
)
def test_best_is_the_highest_scores_lowest_docnum_first(scores, count, data) -> None:
    docnums = data.draw(st.sets(st.sampled_from(sorted(scores)))) if scores else set()
    expected = heapq.nlargest(count, docnums, key=lambda d: (scores[d], -d))
    assert best(scores, docnums, count) == expected
