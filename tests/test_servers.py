"""Servers under the real world's weather: a flood of files while clients search, and two
servers on one index (a blue/green restart, or one per team)."""

from __future__ import annotations

import http.client
import json
import shutil
import threading
from pathlib import Path

import psutil
import pytest

from tests.corpus_factory import (
    Server,
    corpus_ids,
    indexed_ids,
    marker,
    orbite,
    poll,
    serve,
    write_releases,
)

BASE = 100
FLOOD = 2000
CLIENTS = 8
FLOOD_WAIT = 300.0  # every release searchable on a loaded 2-core machine
WAIT = 60.0
# The server's resident memory may not pass this while the flood is indexed (it holds
# about 100 MB at rest on this corpus; a leak of a snapshot per commit would pass it).
MEMORY_LIMIT_MB = 400
MAX_RUNS = 10  # reindex runs for the whole flood: a run per file would be 2,000
TOKEN = "jeton"


def total(server: Server) -> int:
    return server.json("/api/search?per_page=1")["total"]


class Clients:
    """Threads searching a server until stopped: the totals each saw, in order, and errors."""

    def __init__(self, server: Server, count: int) -> None:
        self.server = server
        self.totals: list[list[int]] = [[] for _ in range(count)]
        self.errors: list[str] = []
        self.stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(count)]

    def _run(self, number: int) -> None:
        paths = ["/api/search?per_page=1", f"/api/search?q={marker(7)}", "/api/search?q=lune"]
        turn = 0
        while not self.stop.is_set():
            path = paths[turn % len(paths)]
            turn += 1
            try:
                status, body = self.server.get(path)
                if status != 200:
                    raise AssertionError(f"{path}: {status} {body[:200]!r}")
                if path.endswith("per_page=1"):
                    self.totals[number].append(json.loads(body)["total"])
            except Exception as exc:  # every failure counts against the server
                self.errors.append(f"{path}: {type(exc).__name__}: {exc}")

    def __enter__(self) -> Clients:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=WAIT)


def reindex_runs(server: Server) -> int:
    return server.log.read_text("utf-8").count("index mis à jour :")


@pytest.mark.slow
def test_a_flood_of_files_while_clients_search(tmp_path: Path, index_dir: Path) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(BASE))
    staging = tmp_path / "staging"  # written first, then copied in at once, as rsync would
    write_releases(staging, range(BASE, BASE + FLOOD))
    assert orbite("index", "--corpus", corpus, "--index", index_dir).returncode == 0
    with serve(corpus, index_dir, tmp_path / "server", watch=True) as server:
        process = psutil.Process(server.process.pid)
        before = total(server)
        runs_before = reindex_runs(server)
        peak = 0
        with Clients(server, CLIENTS) as clients:
            shutil.copytree(staging, corpus / "arrivage")

            def all_searchable() -> bool:
                nonlocal peak
                peak = max(peak, process.memory_info().rss)
                return total(server) == BASE + FLOOD

            poll(all_searchable, FLOOD_WAIT, "every release of the flood searchable")
        runs = reindex_runs(server) - runs_before
        print(f"flood: {runs} reindex runs, peak RSS {peak / 2**20:.0f} MB")
        assert clients.errors == []
        for seen in clients.totals:
            assert seen, "a client never got an answer"
            assert seen == sorted(seen), "a search saw fewer releases than an earlier one"
            assert seen[0] >= before
        assert peak < MEMORY_LIMIT_MB * 2**20
        assert 1 <= runs <= MAX_RUNS
        assert server.json("/api/health")["status"] == "ok"
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)


def started(servers: list[Server]) -> None:
    """Wait until each server has indexed the corpus at start (its health says "ok"): until
    the first commit of a new index, a search has nothing to answer from (503)."""
    for server in servers:
        poll(
            lambda server=server: server.json("/api/health")["status"] == "ok",
            WAIT,
            f"{server.url} indexed at start",
        )


def seen_within_a_second(servers: list[Server], expected: int) -> None:
    """Each server's next search shows `expected` releases (a second's grace)."""
    for server in servers:
        poll(lambda server=server: total(server) == expected, 1.0, f"{server.url} sees it")


def reindex(server: Server, results: dict[int, object]) -> None:
    """POST /api/reindex with the admin token; its status and JSON go into `results`."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        connection.request("POST", "/api/reindex", headers={"Authorization": f"Bearer {TOKEN}"})
        response = connection.getresponse()
        results[server.port] = (response.status, json.loads(response.read()))
    finally:
        connection.close()


@pytest.mark.slow
def test_two_servers_on_one_index_see_each_others_commits(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORBITE_ADMIN_TOKEN", TOKEN)
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(BASE))
    with (
        serve(corpus, index_dir, tmp_path / "blue") as blue,
        serve(corpus, index_dir, tmp_path / "green") as green,
    ):
        servers = [blue, green]
        started(servers)
        seen_within_a_second(servers, BASE)
        # A commit of one server is seen by the other.
        write_releases(corpus, range(BASE, BASE + 10))
        results: dict[int, object] = {}
        reindex(blue, results)
        assert results[blue.port][0] == 200
        seen_within_a_second(servers, BASE + 10)
        # A commit of `orbite index` from a shell is seen by both.
        write_releases(corpus, range(BASE + 10, BASE + 20))
        assert orbite("index", "--corpus", corpus, "--index", index_dir).returncode == 0
        seen_within_a_second(servers, BASE + 20)
        # Both reindex at once: one writer at a time, so the new files are added once (the
        # second waits for the first, up to ORBITE_REINDEX_WAIT, then finds nothing to do).
        write_releases(corpus, range(BASE + 20, BASE + 120))
        threads = [threading.Thread(target=reindex, args=(s, results)) for s in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WAIT)
        statuses = [results[s.port][0] for s in servers]
        assert statuses == [200, 200], results
        assert sorted(results[s.port][1]["added"] for s in servers) == [0, 100]
        seen_within_a_second(servers, BASE + 120)
        for server in servers:
            assert server.json("/api/health")["status"] == "ok"
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)


@pytest.mark.slow
def test_two_watching_servers_on_one_index_end_with_the_corpus(
    tmp_path: Path, index_dir: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(BASE))
    with (
        serve(corpus, index_dir, tmp_path / "blue", watch=True) as blue,
        serve(corpus, index_dir, tmp_path / "green", watch=True) as green,
    ):
        started([blue, green])
        write_releases(corpus, range(BASE, BASE + 300))
        (corpus / "cp-00003.txt").unlink()
        expected = len(corpus_ids(corpus))
        for server in (blue, green):
            poll(lambda server=server: total(server) == expected, WAIT, "the corpus, whole")
            assert server.json("/api/health")["status"] == "ok"
    for server in (blue, green):
        assert "Traceback" not in server.log.read_text("utf-8")
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)
