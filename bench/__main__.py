"""`python -m bench` (`make bench`): measure Orbite and the FTS5 baseline at each corpus size."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench.generate import ROOT
from bench.measure import Options, measure
from bench.report import run_info, source_digest, write_results, write_summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; the defaults are the committed run's."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="5000,20000",
        type=lambda text: [int(s) for s in text.split(",") if s.strip()],
        help="comma-separated corpus sizes (100000 is opt-in: about 30 minutes of building)",
    )
    parser.add_argument("--seed", type=int, default=1, help="generator and query-mix seed")
    parser.add_argument("--queries-per-class", type=int, default=50)
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the query mix")
    parser.add_argument(
        "--budget", type=float, default=20.0, help="timed seconds per class after the first pass"
    )
    parser.add_argument(
        "--http-queries", type=int, default=10, help="queries per class sent over HTTP"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of each one-off figure")
    parser.add_argument("--batch", type=int, default=100, help="files in the batch update step")
    parser.add_argument("--skip-http", action="store_true", help="no `orbite serve` figures")
    parser.add_argument("--skip-fts5", action="store_true", help="no SQLite FTS5 baseline")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--data", type=Path, default=ROOT / "bench" / "data", help="generated corpora and indexes"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Measure every size, writing its JSON as soon as it is done, then the summaries."""
    args = parse_args(argv)
    options = Options(
        seed=args.seed,
        queries_per_class=args.queries_per_class,
        passes=args.passes,
        budget_s=args.budget,
        http_per_class=args.http_queries,
        repeats=args.repeats,
        batch=args.batch,
        skip_http=args.skip_http,
        skip_fts5=args.skip_fts5,
        data=args.data,
    )
    for size in args.sizes:
        started = time.monotonic()
        info = run_info()
        result = {**measure(size, options), "info": info}
        info["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        info["source_changed"] = source_digest() != info["source_sha256"]
        path = write_results(result, args.out)
        print(f"{size:,} releases: {time.monotonic() - started:.0f} s -> {path}", file=sys.stderr)
    write_summary(args.out)
    print(f"summary: {args.out / 'latest.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
