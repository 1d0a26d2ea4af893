"""Measuring one corpus size: Orbite's figures and the FTS5 baseline's, medians of repeats.

Builds, cold starts and query mixes run in child processes (`bench.child`) so that their time
and peak memory are their own; incremental updates run here, against the built index.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import query

from bench import fts5, server
from bench.generate import ROOT, Material, corpus_digest, generate, load_material, make_release
from bench.mix import WARM_UP, BenchQuery, latency
from bench.queries import make_queries
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.search.request import MAX_PER_PAGE, parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from indexer.search.vocabulary import EXACT_FIELD

INCREMENTAL_FOLDER = "bench-incremental"
# The corpus's own gazetteer (`indexer.reading.gazetteer.USER_FILE_NAME`).
GAZETTEER = "gazetteer.yaml"
# The figures that each cost one more full build, measured up to these sizes (the issue's):
SWEEP_UP_TO = 20_000  # the build again with each other worker count
FIRST_ANSWER_UP_TO = 20_000  # `orbite serve` on the corpus with no index
GAZETTEER_UP_TO = 5_000  # a gazetteer edit (a full rebuild until edits update in place)
SWEEP_WORKERS = (1, 2)


@dataclass(frozen=True)
class Options:
    """What a run measures and how many times."""

    seed: int = 1
    queries_per_class: int = 50
    passes: int = 3
    budget_s: float = 20.0  # timed seconds per class after the first pass
    http_per_class: int = 10
    repeats: int = 3
    batch: int = 100
    skip_http: bool = False
    skip_fts5: bool = False
    data: Path = ROOT / "bench" / "data"


def measure(size: int, options: Options) -> dict[str, Any]:
    """Every figure for one corpus size, as the dict written to `<size>.json`."""
    work = options.data / f"{size}-seed{options.seed}"
    corpus = generate(work / "corpus", size, options.seed)
    for leftover in (INCREMENTAL_FOLDER, server.WATCH_FOLDER):  # from a run that was killed
        shutil.rmtree(corpus / leftover, ignore_errors=True)
    (corpus / GAZETTEER).unlink(missing_ok=True)
    material = load_material(options.seed)
    index_dir = work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    orbite: dict[str, Any] = {"build": _build("whoosh-build", corpus=corpus, index=index_dir)}
    if size <= SWEEP_UP_TO:
        orbite["workers"] = _worker_sweep(work, corpus, orbite["build"])
    if size <= FIRST_ANSWER_UP_TO and not options.skip_http:
        scratch = work / "index-serve"
        shutil.rmtree(scratch, ignore_errors=True)
        orbite["first_answer"] = server.measure_first_answer(corpus, scratch)
        shutil.rmtree(scratch, ignore_errors=True)
    store = IndexStore(index_dir)
    orbite["build"]["index_mb"] = _megabytes(store.current.resolve())
    with store.open().reader() as reader:
        mix = make_queries(reader, material, options.queries_per_class, options.seed)
    queries = [q.to_dict() for kind in mix.values() for q in kind]
    first = mix["two_words"][-1].to_dict()  # a timed query: not seen by the warm-up
    orbite["index_unchanged_s"] = _median_of(
        options.repeats, lambda: _orbite_index(corpus, index_dir)
    )
    orbite["cold_start"] = _cold(
        "whoosh-cold", options, corpus=corpus, index=index_dir, query=first
    )
    found = child(
        "whoosh-queries",
        corpus=corpus,
        index=index_dir,
        queries=queries,
        passes=options.passes,
        budget_s=options.budget_s,
    )
    orbite["latency"] = latency(found)
    orbite["search_rss_mb"] = found["max_rss_mb"]
    if not options.skip_http:
        subset = {kind: qs[: WARM_UP + options.http_per_class] for kind, qs in mix.items()}
        orbite["http"] = server.measure_http(
            corpus, index_dir, subset, options.passes, options.budget_s
        )
    orbite["incremental"] = _incremental(_WhooshSide(corpus, store), material, options, size)
    if not options.skip_http:
        orbite["watcher"] = server.measure_watcher(
            corpus,
            index_dir,
            # One more than the repeats: the first is not timed (see `measure_watcher`).
            [
                _new_release(material, options.seed, size + 900 + i)
                for i in range(options.repeats + 1)
            ],
        )
    result: dict[str, Any] = {
        "size": size,
        "seed": options.seed,
        "corpus": _corpus_figures(corpus),
        "queries": {kind: _query_figures(qs) for kind, qs in mix.items()},
        "orbite": orbite,
    }
    if not options.skip_fts5:
        result["fts5"] = _measure_fts5(work, corpus, material, options, size, queries, first)
    if size <= GAZETTEER_UP_TO:  # last: the edit leaves the index with the corpus's gazetteer
        orbite["gazetteer_edit"] = _gazetteer_edit(
            corpus, store, mix["rare"][-1].q, material.missions
        )
    return result


def _measure_fts5(
    work: Path,
    corpus: Path,
    material: Material,
    options: Options,
    size: int,
    queries: list[dict],
    first: dict,
) -> dict[str, Any]:
    database = work / "fts5.db"
    figures: dict[str, Any] = {"build": _build("fts5-build", corpus=corpus, database=database)}
    figures["build"]["index_mb"] = round(database.stat().st_size / 2**20, 1)
    figures["cold_start"] = _cold("fts5-cold", options, database=database, query=first)
    found = child(
        "fts5-queries",
        database=database,
        queries=queries,
        passes=options.passes,
        budget_s=options.budget_s,
    )
    figures["latency"] = latency(found)
    figures["search_rss_mb"] = found["max_rss_mb"]
    figures["incremental"] = _incremental(_Fts5Side(corpus, database), material, options, size)
    return figures


def child(task: str, env: dict[str, str] | None = None, **args: Any) -> dict[str, Any]:
    """Run `bench.child TASK` in a new interpreter (with `env` added to its environment) and
    return its JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.child", task],
        input=json.dumps(args, default=str),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"bench.child {task} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _build(task: str, env: dict[str, str] | None = None, **args: Any) -> dict[str, Any]:
    found = child(task, env, **args)
    return {
        "seconds": round(found["seconds"], 2),
        "docs": found["docs"],
        "docs_per_s": round(found["docs"] / found["seconds"], 1),
        "max_rss_mb": found["max_rss_mb"],
        "workers_max_rss_mb": round(found["workers_max_rss_mb"], 1) or None,  # None: no workers
        "cpu_s": round(found["cpu_s"], 1),
        "workers_cpu_s": round(found["workers_cpu_s"], 1),
        **({"workers": found["workers"]} if "workers" in found else {}),
    }


