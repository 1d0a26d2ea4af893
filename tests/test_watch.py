"""The corpus watcher: changes reach the index within seconds, bursts merged, failures logged."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer.index import watch
from indexer.index.health import WriteHealth, describe
from indexer.index.indexing import IndexSummary, update_index
from indexer.index.store import IndexBusy, IndexStore, IndexWriteError
from indexer.index.watch import CorpusWatcher
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex

# watchdog meets a folder twice when a tree appears faster than it reads events (a race it
# handles by registering the same callback again) and warns; with warnings as errors, that
# warning would kill its event thread and silently end the watch.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Callback with id .* already exists for watch:RuntimeWarning"
)
WAIT = 10.0  # generous bound for a slow CI machine; the latency test asserts the real target


class Updates:
    """What the watcher reported through on_update, with a bounded wait for a condition."""

    def __init__(self) -> None:
        self.summaries: list[IndexSummary] = []
        self._changed = threading.Condition()

    def __call__(self, summary: IndexSummary) -> None:
        with self._changed:
            self.summaries.append(summary)
            self._changed.notify_all()

    def wait_until(self, check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        """Re-check after every reindex until `check()` holds; fail after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(check, timeout):
                pytest.fail(f"not true after {timeout} s: {what}")


class Watched:
    """A watched corpus, its index as searches see it, and the watcher's reports."""

    def __init__(self, corpus: Path, index: SearchIndex, updates: Updates) -> None:
        self.corpus = corpus
        self.index = index
        self.updates = updates

    def ids(self, q: str = "", **filters: list[str]) -> set[str]:
        response = search(self.index, parse_request(q, per_page=100, **filters))
        return {result["id"] for result in response["results"]}

    def write(self, name: str, text: str) -> None:
        path = self.corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def wait_for_ids(self, q: str, expected: set[str], **filters: list[str]) -> None:
        self.updates.wait_until(
            lambda: self.ids(q, **filters) == expected,
            f"search {q!r} {filters} gives {sorted(expected)}",
        )


def release(title: str, body: str) -> str:
    return f"12 mars 2024\n\n{title}\n\n{body}\n"


@contextlib.contextmanager
def watching(corpus: Path, index_dir: Path) -> Iterator[Watched]:
    """`corpus` indexed, then watched while the block runs."""
    store = IndexStore(index_dir)
    update_index(corpus, store)
    updates = Updates()
    with CorpusWatcher(corpus, store, on_update=updates):
        yield Watched(corpus, SearchIndex(store, corpus), updates)


@pytest.fixture
def watched(seed_corpus: Path, index_dir: Path) -> Iterator[Watched]:
    with watching(seed_corpus, index_dir) as found:
        yield found


@pytest.fixture
def watched_through_a_link(seed_corpus: Path, index_dir: Path, tmp_path: Path) -> Iterator[Watched]:
    """The corpus named by a link to its folder, as `~/communiques` may be."""
    link = tmp_path / "lien"
    link.symlink_to(seed_corpus, target_is_directory=True)
    with watching(link, index_dir) as found:
        yield found


def test_a_new_file_becomes_searchable(watched: Watched) -> None:
    # How fast is measured by `make bench` (watcher write -> searchable), never asserted here.
    watched.write("nouveau.txt", release("Lancement de Zorglub", "Le satellite zorglub décolle."))
    watched.wait_for_ids("zorglub", {"nouveau"})


def test_a_file_in_a_new_subfolder_is_indexed(watched: Watched) -> None:
    watched.write("2024/mars/note.md", release("# Note Quasar", "Le projet quasar avance."))
    watched.wait_for_ids("quasar", {"2024/mars/note"})


def test_a_corpus_named_through_a_link_is_watched(watched_through_a_link: Watched) -> None:
    watched = watched_through_a_link
    watched.write("2024/nouveau.txt", release("Lancement de Zorglub", "Le zorglub décolle."))
    watched.wait_for_ids("zorglub", {"2024/nouveau"})
    (watched.corpus / "2024/nouveau.txt").unlink()
    watched.wait_for_ids("zorglub", set())


def test_a_changed_file_is_reindexed(watched: Watched) -> None:
    watched.write("nouveau.txt", release("Lancement", "Le satellite zorglub décolle."))
    watched.wait_for_ids("zorglub", {"nouveau"})
    watched.write("nouveau.txt", release("Lancement", "Le satellite glorbux décolle."))
    watched.wait_for_ids("glorbux", {"nouveau"})
    assert watched.ids("zorglub") == set()


def test_a_deleted_file_leaves_the_index(watched: Watched) -> None:
    assert "000_4e926120857ef53d" in watched.ids("DORN")
    (watched.corpus / "000_4e926120857ef53d.txt").unlink()
    watched.wait_for_ids("DORN", set())
    assert watched.updates.summaries[-1].removed == 1


def test_a_burst_of_files_gives_few_reindex_runs(watched: Watched) -> None:
    names = {f"lot/{n:02d}" for n in range(50)}
    for name in sorted(names):
        watched.write(f"{name}.txt", release(f"Communiqué {name}", "Le programme pulsar."))
    watched.wait_for_ids("pulsar", names)
    assert sum(s.added for s in watched.updates.summaries) == 50
    assert len(watched.updates.summaries) <= 3


