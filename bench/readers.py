"""`python -m bench.readers`: what reading costs per release, and how well pages are read.

Mojibake repair runs on every file, so its cost is measured on the benchmark's generated
releases: the cheap test alone, ftfy on every text (what the test saves), and the repair of
releases that really were misread (UTF-8 read as Windows-1252).

HTML extraction is compared on the saved agency pages of `bench/web_pages.py`: headlines read
right, release lines kept (date line and paragraphs), chrome lines leaked, pages per second.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ftfy
import trafilatura

from bench.generate import load_material, make_release
from bench.web_pages import web_pages
from indexer.reading import mojibake, readers


def per_release_us(action: Callable[[str], object], texts: Sequence[str], passes: int) -> float:
    """The best of `passes` timed runs over `texts`, in microseconds per text."""
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for text in texts:
            action(text)
        best = min(best, time.perf_counter() - start)
    return best / len(texts) * 1e6


def mojibake_costs(releases: int, passes: int, seed: int = 1) -> dict[str, float]:
    """Microseconds per release of each step of the repair, on `releases` generated ones."""
    material = load_material(seed)
    texts = [make_release(material, seed, number, ".txt").text for number in range(releases)]
    misread = [text.encode().decode("sloppy-windows-1252") for text in texts]
    config = mojibake._CONFIG
    return {
        "cheap test, correct text": per_release_us(mojibake.may_be_mojibake, texts, passes),
        "repair(), correct text": per_release_us(mojibake.repair, texts, passes),
        "ftfy on every text (no test)": per_release_us(
            lambda text: ftfy.fix_text(text, config), texts, passes
        ),
        "repair(), misread text": per_release_us(mojibake.repair, misread, passes),
        "mean release size (chars)": sum(map(len, texts)) / len(texts),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.readers", description=__doc__)
    parser.add_argument("--releases", type=int, default=300)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"mojibake repair, {args.releases} generated releases (µs per release):")
    for step, value in mojibake_costs(args.releases, args.passes).items():
        print(f"  {step:32} {value:10.1f}")
    material = load_material(1)
    generated = [make_release(material, 1, n, ".html").text for n in range(args.releases)]
    alone = html_extractors()["ours alone"]
    print(f"reading {args.releases} generated .html releases (ms per release):")
    print(f"  {'ours alone':32} {per_release_us(alone, generated, args.passes) / 1000:10.2f}")
    both = per_release_us(readers._page, generated, args.passes) / 1000
    print(f"  {'ours + trafilatura (kept)':32} {both:10.2f}")
    pages, expected, chrome, results = evaluate_html(args.passes)
    print(f"HTML extraction, {pages} saved agency pages:")
    print(f"  {'extractor':28} titles  lines/{expected}  leaks/{chrome}  pages/s")
    for name, found in results.items():
        print(
            f"  {name:28} {found.titles:3}/{pages}  {found.lines:8}  {found.leaks:8}"
            f"  {found.pages_per_s:7.0f}"
        )


@dataclass(frozen=True)
class Extraction:
    """How one HTML extractor reads the evaluation pages."""

    titles: int
    lines: int
    leaks: int
    pages_per_s: float


def html_extractors() -> dict[str, Callable[[str], tuple[str, str | None]]]:
    """Each way of reading a page compared: (text, headline)."""

    def ours_alone(html: str) -> tuple[str, str | None]:
        page = readers._parse_html(html)
        level = page.content_level()
        return page.text(level), page.title(level)

    def trafilatura_alone(html: str) -> tuple[str, str | None]:
        found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
        return (found.text or "", found.title) if found else ("", None)

    def trafilatura_fast(html: str) -> tuple[str, str | None]:
        found = trafilatura.bare_extraction(html, with_metadata=True, fast=True)
        return (found.text or "", found.title) if found else ("", None)

    return {
        "ours alone": ours_alone,
        "trafilatura alone": trafilatura_alone,
        "trafilatura alone, fast": trafilatura_fast,
        "ours + trafilatura (kept)": lambda html: readers._page(html)[:2],
    }


def evaluate_html(passes: int) -> tuple[int, int, int, dict[str, Extraction]]:
    """Pages, expected lines and chrome lines, and what each extractor makes of them."""
    pages = web_pages()
    results = {}
    for name, extract in html_extractors().items():
        best = float("inf")
        for _ in range(passes):
            start = time.perf_counter()
            outputs = [extract(page.html) for page in pages]
            best = min(best, time.perf_counter() - start)
        titles = lines = leaks = 0
        for page, (text, title) in zip(pages, outputs, strict=True):
            text = _squeeze(text)
            titles += _squeeze(title or "") == page.title
            lines += sum(_squeeze(line) in text for line in page.lines)
            leaks += sum(_squeeze(line) in text for line in page.chrome + page.stays)
        results[name] = Extraction(titles, lines, leaks, len(pages) / best)
    expected = sum(len(page.lines) for page in pages)
    chrome = sum(len(page.chrome + page.stays) for page in pages)
    return len(pages), expected, chrome, results


def _squeeze(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    main()
