"""Results on disk: `<N>.json` per size, then `latest.md` and `latency.svg` over every size.

The Markdown and the SVG are rebuilt from all the JSON files of the results folder, so a
size measured in another run (100,000 is opt-in) stays in the summary until measured again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import sqlite3
from html import escape
from pathlib import Path
from typing import Any

import psutil
import whoosh

from bench.generate import ROOT
from bench.queries import CLASSES

# Issue 10's targets, each figure beside FTS5 in the same run. BEFORE: the issue's "today"
# column by corpus size (0: any size), completed from the run it quotes (2026-11-21).
BUILD_RATIO = 0.05  # full build rate ≥ 0.05× FTS5's
FIRST_ANSWER_S = 5.0  # `orbite serve` with no index: first results within 5 s
GAZETTEER_S = 30.0
WATCHER_S = 1.0
UNCHANGED_S = 1.0
P95_RATIO = 1.0
SERVER_RSS_MB = 300.0
COLD_START_S = 1.0
BEFORE: dict[str, dict[int, str]] = {
    "build": {0: "~0.01× FTS5 (~30/s)"},
    "first_answer": {20_000: "~11 min"},
    "gazetteer": {0: "full rebuild"},
    "watcher": {5_000: "1.2 s", 20_000: "3.2 s", 100_000: "6.4 s"},
    "unchanged": {5_000: "0.42 s", 20_000: "0.79 s", 100_000: "2.97 s"},
    "p95": {5_000: "0.11–8.5× FTS5", 20_000: "0.011–6.7× FTS5", 100_000: "1.2–3.9× FTS5"},
    "rss": {5_000: "138 MB", 20_000: "281 MB", 100_000: "851 MB"},
    "cold": {5_000: "0.37 s", 20_000: "0.65 s", 100_000: "2.9 s"},
}
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def run_info() -> dict[str, Any]:
    """When, on what machine and at which commit the figures were taken."""
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(ROOT / ".git"),
        "source_sha256": source_digest(),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "whoosh": ".".join(map(str, whoosh.__version__)),
            "sqlite": sqlite3.sqlite_version,
        },
    }


def git_commit(git: Path) -> str | None:
    """The checked-out commit, read from the repository files (no git process)."""
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        if (git / ref).is_file():
            return (git / ref).read_text().strip()
        packed = (git / "packed-refs").read_text().splitlines()
        return next((line.split()[0] for line in packed if line.endswith(f" {ref}")), None)
    except OSError:
        return None


def source_digest() -> str:
    """A digest of the code measured (indexer/ and web/), which a commit hash alone does not
    give when the working tree has uncommitted changes."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("indexer/**/*.py"), *ROOT.glob("web/**/*.py")]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor()
    return next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), "")


def write_results(result: dict[str, Any], out: Path) -> Path:
    """Write one size's figures as `<size>.json`."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{result['size']}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


def load_results(out: Path) -> list[dict[str, Any]]:
    """Every `<size>.json` of the folder, smallest size first."""
    found = [json.loads(p.read_text("utf-8")) for p in out.glob("*.json") if p.stem.isdigit()]
    return sorted(found, key=lambda r: r["size"])


def write_summary(out: Path) -> None:
    """Rebuild `latest.md` and `latency.svg` from every size's JSON."""
    results = load_results(out)
    (out / "latest.md").write_text(markdown(results), "utf-8")
    (out / "latency.svg").write_text(svg(results), "utf-8")


Row = tuple[str, str, str, str, str, str]  # figure, before, target, measured, FTS5, met


