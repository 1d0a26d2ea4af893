"""Bringing the index in line with the corpus: incremental updates and full rebuilds."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.index import Index
from whoosh.reading import IndexReader, SegmentReader, TermNotFound
from whoosh.writing import IndexWriter

from indexer.index.facts import FACTS_FIELD, Facts, read_facts, release_facts
from indexer.index.schema import SCHEMA_VERSION, entity_key
from indexer.index.store import IndexIncompatible, IndexStore, Manifest, Stats, write_error
from indexer.reading.corpus import (
    CorpusChanges,
    CorpusFile,
    Skipped,
    collector_paused,
    scan_corpus,
    scan_paths,
)
from indexer.reading.gazetteer import Gazetteer
from indexer.reading.readers import SkipFile, read_bytes, read_document
from indexer.release import Release

Progress = Callable[[int, int], None]
# Files to read from which a run reads them in worker processes (see `_rebuild`, `_prepare`).
PARALLEL_FROM = 200
# One file of an update's plan: what it is (added, updated, touched, recheck), the file, and
# the digest of its indexed document (for a recheck: a gazetteer change).
Planned = tuple[str, CorpusFile, str | None]
# A file whose size or date changes between two looks is being written: looked at again this
# many times, this many seconds apart, then left for the next run.
SETTLE_LOOKS = 5
SETTLE_DELAY = 0.1
UNSETTLED_REASON = "still being written (its size or date kept changing): taken up by the next run"


@dataclass
class IndexSummary:
    """What a run of `orbite index` did; its dict is the `--json` output."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    rebuilt: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [s.to_dict() for s in self.skipped],
        }


def update_index(
    corpus: Path,
    store: IndexStore,
    *,
    full: bool = False,
    paths: Iterable[Path] | None = None,
    progress: Progress | None = None,
    lock_timeout: float = 30.0,
    on_wait: Callable[[], None] | None = None,
) -> IndexSummary:
    """Add new files, update changed ones, remove deleted ones, in one commit.

    `paths` are the places that changed (files or folders, present or gone), as a watcher
    saw them: only those are looked at, so that a change costs the change, not the corpus.
    Without them the whole corpus is scanned.

    A full rebuild happens when asked, when there is no index yet, and when the index was
    written by another schema version. After a change of the gazetteer every release is read
    again and only those whose document differs are rewritten (`updated`).
    A write that fails (full disk, read-only or vanished folder) raises IndexWriteError and
    leaves the index folder as the last commit left it.
    """
    try:
        with store.write_lock(lock_timeout, on_wait):
            # What killed or failed writers left behind: their space is needed now.
            store.remove_stale_generations()
            if store.exists():
                store.remove_uncommitted(store.current.resolve())
            gazetteer = Gazetteer.load(corpus)
            opened = None if full else _open_current(store)
            if opened is None:
                files, skipped = scan_corpus(corpus)
                summary = _rebuild(store, files, gazetteer, progress)
            else:
                ix, reader = opened
                with reader:
                    meta = store.read_meta().at(ix.latest_generation())
                    if paths is not None and meta.gazetteer == gazetteer.fingerprint:
                        changes = scan_paths(corpus, paths)
                    else:  # the whole corpus: asked, or all to read again for the gazetteer
                        changes = CorpusChanges(*scan_corpus(corpus), None, set())
                    skipped = changes.skipped
                    summary = _update(
                        store, ix, reader, changes, gazetteer, meta.gazetteer, progress
                    )
    except OSError as exc:
        if exc.filename is not None and not _inside(Path(os.fsdecode(exc.filename)), store.root):
            raise  # not the index's folder: the corpus or its gazetteer
        raise write_error(store.root, exc) from exc
    summary.skipped = sorted(skipped + summary.skipped, key=lambda s: s.path)
    return summary


def _inside(path: Path, root: Path) -> bool:
    path, root = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    return path == root or root in path.parents


