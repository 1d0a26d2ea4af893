"""The Whoosh adapter against Whoosh's public API, on real indexes: an upgrade that changes
the internals it reads fails here, not silently in rankings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.reading import IndexReader

from indexer.engine import field_lengths, term_blocks
from indexer.indexing import update_index
from indexer.store import IndexStore

BLOCK = 128  # Whoosh 3's postings per block: more documents than this span several blocks
PRIVATE = re.compile(
    r"\._(read_data|blocklength|next_block|perdoc|cached_reader|btexts|byteids|read_ids)"
    r"|\b_lenfield\b|\b_NullQuery\b"
)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> IndexReader:
    """Three segments (no merging), deletions in two, a term in more than two blocks."""
    schema = Schema(id=ID(stored=True, unique=True), body=TEXT, tags=KEYWORD, kind=ID)
    ix = whoosh_index.create_in(tmp_path_factory.mktemp("engine"), schema)
    number = 0
    for segment in range(3):
        writer = ix.writer()
        for _ in range(2 * BLOCK + 7):
            words = ["lune"] * (1 + number % 5) + ["mars"] * (number % 3 == 0)
            writer.add_document(
                id=str(number),
                body=" ".join(words + ["orbite"] * (number % 7)),
                tags="sonde" if number % 2 else "sonde,satellite",
                kind="communique",
            )
            number += 1
        writer.commit(merge=False)
        if segment < 2:
            writer = ix.writer()
            for gone in range(number - 50, number, 4):
                writer.delete_by_term("id", str(gone))
            writer.commit(merge=False)
    opened = ix.reader()
    assert len(list(opened.leaf_readers())) == 3
    yield opened
    opened.close()


def public_postings(reader: IndexReader, fieldname: str, text: str) -> list[tuple[int, float]]:
    """(docnum, weight) of a term's live postings, through Whoosh's public matcher API."""
    pairs = []
    for leaf, offset in reader.leaf_readers():
        if (fieldname, text) in leaf:
            pairs += [(offset + d, w) for d, w in leaf.postings(fieldname, text).items_as("weight")]
    return pairs


def adapter_postings(reader: IndexReader, fieldname: str, text: str) -> list[tuple[int, float]]:
    pairs = []
    for docnums, weights in term_blocks(reader, fieldname, text):
        assert len(docnums) == len(weights)
        pairs += zip(docnums, weights, strict=True)
    return [(d, w) for d, w in pairs if not reader.is_deleted(d)]


@pytest.mark.parametrize(
    ("fieldname", "text"),
    [
        ("body", "lune"),  # in every document, several blocks per segment, weights 1 to 5
        ("body", "mars"),  # in one document of three
        ("body", "orbite"),  # frequencies 0 to 6
        ("tags", "sonde"),  # one weight for the whole block
        ("kind", "communique"),  # a field without frequencies
        ("body", "absent"),
    ],
)
def test_postings_and_weights_are_whooshs(reader: IndexReader, fieldname: str, text: str) -> None:
    assert adapter_postings(reader, fieldname, text) == public_postings(reader, fieldname, text)


def test_blocks_are_whooshs_blocks(reader: IndexReader) -> None:
    blocks = list(term_blocks(reader, "body", "lune"))
    assert len(blocks) > 3
    assert all(0 < len(docnums) <= BLOCK for docnums, _ in blocks)
    docnums = [d for block, _ in blocks for d in block]
    assert docnums == sorted(docnums) == list(range(reader.doc_count_all()))


@pytest.mark.parametrize("fieldname", ["body", "tags", "kind", "id"])
def test_field_lengths_are_whooshs(reader: IndexReader, fieldname: str) -> None:
    lengths = field_lengths(reader, fieldname)
    assert len(lengths) == reader.doc_count_all()
    expected = [reader.doc_field_length(d, fieldname) or 0 for d in range(reader.doc_count_all())]
    assert lengths == expected


def test_orbites_own_index_reads_as_whoosh_reads_it(seed_corpus: Path, index_dir: Path) -> None:
    store = IndexStore(index_dir)
    update_index(seed_corpus, store)
    with store.open().reader() as reader:
        for fieldname in ("title", "body", "exact", "pairs", "agency", "year"):
            expected = [
                reader.doc_field_length(d, fieldname) or 0 for d in range(reader.doc_count_all())
            ]
            assert field_lengths(reader, fieldname) == expected
            for text in list(reader.field_terms(fieldname))[:40]:
                found = adapter_postings(reader, fieldname, text)
                assert found == public_postings(reader, fieldname, text), (fieldname, text)


def test_only_the_engine_names_whoosh_internals() -> None:
    naming = sorted(
        str(path.relative_to(ROOT))
        for folder in ("indexer", "web")
        for path in (ROOT / folder).rglob("*.py")
        if PRIVATE.search(path.read_text(encoding="utf-8"))
    )
    assert naming == ["indexer/engine.py"]
