"""The vocabulary of written forms: completions counted over every segment of an index."""

from __future__ import annotations

import pytest
from whoosh import index as whoosh_index

from indexer.index.schema import build_schema
from indexer.search.vocabulary import Vocabulary


def test_a_word_in_several_segments_counts_the_releases_of_all(tmp_path) -> None:
    ix = whoosh_index.create_in(tmp_path, build_schema())
    batches = [["Satellite lancé", "Satellites en orbite"], ["Le satellite Sentinel"]]
    for number, texts in enumerate(batches):
        with ix.writer() as writer:  # one commit, one segment
            for i, text in enumerate(texts):
                writer.add_document(id=f"{number}-{i}", exact=text)
    with ix.reader() as reader:
        assert len(reader.leaf_readers()) == 2
        words = Vocabulary.read(reader).completions("sate", 5)
    assert [(w.form, w.docs) for w in words] == [("satellite", 2), ("satellites", 1)]


@pytest.mark.parametrize(
    ("typed", "maxdist", "expected"),
    [
        ("satelite", 2, ["satellite", "satellites"]),  # one letter left out, then two
        ("satlelite", 1, ["satellite"]),  # two letters swapped: one edit
        ("atellite", 2, []),  # its first letter wrong: never offered
        ("lancment", 1, ["lancement"]),
        ("éqipage", 1, ["équipage"]),  # accents as written
    ],
)
def test_near_words_begin_alike_and_come_most_frequent_first(
    tmp_path, typed: str, maxdist: int, expected: list[str]
) -> None:
    ix = whoosh_index.create_in(tmp_path, build_schema())
    texts = ["Satellite et satellites", "Le satellite", "Lancement de l'équipage"]
    with ix.writer() as writer:
        for i, text in enumerate(texts):
            writer.add_document(id=str(i), exact=text)
    with ix.reader() as reader:
        assert Vocabulary.read(reader).near(typed, maxdist) == expected
