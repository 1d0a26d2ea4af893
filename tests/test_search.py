"""Searching as a user sees it: which releases come back, in which order, with what marks."""

from __future__ import annotations

import pytest

from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.search import searching
from indexer.search.request import BadRequest, parse_request
from indexer.search.searching import search
from indexer.search.snapshot import MATCH_CACHE, SearchIndex
from tests.seed import CHINA_2020, ISEF_2018, MOON_UNDATED, NEWEST_FIRST, RUSSIA_2018, RUSSIA_2019


def ids(index: SearchIndex, q: str = "", **params) -> list[str]:
    response = search(index, parse_request(q, per_page=100, **params))
    return [r["id"] for r in response["results"]]


def run(index: SearchIndex, q: str = "", **params) -> dict:
    return search(index, parse_request(q, **params))


def test_empty_query_lists_every_release_newest_first_undated_last(seed_index) -> None:
    assert ids(seed_index) == [CHINA_2020, RUSSIA_2019, RUSSIA_2018, ISEF_2018, MOON_UNDATED]


def test_oldest_first_still_puts_undated_last(seed_index) -> None:
    assert ids(seed_index, sort="date") == [
        ISEF_2018,
        RUSSIA_2018,
        RUSSIA_2019,
        CHINA_2020,
        MOON_UNDATED,
    ]


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("cooperation", "coopération"),
        ("COOPÉRATION", "coopération"),
        ("Coopérations", "coopération"),
        ("Chang’e 6", "Chang'e 6"),
        ("europeenne", "européenne"),
        ("Bion M2", "Bion-M2"),
        ("spatial", "spatiales"),
    ],
)
def test_accents_case_apostrophes_and_forms_do_not_matter(seed_index, typed, written) -> None:
    # The same releases; their order may differ, as exact forms rank first.
    assert set(ids(seed_index, typed)) == set(ids(seed_index, written))
    assert ids(seed_index, typed)


def test_all_words_are_required(seed_index) -> None:
    both = set(ids(seed_index, "Roscosmos Mercure"))
    assert both == {RUSSIA_2018}
    assert both < set(ids(seed_index, "Roscosmos"))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("+Bion-M2 Lune", {RUSSIA_2018, RUSSIA_2019}),
        ("+Lune Bion-M2", {CHINA_2020, MOON_UNDATED}),
        ("+lun0", set()),
    ],
)
def test_a_plus_word_is_required_and_the_others_only_rank(seed_index, q, expected) -> None:
    """Whoosh's "+": the word after it is required, the others optional (a compound word such
    as "Bion-M2" or "lun0" is a phrase of its parts)."""
    assert set(ids(seed_index, q)) == expected


def test_phrase_needs_the_words_in_order(seed_index) -> None:
    assert ids(seed_index, '"changement climatique"')
    assert ids(seed_index, '"climatique changement"') == []
    assert ids(seed_index, "« changement climatique »") == ids(
        seed_index, '"changement climatique"'
    )


def test_exclusion_and_or(seed_index) -> None:
    moon = set(ids(seed_index, "Lune"))
    assert set(ids(seed_index, "Lune -Chang'e")) == moon - set(ids(seed_index, "Chang'e"))
    either = set(ids(seed_index, "Roscosmos OR Pékin"))
    assert either == set(ids(seed_index, "Roscosmos")) | set(ids(seed_index, "Pékin"))
    assert set(ids(seed_index, "Roscosmos OU Pékin")) == either


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("agence:CNSA", {CHINA_2020, MOON_UNDATED}),
        ("agency:cnsa", {CHINA_2020, MOON_UNDATED}),
        ("annee:2018", {RUSSIA_2018, ISEF_2018}),
        ("année:2019", {RUSSIA_2019}),
        ('mission:"Bion-M2"', {RUSSIA_2018, RUSSIA_2019}),
        ("mission:Bion-M2 Moscou", {RUSSIA_2018, RUSSIA_2019}),
        ('agence:"Agence spatiale européenne"', {RUSSIA_2018}),
    ],
)
def test_field_filters(seed_index, q, expected) -> None:
    assert set(ids(seed_index, q)) == expected


