"""Text normalisation: the one module the analyzer, gazetteer, highlighting and metadata use.

Every comparison Orbite makes between what a user types and what a release says goes through
these functions, so that accents, apostrophes, ligatures and case never decide a match.
"""

from __future__ import annotations

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
    if len(text) < LONG_TEXT:
        return text.translate(_FOLD_TABLE)
    return _fold_long(text)[0]


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
    character folds to exactly one (they are the identity).
    """
    if text.isascii():
        return text.lower(), None
    if len(text) < LONG_TEXT:
        table = _FOLD_TABLE
        folded = text.translate(table)
        lengths = ((i, len(table[ord(c)])) for i, c in enumerate(text) if not c.isascii())
        uneven = [(index, length) for index, length in lengths if length != 1]
    else:
        folded, uneven = _fold_long(text)
    return folded, Offsets(uneven, len(folded)) if uneven else None


def _fold_long(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Fold `text` as arrays, and say where a character folds to more or fewer than one
    (its index in `text`, its folded length).

    `str.translate` looks every character of a French text up in a dict (its fast path is for
    ASCII only). Here every character of the table's range that folds to one is one array
    look-up, and only the others ("«", "œ", "…", or past the range) are folded one by one: a
    release's body in a tenth of the time.
    """
    np = _numpy()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _one_to_one()
    folded = table.take(codes, mode="clip")  # past the table: its last entry, _ODD
    odd = np.flatnonzero(folded == _ODD).tolist()
    if not odd:
        return folded.tobytes().decode("ascii"), []
    plain = folded.tobytes().decode("latin-1")  # _ODD's places are replaced below
    pieces: list[str] = []
    uneven: list[tuple[int, int]] = []
    last = 0
    for index in odd:
        char = fold_char(text[index])
        pieces += (plain[last:index], char)
        last = index + 1
        if len(char) != 1:
            uneven.append((index, len(char)))
    pieces.append(plain[last:])
    return "".join(pieces), uneven


# Characters folded by array look-up: Latin letters and signs, and the general punctuation
# (’ “ ” – … and the narrow no-break space of French typography).
_TABLE_RANGES = (range(0x250), range(0x2000, 0x2070))
_ODD = 0xFF  # in that table: folds to more or fewer than one character (every fold is ASCII)
LONG_TEXT = 256  # from this length folding works on arrays; shorter, `str.translate` costs less


@lru_cache(maxsize=1)
def _one_to_one():
    """By code point, the ASCII code of its folded character, or _ODD (also the last entry,
    which every code point past the table reads)."""
    np = _numpy()
    table = np.full(_TABLE_RANGES[-1].stop + 1, _ODD, dtype=np.uint8)
    for code in (code for codes in _TABLE_RANGES for code in codes):
        folded = fold_char(chr(code))
        if len(folded) == 1:
            table[code] = ord(folded)
    return table


def _numpy():
    """numpy, imported when a text is first folded: `orbite index` with nothing changed
    folds none and is quicker without the import."""
    import numpy

    return numpy


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
