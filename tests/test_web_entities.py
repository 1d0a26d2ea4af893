"""Entity pages on the web: `/agences/<name>`, `/missions/<name>` and their JSON twins."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.search.entities import entity
from tests.fixtures_web import parent, select, text
from tests.seed import CHINA_2020, RUSSIA_2019
from tests.test_visibility import FILES as EMBARGO_FILES
from tests.test_visibility import Clock
from tests.test_web_api import assert_error, index_of


def html_page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "kind", "name"),
    [
        ("/api/agencies/Roscosmos", "agency", "Roscosmos"),
        ("/api/missions/Yutu%202", "mission", "Yutu 2"),
    ],
)
def test_the_json_twin_is_the_entity_with_release_urls(
    seed_app: Flask, seed_client: FlaskClient, path: str, kind: str, name: str
) -> None:
    response = seed_client.get(path)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    expected = entity(index_of(seed_app), kind, name)
    assert body == {
        **expected,
        "releases": [{**r, "url": f"/releases/{r['id']}"} for r in expected["releases"]],
    }


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/missions/yutu-2", "/missions/Yutu%202"),
        ("/missions/YUTU%202", "/missions/Yutu%202"),
        ("/agences/agence%20spatiale%20russe", "/agences/Roscosmos"),
        ("/agences/Agence%20spatiale%20europ%C3%A9enne", "/agences/ESA"),
        ("/agences/esa", "/agences/ESA"),
        ("/missions/chang%E2%80%99e%206", "/missions/Chang%27e%206"),
        ("/api/missions/yutu-2", "/api/missions/Yutu%202"),
        ("/api/agencies/european%20space%20agency", "/api/agencies/ESA"),
    ],
)
def test_an_alias_redirects_permanently_to_the_canonical_page(
    seed_client: FlaskClient, path: str, location: str
) -> None:
    response = seed_client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == location
    assert seed_client.get(location).status_code == 200


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missions/Atlantide", "Aucune mission ne s’appelle « Atlantide »."),
        ("/agences/Atlantide", "Aucune agence ne s’appelle « Atlantide »."),
        ("/missions/CNES", "Aucune mission ne s’appelle « CNES »."),  # an agency
        ("/agences/SVOM", "Aucune agence ne s’appelle « SVOM »."),  # a mission
    ],
)
def test_an_unknown_name_is_a_french_404(seed_client: FlaskClient, path: str, message: str) -> None:
    html = html_page(seed_client, path, status=404)
    assert text(select(html, "h1")[0]) == "Page introuvable"
    assert message in html


@pytest.mark.parametrize(
    "path",
    ["/api/missions/Atlantide", "/api/agencies/Atlantide", "/api/missions/CNES", "/api/agencies/"],
)
def test_an_unknown_name_is_a_json_404(seed_client: FlaskClient, path: str) -> None:
    assert_error(seed_client.get(path), 404, "not_found")


def test_the_page_tells_the_story_of_an_agency(seed_client: FlaskClient) -> None:
    html = html_page(seed_client, "/agences/Roscosmos")
    assert text(select(html, "h1")[0]) == "Roscosmos"
    assert text(select(html, "p", class_="entity-kind")[0]) == "Agence"
    (aliases,) = select(html, "p", class_="aliases")
    assert text(aliases) == (
        "Aussi appelée : Roskosmos, Agence spatiale russe, Agence spatiale fédérale russe"
    )
    (summary,) = select(html, "p", class_="entity-summary")
    assert text(summary).startswith("2 communiqués, du 15 juin 2018 au 27 août 2019")
    searches = [a["href"] for a in select(html, "a") if text(a) == "Voir dans la recherche"]
    assert searches == ["/?agency=Roscosmos"]
    (timeline,) = select(html, "svg", class_="timeline-chart")
    bars = [(a["href"], a["aria-label"]) for a in select(timeline, "a")]
    assert bars == [
        ("/?agency=Roscosmos&year=2018", "2018 : 1 communiqué"),
        ("/?agency=Roscosmos&year=2019", "2019 : 1 communiqué"),
    ]
    agencies = parent(select(html, "h2", id="companions-agency")[0], "section")
    links = [(text(a), a["href"]) for a in select(agencies, "a")]
    assert links[0] == ("CNES", "/agences/CNES")
    assert ("Roscosmos", "/agences/Roscosmos") not in links
    assert "2 communiqués" in text(agencies)
    missions = parent(select(html, "h2", id="companions-mission")[0], "section")
    assert ("Bion-M2", "/missions/Bion-M2") in [(text(a), a["href"]) for a in select(missions, "a")]
    releases = [a["href"] for a in select(html, "a", class_="result-link")]
    assert releases == [f"/releases/{RUSSIA_2019}", "/releases/001_6a8f80b65f6a5b53"]
    assert select(html, "title")[0].text == "Roscosmos — Agence — Orbite"


def test_a_mission_page_lists_its_releases_with_their_badges(seed_client: FlaskClient) -> None:
    html = html_page(seed_client, "/missions/Yutu%202")
    assert not select(html, "p", class_="aliases")  # Yutu 2 has no other name
    assert text(select(html, "p", class_="entity-summary")[0]).startswith(
        "1 communiqué, le 28 septembre 2020"
    )
    (release,) = select(html, "a", class_="result-link")
    assert release["href"] == f"/releases/{CHINA_2020}"
    badges = select(html, "ul", class_="badges")[0]
    links = {text(a): a["href"] for a in select(badges, "a")}
    assert links["Mission : Yutu 2"] == "/missions/Yutu%202"
    assert links["Agence : CNSA"] == "/agences/CNSA"


def test_a_cue_word_mission_has_a_page(make_app, make_corpus) -> None:
    corpus = make_corpus(
        {"a.txt": "Titre\n\n3 mars 2021\n\nLe CNES prépare la mission Ulysse vers Mars.\n"}
    )
    client = make_app(corpus).test_client()
    html = html_page(client, "/")
    (badge,) = [a for a in select(html, "a") if text(a) == "Mission : Ulysse"]
    assert badge["href"] == "/missions/Ulysse"
    page = html_page(client, badge["href"])
    assert text(select(page, "h1")[0]) == "Ulysse"
    assert client.get("/missions/ulysse").headers["Location"] == "/missions/Ulysse"


@pytest.mark.parametrize(
    ("url", "badge", "href"),
    [
        ("/?q=lune", "Agence : CNSA", "/agences/CNSA"),
        ("/?q=lune", "Mission : Chang'e 6", "/missions/Chang%27e%206"),
        (f"/releases/{CHINA_2020}", "Agence : CNSA", "/agences/CNSA"),
        (f"/releases/{CHINA_2020}", "Mission : Yutu 2", "/missions/Yutu%202"),
    ],
)
def test_badges_link_to_entity_pages(
    seed_client: FlaskClient, url: str, badge: str, href: str
) -> None:
    html = html_page(seed_client, url)
    links = {
        text(a): a["href"]
        for a in select(html, "a")
        if (a.get("href") or "").startswith(("/agences/", "/missions/"))
    }
    assert links[badge] == href
    assert seed_client.get(href).status_code == 200


def test_hostile_names_are_escaped_and_linked_safely(xss_client: FlaskClient) -> None:
    html = html_page(xss_client, "/?q=lune")
    assert "<script>alert(1)</script>" not in html
    hrefs = [
        a["href"] for a in select(html, "a") if (a.get("href") or "").startswith("/agences/%3C")
    ]
    assert hrefs == ["/agences/%3Cscript%3Ealert%281%29%3C%2Fscript%3E"]
    page = html_page(xss_client, hrefs[0])
    assert "<script>alert(1)</script>" not in page
    assert text(select(page, "h1")[0]) == "<script>alert(1)</script>"


def test_an_entity_shows_only_what_a_search_shows(make_app, make_corpus) -> None:
    clock = Clock()
    client = make_app(make_corpus(EMBARGO_FILES), ORBITE_CLOCK=clock).test_client()
    assert client.get("/missions/Z%C3%A9phyrine").status_code == 404
    assert client.get("/api/missions/Z%C3%A9phyrine").status_code == 404
    cnes = client.get("/api/agencies/CNES").get_json()
    assert (cnes["count"], [r["id"] for r in cnes["releases"]]) == (2, ["public", "other"])
    assert "Zéphyrine" not in str(cnes) and "2031" not in str(cnes["years"])
    clock.reach_the_embargo()
    assert client.get("/missions/Z%C3%A9phyrine").status_code == 200
    assert client.get("/api/agencies/CNES").get_json()["count"] == 3
