"""`python -m bench.profile`: cProfile one query class on a corpus the benchmark generated.

The queries are the benchmark's own (same seed), each profiled the first time it is seen,
after the class's warm-up queries, so that a result cache does not hide the work. Run
`python -m bench --sizes N` first: it leaves the corpus and its index under `bench/data/`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
from pathlib import Path

from bench.generate import ROOT, load_material
from bench.queries import CLASSES, make_queries
from indexer.index.store import IndexStore
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex


def profile(work: Path, kind: str, seed: int, count: int) -> pstats.Stats:
    """Profile the first-seen searches of one class; the stats of that pass."""
    index = SearchIndex(IndexStore(work / "index"), work / "corpus")
    with index.store.open().reader() as reader:
        queries = make_queries(reader, load_material(seed), count, seed)[kind]
    for query in queries:
        if query.warm_up:
            search(index, parse_request(**query.params()))
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        if not query.warm_up:
            search(index, parse_request(**query.params()))
    profiler.disable()
    return pstats.Stats(profiler, stream=io.StringIO())


def main(argv: list[str] | None = None) -> None:
    """Print the top functions by cumulative and by own time."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--kind", choices=CLASSES, default="three_words")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries-per-class", type=int, default=50)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args(argv)
    work = args.data / f"{args.size}-seed{args.seed}"
    stats = profile(work, args.kind, args.seed, args.queries_per_class)
    for order in ("cumulative", "tottime"):
        stats.stream = io.StringIO()
        stats.sort_stats(order).print_stats(args.top)
        print(f"--- {args.kind}, {args.size:,} releases, by {order}")
        print(stats.stream.getvalue().split("ncalls", 1)[-1])


if __name__ == "__main__":
    main()