def targets(result: dict[str, Any]) -> list[Row]:
    """Issue 10's target table for this size: one row per figure measured."""
    size, orbite, fts5 = result["size"], result["orbite"], result.get("fts5", {})

    def before(key: str) -> str:
        return BEFORE[key].get(size, BEFORE[key].get(0, "–"))

    def met(ok: bool | None) -> str:
        return "–" if ok is None else "met" if ok else "**missed**"

    rows: list[Row] = []
    build, theirs = orbite["build"], fts5.get("build")
    their_rate = theirs and theirs["docs_per_s"]
    ratio = their_rate and build["docs_per_s"] / their_rate
    rows.append(
        (
            "full build rate",
            before("build"),
            f"≥ {BUILD_RATIO:g}× FTS5",
            f"{build['docs_per_s']:g}/s ({_ratio(build['docs_per_s'], their_rate)})",
            f"{their_rate:g}/s" if their_rate else "–",
            met(ratio >= BUILD_RATIO if ratio else None),
        )
    )
    for workers, figures in sorted(orbite.get("workers", {}).items()):
        rows.append(
            (
                f"build rate, ORBITE_WORKERS={workers}",
                "–",
                "shown (rate vs workers)",
                f"{figures['docs_per_s']:g}/s: {figures['seconds']:g} s wall, CPU "
                f"{figures['cpu_s']:g} s + workers {figures['workers_cpu_s']:g} s",
                f"{their_rate:g}/s (one process)" if their_rate else "–",
                "–",
            )
        )
    if "first_answer" in orbite:
        first = orbite["first_answer"]
        rows.append(
            (
                f"first answer after `orbite serve` on {size:,} files, no index",
                before("first_answer"),
                f"≤ {FIRST_ANSWER_S:g} s (results grow as batches land)",
                f"results {first['results_s']:g} s (first HTTP answer {first['http_s']:g} s; "
                f'"status": "ok" {first["ok_s"]:g} s)',
                f"{theirs['seconds'] + fts5['cold_start']['wall_s']:.3g} s (build, then a query)"
                if theirs
                else "–",
                met(first["results_s"] <= FIRST_ANSWER_S),
            )
        )
    if "gazetteer_edit" in orbite:
        edit = orbite["gazetteer_edit"]
        rebuilt = edit["added"] > 0
        rows.append(
            (
                f"gazetteer edit, {size:,} releases",
                before("gazetteer"),
                f"≤ {GAZETTEER_S:g} s, only affected releases rewritten",
                f"{edit['seconds']:g} s, updated {edit['updated']:,}"
                + (f", added {edit['added']:,}: a full rebuild" if rebuilt else "")
                + f"; found by mission {edit['found_by_mission']:,} of the "
                f"{edit['releases_with_word']:,} releases with the new alias",
                f"{theirs['seconds']:g} s (a full rebuild)" if theirs else "–",
                met(
                    edit["seconds"] <= GAZETTEER_S
                    and not rebuilt
                    and edit["found_by_mission"] == edit["releases_with_word"]
                ),
            )
        )

    def at_most(figure: str, key: str, value: float, limit: float, unit: str, theirs: str) -> Row:
        return (
            figure,
            before(key),
            f"≤ {limit:g} {unit}",
            f"{value:g} {unit}",
            theirs,
            met(value <= limit),
        )

    if "watcher" in orbite:
        told = fts5.get("incremental", {}).get("add_1")
        rows.append(
            at_most(
                "one new file searchable (watcher)",
                "watcher",
                orbite["watcher"]["seconds"],
                WATCHER_S,
                "s",
                f"{told:g} s (told the path)" if told is not None else "–",
            )
        )
    rows.append(
        at_most(
            "`orbite index`, nothing changed",
            "unchanged",
            orbite["index_unchanged_s"],
            UNCHANGED_S,
            "s",
            "–",
        )
    )
    for kind in CLASSES:
        mine, other = orbite["latency"][kind]["p95"], fts5.get("latency", {}).get(kind)
        rows.append(
            (
                f"query p95, {kind}",
                before("p95") if kind == CLASSES[0] else "″",
                f"≤ {P95_RATIO:g}× FTS5",
                f"{mine:g} ms ({_ratio(mine, other and other['p95'])})",
                f"{other['p95']:g} ms" if other else "–",
                met(mine <= P95_RATIO * other["p95"] if other else None),
            )
        )
    if "http" in orbite:
        rss, where = orbite["http"]["peak_rss_mb"], "`orbite serve` peak RSS"
    else:
        rss, where = orbite["search_rss_mb"], "search process peak RSS (HTTP skipped)"
    their_rss = fts5.get("search_rss_mb")
    rows.append(
        at_most(
            where,
            "rss",
            rss,
            SERVER_RSS_MB,
            "MB",
            f"{their_rss:g} MB (search process)" if their_rss else "–",
        )
    )
    cold, their_cold = orbite["cold_start"]["wall_s"], fts5.get("cold_start", {}).get("wall_s")
    rows.append(
        at_most(
            "cold start: spawn → first answer",
            "cold",
            cold,
            COLD_START_S,
            "s",
            f"{their_cold:g} s" if their_cold is not None else "–",
        )
    )
    return rows


