"""The indexed words as written: what a typed start of a word can be completed into.

Prefix search (``querying.py``) and suggestions (``suggest.py``) complete the start of a word
into whole words. Stems are no use for this ("européen" is stemmed to ``europeen``, yet its
start ``europ`` must still find "Europe"), so completions are looked up among the words of the
``exact`` field (lower-cased, accents kept), compared folded: ``developp`` finds
"développement". The sorted list is built once per snapshot, on the first completion asked,
and the next snapshot's is derived from it by reading only the segments that changed.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from whoosh.support.levenshtein import distance

from indexer.analysis.normalize import fold
from indexer.index.engine import doc_frequencies

EXACT_FIELD = "exact"
_AFTER_EVERY_CHAR = "\U0010ffff"


@dataclass(frozen=True)
class Word:
    """An indexed word: its folded form, its written (lower-case) form and its releases."""

    folded: str
    form: str
    docs: int  # releases holding it, as the index counts them (deleted ones until a merge)


def segment_words(leaf) -> Counter[str]:
    """A segment's words and how many of its releases hold each.

    A segment's counts never change: its deleted releases stay counted until a merge
    replaces the segment, so counts can be added and taken away segment by segment.
    """
    # Segment by segment: a multi-segment reader looks every term up in every segment
    # (about 7 s at 5,000 releases in 20 segments, against 0.1 s this way).
    return Counter(
        {raw.decode("utf-8"): n for raw, n in doc_frequencies(leaf, EXACT_FIELD).items()}
    )


def _bag_distance(a: Counter[str], b: Counter[str]) -> int:
    """The letters one word has more of than the other: a bound below the edit distance,
    far cheaper to compute (an edit changes at most one letter on each side)."""
    return max(sum((a - b).values()), sum((b - a).values()))


class Vocabulary:
    """Every word of the ``exact`` field, sorted by folded form (then most frequent first) for
    prefix lookups. Held as three parallel lists rather than one object per word, so that a
    vocabulary saved beside the index (`indexer.search.tables.Saved`) loads in milliseconds.
    """

    def __init__(self, keys: list[str], forms: list[str], docs: list[int]) -> None:
        """Each word's folded form, written form and releases, in order."""
        self._keys, self._forms, self._docs = keys, forms, docs

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Vocabulary:
        """The vocabulary of the written forms `counts` gives the releases of."""
        return _made(sorted((fold(form), -n, form) for form, n in counts.items()))

    @classmethod
    def read(cls, reader) -> Vocabulary:
        """The vocabulary of every segment `reader` holds."""
        counts: Counter[str] = Counter()
        for leaf, _ in reader.leaf_readers():
            counts.update(segment_words(leaf))
        return cls.of(counts)

    def derive(self, gone: Iterable, new: Iterable) -> Vocabulary:
        """This vocabulary without the words of the segment readers `gone` and with those of
        `new`: what a commit that merged or deleted segments and wrote new ones holds.
        Only the words those segments hold are made again and put in place."""
        counts = dict(zip(self._forms, self._docs, strict=True))
        changed: set[str] = set()
        for leaves, sign in ((gone, -1), (new, 1)):
            for leaf in leaves:
                words = segment_words(leaf)
                changed.update(words)
                for form, n in words.items():
                    counts[form] = counts.get(form, 0) + sign * n
        entries = [
            (key, -n, form)
            for key, form, n in zip(self._keys, self._forms, self._docs, strict=True)
            if form not in changed
        ]
        for form in changed:
            if counts[form] > 0:  # else no segment holds it any more
                insort(entries, (fold(form), -counts[form], form))
        return _made(entries)

    def completions(self, start: str, limit: int) -> list[Word]:
        """The `limit` most frequent words whose folded form begins with `start` (folded)."""
        start = fold(start)
        if not start:
            return []
        forms, docs = self._forms, self._docs
        found = heapq.nlargest(limit, self._within(start), key=lambda i: (docs[i], forms[i]))
        return [self._word(i) for i in found]

    def near(self, word: str, maxdist: int) -> list[str]:
        """The words within `maxdist` edits of `word` (Damerau-Levenshtein) that begin with its
        first letter as written, most frequent first: what a misspelt word may have meant."""
        head, letters, forms = word[:1], Counter(word), self._forms
        found = [
            i
            for i in self._within(fold(head))
            if abs(len(forms[i]) - len(word)) <= maxdist
            and forms[i].startswith(head)
            and _bag_distance(Counter(forms[i]), letters) <= maxdist
            and distance(forms[i], word, limit=maxdist) <= maxdist
        ]
        found.sort(key=lambda i: (-self._docs[i], forms[i]))
        return [forms[i] for i in found]

    def _within(self, start: str) -> range:
        """The positions of the words whose folded form begins with `start` (folded)."""
        low = bisect_left(self._keys, start)
        return range(low, bisect_left(self._keys, start + _AFTER_EVERY_CHAR, low))

    def _word(self, i: int) -> Word:
        return Word(self._keys[i], self._forms[i], self._docs[i])

    def __len__(self) -> int:
        return len(self._forms)

    def __iter__(self) -> Iterator[Word]:
        return map(self._word, range(len(self._forms)))


def _made(entries: list[tuple[str, int, str]]) -> Vocabulary:
    """The vocabulary of (folded form, minus its releases, written form), in order."""
    return Vocabulary([e[0] for e in entries], [e[2] for e in entries], [-e[1] for e in entries])
