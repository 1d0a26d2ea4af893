"""Snapshots: one derived from the previous commit's holds exactly what a fresh one reads."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from indexer.cli import run_index
from indexer.index import engine
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.search import snapshot as snapshot_module
from indexer.search import tables as tables_module
from indexer.search import vocabulary as vocabulary_module
from indexer.search.facets import FACET_NAMES
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex, Snapshot

AGENCIES = ("CNES", "ESA", "NASA", "JAXA")
MONTHS = ("janvier", "mars", "juin", "octobre")


def release(n: int, word: str = "orbite") -> str:
    agency = AGENCIES[n % len(AGENCIES)]
    day, month, year = 1 + n % 27, MONTHS[n % len(MONTHS)], 2000 + n % 9
    dated = f"{day} {month} {year}\n\n" if n % 10 != 8 else ""  # some releases are undated
    return f"{dated}Communiqué {n} du {agency}\n\nLe {agency} et la {word}.\n"


def test_a_derived_vocabulary_reads_only_the_segments_that_changed(
    corpus: Path, index: SearchIndex, monkeypatch
) -> None:
    assert index.snapshot().vocabulary.completions("orbi", 1)  # read once, whole
    read: list[int] = []
    counting = vocabulary_module.segment_words

    def counted(leaf):
        read.append(leaf.doc_count_all())
        return counting(leaf)

    monkeypatch.setattr(vocabulary_module, "segment_words", counted)
    path = corpus / "cp-80.txt"
    path.write_text(release(80, word="astéroïde"), "utf-8")
    update_index(corpus, index.store, paths=[path])
    snapshot = index.snapshot()
    assert read == [1]  # the one new release's segment, not the 80 before it
    assert [w.form for w in snapshot.vocabulary.completions("asteroi", 3)] == ["astéroïde"]


def tables(snapshot: Snapshot) -> dict[str, object]:
    """Everything a search reads from a snapshot's per-release tables, as plain values."""
    found = snapshot.tables
    live = found.live.tolist()
    counts = {name: found.facets.count(name, set(live)) for name in FACET_NAMES}
    return {
        "ids": {d: found.ids[d] for d in live},
        "dates": {d: int(found.dates[d]) for d in live},
        "embargoes": found.embargoes,
        "docnums": snapshot.docnums,
        "keys": {name: {d: found.facets.count(name, {d}) for d in live} for name in FACET_NAMES},
        "counts": counts,
        "newest_first": found.newest_first.tolist(),
        "oldest_first": found.oldest_first.tolist(),
        "labels": {k: found.labels[k] for name in ("agency", "mission") for k in counts[name]},
    }


# One change per commit, in order: enough commits for Whoosh to merge its small segments.
STEPS = [("add", n) for n in range(80, 86)] + [
    ("change", 3),
    ("delete", 7),
    ("add", 86),
    ("add", 88),
    ("change", 81),
    ("delete", 84),
    ("delete", 0),
    ("add", 87),
    ("change", 12),
]


@pytest.fixture
def corpus(make_corpus) -> Path:
    return make_corpus({f"cp-{n:02d}.txt": release(n) for n in range(80)})


@pytest.fixture
def index(corpus: Path, index_dir: Path) -> SearchIndex:
    """The corpus indexed in one commit, and searched."""
    store = IndexStore(index_dir)
    update_index(corpus, store)
    return SearchIndex(store, corpus)


def test_each_derived_snapshot_equals_a_fresh_one(
    corpus: Path, index: SearchIndex, monkeypatch
) -> None:
    index.snapshot()
    read = reads(monkeypatch)
    for action, n in STEPS:
        # Read, so that the next snapshot derives its own from it.
        assert index.snapshot().vocabulary.completions("orbi", 1)
        path = corpus / f"cp-{n:02d}.txt"
        if action == "delete":
            path.unlink()
        else:
            path.write_text(release(n, word="sonde" if action == "change" else "orbite"), "utf-8")
        update_index(corpus, index.store, paths=[path])
        read.clear()
        derived = index.snapshot()
        derived_reads = len(read)
        fresh = Snapshot(derived.ix, derived.meta, derived.gazetteer)
        assert tables(derived) == tables(fresh), (action, n)
        assert list(derived.vocabulary) == list(fresh.vocabulary), (action, n)
        assert derived.postings.filters == fresh.postings.filters, (action, n)
        assert derived_reads < len(fresh) / 2, f"{action} {n} read {derived_reads} releases"


