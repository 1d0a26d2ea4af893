"""The HTML pages as a reader sees them: French, linked, every state a URL."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.index.store import IndexStore
from indexer.search.searching import search
from tests.fixtures_web import Element, parent, parse_html, select, text
from tests.mail_factory import eml_bytes
from tests.office_factory import docx_bytes, odt_bytes
from tests.pdf_factory import pdf_bytes
from tests.seed import CHINA_2020, ISEF_2018, MOON_UNDATED, NEWEST_FIRST, RUSSIA_2018
from web.context import search_page
from web.index import get_index
from web.params import search_request

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def page(client: FlaskClient, url: str, status: int = 200, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def result_links(html: str) -> list[str]:
    return [a["href"] or "" for a in select(html, "a", class_="result-link")]


def facet_section(html: str, facet: str) -> Element:
    """The <section> of one facet, found by its heading."""
    (heading,) = select(html, "h2", id=f"facet-{facet}")
    return parent(heading, "section")


def facet_counts(html: str, facet: str) -> dict[str, int]:
    """{label: count} of one facet, selected or not, hidden in <details> or not."""
    section = facet_section(html, facet)
    return {
        text(e).split(" ")[0] if facet == "year" else _label(e): int(text(e).rsplit(" ", 1)[1])
        for e in select(section, "a", class_="facet-value")
    }


def _label(element) -> str:
    return text(element).rsplit(" ", 1)[0].replace("Filtre actif, retirer : ", "")


def test_search_page_frame(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/")
    assert '<html lang="fr">' in html
    (field,) = select(html, "input", name="q")
    assert (field["type"], field["id"]) == ("search", "q")
    assert "autofocus" in field.attrs
    (label,) = select(html, "label", for_="q")
    assert text(label) == "Rechercher dans les communiqués"
    (form,) = select(html, "form", id="search-form")
    assert (form["method"], form["action"], form["role"]) == ("get", "/", "search")
    for landmark in ("header", "main", "aside", "footer"):
        assert len(select(html, landmark)) == 1, landmark
    (skip,) = select(html, "a", class_="skip-link")
    assert skip["href"] == "#main" and select(html, "main", id="main")
    (opensearch,) = select(html, "link", rel="search")
    assert opensearch["href"] == "/opensearch.xml"
    assert opensearch["type"] == "application/opensearchdescription+xml"


def test_results_show_title_date_number_badges_and_snippet(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=lune")
    (china,) = [r for r in select(html, "li", class_="result") if "CP111-2020" in r.text]
    assert "COOPERATION SPATIALE ENTRE LA FRANCE ET LA CHINE" in china.text
    assert "28 septembre 2020" in china.text
    link = next(a for a in select(html, "a") if a.get("href") == f"/releases/{CHINA_2020}?q=lune")
    assert text(link).startswith("COOPERATION SPATIALE")
    assert '<time datetime="2020-09-28">28 septembre 2020</time>' in html
    agencies = [text(b) for b in select(html, "li", class_="badge-agency")]
    missions = [text(b) for b in select(html, "li", class_="badge-mission")]
    assert "Agence : CNSA" in agencies and "Mission : Yutu 2" in missions
    assert "la face cachée de la <mark>Lune</mark>" in html
    assert china.text.count("COOPERATION SPATIALE") == 1  # the snippet does not repeat the headline
    assert "Non daté" in html  # the undated release


def test_count_timing_and_live_region(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=lune")
    (count,) = select(html, "span", id="count")
    assert (count["aria-live"], count["role"]) == ("polite", "status")
    assert text(count) == "2 résultats"
    (timing,) = select(html, "span", id="timing")
    assert re.fullmatch(r"— \d+,\d ms", text(timing))
    assert re.search(r"2 résultats</span><span[^>]*> — \d+,\d ms", html)


@pytest.mark.parametrize(
    ("url", "count"),
    [("/?q=xyzzy", "Aucun résultat"), ("/?agency=ESA", "1 résultat"), ("/", "5 résultats")],
)
def test_count_wording(seed_client: FlaskClient, url: str, count: str) -> None:
    assert text(select(page(seed_client, url), "span", id="count")[0]) == count


def test_empty_query_lists_every_release_newest_first(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/")
    assert result_links(html) == [f"/releases/{i}" for i in NEWEST_FIRST]
    assert text(select(html, "h1")[0]) == "Tous les communiqués"


def test_no_result_message(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=xyzzy")
    assert "Aucun communiqué ne correspond à votre recherche." in html
    assert not select(html, "li", class_="result")


WORDS_SORTS = [("", "Pertinence"), ("-date", "Plus récents"), ("date", "Plus anciens")]
LISTING_SORTS = [("", "Plus récents"), ("date", "Plus anciens")]


@pytest.mark.parametrize(
    ("url", "options", "selected", "first"),
    [
        ("/?q=coop%C3%A9ration", WORDS_SORTS, "Pertinence", None),
        ("/?q=coop%C3%A9ration&sort=relevance", WORDS_SORTS, "Pertinence", None),
        ("/?q=coop%C3%A9ration&sort=-date", WORDS_SORTS, "Plus récents", CHINA_2020),
        ("/?q=coop%C3%A9ration&sort=date", WORDS_SORTS, "Plus anciens", ISEF_2018),
        # Without words the listing is newest first, and the selector says so.
        ("/", LISTING_SORTS, "Plus récents", CHINA_2020),
        ("/?sort=-date", LISTING_SORTS, "Plus récents", CHINA_2020),
        ("/?sort=relevance", LISTING_SORTS, "Plus récents", CHINA_2020),
        ("/?sort=date&agency=CNES", LISTING_SORTS, "Plus anciens", ISEF_2018),
    ],
)
def test_sort_selector_shows_the_order_applied(
    seed_client: FlaskClient,
    url: str,
    options: list[tuple[str, str]],
    selected: str,
    first: str | None,
) -> None:
    html = page(seed_client, url)
    (sort,) = select(html, "select", name="sort")
    assert sort["form"] == "search-form"
    shown = select(html, "option")
    assert [(o["value"], text(o)) for o in shown] == options
    assert [text(o) for o in shown if "selected" in o.attrs] == [selected]
    if first:
        query = "?q=coop%C3%A9ration" if "q=" in url else ""
        assert result_links(html)[0] == f"/releases/{first}{query}"


@pytest.mark.parametrize(
    ("url", "previous", "next_", "pages", "current"),
    [
        ("/?per_page=2", None, "/?page=2&per_page=2", ["1", "2", "3"], "1"),
        ("/?per_page=2&page=2", "/?per_page=2", "/?page=3&per_page=2", ["1", "2", "3"], "2"),
        ("/?per_page=2&page=3", "/?page=2&per_page=2", None, ["1", "2", "3"], "3"),
        ("/?per_page=5", None, None, None, None),
        ("/?per_page=1&page=5", "/?page=4&per_page=1", None, ["1", "…", "3", "4", "5"], "5"),
        ("/?per_page=1", None, "/?page=2&per_page=1", ["1", "2", "3", "…", "5"], "1"),
    ],
)
def test_pagination(
    seed_client: FlaskClient,
    url: str,
    previous: str | None,
    next_: str | None,
    pages: list[str] | None,
    current: str | None,
) -> None:
    html = page(seed_client, url)
    navs = select(html, "nav", class_="pagination")
    if pages is None:
        assert not navs
        return
    assert navs[0]["aria-label"] == "Pages de résultats"
    assert [a["href"] for a in select(html, "a", rel="prev")] == ([previous] if previous else [])
    assert [a["href"] for a in select(html, "a", rel="next")] == ([next_] if next_ else [])
    items = navs[0].text.split()
    assert [i for i in items if i not in ("←", "Précédent", "Suivant", "→")] == pages
    (here,) = select(html, "a", aria_current="page")
    assert text(here) == current


def test_a_page_beyond_the_results(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?per_page=2&page=9")
    assert "Cette page est au-delà des résultats." in html
    assert [a["href"] for a in select(html, "a", rel="prev")] == ["/?page=3&per_page=2"]


def test_suggestion_and_fuzzy_fallback(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=cooperaton&agency=CNES")
    (notice,) = select(html, "p", class_="suggestion")
    assert text(notice) == "Vouliez-vous dire coopération ?"
    (link,) = select(html, "a", href="/?q=coop%C3%A9ration&agency=CNES")
    assert text(link) == "coopération"
    (fallback,) = select(html, "p", class_="fallback")
    assert text(fallback) == "Résultats pour « coopération »"


def test_any_word_fallback(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=xyzzy+lune")
    (fallback,) = select(html, "p", class_="fallback")
    assert text(fallback) == (
        "Aucun communiqué ne contient tous vos mots ; voici ceux qui en contiennent une partie."
    )
    assert not select(html, "p", class_="suggestion")


def test_strict_matches_have_no_notice(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=lune")
    assert not select(html, "p", class_="fallback") and not select(html, "p", class_="suggestion")


def test_facets_count_and_toggle(seed_client: FlaskClient) -> None:
    everything = page(seed_client, "/")
    assert facet_counts(everything, "agency") == {
        "CNES": 5,
        "CNSA": 2,
        "Roscosmos": 2,
        "ESA": 1,
        "Roshydromet": 1,
    }
    assert facet_counts(everything, "year") == {"2020": 1, "2019": 1, "2018": 2}
    (cnsa,) = [a for a in select(everything, "a", class_="facet-value") if "CNSA" in a.text]
    assert cnsa["href"] == "/?agency=CNSA"
    assert "aria-current" not in cnsa.attrs

    filtered = page(seed_client, cnsa["href"])
    assert facet_counts(filtered, "year") == {"2020": 1}
    assert facet_counts(filtered, "mission")["SCO"] == 1
    # A facet ignores its own selection: the other agencies are still offered, with counts.
    assert facet_counts(filtered, "agency") == facet_counts(everything, "agency")
    (selected,) = select(filtered, "a", aria_current="true")
    assert "selected" in selected.classes()
    assert text(selected) == "Filtre actif, retirer : CNSA 2"
    assert selected["href"] == "/"


def test_toggle_urls_keep_the_query_and_reset_the_page(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=coop%C3%A9ration&agency=CNES&per_page=2&page=2&sort=date")
    hrefs = {text(a): a["href"] for a in select(html, "a", class_="facet-value")}
    assert hrefs["2019 1"] == ("/?q=coop%C3%A9ration&agency=CNES&year=2019&sort=date&per_page=2")
    assert hrefs["Filtre actif, retirer : CNES 4"] == "/?q=coop%C3%A9ration&sort=date&per_page=2"


def test_chips_remove_one_filter_each(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=spatial&agency=cnes&year=2018&from=2018-06-01&to=2019-12-31")
    chips = {text(a): a["href"] for a in select(html, "a", class_="chip")}
    # The links spell the agency as the facets do ("cnes" typed, "CNES" shown and linked).
    assert chips == {
        "× CNES": "/?q=spatial&year=2018&from=2018-06-01&to=2019-12-31",
        "× 2018": "/?q=spatial&agency=CNES&from=2018-06-01&to=2019-12-31",
        "× depuis le 1er juin 2018": "/?q=spatial&agency=CNES&year=2018&to=2019-12-31",
        "× jusqu’au 31 décembre 2019": "/?q=spatial&agency=CNES&year=2018&from=2018-06-01",
    }
    assert {a["aria-label"] for a in select(html, "a", class_="chip")} >= {"Retirer le filtre CNES"}


@pytest.mark.parametrize(
    ("url", "facet", "canonical"),
    [
        ("/?agency=Agence+spatiale+europ%C3%A9enne", "agency", "ESA"),
        ("/?agency=agence+spatiale+europeenne", "agency", "ESA"),
        ("/?agency=Agence+spatiale+russe", "agency", "Roscosmos"),
        ("/?mission=yutu-2", "mission", "Yutu 2"),
    ],
)
def test_a_filter_by_alias_selects_the_canonical_value(
    seed_client: FlaskClient, url: str, facet: str, canonical: str
) -> None:
    html = page(seed_client, url)
    (selected,) = select(html, "a", aria_current="true")
    assert _label(selected) == canonical
    assert selected["href"] == "/"  # toggling it off removes the alias typed
    (chip,) = select(html, "a", class_="chip")
    assert (text(chip), chip["href"]) == (f"× {canonical}", "/")
    (hidden,) = select(html, "input", type="hidden")
    assert (hidden["name"], hidden["value"]) == (facet, canonical)
    assert result_links(html)


def test_the_form_keeps_filters_and_dates(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=lune&agency=CNES&mission=SCO&per_page=5&from=2018-01-01")
    hidden = [(i["name"], i["value"]) for i in select(html, "input", type="hidden")]
    assert hidden == [("agency", "CNES"), ("mission", "SCO"), ("per_page", "5")]
    (start,) = select(html, "input", name="from")
    assert (start["type"], start["value"], start["form"]) == ("date", "2018-01-01", "search-form")
    (end,) = select(html, "input", name="to")
    assert (end["value"], end["form"]) == ("", "search-form")
    assert select(html, "label", for_="from") and select(html, "label", for_="to")


def test_long_facets_fold_into_details(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/")
    section = facet_section(html, "mission")
    (folded,) = select(section, "details")
    assert len(select(section, "a", class_="facet-value")) == 18
    assert len(select(folded, "a", class_="facet-value")) == 8  # with the families Yutu, Tiangong
    assert text(select(folded, "summary")[0]) == "8 de plus"
    assert "open" not in folded.attrs
    opened = page(seed_client, "/?mission=Yutu+2")
    assert "open" in select(facet_section(opened, "mission"), "details")[0].attrs


def test_timeline_bars(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?year=2019")
    (svg,) = select(html, "svg", class_="timeline-chart")
    assert svg["aria-labelledby"] == "timeline-title"
    assert text(select(html, "h2", id="timeline-title")[0]) == "Communiqués par année"
    timeline = svg
    bars = [(a["href"], a["aria-label"], "selected" in a.classes()) for a in select(timeline, "a")]
    assert bars == [
        ("/?year=2019&year=2018", "2018 : 2 communiqués", False),
        ("/", "2019 : 1 communiqué", True),
        ("/?year=2019&year=2020", "2020 : 1 communiqué", False),
    ]
    assert [text(t) for t in select(timeline, "title")] == [b[1] for b in bars]


def test_timeline_keeps_empty_years_as_gaps(make_app, make_corpus) -> None:
    corpus = make_corpus(
        {
            "a.txt": "Un\n\n3 mars 2015\n\nLa lune.",
            "b.txt": "Deux\n\n3 mars 2018\n\nLa lune.",
        }
    )
    html = page(make_app(corpus).test_client(), "/")
    (timeline,) = select(html, "svg", class_="timeline-chart")
    titles = [text(t) for t in select(timeline, "title")]
    assert titles == [
        "2015 : 1 communiqué",
        "2016 : aucun communiqué",
        "2017 : aucun communiqué",
        "2018 : 1 communiqué",
    ]
    assert len(select(timeline, "a")) == 2


def test_timeline_leaves_out_empty_years_over_a_long_span(make_app, make_corpus) -> None:
    corpus = make_corpus(
        {
            "old.md": "---\ndate: 1901-05-01\n---\n\nLa lune.",
            "new.txt": "Deux\n\n3 mars 2018\n\nLa lune.",
        }
    )
    html = page(make_app(corpus).test_client(), "/")
    (timeline,) = select(html, "svg", class_="timeline-chart")
    assert [text(t) for t in select(timeline, "title")] == [
        "1901 : 1 communiqué",
        "2018 : 1 communiqué",
    ]


def test_feed_links_follow_the_search(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=lune&agency=CNES&page=2&sort=date&per_page=1")
    (alternate,) = select(html, "link", rel="alternate")
    assert alternate["type"] == "application/atom+xml"
    assert alternate["href"] == "/feed.atom?q=lune&agency=CNES&per_page=1"
    (follow,) = select(html, "a", class_="feed")
    assert text(follow) == "Suivre cette recherche"
    assert follow["href"] == alternate["href"]


def test_partial_response_holds_only_the_live_parts(seed_client: FlaskClient) -> None:
    response = seed_client.get("/?q=lune", headers={"X-Orbite-Partial": "1"})
    assert response.status_code == 200
    assert "X-Orbite-Partial" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<header" not in html
    live = [e["id"] for e in parse_live(html)]
    assert live == ["heading", "count", "timing", "results", "filters-body"]
    full = page(seed_client, "/?q=lune")
    assert [e["id"] for e in parse_live(full)] == live
    assert seed_client.get("/?q=lune").headers["Vary"] == "X-Orbite-Partial"


def parse_live(html: str) -> list[Element]:
    return [e for e in parse_html(html) if "data-live" in e.attrs]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/?q=lune&page=abc", "Le numéro de page doit être un nombre entier entre 1 et 1000."),
        ("/?per_page=1000", "Le nombre de résultats par page doit être un nombre entier"),
        ("/?from=hier", "La date de début doit s’écrire AAAA-MM-JJ"),
        ("/?to=2020-13-01", "La date de fin doit s’écrire AAAA-MM-JJ."),
        ("/?sort=sideways", "Tri inconnu"),
        ("/?year=20x0", "Une année s’écrit avec quatre chiffres"),
        ("/?q=" + "a" * 501, "Votre recherche est trop longue"),
    ],
)
def test_bad_parameters_give_a_french_400_page(
    seed_client: FlaskClient, url: str, message: str
) -> None:
    html = page(seed_client, url, status=400)
    (alert,) = select(html, "p", role="alert")
    assert text(alert).startswith(message)
    assert select(html, "form", id="search-form")
    assert not select(html, "li", class_="result")


def test_bad_parameters_keep_the_query_in_the_form(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=lune&page=abc", status=400)
    assert select(html, "input", name="q")[0]["value"] == "lune"


def test_release_page(seed_client: FlaskClient) -> None:
    html = page(seed_client, f"/releases/{CHINA_2020}")
    (title,) = select(html, "h1")
    assert text(title).startswith("COOPERATION SPATIALE ENTRE LA FRANCE ET LA CHINE")
    assert '<time datetime="2020-09-28">28 septembre 2020</time>' in html
    assert "CP111-2020" in html
    assert "Agence : CNSA" in [text(b) for b in select(html, "li", class_="badge-agency")]
    (body,) = select(html, "div", class_="release-text")
    assert "Jean-Yves Le Gall, Président du CNES" in body.text
    assert "\n\nLe Président du CNES et l&#x27;Administrateur" in html.replace("'", "&#x27;")
    assert "<mark>" not in html
    (source,) = [a for a in select(html, "a") if text(a) == "Fichier original"]
    assert source["href"] == f"/releases/{CHINA_2020}/source"
    (similar,) = select(html, "section", class_="similar")
    assert "Communiqués similaires" in similar.text
    assert f'href="/releases/{MOON_UNDATED}"' in html
    assert [a["href"] for a in select(html, "a") if text(a) == "← Tous les communiqués"] == ["/"]


def test_release_page_marks_the_query_words(seed_client: FlaskClient) -> None:
    html = page(seed_client, f"/releases/{CHINA_2020}?q=lune")
    assert "EXPLORATION DE LA <mark>LUNE</mark> ET AU-DELA</h1>" in html
    (body,) = select(html, "div", class_="release-text")
    assert "COOPERATION SPATIALE" not in body.text  # the header lines are shown once, as metadata
    assert "CP111-2020" not in body.text and "COMMUNIQUÉ DE PRESSE" not in body.text
    assert "sur la face cachée de la <mark>Lune</mark>" in html
    assert [a["href"] for a in select(html, "a") if text(a) == "← Retour aux résultats"] == [
        "/?q=lune"
    ]


def test_release_page_ignores_an_unusable_query(seed_client: FlaskClient) -> None:
    html = page(seed_client, f"/releases/{CHINA_2020}?q=" + "lune+" * 40)
    assert "<mark>" not in html


def test_release_with_a_slash_in_its_id(make_app, make_corpus) -> None:
    corpus = make_corpus({"2020/cp111.md": "# La Lune\n\n28 septembre 2020\n\nLa Lune."})
    client = make_app(corpus).test_client()
    html = page(client, "/releases/2020/cp111")
    assert text(select(html, "h1")[0]) == "La Lune"
    with client.get("/releases/2020/cp111/source") as response:
        assert response.status_code == 200
        assert response.data == (corpus / "2020" / "cp111.md").read_bytes()


@pytest.mark.parametrize(
    ("name", "href"),
    [
        ("été 2021/cp 1.txt", "/releases/%C3%A9t%C3%A9%202021/cp%201"),
        ("a#b?c.txt", "/releases/a%23b%3Fc"),
        ("100%.txt", "/releases/100%25"),
    ],
)
def test_release_ids_with_url_characters_are_linked_safely(
    make_app, make_corpus, name: str, href: str
) -> None:
    corpus = make_corpus({name: "Titre lunaire\n\n3 mars 2020\n\nLa lune."})
    client = make_app(corpus).test_client()
    assert result_links(page(client, "/")) == [href]
    assert text(select(page(client, href), "h1")[0]) == "Titre lunaire"
    with client.get(f"{href}/source") as response:
        assert response.status_code == 200
        assert response.data == (corpus / name).read_bytes()


@pytest.mark.parametrize(
    "path", ["/releases/nope", "/releases/2020/nope", f"/releases/{CHINA_2020}.txt", "/nope"]
)
def test_unknown_pages_are_a_french_404(seed_client: FlaskClient, path: str) -> None:
    html = page(seed_client, path, status=404)
    assert text(select(html, "h1")[0]) == "Page introuvable"
    assert "Retour à la recherche" in html


def test_unknown_release_names_the_id(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/releases/2020/nope", status=404)
    assert "Aucun communiqué n’a l’identifiant « 2020/nope »." in html


def test_wrong_method_on_a_page_is_a_french_405(seed_client: FlaskClient) -> None:
    response = seed_client.post("/")
    assert response.status_code == 405
    assert "Méthode non autorisée" in response.get_data(as_text=True)


def test_unexpected_error_is_a_french_500(
    seed_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("web.pages.search", broken)
    html = page(seed_client, "/?q=lune", status=500)
    assert text(select(html, "h1")[0]) == "Erreur interne"
    assert "boom" not in html


def test_index_unavailable_is_a_french_503(client: FlaskClient, index_dir: Path) -> None:
    (index_dir / "current").unlink()
    html = page(client, "/?q=lune", status=503)
    assert text(select(html, "h1")[0]) == "Service momentanément indisponible"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("cp.txt", "Titre\n\n3 mars 2020\n\nLa Lune.", "text/plain; charset=utf-8"),
        ("cp.md", "# Titre\n\n3 mars 2020\n\nLa Lune.", "text/plain; charset=utf-8"),
        (
            "cp.html",
            "<html><body><h1>Titre</h1><p>3 mars 2020</p><p>La Lune.</p></body></html>",
            "text/plain; charset=utf-8",
        ),
        ("cp.htm", "<p>Titre</p><p>3 mars 2020</p><p>La Lune.</p>", "text/plain; charset=utf-8"),
        ("cp.pdf", pdf_bytes("La Lune le 3 mars 2020"), "application/pdf"),
        (
            "cp.docx",
            docx_bytes("3 mars 2020", "La Lune."),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("cp.odt", odt_bytes("3 mars 2020", "La Lune."), "application/vnd.oasis.opendocument.text"),
        ("cp.eml", eml_bytes("3 mars 2020\n\nLa Lune."), "message/rfc822"),
    ],
)
def test_source_download(
    make_app, make_corpus, name: str, content: str | bytes, content_type: str
) -> None:
    corpus = make_corpus({f"2020/{name}": content})
    with make_app(corpus).test_client().get("/releases/2020/cp/source") as response:
        assert response.status_code == 200
        assert response.content_type == content_type
        assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.data == (corpus / "2020" / name).read_bytes()


def test_source_of_a_file_deleted_since_indexing_is_404(
    client: FlaskClient, seed_corpus: Path
) -> None:
    (seed_corpus / f"{CHINA_2020}.txt").unlink()
    page(client, f"/releases/{CHINA_2020}/source", status=404)


def test_atom_feed(seed_client: FlaskClient, seed_app: Flask) -> None:
    response = seed_client.get("/feed.atom?q=coop%C3%A9ration&sort=relevance&page=2")
    assert response.status_code == 200
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.data)
    assert feed.findtext(f"{ATOM}title") == "Orbite — « coopération »"
    assert feed.findtext(f"{ATOM}id") == "http://localhost/feed.atom?q=coop%C3%A9ration"
    entries = feed.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert ids == [
        f"http://localhost/releases/{i}" for i in NEWEST_FIRST if i != "004_998f866523990025"
    ]
    first = entries[0]
    assert first.findtext(f"{ATOM}updated") == "2020-09-28T00:00:00Z"
    assert feed.findtext(f"{ATOM}updated") == "2020-09-28T00:00:00Z"
    assert first.find(f"{ATOM}link").get("href") == ids[0]
    summary = first.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert "<mark>" in summary.text
    assert {c.get("term") for c in first.findall(f"{ATOM}category")} >= {"CNES", "SVOM"}
    alternate = feed.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert alternate == "http://localhost/?q=coop%C3%A9ration"


def test_atom_feed_of_undated_releases_uses_the_index_date(
    seed_client: FlaskClient, seed_app: Flask
) -> None:
    feed = ET.fromstring(seed_client.get("/feed.atom?q=Tiangong").data)
    (entry,) = feed.findall(f"{ATOM}entry")
    indexed_at = IndexStore(Path(seed_app.config["ORBITE_INDEX"])).read_meta().indexed_at
    assert entry.findtext(f"{ATOM}updated") == indexed_at


def test_atom_feed_size(make_app, make_corpus) -> None:
    corpus = make_corpus(
        {f"cp{n:02}.txt": f"Titre {n}\n\n{n} mars 2020\n\nLa Lune." for n in range(1, 26)}
    )
    client = make_app(corpus).test_client()
    feed = ET.fromstring(client.get("/feed.atom").data)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 20
    assert entries[0].findtext(f"{ATOM}updated") == "2020-03-25T00:00:00Z"
    assert len(ET.fromstring(client.get("/feed.atom?per_page=3").data).findall(f"{ATOM}entry")) == 3


def test_atom_feed_bad_parameter_is_400(seed_client: FlaskClient) -> None:
    assert seed_client.get("/feed.atom?year=20x0").status_code == 400


def test_opensearch_description(seed_client: FlaskClient) -> None:
    response = seed_client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.content_type == "application/opensearchdescription+xml; charset=utf-8"
    description = ET.fromstring(response.data)
    assert description.findtext(f"{OPENSEARCH}ShortName") == "Orbite"
    templates = {u.get("type"): u.get("template") for u in description.findall(f"{OPENSEARCH}Url")}
    assert templates["text/html"] == "http://localhost/?q={searchTerms}"
    assert templates["application/atom+xml"] == "http://localhost/feed.atom?q={searchTerms}"
    assert templates["application/json"] == "http://localhost/api/search?q={searchTerms}"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/static/orbite.js", "text/javascript; charset=utf-8"),
        ("/static/favicon.svg", "image/svg+xml; charset=utf-8"),
    ],
)
def test_static_files(seed_client: FlaskClient, path: str, content_type: str) -> None:
    with seed_client.get(path) as response:
        assert response.status_code == 200
        assert response.content_type == content_type


def test_page_context_shape(seed_app: Flask) -> None:
    """The dict templates receive: the API response untouched, plus page-only extras."""
    url = "/?q=coop%C3%A9ration&agency=Roscosmos&per_page=1"
    with seed_app.test_request_context(url):
        parsed = search_request(request.args)
        response = search(get_index(), parsed)
        context = search_page(response, parsed, request.args)
    assert context["response"] is response
    assert set(context) == {
        "response",
        "q",
        "title",
        "hidden_inputs",
        "date_from",
        "date_to",
        "sorts",
        "feed_url",
        "export_urls",
        "results",
        "count_label",
        "first_number",
        "first_page_url",
        "timing_label",
        "facets",
        "chips",
        "timeline",
        "pagination",
        "suggestion",
    }
    agency = next(f for f in context["facets"] if f["name"] == "agency")
    assert agency["label"] == "Agences"
    assert agency["results"][0] == {
        "value": "CNES",
        "label": "CNES",
        "count": 4,
        "selected": False,
        "toggle_url": "/?q=coop%C3%A9ration&agency=Roscosmos&agency=CNES&per_page=1",
    }
    assert agency["results"][1] == {
        "value": "Roscosmos",
        "label": "Roscosmos",
        "count": 2,
        "selected": True,
        "toggle_url": "/?q=coop%C3%A9ration&per_page=1",
    }
    assert context["chips"] == [{"label": "Roscosmos", "url": "/?q=coop%C3%A9ration&per_page=1"}]
    assert context["pagination"]["next"] == (
        "/?q=coop%C3%A9ration&agency=Roscosmos&page=2&per_page=1"
    )
    assert context["results"][0]["url"] == f"/releases/{RUSSIA_2018}?q=coop%C3%A9ration"
    assert "toggle_url" not in str(response)


def test_results_link_to_release_pages_with_the_query(seed_client: FlaskClient) -> None:
    html = page(seed_client, "/?q=Roscosmos+Mercure")
    assert result_links(html) == [f"/releases/{RUSSIA_2018}?q=Roscosmos+Mercure"]


PARAMS = st.dictionaries(
    st.sampled_from(["q", "agency", "mission", "year", "from", "to", "sort", "page", "per_page"]),
    st.lists(st.text(st.characters(codec="utf-8"), max_size=80), min_size=1, max_size=3),
    max_size=9,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=PARAMS)
def test_random_parameters_never_fail_the_page_or_the_feed(
    seed_client: FlaskClient, params: dict[str, list[str]]
) -> None:
    for path in ("/", "/feed.atom"):
        response = seed_client.get(path, query_string=params)
        assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    partial = seed_client.get("/", query_string=params, headers={"X-Orbite-Partial": "1"})
    assert partial.status_code in (200, 400)
