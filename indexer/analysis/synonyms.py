"""Synonyms a corpus owner writes in `synonyms.yaml`, applied to queries as they are searched.

    synonyms:            # each group: equivalent words or phrases, both directions
      - [Kourou, Centre spatial guyanais, CSG]
    expansions:          # one way: the key also finds the values, not the reverse
      fusée: [lanceur]

Entries are compared with the query as French terms (``analysis.py``: accents, case,
apostrophes, elided articles, stop words and plural forms aside), over whole written words and
outside quotes and field filters. A match is rewritten into the query language before parsing:
``Kourou`` becomes ``(Kourou OR "Centre spatial guyanais" OR "CSG")``, so a multi-word
alternative stays a phrase, an exclusion (``-Kourou``) excludes every alternative, and the
snippets mark the alternatives' words. Nothing is indexed: an edit applies to the next search.

`SynonymsFile` rereads the file when its modification time, size or inode change, checking
at most every `CHECK_SECONDS`. A malformed file is ignored (no synonyms) and reported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from indexer.analysis.french import ELISIONS, STOPWORDS, term_spans, words
from indexer.analysis.normalize import unify

log = logging.getLogger(__name__)

FILE_NAME = "synonyms.yaml"
CHECK_SECONDS = 2.0  # how stale the synonyms a search uses may be after the file is saved
_SECTIONS = ("synonyms", "expansions")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_QUOTED = re.compile(r'"[^"]*"?|«[^»]*»?|“[^”]*”?')
_FIELD_VALUE = re.compile(r"(?<![\w-])[^\W\d_]+\s*:\s*(?:\"[^\"]*\"?|\S+)")
_GAP = re.compile(r"[\s'’\-]*")
_SYNTAX = re.compile(r'["«»“”()]')


class SynonymsError(ValueError):
    """A synonyms file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class _Entry:
    text: str  # as written in the file
    terms: tuple[str, ...]  # its French terms


class Synonyms:
    """The alternatives of each entry, and the rewriting of a query that applies them."""

    def __init__(
        self, groups: list[list[str]], expansions: dict[str, list[str]], label: str
    ) -> None:
        self._alternatives: dict[tuple[str, ...], list[_Entry]] = {}
        for group in groups:
            entries = [_entry(text, label) for text in group]
            for entry in entries:
                self._add(entry, [e for e in entries if e.terms != entry.terms])
        for key, values in expansions.items():
            entry = _entry(key, label)
            found = [_entry(value, label) for value in values]
            self._add(entry, [value for value in found if value.terms != entry.terms])
        self._longest = max((len(t) for t in self._alternatives), default=0)
        payload = json.dumps([groups, expansions], ensure_ascii=False, sort_keys=True)
        self.fingerprint = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    def _add(self, entry: _Entry, alternatives: list[_Entry]) -> None:
        known = self._alternatives.setdefault(entry.terms, [])
        known += [a for a in alternatives if a.terms not in {k.terms for k in known}]

    def __bool__(self) -> bool:
        return bool(self._alternatives)

    def rewrite(self, text: str) -> str:
        """The query with each entry it holds replaced by a group of it and its alternatives."""
        if not self._alternatives:
            return text
        terms = _free_terms(text)
        pieces: list[str] = []
        done = 0
        i = 0
        while i < len(terms):
            found = self._match(text, terms, i)
            if found is None:
                i += 1
                continue
            size, alternatives = found
            start, end = terms[i][0], terms[i + size - 1][1]
            typed = text[start:end]
            if size > 1:
                typed = f"({typed})"  # the typed words stay together against OR
            quoted = [f'"{_SYNTAX.sub(" ", a.text)}"' for a in alternatives]
            pieces += [text[done:start], "(", " OR ".join([typed, *quoted]), ")"]
            done = end
            i += size
        return "".join([*pieces, text[done:]])

    def _match(self, text: str, terms: list, i: int) -> tuple[int, list[_Entry]] | None:
        """The longest entry whose terms are the query's terms from `i` on, side by side."""
        for size in range(min(self._longest, len(terms) - i), 0, -1):
            window = terms[i : i + size]
            alternatives = self._alternatives.get(tuple(t[2] for t in window))
            if not alternatives:
                continue
            if not window[0][3] or not window[-1][4]:  # part of a written word only
                continue
            gaps = [text[a[1] : b[0]] for a, b in pairwise(window)]
            if all(_is_gap(gap) for gap in gaps):
                return size, alternatives
        return None


NO_SYNONYMS = Synonyms([], {}, "")


