"""Snapshots: one derived from the previous commit's holds exactly what a fresh one reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.search import snapshot as snapshot_module
from indexer.search import vocabulary as vocabulary_module
from indexer.search.facets import FACET_NAMES
from indexer.search.snapshot import SearchIndex, Snapshot

AGENCIES = ("CNES", "ESA", "NASA", "JAXA")
MONTHS = ("janvier", "mars", "juin", "octobre")


def release(n: int, word: str = "orbite") -> str:
    agency = AGENCIES[n % len(AGENCIES)]
    day, month, year = 1 + n % 27, MONTHS[n % len(MONTHS)], 2000 + n % 9
    return f"{day} {month} {year}\n\nCommuniqué {n} du {agency}\n\nLe {agency} et la {word}.\n"


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
    """Everything a search reads from a snapshot's per-release tables."""
    return {
        "rows": snapshot.rows,
        "docnums": snapshot.docnums,
        "keys": snapshot.facets.keys,
        "counts": {name: snapshot.facets.count(name, set(snapshot.rows)) for name in FACET_NAMES},
        "newest_first": snapshot.newest_first,
        "oldest_first": snapshot.oldest_first,
        "labels": {k: snapshot.labels[k] for keys in snapshot.rows.values() for k in keys.agency},
    }


# One change per commit, in order: enough commits for Whoosh to merge its small segments.
STEPS = [("add", n) for n in range(80, 86)] + [
    ("change", 3),
    ("delete", 7),
    ("add", 86),
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
    read: list[int] = []
    reading = snapshot_module.read_facts

    def counted(reader):
        for item in reading(reader):
            read.append(item[0])
            yield item

    monkeypatch.setattr(snapshot_module, "read_facts", counted)
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
        assert derived_reads < len(fresh.rows) / 2, f"{action} {n} read {derived_reads} rows"


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
