"""Security of the web side: headers on every response, escaped text everywhere, no way out
of the corpus through a URL, the admin token.

Hand-picked cases (payloads in release text, front matter and queries; traversal URLs on the
seed corpus) and a systematic sweep: every rule of `app.url_map` is visited, so a new route is
covered the day it is added (headers on every route and method and on forced errors, traversal
payloads on every route that takes a path, links out of the corpus, hostile file names).
The indexer's side (what the corpus scan lets in) is in `test_corpus.py`.
"""

from __future__ import annotations

import html as html_lib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.corpus_factory import short_release, write_releases
from tests.fixtures_web import ADMIN_TOKEN, IMG, PAYLOADS, SCRIPT, SVG, config, parse_html
from tests.seed import CHINA_2020
from web import create_app
from web.security import CSP

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
ATOM = "{http://www.w3.org/2005/Atom}"


def broken(*args: object) -> None:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/?q=lune&agency=CNES", 200),
        ("GET", "/?page=abc", 400),
        ("POST", "/", 405),
        ("GET", f"/releases/{CHINA_2020}", 200),
        ("GET", "/releases/nope", 404),
        ("GET", "/nope", 404),
        ("GET", "/feed.atom", 200),
        ("GET", "/feed.atom?year=x", 400),
        ("GET", "/opensearch.xml", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/api/search?q=lune", 200),
        ("GET", "/api/search?page=0", 400),
        ("GET", "/api/nope", 404),
        ("GET", "/api/releases/nope", 404),
        ("POST", "/api/search", 405),
        ("POST", "/api/reindex", 401),
        ("GET", "/api/health", 200),
        ("GET", "/static/style.css", 200),
        ("GET", "/static/orbite.js", 200),
        ("GET", "/static/favicon.svg", 200),
        ("GET", "/static/nope.css", 404),
    ],
)
def test_security_headers_on_every_response(
    seed_client: FlaskClient, method: str, path: str, status: int
) -> None:
    with seed_client.open(path, method=method) as response:
        assert response.status_code == status
        assert response.headers["Content-Security-Policy"] == CSP
        for name, value in BASE_HEADERS.items():
            assert response.headers[name] == value, name


@pytest.mark.parametrize("path", ["/", "/api/search"])
def test_security_headers_on_unexpected_errors(
    seed_client: FlaskClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    monkeypatch.setattr("web.pages.search", broken)
    monkeypatch.setattr("web.api.search", broken)
    response = seed_client.get(path)
    assert response.status_code == 500
    assert response.headers["Content-Security-Policy"] == CSP
    for name, value in BASE_HEADERS.items():
        assert response.headers[name] == value


def test_security_headers_on_the_partial_response(seed_client: FlaskClient) -> None:
    response = seed_client.get("/?q=lune", headers={"X-Orbite-Partial": "1"})
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Frame-Options"] == "DENY"


def test_downloads_get_a_sandboxing_policy(seed_client: FlaskClient) -> None:
    with seed_client.get(f"/releases/{CHINA_2020}/source") as response:
        assert response.status_code == 200
        policy = response.headers["Content-Security-Policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy
        for name, value in BASE_HEADERS.items():
            assert response.headers[name] == value


def test_content_security_policy_directives() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
    }


def assert_inert(page: str) -> None:
    """No script but ours, no inline style or event handler, no element a payload would add."""
    for element in parse_html(page):
        assert not [a for a in element.attrs if a.startswith("on")], element
        assert "style" not in element.attrs, element
        assert element.tag not in ("style", "iframe", "object", "embed"), element
        if element.tag == "script":
            assert element.get("src") == "/static/orbite.js" and not element.text.strip()
        if element.tag == "img":
            assert element.get("src") == "/static/favicon.svg"
        if element.tag == "svg":
            assert "timeline-chart" in element.classes()
    for payload in PAYLOADS:
        assert payload not in page


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=lune",
        "/?q=lune&agency=CNES&year=2021",
        f"/releases/{CHINA_2020}?q=lune",
        "/releases/nope",
        "/?page=abc",
    ],
)
def test_pages_have_no_inline_script_or_style(seed_client: FlaskClient, url: str) -> None:
    assert_inert(seed_client.get(url).get_data(as_text=True))


@pytest.mark.parametrize(
    "url",
    [
        "/?q=lune",
        "/",
        "/?q=alert",
        "/?agency=CNES&mission=%22%3E%3Csvg+onload%3Dalert(1)%3E",
        "/releases/evil",
        "/releases/evil?q=alert+script",
        "/releases/meta",
    ],
)
def test_hostile_release_text_is_shown_inert(xss_client: FlaskClient, url: str) -> None:
    page = xss_client.get(url).get_data(as_text=True)
    assert_inert(page)
    if "meta" not in url:
        assert html_lib.escape(SCRIPT) in page.replace("&#x27;", "'")


