"""Metadata extraction: dates, release numbers, titles, agencies and missions, front matter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from indexer.reading.gazetteer import Gazetteer
from indexer.reading.metadata import (
    extract_release,
    find_date,
    find_entities,
    find_release_number,
    find_title,
)
from indexer.release import Document, Release

SEEDS = Path(__file__).resolve().parent.parent / "corpus"
BODY = "Le CNES et l'ESA ont signé un accord de coopération. " * 4


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("28 septembre 2020", dt.date(2020, 9, 28)),
        ("15 Juin 2018", dt.date(2018, 6, 15)),
        ("Lundi 28 septembre 2020", dt.date(2020, 9, 28)),
        ("1er juin 2021", dt.date(2021, 6, 1)),
        ("1ᵉʳ juin 2021", dt.date(2021, 6, 1)),
        ("Paris, le 16 décembre 2022", dt.date(2022, 12, 16)),
        ("Toulouse, le mardi 3 février 2015", dt.date(2015, 2, 3)),
        ("12/03/2024", dt.date(2024, 3, 12)),
        ("12.03.2024", dt.date(2024, 3, 12)),
        ("2023-04-14", dt.date(2023, 4, 14)),
        ("le 3 févr. 2021", dt.date(2021, 2, 3)),
        ("le 3 fevrier 2021", dt.date(2021, 2, 3)),
        ("15 aout 2019", dt.date(2019, 8, 15)),
        ("15 août 2019", dt.date(2019, 8, 15)),
        ("5 decembre 2019", dt.date(2019, 12, 5)),
        ("1 DÉCEMBRE 2020", dt.date(2020, 12, 1)),
        ("27 sept. 2019", dt.date(2019, 9, 27)),
        ("COMMUNIQUÉ DE PRESSE\n\nCP111-2020\n\n28 septembre 2020", dt.date(2020, 9, 28)),
        ("31/02/2020\n5 mars 2018", dt.date(2018, 3, 5)),  # the first valid date
        # English month names, as European bodies write them on French pages
        ("8 June 2015", dt.date(2015, 6, 8)),
        ("21st January 2016", dt.date(2016, 1, 21)),
        ("January 21, 2016", dt.date(2016, 1, 21)),
        ("Jan. 21, 2016", dt.date(2016, 1, 21)),
        ("3 May 2019", dt.date(2019, 5, 3)),
        # several dates: the publication date wins over updates and dates in sentences
        ("Publié le 02 juillet 2024", dt.date(2024, 7, 2)),
        ("Publié le 12/10/2011 à 14h54", dt.date(2011, 10, 12)),
        ("Published on 21 January 2016 | Last Updated 05 November 2024", dt.date(2016, 1, 21)),
        ("Last Updated 05 November 2024\nPublished on 21 January 2016", dt.date(2016, 1, 21)),
        ("Mis à jour le 05/11/2024\nActualités\nPublié le lundi 3 mars 2024", dt.date(2024, 3, 3)),
        (
            "Dernière mise à jour : 5 novembre 2024\nDate de publication : 12/03/2024",
            dt.date(2024, 3, 12),
        ),
        ("Last Updated 05 November 2024", dt.date(2024, 11, 5)),  # nothing better
        ("SOUS EMBARGO JUSQU'AU 14 AVRIL 2031 À 10H00\n12 avril 2031", dt.date(2031, 4, 12)),
        ("Embargoed until 12 March 2031 10:00 CET\nTitre\n8 March 2031", dt.date(2031, 3, 8)),
        (
            "Titre\nLe 3 mars 2024, Ariane 6 a décollé.\nToulouse, le 5 mars 2024",
            dt.date(2024, 3, 5),
        ),
        (
            "Titre\nAriane 6 a décollé le 3 mars 2024.\nParis, 5 mars 2024 – Le CNES salue",
            dt.date(2024, 3, 5),
        ),
        ("Titre\nAriane 6 a décollé le 3 mars 2024 depuis Kourou.", dt.date(2024, 3, 3)),
        # chrome lines do not count against the head's ten lines
        (
            "\n".join(["Accueil", "Actualités", "Presse", "English German"] * 4) + "\n1 mai 2020",
            dt.date(2020, 5, 1),
        ),
    ],
)
def test_find_date(head: str, expected: dt.date) -> None:
    assert find_date(f"{head}\n\nTitre\n\n{BODY}") == expected


@pytest.mark.parametrize(
    "text",
    [
        f"Titre\n\n{BODY}\n\nLe programme a commencé en 2019.",  # a year in the body only
        f"Titre\n\nJeudi 15 juin, le CNES a signé.\n\n{BODY}",  # no year
        f"31/02/2020\n\nTitre\n\n{BODY}",  # no such day
        f"31 février 2020\n\nTitre\n\n{BODY}",
        f"Titre\n\nDepuis mars 2020, le CNES...\n\n{BODY}",  # no day
        f"CP111-2020\n\nTitre\n\n{BODY}",  # a release number is not a date
        f"SOUS EMBARGO JUSQU'AU 14 AVRIL 2031\n\nTitre\n\n{BODY}",  # nor is an embargo
        "Titre\n" + "Ligne\n" * 10 + "28 septembre 2020\n",  # after the tenth line
        f"Titre\n\n{BODY * 3}\n\n28 septembre 2020\n",  # after the 600th character
        "",
    ],
)
def test_no_date(text: str) -> None:
    assert find_date(text) is None


# --- release numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("CP111-2020", "CP111-2020"),
        ("CP028-2018", "CP028-2018"),
        ("CP 028-2018", "CP028-2018"),
        ("cp028-2018", "CP028-2018"),
        ("CP n°12-2021", "CP12-2021"),
        ("CP N° 12 – 2021", "CP12-2021"),
        ("Communiqué CP124/2019", "CP124-2019"),
        ("28 septembre 2020 – CP111-2020", "CP111-2020"),
        ("N° 18–2015: Rosetta arrive près de la comète", "N°18-2015"),  # ESA
        ("N°18-2015 : Rosetta", "N°18-2015"),
        ("ESA N° 7–2016", "N°7-2016"),
        ("CP n°12-2023", "CP12-2023"),
        ("Communiqué n° 045", "N°045"),
        ("Communiqué de presse N°7", "N°7"),
        ("Le lancement de Bion-M N°2", None),  # a name, not a number
        ("CP111", None),  # no year
        ("ACP111-2020", None),  # inside a word
        ("Titre", None),
    ],
)
def test_find_release_number(head: str, expected: str | None) -> None:
    assert find_release_number(f"{head}\n\n{BODY}") == expected


def test_release_number_in_the_body_is_ignored() -> None:
    text = "Titre\n" + "Ligne\n" * 10 + "Voir le CP111-2020.\n"
    assert find_release_number(text) is None


# --- titles ----------------------------------------------------------------------------------


CAPS_HEAD = "\n\n28 septembre 2020\n\nCOMMUNIQUÉ DE PRESSE\n\nCP111-2020\n\n"
MARKDOWN_HEAD = "# Communiqué de Presse\n\n27 août 2019\n\nCP124-2019\n\n"
DATED_TITLE = "Lancement réussi de SVOM, le 22 juin 2024"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le CNES lance SVOM\n\nTexte.", "Le CNES lance SVOM"),
        (CAPS_HEAD + "TITRE EN CAPITALES", "TITRE EN CAPITALES"),
        (MARKDOWN_HEAD + "## Coopération spatiale ##", "Coopération spatiale"),
        ("Paris, le 16 décembre 2022\n\nLe titre", "Le titre"),
        ("Le Bourget, le lundi 17 juin 2019\n\nLe titre", "Le titre"),
        ("Lundi 28 septembre 2020\nLe titre", "Le titre"),
        ("COMMUNIQUÉ DE PRESSE – 28 septembre 2020\nLe titre", "Le titre"),
        ("CP111-2020 - 28/09/2020\nLe titre", "Le titre"),
        ("communique de presse\nLe titre", "Le titre"),
        ("Information presse\nLe titre", "Le titre"),
        ("DOSSIER DE PRESSE\nLe titre", "Le titre"),
        ("**Le   titre   en gras**\n", "Le titre en gras"),
        (DATED_TITLE, DATED_TITLE),  # a dated headline is not a dateline
        ("COMMUNIQUÉ DE PRESSE\n28 septembre 2020", "COMMUNIQUÉ DE PRESSE"),  # nothing else
        ("", ""),
        ("SOUS EMBARGO JUSQU'AU 14 AVRIL 2031 À 10H00\nLe titre", "Le titre"),
        ("Embargo : 12/03/2031 10:00\n\n12 mars 2031\nLe titre", "Le titre"),
        # numbering schemes: the title is the headline without its number
        (
            "N° 18–2015: Rosetta arrive près de la comète\nTexte.",
            "Rosetta arrive près de la comète",
        ),
        ("Communiqué n° 045\nLe titre", "Le titre"),
        ("Le titre – CP111-2020\nTexte.", "Le titre"),
        # dates with their labels
        ("Publié le 02 juillet 2024\nLe titre", "Le titre"),
        ("Publié le 12/10/2011 à 14h54\nLe titre", "Le titre"),
        ("Published on 21 January 2016\nLast Updated 05 November 2024\nLe titre", "Le titre"),
        # site chrome of saved web pages
        ("Accueil > Actualités > Le titre\nLe titre", "Le titre"),
        ("Home / News\nLe titre", "Le titre"),
        ("English German\nLe titre", "Le titre"),
        ("FR | EN | DE\nLe titre", "Le titre"),
        ("Actualités\nCommuniqués de presse\nLe titre", "Le titre"),
        ("Image - Le satellite en orbite\nLe titre", "Le titre"),
        ("Vue d'artiste du satellite\nLe titre", "Le titre"),
        ("© CNES/ill. Durand, 2024\nLe titre", "Le titre"),
        ("Crédits : ESA\nLe titre", "Le titre"),
        ("• Espace durable\n• Climat\nLe titre", "Le titre"),
        ("Tags : Espace, Climat\nLe titre", "Le titre"),
        ("Partager Facebook Twitter\nLe titre", "Le titre"),
        ("Partager sur LinkedIn\nLe titre", "Le titre"),
        ("www.cnes.fr\nLe titre", "Le titre"),
        ("Skip to main content\nLe titre", "Le titre"),
    ],
)
def test_find_title(text: str, expected: str) -> None:
    assert find_title(text) == expected


def test_a_paragraph_is_cut_at_a_word_boundary() -> None:
    paragraph = "Le CNES et ses partenaires " + "préparent la mission suivante " * 12
    title = find_title(f"Communiqué de presse\n\n{paragraph}")
    assert title.endswith("…")
    assert len(title) <= 121
    assert paragraph.startswith(title[:-1] + " ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CNES\nLe titre", "Le titre"),  # the site's name atop the page
        ("ESA - Agence spatiale européenne\nLe titre", "Le titre"),
        ("EUMETSAT\n\n8 June 2015\nLe titre", "Le titre"),
        ("Le CNES et la NASA\nTexte", "Le CNES et la NASA"),  # a headline naming agencies
    ],
)
def test_the_site_name_is_not_the_title(gazetteer: Gazetteer, text: str, expected: str) -> None:
    assert find_title(text, gazetteer=gazetteer) == expected


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("Lancement de SWOT | CNES", "Lancement de SWOT"),
        ("ESA - Lancement de SWOT", "Lancement de SWOT"),
        ("Lancement de SWOT – Agence spatiale européenne", "Lancement de SWOT"),
        ("Accueil", "Le titre"),  # chrome is never a title
    ],
)
def test_a_page_title_loses_the_site_name(
    gazetteer: Gazetteer, declared: str, expected: str
) -> None:
    assert find_title("Le titre\n\nTexte.", declared, gazetteer) == expected


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("  Titre   déclaré ", "Titre déclaré"),
        (None, "Titre du texte"),
        ("", "Titre du texte"),
        ("Communiqué de presse", "Titre du texte"),  # a label says nothing
    ],
)
def test_declared_title(declared: str | None, expected: str) -> None:
    assert find_title("Titre du texte\n\nCorps.", declared) == expected


# --- agencies and missions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "agencies", "missions"),
    [
        ("La NASA, l'ESA, puis la NASA et l'Agence spatiale européenne.", ["NASA", "ESA"], []),
        (
            "Le Cnes et la CNSA préparent Chang’e 6 et Chang'e-6.",
            ["CNES", "CNSA"],
            ["Chang'e 6", "Chang'e"],
        ),
        # a numbered member names its family, right after it
        ("Sentinel-2A et Sentinel-2B.", [], ["Sentinel-2A", "Sentinel-2", "Sentinel-2B"]),
        ("Le satellite Sentinelle-2A.", [], ["Sentinel-2A", "Sentinel-2"]),
        (
            "Une Longue Marche 2C et une Vega-C.",
            [],
            ["Longue Marche 2C", "Longue Marche", "Vega-C", "Vega"],
        ),
        # e-mail addresses and URLs never name an agency
        ("Écrire à pascale.bresson@cnes.fr.", [], []),
        ("Voir https://www.esa.int/Science et presse.cnes.fr ou www.nasa.gov.", [], []),
        ("[presse@cnes.fr](mailto:presse@cnes.fr)", [], []),
        # cue words introduce names the gazetteer does not know
        ("Le lancement de la mission Ulysse.", [], ["Ulysse"]),
        ("Le satellite Ulysse-2 suivra.", [], ["Ulysse-2"]),
        ("Le satellite Trishna-2 suivra.", [], ["TRISHNA"]),  # a known name wins
        ("La mission Foo 3 décollera.", [], ["Foo 3"]),
        ("L’atterrisseur Vikram et le rover Pragyan.", [], ["Vikram", "Pragyan"]),
        ("La sonde Xi’an 2 est partie.", [], ["Xi'an 2"]),
        ("Le telescope Foo et le télescope Bar.", [], ["Foo", "Bar"]),
        ("Mission Ulysse : le point.", [], ["Ulysse"]),
        # ...and resolve to the canonical name when they are aliases
        ("Le télescope Webb a observé.", [], ["JWST"]),
        ("La sonde Chang’e 4 et l’instrument DORN.", [], ["Chang'e 4", "Chang'e", "DORN"]),
        ("La mission Merlin du CNES.", ["CNES"], ["MERLIN"]),
        # ...but not common words, determiners, plurals or all-caps text
        ("Une mission satellitaire de suivi.", [], []),
        ("La mission de suivi du cycle de l'eau.", [], []),
        ("Cette mission Le Gall l'a voulue.", [], []),
        ("Les missions Ulysse et Foo.", [], []),
        ("LA MISSION DE SUIVI", [], []),
        ("la mission d'Xyz", [], []),
        ("la mission.\nUlysse arrive", [], []),
        ("La mission 2020 a eu lieu.", [], []),
    ],
)
def test_find_entities(
    gazetteer: Gazetteer, text: str, agencies: list[str], missions: list[str]
) -> None:
    assert find_entities(text, gazetteer) == (agencies, missions)


@pytest.mark.parametrize(
    "heading",
    [
        "CONTACTS",
        "### CONTACTS",
        "Contact presse",
        "Contacts presse :",
        "Relations presse",
        "Contact presse : Service de presse de la NASA",
    ],
)
def test_contact_block_is_ignored(gazetteer: Gazetteer, heading: str) -> None:
    text = f"Titre\n\n{BODY}\n\n{heading}\nAttachée de presse NASA, Roscosmos\nTél. 01 44 76 75 39"
    assert find_entities(text, gazetteer) == (["CNES", "ESA"], [])


def test_contact_heading_early_in_a_release_does_not_hide_its_body(gazetteer: Gazetteer) -> None:
    text = f"Contact presse : Pascale Bresson\n\nTitre\n\n{BODY}"
    assert find_entities(text, gazetteer) == (["CNES", "ESA"], [])


# --- extract_release and front matter ----------------------------------------------------------

TEXT = "28 septembre 2020\n\nCP111-2020\n\nLe CNES et la NASA lancent SVOM\n\nCorps du texte."


def release_of(front_matter: dict[str, Any], gazetteer: Gazetteer, title: str | None = None):
    document = Document(text=TEXT, front_matter=front_matter, title=title)
    return extract_release("doc", "doc.md", document, gazetteer)


def test_extract_release_from_text(gazetteer: Gazetteer) -> None:
    release = release_of({}, gazetteer)
    assert release == Release(
        id="doc",
        source="doc.md",
        title="Le CNES et la NASA lancent SVOM",
        text="Corps du texte.",
        date=dt.date(2020, 9, 28),
        release="CP111-2020",
        agencies=("CNES", "NASA"),
        missions=("SVOM",),
        embargo=None,
        header=("28 septembre 2020", "CP111-2020", "Le CNES et la NASA lancent SVOM"),
    )


PAGE = """Accueil > Actualités > Espace
English German
CNES
COMMUNIQUÉ DE PRESSE
Publié le 02 juillet 2024
CP12-2024
• Espace durable
Le satellite Ulysse est en orbite
Partager Facebook Twitter

