"""Crash safety: `kill -9` of a writer at any moment leaves an index that opens and answers, and
the next `orbite index` completes it with every release present.

Two kinds of kill. Polled kills hit a real `orbite index` (or `orbite serve` reindexing) when
its index folder shows a phase of the build: the lock taken, documents being spooled (Whoosh
writes stored fields to `*.tmp/*.ctmp` as it adds them), the segment being written (`*.col`
files appear while the commit writes postings). Injected kills make a writer kill itself at the
commit boundaries that last only milliseconds: just after Whoosh's commit, before `orbite.json`
is written, and before `current` is swapped.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from indexer.index.build import SCRATCH
from indexer.index.indexing import update_index
from indexer.index.schema import SCHEMA_VERSION
from indexer.index.store import IndexMissing, IndexStore
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.corpus_factory import (
    assert_one_line_error,
    corpus_ids,
    indexed_ids,
    marker,
    orbite,
    poll,
    start_orbite,
    write_releases,
)
from tests.corpus_factory import serve as serve_orbite
from tests.fixtures_web import config
from web import create_app
from web.cli import main

FIRST_BUILD = 2000  # ~6 s on 2 cores: ~3.5 s adding documents, ~2 s writing the segment
UPDATE_BASE = 400
UPDATE_NEW = 800
KILL_WAIT = 60.0  # the longest we wait for a phase to show in the index folder
ORPHAN_WAIT = 10.0  # how long a killed writer's worker processes get to end by themselves


Phase = Callable[[list[Path]], bool]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def started(new: list[Path]) -> bool:
    """The writer has begun: the lock, a generation folder or a file is there."""
    return bool(new)


def spooling_documents(min_bytes: int) -> Phase:
    """Whoosh is adding documents: its stored-field spool (`*.tmp/*.ctmp`) is growing."""

    def check(new: list[Path]) -> bool:
        return any(p.parent.suffix == ".tmp" and _size(p) >= min_bytes for p in new)

    return check


def writing_segment(new: list[Path]) -> bool:
    """The commit is writing the segment: its column files (`*.col`) are appearing."""
    return any(p.suffix == ".col" for p in new)


def kill_when(
    start: Callable[[], subprocess.Popen], index_dir: Path, phase: Phase, name: str
) -> float:
    """Start a writer, and SIGKILL it once the files it adds to the index folder show `phase`.

    Files that were there before (left by an earlier killed writer) do not count. The worker
    processes it had started must end with it: a survivor would hold the writer lock forever.
    Returns the seconds the writer had run.
    """
    before = set(index_dir.rglob("*"))
    begun = time.monotonic()
    process = start()
    workers: list[psutil.Process] = []
    try:

        def reached() -> bool:
            if process.poll() is not None:
                pytest.fail(f"the writer ended (code {process.returncode}) before {name!r}")
            return phase([p for p in index_dir.rglob("*") if p not in before])

        poll(reached, KILL_WAIT, f"index folder showing {name!r}")
        with contextlib.suppress(psutil.NoSuchProcess):
            workers = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signal.SIGKILL)
        elapsed = time.monotonic() - begun
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    _, survivors = psutil.wait_procs(workers, timeout=ORPHAN_WAIT)
    for survivor in survivors:  # leave no process behind, whatever the verdict
        survivor.kill()
    psutil.wait_procs(survivors, timeout=ORPHAN_WAIT)
    assert not survivors, (
        f"killed at {name!r}, the writer left {len(survivors)} worker process(es) running: "
        "they keep the writer lock, and every later `orbite index` waits for it in vain"
    )
    print(f"killed at {name!r} after {elapsed:.2f} s")
    return elapsed


def assert_answers(index_dir: Path, corpus: Path, must_hold: set[str]) -> set[str]:
    """The index opens and searches (or reports that none was published); return its ids.

    It holds at least `must_hold` (what was committed before the kill) and nothing else than
    releases of the corpus.
    """
    store = IndexStore(index_dir)
    if not must_hold and not store.exists():
        with pytest.raises(IndexMissing):
            store.open()
        return set()
    index = SearchIndex(store, corpus)
    listing = search(index, parse_request(per_page="100"))
    ids = indexed_ids(index_dir, corpus)
    assert listing["total"] == len(ids)
    assert must_hold <= ids <= corpus_ids(corpus)
    return ids


def assert_completed_by_next_run(index_dir: Path, corpus: Path, last: int) -> dict:
    """`orbite index --json` succeeds, every release is searchable, the last one by its word."""
    result = orbite("index", "--json", "--corpus", corpus, "--index", index_dir)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["skipped"] == []
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)
    found = search(SearchIndex(IndexStore(index_dir), corpus), parse_request(marker(last)))
    assert [r["id"] for r in found["results"]] == [f"cp-{last:05d}"]
    return summary


def kill_index_at_each(
    phases: list[tuple[str, Phase]],
    index_dir: Path,
    corpus: Path,
    answering: set[str],
) -> None:
    """Kill `orbite index` at each phase in turn; after each kill the index answers and holds
    at least the releases `answering` (what was committed before)."""
    for name, phase in phases:
        kill_when(
            lambda: start_orbite("index", "--corpus", corpus, "--index", index_dir),
            index_dir,
            phase,
            name,
        )
        assert_answers(index_dir, corpus, answering)


@pytest.mark.slow
def test_a_first_build_killed_at_any_phase_is_completed_by_the_next_run(
    tmp_path: Path, index_dir: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(FIRST_BUILD))
    phases = [
        ("writer started", started),
        ("documents being added", spooling_documents(64 * 1024)),
        ("segment being written", writing_segment),
    ]
    # With no index to serve, a build is live from its first commit: what it committed
    # before the kill is searchable, and nothing else.
    kill_index_at_each(phases, index_dir, corpus, answering=set())
    summary = assert_completed_by_next_run(index_dir, corpus, FIRST_BUILD - 1)
    assert summary["added"] + summary["unchanged"] == FIRST_BUILD
    # The generations the killed builds had started are gone with the next full build.
    assert {p.name for p in index_dir.glob("gen-*")} == {IndexStore(index_dir).generation()}


def workers_running(new: list[Path]) -> bool:
    """A parallel build's workers are writing their segments (in the generation's scratch)."""
    return any(p.parent.parent.name == SCRATCH and p.suffix == ".seg" for p in new)


@pytest.mark.slow
def test_a_full_rebuild_killed_while_its_workers_run_leaves_no_worker_nor_lock(
    tmp_path: Path, index_dir: Path
) -> None:
    corpus = tmp_path / "corpus"
    base = set(write_releases(corpus, range(FIRST_BUILD)))
    update_index(corpus, IndexStore(index_dir))
    live = IndexStore(index_dir).generation()
    kill_when(  # asserts that no worker outlives the build
        lambda: start_orbite("index", "--full", "--corpus", corpus, "--index", index_dir),
        index_dir,
        workers_running,
        "workers writing segments",
    )
    assert IndexStore(index_dir).generation() == live  # the old generation is still served
    assert assert_answers(index_dir, corpus, base) == base
    with IndexStore(index_dir).write_lock(timeout=0):  # nobody holds the lock
        pass
    result = orbite("index", "--full", "--json", "--corpus", corpus, "--index", index_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == FIRST_BUILD


@pytest.mark.slow
def test_an_update_killed_at_any_phase_loses_nothing_and_is_completed(
    tmp_path: Path, index_dir: Path
) -> None:
    corpus = tmp_path / "corpus"
    base = set(write_releases(corpus, range(UPDATE_BASE)))
    update_index(corpus, IndexStore(index_dir))
    write_releases(corpus, range(UPDATE_BASE, UPDATE_BASE + UPDATE_NEW))
    phases = [
        ("documents being added", spooling_documents(16 * 1024)),
        ("segment being written", writing_segment),
    ]
    kill_index_at_each(phases, index_dir, corpus, answering=base)
    summary = assert_completed_by_next_run(index_dir, corpus, UPDATE_BASE + UPDATE_NEW - 1)
    assert summary["added"] + summary["unchanged"] == UPDATE_BASE + UPDATE_NEW


# Makes a writer kill itself when it reaches IndexStore.<argv[1]>, then runs `orbite argv[2:]`.
SELF_KILL = """
import os, signal, sys
from indexer.index.store import IndexStore
from web.cli import main

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

