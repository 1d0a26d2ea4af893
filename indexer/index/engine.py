"""The one door to Whoosh's internals: bulk reads the public API only offers one item at a time.

Whoosh's public API walks postings and field lengths one document at a time, in Python. The
evaluator (`indexer/search/evaluate.py`) needs a term's whole postings list and every document's
length at once, so this module reads Whoosh's own block arrays. No other module of `indexer/`
or `web/` names a private Whoosh attribute; `tests/test_engine.py` compares what is read here
with the public API on a real index, so that upgrading the pin fails a test, not rankings.

Pinned: whoosh-reloaded 2.7.5 (`whoosh.__version__ == (2, 7, 5)`), codec `whoosh3`. Relied on:

- A segment reader's `_terms` is a `W3TermsReader`. Its `_tindex` (below) maps a key to a
  `W3TermInfo`, and a term's postings are the info's `extent()` = (offset, length) bytes of
  its `_postfile` (2.7.5 gives the length as a 1-tuple; its writer cannot inline postings in
  the term info: `set_inline` is missing). Deleted documents are *not* filtered here: callers
  keep the live ones (a snapshot knows them).
- A key is looked up as `HashReader.ranges_for_key` does: `hashfn(key)`; `tables[hash & 255]`
  is (position, slot count) of a hash table of `!Iq` slots (hash, record position; 0: empty),
  probed linearly from slot `(hash >> 8) % count`. The 256 tables follow one another, so
  the hashes of all of a segment's keys are one read (`_SegmentTerms.read_filter`). Files
  read without memory maps are a `StructFile` over a `SubFile` (`_file`, the segment's open
  compound file, from `_offset`), read here with `os.pread`.
- Those bytes are `WHOOSH3_HEADER_MAGIC` then blocks, as `W3LeafMatcher` reads them: a signed
  big-endian int (the block's size after it, negative for the last block), a pickled tuple
  (postings, last id, max weight, compression, min and max length), then the block's data,
  pickled and zlib-compressed when compression is set: (ids, weights, values).
- Block ids are delta-coded (each id minus the previous one, the first from 0), so that
  with each block's last id a term's blocks join into one delta-coded array.
- Its `_tindex` is the terms table, an `OrderedHashReader`: records of `!ii` (key and value
  lengths) then key then value, in key order, from `closest_key_pos(key)` to `endofdata`
  (read through `dbfile.get`); a key is the field's number in `_fieldmap` (`!H`) then the
  term's bytes; a value is a `W3TermInfo`, whose document frequency is the `!I` at byte 5.
- A pickled column's `column_reader(fieldname, translate=False)` is a `PickleColumn.Reader`
  whose `_child` is a `VarBytesColumn.Reader`: each document's pickle is `_lengths[d]` bytes
  at `_offsets[d]` from `_basepos` in `_dbfile` (no bytes: no value).
- A segment's field lengths are a column named `_lenfield(fieldname)` of one byte per
  document (`LENGTHS_COLUMN`, decoded by `byte_to_length`), read through the per-document
  reader's `_perdoc._cached_reader`; the column is missing when no document has the field.
  Its bytes are read in one piece: `_count` bytes from `_basepos` in `_dbfile`, the documents
  after the last one written have length 0.

Segments written side by side (parallel builds, `indexer/index/build.py`): a worker writes whole
segments into a scratch index of its own with a `SegmentWriter` that takes no lock
(`_lk=False`) and closes a segment as `_finalize_segment()` does (its flush redone with the
lengths read in bulk: `_flush_segment`, `per_document_reader`, `fieldwriter.add_postings`,
`pool.iter_postings`) then `_finish()`; the parent
moves the segment's files (`Segment.list_files`) into the generation and commits them after
the index's own segments with `_close_segment()`, `_commit_toc(segments)`, `_finish()`: what
Whoosh's `MpWriter(multisegment=True)` does, without re-adding any posting, and without its
forked workers, which inherit the writer lock.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import weakref
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3TermInfo,
    W3TermsReader,
    _lenfield,
)
from whoosh.columns import PickleColumn
from whoosh.fields import Schema
from whoosh.filedb.compound import SubFile
from whoosh.index import Index
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

DOCNUM = np.int64
Postings = tuple[np.ndarray, np.ndarray]  # (docnums, weights)
# A byte of the lengths column -> the length it stands for (Whoosh's lossy one-byte code).
_BYTE_LENGTHS = np.array([byte_to_length(code) for code in range(256)], dtype=np.int64)
_BLOCK_SIZE = struct.Struct("!i")  # a postings block's byte length, negative for the last one
# The terms table: records of (key length, value length, key, value) in key order; a key is
# the field's number then the term's bytes, a value a `W3TermInfo` ("!BfIBBfII": flags,
# weight, document frequency...).
_RECORD = struct.Struct("!ii")
_FIELD_NUMBER = struct.Struct("!H")
_DOC_FREQUENCY = struct.Struct("!I")
_DOC_FREQUENCY_AT = 5  # after the flags byte and the weight float
# A slot of the terms table's hash tables: the key's hash and its record's position (0: empty).
_SLOT = struct.Struct("!Iq")
_TERM_INFO_READ = 48  # bytes of a record's value read with its key (a `W3TermInfo`: 35)
_SLOTS = np.dtype([("hash", ">u4"), ("position", ">i8")])  # `_SLOT`s read as an array
# A segment's term filter: one bit per this many of its keys (at least MIN_FILTER_BITS, a power
# of two), set where a key's hash falls. A term a segment lacks passes it one time in 16.
FILTER_BITS_PER_KEY = 16
MIN_FILTER_BITS = 1024


def term_postings(reader: IndexReader, fieldname: str, text: str) -> Postings:
    """The postings of a term as two arrays of equal length: docnums (the reader's, segment
    offsets added, increasing) and weights (term frequencies; 1.0 for fields without).

    Deleted documents are included (filter them out), so the term's document frequency as
    Whoosh counts it (BM25's) is the arrays' length.
    """
    docnums: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    tbytes = reader.schema[fieldname].to_bytes(text)
    keys: dict[tuple, tuple[bytes, int]] = {}  # the key and its hash, by field number and hash
    for terms, offset in _segments_of(reader):
        number = terms.fields.get(fieldname)
        if number is None:
            continue
        key = keys.get((number, terms.hash))
        if key is None:
            whole = _FIELD_NUMBER.pack(number) + tbytes
            key = keys[number, terms.hash] = whole, terms.hash(whole)
        extent = terms.extent(*key)  # one look-up of the term per segment
        if extent is None:
            continue
        found = _read_postings(terms.postings, *extent)
        if found[0].size:
            docnums.append(found[0] + offset)
            weights.append(found[1])
    if not docnums:
        return np.empty(0, dtype=DOCNUM), np.empty(0, dtype=np.float64)
    if len(docnums) == 1:
        return docnums[0], weights[0]
    return np.concatenate(docnums), np.concatenate(weights)


def term_filters(reader: IndexReader, known: Mapping[str, bytes]) -> dict[str, bytes]:
    """Each segment's term filter, by segment id: those `known` (an earlier commit's, or
    saved beside the index), the others read from the segment. `term_postings` looks a term
    up only in the segments whose filter it passes: a term absent from most segments (most
    terms, in an archive of many segments) costs no read there."""
    found = {}
    for terms, _ in _segments_of(reader):
        given = known.get(terms.id)
        if given is not None:
            terms.filter = given
        found[terms.id] = terms.term_filter()
    return found


class _SegmentTerms:
    """A segment's terms table, looked up the way `HashReader.ranges_for_key` does, with one
    positioned read per run of slots instead of a seek and a read through three file layers
    per slot, and none for a term its filter rules out."""

    SLOTS_READ = 8  # hash slots read at once: a miss at half load probes about 2.5

    def __init__(self, terms: W3TermsReader, segment_id: str) -> None:
        table = terms._tindex
        self.id = segment_id
        self.fields: dict[str, int] = terms._fieldmap
        self.hash = table.hashfn
        self.tables: list[tuple[int, int]] = table.tables  # 256 of (position, slots)
        self.get = _positioned(table.dbfile)
        self.postings = _positioned(terms._postfile)
        self.filter: bytes | None = None  # read on first use, unless `term_filters` gives it

    def term_filter(self) -> bytes:
        """The bits that a key's hash must find set for the segment to hold the key."""
        if self.filter is None:
            self.filter = self.read_filter()
        return self.filter

    def read_filter(self) -> bytes:
        """The filter of the segment's keys, from the hashes in its hash tables (one read of
        24 bytes a key; the filter keeps 2)."""
        (start, _), (last, slots) = self.tables[0], self.tables[-1]
        end = last + slots * _SLOT.size
        table = np.frombuffer(self.get(start, end - start), dtype=_SLOTS)
        hashes = table["hash"][table["position"] != 0].astype(np.int64)
        size = 1 << max(MIN_FILTER_BITS - 1, FILTER_BITS_PER_KEY * hashes.size - 1).bit_length()
        bits = np.zeros(size, dtype=bool)
        bits[hashes & (size - 1)] = True
        return np.packbits(bits, bitorder="little").tobytes()

    def extent(self, key: bytes, keyhash: int) -> tuple[int, int] | None:
        """(offset, length) of the postings of a term's key (field number, then its bytes)
        in the segment, or None if it has none."""
        bits = self.term_filter()
        bit = keyhash & (len(bits) * 8 - 1)
        if not bits[bit >> 3] >> (bit & 7) & 1:
            return None
        start, slots = self.tables[keyhash & 255]
        slot, left = (keyhash >> 8) % max(slots, 1), slots
        while left:
            count = min(self.SLOTS_READ, slots - slot, left)
            data = self.get(start + slot * _SLOT.size, count * _SLOT.size)
            for slothash, position in _SLOT.iter_unpack(data):
                if not position:  # an empty slot ends the probe
                    return None
                if slothash == keyhash and (value := self._value(position, key)) is not None:
                    return _extent(W3TermInfo.from_bytes(value).extent())
            left -= count
            slot = (slot + count) % slots
        return None

    def _value(self, position: int, key: bytes) -> bytes | None:
        """The value of the record at `position` if its key is `key`."""
        record = self.get(position, _RECORD.size + len(key) + _TERM_INFO_READ)
        keylength, length = _RECORD.unpack_from(record)
        start = _RECORD.size + keylength
        if record[_RECORD.size : start] != key:
            return None
        value = record[start : start + length]
        return value if len(value) == length else self.get(position + start, length)


