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
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources

import Stemmer
from whoosh.analysis import Analyzer, Composable, Filter, StopFilter, Token, Tokenizer

from indexer.analysis.normalize import APOSTROPHES, fold, unify

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


def words(text: str) -> Iterator[tuple[int, str]]:
    """(offset, word) for each written word of a text; the "N" of "N°2" is not a word."""
    for match in _WORD.finditer(text):
        end = match.end()
        if text[end : end + 1] in _NUMERO_SIGNS and match.group() in ("N", "n"):
            continue
        yield match.start(), match.group()


# A span of a text: (start, end, term text, stopped), the offsets in the text.
Span = tuple[int, int, str, bool]


class _SpanTokens:
    """Whoosh's tokenizer call, once for both tokenizers: one reused `Token` per span that a
    subclass's ``spans`` finds, with positions and characters counted as Whoosh expects."""

    def spans(self, value: str, tokenize: bool) -> Iterable[Span]:
        raise NotImplementedError

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
        for start, end, text, stopped in self.spans(value, tokenize):
            if stopped and removestops:
                continue
            token.text, token.stopped, token.boost = text, stopped, 1.0
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class FrenchTokenizer(_SpanTokens, Tokenizer):
    """Split text into words and words into their searchable parts (see ``word_parts``)."""

    def spans(self, value: str, tokenize: bool) -> Iterator[Span]:
        if not tokenize:
            yield 0, len(value), value, False
            return
        for offset, word in words(value):
            for start, end in word_parts(word):
                yield offset + start, offset + end, word[start:end], False


class NormalizeFilter(Filter):
    """Lower-case, split the ligatures œ and æ, and use the ASCII apostrophe."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = _normalize(token.text)
            yield token


_normalize = lru_cache(maxsize=100_000)(unify)


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


class WordMemo(_SpanTokens, Analyzer):
    """Runs a chain once per distinct word, then replays it: the same tokens, many times faster.

    A chain's output for a word does not depend on the words around it, and a corpus repeats
    its words, so indexing and highlighting mostly read this cache instead of re-running the
    tokenizer and every filter. The cache is per process and per chain `name`, outside the
    object, so that the pickled schema stays small and every unpickled copy shares it.
    """

    MAX_WORDS = 500_000

    def __init__(self, name: str, chain: Composable) -> None:
        self.name = name
        self.chain = chain

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordMemo) and (self.name, self.chain) == (other.name, other.chain)

    def __hash__(self) -> int:
        return hash(self.name)

    def has_morph(self) -> bool:
        return self.chain.has_morph()

    def parts(self, word: str) -> tuple[Span, ...]:
        """(start, end, text, stopped) of the tokens the chain makes of one word."""
        cache = _WORD_CACHES.setdefault(self.name, {})
        found = cache.get(word)
        if found is None:
            if len(cache) >= self.MAX_WORDS:
                cache.clear()
            tokens = self.chain(word, chars=True, removestops=False)
            found = cache[word] = tuple((t.startchar, t.endchar, t.text, t.stopped) for t in tokens)
        return found

    def spans(self, value: str, tokenize: bool) -> Iterator[Span]:
        if not tokenize:  # a wildcard or a prefix: the text as one token, through the chain
            for t in self.chain(value, chars=True, removestops=False, tokenize=False):
                yield t.startchar, t.endchar, t.text, t.stopped
            return
        for offset, word in words(value):
            for start, end, text, stopped in self.parts(word):
                yield offset + start, offset + end, text, stopped


_WORD_CACHES: dict[str, dict[str, tuple[Span, ...]]] = {}


def _exact_chain() -> Composable:
    return FrenchTokenizer() | NormalizeFilter() | _stop_filter()


def exact_analyzer() -> WordMemo:
    """Words as written, lower-cased: the field that rewards exact forms."""
    return WordMemo("exact", _exact_chain())


def french_analyzer() -> WordMemo:
    """Stemmed, accent-folded words: the field that finds every form of a word."""
    return WordMemo("french", _exact_chain() | FrenchStemFilter() | FoldFilter())


def pair_term(first: str, second: str) -> str:
    """The term that says two French terms stand side by side."""
    return f"{first} {second}"


class PairFilter(Filter):
    """Turn a stream of terms into the stream of its neighbouring pairs ("a b", "b c", ...).

    Indexed as terms of their own, pairs answer phrase queries without reading positions.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        previous = None
        for token in tokens:
            current = token.text
            if previous is not None:
                token.text = pair_term(previous, current)
                yield token
            previous = current


def pairs_analyzer() -> Composable:
    """Neighbouring pairs of French terms: the field that answers phrases."""
    return french_analyzer() | PairFilter()


def analyze(text: str, analyzer: Composable | None = None) -> list[str]:
    """The terms an analyzer (the French one by default) makes of a text, for tests and tools."""
    analyzer = analyzer or french_analyzer()
    return [token.text for token in analyzer(text)]


_FRENCH = french_analyzer()


def term_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, term) of every French term of a text, in order.

    Highlighting uses it to find, in the original text, the words a query matched.
    """
    for offset, word in words(text):
        for start, end, term, stopped in _FRENCH.parts(word):
            if not stopped:
                yield offset + start, offset + end, term
