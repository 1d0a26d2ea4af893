"""Text normalisation: the one module the analyzer, gazetteer, highlighting and metadata use.

Every comparison Orbite makes between what a user types and what a release says goes through
these functions, so that accents, apostrophes, ligatures and case never decide a match.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache

from unidecode import unidecode

# Typographic apostrophes and primes that French texts use in place of "'".
APOSTROPHES = "\u2019\u2018\u02bc\u02b9\u00b4\u0060\u2032\uff07"
_APOSTROPHE_TABLE = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def nfc(text: str) -> str:
    """Compose accents so that "é" typed as e + combining acute equals "é"."""
    return unicodedata.normalize("NFC", text)


def without_accents(text: str) -> str:
    """Text without its accents, case and other letters kept ("Comète" -> "Comete", "œ" stays):
    compatibility forms decomposed, combining marks dropped. For names that must stay
    readable, such as a download's file name, rather than compare equal (that is `fold`)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_apostrophes(text: str) -> str:
    """Replace every typographic apostrophe with the ASCII one."""
    return text.translate(_APOSTROPHE_TABLE)


def unify(text: str) -> str:
    """Lower-case, ligatures split, apostrophes ASCII, accents kept: the exact forms' spelling."""
    text = text.lower()
    if text.isascii():
        return text
    return normalize_apostrophes(text.translate(LIGATURES))


@lru_cache(maxsize=65536)
def fold_char(char: str) -> str:
    """Fold one character: lowercase, without accent, ligatures split, apostrophes unified."""
    if char.isascii():
        return char.lower()
    char = normalize_apostrophes(char)
    if char == "'":
        return char
    return unidecode(char).lower()


def fold(text: str) -> str:
    """Fold a string for accent-, case- and apostrophe-insensitive comparison."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


class _FoldTable(dict):
    """A `str.translate` table that folds any character, filled in as characters are met."""

    def __missing__(self, code: int) -> str:
        if len(self) > 100_000:  # hostile input could name every code point: stay bounded
            self.clear()
        folded = self[code] = fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold_with_offsets(text: str) -> tuple[str, Offsets | None]:
    """Fold `text` and map every folded character back to its offset in `text`.

    `offsets[i]` is the index in `text` of the character that produced folded character `i`,
    plus one closing entry, `len(text)`, so that slices map back. Offsets are None when every
    character folds to exactly one (they are the identity). `str.translate` folds at C speed,
    and a regular expression finds the few characters that may fold to more or fewer than one
    ("œ", "«", "…"): only those are looked at.
    """
    table = _FOLD_TABLE
    folded = text.translate(table)
    lengths = ((m.start(), len(table[ord(m.group())])) for m in _unusual().finditer(text))
    uneven = [(index, length) for index, length in lengths if length != 1]
    return folded, Offsets(uneven, len(folded)) if uneven else None


@lru_cache(maxsize=1)
def _unusual() -> re.Pattern[str]:
    """Any character but ASCII and the Latin letters, apostrophes and signs that fold to one."""
    latin = (chr(code) for code in range(0x80, 0x250))
    usual = "".join(char for char in latin if len(fold_char(char)) == 1) + APOSTROPHES
    return re.compile(f"[^\\x00-\\x7f{re.escape(usual)}]")


class Offsets(Sequence[int]):
    """Offsets in a text of its folded characters, kept as the few characters that fold to
    more or fewer than one (a French release has a few "«", "»" and "œ" in thousands), so
    that an offset costs a binary search rather than a list as long as the text."""

    def __init__(self, uneven: list[tuple[int, int]], size: int) -> None:
        self.size = size + 1  # the closing entry
        self.starts: list[int] = []  # where each of those characters' folding starts
        self.at = [index for index, _ in uneven]
        self.lengths = [length for _, length in uneven]
        shift = 0
        for index, length in uneven:
            self.starts.append(index + shift)
            shift += length - 1

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> int:  # type: ignore[override]
        if not 0 <= i < self.size:
            raise IndexError(i)
        k = bisect_right(self.starts, i) - 1
        if k < 0:
            return i
        start, at, length = self.starts[k], self.at[k], self.lengths[k]
        return at if i < start + length else at + 1 + i - start - length
