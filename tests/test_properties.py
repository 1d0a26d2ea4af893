"""Hostile queries: any string gives results or one clear refusal, never an exception.

The same strings go to the search function, to `orbite search` (in-process) and to
`/api/search` and the search page (Flask's test client). Queries whose cost could explode are
run too: the tests only check that they return; how long they take is the benchmark's job.
"""

from __future__ import annotations

import json
import string
import subprocess
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.search.request import MAX_QUERY_CHARS, BadRequest, parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.corpus_factory import ORBITE, write_releases
from tests.fixtures_web import *  # noqa: F403  (the web fixtures)
from web import create_app
from web.cli import main

# Pieces of the query language and of what breaks parsers, put together at random.
ATOMS = [
    *("lune", "Lune", "coopération", "CNES", "Chang'e", "Bion-M2", "N°2", "l'", "œuvre"),
    *("agence:", "agence:ESA", "agency:", "mission:", 'mission:"Chang', "titre:", "title:"),
    *("annee:", "année:2020", "year:", "annee:abc", "::", "agence::", "x:"),
    *('"', "«", "»", "“", "”", "(", ")", "((", "))", "[", "]", "{", "}", "TO"),
    *("*", "?", "**", "*?", "a*", "*a", "*a*", "-", "+", "~", "~2", "^", "^2", "\\", "'", "’"),
    *("OR", "OU", "AND", "ET", "NOT", "SAUF", "ANDNOT", "or", "-lune", "+lune", "-(", "-*"),
    *("\x00", "\x1b", "\t", "\n", "\r", "\u2028", "\u2029", "\x85", "\ufeff", "\u200b"),
    *("\ud800", "\udfff", "\udcff", "\U0001f680", "ß", "İ", "ﬁ", "\u0301", "\uffff"),
]
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())  # surrogates included
QUERIES = st.one_of(
    st.tuples(
        st.lists(
            st.one_of(st.sampled_from(ATOMS), st.text(ANY_CHARACTER, max_size=6)), max_size=40
        ),
        st.sampled_from(["", " "]),
    ).map(lambda parts: parts[1].join(parts[0])),
    st.text(ANY_CHARACTER, max_size=700),
    # Long strings, up to 20,000 characters, cheaply.
    st.tuples(st.text(ANY_CHARACTER, min_size=1, max_size=20), st.integers(1, 1000)).map(
        lambda t: t[0] * t[1]
    ),
)
LONG = [
    "a" * 10_000,
    "(" * 10_000,
    '"' * 10_000,
    "*" * 10_000,
    "lune " * 2_000,
    "\ud800" * 10_000,
    "agence:" * 1_500,
]
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def with_examples(test):
    for text in LONG:
        test = example(q=text)(test)
    return test


def assert_clear_refusal(message: str) -> None:
    assert message
    assert "\n" not in message
    assert "Traceback" not in message


@SETTINGS
@with_examples
@given(q=QUERIES)
def test_the_search_function_answers_any_query(seed_index: SearchIndex, q: str) -> None:
    try:
        request = parse_request(q)
    except BadRequest as exc:
        assert_clear_refusal(str(exc))
        assert exc.parameter == "q"
        return
    response = search(seed_index, request)
    assert 0 <= len(response["results"]) <= response["total"]
    assert len(response["query"]) <= MAX_QUERY_CHARS
    json.dumps(response, ensure_ascii=False).encode("utf-8")  # no lone surrogate left


@settings(SETTINGS, max_examples=100)  # each example opens the index, as a command does
@with_examples
@given(q=QUERIES)
def test_orbite_search_answers_any_query(
    seed_index: SearchIndex, capsys: pytest.CaptureFixture[str], q: str
) -> None:
    paths = ["--corpus", str(seed_index.corpus), "--index", str(seed_index.store.root)]
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "--json", *paths, "--", q])
    captured = capsys.readouterr()
    if exit_info.value.code == 0:
        response = json.loads(captured.out)
        assert response["total"] >= len(response["results"])
        assert captured.err == ""
    else:
        assert exit_info.value.code == 2
        assert captured.out == ""
        assert captured.err.startswith("orbite: error: ")
        assert_clear_refusal(captured.err.removesuffix("\n"))


def query_string(q: str) -> str:
    """The bytes a client would send for `q`, lone surrogates included (as invalid UTF-8)."""
    return "q=" + quote(q.encode("utf-8", "surrogatepass"), safe="")


