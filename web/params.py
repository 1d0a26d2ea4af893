"""Search parameters as they travel in URLs: one parser for the API, the pages and the feed."""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

from indexer.search.facets import FACET_NAMES
from indexer.search.request import SearchRequest, parse_request

# URL parameter name -> whether it may repeat. The order is the order of generated URLs.
PARAMETERS = {
    "q": False,
    **dict.fromkeys(FACET_NAMES, True),
    "from": False,
    "to": False,
    "sort": False,
    "page": False,
    "per_page": False,
}
FILTERS = FACET_NAMES
# The press office's parameter (API only, with the admin token): never part of a page's URLs.
INCLUDE_EMBARGOED = "include_embargoed"


def search_request(args: MultiDict[str, str], **defaults: str) -> SearchRequest:
    """Validate the search parameters of a query string; raise the indexer's BadRequest.

    The canonical parameters (`search_args`) are validated, so that a search and the URLs
    built from it agree; `defaults` apply to absent ones (the feed's page size).
    """
    args = search_args(args)

    def one(name: str) -> str | None:
        return args.get(name) or defaults.get(name)

    return parse_request(
        q=args.get("q"),
        agency=args.getlist("agency"),
        mission=args.getlist("mission"),
        year=args.getlist("year"),
        date_from=one("from"),
        date_to=one("to"),
        sort=one("sort"),
        page=one("page"),
        per_page=one("per_page"),
    )


def search_args(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """The non-empty search parameters of a query string, in canonical order, others dropped."""
    kept: MultiDict[str, str] = MultiDict()
    for name, repeats in PARAMETERS.items():
        values = [v for v in args.getlist(name) if v.strip()]
        for value in values if repeats else values[:1]:
            kept.add(name, value)
    return kept


def with_args(
    args: MultiDict[str, str], changes: Mapping[str, str | list[str] | None]
) -> MultiDict[str, str]:
    """A copy of `args` with some parameters replaced (a list) or removed (None)."""
    result = MultiDict(args)
    for name, value in changes.items():
        result.poplist(name)
        if isinstance(value, list):
            result.setlist(name, value)
        elif value is not None:
            result[name] = value
    return search_args(result)
