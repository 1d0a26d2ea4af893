"""An open index for searching: one snapshot per index generation, refreshed after commits."""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from functools import cached_property
from pathlib import Path

from whoosh.index import Index
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from indexer.analysis.synonyms import Synonyms, SynonymsFile
from indexer.index.health import WriteHealth
from indexer.index.store import IndexMeta, IndexStore, StoreError
from indexer.reading.gazetteer import Gazetteer
from indexer.search.evaluate import Postings
from indexer.search.tables import Saved, Segment, Tables, loaded
from indexer.search.visibility import Clock, Embargoes, Visibility, system_clock
from indexer.search.vocabulary import Vocabulary

# Searches kept per snapshot, so that paging or re-sorting a search does not redo it; at
# most this many matches in all (about 160 bytes each: a common word's 80,000 matches at
# 100,000 releases weigh 13 MB; the bench's HTTP mix there peaks at 545 MB with no bound,
# 435 MB with 300,000, 371 MB with 100,000). The newest search is kept whatever its size.
MATCH_CACHE = 32
MATCH_CACHE_MATCHES = 100_000


class Snapshot:
    """A searcher's view of one commit, with the per-release tables read once for all requests.

    Its tables and vocabulary are derived from the previous snapshot's, or from those a
    process `saved` beside the index, when a commit changed few releases; else read whole.
    """

    def __init__(
        self,
        ix: Index,
        meta: IndexMeta,
        gazetteer: Gazetteer,
        previous: Snapshot | None = None,
        reader: IndexReader | None = None,
        saved: Saved | None = None,
    ) -> None:
        """`reader`, when given, is `ix`'s reader for the snapshot to keep (and close)."""
        self.ix = ix
        self.meta = meta
        self.gazetteer = gazetteer
        self.schema = ix.schema
        # One searcher, opened first: tables, postings and stored fields all read its commit.
        self._searcher = Searcher(reader, fromindex=ix) if reader else ix.searcher()
        # Closed when the snapshot is dropped: nobody can be searching it then.
        weakref.finalize(self, self._searcher.close)
        self._lock = threading.RLock()
        reader = self._searcher.reader()
        self.generation = reader.generation()
        base = previous.tables if previous is not None else saved.tables if saved else None
        tables = base.derive(reader) if base is not None else None
        self.tables = tables or Tables.read(reader, meta.gazetteer)
        live = self.tables.live.tolist()
        filters = previous.postings.filters if previous else saved.filters if saved else {}
        self.postings = Postings(reader, live, filters)
        self.embargoes = Embargoes(
            ((end, docnum) for docnum, end in self.tables.embargoes.items()), live, self.postings
        )
        self.matches = LruCache(
            MATCH_CACHE, lambda match: 1 + len(match.docnums), MATCH_CACHE_MATCHES
        )
        # The listing of every visible release (the empty search), by visibility key, out of
        # `matches`: its matches are the visibility's own set, so it weighs nothing of its
        # own, and at 100,000 releases it filled `matches` alone and was pushed out by the
        # next search (every page of the home listing then counted its facets again, 45 ms).
        self.listings: dict[Hashable, object] = {}
        self._vocabulary = _vocabulary(previous, saved, self.tables.segments, reader.leaf_readers())

    @cached_property
    def docnums(self) -> dict[str, int]:
        """Release id -> docnum, for release pages (made on the first one asked)."""
        ids = self.tables.ids
        return {ids[docnum]: docnum for docnum in self.tables.live.tolist()}

    @property
    def vocabulary(self) -> Vocabulary:
        """The snapshot's indexed words, for prefixes and suggestions; read on first use."""
        if self._vocabulary is None:
            with self.reading() as searcher:
                if self._vocabulary is None:
                    self._vocabulary = Vocabulary.read(searcher.reader())
        return self._vocabulary

    @contextlib.contextmanager
    def reading(self) -> Iterator[Searcher]:
        """The snapshot's one searcher, for this thread alone while the block runs.

        Whoosh's readers share file positions, so threads take turns; a searcher per thread
        would cost tens of megabytes each (its own term caches and mappings), and the GIL
        runs one search at a time anyway.
        """
        with self._lock:
            yield self._searcher

    def visibility(self, now: float, include_embargoed: bool = False) -> Visibility:
        """The releases a caller sees at `now`: all but those under embargo, unless the caller
        is the press office. Every listing goes through it."""
        return self.embargoes.visibility(now, include_embargoed)

    def __len__(self) -> int:
        return int(self.tables.live.size)


def _vocabulary(
    previous: Snapshot | None, saved: Saved | None, segments: tuple[Segment, ...], leaves: list
) -> Vocabulary | None:
    """The previous snapshot's (or the saved) vocabulary carried over to `segments`; None
    (read whole on first use) when there is none to carry over."""
    if previous is not None:
        if previous._vocabulary is None:
            return None
        with previous.reading() as searcher:
            before = zip(previous.tables.segments, searcher.reader().leaf_readers(), strict=True)
            return _carried(previous._vocabulary, list(before), segments, leaves)
    if saved is not None:
        return _carried(
            saved.vocabulary, [(s, None) for s in saved.tables.segments], segments, leaves
        )
    return None


