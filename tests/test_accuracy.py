"""The evaluation corpus: releases as people keep them, and the figures the issue asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.reading.accuracy import EXPECTED_FILE, Report, Score, evaluate, main

RELEASES = Path(__file__).resolve().parent / "releases"
# Issue 8: date >= 98 %, title >= 95 %, agencies and missions F1 >= 0.95.
FLOORS = {"date": 0.98, "title": 0.95, "agencies": 0.95, "missions": 0.95}


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(RELEASES)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_figures_hold(report: Report, name: str) -> None:
    misses = [miss for miss in report.misses if miss[1] == name]
    assert report.figure(name) >= FLOORS[name], misses


def test_the_corpus_has_every_shape() -> None:
    files = [path for path in RELEASES.iterdir() if path.name != EXPECTED_FILE]
    assert len(files) >= 40
    assert {path.suffix for path in files} >= {".txt", ".html", ".md", ".docx", ".odt"}


def test_every_release_is_read(report: Report) -> None:
    assert [miss for miss in report.misses if miss[1] == "file"] == []


def test_scores_count_misses() -> None:
    score = Score(found=3, expected=2, common=1)
    assert score.f1 == pytest.approx(2 * 1 / 5)
    assert Score(right=1, total=2).accuracy == 0.5
    assert Score().f1 == 1.0 and Score().accuracy == 1.0


def test_the_command_prints_figures_and_misses(tmp_path: Path, capsys) -> None:
    (tmp_path / "a.txt").write_text("Le titre\n\n3 mai 2021\n\nLe CNES et la NASA.", "utf-8")
    (tmp_path / EXPECTED_FILE).write_text(
        "a.txt:\n  title: Autre titre\n  date: 2021-05-03\n  release: null\n"
        "  agencies: [CNES]\n  missions: []\n",
        "utf-8",
    )
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "title     accuracy   0.0%  (0/1)" in out
    assert "date      accuracy 100.0%  (1/1)" in out
    assert "miss a.txt title: expected 'Autre titre', got 'Le titre'" in out
    assert "miss a.txt agencies: expected 'missing []', got \"extra ['NASA']\"" in out


def test_the_command_needs_an_expected_file(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"cannot evaluate {tmp_path}: ")
