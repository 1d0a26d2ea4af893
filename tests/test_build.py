"""Parallel full builds: worker processes give the index a serial build gives, within budgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.index import build, indexing
from indexer.index.facts import read_facts
from indexer.index.store import IndexStore
from indexer.reading.corpus import scan_corpus
from indexer.reading.gazetteer import Gazetteer
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.corpus_factory import write_releases

QUERIES = ["", "lancement", "agence spatiale", "satellite -lune"]


def indexed(index_dir: Path, corpus: Path) -> tuple[dict, list]:
    """Every release's facts by docnum, and what the queries answer (ids, totals, facets)."""
    with IndexStore(index_dir).open().reader() as reader:
        facts = dict(read_facts(reader))
    index = SearchIndex(IndexStore(index_dir), corpus)
    answers = [search(index, parse_request(q, per_page="20")) for q in QUERIES]
    return facts, [([r["id"] for r in a["results"]], a["total"], a["facets"]) for a in answers]


@pytest.fixture
def small_batches(monkeypatch) -> None:
    """Workers for any corpus, and batches small enough for a few files to make several."""
    monkeypatch.setattr(indexing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(build, "FIRST_BATCH", 3)
    monkeypatch.setattr(build, "BATCH", 7)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_workers_build_the_index_a_single_process_builds(
    tmp_path: Path, monkeypatch, small_batches, workers: str
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(40))
    (corpus / "vide.txt").write_text("", "utf-8")  # skipped with its reason, by a worker
    serial = tmp_path / "serial"
    monkeypatch.setattr(indexing, "PARALLEL_FROM", 10**9)
    expected = indexing.update_index(corpus, IndexStore(serial))
    monkeypatch.setattr(indexing, "PARALLEL_FROM", 1)
    monkeypatch.setenv("ORBITE_WORKERS", workers)
    summary = indexing.update_index(corpus, IndexStore(tmp_path / "parallel"))
    assert summary.to_dict() == expected.to_dict()
    assert indexed(tmp_path / "parallel", corpus) == indexed(serial, corpus)
    assert not list((tmp_path / "parallel").rglob(build.SCRATCH))  # scratch indexes removed


def test_each_commit_of_a_build_is_reported_in_order(tmp_path: Path, small_batches) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(24))
    seen: list[tuple[int, int]] = []
    store = IndexStore(tmp_path / "index")
    indexing.update_index(corpus, store, progress=lambda *done: seen.append(done))
    assert seen == [(3, 24), (10, 24), (17, 24), (24, 24)]


def _forever(*args, **kwargs):
    while True:
        pass


def _huge(*args, **kwargs):
    return bytearray(2**50)


@pytest.mark.parametrize(
    ("extract", "reason"),
    [
        (_forever, "extraction took longer than 0.2 s of CPU"),
        (_huge, "extraction needed more than"),
    ],
    ids=["time", "memory"],
)
def test_a_file_past_its_budget_is_skipped_with_the_reason(
    tmp_path: Path, monkeypatch, extract, reason: str
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(3))
    files = list(scan_corpus(corpus)[0].values())
    real = indexing.load_release

    def odd_second_file(corpus_file, gazetteer, left_out=None):
        if corpus_file is files[1]:
            return extract()
        return real(corpus_file, gazetteer, left_out)

    monkeypatch.setattr(indexing, "load_release", odd_second_file)
    monkeypatch.setattr(build, "FILE_SECONDS", 0.2)
    result = build.run_batch(0, files, Gazetteer.load(corpus), tmp_path / "scratch")
    assert result.added == 2
    [skipped] = result.skipped
    assert skipped.path == files[1].source
    assert skipped.reason.startswith(reason)


@pytest.mark.parametrize("count", [1, build.FIRST_BATCH + 1, 5_000, 100_000])
def test_batches_keep_corpus_order_start_small_and_grow_to_a_bound(count: int) -> None:
    files = list(range(count))
    sizes = [len(batch) for batch in build.batches(files)]
    assert [f for batch in build.batches(files) for f in batch] == files
    assert sizes[0] == min(count, build.FIRST_BATCH)
    assert max(sizes) <= build.MAX_BATCH
    assert sizes[1:-1] == sorted(sizes[1:-1])  # growing, but for a shorter last one
    if count == 100_000:  # one segment a batch: tens of them, not hundreds
        assert len(sizes) < count / build.BATCH / 4