def test_hostile_values_appear_escaped_in_badges_facets_and_chips(xss_client: FlaskClient) -> None:
    url = "/?agency=%3Cscript%3Ealert(1)%3C/script%3E"
    page = xss_client.get(url).get_data(as_text=True)
    assert_inert(page)
    chips = [" ".join(e.text.split()) for e in parse_html(page) if "chip" in e.classes()]
    assert chips == [f"× {SCRIPT}"]  # text once parsed: it was escaped in the page
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in page  # the mission badge and facet


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(
    "template",
    ["/?q={}", "/?q={}&agency={}", "/?year={}", "/releases/evil?q={}", "/releases/{}"],
)
def test_hostile_queries_are_shown_inert(
    xss_client: FlaskClient, payload: str, template: str
) -> None:
    response = xss_client.get(template.replace("{}", payload.replace("#", "%23")))
    assert response.status_code in (200, 400, 404)
    assert_inert(response.get_data(as_text=True))


def test_hostile_query_in_the_partial_response(xss_client: FlaskClient) -> None:
    response = xss_client.get(f"/?q={SVG} lune", headers={"X-Orbite-Partial": "1"})
    page = response.get_data(as_text=True)
    assert_inert(page)
    assert "Résultats pour « &#34;&gt;&lt;svg onload=alert(1)&gt; lune »" in page


@pytest.mark.parametrize("q", ["lune", f"lune {SCRIPT}", f"{IMG} {SVG}"])
def test_hostile_text_in_the_atom_feed(xss_client: FlaskClient, q: str) -> None:
    response = xss_client.get("/feed.atom", query_string={"q": q})
    raw = response.get_data(as_text=True)
    for payload in PAYLOADS:
        assert payload not in raw
    feed = ET.fromstring(response.data)  # well-formed XML whatever the text
    for entry in feed.findall(f"{ATOM}entry"):
        summary = entry.findtext(f"{ATOM}summary")  # HTML once the XML is read
        assert "<script" not in summary and "<img" not in summary and "<svg" not in summary
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    if q == "lune":
        assert f"{SCRIPT} Lancement lunaire {IMG}" in titles  # plain text, kept as written


def test_hostile_text_in_json_snippets(xss_client: FlaskClient) -> None:
    body = xss_client.get("/api/search?q=lune").get_json()
    snippets = [r["snippet"] for r in body["results"]]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in s for s in snippets)
    for snippet in snippets:
        assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")


TRAVERSAL_URLS = [
    "/releases/../../etc/passwd",
    "/releases/%2e%2e/%2e%2e/etc/passwd",
    "/releases/..%2f..%2fetc%2fpasswd",
    "/releases/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/releases/....//....//etc/passwd",
    "/releases/%2fetc%2fpasswd",
    "/releases/..%5c..%5cetc%5cpasswd",
    "/releases/../../etc/passwd/source",
    "/releases/%2e%2e/%2e%2e/etc/passwd/source",
    "/releases/..%2f..%2fetc%2fpasswd/source",
    "/releases/%2fetc%2fpasswd/source",
    f"/releases/../{CHINA_2020}/source",
    f"/releases/{CHINA_2020}.txt/source",
    "/api/releases/..%2f..%2fetc%2fpasswd",
    "/api/releases/../../etc/passwd",
    "/api/releases/%2e%2e/%2e%2e/etc/passwd",
    "/api/releases/%2fetc%2fpasswd",
    "/static/../app.py",
    "/static/%2e%2e/app.py",
    "/static/..%2fapp.py",
]


@pytest.mark.parametrize("path", TRAVERSAL_URLS)
def test_path_traversal_is_404(seed_client: FlaskClient, path: str) -> None:
    with seed_client.get(path, follow_redirects=True) as response:
        assert response.status_code == 404
        body = response.get_data(as_text=True)
    assert "root:" not in body and "create_app" not in body


def test_stored_html_is_downloaded_as_plain_text(make_app, make_corpus) -> None:
    page = f"<html><body><h1>Titre</h1><p>3 mars 2020</p>{SCRIPT}<p>La Lune.</p></body></html>"
    corpus = make_corpus({"page.html": page})
    with make_app(corpus).test_client().get("/releases/page/source") as response:
        assert response.status_code == 200
        assert response.content_type == "text/plain; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data == page.encode()


