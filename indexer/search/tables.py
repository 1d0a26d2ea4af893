"""A snapshot's per-release tables: what filters, facets, date sorting and release pages read
of every release, as arrays by docnum.

Made from the releases' `Facts`, never from their stored fields. Reading 100,000 releases'
`Facts` costs most of a second, so the tables are read whole once, then derived commit by
commit: a commit appends segments and deletes documents, so the docnums of the segments two
commits share stay valid and only the documents that changed are read. The first tables a
process makes are saved beside the commit with its vocabulary (`Saved`): the next process
to open the index loads them and derives from them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from indexer.analysis.normalize import fold
from indexer.index.facts import Facts, read_facts
from indexer.search.facets import FACET_NAMES, FacetIndex
from indexer.search.vocabulary import Vocabulary

# What saved tables were written as; tables saved by another layout are read again.
TABLES_VERSION = 2
# Derive tables from the previous ones when fewer documents than this share changed; beyond
# it, reading every release in bulk is cheaper than editing the tables one by one.
DERIVE_UP_TO = 0.2
INSERT_UP_TO = 1_000  # new releases put into the date orders one by one; beyond, sorted anew
_EPOCH = 719_163  # datetime.date(1970, 1, 1).toordinal(): numpy's dates count from it
_UNDATED = 10**8  # above every proleptic ordinal: undated releases come last in both orders


@dataclass(frozen=True)
class Segment:
    """What tells whether a segment's documents kept their docnums from one commit to the next."""

    id: str
    count: int  # documents, deleted ones included: the docnums the segment spans
    deleted: frozenset[int]  # its own docnums, from 0


def segments_of(reader) -> tuple[Segment, ...]:
    """The segments of a Whoosh reader, in docnum order."""
    found = []
    for leaf, _ in reader.leaf_readers():
        segment = leaf.segment()
        deleted = segment.deleted_docs() if segment.has_deletions() else ()
        found.append(Segment(segment.segment_id(), leaf.doc_count_all(), frozenset(deleted)))
    return tuple(found)


@dataclass(frozen=True, eq=False)  # compared by identity: the same tables, or not
class Tables:
    """Every live release of one commit: ids, dates, embargoes, facet keys and date orders."""

    gazetteer: str  # fingerprint of the gazetteer the releases' names were found with
    segments: tuple[Segment, ...]
    ids: list[str | None]  # by docnum; None where no live release is
    dates: np.ndarray  # by docnum: proleptic ordinal, 0 when undated
    live: np.ndarray  # the live docnums, increasing
    embargoes: dict[int, float]  # docnum -> POSIX time its embargo ends
    facets: FacetIndex
    labels: dict[str, str]  # facet key -> the name it was first found as, to display
    key_of: dict[str, str]  # name -> its facet key (folded), one string per name
    newest_first: np.ndarray  # live docnums by date, ties by id, undated last
    oldest_first: np.ndarray

    @classmethod
    def read(cls, reader, gazetteer: str) -> Tables:
        """The tables of every release `reader` holds."""
        empty = np.zeros(0, dtype=np.int64)
        nothing = FacetIndex.of({name: ((), ()) for name in FACET_NAMES}, 0)
        none = cls(gazetteer, (), [], empty, empty, {}, nothing, {}, {}, empty, empty)
        return none._with(segments_of(reader), reader.doc_count_all(), set(), read_facts(reader))

    def derive(self, reader) -> Tables | None:
        """These tables carried over to `reader`'s commit, reading only the releases that
        changed; None when reading everything costs less (a merge moved most docnums, or
        most releases changed)."""
        leaves = reader.leaf_readers()
        segments = segments_of(reader)
        if segments == self.segments:
            return self
        shared = 0
        for old, new in zip(self.segments, segments, strict=False):
            if old.id != new.id or old.count != new.count:
                break
            shared += 1
        if not shared:
            return None
        removed: set[int] = set()
        offset = 0
        for old, new in zip(self.segments[:shared], segments[:shared], strict=True):
            removed.update(offset + d for d in new.deleted - old.deleted)
            offset += new.count
        removed.update(self.live[self.live >= offset].tolist())
        adding = sum(leaf.doc_count() for leaf, _ in leaves[shared:])
        if len(removed) + adding > DERIVE_UP_TO * max(len(self.live), 1):
            return None
        added = (
            (start + docnum, facts)
            for leaf, start in leaves[shared:]
            for docnum, facts in read_facts(leaf)
        )
        return self._with(segments, reader.doc_count_all(), removed, added)

    def _with(
        self,
        segments: tuple[Segment, ...],
        size: int,
        removed: set[int],
        added: Iterable[tuple[int, Facts]],
    ) -> Tables:
        """These tables without the `removed` docnums and with the `added` releases, whose
        docnums come after every kept one; `size` is the new commit's docnum span."""
        key_of, labels = dict(self.key_of), dict(self.labels)
        ids = self.ids[:size] + [None] * (size - len(self.ids))
        dates = np.zeros(size, dtype=np.int32)
        dates[: min(size, self.dates.size)] = self.dates[:size]
        gone = np.fromiter(removed, dtype=np.int64, count=len(removed))
        within = gone[gone < size]
        for docnum in within.tolist():
            ids[docnum] = None
        dates[within] = 0
        embargoes = {d: t for d, t in self.embargoes.items() if d not in removed}
        docs: list[int] = []
        names: dict[str, tuple[list[int], list[str]]] = {"agency": ([], []), "mission": ([], [])}
        for docnum, facts in added:
            docs.append(docnum)
            ids[docnum] = facts.id
            dates[docnum] = facts.date or 0
            if facts.embargo is not None:
                embargoes[docnum] = facts.embargo
            for facet, found in (("agency", facts.agencies), ("mission", facts.missions)):
                with_docs, keys = names[facet]
                for name in found:
                    key = key_of.get(name)
                    if key is None:
                        key = key_of[name] = fold(name)
                        labels.setdefault(key, name)
                    with_docs.append(docnum)
                    keys.append(key)
        new = np.array(docs, dtype=np.int64)
        kept = self.live[np.isin(self.live, gone, invert=True)]
        live = np.concatenate([kept, new])
        dated = new[dates[new] > 0]
        names["year"] = (dated, [str(year) for year in _years(dates[dated]).tolist()])
        facets = self.facets.derive(gone, names, size)
        if kept.size and new.size <= INSERT_UP_TO:
            newest, oldest = (
                _inserted(order[np.isin(order, gone, invert=True)], new, dates, ids, sign)
                for order, sign in ((self.newest_first, -1), (self.oldest_first, 1))
            )
        else:
            newest, oldest = _orders(live, dates, ids)
        return replace(
            self,
            segments=segments,
            ids=ids,
            dates=dates,
            live=live,
            embargoes=embargoes,
            facets=facets,
            labels=labels,
            key_of=key_of,
            newest_first=newest,
            oldest_first=oldest,
        )