def test_an_agency_name_matches_its_aliases(seed_index) -> None:
    # Release 001 says "l’ESA", never "Agence spatiale européenne".
    assert ids(seed_index, "Agence spatiale européenne")[0] == RUSSIA_2018


def test_a_typo_finds_its_word_and_suggests_it(seed_index) -> None:
    response = run(seed_index, "cooperaton")
    assert response["suggestion"] == "coopération"
    assert response["fallback"] == "fuzzy"
    assert {r["id"] for r in response["results"]} == set(ids(seed_index, "coopération"))


def test_a_known_word_gets_no_suggestion(seed_index) -> None:
    response = run(seed_index, "coopération")
    assert (response["suggestion"], response["fallback"]) == (None, None)


def test_when_no_release_has_every_word_any_word_matches_and_says_so(seed_index) -> None:
    response = run(seed_index, "Lune zzzzzzzz")
    assert response["fallback"] == "any_word"
    assert {r["id"] for r in response["results"]} == set(ids(seed_index, "Lune"))


@pytest.mark.parametrize(
    "q",
    [
        'foo"(bar',
        "((",
        ")",
        "agence:",
        "mission: ",
        "*",
        "?",
        '"',
        "-",
        "+",
        "OR",
        "AND OR NOT",
        'titre:"',
        "a*b*c*d*e",
        "^2",
        "lune^",
        "[2018 TO",
        "{}",
        "\\",
        "'",
        "::",
        "annee:abc",
        "\x00\x01lune",
        "\ud800",
    ],
)
def test_any_string_is_a_valid_query(seed_index, q) -> None:
    response = run(seed_index, q, per_page=100)
    found = [r["id"] for r in response["results"]]
    assert response["total"] == len(found) == len(set(found))  # every match listed, once
    assert set(found) <= set(NEWEST_FIRST)


def test_snippet_marks_the_original_accented_word(seed_index) -> None:
    snippet = run(seed_index, "cooperation")["results"][0]["snippet"]
    assert "<mark>coopération</mark>" in snippet or "<mark>Coopération</mark>" in snippet


def test_snippet_is_escaped_except_marks(make_corpus, open_index) -> None:
    corpus = make_corpus({"x.txt": "Titre\n\n12 mai 2021\n\n<script>alert('lune')</script> & Lune"})
    snippet = run(open_index(corpus), "lune")["results"][0]["snippet"]
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>Lune</mark>" in snippet


@pytest.mark.parametrize("q", ["mission:Sentinel-2", "mission:Sentinelle-2", "mission:Sentinel-2A"])
def test_a_numbered_member_is_found_by_its_family(make_corpus, open_index, q: str) -> None:
    corpus = make_corpus(
        {
            "a.txt": "Sentinel-2A en orbite\n\nLe satellite observe les terres.",
            "b.txt": "Sentinel-1A en orbite\n\nLe satellite observe les mers.",
        }
    )
    assert ids(open_index(corpus), q) == ["a"]


def test_browse_snippets_start_at_the_text(seed_index) -> None:
    """An empty query lists releases: each snippet opens on the release's text, not on the
    label, the dateline, the number or the headline that the card already shows."""
    results = run(seed_index, per_page=10)["results"]
    china = next(result for result in results if result["id"] == CHINA_2020)
    assert china["snippet"].startswith("Lundi 28 septembre 2020, Jean-Yves Le Gall")
    for result in results:
        assert result["title"] not in result["snippet"]
        assert "COMMUNIQUÉ DE PRESSE" not in result["snippet"].upper()
        assert not result["release"] or result["release"] not in result["snippet"]


SAVED_PAGE = """Accueil > Actualités > Espace
English German
Publié le 02 juillet 2024
Partager Facebook Twitter
Le satellite Ulysse est en orbite
Image - Vue d'artiste du satellite © ESA

Le satellite a rejoint son orbite. Il observera la Terre.

Tags : Espace, Climat
"""


