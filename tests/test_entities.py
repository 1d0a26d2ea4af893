"""Entity pages' data: an agency or a mission told by the releases a search for it shows."""

from __future__ import annotations

from collections import Counter

import pytest

from indexer.reading.gazetteer import AGENCY, MISSION
from indexer.search.entities import COMPANIONS, entity
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.seed import CHINA_2020, NEWEST_FIRST

KEYS = [
    "name",
    "kind",
    "aliases",
    "count",
    "first_date",
    "last_date",
    "years",
    "agencies",
    "missions",
    "releases",
]


@pytest.mark.parametrize(
    ("kind", "name", "canonical"),
    [
        (AGENCY, "Roscosmos", "Roscosmos"),
        (AGENCY, "agence spatiale russe", "Roscosmos"),
        (AGENCY, "AGENCE SPATIALE FÉDÉRALE RUSSE", "Roscosmos"),
        (AGENCY, "Centre national d’etudes spatiales", "CNES"),
        (MISSION, "yutu-2", "Yutu 2"),
        (MISSION, "Chang’e-6", "Chang'e 6"),
    ],
)
def test_an_entity_is_found_by_any_alias(
    seed_index: SearchIndex, kind: str, name: str, canonical: str
) -> None:
    found = entity(seed_index, kind, name)
    assert found is not None
    assert list(found) == KEYS
    assert (found["name"], found["kind"]) == (canonical, kind)


def test_an_entity_is_what_a_search_for_it_shows(seed_index: SearchIndex) -> None:
    found = entity(seed_index, AGENCY, "Roscosmos")
    listing = search(seed_index, parse_request(agency=["Roscosmos"], per_page=100))
    assert found["count"] == listing["total"] == 2
    assert [r["id"] for r in found["releases"]] == [r["id"] for r in listing["results"]]
    assert found["releases"][0] == {
        k: v for k, v in listing["results"][0].items() if k not in ("score", "snippet")
    }
    assert found["aliases"] == [
        "Roskosmos",
        "Agence spatiale russe",
        "Agence spatiale fédérale russe",
    ]
    assert (found["first_date"], found["last_date"]) == ("2018-06-15", "2019-08-27")
    assert found["years"] == [{"value": "2018", "count": 1}, {"value": "2019", "count": 1}]
    # Companions are counted over its releases, itself left out, most frequent first.
    named = Counter(a for r in found["releases"] for a in r["agencies"] if a != "Roscosmos")
    ranked = sorted(named.items(), key=lambda item: (-item[1], item[0].casefold()))
    assert found["agencies"] == [{"value": a, "count": n} for a, n in ranked]
    assert found["agencies"][0] == {"value": "CNES", "count": 2}
    assert found["missions"] == listing["facets"]["mission"]


def test_a_mission_lists_the_agencies_and_other_missions_beside_it(
    seed_index: SearchIndex,
) -> None:
    found = entity(seed_index, MISSION, "SVOM")
    listing = search(seed_index, parse_request(mission=["SVOM"]))
    assert found["agencies"] == listing["facets"]["agency"]
    assert "SVOM" not in [m["value"] for m in found["missions"]]
    assert {m["value"] for m in found["missions"]} >= {"Chang'e 6", "Tiangong-2"}


def test_releases_are_newest_first_undated_last(seed_index: SearchIndex) -> None:
    found = entity(seed_index, AGENCY, "CNES")
    assert [r["id"] for r in found["releases"]] == NEWEST_FIRST
    assert found["count"] == 5
    assert sum(y["count"] for y in found["years"]) == 4  # the undated release has no year
    assert [y["value"] for y in found["years"]] == ["2018", "2019", "2020"]
    assert found["releases"][0]["id"] == CHINA_2020


def test_many_releases_and_companions_are_bounded(make_corpus, open_index) -> None:
    files = {
        f"cp{n:03}.md": (
            f"---\ntitle: Essai {n}\ndate: 2020-01-{n % 28 + 1:02d}\n"
            f"agencies: [CNES, Agence{n}]\nmissions: []\n---\n\nUn essai.\n"
        )
        for n in range(120)
    }
    index = open_index(make_corpus(files))
    found = entity(index, AGENCY, "CNES")
    assert found["count"] == 120
    assert len(found["releases"]) == 100
    assert len(found["agencies"]) == COMPANIONS
    dates = [r["date"] for r in found["releases"]]
    assert dates == sorted(dates, reverse=True)


def test_a_name_only_the_cue_words_found_has_its_entity(make_corpus, open_index) -> None:
    index = open_index(
        make_corpus(
            {
                "a.txt": "Titre\n\n3 mars 2021\n\nLe CNES prépare la mission Ulysse vers Mars.\n",
                "b.txt": "Titre\n\n4 mars 2022\n\nLa mission Ulysse décolle avec le CNES.\n",
            }
        )
    )
    found = entity(index, MISSION, "ulysse")
    assert (found["name"], found["aliases"], found["count"]) == ("Ulysse", [], 2)
    assert found["agencies"] == [{"value": "CNES", "count": 2}]
    assert entity(index, MISSION, "Pénélope") is None
    assert entity(index, AGENCY, "Ulysse") is None  # a mission, not an agency


def test_a_known_entity_without_releases_is_empty(seed_index: SearchIndex) -> None:
    found = entity(seed_index, MISSION, "JUICE")
    assert found is not None
    assert (found["count"], found["releases"], found["years"]) == (0, [], [])
    assert (found["first_date"], found["last_date"]) == (None, None)


def test_an_unknown_kind_is_an_error(seed_index: SearchIndex) -> None:
    with pytest.raises(ValueError, match="planet"):
        entity(seed_index, "planet", "Mars")