def test_a_changed_gazetteer_rewrites_the_releases_it_changes(watched: Watched) -> None:
    watched.write("zeta.txt", release("Accord avec Zetaspace", "Zetaspace rejoint le CNES."))
    watched.wait_for_ids("zetaspace", {"zeta"})
    assert watched.ids("", agency=["Zetaspace"]) == set()
    watched.write("gazetteer.yaml", "agencies:\n  - name: Zetaspace\n")
    watched.wait_for_ids("", {"zeta"}, agency=["Zetaspace"])
    last = watched.updates.summaries[-1]
    assert (last.rebuilt, last.updated, last.unchanged) == (False, 1, 5)


@pytest.mark.parametrize(
    ("relative", "relevant"),
    [
        ("a.txt", True),
        ("2024/a.txt", True),
        ("gazetteer.yaml", True),
        (".a.txt.swp", False),
        (".git/index", False),
        ("2024/.cache/a.txt", False),
        ("index/current", False),
        ("index", False),
        ("../elsewhere.txt", False),
    ],
)
def test_hidden_paths_and_the_index_folder_are_not_relevant(
    tmp_path: Path, relative: str, relevant: bool
) -> None:
    corpus = tmp_path / "corpus"
    watcher = CorpusWatcher(corpus, IndexStore(corpus / "index"))
    assert watcher.is_relevant(str(corpus / relative)) is relevant


def test_indexing_does_not_wake_the_watcher(seed_corpus: Path, monkeypatch) -> None:
    """Reading the corpus and writing an index inside it must not start another run."""
    store = IndexStore(seed_corpus / "index")
    seen: list[tuple[str, bool]] = []
    sentinel = threading.Event()
    relevant = CorpusWatcher.is_relevant

    def spy(self: CorpusWatcher, path: str | bytes) -> bool:
        seen.append((str(path), relevant(self, path)))
        if str(path).endswith(".sentinel"):
            sentinel.set()
        return seen[-1][1]

    monkeypatch.setattr(CorpusWatcher, "is_relevant", spy)
    with CorpusWatcher(seed_corpus, store):
        update_index(seed_corpus, store)
        # inotify delivers in order: once the sentinel is seen, so is everything before it.
        (seed_corpus / ".sentinel").write_text("", encoding="utf-8")
        assert sentinel.wait(WAIT)
    assert [path for path, is_relevant in seen if is_relevant] == []


class Timers:
    """A `Schedule` driven by the test: it records each retry's delay; `fire` runs the last."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.pending: list[Callable[[], None]] = []
        self.cancelled = 0
        self._changed = threading.Condition()

    def __call__(self, delay: float, action: Callable[[], None]) -> Timers:
        with self._changed:
            self.delays.append(delay)
            self.pending = [action]
            self._changed.notify_all()
        return self

    def cancel(self) -> None:
        with self._changed:
            self.cancelled += 1
            self.pending = []

    def wait_for(self, count: int) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.delays) >= count, WAIT):
                pytest.fail(f"{count} retries not scheduled after {WAIT} s: {self.delays}")

    def fire(self) -> None:
        """Run the retry scheduled last, once one is."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.pending, WAIT):
                pytest.fail(f"no retry scheduled after {WAIT} s")
            [action] = self.pending
            self.pending = []
        action()


FULL_DISK = IndexWriteError("espace disque insuffisant sur idx : libérez de la place")


@pytest.fixture
def failing(
    seed_corpus: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Watched, list[Exception], WriteHealth, Timers]]:
    """A watched corpus whose next runs raise the exceptions the test puts in the list."""
    store = IndexStore(index_dir)
    update_index(seed_corpus, store)
    failures: list[Exception] = []

    def flaky(corpus: Path, store: IndexStore, **options) -> IndexSummary:
        if failures:
            raise failures.pop(0)
        return update_index(corpus, store, **options)

    monkeypatch.setattr(watch, "update_index", flaky)
    updates, health, timers = Updates(), WriteHealth(), Timers()
    with CorpusWatcher(
        seed_corpus, store, on_update=updates, debounce=0.05, health=health, schedule=timers
    ):
        watched = Watched(seed_corpus, SearchIndex(store, seed_corpus), updates)
        yield watched, failures, health, timers


@pytest.mark.parametrize(
    ("failure", "logged"),
    [
        (FULL_DISK, []),
        (RuntimeError("disk on fire"), [(logging.ERROR, "index not updated")]),  # a bug
    ],
    ids=["write error", "unexpected error"],
)
def test_a_failed_run_is_reported_then_retried_on_the_next_change(
    failing, caplog: pytest.LogCaptureFixture, failure: Exception, logged: list
) -> None:
    watched, failures, health, timers = failing
    failures.append(failure)
    watched.write("un.txt", release("Essai", "Le module nebula."))
    timers.wait_for(1)
    assert health.failure is not None
    assert health.failure.error == describe(failure)
    assert dt.datetime.fromisoformat(health.failure.at).tzinfo is not None
    watched.write("deux.txt", release("Essai", "Le module nebula."))  # before the timer
    watched.wait_for_ids("nebula", {"un", "deux"})
    assert health.failure is None
    assert timers.pending == []  # the retry is cancelled: nothing left to do
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == watch.__name__]
    assert records == [
        *logged,
        (logging.WARNING, f"index non mis à jour (nouvel essai dans 1 s) : {describe(failure)}"),
    ]