def _carried(
    vocabulary: Vocabulary,
    before: list[tuple[Segment, object]],
    segments: tuple[Segment, ...],
    leaves: list,
) -> Vocabulary | None:
    """`vocabulary`, of the segments `before` (with their readers, when still open), carried
    over to `segments`: only the segments a commit merged away or wrote are read. None when
    reading the change would cost more than reading everything, or when a segment merged
    away has no reader (saved words: what it held cannot be taken away)."""
    now = {segment.id for segment in segments}
    ids = {segment.id for segment, _ in before}
    new = [
        leaf for (leaf, _), segment in zip(leaves, segments, strict=True) if segment.id not in ids
    ]
    gone = [opened for segment, opened in before if segment.id not in now]
    if not gone and not new:
        return vocabulary
    if any(opened is None for opened in gone):
        return None
    gone_leaves = [leaf for leaf, _ in gone]
    if sum(leaf.doc_count_all() for leaf in gone_leaves + new) > sum(s.count for s in segments):
        return None
    return vocabulary.derive(gone_leaves, new)


class LruCache:
    """A small thread-safe least-recently-used cache, bounded in entries and in their total
    weight (the most recent entry is kept whatever its weight)."""

    def __init__(
        self, size: int, weight: Callable[[object], int] = lambda _: 1, budget: int = 0
    ) -> None:
        self.size = size
        self.weight = weight
        self.budget = budget or size
        self._items: OrderedDict = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._total -= self.weight(old)
            self._items[key] = value
            self._total += self.weight(value)
            while len(self._items) > 1 and (
                len(self._items) > self.size or self._total > self.budget
            ):
                _, dropped = self._items.popitem(last=False)
                self._total -= self.weight(dropped)


class SearchIndex:
    """The index of a corpus as searches see it: always the latest committed snapshot."""

    def __init__(
        self,
        store: IndexStore,
        corpus: Path,
        clock: Clock = system_clock,
        health: WriteHealth | None = None,
    ) -> None:
        self.store = store
        self.corpus = Path(corpus)
        self.clock = clock
        self._synonyms = SynonymsFile(self.corpus, clock)
        self.health = health
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._key: tuple[str, int] | None = None

    def snapshot(self) -> Snapshot:
        """The snapshot of the latest commit, reopened when a writer has committed since.

        If the index cannot be reopened (its folder deleted...), searches go on with the last
        snapshot, whose files stay open, and `health` learns that the index is lost.
        """
        current = self._snapshot
        if current is not None and self._key == self._current_key(current.ix):
            return current
        with self._lock:
            if self._snapshot is None or self._key != self._current_key(self._snapshot.ix):
                try:
                    self._snapshot = self._open()
                except StoreError as exc:
                    if self._snapshot is None:
                        raise
                    if self.health is not None:
                        self.health.index_lost(exc)
            return self._snapshot

    def visibility(self, snapshot: Snapshot, include_embargoed: bool = False) -> Visibility:
        """What a caller sees of `snapshot` now, by this index's clock."""
        return snapshot.visibility(self.clock(), include_embargoed)

    def synonyms(self) -> Synonyms:
        """The corpus's synonyms as of a few seconds ago at most (they need no reindex)."""
        return self._synonyms.current()

    def warnings(self) -> list[str]:
        """Problems a user should fix that do not stop searching (a malformed synonyms file)."""
        self._synonyms.current()
        return [self._synonyms.warning] if self._synonyms.warning else []

    def _current_key(self, ix: Index) -> tuple[str, int]:
        return self.store.generation(), ix.latest_generation()

    def _open(self) -> Snapshot:
        generation = self.store.generation()
        directory = self.store.current.resolve()
        ix, reader = self.store.open_reader(any_version=self.store.building() is not None)
        try:
            meta = self.store.read_meta().at(ix.latest_generation())
            previous = self._snapshot
            if previous is not None and previous.gazetteer.fingerprint == meta.gazetteer:
                gazetteer = previous.gazetteer
            else:
                gazetteer = Gazetteer.load(self.corpus)
            if previous is not None and previous.meta.gazetteer == meta.gazetteer:
                snapshot = Snapshot(ix, meta, gazetteer, previous, reader)
            else:  # this process's first tables: from those saved, kept for the next one
                saved = loaded(self.store.read_tables(directory), meta.gazetteer)
                snapshot = Snapshot(ix, meta, gazetteer, reader=reader, saved=saved)
                tables, vocabulary = snapshot.tables, snapshot.vocabulary  # read whole if not saved
                filters = snapshot.postings.filters
                if (
                    saved is None
                    or tables is not saved.tables
                    or vocabulary is not saved.vocabulary
                    or filters != saved.filters
                ):
                    saving = Saved(tables, vocabulary, filters)
                    self.store.write_tables(directory, snapshot.generation, saving)
        except BaseException:
            reader.close()
            raise
        self._key = (generation, snapshot.generation)
        return snapshot
