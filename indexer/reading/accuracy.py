"""How well metadata is extracted: figures over a corpus whose expected metadata is written down.

    python -m indexer.reading.accuracy tests/releases

reads every release of the folder as `orbite index` does (same readers, same gazetteer, the
folder's own `gazetteer.yaml` included) and compares what it extracts with `expected.yaml`:

    cnes-swot.txt:
      title: Le satellite SWOT est en orbite
      date: 2022-12-16          # or null
      release: CP093-2022       # or null
      agencies: [CNES, NASA]
      missions: [SWOT]

It prints, per field, the accuracy (title, date, release: exact values) or the F1 score
(agencies, missions: names found against names expected, over the whole corpus), then each miss.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from indexer.reading.gazetteer import Gazetteer
from indexer.reading.metadata import extract_release
from indexer.reading.readers import SkipFile, read_document
from indexer.release import Release

EXPECTED_FILE = "expected.yaml"
EXACT_FIELDS = ("title", "date", "release")
SET_FIELDS = ("agencies", "missions")


@dataclass
class Score:
    """One field's tally: exact matches for a value, true/false positives and misses for names."""

    right: int = 0
    total: int = 0
    found: int = 0  # names extracted
    expected: int = 0  # names written down
    common: int = 0  # names both extracted and written down

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0

    @property
    def f1(self) -> float:
        if not self.found and not self.expected:
            return 1.0
        return 2 * self.common / (self.found + self.expected)


@dataclass
class Report:
    """The figures of a run, and its misses as (file, field, expected, got)."""

    scores: dict[str, Score] = field(default_factory=dict)
    misses: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    def figure(self, name: str) -> float:
        """Accuracy for title, date and release; F1 for agencies and missions."""
        score = self.scores[name]
        return score.f1 if name in SET_FIELDS else score.accuracy

    def lines(self) -> list[str]:
        """The report as printed: one line per field, then one per miss."""
        out = []
        for name in (*EXACT_FIELDS, *SET_FIELDS):
            score = self.scores[name]
            if name in SET_FIELDS:
                precision = score.common / score.found if score.found else 1.0
                recall = score.common / score.expected if score.expected else 1.0
                out.append(
                    f"{name:<9} F1 {score.f1:6.1%}  (precision {precision:.1%}, recall"
                    f" {recall:.1%}, {score.common}/{score.expected} names)"
                )
            else:
                right = f"{score.right}/{score.total}"
                out.append(f"{name:<9} accuracy {score.accuracy:6.1%}  ({right})")
        out += [
            f"miss {path} {name}: expected {want!r}, got {got!r}"
            for path, name, want, got in self.misses
        ]
        return out


def evaluate(folder: Path) -> Report:
    """Extract every release listed in `folder`/expected.yaml and score it against its entry."""
    expected = yaml.safe_load((folder / EXPECTED_FILE).read_text(encoding="utf-8")) or {}
    gazetteer = Gazetteer.load(folder)
    report = Report({name: Score() for name in (*EXACT_FIELDS, *SET_FIELDS)})
    for path_name, want in sorted(expected.items()):
        path = folder / path_name
        try:
            release = extract_release(path.stem, path_name, read_document(path), gazetteer)
        except SkipFile as skipped:
            report.misses.append((path_name, "file", "read", f"skipped: {skipped.reason}"))
            release = Release(id=path.stem, source=path_name, title="", text="")
        _score(report, path_name, want, release)
    return report


def _score(report: Report, path: str, want: dict[str, Any], release: Release) -> None:
    got = {
        "title": release.title,
        "date": release.date,
        "release": release.release,
        "agencies": list(release.agencies),
        "missions": list(release.missions),
    }
    for name in EXACT_FIELDS:
        score = report.scores[name]
        value = want.get(name)
        value = value.isoformat() if isinstance(value, dt.date) else value
        extracted = got[name].isoformat() if isinstance(got[name], dt.date) else got[name]
        score.total += 1
        if value == extracted:
            score.right += 1
        else:
            report.misses.append((path, name, value, extracted))
    for name in SET_FIELDS:
        score = report.scores[name]
        wanted, found = set(want.get(name) or []), set(got[name])
        score.expected += len(wanted)
        score.found += len(found)
        score.common += len(wanted & found)
        if wanted != found:
            missing, extra = sorted(wanted - found), sorted(found - wanted)
            report.misses.append((path, name, f"missing {missing}", f"extra {extra}"))


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures of a folder; exit 2 when it has no readable expected.yaml."""
    parser = argparse.ArgumentParser(prog="python -m indexer.reading.accuracy", description=__doc__)
    parser.add_argument("folder", type=Path, help=f"a folder of releases with its {EXPECTED_FILE}")
    folder = parser.parse_args(argv).folder
    try:
        report = evaluate(folder)
    except (OSError, yaml.YAMLError, AttributeError) as error:
        print(f"cannot evaluate {folder}: {error}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
