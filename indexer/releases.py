"""One release: its details, similar releases, its highlighted text and its source file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from indexer.highlight import highlight
from indexer.querying import parse_query
from indexer.release import release_summary, release_url
from indexer.search import Marker, clean_query
from indexer.snapshot import SearchIndex

SIMILAR = 5


def release_detail(index: SearchIndex, release_id: str) -> dict[str, Any] | None:
    """The `/api/releases/<id>` object, or None when no release has this id."""
    snapshot = index.snapshot()
    docnum = snapshot.docnums.get(release_id)
    if docnum is None:
        return None
    with snapshot.reading() as searcher:
        stored = searcher.stored_fields(docnum)
        text = stored.get("body", "")
        similar = [hit.fields() for hit in searcher.more_like(docnum, "body", text, top=SIMILAR)]
    return {
        **release_summary(stored),
        "text": stored.get("body", ""),
        "source": stored.get("source"),
        "similar": [
            {
                "id": hit["id"],
                "title": hit.get("title", ""),
                "date": hit.get("date"),
                "url": release_url(hit["id"]),
            }
            for hit in similar
        ],
    }


def highlighted_text(index: SearchIndex, text: str, q: str) -> str:
    """The whole text, HTML-escaped, with the words of query `q` marked."""
    snapshot = index.snapshot()
    q = clean_query(q)
    if not q:
        return highlight(text, [])
    parsed = parse_query(q, snapshot.schema, snapshot.gazetteer)
    with snapshot.reading() as searcher:
        marker = Marker.for_query(snapshot, searcher, parsed)
    return highlight(text, marker.spans(text))


def source_file(index: SearchIndex, release_id: str) -> Path | None:
    """The original file of a release, only if it is inside the corpus and still there."""
    snapshot = index.snapshot()
    docnum = snapshot.docnums.get(release_id)
    if docnum is None:
        return None
    with snapshot.reading() as searcher:
        stored = searcher.stored_fields(docnum)
    corpus = index.corpus.resolve()
    path = (corpus / stored["source"]).resolve()
    if not path.is_relative_to(corpus) or not path.is_file():
        return None
    return path