def test_a_saved_page_is_searched_and_shown_without_its_chrome(make_corpus, open_index) -> None:
    index = open_index(make_corpus({"page.txt": SAVED_PAGE}))
    (result,) = run(index)["results"]
    assert (result["title"], result["date"]) == ("Le satellite Ulysse est en orbite", "2024-07-02")
    assert result["snippet"] == "Le satellite a rejoint son orbite. Il observera la Terre."
    for chrome in ("Partager", "Facebook", "artiste", "Tags", "Accueil", "German"):
        assert ids(index, chrome) == []  # chrome is not indexed either
    assert ids(index, "orbite") == ["page"]


def test_snippet_finds_the_passage_in_a_long_release(make_corpus, open_index) -> None:
    filler = "Le satellite poursuit sa route. " * 3000
    corpus = make_corpus({"long.txt": f"Titre\n\n{filler}La sonde Ulysse arrive.\n\n{filler}"})
    snippet = run(open_index(corpus), "Ulysse")["results"][0]["snippet"]
    assert "<mark>Ulysse</mark>" in snippet


def test_snippet_shows_the_passage_with_the_most_words_of_the_query(
    make_corpus, open_index
) -> None:
    filler = "Le satellite poursuit sa route. " * 300  # more sentences than a snippet reads
    corpus = make_corpus(
        {"long.txt": f"Titre\n\n{filler}La sonde Ulysse rejoint le satellite.\n\n{filler}"}
    )
    snippet = run(open_index(corpus), "satellite Ulysse")["results"][0]["snippet"]
    assert "<mark>Ulysse</mark>" in snippet and "<mark>satellite</mark>" in snippet


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("orbite", [f"cp-{n:02d}" for n in range(39, 0, -2) if n != 3]),  # walked in order
        ("sonde", ["cp-30", "cp-03"]),  # 2 of 40: found by a mask over the order
    ],
)
@pytest.mark.parametrize("sort", ["-date", "date"])
def test_by_date_listing_is_in_date_order_however_few_match(
    make_corpus, open_index, q: str, expected: list[str], sort: str
) -> None:
    def text(n: int) -> str:
        word = "sonde" if n in (3, 30) else "orbite" if n % 2 else "lune"
        return f"{1 + n % 28} mars {1990 + n}\n\nCommuniqué {n}\n\nLa {word} du jour.\n"

    index = open_index(make_corpus({f"cp-{n:02d}.txt": text(n) for n in range(40)}))
    assert ids(index, q, sort=sort) == (expected if sort == "-date" else expected[::-1])
    page = run(index, q, sort=sort, page=2, per_page=3)["results"]
    assert [r["id"] for r in page] == (expected if sort == "-date" else expected[::-1])[3:6]


def test_exact_form_ranks_above_other_forms(make_corpus, open_index) -> None:
    corpus = make_corpus(
        {
            "a.txt": "Une nuit\n\nLes étoiles du ciel austral.",
            "b.txt": "Une autre nuit\n\nUne étoile du ciel austral.",
        }
    )
    index = open_index(corpus)
    assert ids(index, "étoiles") == ["a", "b"]
    assert ids(index, "étoile") == ["b", "a"]


def test_title_counts_more_than_body(make_corpus, open_index) -> None:
    corpus = make_corpus(
        {
            "a.txt": "Rapport annuel\n\nLe programme Copernicus avance bien cette année.",
            "b.txt": "Copernicus : un nouveau satellite\n\nLe programme avance bien cette année.",
        }
    )
    assert ids(open_index(corpus), "Copernicus") == ["b", "a"]


def test_facets_count_every_match_and_keep_other_values_of_a_selected_facet(seed_index) -> None:
    everything = run(seed_index)["facets"]
    assert {"value": "CNES", "count": 5} in everything["agency"]
    selected = run(seed_index, agency=["CNSA"])
    assert selected["total"] == 2
    agencies = {f["value"]: f["count"] for f in selected["facets"]["agency"]}
    assert agencies["Roscosmos"] == 2  # still offered, with its own count
    years = {f["value"]: f["count"] for f in selected["facets"]["year"]}
    assert years == {"2020": 1}  # other facets follow the selection


def test_filters_by_year_and_date_range(seed_index) -> None:
    assert set(ids(seed_index, year=["2018"])) == {RUSSIA_2018, ISEF_2018}
    in_range = ids(seed_index, date_from="2018-06-01", date_to="2019-12-31")
    assert set(in_range) == {RUSSIA_2018, RUSSIA_2019}