def _open_current(store: IndexStore) -> tuple[Index, IndexReader] | None:
    """The live index and a reader of it (for the caller to close), or None when it must be
    rebuilt (missing, other schema, damaged)."""
    if not store.exists():
        return None
    if store.read_meta().schema_version != SCHEMA_VERSION:
        return None
    try:
        return store.open_reader()
    except IndexIncompatible:
        return None


def _rebuild(
    store: IndexStore, files: dict[str, CorpusFile], gazetteer: Gazetteer, progress: Progress | None
) -> IndexSummary:
    """Build a new generation and make it live once complete, or, when there is no index to
    serve meanwhile, from its first commit on (searches then see the build grow).

    A large corpus is built by worker processes over every core (`indexer.index.build`); a small
    one in this process, where starting workers would cost more than they save.
    """
    # The workers' module (multiprocessing, ctypes) is imported when there is work for them:
    # `orbite index` with nothing changed does without. Likewise in `_prepare`.
    from indexer.index.build import build_in_workers, worker_count

    directory, ix = store.new_generation()
    summary = IndexSummary(rebuilt=True)
    early = not store.exists()

    def committed(done: int, total: int) -> None:
        store.write_progress(done, total)
        if early and store.generation() != directory.name:
            store.write_meta(directory, gazetteer.fingerprint)
            store.publish(directory)
        if progress:
            progress(done, total)

    try:
        store.write_progress(0, len(files))
        if len(files) >= PARALLEL_FROM:
            summary.added, summary.skipped = build_in_workers(
                ix, directory, list(files.values()), gazetteer, worker_count(), committed
            )
        else:
            with store.writer(ix, limitmb=256) as writer:
                plan = [("added", f, None) for f in files.values()]
                _apply(writer, plan, [], gazetteer, summary, progress)
                writer.commit()
        left_out = {s.path for s in summary.skipped}
        stats = {f.id: (f.size, f.mtime_ns) for f in files.values() if f.source not in left_out}
        store.write_manifest(directory, store.commit_number(directory), stats)
        store.write_meta(directory, gazetteer.fingerprint)
        store.publish(directory)
    except BaseException:
        store.discard(directory)
        raise
    finally:
        store.clear_progress()
    return summary


def _update(
    store: IndexStore,
    ix: Index,
    reader: IndexReader,
    changes: CorpusChanges,
    gazetteer: Gazetteer,
    indexed_with: str,
    progress: Progress | None,
) -> IndexSummary:
    """Bring the index in line with `changes` (with the whole corpus when their ids are None).

    When the index was written with another gazetteer (`indexed_with` is its fingerprint),
    every release is read again and rewritten only if its Whoosh document differs; the new
    fingerprint is recorded for the commit that does it, even when nothing changed (a new
    alias may name no release yet, and searches must know it).
    """
    files = changes.files
    recheck = indexed_with != gazetteer.fingerprint
    recorded = store.read_manifest() if changes.ids is None and not recheck else None
    if recorded is not None and recorded.matches(files):  # nothing changed: no file by file
        return IndexSummary(unchanged=len(files))
    with collector_paused():
        stats, indexed = _indexed(reader, changes, recorded)
    from_manifest = indexed is None
    summary = IndexSummary()
    plan: list[Planned] = []
    changed: list[CorpusFile] = []  # a new size or date: the content decides
    for doc_id, corpus_file in files.items():
        seen = stats.get(doc_id)
        if seen is None:
            plan.append(("added", corpus_file, None))
        elif seen != (corpus_file.size, corpus_file.mtime_ns):
            changed.append(corpus_file)
        elif recheck:
            plan.append(("recheck", corpus_file, indexed[doc_id].digest))
        else:
            summary.unchanged += 1
    if changed and indexed is None:
        indexed = dict(_indexed_facts(reader, {f.id for f in changed}, set()))
    for corpus_file in changed:
        facts = indexed.get(corpus_file.id)  # None: deleted meanwhile by another writer
        if facts is None or not _same_content(corpus_file, facts):
            plan.append(("updated", corpus_file, None))
        elif recheck:  # touched, same content: rewritten (with its new stat) if it differs
            plan.append(("recheck", corpus_file, facts.digest))
        else:  # touched, same content: record the new stat
            plan.append(("touched", corpus_file, None))
    removed = [doc_id for doc_id in stats if doc_id not in files]  # the changes' ids only
    current = store.current.resolve()
    if changes.ids is None:
        manifest: Stats | None = stats
    else:
        recorded = store.read_manifest()
        manifest = recorded.stats() if recorded is not None else None
    if plan or removed or recheck:
        with store.writer(ix, limitmb=128) as writer:
            writer.mergetype = merge_tail
            written = _apply(writer, plan, removed, gazetteer, summary, progress)
            # Before the commit, valid from it on: a commit that fails leaves the old one.
            previous = indexed_with if recheck else None
            store.write_meta(current, gazetteer.fingerprint, writer.generation, previous)
            writer.commit()
        if manifest is not None:  # what the commit changed, on what the last one recorded
            for doc_id in removed:
                manifest.pop(doc_id, None)
            manifest.update((f.id, (f.size, f.mtime_ns)) for f in written)
            if changes.ids is None:
                manifest = _in_scan_order(manifest, files)
            store.write_manifest(current, writer.generation, manifest)
    elif changes.ids is None and not from_manifest:  # an index of an earlier Orbite
        store.write_manifest(current, store.commit_number(), _in_scan_order(manifest, files))
    return summary


