"""Load: `orbite serve` answers thousands of mixed requests from 16 clients without one error,
and its memory stays put.

The corpus is the seed releases plus the benchmark's generated ones (`bench.generate`); the
load is `bench.load.run_load`, which prints the same figures by hand with
`python -m bench.load --url ...`. The figures (latency percentiles, throughput, memory) are
printed, never asserted: only errors and memory growth are.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bench.generate import SEEDS, generate
from bench.load import run_load
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from tests.corpus_factory import serve

# The size: 5,000 generated releases (about a minute to index on 2 cores, a few
# minutes in all). A quicker run by hand: ORBITE_LOAD_RELEASES=1000 pytest tests/test_load.py
GENERATED = int(os.environ.get("ORBITE_LOAD_RELEASES", "5000"))
REQUESTS = int(os.environ.get("ORBITE_LOAD_REQUESTS", "5000"))
CLIENTS = 16
RSS_GROWTH = 0.5  # generous: a leak of a few KB per request would show far beyond it


@pytest.mark.slow
@pytest.mark.timeout(900)  # the full size takes longer than the suite's 300 s per test
def test_the_server_answers_mixed_load_without_error_or_leak(tmp_path: Path) -> None:
    corpus = generate(tmp_path / "corpus", GENERATED, seed=7)
    for seed_file in SEEDS.glob("*.txt"):
        shutil.copy(seed_file, corpus)
    index_dir = tmp_path / "index"
    summary = update_index(corpus, IndexStore(index_dir))
    assert (summary.added, summary.skipped) == (GENERATED + 5, [])
    with serve(corpus, index_dir, tmp_path / "server") as server:
        figures = run_load(server.url, clients=CLIENTS, requests=REQUESTS, pid=server.process.pid)
        assert server.process.poll() is None, "the server died under load"
    print(json.dumps({"releases": GENERATED + 5, **figures}, indent=2))
    assert figures["requests"] == REQUESTS
    assert (figures["errors"], figures["warmup_errors"]) == (0, 0), figures["error_samples"]
    assert all(figures["by_kind"][kind]["count"] for kind in figures["by_kind"])
    assert figures["rss_growth"] < RSS_GROWTH, figures["rss_mb"]
