"""A benchmark query and the timed loop that runs a query mix; cheap to import in a child."""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

WARM_UP = 10  # warm-up queries per class, besides the timed ones


@dataclass(frozen=True)
class BenchQuery:
    """One search as a user sends it: the same fields as `/api/search`'s parameters."""

    kind: str
    q: str = ""
    agency: tuple[str, ...] = field(default=())
    page: int = 1
    warm_up: bool = False  # run before timing starts, never timed

    def params(self) -> dict[str, Any]:
        """Keyword arguments for `parse_request` (and the URL's query string)."""
        return {"q": self.q, "agency": list(self.agency), "page": self.page, "per_page": 10}

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "agency": list(self.agency)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchQuery:
        return cls(data["kind"], data["q"], tuple(data["agency"]), data["page"], data["warm_up"])


def run_mix(
    answer: Callable[[BenchQuery], int],
    queries: list[BenchQuery],
    passes: int,
    budget_s: float = math.inf,
) -> dict[str, Any]:
    """Warm up, then `passes` timed passes over the mix, each in its own seeded shuffled order.

    Warm-up queries are run once and never timed (index files in the page cache, analyzer
    caches filled). The first pass times every other query the first time it is seen, so a
    result cache cannot flatter it; later passes are repeats, skipping a class once its repeats
    took `budget_s`, so that slow classes bound the run. Returns milliseconds and match counts.
    """
    for query in queries:
        if query.warm_up:
            answer(query)
    timed = [q for q in queries if not q.warm_up]
    first: dict[str, list[float]] = {q.kind: [] for q in timed}
    repeat: dict[str, list[float]] = {q.kind: [] for q in timed}
    totals: dict[str, list[int]] = {q.kind: [] for q in timed}
    for number in range(passes):
        order = list(timed)
        random.Random(number).shuffle(order)
        for query in order:
            samples = repeat if number else first
            if number and sum(samples[query.kind]) >= budget_s * 1000:
                continue
            start = time.perf_counter()
            total = answer(query)
            samples[query.kind].append((time.perf_counter() - start) * 1000)
            if not number:
                totals[query.kind].append(total)
    return {"samples": first, "repeat": repeat, "totals": totals}


def latency(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per class: p50/p95/p99 (ms) of first-seen queries, the mean number of matches, and the
    same percentiles for repeated queries (what a result cache answers)."""
    return {
        kind: {
            **summarize(samples),
            "mean_total": round(statistics.fmean(found["totals"][kind]), 1),
            "repeat": summarize(found["repeat"][kind]) if found["repeat"][kind] else None,
        }
        for kind, samples in found["samples"].items()
    }


def summarize(samples: list[float]) -> dict[str, float]:
    """Percentiles by linear interpolation between the closest ranks."""
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        position = fraction * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    figures = {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "mean": statistics.fmean(ordered)}
    return {**{k: round(v, 2) for k, v in figures.items()}, "n": len(ordered)}
