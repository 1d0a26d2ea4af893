"""Tests for reading.webpage: saved agency pages read as their release, headline without site."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bench.web_pages import WebPage, page_bytes, web_pages
from indexer.reading.gazetteer import Gazetteer
from indexer.reading.metadata import extract_release
from indexer.reading.readers import read_document
from indexer.reading.webpage import MAX_GUIDED_CHARS, main_text, without_site_name


def _squeeze(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("page", [pytest.param(p, id=p.name) for p in web_pages()])
def test_saved_page_reads_as_its_release(tmp_path: Path, page: WebPage) -> None:
    path = tmp_path / f"{page.name}.html"
    path.write_bytes(page_bytes(page))
    document = read_document(path)
    text = _squeeze(document.text)
    assert document.title == page.title
    assert [line for line in page.lines if _squeeze(line) not in text] == []
    assert [line for line in page.chrome if _squeeze(line) in text] == []


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Lancement réussi | CNES", None, "Lancement réussi"),
        ("CNES - Lancement réussi", None, "Lancement réussi"),
        (
            "ESA – Vega-C place deux satellites en orbite",
            None,
            "Vega-C place deux satellites en orbite",
        ),
        ("Ariane 6 - premier vol | CNES", None, "Ariane 6 - premier vol"),
        (
            "Accord de coopération avec le Mexique | Ministère de l'Enseignement supérieur",
            None,
            "Accord de coopération avec le Mexique",
        ),
        ("SWOT : premières images", None, "SWOT : premières images"),
        ("Vega-C en vol", None, "Vega-C en vol"),
        (
            "Le Centre spatial guyanais :: Un lancement",
            "Le Centre spatial guyanais",
            "Un lancement",
        ),
        ("Un lancement de nuit — EUMETSAT", "EUMETSAT", "Un lancement de nuit"),
        (
            "Un long titre de communiqué - Une autre très longue partie du même titre de presse",
            None,
            "Un long titre de communiqué - Une autre très longue partie du même titre de presse",
        ),
    ],
)
def test_without_site_name(title: str, site: str | None, expected: str) -> None:
    assert without_site_name(title, site) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Lancement de SWOT | CNES", "Lancement de SWOT"),
        ("CNES | Ariane 6 - premier vol • Partager", "Ariane 6 - premier vol"),  # as written
        ("Ariane 6 - premier vol", "Ariane 6 - premier vol"),  # a headline: nothing guessed
        ("CNES | ESA", "CNES"),  # one segment always stays
    ],
)
def test_a_headline_loses_the_site_names_it_is_known_to_hold(title: str, expected: str) -> None:
    known = {"CNES", "ESA", "Partager"}
    assert without_site_name(title, is_site_name=known.__contains__) == expected


@pytest.mark.parametrize(
    ("html", "title"),
    [
        pytest.param(
            '<meta property="og:title" content="Titre déclaré | CNES"><title>Autre | CNES</title>'
            "<p>Texte</p>",
            "Titre déclaré",
            id="og-title-before-title",
        ),
        pytest.param(
            "<title>Accord signé à Mexico | Ambassade de France</title><body><header>"
            '<meta property="og:site_name" content="Ambassade de France">'
            "<h1>Ambassade de France</h1>"
            "</header><p>Texte</p>",
            "Accord signé à Mexico",
            id="logo-h1-skipped",
        ),
        pytest.param(
            '<meta property="og:site_name" content="CNES"><h1>CNES</h1>'
            '<meta property="og:title" content="Vrai titre"><p>Texte</p>',
            "Vrai titre",
            id="site-name-h1",
        ),
        pytest.param(
            '<meta property="og:title" content="Déclaré"><main><h1>Du contenu</h1><p>T</p></main>',
            "Du contenu",
            id="content-h1-first",
        ),
    ],
)
def test_headline_candidates(tmp_path: Path, html: str, title: str) -> None:
    path = tmp_path / "a.html"
    path.write_text(html, "utf-8")
    assert read_document(path).title == title


SENTENCES = "Le CNES et l’ESA ont signé à Paris un accord sur l’observation de la Terre. " * 3
CHROME_PAGE = (
    "<html><body><div class='share'>Partager sur Facebook</div><div class='text'><p>"
    f"{SENTENCES}</p></div></body></html>"
)


@pytest.mark.parametrize(
    ("html", "padding", "kept"),
    [
        pytest.param("<p>Un mot</p>", 0, True, id="trafilatura-finds-nothing"),
        pytest.param(CHROME_PAGE, 0, False, id="guided"),
        pytest.param(CHROME_PAGE, MAX_GUIDED_CHARS, True, id="too-large-to-guide"),
    ],
)
def test_when_our_extraction_is_kept_whole(html: str, padding: int, kept: bool) -> None:
    text = "Partager sur Facebook\n\n" + SENTENCES.strip()
    html = html.replace("<body>", "<body><!--" + " " * padding + "-->")
    assert (main_text(text, html, None) == text) is kept


@pytest.mark.parametrize(
    ("html", "date"),
    [
        pytest.param(
            '<meta property="article:published_time" content="2024-07-02T10:00:00+02:00">'
            '<body><main><time datetime="2024-11-05">5 nov.</time><p>Texte</p></main>',
            dt.date(2024, 7, 2),
            id="published-time-first",
        ),
        pytest.param(
            '<body><meta itemprop="datePublished" content="2016-01-21"><p>Texte</p></body>',
            dt.date(2016, 1, 21),
            id="itemprop",
        ),
        pytest.param(
            '<body><time datetime="2020-01-01">site</time>'
            '<article><time datetime="2011-10-12T14:54">12/10</time><p>Texte</p></article>',
            dt.date(2011, 10, 12),
            id="time-in-article",
        ),
        pytest.param(
            '<body><time datetime="2020-01-01">hors contenu</time><p>Texte</p></body>',
            None,
            id="time-outside-content",
        ),
        pytest.param(
            '<meta property="article:published_time" content="2023-02-30">'
            '<body><main><time datetime="demain">x</time><p>Texte</p></main>',
            None,
            id="impossible-dates",
        ),
    ],
)
def test_declared_publication_date(tmp_path: Path, html: str, date: dt.date | None) -> None:
    path = tmp_path / "a.html"
    path.write_text(html, "utf-8")
    assert read_document(path).date == date


def test_declared_date_is_a_fallback_for_the_text(tmp_path: Path) -> None:
    html = '<meta property="article:published_time" content="2024-07-02"><body><main>{}</main>'
    dated = tmp_path / "dated.html"
    dated.write_text(html.format("<p>Paris, le 3 mars 2024</p><p>Texte</p>"), "utf-8")
    undated = tmp_path / "undated.html"
    undated.write_text(html.format("<p>Texte sans date</p>"), "utf-8")
    gazetteer = Gazetteer.load()
    dates = [
        extract_release(path.stem, path.name, read_document(path), gazetteer).date
        for path in (dated, undated)
    ]
    assert dates == [dt.date(2024, 3, 3), dt.date(2024, 7, 2)]
