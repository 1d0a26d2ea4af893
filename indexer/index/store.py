"""Where the index lives on disk: generations, the atomic swap, the writer lock, metadata.

Layout of an index directory (``--index``, default ``.orbite/index``)::

    current -> gen-20261121T104600-3f2a   symlink to the live generation
    gen-.../                              a Whoosh index plus orbite.json, manifest.pickle
                                          and tables-<commit>.pickle
    lock                                  held (flock) by the one process that writes

A full rebuild writes a new generation beside the live one and swaps ``current`` with one
``rename``: readers see the old index or the new one, never a half-built one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import pickle
import re
import shutil
import time
import uuid
from array import array
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC, Index
from whoosh.reading import IndexReader
from whoosh.writing import IndexWriter

from indexer.index.schema import SCHEMA_VERSION, build_schema
from indexer.reading.corpus import CorpusFile, collector_paused

META_FILE = "orbite.json"
MANIFEST_FILE = "manifest.pickle"
TABLES_FILE = "tables-{commit}.pickle"
CURRENT = "current"
LOCK_FILE = "lock"
PROGRESS_FILE = "building.json"
INDEX_NAME = "MAIN"  # Whoosh's default: its files are MAIN_<segment>.<ext> and _MAIN_<n>.toc
_SEGMENT_FILE = re.compile(rf"^(?P<segment>{INDEX_NAME}_[0-9a-z]+)\.")
_TOC_FILE = re.compile(rf"^_{INDEX_NAME}_(?P<number>[0-9]+)\.toc")  # and its temporary files
_TABLES_FILE = re.compile(r"^tables-(?P<number>[0-9]+)\.pickle$")
# Release id -> (size, mtime_ns) of the file each indexed release was read from.
Stats = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Manifest:
    """The file each indexed release was read from, as a commit recorded it: the ids, and the
    sizes and modification times of their files in the same order.

    Arrays rather than a dict of tuples: 100,000 load in 5 ms instead of 40 ms, and a scan
    that found nothing changed is told so by three comparisons made in C (`matches`).
    """

    ids: list[str]
    sizes: array
    mtimes: array

    @classmethod
    def of(cls, stats: Stats) -> Manifest:
        sizes = array("q", [size for size, _ in stats.values()])
        return cls(list(stats), sizes, array("q", [mtime for _, mtime in stats.values()]))

    def stats(self) -> Stats:
        return dict(zip(self.ids, zip(self.sizes, self.mtimes, strict=True), strict=True))

    def matches(self, files: dict[str, CorpusFile]) -> bool:
        """Whether the files of a scan (by id, in its order) are exactly the recorded ones with
        the same sizes and dates: nothing to add, update or remove. A manifest in another
        order (after some updates) does not match: the caller compares file by file."""
        found = files.values()
        return (
            self.ids == list(files)
            and self.sizes == array("q", [f.size for f in found])
            and self.mtimes == array("q", [f.mtime_ns for f in found])
        )


class StoreError(Exception):
    """Base of the index problems a user is told about in one line."""


class IndexMissing(StoreError):
    """No index has been built yet at this place."""


class IndexIncompatible(StoreError):
    """The index exists but was written by another schema version or is damaged."""


class IndexBusy(StoreError):
    """Another process holds the writer lock for longer than we agreed to wait."""


class IndexWriteError(StoreError):
    """Writing the index failed (full disk, read-only or vanished folder); nothing was kept of
    the failed run, and the last commit still answers."""


# What the user reads for each kind of write failure: what happened, then what to do.
_WRITE_PROBLEMS = {
    errno.ENOSPC: "espace disque insuffisant sur {root} : libérez de la place",
    errno.EDQUOT: "quota disque dépassé sur {root} : libérez de la place",
    errno.EROFS: "le dossier de l'index {root} est en lecture seule : rendez-le inscriptible",
    errno.EACCES: "écriture refusée dans {root} : donnez les droits d'écriture sur ce dossier",
    errno.EPERM: "écriture refusée dans {root} : donnez les droits d'écriture sur ce dossier",
    errno.ENOENT: "le dossier de l'index {root} a disparu pendant l'écriture",
    errno.ENOTDIR: "le dossier de l'index {root} ne peut pas être créé (un fichier est sur son "
    "chemin) : choisissez-en un autre avec --index",
}


def write_error(root: Path, exc: OSError) -> IndexWriteError:
    """The one line that tells a user why writing the index in `root` failed and what to do."""
    problem = _WRITE_PROBLEMS.get(exc.errno)
    if problem is None:
        problem = f"écriture de l'index dans {{root}} impossible ({exc.strerror or exc})"
    return IndexWriteError(problem.format(root=root) + " puis relancez orbite index")


@dataclass(frozen=True)
class IndexMeta:
    """What Orbite records beside the Whoosh files of a generation.

    The gazetteer fingerprint is written before the commit it belongs to lands: it holds from
    the table of contents numbered `since` on, and `previous` before it. A commit that fails
    or is killed leaves `previous` in force, so the next run re-extracts the metadata again.
    """

    schema_version: int
    gazetteer: str
    indexed_at: str
    since: int = 0
    previous: str | None = None

    def at(self, generation: int) -> IndexMeta:
        """The metadata as of the commit numbered `generation` (Whoosh's TOC generation)."""
        if self.previous is not None and generation < self.since:
            return replace(self, gazetteer=self.previous, since=0, previous=None)
        return replace(self, since=0, previous=None)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class IndexStore:
    """One index directory: open the live generation, build new ones, lock writers."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def current(self) -> Path:
        return self.root / CURRENT

    def exists(self) -> bool:
        return (self.current / META_FILE).is_file()

    def generation(self) -> str:
        """The live generation's name; it changes at every full rebuild."""
        return os.readlink(self.current) if self.current.is_symlink() else ""

    def read_meta(self, directory: Path | None = None) -> IndexMeta:
        """The metadata of a generation (the live one by default)."""
        path = (directory or self.current) / META_FILE
        try:
            data = json.loads(path.read_text("utf-8"))
            return IndexMeta(
                data["schema_version"],
                data["gazetteer"],
                data["indexed_at"],
                int(data.get("since", 0)),
                data.get("previous"),
            )
        except FileNotFoundError as exc:
            raise IndexMissing(f"no index in {self.root}: run `orbite index` first") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexIncompatible(f"index metadata in {path} is unreadable ({exc})") from exc

    def write_meta(
        self, directory: Path, gazetteer: str, since: int = 0, previous: str | None = None
    ) -> None:
        """Record the schema version and gazetteer fingerprint, atomically; with `since`, the
        fingerprint holds from that commit on (`previous` before it), see `IndexMeta`."""
        meta = IndexMeta(SCHEMA_VERSION, gazetteer, _now(), since, previous)
        _replace(directory / META_FILE, json.dumps(meta.to_dict()).encode("utf-8"))

    def commit_number(self, directory: Path | None = None) -> int:
        """The number of a generation's last commit (Whoosh's table of contents), -1 if none."""
        try:
            names = os.listdir(directory or self.current)
        except OSError:
            return -1
        tables = (_TOC_FILE.match(name) for name in names if name.endswith(".toc"))
        return max((int(match["number"]) for match in tables if match), default=-1)

    def write_manifest(self, directory: Path, commit: int, stats: Stats) -> None:
        """Record, after commit number `commit`, the file each indexed release was read from:
        `orbite index` then compares the corpus with it without reading the index.

        Best effort: a manifest that cannot be written is removed, and runs read the index's
        `Facts` instead (a manifest left from an earlier commit is never used)."""
        manifest = Manifest.of(stats)
        recorded = (commit, manifest.ids, manifest.sizes, manifest.mtimes)
        try:
            _replace(directory / MANIFEST_FILE, pickle.dumps(recorded, pickle.HIGHEST_PROTOCOL))
        except OSError:
            with contextlib.suppress(OSError):
                (directory / MANIFEST_FILE).unlink(missing_ok=True)

    def read_manifest(self) -> Manifest | None:
        """The live generation's manifest, if it was written for its last commit, else None
        (also read as Orbite wrote it before its arrays: a dict of tuples)."""
        try:
            with collector_paused():
                commit, *recorded = pickle.loads((self.current / MANIFEST_FILE).read_bytes())
            if commit != self.commit_number():
                return None
            if len(recorded) == 1:
                return Manifest.of(recorded[0])
            ids, sizes, mtimes = recorded
            if not len(ids) == len(sizes) == len(mtimes):
                return None
            return Manifest(ids, sizes, mtimes)
        except Exception:  # missing, unreadable, damaged: the index's Facts say the same
            return None

    def write_tables(self, directory: Path, commit: int, tables: object) -> None:
        """Keep a searcher's tables of commit number `commit` of generation `directory` for
        the next process that opens it (`indexer.search.tables`), in place of older ones.
        Best effort: a process that finds none, or older ones, reads the index instead."""
        try:
            _replace(
                directory / TABLES_FILE.format(commit=commit),
                pickle.dumps(tables, pickle.HIGHEST_PROTOCOL),
            )
        except OSError:
            return
        for number in self._tables_commits(directory):
            if number != commit:
                with contextlib.suppress(OSError):
                    (directory / TABLES_FILE.format(commit=number)).unlink()

    def read_tables(self, directory: Path) -> object | None:
        """What `write_tables` last kept in generation `directory`, or None."""
        try:
            newest = max(self._tables_commits(directory), default=None)
            if newest is None:
                return None
            raw = (directory / TABLES_FILE.format(commit=newest)).read_bytes()
            with collector_paused():
                return pickle.loads(raw)
        except Exception:  # unreadable, damaged, of a layout since gone
            return None

    def tables_kept(self) -> bool:
        """Whether `write_tables` kept the tables of the live generation's last commit."""
        return max(self._tables_commits(self.current), default=-1) == self.commit_number()

    def _tables_commits(self, directory: Path) -> list[int]:
        try:
            names = os.listdir(directory)
        except OSError:
            return []
        found = (_TABLES_FILE.match(name) for name in names if name.startswith("tables-"))
        return [int(match["number"]) for match in found if match]

    def open(self, any_version: bool = False) -> Index:
        """Open the live generation, refusing one written by another schema version (unless
        `any_version`: to keep serving it while its replacement is being built)."""
        ix, reader = self.open_reader(any_version)
        reader.close()
        return ix

    def open_reader(self, any_version: bool = False) -> tuple[Index, IndexReader]:
        """`open`, and the reader of every segment that proved the index readable, for the
        caller to use and close: opening them all again would cost as much."""
        meta = self.read_meta()
        if meta.schema_version != SCHEMA_VERSION and not any_version:
            raise IndexIncompatible(
                f"index in {self.root} was built by schema version {meta.schema_version}, "
                f"this Orbite uses {SCHEMA_VERSION}: run `orbite index --full`"
            )
        storage = _TrackingStorage(str(self.current))
        # Whoosh would unpickle the schema the index was written with, which names analyzer
        # classes by module path; for the same version ours is that schema, and survives a
        # move of those classes.
        schema = build_schema() if meta.schema_version == SCHEMA_VERSION else None
        try:
            ix = storage.open_index(schema=schema)
            reader = ix.reader()  # a damaged segment fails here, not at the first search
        except Exception as exc:  # Whoosh raises many kinds on a damaged index
            storage.close_tracked()
            raise IndexIncompatible(
                f"index in {self.root} is damaged ({type(exc).__name__}: {exc}): "
                "run `orbite index --full`"
            ) from exc
        storage.stop_tracking()
        return ix, reader

    def new_generation(self) -> tuple[Path, Index]:
        """Create an empty Whoosh index in a fresh generation directory (not yet live)."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        directory = self.root / f"gen-{stamp}-{uuid.uuid4().hex[:8]}"
        directory.mkdir()
        try:
            return directory, _TrackingStorage(str(directory)).create_index(build_schema())
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise

    @contextlib.contextmanager
    def writer(self, ix: Index, **options: object) -> Iterator[IndexWriter]:
        """A Whoosh writer on `ix`; if the block fails, the folder is left as its last commit.

        Whoosh writes a segment's files beside the live ones before its table of contents
        lists them: on failure they are removed at once, and the files the writer still held
        open are closed, so that a full disk gets its space back even in a long-running server
        (cancelling alone fails again on a full disk, and leaves them open and locked).
        """
        storage = ix.storage
        storage.start_tracking()
        writer = None
        try:
            writer = ix.writer(**options)
            yield writer
        except BaseException:
            if writer is not None and not writer.is_closed:
                with contextlib.suppress(Exception):
                    writer.cancel()
            storage.close_tracked()
            self.remove_uncommitted(Path(storage.folder))
            raise
        finally:
            storage.stop_tracking()

    def discard(self, directory: Path) -> None:
        """Remove a generation a failed rebuild left; one it already made live (a first build
        serves its first commits) keeps what it committed, without what failed."""
        if directory.name != self.generation():
            shutil.rmtree(directory, ignore_errors=True)
        else:
            self.remove_uncommitted(directory)

    def remove_uncommitted(self, directory: Path) -> None:
        """Delete what failed or killed writers left in a generation: segments its table of
        contents does not list, older tables, temporary files. Nothing a commit lists is
        touched; nothing is when the table cannot be read."""
        storage = _TrackingStorage(str(directory))
        try:
            toc = TOC.read(storage, INDEX_NAME)
        except Exception:  # no table yet, or a damaged one: leave everything to `--full`
            return
        finally:
            storage.close_tracked()
        keep = {f"_{INDEX_NAME}_{toc.generation}.toc"}
        live = {segment.segment_id() for segment in toc.segments}
        for path in directory.iterdir():
            name = path.name
            segment = _SEGMENT_FILE.match(name)
            leftover = (
                (segment is not None and segment["segment"] not in live)
                or (_TOC_FILE.match(name) is not None and name not in keep)
                or (name.endswith(".tmp") and path.is_dir())
                or name.startswith((f".{META_FILE}.", f".{MANIFEST_FILE}.", ".tables-"))
            )
            if not leftover:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def publish(self, directory: Path) -> None:
        """Make `directory` the live generation (atomic) and delete the older ones."""
        link = self.root / f".{CURRENT}.{uuid.uuid4().hex}"
        try:
            os.symlink(directory.name, link)
            os.replace(link, self.current)
        except BaseException:
            link.unlink(missing_ok=True)
            raise
        self.remove_stale_generations()

    def remove_stale_generations(self) -> None:
        """Delete generations that are neither live nor being built by a running writer."""
        live = self.generation()
        for path in self.root.glob("gen-*"):
            if path.name != live and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

    def write_progress(self, done: int, total: int) -> None:
        """Record how far a full build is, for every process serving this index."""
        _replace(self.root / PROGRESS_FILE, json.dumps({"done": done, "total": total}).encode())

    def clear_progress(self) -> None:
        """The full build is over (done or abandoned)."""
        with contextlib.suppress(FileNotFoundError):
            (self.root / PROGRESS_FILE).unlink()

    def building(self) -> dict[str, int] | None:
        """``{"done", "total"}`` of the full build running now, in any process, else None.

        The file a killed build left is ignored: nobody holds the writer lock then.
        """
        try:
            progress = json.loads((self.root / PROGRESS_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not self._lock_held():
            return None
        return {"done": int(progress["done"]), "total": int(progress["total"])}

    def _lock_held(self) -> bool:
        try:
            with open(self.root / LOCK_FILE, "rb") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(handle, fcntl.LOCK_UN)
                return False
        except FileNotFoundError:
            return False

    @contextlib.contextmanager
    def write_lock(
        self, timeout: float = 30.0, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold the one writer lock, waiting up to `timeout` seconds for another writer;
        `on_wait` is called once if it has to wait, so that a user knows why nothing happens.

        An flock dies with its process, so a crashed writer never leaves a stale lock.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "a+") as handle:
            deadline = time.monotonic() + timeout
            waiting = False
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if on_wait is not None and not waiting:
                        on_wait()
                    waiting = True
                    if time.monotonic() >= deadline:
                        raise IndexBusy(
                            f"another process is writing the index in {self.root}; "
                            f"gave up after {timeout:g} s"
                        ) from exc
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class _TrackingStorage(FileStorage):
    """Whoosh's file storage without memory maps, remembering the files and locks it opens
    while an index is being opened or written.

    Whoosh does not close a table of contents it fails to parse, nor a failed writer's files;
    `close_tracked` does. A writer's temporary storages share the list.
    """

    def __init__(self, path: str, tracked: list | None = None) -> None:
        # Plain reads, not memory maps: a mapped index counts whole in the server's memory
        # (475 MB at 20,000 releases against 78 MB), for a few percent of speed.
        super().__init__(path, supports_mmap=False)
        self.tracked: list | None = [] if tracked is None else tracked

    def start_tracking(self) -> None:
        self.tracked = []

    def stop_tracking(self) -> None:
        self.tracked = None

    def _track(self, item):
        if self.tracked is not None:
            self.tracked.append(item)
        return item

    def open_file(self, name, **kwargs):
        return self._track(super().open_file(name, **kwargs))

    def create_file(self, name, **kwargs):
        return self._track(super().create_file(name, **kwargs))

    def lock(self, name):
        return self._track(super().lock(name))

    def temp_storage(self, name=None):
        path = os.path.join(self.folder, name or f"{uuid.uuid4().hex}.tmp")
        return _TrackingStorage(path, self.tracked).create()

    def close_tracked(self) -> None:
        for item in self.tracked or ():
            with contextlib.suppress(Exception):  # a full disk fails the flush: close anyway
                if isinstance(item, StructFile):
                    if not item.is_closed:  # Whoosh refuses a second close
                        item.close()
                elif getattr(item, "fd", None) is not None:  # a lock still held
                    item.release()
            raw = getattr(item, "file", None)
            if raw is not None and not getattr(raw, "closed", True):
                with contextlib.suppress(Exception):
                    raw.close()
        self.tracked = []


def _replace(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: readers see the old file or the new one, and a
    write that fails (a full disk) leaves no temporary file behind."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
