"""Text normalisation shared by the analyzer, the gazetteer and the metadata extractor.

Every comparison Orbite makes between what a user types and what a release says goes through
these functions, so that accents, apostrophes, ligatures and case never decide a match.
"""

from __future__ import annotations

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


def normalize_apostrophes(text: str) -> str:
    """Replace every typographic apostrophe with the ASCII one."""
    return text.translate(_APOSTROPHE_TABLE)


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
    return "".join(fold_char(c) for c in text)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold `text` and map every folded character back to its offset in `text`.

    `offsets[i]` is the index in `text` of the character that produced folded character `i`;
    one more entry, `len(text)`, closes the list so that slices can be mapped back.
    """
    pieces: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = fold_char(char)
        pieces.append(folded)
        offsets.extend([index] * len(folded))
    offsets.append(len(text))
    return "".join(pieces), offsets
