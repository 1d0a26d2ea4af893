"""Suggestions while typing: agencies, missions and words that complete what is typed.

`suggest(index, q)` is the `/api/suggest` object. Only what an empty search shows is offered
(`search.shown`): an agency, a mission or a word that no visible release holds is never
suggested, and counts are counted over visible releases only.

Order, most useful first:
1. an agency or mission one of whose names is exactly what was typed;
2. then the suggestions that account for more of what was typed: "Agence spatiale e" offers
   ESA (its alias "Agence spatiale européenne" begins with all of it) before the words
   beginning with "e";
3. then by the number of visible releases holding them, most first; on a tie a word comes
   before an agency or a mission, then the shorter text, then alphabetical order.

An agency or mission is offered under its canonical name when one of its names (any alias)
begins with the whole query or with its last words ("lancement Ari" offers Ariane 6). A word
completes the query's last word (kept in place with the words before it: "mission lun" offers
"mission lunaire"), in its most frequent spelling: accents as the index holds them, case as
the releases write it. A word that is a name of an offered entity is left out.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from typing import Any

from whoosh.searching import Searcher

from indexer.analysis.french import exact_analyzer, words
from indexer.analysis.normalize import fold
from indexer.reading.gazetteer import AGENCY, MISSION, name_key
from indexer.search.request import MAX_QUERY_CHARS, printable
from indexer.search.searching import shown
from indexer.search.snapshot import SearchIndex, Snapshot
from indexer.search.vocabulary import EXACT_FIELD

MAX_SUGGESTIONS = 8
WORD_CANDIDATES = 24  # most frequent completions checked against the visible releases
CASE_SAMPLES = 5  # releases read to learn how a word is capitalised
_SEPARATORS = re.compile(r"[\s-]+")
CASE_MATCHES = 50  # occurrences read per release
CASE_CONTEXT = 20  # characters around an occurrence that tell a heading in capitals
_SENTENCE_ENDS = frozenset(".!?:…»\n\r")
NAME_WORDS = 8  # words of the query's end compared with names (long aliases have about 8)
# Per snapshot, learnt once: how its releases write a word (its capitalisation), and the
# compared forms of each agency's and mission's names.
_WRITTEN: weakref.WeakKeyDictionary[Snapshot, dict[str, str]] = weakref.WeakKeyDictionary()
_NAMES: weakref.WeakKeyDictionary[Snapshot, dict] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class _Candidate:
    text: str
    kind: str
    count: int
    matched: int  # characters of the query it completes (folded, without separators)
    exact: bool = False

    def order(self) -> tuple:
        return (
            not self.exact,
            -self.matched,
            -self.count,
            self.kind != "word",
            len(self.text),
            self.text,
        )


def suggest(index: SearchIndex, q: str) -> dict[str, Any]:
    """The suggestions for what a user has typed so far; any string is valid."""
    text = printable(q)[:MAX_QUERY_CHARS]
    found: list[_Candidate] = []
    if text.strip():
        snapshot = index.snapshot()
        with snapshot.reading() as searcher:
            visible, facets = shown(snapshot, index.visibility(snapshot), searcher)
            entities = _entities(snapshot, facets, text)
            names = {key for e in entities for key, _ in _name_forms(snapshot, e.kind, e.text)}
            found = entities + _words(snapshot, searcher, visible, text, names)
    found.sort(key=_Candidate.order)
    return {
        "query": text,
        "suggestions": [{"text": c.text, "kind": c.kind} for c in found[:MAX_SUGGESTIONS]],
    }


def _entities(snapshot: Snapshot, facets: dict[str, list], text: str) -> list[_Candidate]:
    """Visible agencies and missions one of whose names begins with the query's last words."""
    offsets = [offset for offset, _ in words(text)][-NAME_WORDS:]
    starts = [_forms(text[offset:]) for offset in offsets]
    starts = [start for start in starts if start[0]]
    complete = text[-1:].isspace()  # then its last word is a whole word of the name
    whole = name_key(text)
    found = []
    for kind in (AGENCY, MISSION):
        for value in facets[kind]:
            names = _name_forms(snapshot, kind, value["value"])
            matched = max(
                (
                    len(start[0])
                    for start in starts
                    if any(_begins(name, start, complete) for name in names)
                ),
                default=0,
            )
            if matched:
                exact = any(key == whole for key, _ in names)
                found.append(_Candidate(value["value"], kind, value["count"], matched, exact))
    return found


