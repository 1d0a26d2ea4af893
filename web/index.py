"""The app's one `SearchIndex`: built if missing when the app is created, shared by requests.

`SearchIndex` reopens itself after every commit, and its snapshot's one searcher is shared
by request threads in turn, so there is nothing to open or close per request (no teardown in
this trio).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from indexer.index.health import WriteHealth
from indexer.index.indexing import update_index
from indexer.index.store import IndexIncompatible, IndexStore
from indexer.search.snapshot import SearchIndex
from indexer.search.visibility import system_clock

EXTENSION = "orbite.index"
HEALTH = "orbite.health"


def init_app(app: Flask) -> None:
    """Open the configured index, building it first on a fresh clone or after a schema change
    (unless `ORBITE_BUILD_AT_START` is false: `orbite serve` builds it while it serves).

    `ORBITE_CLOCK` (tests) replaces the system clock that decides when embargoes end;
    `ORBITE_WRITE_HEALTH` is the `WriteHealth` that `orbite serve` shares with its watcher.
    Every page says how far a full build running now is (`indexing`).
    """
    corpus = Path(app.config["ORBITE_CORPUS"])
    store = IndexStore(Path(app.config["ORBITE_INDEX"]))
    if app.config.get("ORBITE_BUILD_AT_START", True):
        ensure_index(corpus, store)
    clock = app.config.get("ORBITE_CLOCK") or system_clock
    health = app.config.get("ORBITE_WRITE_HEALTH") or WriteHealth()
    app.extensions[HEALTH] = health
    app.extensions[EXTENSION] = SearchIndex(store, corpus, clock, health)
    app.context_processor(lambda: {"indexing": store.building()})


def ensure_index(corpus: Path, store: IndexStore) -> None:
    """Build a missing index; rebuild one that is damaged or written by another schema."""
    if not store.exists():
        update_index(corpus, store)
        return
    try:
        store.open().close()
    except IndexIncompatible:
        update_index(corpus, store, full=True)


def get_index() -> SearchIndex:
    """The index of the running app."""
    return current_app.extensions[EXTENSION]


def get_health() -> WriteHealth:
    """How the running app's last write of the index went."""
    return current_app.extensions[HEALTH]
