"""Security, route by route: every rule of `app.url_map` is visited, so a new route is covered
the day it is added.

`test_web_security.py` holds the hand-picked cases (payloads in release text, front matter and
queries; traversal URLs on the seed corpus); this module adds the systematic sweep: headers on
every route and method and on forced errors, traversal payloads on every route that takes a
path, a file and a folder linked from outside the corpus, hostile file names (ids), and the
constant-time comparison of the admin token.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.corpus_factory import short_release, write_releases
from tests.fixtures_web import ADMIN_TOKEN, IMG, SVG, config
from tests.test_web_security import assert_inert
from web import create_app

SECRET = "zqsecretx"  # a word only the files outside the corpus contain
CONFIDENTIAL = "Ne pas diffuser"  # their text, never to be shown
HOSTILE_NAMES = [SVG, IMG, "a'b\"c<d>e&f"]
METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"]
SAFE_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Path]]:
    """An app on a corpus with secrets beside it, links out of it and hostile file names."""
    base = tmp_path_factory.mktemp("security")
    (base / "secret.txt").write_text(f"Secret\n\n3 mars 2020\n\n{CONFIDENTIAL} : {SECRET}.\n")
    (base / "private").mkdir()
    (base / "private" / "note.txt").write_text(
        f"Privé\n\n4 mars 2020\n\n{CONFIDENTIAL} {SECRET}.\n"
    )
    corpus = base / "corpus"
    write_releases(corpus, range(3))
    write_releases(corpus, range(3, 4), folder="2020")
    for number, name in enumerate(HOSTILE_NAMES, 10):
        (corpus / f"{name}.txt").write_text(short_release(number), "utf-8")
    (corpus / "leak.txt").symlink_to(base / "secret.txt")
    (corpus / "dehors").symlink_to(base / "private", target_is_directory=True)
    (corpus / "relative.txt").symlink_to(Path("..") / "secret.txt")
    app = create_app(config(corpus, base / "index"))
    yield app, base


@pytest.fixture
def client(site: tuple[Flask, Path]) -> FlaskClient:
    return site[0].test_client()


def concrete_urls(app: Flask, release_id: str = "cp-00000") -> Iterator[tuple[str, str]]:
    """(rule, URL) for every rule of the app, its variables filled with real values."""
    values = {"release_id": release_id, "filename": "style.css", "name": "CNES"}
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", quote(values[name]), url)
        yield rule.rule, url


def header_problems(response, where: str) -> list[str]:
    problems = []
    policy = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in policy:
        problems.append(f"{where}: Content-Security-Policy {policy!r}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options missing")
    if response.headers.get("Referrer-Policy") not in SAFE_REFERRER_POLICIES:
        problems.append(f"{where}: Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    return problems


def sweep(client: FlaskClient, urls: list[tuple[str, str]], methods: list[str]) -> list[str]:
    """Request every URL with every method; the header problems found."""
    problems = []
    for _, url in urls:
        for method in methods:
            with client.open(url, method=method) as response:
                problems += header_problems(response, f"{method} {url} ({response.status_code})")
    return problems


def test_the_sweep_visits_every_route(site: tuple[Flask, Path]) -> None:
    rules = {rule for rule, _ in concrete_urls(site[0])}
    assert {"/", "/api/search", "/releases/<path:release_id>/source", "/feed.atom"} <= rules
    assert len(rules) == len(list(site[0].url_map.iter_rules()))


def test_every_route_and_method_sends_the_security_headers(
    site: tuple[Flask, Path], client: FlaskClient
) -> None:
    assert sweep(client, list(concrete_urls(site[0])), METHODS) == []


def test_every_route_sends_them_for_an_unknown_id(
    site: tuple[Flask, Path], client: FlaskClient
) -> None:
    assert sweep(client, list(concrete_urls(site[0], "nope/nope")), ["GET"]) == []


def test_every_route_sends_them_when_the_index_fails(
    site: tuple[Flask, Path], client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("the index broke")

    monkeypatch.setattr("indexer.snapshot.SearchIndex.snapshot", broken)
    statuses = {}
    for _, url in concrete_urls(site[0]):
        with client.get(url) as response:
            statuses[url] = response.status_code
            assert header_problems(response, url) == []
            assert b"the index broke" not in response.data
    assert statuses["/api/search"] == statuses["/"] == 500  # the failure did happen


# Ways to name a file outside the corpus ({secret} is the absolute path of one).
TRAVERSALS = [
    "../secret",
    "../secret.txt",
    "..%2fsecret",
    "..%2Fsecret.txt",
    "%2e%2e%2fsecret",
    "%2e%2e/secret",
    "%252e%252e%252fsecret",
    "..%5csecret",
    "%c0%ae%c0%ae/secret",
    "..;/secret",
    "....//secret",
    "%00../secret",
    "secret%00",
    "{secret}",
    "%2F{secret}",
    "file://{secret}",
    "2020/../../secret",
    "2020%2f..%2f..%2fsecret",
]


@pytest.mark.parametrize("payload", TRAVERSALS)
def test_no_route_taking_a_path_leads_out_of_the_corpus(
    site: tuple[Flask, Path], client: FlaskClient, payload: str
) -> None:
    app, base = site
    secret = quote(str(base / "secret.txt").lstrip("/"))
    value = payload.replace("{secret}", secret)
    rules = [r.rule for r in app.url_map.iter_rules() if "<path:" in r.rule]
    assert len(rules) >= 4  # the release page, its source, the API's release, static files
    for rule in rules:
        url = re.sub(r"<path:\w+>", value, rule)
        with client.get(url, follow_redirects=True) as response:
            assert response.status_code in (400, 404), url
            assert CONFIDENTIAL not in response.get_data(as_text=True), url


@pytest.mark.parametrize(
    "url",
    [
        "/releases/leak",
        "/releases/leak/source",
        "/api/releases/leak",
        "/releases/relative",
        "/api/releases/relative",
        "/releases/dehors/note",
        "/api/releases/dehors/note",
        "/releases/dehors/note/source",
    ],
)
def test_a_link_out_of_the_corpus_is_not_served(client: FlaskClient, url: str) -> None:
    with client.get(url) as response:
        assert response.status_code == 404
        assert CONFIDENTIAL not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", [f"/?q={SECRET}", f"/api/search?q={SECRET}", f"/feed.atom?q={SECRET}"]
)
def test_a_link_out_of_the_corpus_is_not_searchable(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert CONFIDENTIAL not in response.get_data(as_text=True)
    assert "leak" not in response.get_data(as_text=True)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_file_name_is_shown_inert(client: FlaskClient, name: str) -> None:
    release = f"/releases/{quote(name, safe='')}"
    assert client.get(f"/api/releases/{quote(name, safe='')}").get_json()["id"] == name
    for url in ["/", "/?q=communiqué", release, f"{release}?q=communiqué"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.get_data(as_text=True))
    feed = client.get("/feed.atom").get_data(as_text=True)
    assert name not in feed  # escaped in the XML
    with client.get(f"{release}/source") as download:
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment")


class Recorder:
    """Stands in for `hmac.compare_digest`, remembering that it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes | str, bytes | str]] = []

    def __call__(self, a: bytes | str, b: bytes | str) -> bool:
        self.calls.append((a, b))
        return COMPARE_DIGEST(a, b)


