"""The OpenAPI 3.1 description of the JSON API, built from the indexer's own limits."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from flask import Blueprint

from indexer.reading.gazetteer import AGENCY, MISSION
from indexer.search.entities import COMPANIONS, KINDS, RELEASES
from indexer.search.export import CSV_COLUMNS, LIST_SEPARATOR
from indexer.search.facets import FACET_NAMES
from indexer.search.request import MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, MAX_QUERY_WORDS, SORTS
from indexer.search.searching import MAX_EXPORT
from indexer.search.suggest import MAX_SUGGESTIONS
from web.params import INCLUDE_EMBARGOED

bp = Blueprint("openapi", __name__)

REF = "#/components/schemas/"
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
EMBARGO = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "When the embargo ends (ISO 8601 with offset); null: none.",
}
STRINGS = {"type": "array", "items": {"type": "string"}}


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """A closed object whose properties are all required: the API's shapes are exact."""
    schema: dict[str, Any] = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF + schema_name}}},
    }


def _error(description: str) -> dict[str, Any]:
    return _json("Error", description)


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    parameter["description"] = description
    # An empty value means "not given", as HTML forms send them (`?q=lune&from=&to=`).
    parameter["allowEmptyValue"] = True
    if schema.get("type") == "array":
        parameter.update(style="form", explode=True)
    return parameter


# What every listing shows of a release (`indexer.release.release_summary`).
RELEASE_FIELDS: dict[str, Any] = {
    "id": {"type": "string"},
    "title": {"type": "string"},
    "date": NULLABLE_DATE,
    "release": NULLABLE_STRING,
    "agencies": STRINGS,
    "missions": STRINGS,
    "embargo": EMBARGO,
}

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {
                        "type": "string",
                        "description": "Stable, machine-readable code.",
                        "examples": ["invalid_parameter", "not_found", "index_busy"],
                    },
                    "message": {"type": "string", "description": "What to correct, in English."},
                }
            )
        },
        "The one shape of every error of the API.",
    ),
    "FacetValue": _object(
        {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}
    ),
    "SearchResult": _object(
        {
            "id": {"type": "string", "description": "Path in the corpus, without extension."},
            "title": {"type": "string"},
            "date": NULLABLE_DATE,
            "release": {**NULLABLE_STRING, "description": "Release number, e.g. CP111-2020."},
            "agencies": STRINGS,
            "missions": STRINGS,
            "embargo": EMBARGO,
            "score": {
                "type": ["number", "null"],
                "description": "Null unless sorted by relevance.",
            },
            "snippet": {
                "type": "string",
                "description": "HTML: escaped text with the matched words in <mark> elements.",
            },
            "url": {"type": "string", "description": "Path of the release's page."},
        }
    ),
    "EntityRelease": _object(
        {**RELEASE_FIELDS, "url": {"type": "string", "description": "Path of the release's page."}},
        "A release as search results summarise it (no score, no snippet).",
    ),
    "Entity": _object(
        {
            "name": {"type": "string", "description": "The canonical name."},
            "kind": {"type": "string", "enum": list(KINDS)},
            "aliases": {**STRINGS, "description": "Its other names in the gazetteer."},
            "count": {"type": "integer", "minimum": 0, "description": "Releases naming it."},
            "first_date": NULLABLE_DATE,
            "last_date": NULLABLE_DATE,
            "years": {
                "type": "array",
                "items": {"$ref": REF + "FacetValue"},
                "description": "Releases per year, oldest year first.",
            },
            "agencies": {
                "type": "array",
                "items": {"$ref": REF + "FacetValue"},
                "maxItems": COMPANIONS,
                "description": "Agencies most often named alongside it (itself left out).",
            },
            "missions": {
                "type": "array",
                "items": {"$ref": REF + "FacetValue"},
                "maxItems": COMPANIONS,
                "description": "Missions most often named alongside it (itself left out).",
            },
            "releases": {
                "type": "array",
                "items": {"$ref": REF + "EntityRelease"},
                "maxItems": RELEASES,
                "description": f"The {RELEASES} newest releases naming it, newest first.",
            },
        },
        "An agency or a mission, told by the releases that a search for it shows.",
    ),
    "SearchResponse": _object(
        {
            "query": {"type": "string", "description": "The query as searched (cleaned)."},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "took_ms": {"type": "number", "minimum": 0},
            "results": {"type": "array", "items": {"$ref": REF + "SearchResult"}},
            "facets": _object(
                {
                    name: {"type": "array", "items": {"$ref": REF + "FacetValue"}}
                    for name in FACET_NAMES
                },
                "Counts over every match; a facet ignores its own selection.",
            ),
            "suggestion": {**NULLABLE_STRING, "description": "A corrected query, if any."},
            "fallback": {
                "type": ["string", "null"],
                "enum": ["fuzzy", "any_word", None],
                "description": "How results were found when no release has every word.",
            },
        }
    ),
    "Suggestions": _object(
        {
            "query": {
                "type": "string",
                "description": "What was typed (control characters as spaces).",
            },
            "suggestions": {
                "type": "array",
                "maxItems": MAX_SUGGESTIONS,
                "items": _object(
                    {
                        "text": {
                            "type": "string",
                            "description": "A word completes the query's last word (the words "
                            "before it kept); an agency or a mission is its canonical name.",
                        },
                        "kind": {"type": "string", "enum": ["word", "agency", "mission"]},
                    }
                ),
            },
        },
        "Most useful first: an exact name, then what completes more of the query, then what "
        "more visible releases hold.",
    ),
    "SimilarRelease": _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "date": NULLABLE_DATE,
            "embargo": EMBARGO,
            "url": {"type": "string"},
        }
    ),
    "Release": _object(
        {
            **RELEASE_FIELDS,
            "text": {
                "type": "string",
                "description": "Plain text; paragraphs end with a blank line.",
            },
            "source": {
                "type": "string",
                "description": "The original file, relative to the corpus.",
            },
            "similar": {"type": "array", "items": {"$ref": REF + "SimilarRelease"}},
        }
    ),
    "Health": _object(
        {
            "status": {"enum": ["ok", "indexing", "degraded"]},
            "documents": {"type": "integer", "minimum": 0},
            "indexed_at": {"type": ["string", "null"], "format": "date-time"},
            "indexing": {
                "oneOf": [
                    {"type": "null"},
                    _object(
                        {
                            "done": {"type": "integer", "minimum": 0},
                            "total": {"type": "integer", "minimum": 0},
                        }
                    ),
                ],
                "description": "How far the full build running now is (files done of all); "
                "null when none runs.",
            },
            "warnings": {
                **STRINGS,
                "description": "Problems to fix that do not stop searching, e.g. a malformed "
                "synonyms.yaml (then ignored), one line each.",
            },
            # degraded: the last write failed; searches answer from the last commit.
            "error": {"type": ["string", "null"]},
            "error_at": {"type": ["string", "null"], "format": "date-time"},
        }
    ),
    "IndexSummary": _object(
        {
            "added": {"type": "integer", "minimum": 0},
            "updated": {"type": "integer", "minimum": 0},
            "removed": {"type": "integer", "minimum": 0},
            "unchanged": {"type": "integer", "minimum": 0},
            "skipped": {
                "type": "array",
                "items": _object({"path": {"type": "string"}, "reason": {"type": "string"}}),
            },
        },
        "What `orbite index --json` prints.",
    ),
}

