"""Generated corpora and process helpers shared by the reliability tests.

Short releases are made of the seed releases' own sentences (through the benchmark's
deterministic material, `bench.generate`), so that a corpus of a few thousand files builds in
a few seconds and every file carries one word found nowhere else: its `marker`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bench.generate import Material, load_material
from indexer.index.store import IndexStore
from indexer.reading.corpus import scan_corpus
from indexer.search.snapshot import SearchIndex

ORBITE = Path(sys.executable).parent / "orbite"
SEED = 11
POLL_INTERVAL = 0.01
# Commands that end by themselves are given this long before the test gives up on them.
COMMAND_TIMEOUT = 180.0
SERVER_STARTUP = 300.0  # includes indexing a corpus of thousands on a loaded machine
# No "x": every marker ends with it, so no marker begins another (prefix search).
_LETTERS = "bcdfghjklmnpqrstvwz"

T = TypeVar("T")


@lru_cache(maxsize=1)
def _material() -> Material:
    return load_material(SEED)


def marker(number: int) -> str:
    """A word that only release `number` contains, unchanged by the French analysis, and the
    beginning of no other marker, so that prefix search on it finds that release alone."""
    letters = []
    while True:
        number, rest = divmod(number, len(_LETTERS))
        letters.append(_LETTERS[rest])
        if not number:
            break
    return "zq" + "".join(reversed(letters)) + "x"


def short_release(number: int) -> str:
    """Release `number`: a date, a headline and two seed sentences (about 450 bytes)."""
    material = _material()
    rng = random.Random(f"short:{SEED}:{number}")
    cast = material.cast(rng)
    sentences = [material.fill(rng.choice(material.sentences), rng, cast) for _ in range(2)]
    date = f"{rng.randint(1, 28)} mars {rng.randint(1990, 2025)}"
    return f"{date}\n\nCommuniqué numéro {number}\n\n{' '.join(sentences)} {marker(number)}.\n"


def write_releases(corpus: Path, numbers: Iterable[int], folder: str = "") -> list[str]:
    """Write the short releases `numbers` into `corpus/folder`; return their ids."""
    directory = corpus / folder
    directory.mkdir(parents=True, exist_ok=True)
    ids = []
    for number in numbers:
        name = f"cp-{number:05d}"
        (directory / f"{name}.txt").write_text(short_release(number), "utf-8")
        ids.append(f"{folder}/{name}" if folder else name)
    return ids


def corpus_ids(corpus: Path) -> set[str]:
    """The ids of the releases the corpus holds (every file that can be indexed)."""
    return set(scan_corpus(corpus)[0])


def indexed_ids(index_dir: Path, corpus: Path) -> set[str]:
    """The ids a fresh searcher sees in the live index (raises the store's errors)."""
    return set(SearchIndex(IndexStore(index_dir), corpus).snapshot().docnums)


def orbite(*args: str | Path, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
    """Run the `orbite` console script to its end, as a user does."""
    return subprocess.run(
        [str(ORBITE), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def start_orbite(*args: str | Path) -> subprocess.Popen:
    """Start the `orbite` console script; the caller waits for it or kills it."""
    return subprocess.Popen(
        [str(ORBITE), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    """What a user error looks like: one line, no traceback, naming the problem."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("orbite: error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0], stderr


def poll(check: Callable[[], T], timeout: float, what: str) -> T:
    """Re-run `check` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not true after {timeout:g} s")
        time.sleep(POLL_INTERVAL)


class Server:
    """A running `orbite serve` process on the port it announces (its stderr in `log`),
    stopped the way a user stops it."""

    def __init__(self, args: Iterable[str], workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / "server.log"
        with open(self.log, "w", encoding="utf-8") as stderr:
            self.process = subprocess.Popen(
                [str(ORBITE), "serve", *args],
                cwd=workdir,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                encoding="utf-8",
                env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            )
        self.line = _first_line(self.process, SERVER_STARTUP)
        match = URL_LINE.fullmatch(self.line)
        if not match:
            self.stop()
            pytest.fail(f"unexpected first line {self.line!r}; stderr: {self.stderr()}")
        self.port = int(match["port"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.log.read_text("utf-8")

    def get(self, path: str) -> tuple[int, bytes]:
        """The status and body of GET `path` (http.client: never through a proxy)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def status(self, path: str) -> int:
        """The status of GET `path`."""
        return self.get(path)[0]

    def answer(self, path: str) -> tuple[int, Any]:
        """The status and JSON body of GET `path`, whatever the status."""
        status, body = self.get(path)
        return status, json.loads(body)

    def json(self, path: str) -> Any:
        """The JSON of GET `path`, which must answer 200."""
        status, body = self.get(path)
        assert status == 200, body
        return json.loads(body)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Signal the server and wait for it to exit; kill it if it does not. Its exit code.

        (Popen sends no signal to a process it has already seen exit.)
        """
        self.process.send_signal(signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        return self.process.returncode


URL_LINE = re.compile(r"Orbite sert http://[^ ]+:(?P<port>\d+) \(corpus: .+, index: .+\)\n")


def _first_line(process: subprocess.Popen, timeout: float) -> str:
    """The process's first stdout line, or '' if it exits or stays silent for `timeout` s."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline()


@contextlib.contextmanager
def serve(corpus: Path, index_dir: Path, workdir: Path, watch: bool = False) -> Iterator[Server]:
    """Start `orbite serve` on a free port (`--no-watch` unless told), wait until it answers,
    stop it at the end."""
    options = ["--port", "0", *([] if watch else ["--no-watch"])]
    server = Server([*options, "--corpus", str(corpus), "--index", str(index_dir)], workdir)
    try:

        def ready() -> bool:
            if server.process.poll() is not None:
                pytest.fail(f"orbite serve exited: {server.stderr()[-2000:]}")
            try:
                return server.status("/api/health") == 200
            except OSError:
                return False

        poll(ready, SERVER_STARTUP, "orbite serve answering /api/health")
        yield server
    finally:
        server.stop()
