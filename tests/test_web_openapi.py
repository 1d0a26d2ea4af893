"""Tests for web.openapi: the document tells the truth (routes, parameters, responses)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from indexer.index.store import IndexStore
from tests.fixtures_web import ADMIN_TOKEN
from tests.seed import CHINA_2020
from web.openapi import document
from web.params import INCLUDE_EMBARGOED, PARAMETERS

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def api_routes(flask_app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path template, method) of every route the app serves under /api/."""
    routes = set()
    for rule in flask_app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(template, m.lower()) for m in rule.methods - IGNORED_METHODS}
    return routes


def documented_routes(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items() for method in item}


def test_every_api_route_is_documented_and_nothing_else(seed_app: Flask) -> None:
    assert api_routes(seed_app) == documented_routes(document())
    assert ("/api/suggest", "get") in api_routes(seed_app)


def test_the_served_document_is_the_document(seed_client: FlaskClient) -> None:
    response = seed_client.get("/openapi.json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.get_json() == document()
    assert document()["openapi"] == "3.1.0"


@pytest.mark.parametrize("name", sorted(document()["components"]["schemas"]))
def test_component_schemas_are_valid_json_schema(name: str) -> None:
    jsonschema_rs.meta.validate(document()["components"]["schemas"][name])


def test_search_parameters_are_the_parameters_the_api_reads() -> None:
    operation = document()["paths"]["/api/search"]["get"]
    documented = [p["name"] for p in operation["parameters"]]
    assert documented == [*PARAMETERS, INCLUDE_EMBARGOED]
    repeatable = {p["name"] for p in operation["parameters"] if p["schema"].get("type") == "array"}
    assert repeatable == {name for name, repeats in PARAMETERS.items() if repeats}


def test_reindex_requires_the_bearer_scheme() -> None:
    doc = document()
    assert doc["components"]["securitySchemes"] == {
        "adminToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "The value of ORBITE_ADMIN_TOKEN.",
        }
    }
    assert doc["paths"]["/api/reindex"]["post"]["security"] == [{"adminToken": []}]


def _search_parameter(name: str) -> dict[str, Any]:
    parameters = document()["paths"]["/api/search"]["get"]["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == name)


@pytest.mark.parametrize("name", ["page", "per_page"])
def test_documented_integer_limits_are_the_limits(seed_client: FlaskClient, name: str) -> None:
    schema = _search_parameter(name)
    low, high = schema["minimum"], schema["maximum"]
    for value, status in ((low, 200), (high, 200), (low - 1, 400), (high + 1, 400)):
        assert seed_client.get(f"/api/search?{name}={value}").status_code == status, value
    assert seed_client.get("/api/search").get_json()[name] == schema["default"]


def test_documented_query_length_is_the_limit(seed_client: FlaskClient) -> None:
    limit = _search_parameter("q")["maxLength"]
    assert seed_client.get("/api/search?q=" + "a" * limit).status_code == 200
    assert seed_client.get("/api/search?q=" + "a" * (limit + 1)).status_code == 400


def test_documented_sorts_are_the_sorts(seed_client: FlaskClient) -> None:
    for sort in _search_parameter("sort")["enum"]:
        assert seed_client.get(f"/api/search?q=lune&sort={sort}").status_code == 200
    assert seed_client.get("/api/search?sort=score").status_code == 400


def test_documented_year_pattern_is_the_rule(seed_client: FlaskClient) -> None:
    pattern = re.compile(_search_parameter("year")["items"]["pattern"])
    for year in ("2020", "0000", "20x0", "202", "20201"):
        expected = 200 if pattern.search(year) else 400
        assert seed_client.get(f"/api/search?year={year}").status_code == expected, year


def _operation_schema(method: str, path: str, status: int) -> dict[str, Any]:
    """The documented JSON schema of one response, with the components it refers to.

    A wrong method has no operation to document it: the API's description promises the
    `Error` shape for it.
    """
    doc = document()
    if status == 405:
        return {"$ref": "#/components/schemas/Error", "components": doc["components"]}
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{\w+\\\}", ".+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            responses = item[method.lower()]["responses"]
            assert str(status) in responses, f"{status} is not documented for {template}"
            schema = responses[str(status)]["content"]["application/json"]["schema"]
            return {**schema, "components": doc["components"]}
    raise AssertionError(f"{method} {path} is not documented")


def assert_documented(response, method: str, path: str) -> None:
    assert response.content_type == "application/json"
    schema = _operation_schema(method, path, response.status_code)
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    errors = [str(e) for e in validator.iter_errors(response.get_json())]
    assert not errors, errors


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/search", 200),
        ("GET", "/api/search?q=lune", 200),
        ("GET", "/api/search?q=cooperaton", 200),
        ("GET", "/api/search?q=xyzzy+lune", 200),
        ("GET", "/api/search?q=xyzzy", 200),
        ("GET", "/api/search?agency=CNES&year=2018&sort=date&per_page=1&page=2", 200),
        ("GET", "/api/search?from=2019-01-01&to=2020-12-31&sort=-date", 200),
        ("GET", "/api/search?page=0", 400),
        ("GET", "/api/search.csv?page=0", 400),
        ("GET", "/api/search.jsonl?sort=up", 400),
        ("POST", "/api/search", 405),
        ("GET", "/api/suggest?q=Ros", 200),
        ("GET", "/api/suggest", 200),
        ("GET", "/api/suggest?q=%00%22%2A", 200),
        ("POST", "/api/suggest", 405),
        ("GET", f"/api/releases/{CHINA_2020}", 200),
        ("GET", "/api/releases/004_998f866523990025", 200),
        ("GET", "/api/releases/nope", 404),
        ("PUT", f"/api/releases/{CHINA_2020}", 405),
        ("GET", "/api/health", 200),
        ("POST", "/api/health", 405),
        ("POST", "/api/reindex", 401),
        ("GET", "/api/reindex", 405),
    ],
)
def test_responses_match_the_documented_schemas(
    seed_client: FlaskClient, method: str, url: str, status: int
) -> None:
    response = seed_client.open(url, method=method)
    assert response.status_code == status
    assert_documented(response, method, url.split("?")[0])


