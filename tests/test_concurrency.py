"""One writer at a time, stale locks, and searches that go on while the index is rewritten."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from indexer.cli import LOCK_WAIT_MESSAGE
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.search.request import SearchRequest, parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.corpus_factory import (
    assert_one_line_error,
    corpus_ids,
    indexed_ids,
    marker,
    poll,
    start_orbite,
    write_releases,
)
from web.cli import main

RACE_SIZE = 1500  # ~5 s to build: long enough for the second writer to arrive mid-build
WAIT = 120.0

# Takes the writer lock of the index folder argv[1], says so, and holds it until its stdin is
# closed or it is killed.
HOLDER = """
import sys
from pathlib import Path
from indexer.index.store import IndexStore

with IndexStore(Path(sys.argv[1])).write_lock(timeout=0):
    print("locked", flush=True)
    sys.stdin.read()
"""


class LockHolder:
    """Another process holding the writer lock until `release` or `kill`."""

    def __init__(self, index_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(index_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self.process.stdout.readline() == "locked\n"

    def release(self) -> None:
        self.process.stdin.close()
        self.process.wait()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def hold_lock(index_dir: Path) -> Iterator[Callable[[], LockHolder]]:
    """Start lock holders on the test's index; each is gone at teardown whatever happened."""
    holders: list[LockHolder] = []

    def start() -> LockHolder:
        holders.append(LockHolder(index_dir))
        return holders[-1]

    yield start
    for holder in holders:
        if holder.process.poll() is None:
            holder.kill()
        for stream in (holder.process.stdin, holder.process.stdout):
            stream.close()


def at_the_lock(process: subprocess.Popen, index_dir: Path) -> bool:
    """Whether `process` has the lock file open: it holds the lock or waits for it."""
    if process.poll() is not None:
        pytest.fail(f"the process ended (code {process.returncode}) before reaching the lock")
    files = psutil.Process(process.pid).open_files()
    return any(Path(f.path) == index_dir / "lock" for f in files)


def after_waiting(stderr: str) -> str:
    """What follows the line saying that `orbite index` waits for another writer."""
    first, _, rest = stderr.partition("\n")
    assert first == LOCK_WAIT_MESSAGE, stderr
    return rest


@pytest.mark.slow
def test_two_index_runs_at_once_build_one_complete_index(tmp_path: Path, index_dir: Path) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(RACE_SIZE))
    writers = [
        start_orbite("index", "--json", "--corpus", corpus, "--index", index_dir) for _ in range(2)
    ]
    # Both at the lock at once: one builds, the other waits for it.
    poll(lambda: all(at_the_lock(w, index_dir) for w in writers), WAIT, "both writers at the lock")
    outputs = [writer.communicate(timeout=WAIT) for writer in writers]
    codes = [writer.returncode for writer in writers]
    assert 0 in codes, outputs
    added = []
    for code, (stdout, stderr) in zip(codes, outputs, strict=True):
        if code == 0:
            assert "Traceback" not in stderr, stderr
            added.append(json.loads(stdout)["added"])
        else:
            assert code == 2
            assert_one_line_error(after_waiting(stderr), "another process is writing the index")
    # The second writer waited, then found the first one's index complete: nothing to add.
    assert sorted(added) == ([0, RACE_SIZE] if len(added) == 2 else [RACE_SIZE])
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)


@pytest.mark.parametrize("release", ["the holder finishes", "the holder is killed"])
def test_index_waits_for_the_process_holding_the_lock(
    tmp_path: Path, index_dir: Path, hold_lock: Callable[[], LockHolder], release: str
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(50))
    holder = hold_lock()
    writer = start_orbite("index", "--json", "--corpus", corpus, "--index", index_dir)
    try:
        poll(lambda: at_the_lock(writer, index_dir), WAIT, "orbite index at the lock")
        assert not IndexStore(index_dir).exists()  # it waits: it has written nothing
        if release == "the holder finishes":
            holder.release()
        else:
            holder.kill()
        stdout, stderr = writer.communicate(timeout=WAIT)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.communicate()
    assert writer.returncode == 0, stderr
    assert after_waiting(stderr) == ""
    assert json.loads(stdout)["added"] == 50
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)


def test_a_lock_left_by_a_killed_process_does_not_block_the_next_run(
    tmp_path: Path, index_dir: Path, hold_lock: Callable[[], LockHolder]
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(20))
    hold_lock().kill()
    assert (index_dir / "lock").exists()  # the lock file stays; the flock died with its owner
    writer = start_orbite("index", "--json", "--corpus", corpus, "--index", index_dir)
    stdout, stderr = writer.communicate(timeout=WAIT)
    # A stale lock would make it wait 30 s and exit 2: it must index at once, and say nothing.
    assert (writer.returncode, stderr) == (0, "")
    assert json.loads(stdout)["added"] == 20
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)


def test_a_busy_index_is_one_line_and_exit_code_2(
    tmp_path: Path,
    index_dir: Path,
    hold_lock: Callable[[], LockHolder],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(20))
    hold_lock()
    # The CLI waits 30 s for the lock; the same code path, told to give up sooner.
    monkeypatch.setattr(
        "indexer.cli.update_index", functools.partial(update_index, lock_timeout=0.2)
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["index", "--corpus", str(corpus), "--index", str(index_dir)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(
        after_waiting(captured.err), "another process is writing the index", "gave up"
    )
    assert not IndexStore(index_dir).exists()


def test_search_does_not_wait_for_a_writer(
    tmp_path: Path,
    index_dir: Path,
    hold_lock: Callable[[], LockHolder],
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(20))
    update_index(corpus, IndexStore(index_dir))
    hold_lock()
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "--json", marker(3), "--corpus", str(corpus), "--index", str(index_dir)])
    assert exit_info.value.code == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["results"]] == ["cp-00003"]


