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
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from bench.child import peak_rss_mb
from bench.mix import BenchQuery, latency, run_mix

STARTUP_TIMEOUT = 180.0
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
        url = f"{self.base}/api/search?{urllib.parse.urlencode(params, doseq=True)}"
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as response:
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
            server = Server(process, port)
            _wait_ready(server, log)
            yield server
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
        if server.process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"orbite serve exited:\n{log.read().decode()[-3000:]}")
        try:
            server.search({"q": ""})
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"orbite serve did not answer within {STARTUP_TIMEOUT:g} s")


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
    """Seconds from writing a new file to `/api/search` finding it, with the watcher running."""
    folder = corpus / WATCH_FOLDER
    runs = []
    with serve(corpus, index_dir, watch=True) as server:
        try:
            folder.mkdir(exist_ok=True)
            for number, (word, text) in enumerate(releases):
                start = time.monotonic()
                (folder / f"watched-{number}.txt").write_text(text, "utf-8")
                while server.search({"q": word})["total"] == 0:
                    if time.monotonic() - start > WATCH_TIMEOUT:
                        raise RuntimeError(f"new file not searchable after {WATCH_TIMEOUT:g} s")
                    time.sleep(POLL_INTERVAL)
                runs.append(round(time.monotonic() - start, 3))
        finally:
            for path in folder.glob("*"):
                path.unlink()
            folder.rmdir()
    return {"seconds": statistics.median(runs), "runs_s": runs}
