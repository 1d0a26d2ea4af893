"""An open index for searching: one snapshot per index generation, refreshed after commits."""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh.index import Index
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from indexer.analysis.normalize import fold
from indexer.analysis.synonyms import Synonyms, SynonymsFile
from indexer.index.facts import Facts, read_facts
from indexer.index.health import WriteHealth
from indexer.index.store import IndexMeta, IndexStore, StoreError
from indexer.reading.gazetteer import Gazetteer
from indexer.search.evaluate import Postings
from indexer.search.facets import FACET_NAMES, FacetIndex
from indexer.search.visibility import Clock, Embargoes, Visibility, system_clock
from indexer.search.vocabulary import Vocabulary


@dataclass(frozen=True)
class Row:
    """What filters, facets and date sorting need of a release, held in memory per snapshot.

    Made from the release's `Facts` (`Snapshot._row`), never from its stored fields: the date
    as an ordinal, facet values as keys (folded names; `Snapshot.labels` gives their display
    form), the embargo as a POSIX time.
    """

    id: str
    date: int | None
    year: tuple[str, ...]
    agency: tuple[str, ...]
    mission: tuple[str, ...]
    embargo: float | None  # POSIX time its embargo ends


# Searches kept per snapshot, so that paging or re-sorting a search does not redo it; at
# most this many matches in all (about 160 bytes each: a common word's 80,000 matches at
# 100,000 releases weigh 13 MB; the bench's HTTP mix there peaks at 545 MB with no bound,
# 435 MB with 300,000, 371 MB with 100,000). The newest search is kept whatever its size.
MATCH_CACHE = 32
MATCH_CACHE_MATCHES = 100_000


@dataclass(frozen=True)
class Segment:
    """What tells whether a segment's documents kept their docnums from one commit to the next."""

    id: str
    count: int  # documents, deleted ones included: the docnums the segment spans
    deleted: frozenset[int]  # its own docnums, from 0


# Derive a snapshot from the previous one when fewer documents than this share changed;
# beyond it, rebuilding the tables in bulk is cheaper than editing them one by one.
DERIVE_UP_TO = 0.2


class Snapshot:
    """A searcher's view of one commit, with the per-release rows read once for all requests.

    Opened after a commit, it derives its tables from the previous snapshot's: a commit
    appends segments and deletes documents, so the docnums of the segments both commits
    share stay valid and only the documents that changed are read and placed.
    """

    def __init__(
        self,
        ix: Index,
        meta: IndexMeta,
        gazetteer: Gazetteer,
        previous: Snapshot | None = None,
        reader: IndexReader | None = None,
    ) -> None:
        """`reader`, when given, is `ix`'s reader for the snapshot to keep (and close)."""
        self.ix = ix
        self.meta = meta
        self.gazetteer = gazetteer
        self.schema = ix.schema
        # One searcher, opened first: rows, postings and stored fields all read its commit.
        self._searcher = Searcher(reader, fromindex=ix) if reader else ix.searcher()
        # Closed when the snapshot is dropped: nobody can be searching it then.
        weakref.finalize(self, self._searcher.close)
        self._lock = threading.RLock()
        reader = self._searcher.reader()
        self.generation = reader.generation()
        leaves = reader.leaf_readers()
        self.segments = tuple(_segment(leaf) for leaf, _ in leaves)
        change = _change(previous, self.segments, leaves)
        if change is None:
            self._build(reader)
        else:
            self._derive(previous, *change)
        self.docnums = {row.id: docnum for docnum, row in self.rows.items()}
        self.postings = Postings(reader, self.rows.keys())
        self.embargoes = Embargoes(
            ((row.embargo, d) for d, row in self.rows.items() if row.embargo is not None),
            self.rows,
            self.postings,
        )
        self.matches = LruCache(
            MATCH_CACHE, lambda match: 1 + len(match.docnums), MATCH_CACHE_MATCHES
        )
        self._vocabulary = _vocabulary(previous, self.segments, leaves)

    def _build(self, reader) -> None:
        self.labels: dict[str, str] = {}
        self._key_of: dict[str, str] = {}  # name -> folded key, one string per name
        self.rows: dict[int, Row] = {d: self._row(f) for d, f in read_facts(reader)}
        # Facet keys by facet and docnum, and both date orders, for filters and sorting.
        keys = {
            name: {d: getattr(row, name) for d, row in self.rows.items()} for name in FACET_NAMES
        }
        self.facets = FacetIndex(keys, max(self.rows, default=0) + 1)
        self.newest_first = sorted(self.rows, key=lambda d: self._by_date(d, newest=True))
        self.oldest_first = sorted(self.rows, key=lambda d: self._by_date(d, newest=False))

    def _derive(
        self, previous: Snapshot, removed: set[int], added: list[tuple[int, Facts]]
    ) -> None:
        self.labels = dict(previous.labels)
        self._key_of = dict(previous._key_of)
        rows = dict(previous.rows)
        for docnum in removed:
            rows.pop(docnum, None)
        new = {docnum: self._row(facts) for docnum, facts in added}
        rows.update(new)
        self.rows = rows
        self.facets = previous.facets.derive(
            removed,
            {name: {d: getattr(row, name) for d, row in new.items()} for name in FACET_NAMES},
        )
        for name, newest in (("newest_first", True), ("oldest_first", False)):
            order = [d for d in getattr(previous, name) if d not in removed]
            for docnum in new:
                bisect.insort(order, docnum, key=lambda d, n=newest: self._by_date(d, newest=n))
            setattr(self, name, order)

    def _by_date(self, docnum: int, newest: bool) -> tuple:
        row = self.rows[docnum]
        if row.date is None:  # undated releases come last in both orders
            return (1, 0, row.id)
        return (0, -row.date if newest else row.date, row.id)

    def _row(self, facts: Facts) -> Row:
        year = (str(dt.date.fromordinal(facts.date).year),) if facts.date else ()
        return Row(
            facts.id,
            facts.date,
            year,
            self._keys(facts.agencies),
            self._keys(facts.missions),
            facts.embargo,
        )

    def _keys(self, names: tuple[str, ...]) -> tuple[str, ...]:
        keys = []
        for name in names:
            key = self._key_of.get(name)
            if key is None:
                key = self._key_of[name] = fold(name)
                self.labels.setdefault(key, name)
            keys.append(key)
        return tuple(keys)

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
        return len(self.rows)


