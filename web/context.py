"""The search page's data: the API's response plus page-only extras (URLs, labels, chart).

Datasette's shape: `search()` computes the response once; the JSON API returns it as is and
the page renders `search_page(...)`, which adds what only a page needs, computed here so that
templates stay dumb (no URL building or arithmetic in Jinja).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from flask import request, url_for
from werkzeug.datastructures import MultiDict

from indexer.analysis.normalize import fold
from indexer.reading.dates import french_date
from indexer.search.facets import FACETS
from indexer.search.request import MAX_PAGE, SearchRequest
from web.params import FILTERS, search_args, with_args
from web.urls import entity_url, release_url

FACET_LABELS = {f.name: f.label for f in FACETS}
# "" is the default order (relevance, or newest first without words): a new query typed in the
# form then goes back to relevance instead of keeping the date order of the listing. Without
# words the default is labelled as the order it applies, and relevance is not offered.
SORT_LABELS = {"": "Pertinence", "-date": "Plus récents", "date": "Plus anciens"}
LISTING_SORT_LABELS = {"": "Plus récents", "date": "Plus anciens"}
VISIBLE_VALUES = 10
PAGE_WINDOW = 2
CHART_BAR = 36  # width of one year in the timeline's coordinates
CHART_HEIGHT = 80
CHART_LABEL = 18
MAX_GAP_YEARS = 60  # beyond this span (an odd date far in the past), empty years are left out


def search_url(args: MultiDict[str, str], endpoint: str = "pages.search") -> str:
    """The URL of a search page (or feed) for these parameters."""
    query = urlencode(list(search_args(args).items(multi=True)))
    return url_for(endpoint) + (f"?{query}" if query else "")


def number_fr(value: float, decimals: int = 0) -> str:
    """French digits: a narrow no-break space between thousands, a decimal comma."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def count_label(total: int) -> str:
    """'Aucun résultat', '1 résultat', '1 234 résultats'."""
    if total == 0:
        return "Aucun résultat"
    return f"{number_fr(total)} résultat{'s' if total > 1 else ''}"


def releases_label(count: int) -> str:
    """'aucun communiqué', '1 communiqué', '12 communiqués'."""
    if count == 0:
        return "aucun communiqué"
    return f"{number_fr(count)} communiqué{'s' if count > 1 else ''}"


def search_page(
    response: dict[str, Any] | None, parsed: SearchRequest | None, raw: MultiDict[str, str]
) -> dict[str, Any]:
    """The search page's context; `response` is None when the parameters were invalid."""
    args = search_args(raw)
    if parsed is not None:  # every URL of the page names the filters as the facets do
        args = with_args(args, {"agency": list(parsed.agencies), "mission": list(parsed.missions)})
    q = parsed.q if parsed else args.get("q", "").strip()
    page: dict[str, Any] = {
        "response": response,
        "q": q,
        "title": f"{q} — Orbite" if q else "Orbite — communiqués de presse du spatial",
        # Kept by the search form, so that a new query keeps the filters and the page size.
        "hidden_inputs": [(n, v) for n in (*FILTERS, "per_page") for v in args.getlist(n)],
        "date_from": args.get("from", ""),
        "date_to": args.get("to", ""),
        "sorts": _sorts(q, parsed.sort if parsed else args.get("sort", "")),
        "feed_url": search_url(with_args(args, {"page": None, "sort": None}), "feeds.atom"),
        # Every match, in the page's order: page and page size do not apply to an export.
        "export_urls": {
            name: search_url(with_args(args, {"page": None, "per_page": None}), f"exports.{name}")
            for name in ("csv", "jsonl")
        },
        "results": [],
        "count_label": "",
        "timing_label": "",
        "first_number": 1,
        "first_page_url": search_url(with_args(args, {"page": None})),
        "facets": [],
        "chips": [],
        "timeline": None,
        "pagination": None,
        "suggestion": None,
    }
    if response is None or parsed is None:
        return page
    facets = [_facet(name, values, parsed, args) for name, values in response["facets"].items()]
    page.update(
        results=[_result(r, q) for r in response["results"]],
        count_label=count_label(response["total"]),
        first_number=(response["page"] - 1) * response["per_page"] + 1,
        timing_label=f"{number_fr(response['took_ms'], 1)} ms",
        facets=facets,
        chips=_chips(parsed, args, facets),
        timeline=timeline(next(f for f in facets if f["name"] == "year")),
        pagination=_pagination(response, args),
        suggestion=(
            {
                "text": response["suggestion"],
                "url": search_url(with_args(args, {"q": response["suggestion"], "page": None})),
            }
            if response["suggestion"]
            else None
        ),
    )
    return page


def _sorts(q: str, sort: str) -> list[dict[str, Any]]:
    """The sort options, the order actually applied selected (without words, newest first)."""
    labels, default = (SORT_LABELS, "relevance") if q else (LISTING_SORT_LABELS, "-date")
    chosen = "" if sort in ("", "relevance", default) else sort
    return [
        {"value": value, "label": label, "selected": value == chosen}
        for value, label in labels.items()
    ]


def _result(result: dict[str, Any], q: str) -> dict[str, Any]:
    return {
        **result,
        "date_label": french_date(result["date"]),
        "url": release_url(result["id"], q, request.script_root),
        "badges": badges(result),
    }