SEARCH_PARAMETERS = [
    _query(
        "q",
        {"type": "string", "maxLength": MAX_QUERY_CHARS},
        f'Words (all required), "phrases", -exclusions, OR/OU, agence:, mission:, annee:. '
        f"At most {MAX_QUERY_CHARS} characters and {MAX_QUERY_WORDS} words. "
        "Empty: every release, newest first.",
    ),
    _query("agency", STRINGS, "Only releases naming one of these agencies (repeatable)."),
    _query("mission", STRINGS, "Only releases naming one of these missions (repeatable)."),
    _query(
        "year",
        {"type": "array", "items": {"type": "string", "pattern": r"^\d{4}$"}},
        "Only releases of one of these years (repeatable).",
    ),
    _query("from", {"type": "string", "format": "date"}, "Releases dated from this day."),
    _query("to", {"type": "string", "format": "date"}, "Releases dated up to this day."),
    _query(
        "sort",
        {"type": "string", "enum": list(SORTS)},
        "Default: relevance with a query, -date (newest first) without.",
    ),
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "From 1."),
    _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10},
        "Results per page.",
    ),
]


INCLUDE_EMBARGOED_PARAMETER = _query(
    INCLUDE_EMBARGOED,
    {"type": "integer", "enum": [0, 1], "default": 0},
    "1 with the admin token (`Authorization: Bearer`): include releases under embargo, for the "
    "press office. Without a valid token it changes nothing (no error either).",
)


