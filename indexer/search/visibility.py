"""Which releases a caller may see now: every release but those still under embargo.

An embargoed release does not exist for the public until its hour: no result, no count, no
page, no word offered as a correction or a completion. Every listing (search, facets, similar
releases, health counts, suggestions, exports, entity pages) takes its releases and words
from a `Visibility`, and every cache of such results includes `Visibility.key`, so that a
release appears by itself once its embargo ends, without a reindex.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

# What tells the time: POSIX seconds. Tests pass a clock they can move.
Clock = Callable[[], float]
system_clock: Clock = time.time


class _Postings(Protocol):
    def hits(self, fieldname: str, text: str) -> tuple[Sequence[int], Sequence[float]]: ...


@dataclass(frozen=True)
class Visibility:
    """The releases of one snapshot that one caller may see at one moment.

    `key` changes exactly when the set changes (an embargo ended, or the caller may see
    embargoed releases): caches of anything computed from visible releases include it.
    """

    key: Hashable
    live: frozenset[int]
    hidden: frozenset[int]
    postings: _Postings

    @cached_property
    def docnums(self) -> frozenset[int]:
        """Every visible release's docnum."""
        return self.live - self.hidden if self.hidden else self.live

    def __contains__(self, docnum: object) -> bool:
        return docnum in self.live and docnum not in self.hidden

    def __len__(self) -> int:
        return len(self.live) - len(self.hidden)

    def only(self, scores: dict[int, float]) -> dict[int, float]:
        """The visible entries of a query's {docnum: score} (`scores` itself when nothing is
        hidden: callers must not modify it, it may be a cached posting list)."""
        hidden = self.hidden
        if not any(d in scores for d in hidden):  # few releases are under embargo at a time
            return scores
        return {d: s for d, s in scores.items() if d not in hidden}

    def has_word(self, fieldname: str, text: str) -> bool:
        """Whether an indexed word occurs in a visible release: only such words may be
        offered to a user (a correction, a completion)."""
        holders, _ = self.postings.hits(fieldname, text)
        if not self.hidden:
            return len(holders) > 0
        return any(d not in self.hidden for d in holders)


class Embargoes:
    """Per snapshot: the releases under embargo, by the time their embargo ends."""

    def __init__(self, ends: Iterable[tuple[float, int]], live: Iterable[int], postings) -> None:
        ordered = sorted(ends)
        self._times = [t for t, _ in ordered]
        self._docnums = [d for _, d in ordered]
        self._live = frozenset(live)
        self._postings = postings
        self._views: dict[Hashable, Visibility] = {}

    def visibility(self, now: float, include_embargoed: bool = False) -> Visibility:
        """What a caller sees at `now`; the press office (`include_embargoed`) sees everything."""
        # The embargoes that ended by `now` are a prefix of the ordered list: its length is
        # the state, so a visibility is built once per state, not once per request.
        lifted = len(self._times) if include_embargoed else bisect.bisect_right(self._times, now)
        key = ("all",) if lifted == len(self._times) else ("lifted", lifted)
        found = self._views.get(key)
        if found is None:
            hidden = frozenset(self._docnums[lifted:])
            found = self._views[key] = Visibility(key, self._live, hidden, self._postings)
        return found
