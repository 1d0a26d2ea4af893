"""Text normalisation: the one module the analyzer, gazetteer, highlighting and metadata use.

Every comparison Orbite makes between what a user types and what a release says goes through
these functions, so that accents, apostrophes, ligatures and case never decide a match.
"""

from __future__ import annotations

import re
import unicodedata
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


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Fold `text` and map every folded character back to its offset in `text`.

    `offsets[i]` is the index in `text` of the character that produced folded character `i`,
    plus one closing entry, `len(text)`, so that slices map back. Offsets are None when every
    character folds to exactly one (they are the identity). `str.translate` does the folding
    at C speed; only the rare characters that fold to more or fewer ("œ", "…") are walked.
    """
    table = _FOLD_TABLE
    folded = text.translate(table)
    uneven = "".join(char for char in set(text) if len(table[ord(char)]) != 1)
    if not uneven:
        return folded, None
    offsets: list[int] = []
    done = 0
    for match in re.finditer(f"[{re.escape(uneven)}]", text):
        index = match.start()
        offsets.extend(range(done, index))
        offsets.extend([index] * len(table[ord(text[index])]))
        done = index + 1
    offsets.extend(range(done, len(text) + 1))
    return folded, offsets