def _extent(extent: tuple) -> tuple[int, int]:
    offset, length = extent
    if isinstance(length, tuple):  # 2.7.5 unpacks the length as a 1-tuple
        (length,) = length
    return offset, length


_SEGMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _segments_of(reader: IndexReader) -> list[tuple[_SegmentTerms, int]]:
    """The reader's segments' terms tables and docnum offsets, made once per reader."""
    found = _SEGMENTS.get(reader)
    if found is None:
        found = []
        for leaf, offset in reader.leaf_readers():
            if not isinstance(leaf._terms, W3TermsReader):
                raise TypeError(f"not a whoosh3 segment: {leaf!r}")
            found.append((_SegmentTerms(leaf._terms, leaf.segment().segment_id()), offset))
        _SEGMENTS[reader] = found
    return found


def _positioned(dbfile) -> Callable[[int, int], bytes]:
    """`dbfile.get` (bytes at a position), as one `os.pread` when the file is a part of a
    segment's compound file opened without a memory map (`SubFile`): no seek, no shared file
    position, three Python layers fewer."""
    part = getattr(dbfile, "file", None)
    if isinstance(part, SubFile) and hasattr(part._file, "fileno"):
        descriptor, base = part._file.fileno(), part._offset
        return lambda position, length: os.pread(descriptor, length, base + position)
    return dbfile.get


