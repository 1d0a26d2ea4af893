"""The Whoosh adapter against Whoosh's public API, on real indexes: an upgrade that changes
the internals it reads fails here, not silently in rankings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import IndexReader

from indexer.index.engine import (
    adopt_segments,
    doc_frequencies,
    field_lengths,
    pickled_column,
    term_filters,
    term_postings,
    write_segment,
)
from indexer.index.facts import FACTS_FIELD
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore

BLOCK = 128  # Whoosh 3's postings per block: more documents than this span several blocks
PRIVATE = re.compile(
    r"\._(read_data|blocklength|next_block|perdoc|cached_reader|btexts|byteids|read_ids|postfile"
    r"|tindex|fieldmap)"
    r"|\b_lenfield\b|\b_NullQuery\b"
)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=["memory maps", "plain reads"])
def reader(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> IndexReader:
    """Three segments (no merging), deletions in two, a term in more than two blocks, a field
    that the last documents of a segment lack; read through memory maps (Whoosh's default)
    and through plain reads (Orbite's store)."""
    schema = Schema(id=ID(stored=True, unique=True), body=TEXT, tags=KEYWORD, kind=ID, note=TEXT)
    folder = str(tmp_path_factory.mktemp("engine"))
    storage = FileStorage(folder, supports_mmap=request.param == "memory maps")
    ix = storage.create_index(schema)
    number = 0
    for segment in range(3):
        writer = ix.writer()
        for _ in range(2 * BLOCK + 7):
            words = ["lune"] * (1 + number % 5) + ["mars"] * (number % 3 == 0)
            note = {"note": "essai " * (number % 4)} if number % 3 == 0 else {}
            writer.add_document(
                id=str(number),
                body=" ".join(words + ["orbite"] * (number % 7)),
                tags="sonde" if number % 2 else "sonde,satellite",
                kind="communique",
                **note,
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
    docnums, weights = term_postings(reader, fieldname, text)
    assert docnums.shape == weights.shape and docnums.ndim == 1
    assert docnums.dtype.kind == "i" and weights.dtype.kind == "f"
    pairs = zip(docnums.tolist(), weights.tolist(), strict=True)
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
        ("note", "essai"),  # not in the last documents of a segment
    ],
)
def test_postings_and_weights_are_whooshs(reader: IndexReader, fieldname: str, text: str) -> None:
    assert adapter_postings(reader, fieldname, text) == public_postings(reader, fieldname, text)
    docnums, _ = term_postings(reader, fieldname, text)  # deleted documents included
    assert docnums.size == reader.doc_frequency(fieldname, text)


def test_every_term_is_found_in_every_segment_holding_it(reader: IndexReader) -> None:
    for fieldname, text in reader.all_terms():
        docnums, _ = term_postings(reader, fieldname, reader.schema[fieldname].from_bytes(text))
        assert docnums.size == reader.doc_frequency(fieldname, text), (fieldname, text)


def test_every_block_of_every_segment_is_read(reader: IndexReader) -> None:
    docnums, _ = term_postings(reader, "body", "lune")
    assert reader.doc_count_all() > 3 * BLOCK  # so several blocks per segment
    assert docnums.tolist() == list(range(reader.doc_count_all()))  # deleted ones included


def test_a_term_filter_holds_a_bit_per_key_at_most(reader: IndexReader) -> None:
    filters = term_filters(reader, {})
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    assert list(filters) == [leaf.segment().segment_id() for leaf in leaves]
    for leaf in leaves:
        keys = sum(len(doc_frequencies(leaf, name)) for name in leaf.schema.names())
        bits = filters[leaf.segment().segment_id()]
        assert 0 < sum(bin(byte).count("1") for byte in bits) <= keys
        assert len(bits) * 8 >= 16 * keys  # so that most absent terms find their bit unset


def test_a_segment_is_looked_up_only_if_its_filter_lets_the_term_through(
    reader: IndexReader,
) -> None:
    filters = term_filters(reader, {})
    (first, first_offset), (_, second_offset) = reader.leaf_readers()[:2]
    closed = {first.segment().segment_id(): bytes(len(filters[first.segment().segment_id()]))}
    try:
        assert term_filters(reader, closed) != filters
        docnums, _ = term_postings(reader, "body", "lune")
    finally:
        term_filters(reader, filters)  # the module's reader as it was, for the other tests
    assert docnums.size == reader.doc_count_all() - (second_offset - first_offset)
    assert term_postings(reader, "body", "lune")[0].size == reader.doc_count_all()


@pytest.mark.parametrize("fieldname", ["body", "tags", "kind", "id", "note"])
def test_field_lengths_are_whooshs(reader: IndexReader, fieldname: str) -> None:
    lengths = field_lengths(reader, fieldname)
    expected = [reader.doc_field_length(d, fieldname) or 0 for d in range(reader.doc_count_all())]
    assert lengths.tolist() == expected


@pytest.mark.parametrize("fieldname", ["body", "tags", "kind", "id", "note", "absent"])
def test_doc_frequencies_are_whooshs(reader: IndexReader, fieldname: str) -> None:
    for leaf, _ in reader.leaf_readers():
        expected = {}
        if fieldname in leaf.schema:
            expected = {t: i.doc_frequency() for t, i in leaf.iter_field(fieldname)}
        assert doc_frequencies(leaf, fieldname) == expected


def test_orbites_own_index_reads_as_whoosh_reads_it(seed_corpus: Path, index_dir: Path) -> None:
    store = IndexStore(index_dir)
    update_index(seed_corpus, store)
    with store.open().reader() as reader:
        for fieldname in ("title", "body", "exact", "pairs", "agency", "year"):
            expected = [
                reader.doc_field_length(d, fieldname) or 0 for d in range(reader.doc_count_all())
            ]
            assert field_lengths(reader, fieldname).tolist() == expected
            for leaf, _ in reader.leaf_readers():
                frequencies = {t: i.doc_frequency() for t, i in leaf.iter_field(fieldname)}
                assert doc_frequencies(leaf, fieldname) == frequencies
        for leaf, _ in reader.leaf_readers():
            column = leaf.column_reader(FACTS_FIELD)
            expected = [column[d] for d in range(leaf.doc_count_all())]
            assert pickled_column(leaf, FACTS_FIELD) == expected
            for text in list(reader.field_terms(fieldname))[:40]:
                found = adapter_postings(reader, fieldname, text)
                assert found == public_postings(reader, fieldname, text), (fieldname, text)


def term_infos(reader: IndexReader) -> list[tuple]:
    """Every term with its statistics (the length bounds included) and its postings."""
    found = []
    for fieldname, text in reader.all_terms():
        info = reader.term_info(fieldname, text)
        postings = list(reader.postings(fieldname, text).items_as("weight"))
        statistics = (info.weight(), info.doc_frequency(), info.max_weight())
        found.append((fieldname, text, statistics, info.min_length(), info.max_length(), postings))
    return found


def test_a_segment_written_for_a_build_reads_as_one_whoosh_writes(tmp_path: Path) -> None:
    schema = Schema(id=ID(stored=True), body=TEXT, tags=KEYWORD, kind=ID)
    documents = [
        {"id": str(n), "body": " ".join(["lune"] * (n % 9) + ["mars"] * (n % 4) + ["orbite"])}
        | ({"tags": "sonde"} if n % 3 else {})
        for n in range(2 * BLOCK + 7)
    ]
    for folder in ("whoosh", "built"):
        (tmp_path / folder).mkdir()
    whooshs = whoosh_index.create_in(tmp_path / "whoosh", schema)
    with whooshs.writer() as writer:
        for fields in documents:
            writer.add_document(**fields)
    built = whoosh_index.create_in(tmp_path / "built", schema)
    segment = write_segment(tmp_path / "scratch", schema, documents)
    adopt_segments(built, tmp_path / "scratch", [segment])
    with whooshs.reader() as expected, built.reader() as found:
        assert term_infos(found) == term_infos(expected)
        for fieldname in ("body", "tags"):
            assert (
                field_lengths(found, fieldname).tolist()
                == field_lengths(expected, fieldname).tolist()
            )


def test_only_the_engine_names_whoosh_internals() -> None:
    naming = sorted(
        str(path.relative_to(ROOT))
        for folder in ("indexer", "web")
        for path in (ROOT / folder).rglob("*.py")
        if PRIVATE.search(path.read_text(encoding="utf-8"))
    )
    assert naming == ["indexer/index/engine.py"]