def _in_scan_order(stats: Stats, files: dict[str, CorpusFile]) -> Stats:
    """`stats` (of files a full scan found, and no others) in the order of the scan, which is
    the next scan's when nothing changes: `Manifest.matches` then holds."""
    return {doc_id: stats[doc_id] for doc_id in files if doc_id in stats}


def _indexed(
    reader: IndexReader, changes: CorpusChanges, recorded: Manifest | None
) -> tuple[Stats, dict[str, Facts] | None]:
    """What is indexed for `changes`: each release's file stat, and its `Facts` when they are
    needed for all (a recheck, or no manifest `recorded`) or read anyway; None when the
    manifest gave the stats (the few `Facts` needed are read then)."""
    if recorded is not None:
        return recorded.stats(), None
    if changes.ids is None:
        indexed = {facts.id: facts for _, facts in read_facts(reader)}
    else:
        indexed = dict(_indexed_facts(reader, changes.ids, changes.folders))
    return {doc_id: (f.size, f.mtime_ns) for doc_id, f in indexed.items()}, indexed


# Segments merged at once, and the ratio of sizes between merge levels.
MERGE_FACTOR = 8
# Segments of this level or above (64 releases and more: a full build's batches, a large
# update) are never merged by an incremental commit: Whoosh merges at ~20 ms of CPU per
# release, so merging eight of a build's batches cost the next one-file change ~50 s of CPU.
MERGE_LEVELS = 2


def merge_tail(writer: IndexWriter, segments: list) -> list:
    """Whoosh merge policy: merge the last MERGE_FACTOR segments when they are small and of
    one size level.

    Segments keep their order and the leading ones are never rewritten, so the docnums of
    everything before the tail survive a commit (snapshots derive from the previous one) and
    a commit costs the change: it merges at most MERGE_FACTOR segments of fewer than 64
    releases, where Whoosh's own policy sorts segments by size and may rewrite the whole
    index at once. Small commits end up as segments of 64 to 504 releases, never rewritten
    again (`orbite index --full` rewrites everything).
    """
    tail = segments[-MERGE_FACTOR:]
    levels = {_level(s.doc_count()) for s in tail}
    if len(tail) < MERGE_FACTOR or len(levels) > 1 or max(levels) >= MERGE_LEVELS:
        return segments
    for segment in tail:
        with SegmentReader(writer.storage, writer.schema, segment) as reader:
            writer.add_reader(reader)
    return segments[:-MERGE_FACTOR]


def _level(count: int) -> int:
    return int(math.log(max(count, 1), MERGE_FACTOR))


