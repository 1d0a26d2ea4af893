"""The per-release column both sides of the index share: written by indexing, read by searchers.

`orbite index` compares a file's fingerprint with its `Facts`; a snapshot reads every release's
`Facts` once for filters, facets and date sorting. Neither side imports the other for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from whoosh.reading import IndexReader

from indexer.release import Release

FACTS_FIELD = "facts"


class Facts(NamedTuple):
    """Per-release values kept in one column, read in bulk by searchers and by `orbite index`."""

    id: str
    date: int | None  # proleptic ordinal, so that sorting and ranges are integer comparisons
    agencies: tuple[str, ...]
    missions: tuple[str, ...]
    sha256: str
    size: int
    mtime_ns: int
    embargo: float | None = None  # POSIX time the embargo ends, for the visibility rule
    # Digest of the release's Whoosh document: a gazetteer change rewrites a release only when
    # its document differs (None in indexes written before it was recorded).
    digest: str | None = None


def release_facts(
    release: Release, sha256: str, size: int, mtime_ns: int, digest: str | None = None
) -> Facts:
    """A release's `Facts`, with the fingerprint of the file it was read from and the digest
    of its Whoosh document."""
    date, embargo = release.date, release.embargo
    return Facts(
        release.id,
        date.toordinal() if date else None,
        release.agencies,
        release.missions,
        sha256,
        size,
        mtime_ns,
        embargo.timestamp() if embargo else None,
        digest,
    )


def read_facts(reader: IndexReader) -> Iterable[tuple[int, Facts]]:
    """(docnum, Facts) for every live document of a Whoosh reader."""
    # The engine brings numpy, which `orbite index` with nothing changed does without.
    from indexer.index.engine import pickled_column

    for leaf, offset in reader.leaf_readers():
        values = pickled_column(leaf, FACTS_FIELD)
        for docnum in leaf.all_doc_ids():
            yield offset + docnum, Facts(*values[docnum])
