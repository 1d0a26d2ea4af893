"""The JSON API: the indexer's dicts as they are, one error shape, reindexing with a token."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.index.schema import SCHEMA_VERSION
from indexer.index.store import IndexStore, IndexWriteError
from indexer.search.releases import release_detail
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from indexer.search.suggest import suggest
from tests.fixtures_web import ADMIN_TOKEN
from tests.seed import CHINA_2020, NEWEST_FIRST
from web import api
from web.index import get_index
from web.urls import detail_with_urls, search_with_urls

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def index_of(flask_app: Flask) -> SearchIndex:
    with flask_app.app_context():
        return get_index()


def without_timing(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "took_ms"}


def assert_error(response, status: int, code: str) -> dict[str, Any]:
    """The one error shape, with its status and code; returns the error object."""
    assert response.status_code == status
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    ("query_string", "params"),
    [
        ("", {}),
        ("q=lune", {"q": "lune"}),
        ("q=coop%C3%A9ration&sort=-date", {"q": "coopération", "sort": "-date"}),
        ("q=cooperaton", {"q": "cooperaton"}),
        ("q=xyzzy+lune", {"q": "xyzzy lune"}),
        ("agency=CNSA&agency=Roscosmos", {"agency": ["CNSA", "Roscosmos"]}),
        ("mission=SCO&year=2018&year=2019", {"mission": ["SCO"], "year": ["2018", "2019"]}),
        ("from=2018-06-01&to=2019-12-31", {"date_from": "2018-06-01", "date_to": "2019-12-31"}),
        ("sort=date&page=2&per_page=2", {"sort": "date", "page": "2", "per_page": "2"}),
        (
            "q=spatial&agency=cnes&per_page=100",
            {"q": "spatial", "agency": ["cnes"], "per_page": 100},
        ),
    ],
)
def test_search_is_the_indexer_response(
    seed_app: Flask,
    seed_client: FlaskClient,
    query_string: str,
    params: dict[str, Any],
) -> None:
    response = seed_client.get(f"/api/search?{query_string}")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    expected = search_with_urls(search(index_of(seed_app), parse_request(**params)))
    assert without_timing(response.get_json()) == without_timing(json.loads(json.dumps(expected)))


@pytest.mark.parametrize(
    ("filters", "query"),
    [
        ("agency=Agence+spatiale+europ%C3%A9enne", 'agence:"Agence spatiale européenne"'),
        ("agency=european+space+agency", "agence:ESA"),
        ("agency=Agence+spatiale+russe&agency=Roscosmos", "agence:Roscosmos"),
        ("mission=Yutu-2", 'mission:"Yutu 2"'),
        ("mission=SVOM", "mission:svom"),
    ],
)
def test_filters_accept_any_alias_like_the_query_fields(
    seed_client: FlaskClient, filters: str, query: str
) -> None:
    by_filter = seed_client.get(f"/api/search?{filters}").get_json()
    by_query = seed_client.get("/api/search", query_string={"q": query}).get_json()
    assert by_filter["total"] > 0
    assert [r["id"] for r in by_filter["results"]] == sorted(
        (r["id"] for r in by_query["results"]), key=NEWEST_FIRST.index
    )


def test_search_lists_every_release_newest_first(seed_client: FlaskClient) -> None:
    body = seed_client.get("/api/search").get_json()
    assert [r["id"] for r in body["results"]] == NEWEST_FIRST
    assert (body["total"], body["page"], body["per_page"]) == (5, 1, 10)


def test_json_keeps_french_characters_readable(seed_client: FlaskClient) -> None:
    raw = seed_client.get("/api/search?q=coop%C3%A9ration").get_data(as_text=True)
    assert "coopération" in raw
    assert "\\u00e9" not in raw


@pytest.mark.parametrize(
    ("query_string", "parameter"),
    [
        ("per_page=1000", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=ten", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=-1", "page"),
        ("page=1001", "page"),
        ("from=hier", "from"),
        ("to=2020-02-30", "to"),
        ("from=2020-01-02&to=2020-01-01", "from"),
        ("sort=sideways", "sort"),
        ("year=20x0", "year"),
        ("year=20200", "year"),
        ("q=" + "a" * 501, "q"),
        ("q=" + "+".join(["mot"] * 33), "q"),
    ],
)
def test_bad_parameters_are_400_with_the_error_shape(
    seed_client: FlaskClient,
    query_string: str,
    parameter: str,
) -> None:
    error = assert_error(seed_client.get(f"/api/search?{query_string}"), 400, "invalid_parameter")
    assert error["message"].startswith(("query", parameter, "'from'"))


def test_release_is_the_indexer_detail(seed_app: Flask, seed_client: FlaskClient) -> None:
    response = seed_client.get(f"/api/releases/{CHINA_2020}")
    assert response.status_code == 200
    body = response.get_json()
    expected = detail_with_urls(release_detail(index_of(seed_app), CHINA_2020))
    assert body == json.loads(json.dumps(expected))
    assert list(body) == [
        "id",
        "title",
        "date",
        "release",
        "agencies",
        "missions",
        "embargo",
        "text",
        "source",
        "similar",
    ]
    assert (body["date"], body["release"], body["source"]) == (
        "2020-09-28",
        "CP111-2020",
        f"{CHINA_2020}.txt",
    )
    assert all(set(s) == {"id", "title", "date", "embargo", "url"} for s in body["similar"])


@pytest.mark.parametrize("path", ["/api/releases/2020/cp111", "/api/releases/2020%2Fcp111"])
def test_release_ids_with_slashes(
    make_app,
    make_corpus,
    path: str,
) -> None:
    corpus = make_corpus({"2020/cp111.txt": "Titre\n\n28 septembre 2020\n\nCP111-2020\n\nLa Lune."})
    response = make_app(corpus).test_client().get(path)
    assert response.status_code == 200
    assert response.get_json()["id"] == "2020/cp111"
    assert response.get_json()["date"] == "2020-09-28"


@pytest.mark.parametrize(
    "path",
    [
        "/api/releases/nope",
        "/api/releases/2020/nope",
        f"/api/releases/{CHINA_2020}.txt",
        "/api/releases/..%2f..%2fetc%2fpasswd",
        "/api/releases/../../etc/passwd",
    ],
)
def test_unknown_release_is_404(seed_client: FlaskClient, path: str) -> None:
    assert_error(seed_client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "path", ["/api", "/api/", "/api/nope", "/api/search/extra", "/api/health/", "/api/releases"]
)
def test_unknown_api_paths_are_json_404(seed_client: FlaskClient, path: str) -> None:
    assert_error(seed_client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/search", "GET"),
        ("DELETE", f"/api/releases/{CHINA_2020}", "GET"),
        ("PUT", "/api/health", "GET"),
        ("GET", "/api/reindex", "POST"),
    ],
)
def test_wrong_method_is_json_405(
    seed_client: FlaskClient,
    method: str,
    path: str,
    allowed: str,
) -> None:
    response = seed_client.open(path, method=method)
    error = assert_error(response, 405, "method_not_allowed")
    assert allowed in response.headers["Allow"]
    assert allowed in error["message"]


def test_health(app: Flask, client: FlaskClient, index_dir: Path) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "documents": 5,
        "indexed_at": IndexStore(index_dir).read_meta().indexed_at,
        "indexing": None,
        "warnings": [],
        "error": None,
        "error_at": None,
    }


FULL_DISK = "espace disque insuffisant sur idx : libérez de la place puis relancez orbite index"


def test_a_failed_reindex_makes_health_degraded_until_a_commit_lands(
    client: FlaskClient, seed_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = api.update_index

    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise IndexWriteError(FULL_DISK)

    monkeypatch.setattr(api, "update_index", full_disk)
    error = assert_error(client.post("/api/reindex", headers=AUTH), 503, "index_unavailable")
    assert error["message"] == FULL_DISK
    health = client.get("/api/health").get_json()
    assert (health["status"], health["documents"], health["error"]) == ("degraded", 5, FULL_DISK)
    failed_at = dt.datetime.fromisoformat(health["error_at"])
    assert abs(dt.datetime.now(dt.timezone.utc) - failed_at) < dt.timedelta(minutes=1)
    assert client.get("/api/search?q=lune").get_json()["total"] == 2  # the last commit answers
    monkeypatch.setattr(api, "update_index", real)
    assert client.post("/api/reindex", headers=AUTH).status_code == 200
    health = client.get("/api/health").get_json()
    assert (health["status"], health["error"], health["error_at"]) == ("ok", None, None)


def test_a_deleted_index_folder_leaves_searches_answering_and_health_degraded(
    client: FlaskClient, index_dir: Path
) -> None:
    before = client.get("/api/search?q=lune").get_json()
    shutil.rmtree(index_dir)
    assert client.get("/api/search?q=lune").get_json()["results"] == before["results"]
    health = client.get("/api/health").get_json()
    assert (health["status"], health["documents"]) == ("degraded", 5)
    assert "no index" in health["error"]
    assert client.post("/api/reindex", headers=AUTH).status_code == 200  # recreated
    assert IndexStore(index_dir).exists()
    assert client.get("/api/health").get_json()["status"] == "ok"
    assert client.get("/api/search?q=lune").get_json()["results"] == before["results"]


def test_health_is_503_when_the_index_is_gone(client: FlaskClient, index_dir: Path) -> None:
    (index_dir / "current").unlink()
    assert_error(client.get("/api/health"), 503, "index_unavailable")


@pytest.mark.parametrize(
    ("token", "headers", "status", "code"),
    [
        (None, AUTH, 403, "forbidden"),
        ("", AUTH, 403, "forbidden"),
        (ADMIN_TOKEN, {}, 401, "unauthorized"),
        (ADMIN_TOKEN, {"Authorization": "Bearer wrong"}, 401, "unauthorized"),
        (ADMIN_TOKEN, {"Authorization": f"Basic {ADMIN_TOKEN}"}, 401, "unauthorized"),
        (ADMIN_TOKEN, {"Authorization": f"Bearer {ADMIN_TOKEN}x"}, 401, "unauthorized"),
        (ADMIN_TOKEN, {"Authorization": "Bearer"}, 401, "unauthorized"),
        (ADMIN_TOKEN, {"Authorization": "Bearer sécret"}, 401, "unauthorized"),
    ],
)
def test_reindex_refused(
    make_app,
    seed_corpus: Path,
    token: str | None,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    client = make_app(seed_corpus, ORBITE_ADMIN_TOKEN=token).test_client()
    response = client.post("/api/reindex", headers=headers)
    assert_error(response, status, code)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_reindex_picks_up_a_new_file(client: FlaskClient, seed_corpus: Path) -> None:
    assert client.get("/api/search?q=Sentinelle").get_json()["total"] == 0
    (seed_corpus / "2024").mkdir()
    (seed_corpus / "2024" / "cp042.txt").write_text(
        "La Sentinelle des mers\n\n3 avril 2024\n\nCP042-2024\n\nLe CNES lance Sentinelle.",
        encoding="utf-8",
    )
    (seed_corpus / f"{CHINA_2020}.txt").unlink()
    response = client.post("/api/reindex", headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {
        "added": 1,
        "updated": 0,
        "removed": 1,
        "unchanged": 4,
        "skipped": [],
    }
    found = client.get("/api/search?q=Sentinelle").get_json()
    assert [r["id"] for r in found["results"]] == ["2024/cp042"]
    assert client.get("/api/health").get_json()["documents"] == 5
    assert client.get(f"/api/releases/{CHINA_2020}").status_code == 404


def test_reindex_twice_changes_nothing(client: FlaskClient) -> None:
    assert client.post("/api/reindex", headers=AUTH).get_json()["unchanged"] == 5


def test_reindex_while_another_writer_holds_the_lock_is_503(
    make_app,
    seed_corpus: Path,
    index_dir: Path,
) -> None:
    client = make_app(seed_corpus, ORBITE_REINDEX_WAIT=0).test_client()
    with IndexStore(index_dir).write_lock():
        response = client.post("/api/reindex", headers=AUTH)
    error = assert_error(response, 503, "index_busy")
    assert "another process is writing the index" in error["message"]
    assert client.post("/api/reindex", headers=AUTH).status_code == 200


def test_reindex_with_a_broken_gazetteer_is_a_json_error(client: FlaskClient, seed_corpus) -> None:
    (seed_corpus / "gazetteer.yaml").write_text("agencies: [[[", encoding="utf-8")
    error = assert_error(client.post("/api/reindex", headers=AUTH), 500, "reindex_failed")
    assert "gazetteer" in error["message"]


def test_an_unexpected_error_is_a_json_500(
    seed_client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("web.api.search", broken)
    error = assert_error(seed_client.get("/api/search?q=lune"), 500, "internal_error")
    assert "boom" not in error["message"]


def test_a_missing_index_is_built_when_the_app_is_created(
    make_app,
    seed_corpus: Path,
    index_dir: Path,
) -> None:
    assert not IndexStore(index_dir).exists()
    client = make_app(seed_corpus).test_client()
    assert IndexStore(index_dir).exists()
    assert client.get("/api/health").get_json()["documents"] == 5


@pytest.mark.parametrize("damage", ["old_schema", "unreadable_meta", "missing_whoosh_files"])
def test_an_incompatible_index_is_rebuilt_when_the_app_is_created(
    make_app,
    seed_corpus: Path,
    index_dir: Path,
    damage: str,
) -> None:
    make_app(seed_corpus)
    live = IndexStore(index_dir).current.resolve()
    if damage == "old_schema":
        meta = json.loads((live / "orbite.json").read_text("utf-8"))
        (live / "orbite.json").write_text(json.dumps({**meta, "schema_version": 0}), "utf-8")
    elif damage == "unreadable_meta":
        (live / "orbite.json").write_text("{not json", "utf-8")
    else:
        for toc in live.glob("_MAIN_*.toc"):
            toc.unlink()
    client = make_app(seed_corpus).test_client()
    assert IndexStore(index_dir).read_meta().schema_version == SCHEMA_VERSION
    assert client.get("/api/health").get_json()["documents"] == 5


@pytest.mark.parametrize(
    "query_string",
    [
        "q=%ff%fe",
        "q=%00%01",
        "q=%ed%a0%80",
        "q=%",
        "q=%zz",
        "q=" + "%e2%80%8b" * 10,
        "agency=%ff&mission=%00&year=2020",
        "q=lune&q=soleil",
        "q=(((",
        'q="unterminated',
        "q=agence:",
        "q=-",
        "q=*",
        "q=OR+AND+NOT",
        "q=titre:%22%22",
        "from=2020-01-01&from=hier",
        "sort=&page=&per_page=",
    ],
)
def test_odd_query_strings_are_answered(
    seed_client: FlaskClient,
    query_string: str,
) -> None:
    response = seed_client.get(f"/api/search?{query_string}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_error(response, 400, "invalid_parameter")


# Random text for every parameter: anything a URL can carry, including control characters,
# lone surrogates' replacements, quotes, percent signs and very long strings.
TEXT = st.text(st.characters(codec="utf-8"), max_size=600)
PARAMS = st.dictionaries(
    st.sampled_from(["q", "agency", "mission", "year", "from", "to", "sort", "page", "per_page"]),
    st.lists(TEXT, min_size=1, max_size=3),
    max_size=9,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=PARAMS)
def test_random_parameters_never_fail_the_server(
    seed_client: FlaskClient,
    params: dict[str, list[str]],
) -> None:
    response = seed_client.get("/api/search", query_string=params)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 400:
        assert_error(response, 400, "invalid_parameter")
    else:
        assert set(response.get_json()) >= {"query", "total", "results", "facets"}


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(release_id=st.text(st.characters(codec="utf-8", exclude_characters="?#"), min_size=1))
def test_random_release_ids_are_found_redirected_or_404(
    seed_client: FlaskClient,
    release_id: str,
) -> None:
    response = seed_client.get("/api/releases/" + release_id)
    assert response.status_code in (200, 308, 404)  # 308: "//" merged into "/"
    if response.status_code != 308:
        assert response.content_type == "application/json"


@pytest.mark.parametrize(("q", "total"), [("Roscos", 2), ("Roscos ", 0), ('"Roscos"', 0)])
def test_search_completes_the_last_word(seed_client: FlaskClient, q: str, total: int) -> None:
    assert seed_client.get("/api/search", query_string={"q": q}).get_json()["total"] == total


def test_suggest_is_the_indexer_object(seed_app: Flask, seed_client: FlaskClient) -> None:
    response = seed_client.get("/api/suggest?q=Ros")
    assert response.status_code == 200
    assert response.get_json() == suggest(index_of(seed_app), "Ros")
    assert response.get_json()["suggestions"][0] == {"text": "Roscosmos", "kind": "agency"}


@given(q=st.text(max_size=600))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_suggest_answers_any_string(seed_client: FlaskClient, q: str) -> None:
    response = seed_client.get("/api/suggest", query_string={"q": q})
    assert response.status_code == 200
    assert len(response.get_json()["suggestions"]) <= 8


def test_suggest_without_q_is_empty(seed_client: FlaskClient) -> None:
    assert seed_client.get("/api/suggest").get_json() == {"query": "", "suggestions": []}


def test_health_says_how_far_a_running_build_is(client: FlaskClient, index_dir: Path) -> None:
    store = IndexStore(index_dir)
    store.write_progress(120, 5000)
    with store.write_lock(timeout=0):  # a build holds the lock while it runs
        building = client.get("/api/health").get_json()
        page = client.get("/").get_data(as_text=True)
    assert (building["status"], building["indexing"]) == ("indexing", {"done": 120, "total": 5000})
    assert building["documents"] == 5  # what it serves meanwhile
    assert "Indexation en cours : 120 / 5000" in page
    # A progress file left by a killed build is not a build: nobody holds the lock.
    after = client.get("/api/health").get_json()
    assert (after["status"], after["indexing"]) == ("ok", None)
    assert "Indexation en cours" not in client.get("/").get_data(as_text=True)


def test_health_answers_before_the_first_batch_of_a_build(
    client: FlaskClient, index_dir: Path
) -> None:
    (index_dir / "current").unlink()
    store = IndexStore(index_dir)
    store.write_progress(0, 5000)
    with store.write_lock(timeout=0):
        response = client.get("/api/health")
    assert response.status_code == 200
    health = response.get_json()
    assert (health["status"], health["documents"], health["indexing"]) == (
        "indexing",
        0,
        {"done": 0, "total": 5000},
    )
