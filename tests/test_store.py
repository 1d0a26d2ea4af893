"""The index store: generations, metadata, damaged indexes, the writer lock."""

from __future__ import annotations

import sys
import types

import pytest

from indexer.analysis import french
from indexer.index.indexing import update_index
from indexer.index.store import IndexBusy, IndexIncompatible, IndexMissing, IndexStore


def test_a_missing_index_says_how_to_build_one(index_dir) -> None:
    with pytest.raises(IndexMissing, match="run `orbite index` first"):
        IndexStore(index_dir).open()


@pytest.mark.parametrize("damage", [b"garbage", b""])
def test_a_damaged_table_of_contents_is_reported_not_leaked(seed_corpus, index_dir, damage):
    store = IndexStore(index_dir)
    update_index(seed_corpus, store)
    (toc,) = store.current.glob("*.toc")
    toc.write_bytes(damage)
    # pytest turns an unclosed file (ResourceWarning) into an error: the store must close it.
    with pytest.raises(IndexIncompatible, match=r"damaged .* run `orbite index --full`"):
        store.open()


def test_an_index_whose_analyzers_moved_since_it_was_written_still_opens(
    seed_corpus, index_dir, monkeypatch
) -> None:
    # The index is written while the analyzer classes live in a module that then goes away,
    # as `indexer/analysis.py` did when it became `indexer/analysis/french.py`.
    gone = types.ModuleType("orbite_moved_away")
    monkeypatch.setitem(sys.modules, gone.__name__, gone)
    for name in ("FrenchTokenizer", "WordMemo", "PairFilter"):
        cls = getattr(french, name)
        setattr(gone, name, cls)
        monkeypatch.setattr(cls, "__module__", gone.__name__)
    store = IndexStore(index_dir)
    update_index(seed_corpus, store)
    monkeypatch.undo()
    assert gone.__name__ not in sys.modules
    with store.open().searcher() as searcher:
        assert searcher.doc_count() == len(list(seed_corpus.glob("*.*")))


def test_the_writer_lock_is_exclusive_and_bounded(index_dir) -> None:
    # flock locks belong to open file descriptions: a second open of the lock file conflicts.
    with (
        IndexStore(index_dir).write_lock(),
        pytest.raises(IndexBusy, match="another process is writing"),
        IndexStore(index_dir).write_lock(timeout=0),
    ):
        pass