def doc_frequencies(leaf, fieldname: str) -> dict[bytes, int]:
    """Every term of `fieldname` in one segment and its document frequency (deleted documents
    included), read in one piece: Whoosh's `iter_field` makes several small reads per term
    and decodes its whole term info, seconds for a vocabulary of 60 segments."""
    terms = leaf._terms
    if not isinstance(terms, W3TermsReader):
        raise TypeError(f"not a whoosh3 segment: {leaf!r}")
    number = terms._fieldmap.get(fieldname)
    table = terms._tindex
    start = None if number is None else table.closest_key_pos(_FIELD_NUMBER.pack(number))
    if start is None:
        return {}
    end = table.closest_key_pos(_FIELD_NUMBER.pack(number + 1))
    data = table.dbfile.get(start, (table.endofdata if end is None else end) - start)
    found = {}
    position, size = 0, len(data)
    while position < size:
        key_length, value_length = _RECORD.unpack_from(data, position)
        key = position + _RECORD.size
        value = key + key_length
        found[data[key + _FIELD_NUMBER.size : value]] = _DOC_FREQUENCY.unpack_from(
            data, value + _DOC_FREQUENCY_AT
        )[0]
        position = value + value_length
    return found


def pickled_column(leaf, fieldname: str) -> list:
    """Every document's value in one segment's pickled column (None where it has none), read
    in one piece: the public column reader makes a read per document."""
    column = leaf.column_reader(fieldname, translate=False)
    if not isinstance(column, PickleColumn.Reader):  # a segment without the column
        return list(column)
    values = column._child
    data = values._dbfile.get(values._basepos, values._length)
    return [
        pickle.loads(data[start : start + length]) if length else None
        for start, length in zip(values._offsets, values._lengths, strict=True)
    ]