def _export(name: str, media_type: str, summary: str) -> dict[str, Any]:
    """An export of a whole search: the search's parameters, a streamed attachment."""
    return {
        "get": {
            "operationId": name,
            "summary": summary,
            "description": (
                f"Every match of the search, in its order, up to {MAX_EXPORT} rows; `page` and "
                "`per_page` are validated but do not apply. Streamed as an attachment named "
                "`orbite-<query>.<extension>` (the query made safe for a file name)."
            ),
            "parameters": [*SEARCH_PARAMETERS, INCLUDE_EMBARGOED_PARAMETER],
            "responses": {
                "200": {
                    "description": "The export.",
                    "headers": {
                        "Content-Disposition": {
                            "description": 'attachment; filename="orbite-<query>.<extension>" '
                            "(and RFC 5987 filename* when the query is not ASCII).",
                            "schema": {"type": "string"},
                        },
                        "X-Total-Count": {
                            "description": "How many releases match, even beyond the limit.",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                    },
                    "content": {media_type: {"schema": {"type": "string"}}},
                },
                "400": _error("A parameter is invalid; the message says which."),
            },
        }
    }


EXPORT_CSV = (
    "UTF-8 with a byte-order mark, CRLF line ends, header "
    f"`{','.join(CSV_COLUMNS)}`; lists joined with `{LIST_SEPARATOR}`; a cell starting with "
    "`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so that a spreadsheet "
    "shows it as text instead of running it."
)
EXPORT_JSONL = "One search result (without `snippet`) per line, as JSON."


def _entity(kind: str, operation: str) -> dict[str, Any]:
    """An agency's or a mission's JSON twin of its page."""
    return {
        "get": {
            "operationId": operation,
            "summary": f"One {kind}: its aliases, years, companions and newest releases.",
            "parameters": [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "description": "Any of its names, accents and case aside.",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": _json("Entity", f"The {kind}, asked under its canonical name."),
                "301": {
                    "description": "Asked under another name: `Location` is the canonical URL.",
                    "headers": {"Location": {"schema": {"type": "string"}}},
                },
                "404": _error(
                    f"No {kind} of the gazetteer nor of a visible release has this name."
                ),
            },
        }
    }


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    try:
        version = metadata.version("orbite")
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Orbite",
            "version": version,
            "description": (
                "Search French press releases of the space sector. Every error has the `Error` "
                "shape: an unknown path under /api/ answers 404, another method than the one "
                "documented for a path answers 405 (with an `Allow` header)."
            ),
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search releases (the same object as `orbite search --json`).",
                    "parameters": [*SEARCH_PARAMETERS, INCLUDE_EMBARGOED_PARAMETER],
                    "responses": {
                        "200": _json("SearchResponse", "One page of results with facets."),
                        "400": _error("A parameter is invalid; the message says which."),
                    },
                }
            },
            "/api/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "Agencies, missions and words completing what is typed.",
                    "parameters": [
                        _query(
                            "q",
                            {"type": "string"},
                            "What is typed so far; any string (empty: no suggestion). "
                            f"Only its first {MAX_QUERY_CHARS} characters are read.",
                        )
                    ],
                    "responses": {"200": _json("Suggestions", f"At most {MAX_SUGGESTIONS}.")},
                }
            },
            "/api/search.csv": _export(
                "exportSearchCsv", "text/csv", f"Export a whole search as CSV. {EXPORT_CSV}"
            ),
            "/api/search.jsonl": _export(
                "exportSearchJsonl",
                "application/x-ndjson",
                f"Export a whole search as JSON Lines. {EXPORT_JSONL}",
            ),
            "/api/agencies/{name}": _entity(AGENCY, "getAgency"),
            "/api/missions/{name}": _entity(MISSION, "getMission"),
            "/api/releases/{release_id}": {
                "get": {
                    "operationId": "getRelease",
                    "summary": "One release with its text and similar releases.",
                    "parameters": [
                        {
                            "name": "release_id",
                            "in": "path",
                            "required": True,
                            "description": "May contain '/' (e.g. 2020/cp111), as is or as %2F.",
                            "schema": {"type": "string"},
                        },
                        INCLUDE_EMBARGOED_PARAMETER,
                    ],
                    "responses": {
                        "200": _json("Release", "The release."),
                        "404": _error("No release has this id (or it is under embargo)."),
                    },
                }
            },
            "/api/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Whether the index answers, and how many releases it holds.",
                    "responses": {
                        "200": _json("Health", "The index is available."),
                        "503": _error("The index cannot be opened."),
                    },
                }
            },
            "/api/reindex": {
                "post": {
                    "operationId": "reindex",
                    "summary": "Index new, changed and deleted files of the corpus now.",
                    "security": [{"adminToken": []}],
                    "responses": {
                        "200": _json("IndexSummary", "What changed."),
                        "401": _error("Missing or wrong bearer token."),
                        "403": _error("Reindexing is disabled: no admin token is configured."),
                        "500": _error("The corpus's gazetteer file cannot be read."),
                        "503": _error("Another process is writing the index."),
                    },
                }
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The value of ORBITE_ADMIN_TOKEN.",
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> dict[str, Any]:
    """The API's description, for clients and for the test that keeps it true."""
    return document()
