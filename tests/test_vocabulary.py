"""The vocabulary of written forms: completions counted over every segment of an index."""

from __future__ import annotations

from whoosh import index as whoosh_index

from indexer.analysis.vocabulary import Vocabulary
from indexer.index.schema import build_schema


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
