"""Marks in snippets: every spelling of a matched word is marked, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.analysis.french import analyze, term_spans
from indexer.search.highlight import _merge, matched_spans
from indexer.search.request import parse_request
from indexer.search.searching import search
from tests.fixtures_web import select

TEXT = (
    "Titre\n\n"
    "Le satellite Ørsted a été lancé. Le compositeur Dvořák est né en Bohême. "
    "La ville de Łódź accueille un colloque. Orstville, Dvorski et Lodève n'ont rien à voir. "
    "L’œuvre spatiale et la Straße du port."
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    from indexer.index.indexing import update_index
    from indexer.index.store import IndexStore
    from indexer.search.snapshot import SearchIndex

    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "cp-1.txt").write_text(TEXT, encoding="utf-8")
    store = IndexStore(tmp_path_factory.mktemp("index") / "index")
    update_index(corpus, store)
    return SearchIndex(store, corpus)


def marked(index, q: str) -> list[str]:
    (result,) = search(index, parse_request(q))["results"]
    return [mark.text for mark in select(result["snippet"], "mark")]


@pytest.mark.parametrize(
    ("q", "marks"),
    [
        ("Ørsted", ["Ørsted"]),
        ("orsted", ["Ørsted"]),
        ("Dvořák", ["Dvořák"]),
        ("dvorak", ["Dvořák"]),
        ("Łódź", ["Łódź"]),
        ("lodz", ["Łódź"]),
        ("oeuvre", ["œuvre"]),
        ("strasse", ["Straße"]),
        ("Orstville", ["Orstville"]),  # begins as "Ørsted" folded does: only itself is marked
        ("Lodève", ["Lodève"]),
        ("Dvorski", ["Dvorski"]),
    ],
)
def test_every_spelling_of_a_matched_word_is_marked(index, q: str, marks: list[str]) -> None:
    assert marked(index, q) == marks


WORDS = [
    "l'espace", "L’Espace", "spatial", "Spatiaux", "sous-marin", "marins", "N°2", "2024",
    "d'Ariane", "ARIANE", "œuvre", "oeuvres", "Ørsted", "l'", "qu'elle", "«", "»", "Mars,",
    "(Lune)", "lunaire", "…", "de", "et", "A320", "320", "Sentinel-2A", "2A", "xa32", "a3",
]  # fmt: skip
SEPARATORS = [" ", "  ", "\n", ". ", " ; ", "\u00a0", "-"]


@given(
    st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=30),
    st.sets(st.sampled_from(WORDS), min_size=1, max_size=3),
)
def test_the_words_marked_are_those_whose_term_is_wanted(
    pieces: list[tuple[str, str]], wanted: set[str]
) -> None:
    text = "".join(word + separator for word, separator in pieces)
    terms = frozenset(term for word in wanted for term in analyze(word))
    expected = [(start, end) for start, end, term in term_spans(text) if term in terms]
    assert matched_spans(text, terms) == _merge(expected)


@pytest.mark.parametrize(("words", "marks"), [([], []), (["lune"], [(3, 7)])])
def test_an_empty_term_marks_nothing_of_its_own(words: list[str], marks: list[tuple]) -> None:
    terms = frozenset(["", *(term for word in words for term in analyze(word))])
    assert matched_spans("La Lune, de nouveau.", terms) == marks