@dataclass(frozen=True)
class Saved:
    """What a process keeps beside a commit for the next one to start from (pickled by
    `IndexStore.write_tables`): the commit's tables, its vocabulary and its segments' term
    filters (`indexer.index.engine.term_filters`)."""

    tables: Tables
    vocabulary: Vocabulary
    filters: dict[str, bytes]
    version: int = TABLES_VERSION


def loaded(saved: object, gazetteer: str) -> Saved | None:
    """What `IndexStore.read_tables` read, if it was saved in this layout for the same
    gazetteer (whatever its commit: tables and vocabulary are carried over to the live one)."""
    if not isinstance(saved, Saved) or saved.version != TABLES_VERSION:
        return None
    return saved if saved.tables.gazetteer == gazetteer else None


def _years(ordinals: np.ndarray) -> np.ndarray:
    """The year of each proleptic ordinal (1 is 1 January of year 1)."""
    days = ordinals.astype(np.int64) - _EPOCH
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _order_keys(order: np.ndarray, dates: np.ndarray, sign: int) -> np.ndarray:
    found = dates[order].astype(np.int64)
    return np.where(found == 0, _UNDATED, sign * found)


def _orders(live: np.ndarray, dates: np.ndarray, ids: list) -> tuple[np.ndarray, np.ndarray]:
    """Both date orders of the `live` docnums: newest first and oldest first."""
    by_id = np.argsort(np.array([ids[d] for d in live.tolist()], dtype=str), kind="stable")
    rank = np.empty(live.size, dtype=np.int64)
    rank[by_id] = np.arange(live.size)
    newest, oldest = (live[np.lexsort((rank, _order_keys(live, dates, s)))] for s in (-1, 1))
    return newest, oldest


def _inserted(
    order: np.ndarray, new: np.ndarray, dates: np.ndarray, ids: list, sign: int
) -> np.ndarray:
    """`order` (by date, times `sign`, ties by id) with the few docnums `new` put in place:
    a binary search on the date, then on the ids of that date."""
    keys = _order_keys(order, dates, sign)
    placed = sorted(
        zip(_order_keys(new, dates, sign).tolist(), new.tolist(), strict=True),
        key=lambda item: (item[0], ids[item[1]]),
    )
    positions = []
    for key, docnum in placed:
        low, high = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
        same_day = [ids[d] for d in order[low:high].tolist()]
        positions.append(low + bisect.bisect_left(same_day, ids[docnum]))
    return np.insert(order, positions, [docnum for _, docnum in placed])
