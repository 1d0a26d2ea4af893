"""Folding: what makes accents, case, ligatures and apostrophes irrelevant to matching."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.analysis.normalize import (
    LONG_TEXT,
    fold,
    fold_char,
    fold_with_offsets,
    without_accents,
)

_FRENCH = st.sampled_from("aZé œ«…’\u00a0\u202f\u0301-ESA2ßÿ\u2019“”")
# Long texts are folded as arrays, short ones by `str.translate`: both must agree.
_LONG = st.text(
    alphabet=_FRENCH | st.characters(codec="utf-8"), min_size=LONG_TEXT, max_size=2 * LONG_TEXT
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Coopération", "cooperation"),
        ("ŒUVRE", "oeuvre"),
        ("Chang’e", "chang'e"),
        ("Chang‘e", "chang'e"),
        ("l\u02bcESA", "l'esa"),
        ("Pékin", "pekin"),
        ("e\u0301toile", "etoile"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "readable"),
    [
        ("Comète Été", "Comete Ete"),  # case kept, unlike fold
        ("e\u0301toile", "etoile"),
        ("Œuvre", "Œuvre"),  # a letter of its own, not an accent
        ("ﬁn ²", "fin 2"),  # compatibility forms decomposed
        ("北京", "北京"),
    ],
)
def test_without_accents(text: str, readable: str) -> None:
    assert without_accents(text) == readable


@given(st.text(alphabet=_FRENCH, max_size=40) | st.text() | _LONG)
def test_offsets_map_every_folded_character_back(text: str) -> None:
    folded, offsets = fold_with_offsets(text)
    assert folded == "".join(fold_char(c) for c in text) == fold(text)
    offsets = offsets or list(range(len(text) + 1))
    assert len(offsets) == len(folded) + 1
    assert all(fold_char(text[offsets[i]]).find(folded[i]) >= 0 for i in range(len(folded)))
