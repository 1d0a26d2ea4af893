"""Exports of a whole search: `/api/search.csv` and `/api/search.jsonl`."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from indexer.search.export import BOM
from tests.fixtures_web import select, text
from tests.seed import CHINA_2020
from tests.test_web_api import assert_error

QUERIES = [
    "",
    "q=coop%C3%A9ration",
    "q=coop%C3%A9ration&sort=date",
    "q=coop%C3%A9ration&sort=-date",
    "q=lune&agency=CNSA",
    "agency=Agence+spatiale+russe",
    "year=2018&year=2020&from=2018-06-01",
    "q=cooperaton",  # the fuzzy fallback's matches
    "q=xyzzy",
]


def every_result(client: FlaskClient, query_string: str) -> list[dict[str, Any]]:
    """All results of a search, page after page, through /api/search."""
    results: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get(f"/api/search?{query_string}&per_page=2&page={page}").get_json()
        results += body["results"]
        if page * 2 >= body["total"]:
            return results
        page += 1


def csv_records(data: bytes) -> list[dict[str, str]]:
    decoded = data.decode("utf-8")
    assert decoded.startswith(BOM)
    return list(csv.DictReader(io.StringIO(decoded[len(BOM) :], newline="")))


def jsonl_objects(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


@pytest.mark.parametrize("query_string", QUERIES)
def test_jsonl_is_every_result_of_the_search_without_snippet(
    seed_client: FlaskClient, query_string: str
) -> None:
    response = seed_client.get(f"/api/search.jsonl?{query_string}")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.is_streamed
    expected = [
        {k: v for k, v in r.items() if k != "snippet"}
        for r in every_result(seed_client, query_string)
    ]
    assert jsonl_objects(response.data) == expected
    assert response.headers["X-Total-Count"] == str(len(expected))


@pytest.mark.parametrize("query_string", QUERIES)
def test_csv_is_every_result_of_the_search(seed_client: FlaskClient, query_string: str) -> None:
    response = seed_client.get(f"/api/search.csv?{query_string}")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8; header=present"
    assert response.data.startswith(BOM.encode("utf-8") + b"id,title,date,release,agencies,")
    expected = [
        {
            "id": r["id"],
            "title": r["title"],
            "date": r["date"] or "",
            "release": r["release"] or "",
            "agencies": "; ".join(r["agencies"]),
            "missions": "; ".join(r["missions"]),
            "embargo": r["embargo"] or "",
            "url": r["url"],
        }
        for r in every_result(seed_client, query_string)
    ]
    assert csv_records(response.data) == expected


def test_page_and_page_size_do_not_cut_an_export(make_app, make_corpus) -> None:
    corpus = make_corpus(
        {f"cp{n:03}.txt": f"Titre {n}\n\n{n % 28 + 1} mars 2020\n\nLa Lune." for n in range(130)}
    )
    client = make_app(corpus).test_client()
    response = client.get("/api/search.csv?q=lune&page=3&per_page=5")
    records = csv_records(response.data)
    assert len(records) == 130
    assert len({r["id"] for r in records}) == 130
    assert response.headers["X-Total-Count"] == "130"


def test_an_export_stops_at_its_limit_and_says_how_many_matched(
    seed_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("indexer.search.searching.MAX_EXPORT", 3)
    monkeypatch.setattr(
        "indexer.search.searching.EXPORT_BATCH", 2
    )  # rows read over several batches
    response = seed_client.get("/api/search.jsonl")
    assert [r["id"] for r in jsonl_objects(response.data)] == [
        r["id"] for r in every_result(seed_client, "")[:3]
    ]
    assert response.headers["X-Total-Count"] == "5"


@pytest.mark.parametrize("extension", ["csv", "jsonl"])
@pytest.mark.parametrize(
    "query_string",
    ["per_page=1000", "page=abc", "from=hier", "sort=sideways", "year=20x0", "q=" + "a" * 501],
)
def test_bad_parameters_are_400_json_errors(
    seed_client: FlaskClient, extension: str, query_string: str
) -> None:
    response = seed_client.get(f"/api/search.{extension}?{query_string}")
    assert_error(response, 400, "invalid_parameter")
    assert "Content-Disposition" not in response.headers


@pytest.mark.parametrize(
    ("query", "disposition"),
    [
        ("lune", 'attachment; filename="orbite-lune.csv"'),
        ("", 'attachment; filename="orbite-communiques.csv"'),
        ("   ", 'attachment; filename="orbite-communiques.csv"'),
        ("lune mars", 'attachment; filename="orbite-lune-mars.csv"'),
        ('agence:"ESA" / ../../etc', 'attachment; filename="orbite-agence-ESA-etc.csv"'),
        ('a"b\\c\x7fd', 'attachment; filename="orbite-a-b-c-d.csv"'),
        (
            "coopération",
            'attachment; filename="orbite-cooperation.csv"; '
            "filename*=UTF-8''orbite-coop%C3%A9ration.csv",
        ),
        (
            "火星",
            'attachment; filename="orbite-__.csv"; '
            "filename*=UTF-8''orbite-%E7%81%AB%E6%98%9F.csv",
        ),
    ],
)
def test_the_file_is_named_after_the_query_safely(
    seed_client: FlaskClient, query: str, disposition: str
) -> None:
    response = seed_client.get("/api/search.csv", query_string={"q": query})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == disposition
    jsonl = seed_client.get("/api/search.jsonl", query_string={"q": query})
    assert jsonl.headers["Content-Disposition"] == disposition.replace(".csv", ".jsonl")


def test_a_long_query_gives_a_bounded_name(seed_client: FlaskClient) -> None:
    response = seed_client.get("/api/search.csv", query_string={"q": "lune " * 30})
    name = response.headers["Content-Disposition"].split('"')[1]
    assert name.startswith("orbite-lune-lune") and name.endswith("lune.csv")
    assert len(name) <= len("orbite-.csv") + 60


def test_formulas_in_releases_reach_a_spreadsheet_as_text(make_app, make_corpus) -> None:
    corpus = make_corpus(
        {
            "formula.md": (
                "---\n"
                'title: "=HYPERLINK(\\"http://example.test\\", \\"Lune\\")"\n'
                "date: 2021-03-01\n"
                'agencies: ["@Agence", "CNES"]\n'
                'missions: ["-Mission"]\n'
                "---\n\nLa lune encore.\n"
            )
        }
    )
    client = make_app(corpus).test_client()
    (record,) = csv_records(client.get("/api/search.csv?q=lune").data)
    assert record["title"] == '\'=HYPERLINK("http://example.test", "Lune")'
    assert (record["agencies"], record["missions"]) == ("'@Agence; CNES", "'-Mission")
    (row,) = jsonl_objects(client.get("/api/search.jsonl?q=lune").data)
    assert row["title"].startswith("=HYPERLINK")


def test_the_search_page_offers_both_exports_of_its_search(seed_client: FlaskClient) -> None:
    html = seed_client.get("/?q=lune&agency=cnes&sort=date&page=2&per_page=1").get_data(
        as_text=True
    )
    (exports,) = select(html, "p", class_="exports")
    assert text(exports) == "Exporter : CSV · JSON"
    links = {text(a): a["href"] for a in select(html, "a") if "download" in a.attrs}
    assert links == {
        "CSV": "/api/search.csv?q=lune&agency=CNES&sort=date",
        "JSON": "/api/search.jsonl?q=lune&agency=CNES&sort=date",
    }


def test_export_links_follow_live_results(seed_client: FlaskClient) -> None:
    html = seed_client.get("/?q=lune", headers={"X-Orbite-Partial": "1"}).get_data(as_text=True)
    assert 'href="/api/search.csv?q=lune"' in html


def test_an_export_row_links_to_the_release(seed_client: FlaskClient) -> None:
    (record,) = csv_records(seed_client.get("/api/search.csv?q=CP111-2020").data)
    assert record["id"] == CHINA_2020
    assert seed_client.get(record["url"]).status_code == 200
