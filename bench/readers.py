"""`python -m bench.readers`: what reading costs per release, step by step.

Mojibake repair runs on every file, so its cost is measured on the benchmark's generated
releases: the cheap test alone, ftfy on every text (what the test saves), and the repair of
releases that really were misread (UTF-8 read as Windows-1252).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

import ftfy

from bench.generate import load_material, make_release
from indexer import mojibake


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


if __name__ == "__main__":
    main()
