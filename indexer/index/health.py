"""Whether the index could be written the last time a server tried: the "degraded" of
`/api/health`.

A server that cannot write its index (full disk, read-only or vanished folder) goes on
answering from its last commit; this is where its writers record the failure and its health
route reads it. Searches that find the index gone record it too, and wake the writer.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

from indexer.index.store import StoreError


@dataclass(frozen=True)
class WriteFailure:
    """The last failure: one line for a user, and when it happened (ISO 8601, UTC)."""

    error: str
    at: str


def describe(exc: BaseException) -> str:
    """One line for a user: a store error says it all; anything else names its kind."""
    text = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


class WriteHealth:
    """The last write's outcome, shared by the threads of one server."""

    def __init__(self, now: Callable[[], dt.datetime] | None = None) -> None:
        self._now = now or (lambda: dt.datetime.now(dt.timezone.utc))
        self._lock = threading.Lock()
        self._failure: WriteFailure | None = None
        # Set by the server's corpus watcher: asks it to write the index again soon.
        self.wake: Callable[[], None] | None = None

    @property
    def failure(self) -> WriteFailure | None:
        return self._failure

    def failed(self, exc: BaseException) -> None:
        at = self._now().isoformat(timespec="seconds")
        with self._lock:
            self._failure = WriteFailure(describe(exc), at)

    def succeeded(self) -> None:
        with self._lock:
            self._failure = None

    def index_lost(self, exc: BaseException) -> None:
        """A search found the index unreadable (its folder deleted...): record it, and wake
        the writer the first time, so that it rebuilds; its own retries follow from there."""
        with self._lock:
            first = self._failure is None
        if first:
            self.failed(exc)
            if self.wake is not None:
                self.wake()
