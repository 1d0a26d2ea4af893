"""Synonyms from the corpus's synonyms.yaml: how queries are rewritten, searched, reloaded."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from indexer.analysis.synonyms import CHECK_SECONDS, SynonymsError, parse
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.corpus_factory import poll
from web.cli import main

EXAMPLE = """\
synonyms:            # each group: equivalent words or phrases, both directions
  - [Kourou, Centre spatial guyanais, CSG]
  - [SIAE, salon du Bourget, Salon international de l'aéronautique et de l'espace]
expansions:          # one way: the key also finds the values, not the reverse
  fusée: [lanceur]
"""
GUIANA = '(Kourou OR "Centre spatial guyanais" OR "CSG")'
RELEASES = {
    "kourou.txt": "Lancement\n\nLa fusée décolle de Kourou ce soir.\n",
    "centre.txt": "Base\n\nLe Centre spatial guyanais accueille un satellite.\n",
    "csg.txt": "Chantier\n\nLe CSG modernise son pas de tir.\n",
    "scattered.txt": "Épars\n\nUn centre de tri, un budget spatial, un fleuve guyanais.\n",
    "lanceur.txt": "Industrie\n\nLe lanceur léger passe ses essais.\n",
    "bourget.txt": "Salon\n\nLe salon du Bourget ouvre ses portes aux visiteurs.\n",
}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("Kourou", GUIANA),
        ("kourou", GUIANA.replace("Kourou OR", "kourou OR", 1)),
        ("lancement depuis Kourou", f"lancement depuis {GUIANA}"),
        ("-Kourou", f"-{GUIANA}"),  # an exclusion excludes every alternative
        ("csg", '(csg OR "Kourou" OR "Centre spatial guyanais")'),
        ("centre spatial GUYANAIS", '((centre spatial GUYANAIS) OR "Kourou" OR "CSG")'),
        ('"Kourou"', '"Kourou"'),  # a phrase is searched as typed
        ("agence:Kourou", "agence:Kourou"),  # so is a field filter
        ("Kouroux", "Kouroux"),  # whole words only
        ("fusée", '(fusée OR "lanceur")'),
        ("FUSÉES", '(FUSÉES OR "lanceur")'),  # case and plural aside
        ("lanceur", "lanceur"),  # an expansion is one way
        (
            "le Salon du Bourget",
            'le ((Salon du Bourget) OR "SIAE" OR "Salon international '
            "de l'aéronautique et de l'espace\")",
        ),
        ("salon OR Bourget", "salon OR Bourget"),  # words apart are not the phrase
        (
            "salon international de l'aeronautique et de l'espace",  # accents aside
            "((salon international de l'aeronautique et de l'espace) OR \"SIAE\" "
            'OR "salon du Bourget")',
        ),
        (
            "Salon international de l’aéronautique et de l’espace",  # typographic apostrophes
            '((Salon international de l’aéronautique et de l’espace) OR "SIAE" '
            'OR "salon du Bourget")',
        ),
    ],
)
def test_entries_are_rewritten_as_alternatives(typed: str, searched: str) -> None:
    assert parse(EXAMPLE, "synonyms.yaml").rewrite(typed) == searched


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("synonyms: [[[", "invalid YAML"),
        ("- [a, b]", "expected a mapping"),
        ("synonymes:\n  - [a, b]", "unknown section 'synonymes'"),
        ("synonyms: {a: b}", "'synonyms' must be a list"),
        ("synonyms:\n  - [Kourou]", "synonyms group 1: expected a list of at least 2"),
        ("synonyms:\n  - Kourou", "synonyms group 1: expected a list"),
        ("synonyms:\n  - [Kourou, [CSG]]", "is not a word or a phrase"),
        ("synonyms:\n  - [Kourou, le]", "'le' has no searchable word"),
        ("expansions: [fusée]", "'expansions' must map"),
        ("expansions:\n  fusée: lanceur", "expansions of 'fusée'"),
    ],
)
def test_a_malformed_file_says_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(SynonymsError, match=r"^synonyms\.yaml: ") as error:
        parse(text, "synonyms.yaml")
    assert fragment in str(error.value)


@pytest.fixture
def corpus(make_corpus) -> Path:
    return make_corpus(RELEASES)


def ids(index: SearchIndex, q: str) -> set[str]:
    return {r["id"] for r in search(index, parse_request(q, per_page=100))["results"]}


def test_synonyms_are_searched_both_ways_and_expansions_one_way(corpus, open_index) -> None:
    (corpus / "synonyms.yaml").write_text(EXAMPLE, encoding="utf-8")
    index = open_index(corpus)
    guiana = {"kourou", "centre", "csg"}
    assert ids(index, "Kourou") == guiana  # not "scattered": a phrase stays a phrase
    assert ids(index, "CSG") == guiana
    assert ids(index, "csg") == guiana
    # Words typed without quotes keep their meaning: all of them, anywhere.
    assert ids(index, "centre spatial guyanais") == guiana | {"scattered"}
    assert ids(index, "Kourou -CSG") == set()
    assert ids(index, "fusée") == {"kourou", "lanceur"}
    assert ids(index, "lanceur") == {"lanceur"}
    assert ids(index, "SIAE") == {"bourget"}


def test_snippets_mark_the_alternatives(corpus, open_index) -> None:
    (corpus / "synonyms.yaml").write_text(EXAMPLE, encoding="utf-8")
    response = search(open_index(corpus), parse_request("Kourou"))
    snippets = {r["id"]: r["snippet"] for r in response["results"]}
    assert "<mark>CSG</mark>" in snippets["csg"]
    assert "<mark>Centre spatial guyanais</mark>" in snippets["centre"]


def test_the_file_is_not_a_release(corpus, index_dir) -> None:
    (corpus / "synonyms.yaml").write_text(EXAMPLE, encoding="utf-8")
    summary = update_index(corpus, IndexStore(index_dir))
    assert summary.added == len(RELEASES)
    assert summary.skipped == []


def test_an_edit_applies_within_the_check_interval(corpus, index_dir, caplog) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    clock = Clock()
    index = SearchIndex(store, corpus, clock=clock)
    assert ids(index, "Kourou") == {"kourou"}

    (corpus / "synonyms.yaml").write_text(EXAMPLE, encoding="utf-8")
    clock.now += CHECK_SECONDS
    assert ids(index, "Kourou") == {"kourou", "centre", "csg"}

    (corpus / "synonyms.yaml").write_text("synonyms:\n  - [Kourou]\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="indexer.analysis.synonyms"):
        clock.now += CHECK_SECONDS
        assert ids(index, "Kourou") == {"kourou"}  # ignored, and search still works
    assert "synonyms group 1" in caplog.text
    assert len(index.warnings()) == 1 and "synonyms.yaml" in index.warnings()[0]

    (corpus / "synonyms.yaml").unlink()
    clock.now += CHECK_SECONDS
    assert ids(index, "Kourou") == {"kourou"}
    assert index.warnings() == []


def test_the_server_reports_a_malformed_file_in_health(make_app, corpus) -> None:
    client = make_app(corpus).test_client()
    assert client.get("/api/health").get_json()["warnings"] == []
    (corpus / "synonyms.yaml").write_text("synonyms: [[[", encoding="utf-8")

    def warned() -> list[str]:
        return client.get("/api/health").get_json()["warnings"]

    (warning,) = poll(warned, timeout=CHECK_SECONDS + 10, what="health warns")
    assert "synonyms.yaml" in warning and "invalid YAML" in warning
    assert client.get("/api/search?q=Kourou").status_code == 200

    (corpus / "synonyms.yaml").write_text(EXAMPLE, encoding="utf-8")

    def applied() -> bool:
        return client.get("/api/search?q=Kourou").get_json()["total"] == 3

    poll(applied, timeout=CHECK_SECONDS + 10, what="synonyms applied")
    assert warned() == []


def test_orbite_index_warns_on_stderr(capsys, corpus, index_dir) -> None:
    (corpus / "synonyms.yaml").write_bytes(b"synonyms:\n  - [Kourou, \xff]\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["index", "--json", "--corpus", str(corpus), "--index", str(index_dir)])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 0
    assert json.loads(out)["added"] == len(RELEASES)
    assert err.startswith("warning: synonyms ignored: ") and "synonyms.yaml" in err
