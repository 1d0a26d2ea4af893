"""The query mix: ~50 distinct queries per class, picked deterministically from the corpus.

Words are picked by document frequency from the index's `exact` field (words as written) and
from the seed sentences, so both engines get the very same query strings.
"""

from __future__ import annotations

import dataclasses
import random
import re
from itertools import cycle, islice

from bench.generate import Material
from bench.mix import WARM_UP, BenchQuery
from indexer.analysis.french import STOPWORDS, analyze
from indexer.search.vocabulary import Vocabulary

CLASSES = ("rare", "common", "two_words", "three_words", "phrase", "facet", "empty", "typo")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PLAIN = re.compile(r"[^\W\d_]+")  # a word without apostrophe or hyphen: one token everywhere


def make_queries(reader, material: Material, count: int, seed: int) -> dict[str, list[BenchQuery]]:
    """WARM_UP warm-up queries then `count` timed ones per class, all distinct when the corpus
    has enough candidates (else they repeat: `distinct` in the results tells)."""
    rng = random.Random(f"queries:{seed}")
    count += WARM_UP
    docs = reader.doc_count()
    frequencies = _frequencies(reader)
    rare = [w for w, df in frequencies.items() if df <= max(2, docs // 1000)]
    common = sorted((w for w, df in frequencies.items() if df > docs / 2), key=frequencies.get)
    vocabulary = {w for s in material.sentences for p in s.parts for w in _content_words(p)}
    middle = [w for w, df in frequencies.items() if docs / 50 <= df <= docs / 2 and w in vocabulary]
    words = {
        "rare": rng.sample(sorted(rare), min(count, len(rare))),
        "common": common[-count:],
        "two_words": [_words_of_sentence(material, rng, 2) for _ in range(count)],
        "three_words": [_words_of_sentence(material, rng, 3) for _ in range(count)],
        "phrase": [f'"{_phrase(material, rng)}"' for _ in range(count)],
        "typo": _typos(reader, sorted(w for w in middle if len(w) >= 6), rng, count),
    }
    mix = {kind: [BenchQuery(kind, q) for q in _repeat(qs, count)] for kind, qs in words.items()}
    top_agencies = material.agencies[:5]
    mix["facet"] = [
        BenchQuery("facet", word, (top_agencies[i % len(top_agencies)],))
        for i, word in enumerate(
            _repeat(rng.sample(sorted(middle), min(count, len(middle))), count)
        )
    ]
    mix["empty"] = [BenchQuery("empty", page=page) for page in range(1, count + 1)]
    return {
        kind: [dataclasses.replace(q, warm_up=i < WARM_UP) for i, q in enumerate(mix[kind])]
        for kind in CLASSES
    }


def _frequencies(reader) -> dict[str, int]:
    """Document frequency of every alphabetic, non-stop word of at least 4 letters."""
    return {
        w.form: w.docs
        for w in Vocabulary.read(reader)
        if len(w.form) >= 4 and w.form.isalpha() and w.form not in STOPWORDS
    }


def _repeat(items: list[str], count: int) -> list[str]:
    return list(islice(cycle(items), count)) if items else []


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if _is_content(w, 4)]


def _is_content(word: str, size: int) -> bool:
    return len(word) >= size and _PLAIN.fullmatch(word) is not None and word not in STOPWORDS


def _sample_sentence(material: Material, rng: random.Random) -> str:
    return material.fill(rng.choice(material.sentences), rng, material.cast(rng))


def _words_of_sentence(material: Material, rng: random.Random, size: int) -> str:
    """Words a user would type together: content words of one sentence, in order."""
    while True:
        words = list(dict.fromkeys(_content_words(_sample_sentence(material, rng))))
        if len(words) >= size:
            picked = sorted(rng.sample(range(len(words)), size))
            return " ".join(words[i] for i in picked)


def _phrase(material: Material, rng: random.Random) -> str:
    """Two or three adjacent content words (no stop word between them) of one sentence."""
    size = rng.choice((2, 2, 3))
    while True:
        words = _WORD.findall(_sample_sentence(material, rng).lower())
        runs = [
            words[i : i + size]
            for i in range(len(words) - size + 1)
            if all(_is_content(w, 3) for w in words[i : i + size])
        ]
        if runs:
            return " ".join(rng.choice(runs))


def _typos(reader, words: list[str], rng: random.Random, count: int) -> list[str]:
    """Known words with two letters swapped, kept only if the index knows no form of them."""
    typos: list[str] = []
    for word in rng.sample(words, len(words)):
        i = rng.randint(1, len(word) - 3)
        typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if typo != word and not any(
            reader.doc_frequency(f, t) for f in ("title", "body") for t in analyze(typo)
        ):
            typos.append(typo)
        if len(typos) == count:
            break
    return typos
