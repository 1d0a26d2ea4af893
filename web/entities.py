"""Entity pages: `/agences/<name>` and `/missions/<name>`, and their JSON twins under /api/.

A name is found under any alias; asked under another spelling than the canonical one, a page
redirects (301) to the canonical URL, so that each entity has one address.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request
from werkzeug.datastructures import MultiDict

from indexer.reading.dates import french_date
from indexer.reading.gazetteer import AGENCY, MISSION
from indexer.search.entities import entity
from web.context import badges, number_fr, releases_label, search_url, timeline
from web.errors import ApiError
from web.index import get_index
from web.urls import ENTITY_API, ENTITY_PAGES, entity_url, release_url, with_urls

bp = Blueprint("entities", __name__)

KIND_LABELS = {AGENCY: "Agence", MISSION: "Mission"}
COMPANION_LABELS = {AGENCY: "Agences citées avec elle", MISSION: "Missions citées avec elle"}
UNKNOWN_FR = {
    AGENCY: "Aucune agence ne s’appelle « {} ».",
    MISSION: "Aucune mission ne s’appelle « {} ».",
}


def page(kind: str, name: str) -> Response | str:
    """The timeline, companions, aliases and newest releases of an agency or a mission."""
    found = entity(get_index(), kind, name)
    if found is None:
        abort(404, description=UNKNOWN_FR[kind].format(name))
    if found["name"] != name:
        return redirect(entity_url(kind, found["name"], request.script_root), 301)
    return render_template("entity.html", **entity_page(found))


def twin(kind: str, name: str) -> Response | dict[str, Any]:
    """The entity page's data: `indexer.search.entities.entity`, with the releases' URLs."""
    found = entity(get_index(), kind, name)
    if found is None:
        raise ApiError(404, "not_found", f"no {kind} named {name!r}")
    root = request.script_root
    if found["name"] != name:
        return redirect(entity_url(kind, found["name"], root, api=True), 301)
    return {**found, "releases": with_urls(found["releases"], root)}


for _kind in (AGENCY, MISSION):  # endpoints "entities.agency", "entities.mission_json", ...
    bp.add_url_rule(f"/{ENTITY_PAGES[_kind]}/<path:name>", _kind, partial(page, _kind))
    bp.add_url_rule(f"/api/{ENTITY_API[_kind]}/<path:name>", f"{_kind}_json", partial(twin, _kind))


def entity_page(found: dict[str, Any]) -> dict[str, Any]:
    """The template's context: labels, links and the timeline, computed here."""
    kind, name = found["kind"], found["name"]
    root = request.script_root
    listing = MultiDict({kind: name})  # the facet of a kind is named as the kind
    years = [
        {
            **year,
            "selected": False,
            "toggle_url": search_url(MultiDict([(kind, name), ("year", year["value"])])),
        }
        for year in found["years"]
    ]
    return {
        "title": f"{name} — {KIND_LABELS[kind]} — Orbite",
        "entity": found,
        "kind_label": KIND_LABELS[kind],
        "aliases_label": ", ".join(found["aliases"]),
        "summary": _summary(found),
        "search_url": search_url(listing),
        "timeline": timeline({"results": years}),
        "companions": [
            {
                "kind": other,
                "label": COMPANION_LABELS[other],
                "names": [
                    {
                        **item,
                        "count_label": releases_label(item["count"]),
                        "url": entity_url(other, item["value"], root),
                    }
                    for item in found["agencies" if other == AGENCY else "missions"]
                ],
            }
            for other in (AGENCY, MISSION)
        ],
        "releases_heading": _releases_heading(found["count"], len(found["releases"])),
        "releases": [
            {
                **release,
                "date_label": french_date(release["date"]),
                "url": release_url(release["id"], root=root),
                "badges": badges(release),
            }
            for release in found["releases"]
        ],
    }


def _summary(found: dict[str, Any]) -> str:
    """'12 communiqués, du 3 mars 2015 au 28 septembre 2020'."""
    count = releases_label(found["count"])
    first, last = found["first_date"], found["last_date"]
    if not first:
        return count[0].upper() + count[1:]
    if first == last:
        return f"{count}, le {french_date(first)}"
    return f"{count}, du {french_date(first)} au {french_date(last)}"


def _releases_heading(count: int, shown: int) -> str:
    if count > shown:
        return f"Les {number_fr(shown)} communiqués les plus récents (sur {number_fr(count)})"
    return "Ses communiqués, du plus récent au plus ancien"