def _begins(name: tuple[str, str], start: tuple[str, str], complete: bool) -> bool:
    """Whether a name begins with `start` (folded, spaces and hyphens aside); with `complete`,
    its last word must end where a word of the name ends."""
    (key, spaced), (typed, typed_spaced) = name, start
    if not key.startswith(typed):
        return False
    return not complete or key == typed or spaced.startswith(typed_spaced + " ")


def _forms(name: str) -> tuple[str, str]:
    """A name's key (folded, without separators) and its folded words joined by one space."""
    return name_key(name), " ".join(_SEPARATORS.split(fold(name).strip()))


def _name_forms(snapshot: Snapshot, kind: str, name: str) -> tuple[tuple[str, str], ...]:
    """`_forms` of every name of an agency or mission, computed once per snapshot."""
    known = _NAMES.setdefault(snapshot, {})
    forms = known.get((kind, name))
    if forms is None:
        forms = known[(kind, name)] = tuple(_forms(n) for n in _names(snapshot, kind, name))
    return forms


def _names(snapshot: Snapshot, kind: str, name: str) -> tuple[str, ...]:
    """Every name of an agency or mission: the gazetteer's aliases, or the name found alone."""
    entity = snapshot.gazetteer.lookup(kind, name)
    return entity.aliases if entity is not None else (name,)


def _words(
    snapshot: Snapshot, searcher: Searcher, visible: set[int], text: str, names: set[str]
) -> list[_Candidate]:
    """Completions of the last word, in their most frequent spelling, counted over `visible`;
    none that is one of `names` (keys of the entities offered)."""
    tokens = list(exact_analyzer()(text, chars=True, removestops=False))
    if not tokens or tokens[-1].endchar != len(text):  # after a space, the word is complete
        return []
    last = tokens[-1]
    start, end = last.startchar, last.endchar
    spellings: dict[str, Counter[str]] = {}
    holders: dict[str, set[int]] = {}
    for word in snapshot.vocabulary.completions(last.text, WORD_CANDIDATES):
        docs = visible.intersection(snapshot.postings.hits(EXACT_FIELD, word.form)[0].tolist())
        if docs:
            spellings.setdefault(word.folded, Counter())[word.form] = len(docs)
            holders.setdefault(word.folded, set()).update(docs)
    found = []
    for folded, forms in spellings.items():
        form = forms.most_common(1)[0][0]
        written = _written(snapshot, searcher, form, holders[folded])
        completed = (text[:start] + written + text[end:]).strip()
        if names & {name_key(written), name_key(completed)}:
            continue
        found.append(_Candidate(completed, "word", len(holders[folded]), len(fold(last.text))))
    return found


def _written(snapshot: Snapshot, searcher: Searcher, form: str, docnums: set[int]) -> str:
    """How the releases capitalise a word, from a few of them: inside sentences, where case
    says something ("Jupiter", "ESA"); a word seen only at their start keeps the index's case."""
    learnt = _WRITTEN.setdefault(snapshot, {})
    if form in learnt:
        return learnt[form]
    pattern = re.compile(rf"(?<![^\W_]){re.escape(form)}(?![^\W_])", re.IGNORECASE)
    inside: Counter[str] = Counter()
    for docnum in sorted(docnums)[:CASE_SAMPLES]:
        stored = searcher.stored_fields(docnum)
        for text in (stored.get("title", ""), stored.get("body", "")):
            for match in islice(pattern.finditer(text), CASE_MATCHES):
                if _shouted(text, match.start(), match.end()):
                    continue  # a line in capitals says nothing of the word's case
                if not _starts_sentence(text, match.start()):
                    inside[match.group()] += 1
    written = inside.most_common(1)[0][0] if inside else form
    if fold(written) != fold(form):  # never offer what the index would not find
        written = form
    learnt[form] = written
    return written


def _starts_sentence(text: str, position: int) -> bool:
    """Whether only spaces stand between `position` and a sentence's end (or the text's start)."""
    before = position - 1
    while before >= 0 and text[before] in " \t\xa0":
        before -= 1
    return before < 0 or text[before] in _SENTENCE_ENDS


def _shouted(text: str, start: int, end: int) -> bool:
    """Whether the word at `start:end` stands among capitals only (a heading in capitals)."""
    around = text[max(0, start - CASE_CONTEXT) : end + CASE_CONTEXT]
    return not any(c.islower() for c in around)
