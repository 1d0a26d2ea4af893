"""A bounded load test of a running Orbite: concurrent clients, a fixed number of requests.

The mix is what people and scripts do: search pages with facets selected, JSON searches,
release pages and their JSON, and the Atom feed. Queries, filters and ids are read from the
server itself first (`/api/search`), then drawn with a seeded generator, so a run is repeatable
on a given corpus. Every request has a timeout; the run ends after `requests` requests.

    python -m bench.load --url http://127.0.0.1:5000 [--clients 16] [--requests 5000] [--pid PID]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import psutil

TIMEOUT = 30.0
SAMPLE_ERRORS = 10
_WORD = re.compile(r"[^\W\d_]{5,}")
# Share of each kind of request in the mix.
KINDS = {
    "page_search": 20,  # the search page with words
    "page_facets": 15,  # the search page with words and agency/year filters
    "api_search": 20,
    "api_facets": 10,
    "page_release": 15,
    "api_release": 10,
    "feed": 5,
    "page_listing": 5,  # no words: every release, newest first, a later page
}


@dataclass(frozen=True)
class Target:
    """What the mix draws from: ids, words, agencies, missions and years of the corpus."""

    ids: list[str]
    words: list[str]
    agencies: list[str]
    missions: list[str]
    years: list[str]


class Client:
    """One keep-alive HTTP connection to the server (http.client: never through a proxy)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            self.connection.request("GET", path)
            response = self.connection.getresponse()
            return response.status, response.read()
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def discover(base_url: str, pages: int = 10) -> Target:
    """Read ids, title words and facet values from the server's own JSON."""
    client = Client(base_url)
    ids: list[str] = []
    words: Counter[str] = Counter()
    try:
        for page in range(1, pages + 1):
            status, body = client.get(f"/api/search?per_page=100&page={page}")
            if status != 200:
                raise RuntimeError(f"/api/search answered {status} while preparing the load")
            response = json.loads(body)
            for result in response["results"]:
                ids.append(result["id"])
                words.update(w.lower() for w in _WORD.findall(result["title"]))
            if page == 1:
                facets = response["facets"]
            if page * 100 >= response["total"]:
                break
    finally:
        client.close()
    if not ids:
        raise RuntimeError("the server holds no release to load")
    return Target(
        ids=ids,
        words=[w for w, _ in words.most_common(200)],
        agencies=[f["value"] for f in facets["agency"][:10]],
        missions=[f["value"] for f in facets["mission"][:10]],
        years=[f["value"] for f in facets["year"][:15]],
    )


def make_requests(target: Target, count: int, seed: int) -> list[tuple[str, str]]:
    """`count` (kind, path) pairs drawn from the mix, the same for the same seed and target."""
    rng = random.Random(f"load:{seed}")
    kinds = rng.choices(list(KINDS), weights=list(KINDS.values()), k=count)
    return [(kind, _path(kind, target, rng)) for kind in kinds]


def _path(kind: str, target: Target, rng: random.Random) -> str:
    def words() -> str:
        return " ".join(rng.sample(target.words, rng.choice((1, 1, 2))))

    def facets() -> list[tuple[str, str]]:
        chosen = []
        if target.agencies:
            chosen.append(("agency", rng.choice(target.agencies)))
        if target.years and rng.random() < 0.5:
            chosen.append(("year", rng.choice(target.years)))
        if target.missions and rng.random() < 0.3:
            chosen.append(("mission", rng.choice(target.missions)))
        return chosen

    release = quote(rng.choice(target.ids))
    paths = {
        "page_search": lambda: "/?" + urlencode({"q": words()}),
        "page_facets": lambda: "/?" + urlencode([("q", words()), *facets()]),
        "api_search": lambda: "/api/search?" + urlencode({"q": words()}),
        "api_facets": lambda: "/api/search?" + urlencode([("q", words()), *facets()]),
        "page_release": lambda: f"/releases/{release}",
        "api_release": lambda: f"/api/releases/{release}",
        "feed": lambda: "/feed.atom?" + urlencode({"q": words()}),
        "page_listing": lambda: "/?" + urlencode({"page": rng.randint(2, 20)}),
    }
    return paths[kind]()


def _rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def _latency(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": _percentile(values, 0.50),
        "p95": _percentile(values, 0.95),
        "p99": _percentile(values, 0.99),
        "max": round(max(values), 2),
        "mean": round(statistics.fmean(values), 2),
    }


def _drive(base_url: str, requests: list[tuple[str, str]], clients: int) -> dict[str, Any]:
    """Send `requests` from `clients` threads; every latency, status and failure."""
    lock = threading.Lock()
    queue = iter(requests)
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    errors: list[str] = []

    def work() -> None:
        client = Client(base_url)
        try:
            while True:
                with lock:
                    item = next(queue, None)
                if item is None:
                    return
                kind, path = item
                started = time.perf_counter()
                try:
                    status, _ = client.get(path)
                    failure = None if status == 200 else f"{status} on GET {path}"
                except Exception as exc:
                    failure = f"{type(exc).__name__}: {exc} on GET {path}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies[kind].append(elapsed)
                    if failure:
                        errors.append(failure)
        finally:
            client.close()

    # Daemons: an interrupted run (Ctrl-C, a test's timeout) never waits for its clients.
    threads = [threading.Thread(target=work, name=f"load-{n}", daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": time.perf_counter() - started, "latencies": latencies, "errors": errors}


def run_load(
    base_url: str,
    clients: int = 16,
    requests: int = 5000,
    *,
    warmup: int = 200,
    seed: int = 1,
    pid: int | None = None,
) -> dict[str, Any]:
    """Load the server at `base_url` and return the figures.

    `warmup` requests first (not counted) open the index and the server threads' searchers,
    so that the memory measured before the run is the server's steady state. With `pid` (the
    server's process), its resident memory is measured at start, after warm-up and at the end.
    """
    rss_start = _rss_mb(pid)
    target = discover(base_url)
    plan = make_requests(target, warmup + requests, seed)
    warm = _drive(base_url, plan[:warmup], clients)
    rss_before = _rss_mb(pid)
    run = _drive(base_url, plan[warmup:], clients)
    rss_after = _rss_mb(pid)
    every = [ms for values in run["latencies"].values() for ms in values]
    figures: dict[str, Any] = {
        "url": base_url,
        "clients": clients,
        "requests": len(every),
        "errors": len(run["errors"]),
        "error_samples": run["errors"][:SAMPLE_ERRORS],
        "warmup_errors": len(warm["errors"]),
        "seconds": round(run["seconds"], 2),
        "throughput_rps": round(len(every) / run["seconds"], 1) if run["seconds"] else None,
        "latency_ms": _latency(every),
        "by_kind": {
            kind: {"count": len(values), **_latency(values)}
            for kind, values in run["latencies"].items()
        },
    }
    if pid is not None:
        figures["rss_mb"] = {"start": rss_start, "before": rss_before, "after": rss_after}
        figures["rss_growth"] = round(rss_after / rss_before - 1, 3) if rss_before else None
    return figures


def main(argv: list[str] | None = None) -> None:
    """Run the load against a server and print the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pid", type=int, help="the server's process id, to measure its RSS")
    args = parser.parse_args(argv)
    figures = run_load(
        args.url,
        clients=args.clients,
        requests=args.requests,
        warmup=args.warmup,
        seed=args.seed,
        pid=args.pid,
    )
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