def _worker_sweep(work: Path, corpus: Path, default: dict[str, Any]) -> dict[str, Any]:
    """The full build with ORBITE_WORKERS=1 and 2: wall and CPU seconds (the default build,
    over every core, stands for its own count), each into a scratch index then removed."""
    sweep = {}
    for workers in SWEEP_WORKERS:
        if workers == default["workers"]:
            sweep[str(workers)] = dict(default)
            continue
        scratch = work / f"index-workers{workers}"
        shutil.rmtree(scratch, ignore_errors=True)
        env = {"ORBITE_WORKERS": str(workers)}
        sweep[str(workers)] = _build("whoosh-build", env, corpus=corpus, index=scratch)
        shutil.rmtree(scratch, ignore_errors=True)
    return sweep


def _gazetteer_edit(corpus: Path, store: IndexStore, word: str, missions: Sequence[str]) -> dict:
    """`orbite index --json` after the corpus's gazetteer gains an alias: `word` (a rare word of
    the corpus) for the first of `missions` that none of the word's releases names yet; then
    how many of those releases a search for the word by that mission finds. The releases
    with the word are those holding it as written (the `exact` field): a gazetteer name
    matches whole words, where a search for the word also finds its stems and the longer
    words it begins. The file is removed after (the index keeps the edit)."""
    index = SearchIndex(store, corpus)
    with index.snapshot().reading() as searcher:
        holders = searcher.docs_for_query(query.Term(EXACT_FIELD, word))
        with_word = {searcher.stored_fields(docnum)["id"] for docnum in holders}

    def sources(**filters: Any) -> set[str]:
        found = search(index, parse_request(q=word, per_page=MAX_PER_PAGE, **filters))
        return {result["id"] for result in found["results"]} & with_word

    mission = next((m for m in missions[:20] if not sources(mission=[m])), missions[0])
    edit = corpus / GAZETTEER
    try:
        quoted = json.dumps(mission), json.dumps(word)  # JSON strings are YAML strings
        edit.write_text(f"missions:\n  - name: {quoted[0]}\n    aliases: [{quoted[1]}]\n", "utf-8")
        start = time.perf_counter()
        summary = json.loads(_orbite_index(corpus, store.root, "--json"))
        seconds = time.perf_counter() - start
        found = sources(mission=[mission])
    finally:
        edit.unlink(missing_ok=True)
    counts = {key: summary[key] for key in ("added", "updated", "removed", "unchanged")}
    return {
        "seconds": round(seconds, 3),
        **counts,
        "mission": mission,
        "releases_with_word": len(with_word),
        "found_by_mission": len(found),  # 0: the edit is not searchable, and the target is missed
    }


def _cold(task: str, options: Options, **args: Any) -> dict[str, Any]:
    """Spawn to first answer (interpreter, imports, open, search), and its in-process parts."""
    runs = []
    for _ in range(options.repeats):
        spawned = time.monotonic()
        found = child(task, **args)
        runs.append({**found, "wall_s": found["answered_at"] - spawned})
    figures = {
        key: round(statistics.median(run[key] for run in runs), 3)
        for key in ("wall_s", "open_s", "first_search_s", "max_rss_mb")
    }
    return {**figures, "runs_s": [round(run["wall_s"], 3) for run in runs]}