def markdown(results: list[dict[str, Any]]) -> str:
    """The committed summary: latency per class, other figures, targets; ratios beside FTS5."""
    lines = ["# Orbite benchmark: latest results", ""]
    if not results:
        return "\n".join([*lines, "No results yet: run `make bench`.", ""])
    for result in results:
        info = result["info"]
        machine = info["machine"]
        lines += [
            f"## {result['size']:,} releases",
            "",
            f"{info['date']}, commit `{(info['commit'] or 'unknown')[:10]}` (code digest "
            f"`{info.get('source_sha256', '?')[:10]}`), {machine['cpu']} "
            f"({machine['cores']} cores, {machine['memory_gb']} GB), 1-min load average "
            f"{machine['load_average'][0]} at start, {machine.get('load_average_end', ['?'])[0]} "
            f"at end (other work on the machine); seed {result['seed']}, "
            f"{result['corpus']['files']:,} files, {result['corpus']['megabytes']} MB. "
            "Latency: `search(index, parse_request(...))` in-process, 10 per page, ms, each "
            "query timed the first time it is seen (after a warm-up on other queries); "
            "repeat = the same queries again (a result cache answers those); "
            "ratio = Orbite p95 / FTS5 p95.",
            "",
            *(
                ["**The code changed while this size was measured: figures mix two states.**", ""]
                if info.get("source_changed")
                else []
            ),
            *_latency_table(result),
            "",
            *_figures_table(result),
            "",
            "Issue 10's targets (before: the issue's figures, measured 2026-11-21):",
            "",
            "| figure | before | target | measured | FTS5 | met |",
            "| --- | --- | --- | --- | --- | --- |",
            *["| " + " | ".join(row) + " |" for row in targets(result)],
            "",
        ]
    return "\n".join(lines)