setattr(IndexStore, sys.argv[1], die)
main(sys.argv[2:])
"""


def run_killed_at(point: str, *args: str | Path) -> None:
    """Run `orbite ARGS` in a process that SIGKILLs itself on reaching IndexStore.<point>."""
    killed = subprocess.run(
        [sys.executable, "-c", SELF_KILL, point, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr


@pytest.mark.parametrize(
    ("scenario", "point"),
    [
        ("first build", "write_meta"),  # Whoosh has committed; orbite.json not yet written
        ("first build", "publish"),  # the generation is complete; `current` not yet swapped
        ("full rebuild", "write_meta"),
        ("full rebuild", "publish"),
        ("update", "write_meta"),  # the new documents are written, not yet committed
    ],
)
def test_a_writer_killed_at_a_commit_boundary_leaves_a_usable_index(
    tmp_path: Path, index_dir: Path, scenario: str, point: str
) -> None:
    corpus = tmp_path / "corpus"
    before = set(write_releases(corpus, range(30)))
    if scenario == "first build":
        before = set()
    else:
        update_index(corpus, IndexStore(index_dir))
    write_releases(corpus, range(30, 60))
    full = ["--full"] if scenario == "full rebuild" else []
    run_killed_at(point, "index", *full, "--corpus", corpus, "--index", index_dir)
    assert_answers(index_dir, corpus, before)
    assert_completed_by_next_run(index_dir, corpus, 59)


def test_a_gazetteer_edit_killed_before_its_commit_is_done_by_the_next_run(
    tmp_path: Path, index_dir: Path
) -> None:
    corpus = tmp_path / "corpus"
    ids = set(write_releases(corpus, range(30)))
    update_index(corpus, IndexStore(index_dir))
    gazetteer = f"missions:\n  - name: Mission Sept\n    aliases: [{marker(7)}]\n"
    (corpus / "gazetteer.yaml").write_text(gazetteer, "utf-8")
    run_killed_at("write_meta", "index", "--corpus", corpus, "--index", index_dir)
    assert_answers(index_dir, corpus, ids)
    summary = assert_completed_by_next_run(index_dir, corpus, 29)
    assert (summary["updated"], summary["unchanged"]) == (1, 29)
    index = SearchIndex(IndexStore(index_dir), corpus)
    response = search(index, parse_request("", mission=["Mission Sept"]))
    assert [r["id"] for r in response["results"]] == ["cp-00007"]


def test_an_interrupted_full_rebuild_leaves_no_generation_behind(
    tmp_path: Path, index_dir: Path
) -> None:
    """A killed `--full` leaves a half-built generation: the next run must not keep it forever."""
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(30))
    update_index(corpus, IndexStore(index_dir))
    run_killed_at("write_meta", "index", "--full", "--corpus", corpus, "--index", index_dir)
    write_releases(corpus, range(30, 31))
    assert_completed_by_next_run(index_dir, corpus, 30)
    live = IndexStore(index_dir).generation()
    left = sorted(p.name for p in index_dir.glob("gen-*") if p.name != live)
    assert left == [], f"generations left beside the live one {live}"


@pytest.mark.slow
def test_a_server_killed_while_it_reindexes_leaves_a_usable_index(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    base = set(write_releases(corpus, range(UPDATE_BASE)))
    update_index(corpus, IndexStore(index_dir))
    monkeypatch.setenv("ORBITE_ADMIN_TOKEN", "jeton")
    with serve_orbite(corpus, index_dir, tmp_path / "server") as server:
        write_releases(corpus, range(UPDATE_BASE, UPDATE_BASE + UPDATE_NEW))
        outcome: list[object] = []

        def reindex() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            try:
                connection.request(
                    "POST", "/api/reindex", headers={"Authorization": "Bearer jeton"}
                )
                outcome.append(connection.getresponse().status)
            except OSError as exc:  # the server died under the request: expected
                outcome.append(exc)
            finally:
                connection.close()

        request = threading.Thread(target=reindex)

        def start_reindexing() -> subprocess.Popen:
            request.start()
            return server.process

        kill_when(start_reindexing, index_dir, spooling_documents(16 * 1024), "server reindexing")
        request.join(timeout=30)
        assert outcome and isinstance(outcome[0], OSError), outcome
    assert_answers(index_dir, corpus, base)
    assert_completed_by_next_run(index_dir, corpus, UPDATE_BASE + UPDATE_NEW - 1)


def _older_schema(live: Path) -> None:
    meta = json.loads((live / "orbite.json").read_text("utf-8"))
    meta["schema_version"] = SCHEMA_VERSION - 1
    (live / "orbite.json").write_text(json.dumps(meta), "utf-8")


def _truncate(pattern: str, keep: float) -> Callable[[Path], None]:
    def damage(live: Path) -> None:
        for path in live.glob(pattern):
            data = path.read_bytes()
            path.write_bytes(data[: int(len(data) * keep)])

    return damage


DAMAGES = {
    "older schema": (_older_schema, "schema version"),
    "truncated segment": (_truncate("*.seg", 0.5), "damaged"),
    "emptied segment": (_truncate("*.seg", 0), "damaged"),
    "truncated table of contents": (_truncate("_MAIN_*.toc", 0.5), "damaged"),
}


# Whoosh leaves a damaged segment's file open when it fails to read it: the warning comes
# when the file object is collected, and says nothing a user sees.
WHOOSH_LEAK = pytest.mark.filterwarnings(
    "ignore:unclosed file:ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
)


@pytest.fixture
def damaged(request: pytest.FixtureRequest, tmp_path: Path, index_dir: Path) -> Iterator[Path]:
    """A corpus of 30 releases whose index has been damaged as the test's parameter says."""
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(30))
    update_index(corpus, IndexStore(index_dir))
    DAMAGES[request.param][0](IndexStore(index_dir).current.resolve())
    yield corpus
    gc.collect()  # within this test, under its warning filters


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """`orbite ARGS` in-process: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


@WHOOSH_LEAK
@pytest.mark.parametrize("damaged", list(DAMAGES), indirect=True)
def test_a_damaged_index_is_one_clear_line_then_rebuilt_by_index_full(
    damaged: Path, index_dir: Path, capsys: pytest.CaptureFixture[str], request
) -> None:
    problem = DAMAGES[request.node.callspec.params["damaged"]][1]
    paths = ("--corpus", damaged, "--index", index_dir)
    code, out, err = run_cli(capsys, "search", "--json", "communiqué", *paths)
    assert (code, out) == (2, ""), err
    assert_one_line_error(err, problem, "orbite index --full")
    code, out, err = run_cli(capsys, "index", "--full", "--json", *paths)
    assert code == 0, err
    assert json.loads(out)["added"] == 30
    assert indexed_ids(index_dir, damaged) == corpus_ids(damaged)


@WHOOSH_LEAK
@pytest.mark.parametrize("damaged", list(DAMAGES), indirect=True)
def test_a_plain_index_run_on_a_damaged_index_repairs_it_or_says_so(
    damaged: Path, index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "index", "--json", "--corpus", damaged, "--index", index_dir)
    if code == 0:
        assert indexed_ids(index_dir, damaged) == corpus_ids(damaged)
    else:
        assert (code, out) == (2, ""), err
        assert_one_line_error(err, "orbite index --full")


@WHOOSH_LEAK
@pytest.mark.parametrize("damaged", list(DAMAGES), indirect=True)
def test_the_server_rebuilds_a_damaged_index_when_it_starts(damaged: Path, index_dir: Path) -> None:
    app = create_app(config(damaged, index_dir))
    client = app.test_client()
    assert client.get("/api/health").get_json()["documents"] == 30
    found = client.get(f"/api/search?q={marker(29)}").get_json()
    assert [r["id"] for r in found["results"]] == ["cp-00029"]
