"""The gazetteer: its packaged data, how names are matched, and a corpus's own extension file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.analysis.normalize import fold
from indexer.reading.gazetteer import (
    AGENCY,
    MISSION,
    USER_FILE_NAME,
    Entity,
    Gazetteer,
    GazetteerError,
)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def found(gazetteer: Gazetteer, text: str) -> list[tuple[str, str]]:
    """(canonical name, text as written) for every mention, to compare whole results."""
    return [(m.entity.name, text[m.start : m.end]) for m in gazetteer.find(text)]


def all_entities(gazetteer: Gazetteer) -> list[Entity]:
    return gazetteer.entities(AGENCY) + gazetteer.entities(MISSION)


# --- packaged data ---------------------------------------------------------------------------


def test_packaged_counts(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.entities(AGENCY)) >= 40
    assert len(gazetteer.entities(MISSION)) >= 200


def test_no_name_belongs_to_two_entities(gazetteer: Gazetteer) -> None:
    owners: dict[str, set[str]] = {}
    for entity in all_entities(gazetteer):
        for alias in entity.aliases:
            owners.setdefault(re.sub(r"[\s-]", "", fold(alias)), set()).add(entity.name)
    assert {alias: names for alias, names in owners.items() if len(names) > 1} == {}


def test_every_packaged_name_finds_and_looks_up_its_entity(gazetteer: Gazetteer) -> None:
    misses = [
        (entity.name, alias)
        for entity in all_entities(gazetteer)
        for alias in entity.aliases
        if found(gazetteer, alias) != [(entity.name, alias)]
        or gazetteer.lookup(entity.kind, alias) is not entity
    ]
    assert misses == []


def test_canonical_name_comes_first_among_aliases(gazetteer: Gazetteer) -> None:
    esa = gazetteer.lookup(AGENCY, "ESA")
    assert esa is not None
    assert esa.aliases == ("ESA", "Agence spatiale européenne", "European Space Agency")
    assert all(entity.aliases[0] == entity.name for entity in all_entities(gazetteer))


# --- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # case, accents, apostrophes
        ("L'ESA et la NASA", [("ESA", "ESA"), ("NASA", "NASA")]),
        ("l’Agence spatiale européenne", [("ESA", "Agence spatiale européenne")]),
        ("AGENCE SPATIALE EUROPEENNE", [("ESA", "AGENCE SPATIALE EUROPEENNE")]),
        ("le Cnes", [("CNES", "Cnes")]),
        ("Centre national d’études spatiales", [("CNES", "Centre national d’études spatiales")]),
        ("Chang’e 6", [("Chang'e 6", "Chang’e 6")]),
        ("Chang'e-6", [("Chang'e 6", "Chang'e-6")]),
        ("CHANG'E6", [("Chang'e 6", "CHANG'E6")]),
        ("Pleiades Neo", [("Pléiades Neo", "Pleiades Neo")]),
        # separators: hyphen, space, nothing between letters and digits
        ("Bion-M N°2", [("Bion-M2", "Bion-M N°2")]),
        ("Bion-M n° 2", [("Bion-M2", "Bion-M n° 2")]),
        ("Bion M2", [("Bion-M2", "Bion M2")]),
        ("Sentinel 6", [("Sentinel-6", "Sentinel 6")]),
        ("Sentinel6", [("Sentinel-6", "Sentinel6")]),
        ("Sentinel\u20116", [("Sentinel-6", "Sentinel\u20116")]),
        ("Hayabusa 2", [("Hayabusa2", "Hayabusa 2")]),
        ("Hayabusa", [("Hayabusa", "Hayabusa")]),
        ("Vega C", [("Vega-C", "Vega C")]),
        ("Mars\nExpress", [("Mars Express", "Mars\nExpress")]),
        # longest name first
        ("Ariane 64", [("Ariane 6", "Ariane 64")]),
        ("Ariane 5 ECA", [("Ariane 5", "Ariane 5 ECA")]),  # a version is the launcher
        ("IASI-NG", [("IASI-NG", "IASI-NG")]),
        ("Artemis II", [("Artemis II", "Artemis II")]),
        ("Chang'e 4 et Chang'e", [("Chang'e 4", "Chang'e 4"), ("Chang'e", "Chang'e")]),
        # word boundaries: letters and digits continue a word
        ("la mesa", []),
        ("les ESAs", []),
        ("l'ESA's budget", [("ESA", "ESA")]),
        ("SPOT 12", [("SPOT", "SPOT")]),
        ("Spot 12", []),
        ("SPOT-5 et spot 5", [("SPOT 5", "SPOT-5"), ("SPOT 5", "spot 5")]),
        ("CNES-CNSA", [("CNES", "CNES"), ("CNSA", "CNSA")]),
        ("**CNES**", [("CNES", "CNES")]),
        # case-sensitive names: only as capitalised, accents still ignored
        ("au microscope", []),
        ("le satellite Microscope", [("MICROSCOPE", "Microscope")]),
        ("MICROSCOPE", [("MICROSCOPE", "MICROSCOPE")]),
        ("avec persévérance", []),
        ("Perseverance", [("Perseverance", "Perseverance")]),
        ("PERSÉVÉRANCE", [("Perseverance", "PERSÉVÉRANCE")]),
        ("le 5 mars 2020", []),
        ("Mars 2020", [("Mars 2020", "Mars 2020")]),
        ("un spot publicitaire", []),
        ("la biomass", []),
    ],
)
def test_find(gazetteer: Gazetteer, text: str, expected: list[tuple[str, str]]) -> None:
    assert found(gazetteer, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Cœur de l'ESA",  # œ folds to two characters
        "« ESA » … ESA",  # so do « and …
        "ESA",
        "\u00a0ESA\u202f",
    ],
)
def test_offsets_are_in_the_original_text(gazetteer: Gazetteer, text: str) -> None:
    mentions = gazetteer.find(text)
    assert mentions
    assert all(text[m.start : m.end] == "ESA" for m in mentions)


def test_mentions_left_to_right_without_overlap(gazetteer: Gazetteer) -> None:
    text = "La mission Sentinel-6 Michael Freilich de l'ESA, avec Jason-3 et la NASA."
    assert found(gazetteer, text) == [
        ("Sentinel-6A", "Sentinel-6 Michael Freilich"),
        ("ESA", "ESA"),
        ("Jason-3", "Jason-3"),
        ("NASA", "NASA"),
    ]


# --- lookup and case sensitivity ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        (AGENCY, "Centre national d’études spatiales", "CNES"),
        (AGENCY, "cnes", "CNES"),
        (AGENCY, "Indian Space Research Organisation", "ISRO"),
        (AGENCY, "Administration spatiale nationale chinoise", "CNSA"),
        (AGENCY, "agence spatiale russe", "Roscosmos"),
        (MISSION, "bion m n°2", "Bion-M2"),
        (MISSION, "Chang’e-6", "Chang'e 6"),
        (MISSION, "Martian Moons eXploration", "MMX"),
        (MISSION, "microscope", "MICROSCOPE"),  # lookup names an entity on purpose: any case
        (MISSION, "Sentinelle-2A", "Sentinel-2A"),  # French spellings of the Sentinel family
        (MISSION, "Sentinel 6 Michael Freilich", "Sentinel-6A"),
        (MISSION, "Long March 5", "Longue Marche 5"),
        (MISSION, "CZ-2C", "Longue Marche 2C"),
        (MISSION, "EPS-SG", "MetOp-SG"),
        (MISSION, "Meteosat-11", "MSG-4"),
        (MISSION, "Atlas 5", "Atlas V"),
        (MISSION, "Ka-band Radar Interferometer", "KaRIn"),
        (AGENCY, "Agence spatiale mexicaine", "AEM"),
        (AGENCY, "UAE Space Agency", "UAESA"),
        (AGENCY, "Agence spatiale luxembourgeoise", "Luxembourg Space Agency"),
        # research labs and universities are not agencies
        (AGENCY, "CNRS", None),
        (AGENCY, "IRAP", None),
        (AGENCY, "JPL", None),
        (AGENCY, "Observatoire de Paris", None),
        (MISSION, "CNES", None),  # an agency, not a mission
        (MISSION, "Ulysse", None),
    ],
)
def test_lookup(gazetteer: Gazetteer, kind: str, name: str, expected: str | None) -> None:
    entity = gazetteer.lookup(kind, name)
    assert (entity.name if entity else None) == expected
    # A filter value is read the same way; a name the gazetteer does not know stays as written.
    assert gazetteer.canonical(kind, name) == (expected or name)


@pytest.mark.parametrize(
    ("member", "family"),
    [
        ("Sentinel-2A", "Sentinel-2"),
        ("Sentinel-1C", "Sentinel-1"),
        ("Sentinel-6A", "Sentinel-6"),
        ("Metop-C", "MetOp"),
        ("MSG-4", "MSG"),
        ("MTG-I1", "MTG"),
        ("Vega-C", "Vega"),
        ("Longue Marche 5", "Longue Marche"),
        ("SPOT 6", "SPOT"),
        ("Chang'e 6", "Chang'e"),
        ("Artemis II", "Artemis"),
    ],
)
def test_numbered_members_know_their_family(gazetteer: Gazetteer, member: str, family: str) -> None:
    entity = gazetteer.lookup(MISSION, member)
    assert entity is not None and entity.family == family
    assert gazetteer.lookup(MISSION, family) is not None


def test_a_user_file_may_give_a_family(tmp_path: Path) -> None:
    (tmp_path / USER_FILE_NAME).write_text(
        "missions:\n  - name: Ulysse\n  - name: Ulysse-2\n    family: ulysse\n", encoding="utf-8"
    )
    entity = Gazetteer.load(tmp_path).lookup(MISSION, "Ulysse 2")
    assert entity is not None and entity.family == "Ulysse"  # its canonical name


def test_unknown_kind_is_an_error(gazetteer: Gazetteer) -> None:
    with pytest.raises(ValueError, match="planet"):
        gazetteer.lookup("planet", "Mars")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hope", ["Hope"]),
        ("Hopé", ["Hope"]),  # accents stay insensitive
        ("hope", []),
        ("HOPE", []),
        ("Al-Amal", ["Hope"]),
        ("al amal", ["Hope"]),  # the other aliases are not case-sensitive
        ("L’Étoile", ["L'Etoile"]),
        ("l'étoile", []),
    ],
)
def test_case_sensitive_names(text: str, expected: list[str]) -> None:
    gazetteer = Gazetteer.from_mapping(
        {
            "missions": [
                {"name": "Hope", "aliases": ["Al-Amal"], "case_sensitive": ["Hope"]},
                {"name": "L'Etoile", "case_sensitive": ["L'Étoile"]},
            ]
        }
    )
    assert [m.entity.name for m in gazetteer.find(text)] == expected


# --- the corpus's own gazetteer.yaml ---------------------------------------------------------


def test_user_file_adds_aliases_and_entries(tmp_path: Path, gazetteer: Gazetteer) -> None:
    (tmp_path / USER_FILE_NAME).write_text(
        "agencies:\n"
        "  - name: esa\n"
        "    aliases: [Agence de Paris-Noordwijk]\n"
        "missions:\n"
        "  - name: Ulysse-X\n"
        "    aliases: [UX 1]\n",
        encoding="utf-8",
    )
    extended = Gazetteer.load(tmp_path)
    esa = extended.lookup(AGENCY, "Agence de Paris-Noordwijk")
    assert esa is not None and esa.name == "ESA" and esa.aliases[-1] == "Agence de Paris-Noordwijk"
    text = "L'Agence de Paris Noordwijk lance Ulysse X, alias UX1."
    assert [m.entity.name for m in extended.find(text)] == ["ESA", "Ulysse-X", "Ulysse-X"]
    assert extended.entities(MISSION)[-1] == Entity(MISSION, "Ulysse-X", ("Ulysse-X", "UX 1"))
    assert len(extended.entities(AGENCY)) == len(gazetteer.entities(AGENCY))
    assert extended.fingerprint != gazetteer.fingerprint


def test_user_file_has_the_last_word(tmp_path: Path, gazetteer: Gazetteer) -> None:
    (tmp_path / USER_FILE_NAME).write_text(
        "agencies:\n"
        "  - name: Agence Webb\n"
        "    aliases: [Webb]\n"  # an alias of JWST
        "missions:\n"
        "  - name: Sonde Alpha\n"
        "    aliases: [Alpha]\n"  # the canonical name of a packaged mission
        "  - name: CNES\n",  # the canonical name of a packaged agency
        encoding="utf-8",
    )
    extended = Gazetteer.load(tmp_path)
    text = "Webb, Alpha, CNES et JWST"
    assert [(m.entity.kind, m.entity.name) for m in extended.find(text)] == [
        (AGENCY, "Agence Webb"),
        (MISSION, "Sonde Alpha"),
        (MISSION, "CNES"),
        (MISSION, "JWST"),
    ]
    jwst = extended.lookup(MISSION, "JWST")
    assert jwst is not None and "Webb" not in jwst.aliases
    assert "Alpha" not in [entity.name for entity in extended.entities(MISSION)[:-2]]
    assert extended.lookup(AGENCY, "Centre national d'études spatiales") is None
    assert len(extended.entities(AGENCY)) == len(gazetteer.entities(AGENCY))  # -CNES +Agence Webb


def test_fingerprint_follows_the_user_file(tmp_path: Path, gazetteer: Gazetteer) -> None:
    assert Gazetteer.load(tmp_path).fingerprint == gazetteer.fingerprint  # no file: packaged
    user_file = tmp_path / USER_FILE_NAME
    user_file.write_text("missions:\n  - name: Ulysse-X\n", encoding="utf-8")
    first = Gazetteer.load(tmp_path).fingerprint
    assert Gazetteer.load(tmp_path).fingerprint == first
    user_file.write_text("missions:\n  - name: Ulysse-Y\n", encoding="utf-8")
    assert Gazetteer.load(tmp_path).fingerprint not in {first, gazetteer.fingerprint}


def test_empty_user_file_changes_nothing(tmp_path: Path, gazetteer: Gazetteer) -> None:
    (tmp_path / USER_FILE_NAME).write_text("# nothing yet\n", encoding="utf-8")
    assert Gazetteer.load(tmp_path).fingerprint == gazetteer.fingerprint


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("missions: [", "invalid YAML"),
        ("- ESA\n", "expected a mapping"),
        ("planets: []\n", "unknown section 'planets'"),
        ("missions:\n  name: Foo\n", "'missions' must be a list"),
        ("missions:\n  - Foo\n", "missions entry 1: expected a mapping with a 'name'"),
        ("missions:\n  - aliases: [Foo]\n", "missions entry 1: expected a mapping with a 'name'"),
        ("missions:\n  - name: 2020\n", "missions entry 1: expected a mapping with a 'name'"),
        ("missions:\n  - name: Foo\n    colour: red\n", "unknown key 'colour'"),
        ("missions:\n  - name: Foo\n    aliases: Bar\n", "'aliases' must be a list"),
        ("missions:\n  - name: Foo\n    aliases: [yes]\n", "True is not a name"),
        ("missions:\n  - name: Foo\n    case_sensitive: ['--']\n", "'--' is not a name"),
        ("missions:\n  - name: Foo\n    family: Bar\n", "'Foo' has family 'Bar', which is not"),
        ("missions:\n  - name: Foo\n    family: CNES\n", "which is not another mission"),
        ("missions:\n  - name: Foo\n    family: [Bar]\n", "'family' must be the name of"),
        (
            "missions:\n  - name: Foo\n    aliases: [Bar]\n  - name: Baz\n    aliases: [bar]\n",
            "'bar' names both mission 'Foo' and mission 'Baz'",
        ),
    ],
)
def test_malformed_user_file(tmp_path: Path, content: str, problem: str) -> None:
    user_file = tmp_path / USER_FILE_NAME
    user_file.write_text(content, encoding="utf-8")
    with pytest.raises(GazetteerError, match=re.escape(problem)) as error:
        Gazetteer.load(tmp_path)
    assert str(error.value).startswith(f"{user_file}: ")


def test_user_file_not_in_utf8(tmp_path: Path) -> None:
    user_file = tmp_path / USER_FILE_NAME
    user_file.write_bytes("missions:\n  - name: Pléiades\n".encode("latin-1"))
    with pytest.raises(GazetteerError, match="UTF-8") as error:
        Gazetteer.load(tmp_path)
    assert str(user_file) in str(error.value)
