"""Entity pages: the story of one agency or one mission, told by the releases that name it.

Built on `search.search_all` with the entity as a filter, so that an entity page shows what
a search for it would show and nothing more: releases under embargo stay out, and so do
their counts, years and companions. No URLs here: the web side adds them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from indexer.analysis.normalize import fold
from indexer.reading.gazetteer import AGENCY, MISSION
from indexer.search.facets import FACET_NAMES
from indexer.search.request import SearchRequest
from indexer.search.searching import search_all
from indexer.search.snapshot import SearchIndex

KINDS = (AGENCY, MISSION)
RELEASES = 100  # newest releases an entity lists
COMPANIONS = 20  # agencies and missions named alongside it, most frequent first


def entity(index: SearchIndex, kind: str, name: str) -> dict[str, Any] | None:
    """The `/api/agencies|missions/<name>` object, the entity found by any of its names.

    Its `name` is the canonical one (a caller who asked under another spelling redirects to
    it). A name the gazetteer does not know is an entity when the cue words found it on a
    visible release (it is then a facet value); otherwise None.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown entity kind {kind!r} (expected {AGENCY!r} or {MISSION!r})")
    known = index.snapshot().gazetteer.lookup(kind, name)
    canonical = known.name if known else name.strip()
    selected = {"agencies" if kind == AGENCY else "missions": (canonical,)}
    matches = search_all(index, SearchRequest(sort="-date", **selected), limit=RELEASES)
    tables = matches.snapshot.tables  # the commit searched: its labels, dates and facets
    if known is None:
        if not matches.total:
            return None
        canonical = tables.labels.get(fold(canonical), canonical)
    docnums = set(matches.docnums)
    counts = {facet: tables.facets.count(facet, docnums) for facet in FACET_NAMES}
    dates = [date for date in tables.dates[sorted(docnums)].tolist() if date]

    def companions(facet: str) -> list[dict[str, Any]]:
        own = fold(canonical) if facet == kind else None
        return _most_frequent(tables.labels, counts[facet], own)

    return {
        "name": canonical,
        "kind": kind,
        "aliases": list(known.aliases[1:]) if known else [],
        "count": matches.total,
        "first_date": _iso(min(dates)) if dates else None,
        "last_date": _iso(max(dates)) if dates else None,
        "years": [{"value": y, "count": n} for y, n in sorted(counts["year"].items())],
        "agencies": companions(AGENCY),
        "missions": companions(MISSION),
        "releases": [
            {key: value for key, value in row.items() if key != "score"}
            for batch in matches.batches()
            for row in batch
        ],
    }


def _most_frequent(
    labels: Mapping[str, str], counts: Mapping[str, int], own: str | None
) -> list[dict[str, Any]]:
    """The names most often found alongside (the entity itself left out), ties alphabetical."""
    named = [(labels.get(key, key), n) for key, n in counts.items() if key != own]
    named.sort(key=lambda item: (-item[1], fold(item[0])))
    return [{"value": label, "count": n} for label, n in named[:COMPANIONS]]


def _iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()
