"""The JSON API: the indexer's own dicts, serialised as they are."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, current_app, request

from indexer.indexing import update_index
from indexer.releases import release_detail
from indexer.search import search
from indexer.suggest import suggest
from web.errors import ApiError
from web.index import get_index
from web.params import search_request

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search_releases() -> dict[str, Any]:
    """Exactly what `orbite search --json` prints for the same parameters."""
    return search(get_index(), search_request(request.args))


@bp.get("/suggest")
def suggestions() -> dict[str, Any]:
    """Agencies, missions and words completing what is typed, for the search box."""
    return suggest(get_index(), request.args.get("q", ""))


@bp.get("/releases/<path:release_id>")
def release(release_id: str) -> dict[str, Any]:
    """One release with its text and similar releases."""
    detail = release_detail(get_index(), release_id)
    if detail is None:
        raise ApiError(404, "not_found", f"no release with id {release_id!r}")
    return detail


@bp.get("/health")
def health() -> dict[str, Any]:
    """Whether the index answers, how many releases it holds and when it was last written."""
    snapshot = get_index().snapshot()
    return {"status": "ok", "documents": len(snapshot), "indexed_at": snapshot.meta.indexed_at}


@bp.post("/reindex")
def reindex() -> dict[str, Any]:
    """Bring the index in line with the corpus now: what `orbite index --json` prints."""
    check_admin_token()
    index = get_index()
    try:
        summary = update_index(
            index.corpus, index.store, lock_timeout=current_app.config["ORBITE_REINDEX_WAIT"]
        )
    except ValueError as exc:  # a gazetteer file of the corpus that cannot be read
        raise ApiError(500, "reindex_failed", str(exc)) from exc
    return summary.to_dict()


def check_admin_token() -> None:
    """403 when no token is configured (reindexing disabled), 401 unless the bearer matches."""
    expected = current_app.config.get("ORBITE_ADMIN_TOKEN")
    if not expected:
        raise ApiError(403, "forbidden", "reindexing is disabled: no ORBITE_ADMIN_TOKEN is set")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    valid = scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"),
        str(expected).encode("utf-8", "surrogateescape"),
    )
    if not valid:
        raise ApiError(
            401,
            "unauthorized",
            "send the admin token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="orbite"'},
        )
