"""Reading an embargo: front matter and the lines press offices write at the top of a release."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from indexer.reading.embargo import find_embargo, is_embargo_line
from indexer.reading.gazetteer import Gazetteer
from indexer.reading.metadata import extract_release
from indexer.release import Document

CET = dt.timezone(dt.timedelta(hours=1))
CEST = dt.timezone(dt.timedelta(hours=2))
UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("SOUS EMBARGO JUSQU'AU 14 AVRIL 2031 À 10H00", dt.datetime(2031, 4, 14, 10, tzinfo=CEST)),
        ("Embargo : 12/03/2031 10:00", dt.datetime(2031, 3, 12, 10, tzinfo=CET)),
        ("EMBARGO jusqu’au lundi 3 mars 2031, 10 h", dt.datetime(2031, 3, 3, 10, tzinfo=CET)),
        ("Embargo until 12 March 2031 10:00 CET", dt.datetime(2031, 3, 12, 10, tzinfo=CET)),
        ("Embargoed until 12 July 2031 10:00 CET", dt.datetime(2031, 7, 12, 10, tzinfo=CET)),
        (
            "Embargoed until 00:01 GMT Tuesday 11 March 2031",
            dt.datetime(2031, 3, 11, 0, 1, tzinfo=UTC),
        ),
        ("Embargoed until March 12, 2031, 3 p.m. UTC+2", dt.datetime(2031, 3, 12, 15, tzinfo=CEST)),
        ("embargoed until the 12th of March 2031 10am", dt.datetime(2031, 3, 12, 10, tzinfo=CET)),
        ("Sous embargo jusqu'au 1er juillet 2031", dt.datetime(2031, 7, 1, tzinfo=CEST)),
        ("Embargo : 12.03.2031 à midi", dt.datetime(2031, 3, 12, 12, tzinfo=CET)),
        (
            "Embargo jusqu'au 30 mars 2031 à 9 h 30 CEST",
            dt.datetime(2031, 3, 30, 9, 30, tzinfo=CEST),
        ),
        ("**Embargo : 2031-03-12T10:00:00+01:00**", dt.datetime(2031, 3, 12, 10, tzinfo=CET)),
        ("Embargo : 12/03/2031 10:00 +05:30", dt.datetime(2031, 3, 12, 4, 30, tzinfo=UTC)),
        (
            "COMMUNIQUÉ DE PRESSE – SOUS EMBARGO JUSQU'AU 14 AVRIL 2031 À 10H30",
            dt.datetime(2031, 4, 14, 10, 30, tzinfo=CEST),
        ),
    ],
)
def test_embargo_lines(line: str, expected: dt.datetime) -> None:
    assert is_embargo_line(line)
    found = find_embargo(f"Titre du communiqué\n\n{line}\n\nLe texte.", {})
    assert found == expected
    assert found.utcoffset() is not None


def test_paris_time_follows_summer_time() -> None:
    winter = find_embargo("Embargo : 29/03/2031 10:00", {})
    summer = find_embargo("Embargo : 31/03/2031 10:00", {})  # summer time began on the 30th
    assert (winter.isoformat(), summer.isoformat()) == (
        "2031-03-29T10:00:00+01:00",
        "2031-03-31T10:00:00+02:00",
    )


@pytest.mark.parametrize(
    "line",
    [
        "Embargo sur les exportations de satellites",  # the word in a headline
        "Levée de l'embargo le 3 mars 2031 : les ventes reprennent",
        "Paris, le 10 avril 2031",
        "L'embargo de 1998 reste en vigueur",
    ],
)
def test_other_lines_are_not_embargoes(line: str) -> None:
    assert not is_embargo_line(line)
    assert find_embargo(f"{line}\n\nLe texte.", {}) is None


def test_an_embargo_in_the_body_is_not_the_release_s_embargo() -> None:
    head = "\n\n".join(f"Paragraphe {n}." for n in range(12))
    assert find_embargo(f"{head}\n\nSous embargo jusqu'au 14 avril 2031", {}) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2031, 3, 12, 10, tzinfo=CET), dt.datetime(2031, 3, 12, 10, tzinfo=CET)),
        (dt.datetime(2031, 7, 12, 10), dt.datetime(2031, 7, 12, 10, tzinfo=CEST)),  # naive: Paris
        (dt.date(2031, 3, 12), dt.datetime(2031, 3, 12, 0, tzinfo=CET)),  # a day: 00:00 Paris
        ("2031-03-12T10:00:00+01:00", dt.datetime(2031, 3, 12, 10, tzinfo=CET)),
        ("2031-03-12T09:00:00Z", dt.datetime(2031, 3, 12, 9, tzinfo=UTC)),
        ("2031-07-12", dt.datetime(2031, 7, 12, tzinfo=CEST)),
        ("12 mars 2031 10h", dt.datetime(2031, 3, 12, 10, tzinfo=CET)),
    ],
)
def test_front_matter_embargo(value: Any, expected: dt.datetime) -> None:
    line = "Sous embargo jusqu'au 1er janvier 2040"  # the front matter wins over the text
    assert find_embargo(f"{line}\n\nTexte.", {"embargo": value}) == expected


@pytest.mark.parametrize("value", [None, "", "bientôt", ["2031-03-12"], 12])
def test_unusable_front_matter_embargo_falls_back_to_the_text(value: Any) -> None:
    assert find_embargo("Texte sans embargo.", {"embargo": value}) is None


def test_the_embargo_line_is_neither_title_nor_date() -> None:
    text = (
        "SOUS EMBARGO JUSQU'AU 14 AVRIL 2031 À 10H00\n\n"
        "Paris, le 10 avril 2031\n\n"
        "Le CNES dévoile son futur satellite\n\n"
        "Le CNES présente aujourd'hui un satellite d'observation."
    )
    release = extract_release("doc", "doc.txt", Document(text=text), Gazetteer.load())
    assert (release.title, release.date) == (
        "Le CNES dévoile son futur satellite",
        dt.date(2031, 4, 10),
    )
    assert release.embargo == dt.datetime(2031, 4, 14, 10, tzinfo=CEST)


LIFTED = "Sous embargo jusqu'au 3 mars 2020 à 10 h\n\nLe CNES lance Ulysse\n\nLe CNES lance Ulysse."


def test_the_embargo_is_in_every_listing_of_a_release(make_corpus, make_app) -> None:
    client = make_app(
        make_corpus({"lifted.txt": LIFTED, "plain.txt": "Ulysse\n\nUlysse."})
    ).test_client()
    results = client.get("/api/search?q=Ulysse&sort=date").get_json()["results"]
    assert [(r["id"], r["embargo"]) for r in results] == [
        ("lifted", "2020-03-03T10:00:00+01:00"),
        ("plain", None),
    ]
    detail = client.get("/api/releases/lifted").get_json()
    assert (detail["title"], detail["embargo"]) == (
        "Le CNES lance Ulysse",
        "2020-03-03T10:00:00+01:00",
    )
    assert [s["embargo"] for s in client.get("/api/releases/plain").get_json()["similar"]] == [
        "2020-03-03T10:00:00+01:00"
    ]
