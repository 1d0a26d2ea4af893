"""One release: its details, similar releases, its highlighted text and its source file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import query

from indexer.release import release_summary
from indexer.search.evaluate import best, evaluate
from indexer.search.highlight import highlight
from indexer.search.marker import Marker
from indexer.search.querying import parse_query
from indexer.search.request import clean_query
from indexer.search.snapshot import SearchIndex, Snapshot
from indexer.search.visibility import Visibility

SIMILAR = 5
KEY_TERMS = 12  # the words of a release that say what it is about


def release_detail(
    index: SearchIndex, release_id: str, include_embargoed: bool = False
) -> dict[str, Any] | None:
    """The `/api/releases/<id>` object (less the similar releases' URLs, added by `web/`), or
    None when no release has this id or it is under embargo (unless `include_embargoed`, the
    press office's view)."""
    found = _find(index, release_id, include_embargoed)
    if found is None:
        return None
    snapshot, visible, docnum = found
    with snapshot.reading() as searcher:
        stored = searcher.stored_fields(docnum)
        similar = _similar(snapshot, visible, searcher, docnum, stored)
        similar = [searcher.stored_fields(d) for d in similar]
    return {
        **release_summary(stored),
        "text": stored.get("body", ""),
        "source": stored.get("source"),
        "similar": [
            {
                "id": hit["id"],
                "title": hit.get("title", ""),
                "date": hit.get("date"),
                "embargo": hit.get("embargo"),
            }
            for hit in similar
        ],
    }


def highlighted_text(index: SearchIndex, text: str, q: str) -> str:
    """The whole text, HTML-escaped, with the words of query `q` marked."""
    snapshot = index.snapshot()
    typing = not q[-1:].isspace()  # the last word may be a start, as in the search (prefix)
    q = clean_query(q)
    if not q:
        return highlight(text, [])
    vocabulary = snapshot.vocabulary if typing else None
    parsed = parse_query(
        q, snapshot.schema, snapshot.gazetteer, vocabulary=vocabulary, synonyms=index.synonyms()
    ).longer
    with snapshot.reading() as searcher:
        marker = Marker.for_query(snapshot, searcher, parsed)
    return highlight(text, marker.spans(text))


def source_file(index: SearchIndex, release_id: str) -> Path | None:
    """The original file of a release, only if it is inside the corpus, still there, and not
    under embargo."""
    found = _find(index, release_id)
    if found is None:
        return None
    snapshot, _, docnum = found
    with snapshot.reading() as searcher:
        stored = searcher.stored_fields(docnum)
    corpus = index.corpus.resolve()
    path = (corpus / stored["source"]).resolve()
    if not path.is_relative_to(corpus) or not path.is_file():
        return None
    return path


def _find(
    index: SearchIndex, release_id: str, include_embargoed: bool = False
) -> tuple[Snapshot, Visibility, int] | None:
    """A visible release by id: one under embargo is not found, exactly like an unknown id."""
    snapshot = index.snapshot()
    visible = index.visibility(snapshot, include_embargoed)
    docnum = snapshot.docnums.get(release_id)
    return None if docnum is None or docnum not in visible else (snapshot, visible, docnum)


def _similar(
    snapshot: Snapshot, visible: Visibility, searcher, docnum: int, stored: dict
) -> list[int]:
    """The visible releases that best share the key terms of this one (evaluated in memory)."""
    words = searcher.key_terms_from_text("body", stored.get("body", ""), numterms=KEY_TERMS)
    q = query.Or([query.Term("body", word) for word, _ in words])
    scores = evaluate(q, snapshot.postings, searcher)
    candidates = [d for d in visible.only(scores) if d != docnum]
    return best(scores, candidates, SIMILAR)