def test_a_failed_run_is_retried_by_itself_with_backoff_until_it_succeeds(failing) -> None:
    watched, failures, health, timers = failing
    failures.extend([FULL_DISK] * 8)
    watched.write("un.txt", release("Essai", "Le module nebula."))
    for count in range(1, 9):
        timers.wait_for(count)  # each failure schedules the next try...
        assert health.failure is not None
        timers.fire()  # ...which runs when its timer fires, with no change to the corpus
    watched.wait_for_ids("nebula", {"un"})
    assert timers.delays == [1, 2, 5, 10, 30, 60, 60, 60]  # at least once a minute
    assert health.failure is None


def test_a_busy_index_is_retried_without_another_change(
    watched: Watched, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    failures = [IndexBusy("another process is writing")]

    def busy_once(corpus: Path, store: IndexStore, **options) -> IndexSummary:
        if failures:
            raise failures.pop()
        return update_index(corpus, store, **options)

    monkeypatch.setattr(watch, "update_index", busy_once)
    watched.write("un.txt", release("Essai", "Le module nebula."))
    watched.wait_for_ids("nebula", {"un"})
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name == watch.__name__] == [
        (logging.WARNING, "index not updated, will retry: another process is writing")
    ]


def test_a_failing_callback_does_not_stop_the_watcher(
    seed_corpus: Path, index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    updates = Updates()
    raised = threading.Event()

    def callback(summary: IndexSummary) -> None:
        if not raised.is_set():
            raised.set()
            raise ValueError("callback bug")
        updates(summary)

    store = IndexStore(index_dir)
    watched = Watched(seed_corpus, SearchIndex(store, seed_corpus), updates)
    with CorpusWatcher(seed_corpus, store, on_update=callback):
        watched.write("un.txt", release("Essai", "Le module nebula."))
        assert raised.wait(WAIT)
        watched.write("deux.txt", release("Essai", "Le module nebula."))
        watched.wait_for_ids("nebula", {"un", "deux"})
    assert "on_update callback failed" in caplog.text


def test_a_vanished_corpus_leaves_the_index_alone(watched: Watched) -> None:
    logged = threading.Event()

    class Flag(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "is gone" in record.getMessage():
                logged.set()

    handler = Flag()
    logging.getLogger(watch.__name__).addHandler(handler)
    try:
        shutil.rmtree(watched.corpus)
        assert logged.wait(WAIT)
    finally:
        logging.getLogger(watch.__name__).removeHandler(handler)
    assert len(watched.ids()) == 5


def test_stop_is_prompt_and_idempotent(seed_corpus: Path, index_dir: Path) -> None:
    watcher = CorpusWatcher(seed_corpus, IndexStore(index_dir))
    watcher.stop()  # never started: nothing to do
    watcher.start()
    started = time.monotonic()
    watcher.stop()
    watcher.stop()
    assert time.monotonic() - started < 2.0


def test_a_missing_corpus_fails_at_start_and_leaves_no_thread(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    watcher = CorpusWatcher(tmp_path / "absent", IndexStore(tmp_path / "index"))
    with pytest.raises(FileNotFoundError):
        watcher.start()
    watcher.stop()
    assert set(threading.enumerate()) == before


@pytest.fixture
def calls(watched: Watched, monkeypatch) -> list[list[Path] | None]:
    """The `paths` of every update the watcher runs from now on."""
    seen: list[list[Path] | None] = []

    def spy(corpus: Path, store: IndexStore, **options) -> IndexSummary:
        seen.append(options.get("paths"))
        return update_index(corpus, store, **options)

    monkeypatch.setattr(watch, "update_index", spy)
    return seen


def test_the_watcher_tells_the_indexer_which_paths_changed(watched: Watched, calls) -> None:
    watched.write("2024/nouveau.txt", release("Lancement", "Le satellite zorglub décolle."))
    watched.wait_for_ids("zorglub", {"2024/nouveau"})
    assert calls and all(paths is not None for paths in calls)
    assert watched.corpus / "2024/nouveau.txt" in {p for paths in calls for p in paths}


def test_lost_events_make_the_next_update_rescan_the_corpus(watched: Watched, calls) -> None:
    # What watchdog logs when the kernel's inotify queue overflowed and events were lost.
    logging.getLogger(watch.OVERFLOW_LOGGER).warning("Inotify queue overflowed")
    (watched.corpus / "000_4e926120857ef53d.txt").unlink()  # as if its event had been lost
    watched.write("nouveau.txt", release("Lancement", "Le satellite zorglub décolle."))
    watched.wait_for_ids("zorglub", {"nouveau"})
    assert calls[0] is None
    assert "000_4e926120857ef53d" not in watched.ids()
