"""The JSON API: the indexer's own dicts, serialised as they are."""

from __future__ import annotations

import dataclasses
import hmac
from typing import Any

from flask import Blueprint, current_app, request

from indexer.index.indexing import update_index
from indexer.index.store import IndexMissing, IndexWriteError
from indexer.search.releases import release_detail
from indexer.search.request import SearchRequest
from indexer.search.searching import search
from indexer.search.suggest import suggest
from web.errors import ApiError
from web.index import get_health, get_index
from web.params import INCLUDE_EMBARGOED, search_request
from web.urls import detail_with_urls, search_with_urls

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search_releases() -> dict[str, Any]:
    """Exactly what `orbite search --json` prints for the same parameters."""
    return search_with_urls(search(get_index(), requested_search()), request.script_root)


def requested_search() -> SearchRequest:
    """The search the query string asks for, in the press office's view when it asks with the
    admin token: one reading for the search and its exports."""
    parsed = search_request(request.args)
    if press_office():
        parsed = dataclasses.replace(parsed, include_embargoed=True)
    return parsed


@bp.get("/suggest")
def suggestions() -> dict[str, Any]:
    """Agencies, missions and words completing what is typed, for the search box."""
    return suggest(get_index(), request.args.get("q", ""))


@bp.get("/releases/<path:release_id>")
def release(release_id: str) -> dict[str, Any]:
    """One release with its text and similar releases."""
    detail = release_detail(get_index(), release_id, include_embargoed=press_office())
    if detail is None:
        raise ApiError(404, "not_found", f"no release with id {release_id!r}")
    return detail_with_urls(detail, request.script_root)


@bp.get("/health")
def health() -> dict[str, Any]:
    """Whether the index answers, how many releases it holds and when it was last written;
    `warnings` lists what a user should fix that does not stop searching; "degraded" when the
    last write failed (searches answer from the last commit); while a full build runs,
    "indexing", with `indexing` saying how far it is (`documents`: what it has committed)."""
    index = get_index()
    indexing = index.store.building()
    try:
        snapshot = index.snapshot()
    except IndexMissing:
        if indexing is None:
            raise
        documents, indexed_at = 0, None  # the build's first batch is not committed yet
    else:
        documents = len(index.visibility(snapshot))  # releases under embargo are not counted
        indexed_at = snapshot.meta.indexed_at
    failure = get_health().failure
    return {
        "status": "degraded" if failure else "indexing" if indexing else "ok",
        "documents": documents,
        "indexed_at": indexed_at,
        "indexing": indexing,
        "warnings": index.warnings(),
        "error": failure.error if failure else None,
        "error_at": failure.at if failure else None,
    }


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
    except IndexWriteError as exc:  # a 503 (web.errors), and the health says degraded
        get_health().failed(exc)
        raise
    get_health().succeeded()
    return summary.to_dict()


def press_office() -> bool:
    """Whether the request asks for releases under embargo (`include_embargoed=1`) with the
    admin token. Without a valid token the parameter changes nothing and says nothing."""
    asked = request.args.get(INCLUDE_EMBARGOED, "").strip().lower() in ("1", "true")
    return asked and _is_admin()


def _is_admin() -> bool:
    """Whether the request carries the configured admin token as its bearer."""
    expected = current_app.config.get("ORBITE_ADMIN_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and (
        scheme.lower() == "bearer"
        and hmac.compare_digest(
            given.strip().encode("utf-8", "surrogateescape"),
            str(expected).encode("utf-8", "surrogateescape"),
        )
    )


def check_admin_token() -> None:
    """403 when no token is configured (reindexing disabled), 401 unless the bearer matches."""
    if not current_app.config.get("ORBITE_ADMIN_TOKEN"):
        raise ApiError(403, "forbidden", "reindexing is disabled: no ORBITE_ADMIN_TOKEN is set")
    if not _is_admin():
        raise ApiError(
            401,
            "unauthorized",
            "send the admin token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="orbite"'},
        )