def field_lengths(reader: IndexReader, fieldname: str) -> np.ndarray:
    """Every document's length in `fieldname` (in terms), indexed by docnum; 0 when absent."""
    lengths: list[np.ndarray] = []
    for leaf, _ in reader.leaf_readers():
        column = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            lengths.append(np.zeros(leaf.doc_count_all(), dtype=np.int64))
        else:
            lengths.append(_column_lengths(column, leaf.doc_count_all()))
    if not lengths:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(lengths)


def _column_lengths(column, doc_count: int) -> np.ndarray:
    """A lengths column read in one piece: one byte per document up to the last one written
    (the rest are 0), each decoded through the table of the 256 lengths."""
    codes = np.zeros(doc_count, dtype=np.uint8)
    written = min(column._count, doc_count)
    codes[:written] = np.frombuffer(column._dbfile.get(column._basepos, written), dtype=np.uint8)
    return _BYTE_LENGTHS[codes]


def _read_postings(get: Callable[[int, int], bytes], offset: int, length: int) -> Postings:
    """A segment's postings of one term, read in one piece and decoded block by block in
    memory (Whoosh's matcher makes tens of small reads per block and decodes ids one at a
    time); the blocks' delta-coded ids joined into one array."""
    data = get(offset, length)
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"no postings at {offset}")
    stream, view = io.BytesIO(data), memoryview(data)
    deltas: list[int] = []
    weights: list[float] = []
    position, last = 4, 0  # last: the previous block's last id (a block's ids count from 0)
    while position < length:
        (size,) = _BLOCK_SIZE.unpack_from(data, position)
        end = position + _BLOCK_SIZE.size + abs(size)
        stream.seek(position + _BLOCK_SIZE.size)
        count, last_id, _, compression, _, _ = pickle.load(stream)
        block = view[stream.tell() : end]
        ids, block_weights, _ = pickle.loads(zlib.decompress(block) if compression else block)
        start = len(deltas)
        deltas += ids
        deltas[start] -= last
        last = last_id
        if block_weights is None:
            weights += [1.0] * count
        elif isinstance(block_weights, float):
            weights += [block_weights] * count
        else:
            weights += block_weights
        if size < 0:  # the last block
            break
        position = end
    return np.cumsum(np.array(deltas, dtype=DOCNUM)), np.array(weights, dtype=np.float64)


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
        _flush_segment(writer)  # then what `_finalize_segment()` does after its own flush
        writer._close_segment()
        writer._assemble_segment()
        segment = writer.get_segment()
        writer._finish()
        return segment
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise


def _flush_segment(writer: SegmentWriter) -> None:
    """Whoosh's `SegmentWriter._flush_segment`, with every field's lengths read once.

    Whoosh looks up the document's field length for each posting it writes (for its blocks'
    length bounds), reading the lengths column one byte at a time through three layers of
    Python: an eighth of a build's CPU. The same lengths, read in bulk, give the same files.
    """
    writer.perdocwriter.close()
    lengths = _Lengths(writer.per_document_reader())
    try:
        writer.fieldwriter.add_postings(writer.schema, lengths, writer.pool.iter_postings())
        writer.fieldwriter.close()
    finally:
        lengths.reader.close()


class _Lengths:
    """The `doc_field_length` of a per-document reader, from each field's column read once."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self._fields: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._fields.get(fieldname)
        if lengths is None:
            column = self.reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            count = self.reader.doc_count_all()
            # As Whoosh's: no column, the default; a zero byte, None (no length bound).
            lengths = [default] * count if column is None else [_length(b) for b in column]
            self._fields[fieldname] = lengths
        return lengths[docnum]


def _length(byte: int) -> int | None:
    return byte_to_length(byte) if byte else None


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