Image - Vue d'artiste du satellite Ulysse © ESA

Le satellite a été placé sur son orbite.

Il sert la NASA.
Partager Facebook Twitter
"""


def test_header_and_chrome_lines_are_not_the_text(gazetteer: Gazetteer) -> None:
    release = extract_release("doc", "doc.txt", Document(text=PAGE), gazetteer)
    assert release.text == "Le satellite a été placé sur son orbite.\n\nIl sert la NASA."
    assert release.header == (
        "COMMUNIQUÉ DE PRESSE",
        "Publié le 02 juillet 2024",
        "CP12-2024",
        "Le satellite Ulysse est en orbite",
    )
    assert (release.title, release.date, release.release) == (
        "Le satellite Ulysse est en orbite",
        dt.date(2024, 7, 2),
        "CP12-2024",
    )
    # A credit or the site's name does not make the release about an agency.
    assert (release.agencies, release.missions) == (("NASA",), ("Ulysse",))


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("Titre\nParis, le 3 mai 2021\n\nTexte.", "Texte."),  # a dateline after the headline
        ("SOUS EMBARGO JUSQU'AU 14 AVRIL 2031\nTitre\n\nTexte.", "Texte."),
        ("Titre\n\nTexte.\n\nTitre", "Texte.\n\nTitre"),  # only the head is the header
        ("Titre\n\n• Un point\n• Un autre", "• Un point\n• Un autre"),  # a list, not tags
        ("Texte " * 50, "Texte " * 49 + "Texte"),  # a paragraph standing in for a title stays
    ],
)
def test_the_text_starts_after_the_header(gazetteer: Gazetteer, text: str, body: str) -> None:
    assert extract_release("d", "d.txt", Document(text=text), gazetteer).text == body


def test_front_matter_wins(gazetteer: Gazetteer) -> None:
    front_matter = {
        "title": "Titre  déclaré",
        "date": dt.date(2021, 1, 2),
        "release": "cp 12-2021",
        "agencies": "esa, Agence spatiale canadienne, Agence inconnue",
        "missions": ["chang’e-6", "Ulysse", "Chang'e 6"],
    }
    release = release_of(front_matter, gazetteer, title="Titre HTML")
    assert (release.title, release.date, release.release) == (
        "Titre déclaré",
        dt.date(2021, 1, 2),
        "CP12-2021",
    )
    assert release.agencies == ("ESA", "CSA", "Agence inconnue")
    assert release.missions == ("Chang'e 6", "Ulysse")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2021, 1, 2), dt.date(2021, 1, 2)),
        (dt.datetime(2021, 1, 2, 10, 30), dt.date(2021, 1, 2)),
        ("2021-01-02", dt.date(2021, 1, 2)),
        ("02/01/2021", dt.date(2021, 1, 2)),
        ("2 janvier 2021", dt.date(2021, 1, 2)),
        ("bientôt", dt.date(2020, 9, 28)),  # unparseable: the text's date
        ("31/02/2021", dt.date(2020, 9, 28)),
        (2021, dt.date(2020, 9, 28)),
        (None, dt.date(2020, 9, 28)),
    ],
)
def test_front_matter_date(gazetteer: Gazetteer, value: Any, expected: dt.date) -> None:
    assert release_of({"date": value}, gazetteer).date == expected


@pytest.mark.parametrize(
    ("front_matter", "title", "expected"),
    [
        ({}, "Titre HTML", "Titre HTML"),
        ({"title": "Titre déclaré"}, "Titre HTML", "Titre déclaré"),
        ({"title": ""}, None, "Le CNES et la NASA lancent SVOM"),
        ({"title": ["pas", "un titre"]}, None, "Le CNES et la NASA lancent SVOM"),
    ],
)
def test_title_precedence(
    gazetteer: Gazetteer, front_matter: dict[str, Any], title: str | None, expected: str
) -> None:
    assert release_of(front_matter, gazetteer, title=title).title == expected


@pytest.mark.parametrize(
    ("front_matter", "agencies", "missions"),
    [
        ({"agencies": ["JAXA"]}, ("JAXA",), ("SVOM",)),  # missions still extracted
        ({"missions": "Hayabusa 2"}, ("CNES", "NASA"), ("Hayabusa2",)),
        ({"agencies": [], "missions": ""}, ("CNES", "NASA"), ("SVOM",)),  # empty: extracted
        ({"release": "Réf. 2020/12"}, ("CNES", "NASA"), ("SVOM",)),
    ],
)
def test_front_matter_entities(
    gazetteer: Gazetteer, front_matter: dict[str, Any], agencies: tuple, missions: tuple
) -> None:
    release = release_of(front_matter, gazetteer)
    assert (release.agencies, release.missions) == (agencies, missions)


def test_front_matter_release_kept_as_given_when_unusual(gazetteer: Gazetteer) -> None:
    assert release_of({"release": " Réf. 2020/12 "}, gazetteer).release == "Réf. 2020/12"


# --- the seed releases -----------------------------------------------------------------------

SEED_EXPECTATIONS = {
    "000": {
        "title": "COOPERATION SPATIALE ENTRE LA FRANCE ET LA CHINE DE L'OBSERVATION DE LA TERRE"
        " A L'EXPLORATION DE LA LUNE ET AU-DELA",
        "date": dt.date(2020, 9, 28),
        "release": "CP111-2020",
        "agencies": ("CNES", "CNSA"),
        "missions": ("Chang'e 6", "Chang'e", "DORN", "Chang'e 4", "Yutu 2", "Yutu", "SCO", "SVOM"),
    },
    "001": {
        "title": "Coopération spatiale entre la France et la Russie - Le CNES et Roscosmos signent"
        " un accord-cadre dans le domaine des sciences spatiales",
        "date": dt.date(2018, 6, 15),
        "release": None,
        "agencies": ("CNES", "Roscosmos", "ESA"),
        "missions": ("BepiColombo", "Phebus", "Bion-M2", "MTB-2", "SCO"),
    },
    "002": {
        "title": "2nd International Space Exploration Forum (ISEF2) Le CNES au centre d'une"
        " coopération internationale renforcée pour développer l'exploration spatiale",
        "date": dt.date(2018, 3, 5),
        "release": "CP028-2018",
        "agencies": ("CNES",),
        "missions": ("SCO", "MASCOT", "BepiColombo", "MMX"),
    },
    "003": {
        "title": "Coopération spatiale entre la France et la Russie Réunions thématiques dans le"
        " cadre du Salon MAKS",
        "date": dt.date(2019, 8, 27),
        "release": "CP124-2019",
        "agencies": ("CNES", "Roscosmos", "Roshydromet"),
        "missions": ("Interhelioprobe", "Bion-M2", "MTB-2", "SCO"),
    },
    "004": {
        "title": "Conquête spatiale: La France s'associe à une grande puissance pour aller sur la"
        " Lune",
        "date": None,
        "release": None,
        "agencies": ("CNES", "CNSA"),
        "missions": ("Chang'e 6", "Chang'e", "Tiangong-2", "Tiangong", "Cardiospace", "SVOM"),
    },
}


@pytest.mark.parametrize("seed", sorted(SEED_EXPECTATIONS))
def test_seed_releases(gazetteer: Gazetteer, seed: str) -> None:
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    document = Document(text=path.read_text(encoding="utf-8"))
    release = extract_release(path.stem, str(path), document, gazetteer)
    expected = SEED_EXPECTATIONS[seed]
    assert {key: getattr(release, key) for key in expected} == expected
