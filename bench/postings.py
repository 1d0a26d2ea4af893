"""`python -m bench.postings`: what each text field and posting format costs and gives back.

The releases of a generated corpus are read and analysed once, then written into one segment
per variant of the schema (as a build worker writes its batches), and the bench's query mix is
evaluated on each index, every query with cold postings (read for the first time, as the
first search after a commit reads them). Per variant it prints the index size, the CPU
seconds of writing (per release), and the p95 in ms of evaluating each query class. Times are
CPU times of this process (`time.process_time`), which other work on a shared machine does
not inflate; the 1-minute load average is printed beside them.
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import Schema

from bench.generate import ROOT, generate, load_material
from bench.queries import CLASSES, make_queries
from indexer.index.build import SCRATCH
from indexer.index.engine import adopt_segments, write_segment
from indexer.index.indexing import load_release, release_fields
from indexer.index.schema import TEXT_FIELDS, build_schema
from indexer.reading.corpus import scan_corpus
from indexer.reading.gazetteer import Gazetteer
from indexer.search.evaluate import Postings, evaluate
from indexer.search.querying import parse_query

POSITIONAL = tuple(TEXT_FIELDS)  # the text fields a variant may index with or without positions


def _with_positions(schema: Schema) -> Schema:
    """The schema with positions recorded in every text field (Whoosh's default for TEXT)."""
    return _formats(schema, "Positions")


def _without_positions(schema: Schema) -> Schema:
    """The schema with term frequencies only in every text field."""
    return _formats(schema, "Frequency")


def _formats(schema: Schema, name: str) -> Schema:
    from whoosh import formats

    changed = copy.deepcopy(schema)
    for fieldname in POSITIONAL:
        if fieldname in changed:
            field = changed[fieldname]
            field.format = getattr(formats, name)(field_boost=field.format.field_boost)
    return changed


def _without(fieldname: str) -> Callable[[Schema], Schema]:
    def drop(schema: Schema) -> Schema:
        changed = copy.deepcopy(schema)
        changed.remove(fieldname)
        return changed

    return drop


def _then(*steps: Callable[[Schema], Schema]) -> Callable[[Schema], Schema]:
    def run(schema: Schema) -> Schema:
        for step in steps:
            schema = step(schema)
        return schema

    return run


VARIANTS: dict[str, Callable[[Schema], Schema]] = {
    "positions in title, body, exact": _with_positions,
    "no positions": _without_positions,
    "no positions, no exact": _then(_without_positions, _without("exact")),
    "no positions, no pairs": _then(_without_positions, _without("pairs")),
}


def load_documents(corpus: Path) -> tuple[list[dict], float]:
    """Every release's Whoosh document, and the CPU seconds reading and extracting took."""
    gazetteer = Gazetteer.load(corpus)
    files, _ = scan_corpus(corpus)
    start = time.process_time()
    documents = []
    for corpus_file in files.values():
        release, sha256 = load_release(corpus_file, gazetteer)
        documents.append(release_fields(release, corpus_file, sha256))
    return documents, time.process_time() - start


def write(directory: Path, schema: Schema, documents: list[dict]) -> float:
    """Write the documents as one segment of a new index, as a build does; the CPU seconds."""
    kept = [{k: v for k, v in d.items() if k in schema} for d in documents]
    start = time.process_time()
    segment = write_segment(directory / SCRATCH, schema, kept)
    adopt_segments(whoosh_index.create_in(str(directory), schema), directory / SCRATCH, [segment])
    seconds = time.process_time() - start
    shutil.rmtree(directory / SCRATCH)
    return seconds


def query_p95(directory: Path, texts: dict[str, list[str]], gazetteer: Gazetteer) -> dict:
    """Per query class, the p95 in ms of evaluating each query on postings read cold."""
    ix = whoosh_index.open_dir(str(directory))
    found = {}
    with ix.searcher() as searcher:
        live = list(searcher.reader().all_doc_ids())
        for kind, queries in texts.items():
            parsed = [parse_query(text, ix.schema, gazetteer).typed for text in queries]
            warm = Postings(searcher.reader(), live, {})
            for q in parsed:  # analysis caches and the OS's file cache: equal for every variant
                evaluate(q, warm, searcher)
            times = []
            for q in parsed:
                # This query's postings read cold (the segments' term filters are kept).
                postings = Postings(searcher.reader(), live, warm.filters)
                start = time.process_time()
                evaluate(q, postings, searcher)
                times.append((time.process_time() - start) * 1000)
            found[kind] = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
    return found


def _bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


def measure(documents: list[dict], args: argparse.Namespace, gazetteer: Gazetteer) -> list:
    """Write and query every variant: (name, index bytes, write CPU s, p95 per class, load)."""
    texts: dict[str, list[str]] = {}
    rows = []
    with tempfile.TemporaryDirectory(prefix="orbite-postings-") as scratch:
        for number, (name, variant) in enumerate(VARIANTS.items()):
            schema = variant(build_schema())
            seconds = []
            for repeat in range(args.repeats):  # the first write also fills the analysis caches
                directory = Path(scratch) / f"{number}-{repeat}"
                directory.mkdir()
                seconds.append(write(directory, schema, documents))
                if repeat < args.repeats - 1:
                    shutil.rmtree(directory)
            if not texts:  # the bench's mix, picked once from the first variant's index
                texts = _query_texts(directory, args)
            p95 = query_p95(directory, texts, gazetteer)
            load = os.getloadavg()[0]
            rows.append((name, _bytes(directory), min(seconds), p95, load))
            print(f"  {name}: written in {min(seconds):.1f} s of CPU (load {load:.1f})", flush=True)
    return rows


def _query_texts(directory: Path, args: argparse.Namespace) -> dict[str, list[str]]:
    """The bench's timed queries per class with words of their own (a typo is corrected by
    the search, not by the evaluator; facet and empty queries read no text postings)."""
    with whoosh_index.open_dir(str(directory)).reader() as reader:
        mix = make_queries(reader, load_material(args.seed), args.queries_per_class, args.seed)
    texts = {
        kind: [q.q for q in mix[kind] if not q.warm_up and q.q]
        for kind in CLASSES
        if kind not in ("empty", "facet", "typo")
    }
    return {kind: queries for kind, queries in texts.items() if queries}


def _table(rows: list, releases: int) -> str:
    kinds = list(rows[0][3])
    lines = [
        "| variant | index MB | write CPU s | ms/release | "
        + " | ".join(f"{kind} p95 ms" for kind in kinds)
        + " | load |",
        "|---|---:|---:|---:|" + "---:|" * len(kinds) + "---:|",
    ]
    for name, size, seconds, p95, load in rows:
        cells = " | ".join(f"{p95[kind]:.1f}" for kind in kinds)
        per_release = seconds / releases * 1000
        lines.append(
            f"| {name} | {size / 2**20:.1f} | {seconds:.1f} | {per_release:.2f} | {cells} "
            f"| {load:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print one table row per variant."""
    parser = argparse.ArgumentParser(prog="python -m bench.postings", description=__doc__)
    parser.add_argument("--releases", type=int, default=2000, help="size of the generated corpus")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2, help="writes per variant (best kept)")
    parser.add_argument("--queries-per-class", type=int, default=30)
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args(argv)
    work = args.data / f"{args.releases}-seed{args.seed}" / "corpus"
    corpus = generate(work, args.releases, args.seed)
    gazetteer = Gazetteer.load(corpus)
    documents, reading = load_documents(corpus)
    print(
        f"{len(documents)} releases, read and extracted in {reading:.1f} s of CPU "
        f"({reading / len(documents) * 1000:.2f} ms each); load {os.getloadavg()[0]:.1f}"
    )
    rows = measure(documents, args, gazetteer)
    print()
    print(_table(rows, len(documents)))


if __name__ == "__main__":
    main()
