"""The French analysis chain, as token lists: what a text becomes in the index."""

import pytest

from indexer.analysis.french import analyze, exact_analyzer, french_analyzer, term_spans


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        # elision, with both apostrophes, and the longer elided words
        ("l'Agence", ["agenc"]),
        ("l’Agence", ["agenc"]),
        ("d'Europe", ["europ"]),
        ("jusqu'à l'espace", ["espac"]),
        ("lorsqu’il quoiqu'elle puisqu'on", []),
        ("qu'aujourd'hui", ["aujourd'hui"]),
        # accents folded after stemming, case ignored
        ("coopération", ["cooper"]),
        ("COOPERATION", ["cooper"]),
        ("Coopérations", ["cooper"]),
        ("européenne", ["europeen"]),
        ("étoiles", ["etoil"]),
        # ligatures
        ("œuvre", ["oeuvr"]),
        ("Cœur", ["coeur"]),
        ("ex æquo", ["ex", "aequo"]),
        # stop words
        ("la Lune et le Soleil", ["lun", "soleil"]),
        ("à la", []),
        # hyphenated and letter-digit names: the same parts whatever the spelling
        ("Bion-M2", ["bion", "m", "2"]),
        ("Bion M2", ["bion", "m", "2"]),
        ("Bion-M N°2", ["bion", "m", "2"]),
        ("IASI-NG", ["iasi", "ng"]),
        ("franco-indienne", ["franco", "indien"]),
        ("Hayabusa2", ["hayabus", "2"]),
        ("Hayabusa 2", ["hayabus", "2"]),
        ("CP111-2020", ["cp", "111", "2020"]),
        # apostrophes inside names stay, whichever apostrophe was typed
        ("Chang'e 6", ["chang'", "6"]),
        ("Chang’e 6", ["chang'", "6"]),
        # punctuation is not a word
        ("« Space Climate Observatory » !", ["spac", "climat", "observatory"]),
    ],
)
def test_french_terms(text: str, terms: list[str]) -> None:
    assert analyze(text) == terms


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Les étoiles", ["étoiles"]),
        ("L’Agence spatiale européenne", ["agence", "spatiale", "européenne"]),
        ("Chang’e 6", ["chang'e", "6"]),
        ("Œuvre", ["oeuvre"]),
    ],
)
def test_exact_terms_keep_accents_and_forms(text: str, terms: list[str]) -> None:
    assert analyze(text, exact_analyzer()) == terms


def test_positions_are_consecutive_across_parts_and_stop_words() -> None:
    tokens = [(t.text, t.pos) for t in french_analyzer()("la mission de Bion-M2", positions=True)]
    first = tokens[0][1]
    assert tokens == [("mission", first), ("bion", first + 1), ("m", first + 2), ("2", first + 3)]


@pytest.mark.parametrize(
    ("text", "word"),
    [("l’Agence", "Agence"), ("coopération", "coopération"), ("Bion-M2", "Bion")],
)
def test_character_offsets_point_at_the_original_word(text: str, word: str) -> None:
    start, end, _ = next(term_spans(text))
    assert text[start:end] == word


def test_analyzer_survives_pickling() -> None:
    import pickle

    analyzer = pickle.loads(pickle.dumps(french_analyzer()))
    assert analyze("Coopérations spatiales", analyzer) == ["cooper", "spatial"]
