"""Suggestions while typing: what is offered for a start, in which order, and never more."""

from __future__ import annotations

import pytest

from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.search.snapshot import SearchIndex
from indexer.search.suggest import MAX_SUGGESTIONS, suggest

# Written for these tests: Jupiter is said in more releases than JUICE is named.
RELEASES = {
    "juice.txt": "Départ vers Jupiter\n\nLa sonde JUICE de l'ESA part vers Jupiter.\n",
    "jupiter.txt": "Jupiter observée\n\nDes astronomes observent Jupiter et Saturne.\n",
    "jupiter2.txt": "Nouvelles lunes\n\nOn découvre deux lunes autour de Jupiter.\n",
    "roscosmos.txt": "Accord\n\nLe CNES et Roscosmos signent un accord de développement.\n",
    "esa.txt": "Budget\n\nL'Agence spatiale européenne vote son budget de développement.\n",
    "lune.txt": "Retour\n\nUne mission lunaire rapporte des roches lunaires de la Lune.\n",
}


@pytest.fixture
def index(make_corpus, open_index) -> SearchIndex:
    return open_index(make_corpus(RELEASES))


def offered(index: SearchIndex, q: str) -> list[tuple[str, str]]:
    return [(s["text"], s["kind"]) for s in suggest(index, q)["suggestions"]]


def test_the_example_of_the_contract(index) -> None:
    assert suggest(index, "Jup") == {
        "query": "Jup",
        "suggestions": [{"text": "Jupiter", "kind": "word"}, {"text": "JUICE", "kind": "mission"}],
    }


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("jup", ("Jupiter", "word")),  # the case the releases write, whatever is typed
        ("Ros", ("Roscosmos", "agency")),  # a word that names an agency is offered as it
        ("roskos", ("Roscosmos", "agency")),  # by an alias, under the canonical name
        ("Agence spatiale e", ("ESA", "agency")),  # the whole query, not only its last word
        ("ESA", ("ESA", "agency")),
        ("budget de dév", ("budget de développement", "word")),  # accents as written
        ("budget de DEV", ("budget de développement", "word")),
        ("mission lun", ("mission Lune", "word")),  # the words before are kept
        ("sonde J", ("sonde Jupiter", "word")),
    ],
)
def test_the_most_useful_suggestion_comes_first(index, typed, first) -> None:
    assert offered(index, typed)[0] == first


def test_a_word_naming_an_offered_entity_is_offered_once(index) -> None:
    assert offered(index, "Rosc") == [("Roscosmos", "agency")]
    assert offered(index, "Agence spatiale e") == [("ESA", "agency")]


def test_ties_go_to_the_shorter_word(index) -> None:
    assert offered(index, "lun") == [
        ("Lune", "word"),
        ("lunes", "word"),
        ("lunaire", "word"),
        ("lunaires", "word"),
    ]


@pytest.mark.parametrize("typed", ["Cass", "Cassini", "Hubb"])
def test_an_entity_no_release_names_is_not_offered(index, typed) -> None:
    assert offered(index, typed) == []


def test_a_deleted_release_offers_nothing(make_corpus, index_dir) -> None:
    corpus = make_corpus(RELEASES)
    store = IndexStore(index_dir)
    update_index(corpus, store)
    (corpus / "juice.txt").unlink()
    update_index(corpus, store)  # its words may stay in Whoosh's term list until a merge
    index = SearchIndex(store, corpus)
    assert offered(index, "Jup") == [("Jupiter", "word")]
    assert offered(index, "sond") == []


def test_a_word_complete_after_a_space_is_not_completed(index) -> None:
    assert offered(index, "Jup ") == []
    assert offered(index, "Jupiter ") == [("JUICE", "mission")]  # "Jupiter Icy Moons Explorer"


def test_at_most_eight(make_corpus, open_index) -> None:
    words = [f"zorg{chr(97 + n)}" for n in range(MAX_SUGGESTIONS + 4)]
    index = open_index(make_corpus({f"{w}.txt": f"Titre\n\nLe {w} brille.\n" for w in words}))
    assert len(offered(index, "zorg")) == MAX_SUGGESTIONS


@pytest.mark.parametrize("typed", ["", " ", "\x00", "\ud800", '"', "*", "(", "agence:", "'", "-"])
def test_any_string_is_valid(index, typed) -> None:
    response = suggest(index, typed)
    assert response["suggestions"] == []