def _indexed_facts(reader, ids: set[str], folders: set[str]) -> Iterator[tuple[str, Facts]]:
    """The facts of the indexed releases with these ids or under these folders, by id."""
    ids = set(ids)
    for folder in folders:
        ids.update(_text(t) for t in reader.expand_prefix("id", folder))
    column = reader.column_reader(FACTS_FIELD)
    for doc_id in ids:
        try:
            docnum = reader.first_id("id", doc_id) if ("id", doc_id) in reader else None
        except TermNotFound:  # the term outlives its documents, deleted by another writer
            docnum = None
        if docnum is not None:
            yield doc_id, Facts(*column[docnum])


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _apply(
    writer: IndexWriter,
    plan: list[Planned],
    removed: list[str],
    gazetteer: Gazetteer,
    summary: IndexSummary,
    progress: Progress | None,
) -> list[CorpusFile]:
    """Write a plan, to be committed by the caller (a failure is undone by `IndexStore.writer`);
    the files whose release it wrote.

    A file that cannot be read is skipped with its reason; if it was indexed before, its last
    good version stays searchable until the file is readable again or deleted.
    """
    with contextlib.closing(_Deletions(writer)) as deleting:
        for doc_id in removed:
            deleting.delete(doc_id)
        summary.removed = len(removed)
        written = []
        prepared = _prepare(plan, gazetteer, summary, writer)
        for done, ((outcome, fields), (_, corpus_file, _)) in enumerate(
            zip(prepared, plan, strict=True), 1
        ):
            if fields is not None:
                if outcome != "added":
                    deleting.delete(fields["id"])
                writer.add_document(**fields)
                written.append(corpus_file)
            if outcome is not None:
                counted = "unchanged" if outcome == "touched" else outcome
                setattr(summary, counted, getattr(summary, counted) + 1)
            if progress:
                progress(done, len(plan))
    return written


class _Deletions:
    """Deletes releases by id through one searcher of the writer's segments, opened on the
    first deletion: Whoosh's `delete_by_term` and `update_document` open a reader of every
    segment per call otherwise (tenths of a second each in an index of 60 segments)."""

    def __init__(self, writer: IndexWriter) -> None:
        self.writer = writer
        self._searcher = None

    def delete(self, doc_id: str) -> None:
        if self._searcher is None:
            self._searcher = self.writer.searcher()
        self.writer.delete_by_term("id", doc_id, searcher=self._searcher)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()


Prepared = tuple[str | None, dict[str, object] | None]


def _prepare(
    plan: list[Planned], gazetteer: Gazetteer, summary: IndexSummary, writer: IndexWriter
) -> Iterator[Prepared]:
    """For each planned file, in order: its outcome (None: skipped, with its reason added to
    the summary) and the Whoosh document to write (None: nothing to write).

    Many files are read and analysed by worker processes over every core (`indexer.index.build`),
    each within its budgets; a few in this process, where starting workers costs more.
    """
    if len(plan) < PARALLEL_FROM:
        for item in plan:
            try:
                yield prepare_file(item, gazetteer, summary.skipped)
            except SkipFile as exc:
                summary.skipped.append(Skipped(item[1].source, exc.reason))
                yield None, None
        return
    from indexer.index.build import BATCH, SCRATCH, in_workers, worker_count

    jobs = [(plan[i : i + BATCH],) for i in range(0, len(plan), BATCH)]
    scratch = Path(writer.storage.folder) / SCRATCH  # the workers write nothing there
    results = in_workers(prepare_batch, jobs, gazetteer, worker_count(), scratch)
    with contextlib.closing(results):
        for prepared, skipped in results:
            summary.skipped += skipped
            yield from prepared


def prepare_batch(
    plan: list[Planned], gazetteer: Gazetteer, scratch: Path
) -> tuple[list[Prepared], list[Skipped]]:
    """What a worker does with part of a plan: each file within its budgets."""
    from indexer.index.build import file_budget  # in a worker, which imported it to run this

    prepared: list[Prepared] = []
    skipped: list[Skipped] = []
    for item in plan:
        try:
            with file_budget():
                prepared.append(prepare_file(item, gazetteer, skipped))
        except SkipFile as exc:
            skipped.append(Skipped(item[1].source, exc.reason))
            prepared.append((None, None))
    return prepared, skipped


