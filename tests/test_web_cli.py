"""Tests for web.cli: `orbite serve` as a user runs it (a real process, real sockets, the
corpus watched), and the index it prepares before serving."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from tests.corpus_factory import Server, poll, write_releases
from web.cli import one_malloc_arena, prepare_index

STARTUP = 60.0  # indexing the seeds and importing Flask, on a loaded CI machine
SEARCHABLE = 10.0


@pytest.fixture
def paths(seed_corpus: Path, index_dir: Path) -> list[str]:
    return ["--corpus", str(seed_corpus), "--index", str(index_dir)]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start `orbite serve ARGS`; every server is stopped at teardown, whatever happened."""
    servers: list[Server] = []

    def run(*args: str) -> Server:
        workdir = tmp_path / f"server-{len(servers)}"
        servers.append(Server(args, workdir))
        return servers[-1]

    yield run
    for server in servers:
        server.stop()


@pytest.mark.slow
def test_serve_searches_and_sees_new_files(
    start, paths, seed_corpus: Path, index_dir: Path
) -> None:
    server = start("--port", "0", *paths)
    # The server answers while it builds the index: wait for the build to end.
    poll(lambda: server.answer("/api/health")[1].get("status") == "ok", STARTUP, "index built")
    assert server.answer("/api/health")[1]["documents"] == 5
    status, response = server.answer("/api/search?q=lune")
    assert (status, response["total"]) == (200, 2)
    assert IndexStore(index_dir).tables_kept()  # for the next start: its first snapshot's

    (seed_corpus / "nouveau.txt").write_text(
        "3 avril 2024\n\nLancement de Zorglub\n\nLe satellite zorglub décolle.\n", "utf-8"
    )

    def found() -> bool:
        return [r["id"] for r in server.json("/api/search?q=zorglub")["results"]] == ["nouveau"]

    poll(found, SEARCHABLE, "the new release is found by /api/search")
    assert "index mis à jour : 1 ajoutés" in server.stderr()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_server_and_watcher_cleanly(start, paths, signum: int) -> None:
    server = start("--port", "0", *paths)
    assert server.stop(signum) == 0
    stderr = server.stderr()
    assert stderr.endswith("Orbite arrêté.\n")
    assert "Traceback" not in stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_the_server_threads_share_one_malloc_arena() -> None:
    assert one_malloc_arena()


def inotify_instances(pid: int) -> int:
    """How many inotify instances a process holds (Linux: one per watchdog observer)."""
    fds = Path(f"/proc/{pid}/fd")
    return sum(os.readlink(fd) == "anon_inode:inotify" for fd in fds.iterdir())


@pytest.mark.slow
@pytest.mark.parametrize(("option", "instances"), [((), 1), (("--no-watch",), 0)])
def test_the_corpus_is_watched_unless_asked_not_to(
    start, paths, option: tuple[str, ...], instances: int
) -> None:
    server = start("--port", "0", *option, *paths)
    assert inotify_instances(server.process.pid) == instances


@pytest.mark.slow
def test_a_loopback_host_gives_no_warning(start, paths) -> None:
    server = start("--host", "localhost", "--port", "0", *paths)
    assert server.line.startswith("Orbite sert http://127.0.0.1:")
    assert "attention" not in server.stderr()


@pytest.mark.slow
def test_a_network_host_is_announced_with_a_warning(start, paths) -> None:
    server = start("--host", "0.0.0.0", "--port", "0", "--no-watch", *paths)
    assert server.line.startswith(f"Orbite sert http://0.0.0.0:{server.port} (corpus: ")
    # 503 (retry) for the moment before the build has begun, then 200.
    poll(lambda: server.answer("/api/health")[0] == 200, STARTUP, "health answers 200")
    assert "attention : Orbite écoute sur 0.0.0.0, accessible depuis le réseau\n" in server.stderr()


@pytest.mark.slow
def test_a_busy_port_is_one_line_and_exit_code_2(paths, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "web.cli", "serve", "--port", str(port), *paths],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=STARTUP,
        )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"orbite: error: port {port} is already in use on 127.0.0.1: try --port\n"
    )


@pytest.mark.slow
def test_a_missing_corpus_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "web.cli", "serve", "--corpus", "absent", "--index", "index"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=STARTUP,
    )
    assert (result.returncode, result.stderr) == (
        2,
        "orbite: error: corpus folder not found: absent\n",
    )


def _unreadable_meta(current: Path) -> None:
    (current / "orbite.json").write_text("{", "utf-8")


def _other_schema(current: Path) -> None:
    meta = json.loads((current / "orbite.json").read_text("utf-8"))
    (current / "orbite.json").write_text(json.dumps({**meta, "schema_version": -1}), "utf-8")


def _lost_whoosh_files(current: Path) -> None:
    for toc in current.glob("*.toc"):
        toc.unlink()


@pytest.mark.parametrize("damage", [_unreadable_meta, _other_schema, _lost_whoosh_files])
def test_an_unusable_index_is_rebuilt_at_start(
    seed_corpus: Path, index_dir: Path, capsys, damage: Callable[[Path], None]
) -> None:
    update_index(seed_corpus, IndexStore(index_dir))
    damage(index_dir / "current")
    summary = prepare_index(seed_corpus, index_dir)
    assert (summary.rebuilt, summary.added) == (True, 5)
    assert (
        capsys.readouterr().err
        == f"index inutilisable dans {index_dir} : reconstruction complète\n"
    )


def test_a_current_index_is_updated_not_rebuilt(seed_corpus: Path, index_dir: Path) -> None:
    update_index(seed_corpus, IndexStore(index_dir))
    shutil.copy(seed_corpus / "000_4e926120857ef53d.txt", seed_corpus / "copie.txt")
    summary = prepare_index(seed_corpus, index_dir)
    assert (summary.rebuilt, summary.added, summary.unchanged) == (False, 1, 5)


BUILDING = 600  # files: a build in worker processes, several batches
BUILD_WAIT = 600.0


@pytest.mark.slow
def test_serve_answers_while_it_builds_and_serves_the_batches_committed(
    start, tmp_path: Path, index_dir: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(BUILDING))
    server = start("--port", "0", "--no-watch", "--corpus", str(corpus), "--index", str(index_dir))
    seen: list[dict] = []

    def built() -> bool:
        status, health = server.answer("/api/health")  # 503 until the build has begun
        if status == 200:
            seen.append(health)
        return status == 200 and health["status"] == "ok"

    poll(built, BUILD_WAIT, "the build completes")
    during = [h for h in seen if h["status"] == "indexing"]
    assert during, "no answer while the build ran"
    assert {h["indexing"]["total"] for h in during} == {BUILDING}
    assert [h["documents"] for h in during] == sorted(h["documents"] for h in during)
    assert any(0 < h["documents"] < BUILDING for h in during), "no partial results served"
    assert (seen[-1]["indexing"], seen[-1]["documents"]) == (None, BUILDING)