COMPARE_DIGEST = hmac.compare_digest


@pytest.mark.parametrize(
    ("token", "status"),
    [("wrong", 401), (ADMIN_TOKEN + "x", 401), ("", 401), (ADMIN_TOKEN, 200)],
)
def test_the_admin_token_is_compared_in_constant_time(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, token: str, status: int
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(hmac, "compare_digest", recorder)
    response = client.post("/api/reindex", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
    assert len(recorder.calls) == 1
    given, expected = recorder.calls[0]
    as_bytes = [v.encode() if isinstance(v, str) else v for v in (given, expected)]
    assert as_bytes == [token.encode(), ADMIN_TOKEN.encode()]


@pytest.mark.parametrize(
    ("configured", "headers", "status"),
    [
        (None, {}, 403),
        (None, {"Authorization": f"Bearer {ADMIN_TOKEN}"}, 403),
        (ADMIN_TOKEN, {}, 401),
        (ADMIN_TOKEN, {"Authorization": "Bearer nope"}, 401),
    ],
)
def test_reindex_needs_a_configured_and_matching_token(
    tmp_path: Path, configured: str | None, headers: dict[str, str], status: int
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(2))
    app = create_app(config(corpus, tmp_path / "index", ORBITE_ADMIN_TOKEN=configured))
    (corpus / "new.txt").write_text(short_release(7), "utf-8")
    response = app.test_client().post("/api/reindex", headers=headers)
    assert response.status_code == status
    # Refused means refused: the new file was not indexed.
    assert app.test_client().get("/api/health").get_json()["documents"] == 2