def test_pages_split_the_results(seed_index) -> None:
    first = run(seed_index, per_page=2)
    second = run(seed_index, per_page=2, page=2)
    assert first["total"] == second["total"] == 5
    assert [r["id"] for r in first["results"] + second["results"]] == ids(seed_index)[:4]


def test_response_shape(seed_index) -> None:
    response = run(seed_index, "Roscosmos", per_page=1)
    assert set(response) == {
        "query",
        "total",
        "page",
        "per_page",
        "took_ms",
        "results",
        "facets",
        "suggestion",
        "fallback",
    }
    (result,) = response["results"]
    assert set(result) == {
        "id",
        "title",
        "date",
        "release",
        "agencies",
        "missions",
        "embargo",
        "score",
        "snippet",
    }  # the web side adds each result's `url` (tests/test_urls.py)
    assert set(response["facets"]) == {"agency", "mission", "year"}


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"per_page": "1000"}, "per_page"),
        ({"per_page": "0"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"date_from": "hier"}, "from"),
        ({"date_to": "2020-13-01"}, "to"),
        ({"date_from": "2021-01-01", "date_to": "2020-01-01"}, "from"),
        ({"sort": "sideways"}, "sort"),
        ({"year": ["20x0"]}, "year"),
        ({"year": ["٢٠٢٠"]}, "year"),
        ({"page": "１"}, "page"),
        ({"per_page": "1_0"}, "per_page"),
        ({"page": " 2"}, "page"),
        ({"q": "lune " * 200}, "q"),
    ],
)
def test_bad_parameters_are_rejected_with_the_parameter_named(params, parameter) -> None:
    with pytest.raises(BadRequest) as error:
        parse_request(**params)
    assert error.value.parameter == parameter


def test_default_sort_is_relevance_with_words_and_newest_without() -> None:
    assert parse_request("lune").sort == "relevance"
    assert parse_request("").sort == "-date"


def test_wildcards_stand_for_the_words_they_begin(seed_index) -> None:
    assert set(ids(seed_index, "Interhelio*")) == {RUSSIA_2019}
    assert set(ids(seed_index, "Rosc*")) == set(ids(seed_index, "Roscosmos"))


def test_a_longer_phrase_needs_every_neighbouring_pair(seed_index) -> None:
    assert ids(seed_index, '"lutte contre le changement climatique"')
    assert ids(seed_index, '"lutte contre le changement spatial"') == []


def test_a_search_sees_a_new_commit_not_a_cached_answer(make_corpus, index_dir) -> None:
    corpus = make_corpus({"a.txt": "Titre\n\nLa sonde Ulysse."})
    store = IndexStore(index_dir)
    update_index(corpus, store)
    index = SearchIndex(store, corpus)
    assert ids(index, "Ulysse") == ["a"]
    (corpus / "b.txt").write_text("Autre titre\n\nUlysse encore.", "utf-8")
    update_index(corpus, store)
    assert set(ids(index, "Ulysse")) == {"a", "b"}