@pytest.mark.parametrize(
    ("weights", "kept"),
    [
        ([1, 1, 1, 1], ["b", "c", "d"]),  # three entries at most: the oldest goes first
        ([4, 4, 3], ["b", "c"]),  # at most 10 in weight
        ([1, 1, 50], ["c"]),  # the newest stays, however heavy
    ],
)
def test_a_cache_of_searches_is_bounded_in_entries_and_in_weight(
    weights: list[int], kept: list[str]
) -> None:
    cache = snapshot_module.LruCache(3, weight=len, budget=10)
    keys = "abcd"[: len(weights)]
    for key, weight in zip(keys, weights, strict=True):
        cache.put(key, "x" * weight)
    assert [k for k in keys if cache.get(k) is not None] == kept


def reads(monkeypatch) -> list[int]:
    """The docnums whose `Facts` snapshots read from the index from now on."""
    read: list[int] = []
    reading = tables_module.read_facts

    def counted(reader):
        for item in reading(reader):
            read.append(item[0])
            yield item

    monkeypatch.setattr(tables_module, "read_facts", counted)
    return read


def started(index: SearchIndex) -> Snapshot:
    """The first snapshot of another process opening the same index."""
    return SearchIndex(index.store, index.corpus).snapshot()


def test_the_next_process_starts_from_the_tables_kept_beside_the_index(
    index: SearchIndex, monkeypatch
) -> None:
    first = index.snapshot()
    assert index.store.tables_kept()
    read = reads(monkeypatch)
    next_one = started(index)
    assert read == []
    assert tables(next_one) == tables(first)
    assert list(next_one.vocabulary) == list(first.vocabulary)


def test_term_filters_are_read_for_new_segments_only(
    corpus: Path, index: SearchIndex, monkeypatch
) -> None:
    first = index.snapshot()
    read: list[str] = []
    reading = engine._SegmentTerms.read_filter

    def counted(terms) -> bytes:
        read.append(terms.id)
        return reading(terms)

    monkeypatch.setattr(engine._SegmentTerms, "read_filter", counted)
    assert started(index).postings.filters == first.postings.filters  # kept beside the index
    assert read == []
    path = corpus / "cp-80.txt"
    path.write_text(release(80, word="astéroïde"), "utf-8")
    update_index(corpus, index.store, paths=[path])
    assert search(index, parse_request(q="astéroïde"))["total"] == 1
    assert len(read) == 1  # the new release's segment


def test_kept_tables_of_an_earlier_commit_are_carried_over(
    corpus: Path, index: SearchIndex, monkeypatch
) -> None:
    index.snapshot()
    (corpus / "cp-80.txt").write_text(release(80, word="astéroïde"), "utf-8")
    (corpus / "cp-03.txt").unlink()
    update_index(corpus, index.store)
    read = reads(monkeypatch)
    carried = started(index)
    assert len(read) == 1  # the new release alone
    fresh = Snapshot(carried.ix, carried.meta, carried.gazetteer)
    assert tables(carried) == tables(fresh)
    assert list(carried.vocabulary) == list(fresh.vocabulary)
    assert index.store.tables_kept()  # in place of the earlier commit's


def other_gazetteer(saved: tables_module.Saved) -> tables_module.Saved:
    return dataclasses.replace(saved, tables=dataclasses.replace(saved.tables, gazetteer="x"))


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda path, saved: path.write_bytes(b"\x80damaged"), id="damaged"),
        pytest.param(
            lambda path, saved: path.write_bytes(
                pickle.dumps(dataclasses.replace(saved, version=0))
            ),
            id="another layout",
        ),
        pytest.param(
            lambda path, saved: path.write_bytes(pickle.dumps(other_gazetteer(saved))),
            id="another gazetteer",
        ),
    ],
)
def test_kept_tables_that_do_not_fit_are_read_again(index: SearchIndex, monkeypatch, spoil) -> None:
    first = index.snapshot()
    path = next(index.store.current.glob("tables-*.pickle"))
    spoil(path, pickle.loads(path.read_bytes()))
    read = reads(monkeypatch)
    again = started(index)
    assert len(read) == len(first)
    assert tables(again) == tables(first)
    assert pickle.loads(path.read_bytes()).version == tables_module.TABLES_VERSION  # kept anew


def test_tables_that_cannot_be_kept_leave_searching_as_it_was(index: SearchIndex) -> None:
    blocked = index.store.current / f"tables-{index.store.commit_number()}.pickle"
    blocked.mkdir()  # what `os.replace` cannot replace, even as root
    (blocked / "file").touch()
    assert search(index, parse_request(q="orbite"))["total"] == 80
    assert not list(index.store.current.glob(".tables-*"))  # no temporary file left


def test_orbite_index_keeps_the_tables_of_its_last_commit(corpus: Path, index_dir: Path) -> None:
    run_index(corpus, index_dir)
    store = IndexStore(index_dir)
    assert store.tables_kept()
