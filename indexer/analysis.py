"""The French analysis chain, used identically when indexing and when parsing queries.

Two analyzers are built from the same small parts, composed with ``|`` as in Whoosh:

- ``french_analyzer()``: words -> elision removed -> lower case, ligatures split -> stop words
  removed -> Snowball French stem (PyStemmer) -> accents folded. "L’Agence spatiale européenne"
  becomes ``agenc spatial europeen``. It finds every form of a word, whatever its accents.
- ``exact_analyzer()``: the same without stemming and folding. A separate field analysed this
  way lets exact forms ("étoiles") rank above stem-only or accent-folded matches ("étoile",
  "etoiles").

Compound names are cut into parts at hyphens and at letter/digit boundaries, with consecutive
positions, so "Bion-M2", "Bion M2", "IASI-NG", "Hayabusa2" and "Hayabusa 2" all give the same
tokens; the query parser turns such a word into a phrase of its parts (see ``schema.py``).
Analyzers are pickled inside the index schema, so every class here holds no unpicklable state.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

import Stemmer
from whoosh.analysis import Composable, Filter, StopFilter, Token, Tokenizer

from indexer.normalize import APOSTROPHES, LIGATURES, fold

ELISIONS = frozenset(
    ["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"]
)

# A word: letters and digits, with hyphens and apostrophes inside it (not at its ends).
_WORD = re.compile(rf"[^\W_]+(?:[-'{APOSTROPHES}][^\W_]+)*")
_HYPHEN = re.compile(r"-")
_NUMERO_SIGNS = frozenset("°º")
_APOSTROPHE = re.compile(rf"['{APOSTROPHES}]")
# Runs of letters, or runs of digits: "hayabusa2" -> "hayabusa", "2".
_LETTERS_OR_DIGITS = re.compile(rf"\d+|[^\W\d_]+(?:['{APOSTROPHES}][^\W\d_]+)*")


def _stopwords() -> frozenset[str]:
    text = resources.files("indexer").joinpath("data/stopwords_fr.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


STOPWORDS = _stopwords()


def word_parts(word: str) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) spans of the searchable parts of one written word.

    Elided articles and pronouns ("l'", "qu’", "jusqu'") are dropped, hyphenated words are cut
    at their hyphens, and letters are cut from digits. Other apostrophes stay inside the word
    ("aujourd'hui", "Chang'e").
    """
    for piece in _split_spans(word, _HYPHEN, 0, len(word)):
        start, end = _drop_elision(word, *piece)
        for match in _LETTERS_OR_DIGITS.finditer(word, start, end):
            yield match.start(), match.end()


def _split_spans(text: str, separator: re.Pattern[str], start: int, end: int):
    for match in separator.finditer(text, start, end):
        yield start, match.start()
        start = match.end()
    yield start, end


def _drop_elision(word: str, start: int, end: int) -> tuple[int, int]:
    match = _APOSTROPHE.search(word, start, end)
    if match and word[start : match.start()].lower() in ELISIONS:
        return match.end(), end
    return start, end


class FrenchTokenizer(Tokenizer):
    """Split text into words and words into their searchable parts (see ``word_parts``)."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for word in _WORD.finditer(value):
            if value[word.end() : word.end() + 1] in _NUMERO_SIGNS and word.group() in ("N", "n"):
                continue  # "N°2" is the number 2
            offset = word.start()
            for start, end in word_parts(word.group()):
                token.text = word.group()[start:end]
                token.stopped = False
                token.boost = 1.0
                if keeporiginal:
                    token.original = token.text
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = start_char + offset + start
                    token.endchar = start_char + offset + end
                yield token


class NormalizeFilter(Filter):
    """Lower-case, split the ligatures œ and æ, and use the ASCII apostrophe."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = _normalize(token.text)
            yield token


@lru_cache(maxsize=100_000)
def _normalize(text: str) -> str:
    text = text.lower()
    if text.isascii():
        return text
    return text.translate(LIGATURES).translate(str.maketrans(dict.fromkeys(APOSTROPHES, "'")))


class FrenchStemFilter(Filter):
    """Snowball French stemming with PyStemmer, memoised (stems repeat a lot in a corpus)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


_local = threading.local()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball French stem of a lower-case word."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # PyStemmer objects must not be shared between threads
        stemmer = _local.stemmer = Stemmer.Stemmer("french")
    return stemmer.stemWord(word)


class FoldFilter(Filter):
    """Fold accents after stemming, so that "coopération" and "cooperation" meet."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.text.isascii():
                token.text = fold(token.text)
            yield token


def _stop_filter() -> StopFilter:
    # minsize=1 keeps one-digit parts such as the "6" of "Chang'e 6".
    return StopFilter(stoplist=STOPWORDS, minsize=1)


def exact_analyzer() -> Composable:
    """Words as written, lower-cased: the field that rewards exact forms."""
    return FrenchTokenizer() | NormalizeFilter() | _stop_filter()


def french_analyzer() -> Composable:
    """Stemmed, accent-folded words: the field that finds every form of a word."""
    return exact_analyzer() | FrenchStemFilter() | FoldFilter()


def analyze(text: str, analyzer: Composable | None = None) -> list[str]:
    """The terms an analyzer (the French one by default) makes of a text, for tests and tools."""
    analyzer = analyzer or french_analyzer()
    return [token.text for token in analyzer(text)]


_FRENCH = french_analyzer()


def term_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, term) of every French term of a text, in order, memoised word by word.

    Highlighting uses it to find, in the original text, the words a query matched.
    """
    for word in _WORD.finditer(text):
        base = word.start()
        for start, end, term in _word_terms(word.group()):
            yield base + start, base + end, term


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((t.startchar, t.endchar, t.text) for t in _FRENCH(word, chars=True))
