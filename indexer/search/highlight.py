"""Snippets and highlighting: the words a query matched, marked in their original form.

Everything is HTML-escaped except the ``<mark>`` elements added here, so a snippet can be put
in a page as is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from html import escape
from itertools import islice
from typing import NamedTuple

from indexer.analysis.french import term_spans
from indexer.analysis.normalize import fold, fold_with_offsets

Span = tuple[int, int]
SNIPPET_CHARS = 240
CONTEXT_CHARS = 60
CANDIDATES = 500  # sentences holding a wanted word looked at for a limited set of spans
_SPACES = re.compile(r"\s+")
_STOPS = ("\n", ".", "!", "?", ";")


def matched_spans(
    text: str,
    terms: frozenset[str],
    phrases: Iterable[tuple[str, ...]] = (),
    extra: Iterable[Span] = (),
    limit: int | None = None,
) -> list[Span]:
    """Character spans of `text` to mark: words whose French term is in `terms`, runs of words
    that spell one of `phrases`, and the `extra` spans.

    One regular expression over the folded text (`normalize.fold_with_offsets`: accents, case,
    ligatures and apostrophes as the analyzer folds them) finds, at C speed, the words that may
    hold a wanted term; only they are analysed (their whole sentences when there are phrases,
    whose words must be side by side). With a `limit`, only that many sentences: those holding
    the most different wanted words, among the first `CANDIDATES` sentences (a snippet needs the
    richest passage, not every mark of a 20 MB release).
    """
    spans = list(extra)
    phrases = tuple(phrases)
    prefixes = {_prefix(term) for term in terms.union(*phrases) if term}
    sentences: Iterable[_Sentence] = _candidate_sentences(text, prefixes)
    if limit is not None:
        sentences = _richest(islice(sentences, CANDIDATES), limit)
    for sentence in sentences:
        pieces = [(sentence.start, sentence.end)] if phrases else _words_at(text, sentence.words)
        for start, end in pieces:
            words = [(start + s, start + e, t) for s, e, t in term_spans(text[start:end])]
            spans += [(s, e) for s, e, term in words if term in terms]
            for phrase in phrases:
                size = len(phrase)
                spans += [
                    (words[i][0], words[i + size - 1][1])
                    for i in range(len(words) - size + 1)
                    if all(words[i + k][2] == phrase[k] for k in range(size))
                ]
    return _merge(spans)


class _Sentence(NamedTuple):
    """A sentence holding words that begin with a wanted prefix."""

    start: int
    end: int
    prefixes: set[str]  # the prefixes its words begin with
    words: list[int]  # where those words (or their parts after an elision) begin


def _candidate_sentences(text: str, prefixes: set[str]) -> Iterator[_Sentence]:
    """The sentences holding a word whose folded form begins with one of `prefixes`."""
    if not prefixes:
        return
    folded, offsets = fold_with_offsets(text)
    pattern = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    sentence: _Sentence | None = None
    for match in _term_starts(re.compile(pattern), folded):
        found, after = match.span()
        if offsets is not None:  # back to the text's own offsets
            found, after = offsets[found], offsets[after]
        if sentence is not None and found < sentence.end:
            sentence.prefixes.add(match.group())
            sentence.words.append(found)
            continue
        if sentence is not None:
            yield sentence
        start = max(text.rfind(stop, 0, found) for stop in _STOPS) + 1
        ends = [i for i in (text.find(stop, after) for stop in _STOPS) if i >= 0]
        sentence = _Sentence(start, min(ends) + 1 if ends else len(text), {match.group()}, [found])
    if sentence is not None:
        yield sentence


def _term_starts(prefix: re.Pattern[str], folded: str) -> Iterator[re.Match[str]]:
    """The matches of `prefix` where the analyzer may start a term: after no letter or digit,
    or where letters and digits meet ("A320" is "a" and "320"; "N°2" folds to "ndeg2").

    Checked here rather than by a look-behind in the pattern, which made the regular
    expression four times slower; a match that is not a start is searched again one
    character further, so that it hides no start it overlaps."""
    position = 0
    while match := prefix.search(folded, position):
        at = match.start()
        before = folded[at - 1] if at else " "
        if not before.isalnum() or before.isdecimal() != folded[at].isdecimal():
            yield match
            position = match.end()
        else:
            position = at + 1


def _words_at(text: str, positions: Iterable[int]) -> list[Span]:
    """The runs of text between white space that hold these positions, each once: a written
    word never spans white space, so its terms are the same read alone as in its sentence."""
    return list(dict(_to_word_bounds(text, position, position) for position in positions).items())


def _richest(sentences: Iterable[_Sentence], limit: int) -> list[_Sentence]:
    """The `limit` sentences holding the most different prefixes (the first ones among
    equals), in text order."""
    found = list(sentences)
    if len(found) <= limit:
        return found
    ranked = sorted(range(len(found)), key=lambda i: (-len(found[i].prefixes), i))
    return [found[i] for i in sorted(ranked[:limit])]


def _prefix(term: str) -> str:
    """A start that the folded written word shares with its stem ("spatiaux" -> "spatial").

    Snowball only rewrites the end of a word, so a few letters short of the stem suffice.
    """
    return term[: max(1, min(4, len(term) - 1))]


def highlight(text: str, spans: list[Span]) -> str:
    """The whole text, escaped, with every span marked; line breaks are kept."""
    return _render(text, spans, 0, len(text), escape)


def snippet(text: str, spans: list[Span], max_chars: int = SNIPPET_CHARS) -> str:
    """The passage of about `max_chars` characters that holds the most matched words."""
    if not spans:
        start, end = 0, min(len(text), max_chars)
    else:
        first, last = _best_window(text, spans, max_chars)
        start = max(0, first - CONTEXT_CHARS)
        end = min(len(text), max(last, start + max_chars))
        start = max(0, min(start, end - max_chars))
    start, end = _to_word_bounds(text, start, end)
    window = [(s, e) for s, e in spans if s >= start and e <= end]
    html = _render(text, window, start, end, _one_line).strip()
    return ("… " if start > 0 else "") + html + (" …" if end < len(text) else "")


def _best_window(text: str, spans: list[Span], max_chars: int) -> Span:
    """The first and last character of the richest run of spans fitting in `max_chars`: the
    most different words marked, then the most marks, then the first."""
    words = [fold(text[start:end]) for start, end in spans]
    best: tuple[int, int, int] = (-1, 0, 0)
    best_window = spans[0]
    j = 0
    for i, (start, _) in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] - start <= max_chars:
            j += 1
        score = (len(set(words[i : j + 1])), j - i + 1, -start)
        if score > best:
            best, best_window = score, (start, spans[j][1])
    return best_window


def _to_word_bounds(text: str, start: int, end: int) -> Span:
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _render(text: str, spans: list[Span], start: int, end: int, plain: Callable[[str], str]) -> str:
    out: list[str] = []
    cursor = start
    for span_start, span_end in spans:
        out.append(plain(text[cursor:span_start]))
        out.append(f"<mark>{plain(text[span_start:span_end])}</mark>")
        cursor = span_end
    out.append(plain(text[cursor:end]))
    return "".join(out)


def _one_line(text: str) -> str:
    return escape(_SPACES.sub(" ", text))


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
