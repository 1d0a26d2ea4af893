"""Work done in a fresh process, so that its time and peak memory are its own.

Usage: ``python -m bench.child TASK`` with the task's arguments as JSON on stdin; the result is
one JSON object on the last line of stdout. Peak RSS is `ru_maxrss` of that process.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.mix import BenchQuery, run_mix


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident memory (VmHWM), in MB.

    Not `ru_maxrss`: on Linux a spawned child's `ru_maxrss` starts from its parent's peak
    (the memory it had before `exec`), so a small child of a big parent looks big.
    """
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(int(peak) / 1024, 1)


def cpu_seconds(who: int) -> float:
    """User + system CPU seconds of this process (RUSAGE_SELF) or of its ended children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def whoosh_build(args: dict) -> dict:
    from indexer.cli import run_index
    from indexer.index.build import worker_count

    start = time.perf_counter()
    summary = run_index(Path(args["corpus"]), Path(args["index"]), full=True)  # `orbite index`
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "docs": summary.added,
        "skipped": len(summary.skipped),
        "workers": worker_count(),  # ORBITE_WORKERS, else the cores (none below PARALLEL_FROM)
    }


def fts5_build(args: dict) -> dict:
    from bench import fts5

    start = time.perf_counter()
    docs = fts5.build(Path(args["corpus"]), Path(args["database"]))
    return {"seconds": time.perf_counter() - start, "docs": docs, "skipped": 0}


def _whoosh(args: dict) -> Callable[[BenchQuery], int]:
    from indexer.index.store import IndexStore
    from indexer.search.request import parse_request
    from indexer.search.searching import search
    from indexer.search.snapshot import SearchIndex

    index = SearchIndex(IndexStore(Path(args["index"])), Path(args["corpus"]))
    return lambda q: search(index, parse_request(**q.params()))["total"]


def _fts5(args: dict) -> Callable[[BenchQuery], int]:
    from bench import fts5

    db = fts5.connect(Path(args["database"]))
    return lambda q: fts5.search(db, q.q, q.agency, q.page)["total"]


def _cold(opener: Callable[[dict], Callable[[BenchQuery], int]], args: dict) -> dict:
    """Time the imports and opening, then the first search (which reads the snapshot)."""
    start = time.perf_counter()
    answer = opener(args)
    opened = time.perf_counter()
    answer(BenchQuery.from_dict(args["query"]))
    return {
        "answered_at": time.monotonic(),
        "open_s": opened - start,
        "first_search_s": time.perf_counter() - opened,
    }


def _queries(opener: Callable[[dict], Callable[[BenchQuery], int]], args: dict) -> dict:
    answer = opener(args)
    queries = [BenchQuery.from_dict(q) for q in args["queries"]]
    return run_mix(answer, queries, args["passes"], args["budget_s"])


TASKS: dict[str, Callable[[dict], dict]] = {
    "whoosh-build": whoosh_build,
    "fts5-build": fts5_build,
    "whoosh-cold": lambda args: _cold(_whoosh, args),
    "fts5-cold": lambda args: _cold(_fts5, args),
    "whoosh-queries": lambda args: _queries(_whoosh, args),
    "fts5-queries": lambda args: _queries(_fts5, args),
}


def main() -> None:
    """Run one task; print its result, this process's peak RSS and CPU time, and its workers'
    (a build over workers: the largest one's peak RSS, all of their CPU time)."""
    result = TASKS[sys.argv[1]](json.load(sys.stdin))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {
        "max_rss_mb": peak_rss_mb(),
        "workers_max_rss_mb": workers,
        "cpu_s": cpu_seconds(resource.RUSAGE_SELF),
        "workers_cpu_s": cpu_seconds(resource.RUSAGE_CHILDREN),
    }
    print(json.dumps({**result, **figures}))


if __name__ == "__main__":
    main()