def prepare_file(item: Planned, gazetteer: Gazetteer, left_out: list[Skipped]) -> Prepared:
    """Read and analyse one planned file: its outcome and the document to write, if any (a
    recheck whose document is the one indexed writes nothing: it is unchanged)."""
    outcome, corpus_file, digest = item
    release, sha256 = load_release(corpus_file, gazetteer, left_out)
    fields = release_fields(release, corpus_file, sha256)
    if outcome == "recheck":
        if Facts(*fields[FACTS_FIELD]).digest == digest:
            return "unchanged", None
        return "updated", fields
    return outcome, fields


def load_release(
    corpus_file: CorpusFile, gazetteer: Gazetteer, left_out: list[Skipped] | None = None
) -> tuple[Release, str]:
    """Read and analyse one file; any failure becomes SkipFile with its reason.

    The attachments of an e-mail, which are not indexed, are added to `left_out` as
    "mail.eml#name".
    """
    # Imported by the first file read: `orbite index` with nothing to read does without.
    from indexer.reading.mail import ATTACHMENT_REASON
    from indexer.reading.metadata import extract_release

    data = read_settled(corpus_file)
    sha256 = hashlib.sha256(data).hexdigest()
    document = read_document(corpus_file.path, data)
    if left_out is not None:
        left_out += [
            Skipped(f"{corpus_file.source}#{name}", ATTACHMENT_REASON)
            for name in document.attachments
        ]
    try:
        release = extract_release(corpus_file.id, corpus_file.source, document, gazetteer)
    except Exception as exc:  # one odd file must never stop a run
        raise SkipFile(f"metadata extraction failed: {type(exc).__name__}: {exc}") from exc
    return release, sha256


def read_settled(corpus_file: CorpusFile) -> bytes:
    """The file's bytes once nobody is writing it: the same size and modification time at two
    looks in a row (the scan's, then after each read). A file still being copied in is read
    again once it has settled, never indexed half-written; one that keeps changing is skipped
    and taken up by the next run (a watcher's comes with the writer's next event)."""
    seen = (corpus_file.size, corpus_file.mtime_ns)
    for _ in range(SETTLE_LOOKS):
        data = read_bytes(corpus_file.path)
        try:
            stat = corpus_file.path.stat()
        except OSError as exc:
            raise SkipFile(f"unreadable: {exc.strerror or exc}") from exc
        now = (stat.st_size, stat.st_mtime_ns)
        if now == seen and len(data) == stat.st_size:
            return data
        seen = now
        time.sleep(SETTLE_DELAY)
    raise SkipFile(UNSETTLED_REASON)


def release_fields(release: Release, corpus_file: CorpusFile, sha256: str) -> dict[str, object]:
    """The Whoosh document of a release."""
    date = release.date
    # Exact forms and word pairs also hold the header lines (a number, a dateline), once.
    header = [line for line in release.header if line != release.title]
    whole = "\n".join([release.title, *header, release.text])
    fields: dict[str, object] = {
        "id": release.id,
        "source": release.source,
        "title": release.title,
        "body": release.text,
        "exact": whole,
        "pairs": whole,
        "agency": ",".join(entity_key(name) for name in release.agencies),
        "mission": ",".join(entity_key(name) for name in release.missions),
        "date": date.isoformat() if date else None,
        "release": release.release,
        "agencies": list(release.agencies),
        "missions": list(release.missions),
        "embargo": release.embargo.isoformat() if release.embargo else None,
    }
    if date:
        fields["year"] = str(date.year)
    digest = hashlib.blake2b(
        json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8"), digest_size=16
    ).hexdigest()
    stat = corpus_file.size, corpus_file.mtime_ns
    fields[FACTS_FIELD] = tuple(release_facts(release, sha256, *stat, digest))
    return fields


def _same_content(corpus_file: CorpusFile, facts: Facts) -> bool:
    try:
        return hashlib.sha256(read_bytes(corpus_file.path)).hexdigest() == facts.sha256
    except SkipFile:
        return False  # the commit reads it again and reports why it is skipped
