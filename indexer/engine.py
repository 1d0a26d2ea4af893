"""The one door to Whoosh's internals: bulk reads the public API only offers one item at a time.

Whoosh's public API walks postings and field lengths one document at a time, in Python. The
evaluator (`indexer/evaluate.py`) needs a term's whole postings list and every document's
length at once, so this module reads Whoosh's own block arrays. No other module of `indexer/`
or `web/` names a private Whoosh attribute; `tests/test_engine.py` compares what is read here
with the public API on a real index, so that upgrading the pin fails a test, not rankings.

Pinned: whoosh-reloaded 2.7.5 (`whoosh.__version__ == (2, 7, 5)`), codec `whoosh3`. Relied on:

- A segment's postings matcher is a `W3LeafMatcher`, wrapped in a `FilterMatcher` (its public
  `child`) when the segment has deletions. Deleted documents are *not* filtered here: callers
  keep the live ones (a snapshot knows them already).
- A leaf matcher stands on one block at a time: `_blocklength` postings, `_read_data()` loads
  `_data = (ids, weights, values)`, `_next_block()` moves on, `is_active()` says when done.
- Block ids are delta-coded (each id minus the previous one, the first from 0) while
  `_byteids` is false, which it is for postings (true only for term vectors, not read here).
- Block weights are an array of floats (term frequencies), or one float when all postings
  weigh the same, or None when the field records no frequency (each weighs 1.0).
- A segment's field lengths are a column named `_lenfield(fieldname)` of one byte per
  document (`LENGTHS_COLUMN`, decoded by `byte_to_length`), read through the per-document
  reader's `_perdoc._cached_reader`; the column is missing when no document has the field.

Segments written side by side (parallel builds, `indexer/build.py`): a worker writes whole
segments into a scratch index of its own with a `SegmentWriter` that takes no lock
(`_lk=False`) and closes a segment with `_finalize_segment()` then `_finish()`; the parent
moves the segment's files (`Segment.list_files`) into the generation and commits them after
the index's own segments with `_close_segment()`, `_commit_toc(segments)`, `_finish()`: what
Whoosh's `MpWriter(multisegment=True)` does, without re-adding any posting, and without its
forked workers, which inherit the writer lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.fields import Schema
from whoosh.index import Index
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

Block = tuple[list[int], Sequence[float]]


def term_blocks(reader: IndexReader, fieldname: str, text: str) -> Iterator[Block]:
    """The postings of a term, block by block: (docnums, weights), two lists of equal length.

    Docnums are the reader's (segment offsets added), in increasing order; weights are term
    frequencies (1.0 for fields without). Deleted documents are included: filter them out.
    """
    for leaf, offset in reader.leaf_readers():
        if (fieldname, text) not in leaf:
            continue
        matcher = _unfiltered(leaf.postings(fieldname, text))
        if not isinstance(matcher, W3LeafMatcher):  # another codec: the public walk
            pairs = list(matcher.items_as("weight"))
            yield [offset + d for d, _ in pairs], [w for _, w in pairs]
            continue
        while matcher.is_active():
            yield _block(matcher, offset)
            matcher._next_block()


def field_lengths(reader: IndexReader, fieldname: str) -> list[int]:
    """Every document's length in `fieldname` (in terms), indexed by docnum; 0 when absent."""
    lengths: list[int] = []
    for leaf, _ in reader.leaf_readers():
        column = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            lengths += [0] * leaf.doc_count_all()
        else:
            lengths += map(byte_to_length, column)
    return lengths


def _unfiltered(matcher: Matcher) -> Matcher:
    """The on-disk matcher under a segment's deletion filter."""
    while isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    return matcher


def _block(matcher: W3LeafMatcher, offset: int) -> Block:
    """The block a leaf matcher stands on, decoded in bulk (its `_read_ids` is a generator)."""
    matcher._read_data()
    ids, weights = matcher._data[0], matcher._data[1]
    if matcher._byteids:
        raise TypeError("term-vector blocks hold no docnums")
    docnums = list(accumulate(ids, initial=offset))[1:]
    count = matcher._blocklength
    if weights is None:
        return docnums, [1.0] * count
    if isinstance(weights, float):
        return docnums, [weights] * count
    return docnums, weights


def write_segment(
    scratch: Path, schema: Schema, documents: Iterable[dict], limitmb: int = 128
) -> Segment | None:
    """Write `documents` as one segment of the scratch index at `scratch` (created if needed),
    for `adopt_segments`; None when there was no document."""
    if whoosh_index.exists_in(str(scratch)):
        ix = whoosh_index.open_dir(str(scratch))
    else:
        scratch.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(scratch), schema)
    writer = SegmentWriter(ix, _lk=False, limitmb=limitmb)  # the scratch index is ours alone
    try:
        added = False
        for fields in documents:
            writer.add_document(**fields)
            added = True
        if not added:
            writer.cancel()
            return None
        segment = writer._finalize_segment()
        writer._finish()
        return segment
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise


def adopt_segments(ix: Index, scratch: Path, segments: list[Segment]) -> None:
    """Move segments that `write_segment` wrote in `scratch` into `ix` and commit them, after
    the index's own segments, in one new generation of its table of contents."""
    target = Path(ix.storage.folder)
    source = whoosh_index.open_dir(str(scratch)).storage
    for segment in segments:
        for name in segment.list_files(source):
            os.replace(scratch / name, target / name)
    writer = SegmentWriter(ix)
    try:
        writer._close_segment()  # the writer's own segment stays empty
        writer._commit_toc([*writer.segments, *segments])
    finally:
        writer._finish()