def _segment(leaf) -> Segment:
    segment = leaf.segment()
    deleted = segment.deleted_docs() if segment.has_deletions() else ()
    return Segment(segment.segment_id(), leaf.doc_count_all(), frozenset(deleted))


def _change(
    previous: Snapshot | None, segments: tuple[Segment, ...], leaves: list
) -> tuple[set[int], list[tuple[int, Facts]]] | None:
    """The docnums gone since `previous` and the (docnum, facts) that are new, or None when
    the tables are better rebuilt (no previous snapshot, a merge moved most docnums, or most
    documents changed)."""
    if previous is None:
        return None
    shared = 0
    for old, new in zip(previous.segments, segments, strict=False):
        if old.id != new.id or old.count != new.count:
            break
        shared += 1
    if not shared:
        return None
    removed: set[int] = set()
    offset = 0
    for old, new in zip(previous.segments[:shared], segments[:shared], strict=True):
        removed.update(offset + d for d in new.deleted - old.deleted)
        offset += new.count
    removed.update(d for d in previous.rows if d >= offset)
    adding = sum(leaf.doc_count() for leaf, _ in leaves[shared:])
    if len(removed) + adding > DERIVE_UP_TO * max(len(previous.rows), 1):
        return None
    added = [
        (start + docnum, facts)
        for leaf, start in leaves[shared:]
        for docnum, facts in read_facts(leaf)
    ]
    return removed, added


def _vocabulary(
    previous: Snapshot | None, segments: tuple[Segment, ...], leaves: list
) -> Vocabulary | None:
    """The previous snapshot's vocabulary carried over to `segments`, reading only the
    segments a commit merged away or wrote; None (read whole on first use) when `previous`
    had none or when reading the change would cost more than reading everything."""
    if previous is None or previous._vocabulary is None:
        return None
    now = {segment.id for segment in segments}
    before = {segment.id for segment in previous.segments}
    new = [
        leaf
        for (leaf, _), segment in zip(leaves, segments, strict=True)
        if segment.id not in before
    ]
    with previous.reading() as searcher:
        gone = [
            leaf
            for (leaf, _), segment in zip(
                searcher.reader().leaf_readers(), previous.segments, strict=True
            )
            if segment.id not in now
        ]
        if sum(leaf.doc_count_all() for leaf in gone + new) > sum(s.count for s in segments):
            return None
        return previous._vocabulary.derive(gone, new)


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
        ix, reader = self.store.open_reader(any_version=self.store.building() is not None)
        try:
            meta = self.store.read_meta().at(ix.latest_generation())
            previous = self._snapshot
            if previous is not None and previous.gazetteer.fingerprint == meta.gazetteer:
                gazetteer = previous.gazetteer
            else:
                gazetteer = Gazetteer.load(self.corpus)
            same = previous is not None and previous.meta.gazetteer == meta.gazetteer
            snapshot = Snapshot(ix, meta, gazetteer, previous if same else None, reader)
        except BaseException:
            reader.close()
            raise
        self._key = (generation, snapshot.generation)
        return snapshot
