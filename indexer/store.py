"""Where the index lives on disk: generations, the atomic swap, the writer lock, metadata.

Layout of an index directory (``--index``, default ``.orbite/index``)::

    current -> gen-20261121T104600-3f2a   symlink to the live generation
    gen-.../                              a Whoosh index plus orbite.json
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
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index

from indexer.schema import SCHEMA_VERSION, build_schema

META_FILE = "orbite.json"
CURRENT = "current"
LOCK_FILE = "lock"


class StoreError(Exception):
    """Base of the index problems a user is told about in one line."""


class IndexMissing(StoreError):
    """No index has been built yet at this place."""


class IndexIncompatible(StoreError):
    """The index exists but was written by another schema version or is damaged."""


class IndexBusy(StoreError):
    """Another process holds the writer lock for longer than we agreed to wait."""


@dataclass(frozen=True)
class IndexMeta:
    """What Orbite records beside the Whoosh files of a generation."""

    schema_version: int
    gazetteer: str
    indexed_at: str

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": self.schema_version,
            "gazetteer": self.gazetteer,
            "indexed_at": self.indexed_at,
        }


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
            return IndexMeta(data["schema_version"], data["gazetteer"], data["indexed_at"])
        except FileNotFoundError as exc:
            raise IndexMissing(f"no index in {self.root}: run `orbite index` first") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexIncompatible(f"index metadata in {path} is unreadable ({exc})") from exc

    def write_meta(self, directory: Path, gazetteer: str) -> None:
        """Record the schema version and gazetteer fingerprint, atomically."""
        meta = IndexMeta(SCHEMA_VERSION, gazetteer, _now())
        tmp = directory / f".{META_FILE}.{uuid.uuid4().hex}"
        tmp.write_text(json.dumps(meta.to_dict()), "utf-8")
        os.replace(tmp, directory / META_FILE)

    def open(self) -> Index:
        """Open the live generation, refusing one written by another schema version."""
        meta = self.read_meta()
        if meta.schema_version != SCHEMA_VERSION:
            raise IndexIncompatible(
                f"index in {self.root} was built by schema version {meta.schema_version}, "
                f"this Orbite uses {SCHEMA_VERSION}: run `orbite index --full`"
            )
        storage = _OpeningStorage(str(self.current))
        try:
            ix = storage.open_index()
            ix.reader().close()  # a damaged segment fails here, not at the first search
        except Exception as exc:  # Whoosh raises many kinds on a damaged index
            storage.close_opened()
            raise IndexIncompatible(
                f"index in {self.root} is damaged ({type(exc).__name__}: {exc}): "
                "run `orbite index --full`"
            ) from exc
        storage.opened = None
        return ix

    def new_generation(self) -> tuple[Path, Index]:
        """Create an empty Whoosh index in a fresh generation directory (not yet live)."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        directory = self.root / f"gen-{stamp}-{uuid.uuid4().hex[:8]}"
        directory.mkdir()
        return directory, whoosh_index.create_in(str(directory), build_schema())

    def publish(self, directory: Path) -> None:
        """Make `directory` the live generation (atomic) and delete the older ones."""
        link = self.root / f".{CURRENT}.{uuid.uuid4().hex}"
        os.symlink(directory.name, link)
        os.replace(link, self.current)
        self.remove_stale_generations()

    def remove_stale_generations(self) -> None:
        """Delete generations that are neither live nor being built by a running writer."""
        live = self.generation()
        for path in self.root.glob("gen-*"):
            if path.name != live and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

    @contextlib.contextmanager
    def write_lock(self, timeout: float = 30.0) -> Iterator[None]:
        """Hold the one writer lock, waiting up to `timeout` seconds for another writer.

        An flock dies with its process, so a crashed writer never leaves a stale lock.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "a+") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
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


class _OpeningStorage(FileStorage):
    """Whoosh's file storage without memory maps, remembering the files opened while an index
    is being opened.

    Whoosh does not close a table of contents it fails to parse; `close_opened` does.
    """

    def __init__(self, path: str) -> None:
        # Plain reads, not memory maps: a mapped index counts whole in the server's memory
        # (475 MB at 20,000 releases against 78 MB), for a few percent of speed.
        super().__init__(path, supports_mmap=False)
        self.opened: list | None = []

    def open_file(self, name, **kwargs):
        handle = super().open_file(name, **kwargs)
        if self.opened is not None:
            self.opened.append(handle)
        return handle

    def close_opened(self) -> None:
        for handle in self.opened or ():
            if not getattr(handle, "is_closed", False):  # Whoosh refuses a second close
                handle.close()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
