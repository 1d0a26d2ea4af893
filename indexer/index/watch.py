"""Keeping the index in line with the corpus while `orbite serve` runs.

A watchdog observer reports changes under the corpus folder; a worker thread waits for the
burst to settle, then runs one incremental `update_index` on the paths the burst touched, so
that a change costs the change and not a rescan of the corpus. The whole corpus is rescanned
when events were lost (the kernel's queue overflowed), when a burst touches more paths than a
rescan costs, and after a failed run. Searches see the new commit on their own (`SearchIndex`
derives its next snapshot), so the watcher only has to write.

A run that fails (full disk, read-only folder...) is recorded in the server's `WriteHealth`
and retried by itself (a rescan), sooner at first, then every `RETRY_DELAYS[-1]` seconds,
and at the next change of the corpus.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Protocol

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from indexer.index.health import WriteHealth, describe
from indexer.index.indexing import IndexSummary, update_index
from indexer.index.store import IndexBusy, IndexStore, StoreError

logger = logging.getLogger(__name__)

# Only changes: opening and reading files (as update_index itself does) must not wake us.
WATCHED_EVENTS = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
# A steady stream of events still gets indexed this many debounce periods after it began.
MAX_DELAY_FACTOR = 3
# Beyond this many changed paths in one burst, one rescan of the corpus is cheaper.
MAX_PATHS = 5_000
# What watchdog logs (and only logs) when inotify dropped events: then only a rescan is right.
OVERFLOW_LOGGER = "watchdog.observers.inotify_c"
OVERFLOW_MESSAGE = "overflowed"
# Seconds before each retry of a failed run; the last one repeats: at least once a minute.
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class Timer(Protocol):
    def cancel(self) -> None: ...


Schedule = Callable[[float, Callable[[], None]], Timer]


def start_timer(delay: float, action: Callable[[], None]) -> Timer:
    """Run `action` in `delay` seconds on a daemon thread (the default `Schedule`)."""
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()
    return timer


class CorpusWatcher:
    """Reindex the corpus shortly after its files change, one run at a time."""

    def __init__(
        self,
        corpus: Path,
        store: IndexStore,
        *,
        on_update: Callable[[IndexSummary], None] | None = None,
        debounce: float = 0.25,
        health: WriteHealth | None = None,
        schedule: Schedule = start_timer,
    ) -> None:
        self.corpus = Path(corpus)
        self.store = store
        self.on_update = on_update
        self.health = health or WriteHealth()
        self.health.wake = self.notify
        self._schedule = schedule
        self._retry: Timer | None = None
        self.failures = 0  # failed runs in a row
        self.debounce = debounce
        self.max_delay = MAX_DELAY_FACTOR * debounce
        self._root = Path(os.path.realpath(self.corpus))
        self._index_root = Path(os.path.realpath(store.root))
        self._changed = threading.Condition()
        self._first_event: float | None = None  # None: nothing waiting to be indexed
        self._last_event = 0.0
        self._paths: set[str] | None = set()  # changed since the last run; None: rescan all
        self._stopping = False
        self._observer: BaseObserver | None = None  # created by start: it opens inotify at once
        self._worker = threading.Thread(target=self._run, name="orbite-reindex", daemon=True)

    def start(self) -> None:
        """Begin watching; changes made from now on reach the index."""
        self._overflow = _OverflowHandler(self)
        logging.getLogger(OVERFLOW_LOGGER).addHandler(self._overflow)
        observer = Observer()
        try:
            observer.schedule(
                _Handler(self), str(self._root), recursive=True, event_filter=WATCHED_EVENTS
            )
            observer.start()
        except BaseException:
            observer.stop()  # closes the inotify instance the observer opened
            logging.getLogger(OVERFLOW_LOGGER).removeHandler(self._overflow)
            raise
        self._observer = observer
        self._worker.start()

    def stop(self) -> None:
        """Stop watching and wait for a reindex in progress to finish (its commit is whole)."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._cancel_retry()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
            self._observer = None
            logging.getLogger(OVERFLOW_LOGGER).removeHandler(self._overflow)
        if self._worker.is_alive():
            self._worker.join()

    def __enter__(self) -> CorpusWatcher:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def is_relevant(self, path: str | bytes) -> bool:
        """Whether a change at `path` can alter the index: not hidden, not the index itself."""
        path = Path(os.fsdecode(path))
        if path == self._index_root or self._index_root in path.parents:
            return False
        try:
            relative = path.relative_to(self._root)
        except ValueError:
            return False  # a move's other end, outside the corpus
        return not any(part.startswith(".") for part in relative.parts)

    def _as_named(self, paths: Iterable[str]) -> list[Path]:
        """Changed paths under the corpus as its user named it: events come under the folder
        the links lead to (`_root`), and the indexer finds a release's id from the former."""
        return sorted(self.corpus / Path(path).relative_to(self._root) for path in paths)

    def notify(self, paths: Iterable[str] | None = None) -> None:
        """Record a change at `paths` (None: anywhere, rescan); indexed once the burst settles."""
        with self._changed:
            if paths is None or self._paths is None:
                self._paths = None
            else:
                self._paths.update(paths)
                if len(self._paths) > MAX_PATHS:
                    self._paths = None
            now = time.monotonic()
            if self._first_event is None:
                self._first_event = now
            self._last_event = now
            self._changed.notify_all()

    def _run(self) -> None:
        while (batch := self._wait_for_quiet()) is not False:
            self._reindex(batch)

    def _wait_for_quiet(self) -> set[str] | bool | None:
        """Block until a burst of changes has settled and return its paths (None: rescan the
        corpus); False when the watcher stops."""
        with self._changed:
            while not self._stopping:
                if self._first_event is None:
                    self._changed.wait()
                    continue
                due = min(self._last_event + self.debounce, self._first_event + self.max_delay)
                remaining = due - time.monotonic()
                if remaining <= 0:
                    # Changes from now on will be seen by another run after this one.
                    self._first_event = None
                    batch, self._paths = self._paths, set()
                    return batch
                self._changed.wait(remaining)
            return False

    def failed(self, exc: BaseException) -> None:
        """Record a failed run and schedule the next try (a change of the corpus comes first)."""
        self.health.failed(exc)
        delay = RETRY_DELAYS[min(self.failures, len(RETRY_DELAYS) - 1)]
        self.failures += 1
        with self._changed:
            if self._stopping:
                return
            self._cancel_retry()
            self._retry = self._schedule(delay, self.notify)
        logger.warning("index non mis à jour (nouvel essai dans %g s) : %s", delay, describe(exc))

    def _cancel_retry(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    def _reindex(self, paths: set[str] | None) -> None:
        """One incremental run; a busy index is retried at once, any other failure later (by
        a rescan of the corpus: the failed run's paths are not known to be indexed)."""
        if not self.corpus.is_dir():
            # An unmounted or renamed corpus must not empty the index.
            logger.warning("corpus folder %s is gone: index left as it is", self.corpus)
            return
        try:
            summary = update_index(
                self.corpus, self.store, paths=None if paths is None else self._as_named(paths)
            )
        except IndexBusy as exc:
            # Another writer may have scanned the corpus before this change: try again.
            logger.warning("index not updated, will retry: %s", exc)
            self.notify(paths)
            return
        except Exception as exc:
            if not isinstance(exc, StoreError | OSError):  # not the disk's fault: a bug
                logger.exception("index not updated")
            with self._changed:
                self._paths = None
            self.failed(exc)
            return
        with self._changed:
            self._cancel_retry()
        self.failures = 0
        self.health.succeeded()
        if self.on_update is not None:
            try:
                self.on_update(summary)
            except Exception:
                logger.exception("on_update callback failed")


class _Handler(FileSystemEventHandler):
    """Forwards the relevant watchdog events to a watcher."""

    def __init__(self, watcher: CorpusWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [os.fsdecode(p) for p in (event.src_path, event.dest_path) if p]
        relevant = [path for path in paths if self.watcher.is_relevant(path)]
        if relevant:
            self.watcher.notify(relevant)


class _OverflowHandler(logging.Handler):
    """Turns watchdog's warning that inotify dropped events into a rescan of the corpus."""

    def __init__(self, watcher: CorpusWatcher) -> None:
        super().__init__(logging.WARNING)
        self.watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        if OVERFLOW_MESSAGE in record.getMessage():
            self.watcher.notify(None)
