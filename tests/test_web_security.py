"""Security: headers on every response, escaped text everywhere, no way out of the corpus."""

from __future__ import annotations

import html as html_lib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.fixtures_web import ADMIN_TOKEN, CHINA_2020, IMG, PAYLOADS, SCRIPT, SVG, parse_html
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


TRAVERSALS = [
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


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_404(seed_client: FlaskClient, path: str) -> None:
    with seed_client.get(path, follow_redirects=True) as response:
        assert response.status_code == 404
        body = response.get_data(as_text=True)
    assert "root:" not in body and "create_app" not in body


def test_a_symlink_out_of_the_corpus_is_not_served(make_app, make_corpus, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret\n\n3 mars 2020\n\nNe pas diffuser.", encoding="utf-8")
    corpus = make_corpus({"ok.txt": "Titre\n\n3 mars 2020\n\nLa Lune."})
    (corpus / "leak.txt").symlink_to(secret)
    client = make_app(corpus).test_client()
    with client.get("/releases/leak/source") as response:
        assert response.status_code == 404
        assert b"Ne pas diffuser" not in response.data


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