def _free_terms(text: str) -> list[tuple[int, int, str, bool, bool]]:
    """(start, end, term, starts a word, ends a word) of the query's terms outside quotes
    and field filters, whose words are taken as typed."""
    taken = [m.span() for m in _QUOTED.finditer(text)]
    taken += [m.span() for m in _FIELD_VALUE.finditer(text)]
    found = []
    for offset, word in words(text):
        if any(a <= offset < b for a, b in taken):
            continue
        parts = [(offset + s, offset + e, t) for s, e, t in term_spans(word)]
        for number, (start, end, term) in enumerate(parts):
            first, last = number == 0, number == len(parts) - 1
            # A whole word is replaced with its elided article: "l'(… OR …)" would read badly.
            start, end = offset if first else start, offset + len(word) if last else end
            found.append((start, end, term, first, last))
    return found


def _is_gap(gap: str) -> bool:
    """Whether only stop words, elided articles, spaces and hyphens stand between two terms."""
    rest = gap
    for _, word in words(gap):
        if word.lower() not in STOPWORDS and unify(word).rstrip("'") not in ELISIONS:
            return False
        rest = rest.replace(word, " ", 1)
    return _GAP.fullmatch(rest) is not None


def _entry(text: str, label: str) -> _Entry:
    terms = tuple(t for _, _, t in term_spans(text))
    if not terms:
        raise SynonymsError(f"{label}: {text!r} has no searchable word")
    return _Entry(text.strip(), terms)


def parse(text: str, label: str) -> Synonyms:
    """Synonyms from the text of a file; SynonymsError says precisely what is wrong."""
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise SynonymsError(f"{label}: invalid YAML ({error})") from error
    if data is None:
        return Synonyms([], {}, label)
    if not isinstance(data, dict):
        raise SynonymsError(f"{label}: expected a mapping with 'synonyms' and/or 'expansions'")
    for key in data:
        if key not in _SECTIONS:
            raise SynonymsError(f"{label}: unknown section {key!r} (expected synonyms, expansions)")
    groups = data.get("synonyms") or []
    if not isinstance(groups, list):
        raise SynonymsError(f"{label}: 'synonyms' must be a list of groups")
    for number, group in enumerate(groups, start=1):
        _check_names(group, f"{label}: synonyms group {number}", at_least=2)
    expansions = data.get("expansions") or {}
    if not isinstance(expansions, dict):
        raise SynonymsError(f"{label}: 'expansions' must map a word to a list of words")
    for key, values in expansions.items():
        _check_names([key], f"{label}: expansions", at_least=1)
        _check_names(values, f"{label}: expansions of {key!r}", at_least=1)
    expansions = {str(k): [str(v) for v in values] for k, values in expansions.items()}
    return Synonyms([[str(n) for n in g] for g in groups], expansions, label)


def _check_names(value: Any, where: str, at_least: int) -> None:
    if not isinstance(value, list) or len(value) < at_least:
        raise SynonymsError(f"{where}: expected a list of at least {at_least} words or phrases")
    for name in value:
        if (
            not isinstance(name, str | int | float)
            or isinstance(name, bool)
            or not str(name).strip()
        ):
            raise SynonymsError(f"{where}: {name!r} is not a word or a phrase")


def load(corpus: Path) -> Synonyms:
    """The corpus's synonyms (none without a file); SynonymsError for a malformed file."""
    path = Path(corpus) / FILE_NAME
    if not path.is_file():
        return NO_SYNONYMS
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SynonymsError(f"{path}: cannot be read as UTF-8 text ({error})") from error
    return parse(text, str(path))


class SynonymsFile:
    """A corpus's synonyms as a running server sees them: reread when the file changes."""

    def __init__(
        self,
        corpus: Path,
        clock: Callable[[], float] = time.monotonic,
        every: float = CHECK_SECONDS,
    ) -> None:
        self.corpus = Path(corpus)
        self.clock = clock
        self.every = every
        self._lock = threading.Lock()
        self._checked: float | None = None
        self._stamp: tuple | None = None
        self._synonyms = NO_SYNONYMS
        self.warning: str | None = None

    def current(self) -> Synonyms:
        """The synonyms in force: the file's, or none while it is missing or malformed."""
        now = self.clock()
        if self._checked is not None and now - self._checked < self.every:
            return self._synonyms
        with self._lock:
            if self._checked is None or now - self._checked >= self.every:
                self._checked = now
                stamp = self._file_stamp()
                if stamp != self._stamp:
                    self._stamp = stamp
                    self._reload()
        return self._synonyms

    def _file_stamp(self) -> tuple | None:
        try:
            stat = (self.corpus / FILE_NAME).stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def _reload(self) -> None:
        try:
            self._synonyms, self.warning = load(self.corpus), None
        except SynonymsError as error:
            self._synonyms, self.warning = NO_SYNONYMS, f"synonyms ignored: {error}"
            log.warning("%s", self.warning)