def _latency_table(result: dict[str, Any]) -> list[str]:
    orbite, fts5 = result["orbite"], result.get("fts5", {})
    http = orbite.get("http", {}).get("latency", {})
    rows = [
        "| class | Orbite p50 | p95 | p99 | repeat p95 | FTS5 p50 | FTS5 p95 | ratio p95 "
        "| HTTP p95 | matches |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in CLASSES:
        mine = orbite["latency"][kind]
        theirs = fts5.get("latency", {}).get(kind)
        over_http = http.get(kind)
        repeat = mine.get("repeat")
        rows.append(
            f"| {kind} | {mine['p50']:g} | {mine['p95']:g} | {mine['p99']:g} | "
            f"{_num(repeat and repeat['p95'])} | "
            f"{_num(theirs and theirs['p50'])} | {_num(theirs and theirs['p95'])} | "
            f"{_ratio(mine['p95'], theirs and theirs['p95'])} | "
            f"{_num(over_http and over_http['p95'])} | {mine['mean_total']:g} |"
        )
    return rows


def _figures_table(result: dict[str, Any]) -> list[str]:
    orbite, fts5 = result["orbite"], result.get("fts5", {})

    def pick(figures: dict, *path: str) -> float | None:
        for key in path:
            if not isinstance(figures, dict) or key not in figures:
                return None
            figures = figures[key]
        return figures

    rows = [
        ("full build (s)", ("build", "seconds")),
        ("build rate (releases/s)", ("build", "docs_per_s")),
        ("build peak RSS (MB)", ("build", "max_rss_mb")),
        ("build: largest worker process peak RSS (MB)", ("build", "workers_max_rss_mb")),
        ("index size (MB)", ("build", "index_mb")),
        ("`orbite index`, nothing changed (s)", ("index_unchanged_s",)),
        ("1 new file → searchable (s)", ("incremental", "add_1")),
        ("{batch} new files → searchable (s)", ("incremental", "add_batch")),
        ("1 changed file → searchable (s)", ("incremental", "change_1")),
        ("1 deleted file → gone (s)", ("incremental", "delete_1")),
        ("cold start: spawn → first answer (s)", ("cold_start", "wall_s")),
        ("cold start: imports + open (s)", ("cold_start", "open_s")),
        ("cold start: first search (s)", ("cold_start", "first_search_s")),
        ("cold start peak RSS (MB)", ("cold_start", "max_rss_mb")),
        ("search process peak RSS after the mix (MB)", ("search_rss_mb",)),
        ("`orbite serve` RSS after the HTTP mix (MB)", ("http", "rss_mb")),
        ("`orbite serve` peak RSS (MB)", ("http", "peak_rss_mb")),
        ("watcher: write → searchable over HTTP (s)", ("watcher", "seconds")),
    ]
    table = ["| figure | Orbite | FTS5 | ratio |", "| --- | ---: | ---: | ---: |"]
    batch = pick(orbite, "incremental", "batch")
    for label, path in rows:
        label = label.format(batch=batch)
        mine, theirs = pick(orbite, *path), pick(fts5, *path)
        if mine is not None:
            table.append(f"| {label} | {_num(mine)} | {_num(theirs)} | {_ratio(mine, theirs)} |")
    return table


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _ratio(mine: float | None, theirs: float | None) -> str:
    if not mine or not theirs:
        return "–"
    ratio = mine / theirs
    return f"{ratio:.1f}×" if ratio >= 0.95 else f"{ratio:.2g}×"  # 0.039×, not 0.0×


def svg(results: list[dict[str, Any]], width: int = 760, height: int = 440) -> str:
    """p95 latency per class against corpus size, log-log: Orbite solid, FTS5 dashed."""
    left, right, top, bottom = 60, 190, 30, 50
    sizes = [r["size"] for r in results] or [1]
    values = [
        r[engine]["latency"][k]["p95"]
        for r in results
        for engine in ("orbite", "fts5")
        if engine in r
        for k in CLASSES
    ] or [1.0]
    x_low, x_high = math.log10(min(sizes) / 1.5), math.log10(max(sizes) * 1.5)
    y_low = math.floor(math.log10(max(min(values), 0.01)))
    y_high = math.ceil(math.log10(max(values)))

    def x(size: float) -> float:
        return left + (math.log10(size) - x_low) / (x_high - x_low) * (width - left - right)

    def y(ms: float) -> float:
        span = (math.log10(max(ms, 0.01)) - y_low) / max(y_high - y_low, 1)
        return height - bottom - span * (height - top - bottom)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="13">p95 latency per query class (ms, log) '
        "vs releases: Orbite solid, FTS5 dashed (target: at or below FTS5)</text>",
    ]
    for power in range(y_low, y_high + 1):
        ms = 10.0**power
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(ms):.1f}" y2="{y(ms):.1f}" '
            f'stroke="#ddd"/><text x="{left - 6}" y="{y(ms) + 4:.1f}" '
            f'text-anchor="end">{ms:g}</text>'
        )
    for size in sizes:
        out.append(
            f'<text x="{x(size):.1f}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{size:,}</text>"
        )
    for number, kind in enumerate(CLASSES):
        colour = COLOURS[number % len(COLOURS)]
        for engine, dash in (("orbite", ""), ("fts5", "6,4")):
            points = [
                (x(r["size"]), y(r[engine]["latency"][kind]["p95"])) for r in results if engine in r
            ]
            out.append(_polyline(points, colour, dash))
        legend_y = top + 16 * number
        out.append(
            f'<line x1="{width - right + 15}" x2="{width - right + 40}" y1="{legend_y}" '
            f'y2="{legend_y}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{width - right + 46}" y="{legend_y + 4}">{escape(kind)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _polyline(points: list[tuple[float, float]], colour: str, dash: str) -> str:
    dots = "".join(
        f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colour}"/>' for px, py in points
    )
    coordinates = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline points="{coordinates}" fill="none" stroke="{colour}" stroke-width="1.5"'
        f"{dashes}/>{dots}"
    )