def test_reindex_responses_match_the_documented_schemas(
    make_app, seed_corpus: Path, index_dir: Path
) -> None:
    client = make_app(seed_corpus, ORBITE_REINDEX_WAIT=0).test_client()
    (seed_corpus / "new.txt").write_text("Nouveau\n\n3 mars 2024\n\nLa Lune.", encoding="utf-8")
    (seed_corpus / "empty.pdf").write_bytes(b"not a pdf")
    done = client.post("/api/reindex", headers=AUTH)
    assert done.status_code == 200
    assert done.get_json()["added"] == 1 and done.get_json()["skipped"]
    assert_documented(done, "POST", "/api/reindex")
    with IndexStore(index_dir).write_lock():
        busy = client.post("/api/reindex", headers=AUTH)
    assert busy.status_code == 503
    assert_documented(busy, "POST", "/api/reindex")
    (seed_corpus / "gazetteer.yaml").write_text("agencies: [[[", encoding="utf-8")
    broken = client.post("/api/reindex", headers=AUTH)
    assert broken.status_code == 500
    assert_documented(broken, "POST", "/api/reindex")
    closed = make_app(seed_corpus, ORBITE_ADMIN_TOKEN=None).test_client()
    forbidden = closed.post("/api/reindex", headers=AUTH)
    assert forbidden.status_code == 403
    assert_documented(forbidden, "POST", "/api/reindex")


def test_health_unavailable_matches_the_documented_schema(
    client: FlaskClient, index_dir: Path
) -> None:
    (index_dir / "current").unlink()
    response = client.get("/api/health")
    assert response.status_code == 503
    assert_documented(response, "GET", "/api/health")


def test_generated_requests_get_documented_responses(seed_app: Flask) -> None:
    """Schemathesis: no 5xx, only documented statuses, bodies valid against their schemas.

    Strategies are drawn by hand: `schemathesis.pytest.from_fixture` needs a pytest private
    attribute that pytest 9 no longer has.
    """
    api = schemathesis.openapi.from_wsgi("/openapi.json", seed_app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == sum(len(item) for item in document()["paths"].values())
    for operation in operations:

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                checks=[
                    checks.not_a_server_error,
                    checks.status_code_conformance,
                    checks.content_type_conformance,
                    checks.response_schema_conformance,
                    checks.unsupported_method,
                ]
            )

        check()