def test_the_admin_token_never_appears_in_responses(client: FlaskClient) -> None:
    for response in (
        client.post("/api/reindex", headers={"Authorization": "Bearer wrong"}),
        client.get("/openapi.json"),
        client.get("/api/health"),
    ):
        assert ADMIN_TOKEN not in response.get_data(as_text=True)


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
def site_client(site: tuple[Flask, Path]) -> FlaskClient:
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


def sweep(site_client: FlaskClient, urls: list[tuple[str, str]], methods: list[str]) -> list[str]:
    """Request every URL with every method; the header problems found."""
    problems = []
    for _, url in urls:
        for method in methods:
            with site_client.open(url, method=method) as response:
                problems += header_problems(response, f"{method} {url} ({response.status_code})")
    return problems


def test_the_sweep_visits_every_route(site: tuple[Flask, Path]) -> None:
    rules = {rule for rule, _ in concrete_urls(site[0])}
    assert {"/", "/api/search", "/releases/<path:release_id>/source", "/feed.atom"} <= rules
    assert len(rules) == len(list(site[0].url_map.iter_rules()))


def test_every_route_and_method_sends_the_security_headers(
    site: tuple[Flask, Path], site_client: FlaskClient
) -> None:
    assert sweep(site_client, list(concrete_urls(site[0])), METHODS) == []


def test_every_route_sends_them_for_an_unknown_id(
    site: tuple[Flask, Path], site_client: FlaskClient
) -> None:
    assert sweep(site_client, list(concrete_urls(site[0], "nope/nope")), ["GET"]) == []


def test_every_route_sends_them_when_the_index_fails(
    site: tuple[Flask, Path], site_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("the index broke")

    monkeypatch.setattr("indexer.search.snapshot.SearchIndex.snapshot", broken)
    statuses = {}
    for _, url in concrete_urls(site[0]):
        with site_client.get(url) as response:
            statuses[url] = response.status_code
            assert header_problems(response, url) == []
            assert b"the index broke" not in response.data
    assert statuses["/api/search"] == statuses["/"] == 500  # the failure did happen


# Ways to name a file outside the corpus ({secret} is the absolute path of one).
TRAVERSAL_PAYLOADS = [
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


@pytest.mark.parametrize("payload", TRAVERSAL_PAYLOADS)
def test_no_route_taking_a_path_leads_out_of_the_corpus(
    site: tuple[Flask, Path], site_client: FlaskClient, payload: str
) -> None:
    app, base = site
    secret = quote(str(base / "secret.txt").lstrip("/"))
    value = payload.replace("{secret}", secret)
    rules = [r.rule for r in app.url_map.iter_rules() if "<path:" in r.rule]
    assert len(rules) >= 4  # the release page, its source, the API's release, static files
    for rule in rules:
        url = re.sub(r"<path:\w+>", value, rule)
        with site_client.get(url, follow_redirects=True) as response:
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
def test_a_link_out_of_the_corpus_is_not_served(site_client: FlaskClient, url: str) -> None:
    with site_client.get(url) as response:
        assert response.status_code == 404
        assert CONFIDENTIAL not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", [f"/?q={SECRET}", f"/api/search?q={SECRET}", f"/feed.atom?q={SECRET}"]
)
def test_a_link_out_of_the_corpus_is_not_searchable(site_client: FlaskClient, url: str) -> None:
    response = site_client.get(url)
    assert response.status_code == 200
    assert CONFIDENTIAL not in response.get_data(as_text=True)
    assert "leak" not in response.get_data(as_text=True)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_file_name_is_shown_inert(site_client: FlaskClient, name: str) -> None:
    release = f"/releases/{quote(name, safe='')}"
    assert site_client.get(f"/api/releases/{quote(name, safe='')}").get_json()["id"] == name
    for url in ["/", "/?q=communiqué", release, f"{release}?q=communiqué"]:
        response = site_client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.get_data(as_text=True))
    feed = site_client.get("/feed.atom").get_data(as_text=True)
    assert name not in feed  # escaped in the XML
    with site_client.get(f"{release}/source") as download:
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("token", "status"),
    [
        (ADMIN_TOKEN, 200),
        ("wrong", 401),
        (ADMIN_TOKEN + "x", 401),
        (ADMIN_TOKEN[:-1], 401),
        (ADMIN_TOKEN[:-1] + "T", 401),
        (ADMIN_TOKEN.upper(), 401),
        ("", 401),
    ],
)
def test_only_the_exact_admin_token_reindexes(tmp_path: Path, token: str, status: int) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(2))
    app = create_app(config(corpus, tmp_path / "index"))
    (corpus / "new.txt").write_text(short_release(7), "utf-8")
    client = app.test_client()
    response = client.post("/api/reindex", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
    assert client.get("/api/health").get_json()["documents"] == (3 if status == 200 else 2)


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
