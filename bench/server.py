"""Figures through HTTP: `/api/search` served by `orbite serve`, and the watcher's freshness.

The server runs as a child process on a free loopback port; every request has a timeout and
every loop a bound, so a hung server fails the run instead of blocking it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from bench.child import peak_rss_mb
from bench.mix import BenchQuery, latency, run_mix

STARTUP_TIMEOUT = 180.0
BUILD_TIMEOUT = 3600.0  # `orbite serve` building the whole index from nothing
REQUEST_TIMEOUT = 30.0
WATCH_TIMEOUT = 30.0
POLL_INTERVAL = 0.02
WATCH_FOLDER = "bench-watch"


def orbite_command() -> list[str]:
    """The `orbite` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("orbite")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from web.cli import main; main()"]


class Server:
    """A running `orbite serve` and the way to query it."""

    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process = process
        self.base = f"http://127.0.0.1:{port}"

    def search(self, params: dict[str, Any]) -> dict[str, Any]:
        """GET /api/search with these parameters; the decoded JSON response."""
        return self.get(f"/api/search?{urllib.parse.urlencode(params, doseq=True)}")

    def get(self, path: str) -> dict[str, Any]:
        """GET this path; the decoded JSON response (an HTTP error status raises HTTPError)."""
        with urllib.request.urlopen(self.base + path, timeout=REQUEST_TIMEOUT) as response:
            return json.load(response)

    def memory_mb(self) -> dict[str, float]:
        """Resident memory now, its peak, and its anonymous and file-backed (mmap) parts, MB.

        Whoosh maps index files; each searcher (one per server thread) maps them again, and
        RSS counts a page once per mapping, so RssFile tells how much of RSS that is.
        """
        status = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines()
        )
        rss = psutil.Process(self.process.pid).memory_info().rss
        return {
            "rss_mb": round(rss / 2**20, 1),
            "peak_rss_mb": peak_rss_mb(self.process.pid),
            "anon_mb": round(int(status["RssAnon"].split()[0]) / 1024, 1),
            "file_mb": round(int(status["RssFile"].split()[0]) / 1024, 1),
        }


@contextlib.contextmanager
def serve(corpus: Path, index_dir: Path, *, watch: bool) -> Iterator[Server]:
    """Start `orbite serve`, wait until it answers, and stop it (SIGTERM, then SIGKILL)."""
    with spawn(corpus, index_dir, watch=watch) as (server, log):
        _wait_ready(server, log)
        yield server


@contextlib.contextmanager
def spawn(corpus: Path, index_dir: Path, *, watch: bool) -> Iterator[tuple[Server, Any]]:
    """Start `orbite serve` (not waiting for it) and stop it; the server and its output file."""
    port = _free_port()
    command = [
        *orbite_command(),
        "serve",
        "--corpus",
        str(corpus),
        "--index",
        str(index_dir),
        "--port",
        str(port),
        *([] if watch else ["--no-watch"]),
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            yield Server(process, port), log
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(server: Server, log) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        _check_alive(server, log)
        try:
            server.search({"q": ""})
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"orbite serve did not answer within {STARTUP_TIMEOUT:g} s")


def _check_alive(server: Server, log) -> None:
    if server.process.poll() is not None:
        log.seek(0)
        raise RuntimeError(f"orbite serve exited:\n{log.read().decode()[-3000:]}")


def measure_first_answer(corpus: Path, index_dir: Path) -> dict[str, Any]:
    """`orbite serve` on a corpus with no index: seconds from spawning it to its first HTTP
    answer, to the first search with results (the build's first batches), and to health
    saying "ok" (the whole build); the health's counts when the first results came, and
    how the documents served grew (`growth`: [seconds, documents], about one a second)."""
    spawned = time.monotonic()
    figures: dict[str, Any] = {"growth": []}

    def now() -> float:
        return round(time.monotonic() - spawned, 3)

    with spawn(corpus, index_dir, watch=False) as (server, log):
        while "ok_s" not in figures:
            if time.monotonic() - spawned > BUILD_TIMEOUT:
                raise RuntimeError(f"orbite serve did not finish its build in {BUILD_TIMEOUT:g} s")
            _check_alive(server, log)
            try:
                health = server.get("/api/health")
            except urllib.error.HTTPError as exc:  # an answer, without an index to serve yet
                figures.setdefault("http_s", now())
                exc.close()
            except OSError:  # not listening yet
                pass
            else:
                figures.setdefault("http_s", now())
                if "results_s" not in figures and _has_results(server):
                    figures["results_s"] = now()
                    figures["results_health"] = health
                if not figures["growth"] or now() - figures["growth"][-1][0] >= 1.0:
                    figures["growth"].append([now(), health["documents"]])
                if health["status"] == "ok" and health["indexing"] is None:
                    figures.setdefault("results_s", now())
                    figures["ok_s"] = now()
                    figures["documents"] = health["documents"]
            # Often until the first results, then gently: polling costs the server CPU.
            time.sleep(POLL_INTERVAL * 5 if "results_s" not in figures else 0.5)
    return figures


def _has_results(server: Server) -> bool:
    try:
        return server.search({"q": ""})["total"] > 0
    except urllib.error.HTTPError as exc:  # the first batch is not committed yet
        exc.close()
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure_http(
    corpus: Path, index_dir: Path, mix: dict[str, list[BenchQuery]], passes: int, budget_s: float
) -> dict[str, Any]:
    """The query mix through `/api/search` (no watcher), and the server's memory after it."""
    queries = [q for kind in mix.values() for q in kind]
    with serve(corpus, index_dir, watch=False) as server:
        found = run_mix(lambda q: server.search(q.params())["total"], queries, passes, budget_s)
        memory = server.memory_mb()
    return {"latency": latency(found), **memory}


def measure_watcher(
    corpus: Path, index_dir: Path, releases: list[tuple[str, str]]
) -> dict[str, Any]:
    """Seconds from writing a new file to `/api/search` finding it, with the watcher running.

    The first release is not timed: written with the new folder, once the server answers, it
    waits out the server's start-up update (a scan of the corpus) and the folder's creation,
    so that the timed ones measure the watcher passing one path to the indexer.
    """
    folder = corpus / WATCH_FOLDER
    runs = []
    with serve(corpus, index_dir, watch=True) as server:
        try:
            folder.mkdir(exist_ok=True)
            for number, (word, text) in enumerate(releases):
                start = time.monotonic()
                (folder / f"watched-{number}.txt").write_text(text, "utf-8")
                timeout = STARTUP_TIMEOUT if number == 0 else WATCH_TIMEOUT
                while server.search({"q": word})["total"] == 0:
                    if time.monotonic() - start > timeout:
                        raise RuntimeError(f"new file not searchable after {timeout:g} s")
                    time.sleep(POLL_INTERVAL)
                if number:
                    runs.append(round(time.monotonic() - start, 3))
        finally:
            for path in folder.glob("*"):
                path.unlink()
            folder.rmdir()
    return {"seconds": statistics.median(runs), "runs_s": runs}