@SETTINGS
@with_examples
@given(q=QUERIES)
def test_the_api_answers_any_query(seed_app: Flask, q: str) -> None:
    response = seed_app.test_client().get(f"/api/search?{query_string(q)}")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    assert response.content_type == "application/json"
    body = response.get_json()
    if response.status_code == 200:
        assert body["total"] >= len(body["results"])
    else:
        assert body["error"]["code"] == "invalid_parameter"
        assert_clear_refusal(body["error"]["message"])


@SETTINGS
@with_examples
@given(q=QUERIES)
def test_the_search_page_and_feed_answer_any_query(seed_app: Flask, q: str) -> None:
    client = seed_app.test_client()
    page = client.get(f"/?{query_string(q)}")
    assert page.status_code in (200, 400), page.get_data(as_text=True)[:2000]
    assert page.content_type.startswith("text/html")
    feed = client.get(f"/feed.atom?{query_string(q)}")
    assert feed.status_code in (200, 400), feed.get_data(as_text=True)[:2000]


def test_a_query_of_invalid_utf8_bytes_on_the_command_line(seed_index: SearchIndex) -> None:
    """A shell passes bytes: undecodable ones reach Python as lone surrogates."""
    paths = ["--corpus", str(seed_index.corpus), "--index", str(seed_index.store.root)]
    result = subprocess.run(
        [str(ORBITE), "search", "--json", *paths, "--", b"lune \xff\xfe\xed\xa0\x80"],
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    response = json.loads(result.stdout)
    assert {r["id"] for r in response["results"]} >= {"000_4e926120857ef53d"}


# Queries whose cost could explode; each must come back with results or a refusal.
COSTLY = {
    "wildcards in one word": "a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*",
    "infix wildcard": "*a*",
    "lone star": "*",
    "wildcard soup": "*?*?*?*?*?*?*?*?",
    "32 prefix wildcards": " ".join(f"{c}*" for c in string.ascii_lowercase + "abcdef"),
    "32 infix wildcards": " ".join(f"*{c}*" for c in string.ascii_lowercase + "abcdef"),
    "16 infix wildcards or-ed": " OR ".join(f"*{c}*" for c in string.ascii_lowercase[:16]),
    "phrase of wildcards": '"*a* *e* *i* *o* *u*"',
    "wildcard on agencies": "agence:*",
    "infix wildcard on missions": "mission:*a*",
    "wildcard on titles": "titre:*e*",
    "wildcard on years": "annee:*",
    "nested parentheses": "(" * 240 + "lune" + ")" * 240,
    "unbalanced parentheses": "(" * MAX_QUERY_CHARS,
    "500-letter word": (string.ascii_lowercase * 20)[:MAX_QUERY_CHARS],
    "32 unknown words": " ".join(f"zzq{c}{c}wwxyk" for c in string.ascii_lowercase + "abcdef"),
    "32 words, none together": " ".join(["lune", "chine", "russie", "mars"] * 8),
    "NOT chain": " ".join(["NOT lune"] * 16),
    "thousands of terms": "lune " * 2000,
    "10,000 characters": "é" * 10_000,
}


@pytest.fixture(scope="module")
def larger_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """Four hundred releases: enough terms for a wildcard to expand to many."""
    base = tmp_path_factory.mktemp("costly")
    write_releases(base / "corpus", range(400))
    store = IndexStore(base / "index")
    update_index(base / "corpus", store)
    return SearchIndex(store, base / "corpus")


@pytest.mark.parametrize("q", list(COSTLY.values()), ids=list(COSTLY))
def test_a_costly_query_returns(larger_index: SearchIndex, q: str) -> None:
    try:
        request = parse_request(q)
    except BadRequest as exc:
        assert_clear_refusal(str(exc))
        return
    response = search(larger_index, request)
    assert response["total"] >= len(response["results"])


@pytest.fixture(scope="module")
def larger_app(larger_index: SearchIndex) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "ORBITE_CORPUS": str(larger_index.corpus),
            "ORBITE_INDEX": str(larger_index.store.root),
        }
    )


@pytest.mark.parametrize("q", list(COSTLY.values()), ids=list(COSTLY))
def test_a_costly_query_through_the_api_is_an_answer(larger_app: Flask, q: str) -> None:
    response = larger_app.test_client().get(f"/api/search?{query_string(q)}")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