def test_the_listing_of_every_release_outlasts_other_searches(
    make_corpus, open_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home page's listing is counted once per commit, however many searches come between
    its pages (the match cache used to drop it for the next search)."""
    words = [f"mot{n}" for n in range(MATCH_CACHE + 3)]
    corpus = make_corpus({f"{w}.txt": f"Titre {w}\n\nLe {w} de la sonde." for w in words})
    index = open_index(corpus)
    matched: list[str] = []
    real = searching._match
    monkeypatch.setattr(searching, "_match", lambda c, r: matched.append(r.q) or real(c, r))
    first = search(index, parse_request())
    for word in words:
        assert search(index, parse_request(q=word))["total"] == 1
    second = search(index, parse_request(page=2, per_page=5, sort="date"))
    assert matched.count("") == 1
    assert (second["total"], second["facets"]) == (first["total"], first["facets"])
    assert len(second["results"]) == 5


@pytest.mark.parametrize(
    ("q", "like"),
    [("*cosmos", "cosmos"), ("Rosc* Mosc* Pék* Lun* Ulyss*", "Rosc* Mosc* Pék* Lun* Ulyss")],
)
def test_costly_wildcards_are_searched_as_plain_words(seed_index, q, like) -> None:
    assert ids(seed_index, q) == ids(seed_index, like)


# Prefix search: releases written for these tests, one word each that matters.
PREFIX_RELEASES = {
    "jupiter.txt": "Vers Jupiter\n\nUne sonde partira vers Jupiter et ses lunes glacées.\n",
    "roscosmos.txt": "Accord\n\nRoscosmos et le CNES signent un accord de coopération.\n",
    "developpement.txt": "Industrie\n\nLe développement d'un nouveau moteur commence.\n",
    "europe.txt": "Europe\n\nL'Europe prépare un lanceur.\n",
    "europeenne.txt": "Agence\n\nUne agence européenne choisit un satellite.\n",
    "observatoire.txt": "Ciel\n\nL'observatoire de Haute-Provence ouvre ses portes.\n",
    "mars.txt": "Planète rouge\n\nUn rover roule sur Mars depuis dix ans.\n",
    "marseille.txt": "Marseille Marseille\n\nMarseille, Marseille et Marseille accueillent.\n",
}


@pytest.fixture
def prefix_index(make_corpus, open_index) -> SearchIndex:
    return open_index(make_corpus(PREFIX_RELEASES))


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Jupi", {"jupiter"}),
        ("jupi", {"jupiter"}),
        ("Roscos", {"roscosmos"}),
        ("ROSCOS", {"roscosmos"}),
        ("dévelo", {"developpement"}),
        ("DEVELO", {"developpement"}),
        ("developp", {"developpement"}),
        ("europ", {"europe", "europeenne"}),  # written forms, not stems: "europ" is no stem
        ("européen", {"europeenne"}),
        ("l'obs", {"observatoire"}),
        ("l’obs", {"observatoire"}),
        ("sonde Jupi", {"jupiter"}),
        ("(Jupi)", set()),  # the query ends with a parenthesis, not a word
        ("Jupi ", set()),  # a space after it: the word is complete
        ('"Jupi"', set()),  # a closing quote: the word is complete
        ("Jup", {"jupiter"}),
        ("Ju", set()),  # fewer than three characters
        ("Jupi*", {"jupiter"}),
        ("Mars -Marsei", {"mars"}),  # an excluded word is taken whole
    ],
)
def test_the_last_word_also_finds_the_words_it_begins(prefix_index, typed, found) -> None:
    assert set(ids(prefix_index, typed)) == found


def test_only_the_last_word_is_a_prefix(prefix_index) -> None:
    assert run(prefix_index, "sonde Jupi")["fallback"] is None
    # Not every word is found: only the fallback to any word finds the release.
    assert run(prefix_index, "Jupi sonde")["fallback"] == "any_word"


def test_whole_word_matches_rank_above_prefix_only_ones(prefix_index) -> None:
    # "Marseille" fills its release, title included; "Mars" is said once in its own.
    assert ids(prefix_index, "Mars") == ["mars", "marseille"]
    response = run(prefix_index, "Mars")
    scores = [r["score"] for r in response["results"]]
    assert scores == sorted(scores, reverse=True)


def test_prefix_matches_are_marked_in_snippets(prefix_index) -> None:
    (result,) = run(prefix_index, "Jupi")["results"]
    assert "<mark>Jupiter</mark>" in result["snippet"]


def test_a_prefix_stands_for_the_most_frequent_words_only(make_corpus, open_index, monkeypatch):
    files = {f"a{n}.txt": "Titre\n\nLe zorgaa brille.\n" for n in range(3)}
    files |= {f"b{n}.txt": "Titre\n\nLe zorgbb brille.\n" for n in range(2)}
    files |= {"c.txt": "Titre\n\nLe zorgcc brille.\n"}
    index = open_index(make_corpus(files))
    monkeypatch.setattr("indexer.search.querying.PREFIX_EXPANSIONS", 2)
    assert set(ids(index, "zorg")) == {"a0", "a1", "a2", "b0", "b1"}
