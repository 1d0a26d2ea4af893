"""Tests for reading.mojibake: text misread once or twice is repaired, correct text never changed.

Importing indexer.reading.mojibake registers ftfy's "sloppy" codecs, which make the damaged cases.
"""

from __future__ import annotations

import pytest

from indexer.reading.mojibake import may_be_mojibake, repair

FRENCH = "Le 11 février 2016, l’œuvre « spatiale » coûte 5 € — Noël à Kourou, ÉTÉ, Œuvre, ça."


def _misread(text: str, encoding: str, times: int = 1) -> str:
    for _ in range(times):
        text = text.encode("utf-8").decode(encoding)
    return text


@pytest.mark.parametrize(
    ("damaged", "expected"),
    [
        pytest.param("11 FĂ©vrier 2016", "11 Février 2016", id="cp1250-as-written"),
        pytest.param("Publié le 3 mars", "Publié le 3 mars", id="correct"),
        pytest.param("Ã  Paris, le CNES", "à Paris, le CNES", id="lost-nbsp"),
        pytest.param(_misread(FRENCH, "sloppy-windows-1252"), FRENCH, id="cp1252"),
        pytest.param(_misread(FRENCH, "latin-1"), FRENCH, id="latin-1"),
        pytest.param(_misread(FRENCH, "sloppy-windows-1250"), FRENCH, id="cp1250"),
        pytest.param(_misread(FRENCH, "iso-8859-2"), FRENCH, id="latin-2"),
        pytest.param(_misread(FRENCH, "sloppy-windows-1252", 2), FRENCH, id="double"),
        pytest.param(
            "Titre juste : été\n" + _misread(FRENCH, "sloppy-windows-1252"),
            "Titre juste : été\n" + FRENCH,
            id="mixed-lines",
        ),
    ],
)
def test_repair(damaged: str, expected: str) -> None:
    assert repair(damaged) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(FRENCH, id="accents-ligature-quotes"),
        pytest.param("« Guillemets » et “anglais”, l’apostrophe", id="quotes"),
        pytest.param("ÉTÉ\xa0! À BIENTÔT\xa0; CÔTE D’IVOIRE…", id="capitals-nbsp"),
        pytest.param("Une fiﬁn, ＡＢＣ, &amp; <b>gras</b>, 1/2 ½", id="not-encoding"),
        pytest.param("Ångström, São Paulo, Málaga, Kraków, Plzeň", id="foreign-names"),
        pytest.param("Température −40 °C, 3 × 4, 50 % ± 2", id="symbols"),
    ],
)
def test_correct_text_is_never_changed(text: str) -> None:
    assert repair(text) == text


@pytest.mark.parametrize(
    ("text", "suspect"),
    [
        pytest.param(FRENCH, False, id="french"),
        pytest.param(_misread(FRENCH, "sloppy-windows-1252"), True, id="cp1252"),
        pytest.param(_misread("l’orbite", "sloppy-windows-1252"), True, id="apostrophe-only"),
        pytest.param(_misread("œuvre", "sloppy-windows-1250"), True, id="ligature-only"),
    ],
)
def test_the_cheap_test_finds_mojibake_only(text: str, suspect: bool) -> None:
    assert may_be_mojibake(text) is suspect