SEARCHERS = 8
BASE = 200
ROUNDS = 4  # each adds BATCH files, edits EDITS and reindexes; the second one rebuilds
BATCH = 100
EDITS = 3


class Searches:
    """What the searching threads saw: errors, and per request the totals in order."""

    def __init__(self, index: SearchIndex, requests: dict[str, SearchRequest]) -> None:
        self.index = index
        self.requests = requests
        self.errors: list[str] = []  # the first few
        self.failures = 0
        self.done = [0] * SEARCHERS
        self.totals: list[dict[str, list[int]]] = [
            {k: [] for k in requests} for _ in range(SEARCHERS)
        ]
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def run(self, number: int) -> None:
        while not self.stop.is_set():
            for kind, request in self.requests.items():
                try:
                    response = search(self.index, request)
                    if kind == "marker" and [r["id"] for r in response["results"]] != ["cp-00007"]:
                        raise AssertionError(f"marker of cp-00007 found {response['results']}")
                except Exception as exc:  # every error is a failure of the test
                    with self._lock:
                        self.failures += 1
                        if len(self.errors) < 5:
                            self.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
                    continue
                self.totals[number][kind].append(response["total"])
            self.done[number] += 1

    def rounds_done(self) -> list[int]:
        return list(self.done)


@pytest.mark.slow
def test_searches_during_reindexing_never_fail_nor_shrink(tmp_path: Path, index_dir: Path) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(BASE))
    store = IndexStore(index_dir)
    update_index(corpus, store)
    index = SearchIndex(store, corpus)  # one for all threads, as the server has
    requests = {  # one result per page: the totals are what is checked
        "listing": parse_request(per_page=1),
        "phrase": parse_request('"communiqué numéro"', per_page=1),
        "facet": parse_request(agency=["CNES"], per_page=1),
        "marker": parse_request(marker(7)),
    }
    before = {kind: search(index, request)["total"] for kind, request in requests.items()}
    assert before["listing"] == before["phrase"] == BASE
    searches = Searches(index, requests)
    threads = [threading.Thread(target=searches.run, args=(n,)) for n in range(SEARCHERS)]
    for thread in threads:
        thread.start()
    try:
        for number in range(ROUNDS):
            start = BASE + number * BATCH
            write_releases(corpus, range(start, start + BATCH))
            for edited in range(number * EDITS, (number + 1) * EDITS):  # same words, and more
                path = corpus / f"cp-{edited:05d}.txt"
                path.write_text(f"{path.read_text('utf-8')}\nMise à jour {number}.\n", "utf-8")
            update_index(corpus, store, full=number == 1)
            # Every thread searches the new index before the next round.
            seen = searches.rounds_done()
            poll(
                lambda seen=seen: all(
                    a > b + 1 for a, b in zip(searches.rounds_done(), seen, strict=True)
                ),
                WAIT,
                "every searching thread making progress",
            )
    finally:
        searches.stop.set()
        for thread in threads:
            thread.join(timeout=WAIT)
    assert searches.failures == 0, f"{searches.failures} searches failed: {searches.errors}"
    final = BASE + ROUNDS * BATCH
    for number, totals in enumerate(searches.totals):
        for kind, seen in totals.items():
            assert seen, f"thread {number} never searched {kind}"
            assert min(seen) >= before[kind], f"thread {number}, {kind}: below {before[kind]}"
            assert seen == sorted(seen), f"thread {number}, {kind}: a total went down: {seen}"
        assert totals["listing"][-1] == final


class CommitAfterSnapshot(SearchIndex):
    """The server's index, with a writer's commit landing just after a request took its snapshot.

    With 8 server threads and a watcher, that moment comes: the commit falls between
    `index.snapshot()` and the reads the request then makes (postings, stored fields).
    """

    def __init__(self, store: IndexStore, corpus: Path, commit) -> None:
        super().__init__(store, corpus)
        self.commit = commit

    def snapshot(self):
        snapshot = super().snapshot()
        if self.commit is not None:
            commit, self.commit = self.commit, None
            commit()
        return snapshot


def result_ids(index: SearchIndex, q: str) -> list[str]:
    return [r["id"] for r in search(index, parse_request(q))["results"]]


@pytest.mark.parametrize("full", [False, True], ids=["update", "full rebuild"])
@pytest.mark.parametrize("wanted", [7, 20], ids=["a release in both", "the new release"])
def test_a_commit_landing_during_a_request_gives_a_right_answer(
    tmp_path: Path, index_dir: Path, full: bool, wanted: int
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(20))
    store = IndexStore(index_dir)
    update_index(corpus, store)
    q = marker(wanted)
    before = result_ids(SearchIndex(store, corpus), q)

    def commit() -> None:  # the first release deleted, one added: documents are renumbered
        (corpus / "cp-00000.txt").unlink()
        write_releases(corpus, range(20, 21))
        update_index(corpus, store, full=full)

    index = CommitAfterSnapshot(store, corpus, commit)
    found: list[object] = []

    def request() -> None:  # a server thread that has not searched this snapshot yet
        try:
            found.append(result_ids(index, q))
        except Exception as exc:
            found.append(exc)

    thread = threading.Thread(target=request)
    thread.start()
    thread.join(timeout=WAIT)
    after = result_ids(SearchIndex(store, corpus), q)
    assert after == [f"cp-{wanted:05d}"]
    # The answer of the index before the commit or after it: never an error, never another
    # release's title or id in place of the one that matched.
    assert found in ([before], [after]), f"{found}; before the commit {before}, after {after}"