BADGE_LABELS = {"agency": "Agence", "mission": "Mission"}


def badges(release: dict[str, Any]) -> list[dict[str, str]]:
    """A release's agencies then missions, each linked to its entity page."""
    root = request.script_root
    return [
        {
            "kind": kind,
            "kind_label": BADGE_LABELS[kind],
            "label": name,
            "url": entity_url(kind, name, root),
        }
        for kind, names in (("agency", release["agencies"]), ("mission", release["missions"]))
        for name in names
    ]


def _facet(
    name: str, values: list[dict[str, Any]], parsed: SearchRequest, args: MultiDict[str, str]
) -> dict[str, Any]:
    selected_keys = parsed.selections.get(name, frozenset())
    results = []
    for item in values:
        value = str(item["value"])
        selected = fold(value) in selected_keys
        chosen = args.getlist(name)
        chosen = [v for v in chosen if fold(v) != fold(value)] if selected else [*chosen, value]
        results.append(
            {
                "value": value,
                "label": value,
                "count": item["count"],
                "selected": selected,
                "toggle_url": search_url(with_args(args, {name: chosen, "page": None})),
            }
        )
    hidden = results[VISIBLE_VALUES:]
    return {
        "name": name,
        "label": FACET_LABELS.get(name, name),
        "results": results,
        "visible": results[:VISIBLE_VALUES],
        "hidden": hidden,
        "open": any(r["selected"] for r in hidden),
    }


def _chips(
    parsed: SearchRequest, args: MultiDict[str, str], facets: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """One removable chip per active filter, labelled as the facets spell the value."""
    labels = {(f["name"], fold(r["value"])): r["label"] for f in facets for r in f["results"]}
    chips = []
    for name, values in parsed.filters().items():
        for value in values:
            rest = [v for v in args.getlist(name) if fold(v) != fold(value)]
            chips.append(
                {
                    "label": labels.get((name, fold(value)), value),
                    "url": search_url(with_args(args, {name: rest, "page": None})),
                }
            )
    for name, date, prefix in (
        ("from", parsed.date_from, "depuis le"),
        ("to", parsed.date_to, "jusqu’au"),
    ):
        if date:
            chips.append(
                {
                    "label": f"{prefix} {french_date(date)}",
                    "url": search_url(with_args(args, {name: None, "page": None})),
                }
            )
    return chips


def timeline(year_facet: dict[str, Any]) -> dict[str, Any] | None:
    """Bars of matches per year, oldest on the left, empty years between kept as gaps; each
    value of `year_facet["results"]` has a `count`, the `toggle_url` of its bar, `selected`."""
    counts = {int(r["value"]): r for r in year_facet["results"]}
    if not counts:
        return None
    years: list[int] = list(range(min(counts), max(counts) + 1))
    if len(years) > MAX_GAP_YEARS:
        years = sorted(counts)
    tallest = max(r["count"] for r in counts.values())
    label_every = max(1, math.ceil(len(years) / 12))
    width = max(len(years), 6) * CHART_BAR
    offset = (width - len(years) * CHART_BAR) // 2
    bars = []
    for position, year in enumerate(years):
        item = counts.get(year)
        count = item["count"] if item else 0
        height = max(2, round(CHART_HEIGHT * count / tallest)) if count else 0
        x = offset + position * CHART_BAR
        bars.append(
            {
                "year": str(year),
                "count": count,
                "title": f"{year} : {releases_label(count)}",
                "url": item["toggle_url"] if item else None,
                "selected": bool(item and item["selected"]),
                "x": x + 4,
                "y": CHART_HEIGHT - height,
                "width": CHART_BAR - 8,
                "height": height,
                "hit_x": x,
                "hit_width": CHART_BAR,
                "label_x": x + CHART_BAR // 2,
                "show_label": position % label_every == 0 or position == len(years) - 1,
            }
        )
    return {
        "width": width,
        "height": CHART_HEIGHT + CHART_LABEL,
        "label_y": CHART_HEIGHT + CHART_LABEL - 4,
        "base_y": CHART_HEIGHT - 1,
        "bars": bars,
    }


def _pagination(response: dict[str, Any], args: MultiDict[str, str]) -> dict[str, Any] | None:
    """Previous/next and a window of page numbers around the current page."""
    current, per_page = response["page"], response["per_page"]
    last = min(max(1, math.ceil(response["total"] / per_page)), MAX_PAGE)
    if last == 1 and current == 1:
        return None

    def link(number: int) -> str:
        return search_url(with_args(args, {"page": None if number == 1 else str(number)}))

    shown = sorted(
        {1, last, *range(max(1, current - PAGE_WINDOW), min(last, current + PAGE_WINDOW) + 1)}
    )
    pages: list[dict[str, Any] | None] = []
    for number in shown:
        if pages and pages[-1] is not None and number > pages[-1]["number"] + 1:
            pages.append(None)  # a gap, shown as an ellipsis
        pages.append({"number": number, "url": link(number), "current": number == current})
    return {
        "previous": link(min(current - 1, last)) if current > 1 else None,
        "next": link(current + 1) if current < last else None,
        "pages": pages,
        "last": last,
    }


def similar_items(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Similar releases with their French date and page URL."""
    return [
        {
            **item,
            "date_label": french_date(item["date"]),
            "url": release_url(item["id"], root=request.script_root),
        }
        for item in items
    ]
