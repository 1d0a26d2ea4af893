"""Following a search from elsewhere: its Atom feed, and the OpenSearch description."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from indexer.search.searching import search
from web.context import search_url
from web.index import get_index
from web.params import search_args, search_request, with_args
from web.urls import release_url

bp = Blueprint("feeds", __name__)

FEED_SIZE = 20


@bp.get("/feed.atom")
def atom() -> Response:
    """The newest releases matching a search (same parameters as the search page)."""
    # Sort and page do not change a feed: they are dropped from its id and links.
    canonical = with_args(search_args(request.args), {"sort": None, "page": None})
    args = with_args(canonical, {"sort": "-date"})
    index = get_index()
    response = search(index, search_request(args, per_page=str(FEED_SIZE)))
    indexed_at = index.snapshot().meta.indexed_at
    entries = [
        {
            "id": release_url(r["id"], root=request.url_root.rstrip("/")),
            "title": r["title"] or r["id"],
            "updated": f"{r['date']}T00:00:00Z" if r["date"] else indexed_at,
            "summary": r["snippet"],
            "categories": [*r["agencies"], *r["missions"]],
        }
        for r in response["results"]
    ]
    xml = render_template(
        "atom.xml",
        q=response["query"],
        entries=entries,
        updated=max((e["updated"] for e in entries), default=indexed_at),
        self_url=request.host_url.rstrip("/") + search_url(canonical, "feeds.atom"),
        page_url=request.host_url.rstrip("/") + search_url(canonical),
    )
    return Response(xml, mimetype="application/atom+xml")


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    """Lets a browser add Orbite as a search engine."""
    xml = render_template("opensearch.xml")
    return Response(xml, mimetype="application/opensearchdescription+xml")