def _orbite_index(corpus: Path, index_dir: Path, *options: str) -> str:
    """Run `orbite index` as a user would; its standard output."""
    command = [
        *server.orbite_command(),
        "index",
        "--corpus",
        str(corpus),
        "--index",
        str(index_dir),
        *options,
    ]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return done.stdout


def _median_of(repeats: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


class _WhooshSide:
    """Orbite's path from a written file to a search that finds it: `update_index` told the
    changed paths (as the watcher tells it), then a search."""

    def __init__(self, corpus: Path, store: IndexStore) -> None:
        self.corpus, self.store = corpus, store
        self.index = SearchIndex(store, corpus)

    def sync(self, changed: list[Path], removed: list[Path]) -> None:
        update_index(self.corpus, self.store, paths=changed + removed)  # as the watcher does

    def total(self, word: str) -> int:
        return search(self.index, parse_request(q=word))["total"]


class _Fts5Side:
    """The baseline's path: it is told which files changed (as a watcher would be)."""

    def __init__(self, corpus: Path, database: Path) -> None:
        self.corpus = corpus
        self.db = fts5.open_for_writing(database)

    def sync(self, changed: list[Path], removed: list[Path]) -> None:
        fts5.apply_changes(self.db, self.corpus, changed, removed)

    def total(self, word: str) -> int:
        return fts5.search(self.db, word)["total"]


def _incremental(side, material: Material, options: Options, size: int) -> dict[str, float]:
    """Seconds from writing files to a search that sees them: 1 new, a batch, 1 changed, 1 gone."""
    folder = side.corpus / INCREMENTAL_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    numbers = iter(range(size, size + 10_000))

    def step(write: list[tuple[Path, str]], remove: list[Path], check: str, present: bool) -> float:
        start = time.perf_counter()
        for path, text in write:
            path.write_text(text, "utf-8")
        for path in remove:
            path.unlink()
        side.sync([path for path, _ in write], remove)
        if (side.total(check) > 0) != present:
            raise RuntimeError(f"incremental update not visible: {check!r}")
        return time.perf_counter() - start

    def new(number: int) -> tuple[Path, str, str]:
        word, text = _new_release(material, options.seed, number)
        return folder / f"new-{number}.txt", text, word

    figures: dict[str, list[float]] = {"add_1": [], "add_batch": [], "change_1": [], "delete_1": []}
    try:
        for _ in range(options.repeats):
            path, text, word = new(next(numbers))
            figures["add_1"].append(step([(path, text)], [], word, True))
        batch = [new(next(numbers)) for _ in range(options.batch)]
        figures["add_batch"].append(step([(p, t) for p, t, _ in batch], [], batch[-1][2], True))
        for path, _, _ in batch[: options.repeats]:
            word, text = _new_release(material, options.seed, next(numbers))
            figures["change_1"].append(step([(path, text)], [], word, True))
        for path, _, word in batch[-options.repeats :]:
            figures["delete_1"].append(step([], [path], word, False))
    finally:
        removed = sorted(folder.iterdir())
        shutil.rmtree(folder, ignore_errors=True)
        side.sync([], removed)
    medians = {name: round(statistics.median(times), 3) for name, times in figures.items()}
    return {**medians, "batch": options.batch}


def _new_release(material: Material, seed: int, number: int) -> tuple[str, str]:
    """A release text carrying a word found nowhere else, to tell when it is searchable.

    Random letters: no two markers are within the spelling corrector's reach of each other.
    """
    word = "".join(random.Random(f"marker:{number}").choices(string.ascii_lowercase, k=12))
    draft = make_release(material, seed, number, suffix=".txt")
    return word, f"{draft.text}\nMot témoin : {word}.\n"


def _corpus_figures(corpus: Path) -> dict[str, Any]:
    sizes = [p.stat().st_size for p in corpus.rglob("*") if p.is_file() and p.name[0] != "."]
    suffixes = sorted({p.suffix for p in corpus.rglob("*.*") if p.name[0] != "."})
    return {
        "files": len(sizes),
        "megabytes": round(sum(sizes) / 2**20, 1),
        "mean_bytes": round(sum(sizes) / len(sizes)),
        "suffixes": suffixes,
        "sha256": corpus_digest(corpus),
    }


def _query_figures(queries: list[BenchQuery]) -> dict[str, Any]:
    timed = [q for q in queries if not q.warm_up]
    return {
        "timed": len(timed),
        "distinct": len({(q.q, q.agency, q.page) for q in queries}),
        "warm_up": len(queries) - len(timed),
        "examples": [q.to_dict() for q in timed[:3]],
    }


def _megabytes(directory: Path) -> float:
    return round(sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 2**20, 1)
