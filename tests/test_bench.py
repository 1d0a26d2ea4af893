"""Smoke test of the benchmark: a tiny corpus, every step run once, every output written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import server
from bench.__main__ import main
from bench.generate import corpus_digest, generate
from bench.queries import CLASSES
from bench.report import targets
from indexer.index.indexing import load_release
from indexer.reading.corpus import scan_corpus
from indexer.reading.gazetteer import Gazetteer

SIZE = 60


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("bench") / "corpus", SIZE, seed=7)


def _contents(folder: Path) -> dict[str, str]:
    files = (p for p in folder.rglob("*.*") if not p.name.startswith("."))  # not the manifest
    return {p.relative_to(folder).as_posix(): p.read_text("utf-8") for p in files}


def test_same_seed_gives_the_same_files(corpus: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", SIZE, seed=7)
    assert _contents(again) == _contents(corpus)
    assert corpus_digest(again) == corpus_digest(corpus)
    other = generate(tmp_path / "other", SIZE, seed=8)
    assert corpus_digest(other) != corpus_digest(corpus)


def test_a_smaller_corpus_is_a_prefix_of_a_larger_one(corpus: Path, tmp_path: Path) -> None:
    small = _contents(generate(tmp_path / "small", 20, seed=7))
    larger = _contents(corpus)
    assert {name: larger[name] for name in small} == small


def test_generated_releases_parse_with_the_project_reader(corpus: Path) -> None:
    files, skipped = scan_corpus(corpus)
    gazetteer = Gazetteer.load(corpus)
    releases = [load_release(f, gazetteer)[0] for f in files.values()]
    assert not skipped
    assert len(releases) == SIZE
    assert {f.path.suffix for f in files.values()} == {".txt", ".md", ".html"}
    assert any("/" in f.source for f in files.values())  # some live in year folders
    assert sum(r.date is not None for r in releases) >= 0.9 * SIZE
    assert all(r.date is None or 1990 <= r.date.year <= 2026 for r in releases)
    assert all(r.agencies for r in releases)
    assert sum(r.release is not None for r in releases) >= 0.7 * SIZE
    assert all(r.title for r in releases)


def test_a_run_writes_every_output_with_every_class(tmp_path: Path) -> None:
    out = tmp_path / "results"
    main(
        [
            *("--sizes", str(SIZE), "--seed", "7", "--queries-per-class", "2"),
            *("--passes", "1", "--repeats", "1", "--batch", "3", "--skip-http"),
            *("--out", str(out), "--data", str(tmp_path / "data")),
        ]
    )
    result = json.loads((out / f"{SIZE}.json").read_text("utf-8"))
    for engine in ("orbite", "fts5"):
        assert set(result[engine]["latency"]) == set(CLASSES)
        assert all(figures["n"] == 2 for figures in result[engine]["latency"].values())
        assert result[engine]["build"]["docs"] == SIZE
        assert set(result[engine]["incremental"]) == {
            "add_1",
            "add_batch",
            "change_1",
            "delete_1",
            "batch",
        }
    assert result["orbite"]["latency"]["common"]["mean_total"] > SIZE / 2
    assert set(result["orbite"]["workers"]) == {"1", "2"}
    assert all(b["docs"] == SIZE for b in result["orbite"]["workers"].values())
    edit = result["orbite"]["gazetteer_edit"]
    assert edit["added"] + edit["updated"] + edit["unchanged"] == SIZE
    assert edit["found_by_mission"] == edit["releases_with_word"] >= 1
    assert not (tmp_path / "data" / f"{SIZE}-seed7" / "corpus" / "gazetteer.yaml").exists()
    assert result["info"]["machine"]["cores"]
    summary = (out / "latest.md").read_text("utf-8")
    assert all(f"| {kind} |" in summary for kind in CLASSES)
    assert all(f"| query p95, {kind} |" in summary for kind in CLASSES)
    assert "| gazetteer edit, 60 releases |" in summary
    chart = (out / "latency.svg").read_text("utf-8")
    assert chart.startswith("<svg") and all(kind in chart for kind in CLASSES)
    assert not (tmp_path / "data" / f"{SIZE}-seed7" / "corpus" / "bench-incremental").exists()


def test_serve_with_no_index_answers_then_the_watcher_finds_a_new_file(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    first = server.measure_first_answer(corpus, index)
    assert first["http_s"] <= first["results_s"] <= first["ok_s"]
    assert first["documents"] == SIZE
    releases = [
        (f"motbench{letter}", f"Communiqué.\nMot témoin : motbench{letter}.\n") for letter in "xyz"
    ]
    watched = server.measure_watcher(corpus, index, releases)
    assert len(watched["runs_s"]) == 2  # the first file is not timed
    assert not (corpus / server.WATCH_FOLDER).exists()


def _result(edit: dict) -> dict:
    latency = {kind: {"p95": 1.0} for kind in CLASSES}
    engine = {
        "build": {"docs_per_s": 100.0, "seconds": 10.0},
        "latency": latency,
        "cold_start": {"wall_s": 0.5},
        "search_rss_mb": 50.0,
    }
    orbite = {**engine, "index_unchanged_s": 0.5, "gazetteer_edit": edit}
    return {"size": 5_000, "orbite": orbite, "fts5": engine}


@pytest.mark.parametrize(
    ("edit", "measured", "met"),
    [
        ({"seconds": 20.0, "added": 0, "updated": 7}, "20 s, updated 7; found by mission 7", "met"),
        (
            {"seconds": 20.0, "added": 5_000, "updated": 0},
            "added 5,000: a full rebuild",
            "**missed**",
        ),
        ({"seconds": 40.0, "added": 0, "updated": 7}, "40 s, updated 7", "**missed**"),
        (
            {"seconds": 20.0, "added": 0, "updated": 7, "found_by_mission": 0},
            "found by mission 0 of the 7",
            "**missed**",
        ),
        (
            {"seconds": 20.0, "added": 0, "updated": 7, "found_by_mission": 6},
            "found by mission 6 of the 7",
            "**missed**",
        ),
    ],
)
def test_a_gazetteer_edit_is_met_only_fast_searchable_and_without_a_rebuild(
    edit: dict, measured: str, met: str
) -> None:
    edit = {"releases_with_word": 7, "found_by_mission": 7, **edit}
    rows = {row[0]: row for row in targets(_result(edit))}
    row = rows["gazetteer edit, 5,000 releases"]
    assert measured in row[3]
    assert row[5] == met
    assert rows["query p95, rare"][5] == "met"  # equal to FTS5's p95: at most 1×
