"""Where a release, an agency or a mission is served: the one place that builds their URLs.

Used by the JSON API (`url` of results and similar releases), the HTML pages and the CLI's
output, so all three agree; entity pages are routed from the same sections. `root` is the
prefix the app is mounted under (WSGI's SCRIPT_NAME, `request.script_root`); it is empty on
the command line. No Flask import here: `orbite search` builds the same URLs without loading it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode


def release_url(release_id: str, q: str = "", root: str = "") -> str:
    """A release's page; its id percent-encoded ("a#b" -> "/releases/a%23b"), `q` highlighted."""
    url = f"{root}/releases/{quote(release_id, safe='/')}"
    return f"{url}?{urlencode({'q': q})}" if q else url


def with_urls(
    releases: Iterable[dict[str, Any]], root: str = "", q: str = ""
) -> list[dict[str, Any]]:
    """Copies of release dicts (anything with an `id`) with their page's `url` added last."""
    return [{**item, "url": release_url(item["id"], q, root)} for item in releases]


def search_with_urls(response: dict[str, Any], root: str = "") -> dict[str, Any]:
    """The search response as clients receive it: each result with its page's `url`."""
    return {**response, "results": with_urls(response["results"], root)}


def detail_with_urls(detail: dict[str, Any], root: str = "") -> dict[str, Any]:
    """A release's detail as clients receive it: each similar release with its page's `url`."""
    return {**detail, "similar": with_urls(detail["similar"], root)}


# The path sections of entity pages: French for the pages, English for their JSON twins.
ENTITY_PAGES = {"agency": "agences", "mission": "missions"}
ENTITY_API = {"agency": "agencies", "mission": "missions"}


def entity_url(kind: str, name: str, root: str = "", api: bool = False) -> str:
    """An agency's or a mission's page, or its JSON twin; the name percent-encoded, "/" too."""
    section = f"/api/{ENTITY_API[kind]}" if api else f"/{ENTITY_PAGES[kind]}"
    return f"{root}{section}/{quote(name, safe='')}"
