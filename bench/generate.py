"""A deterministic corpus of synthetic press releases made of the seed releases' own sentences.

Release `i` depends only on `(seed, i)`, so the corpus of 5,000 is the first 5,000 of the 20,000.
Agencies and missions come from the gazetteer with a Zipf-like skew (a few dominate, most are
rare), and invented proper names (people, places, projects) give the vocabulary the long tail
of a real archive, so that "rare word" queries exist at every size.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import html
import itertools
import json
import random
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.reading.dates import MONTHS
from indexer.reading.gazetteer import AGENCY, MISSION, Gazetteer
from indexer.reading.readers import read_document

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
MANIFEST = ".bench-corpus.json"  # hidden: the corpus scan ignores it
VERSION = 1  # bump when the generated text changes, so stale corpora are rebuilt
FIRST_YEAR, LAST_YEAR = 1990, 2026
MEAN_CHARS, SPREAD_CHARS = 3050, 700  # bodies; with head and contacts a file is ~3.7 KB
LEXICON_SIZE = 40_000

_SENTENCE_END = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀ-Ý«\"])")
_SYLLABLES = [c + v for c in "bcdfgjklmnprstvz" for v in ("a", "e", "i", "o", "u", "ou", "an")]
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_CITIES = ("Paris", "Toulouse", "Kourou", "Le Bourget", "Bruxelles", "Noordwijk")
# Sentences that bring the long tail: {P} an invented proper name, {A} an agency, {M} a mission.
_TAIL = (
    "Le projet {P} associe {A} et le laboratoire {P} de {P}.",
    "{P} {P}, responsable de la mission {M} à {P}, a présenté les premiers résultats.",
    "Les essais de qualification de l'instrument {P} se sont déroulés à {P} avec {A}.",
    "Une délégation de {A} conduite par {P} {P} a visité le centre de {P}.",
    "Les données de {M} seront exploitées par l'équipe {P} en lien avec {A}.",
)


Cast = dict[str, list[str]]


@dataclass(frozen=True)
class Sentence:
    """A seed sentence cut around its agency and mission names: `parts` between `slots`."""

    parts: tuple[str, ...]
    slots: tuple[str, ...]


@dataclass(frozen=True)
class Material:
    """What releases are made of: seed sentences, ranked entity names and invented names."""

    sentences: tuple[Sentence, ...]
    agencies: tuple[str, ...]  # in Zipf rank order: the first is the most frequent
    missions: tuple[str, ...]
    lexicon: tuple[str, ...]

    def fill(self, sentence: Sentence, rng: random.Random, cast: Cast) -> str:
        """The sentence with each entity slot given one of the release's names of its kind."""
        names = [rng.choice(cast[kind]) for kind in sentence.slots]
        return "".join(itertools.chain(*itertools.zip_longest(sentence.parts, names, fillvalue="")))

    def cast(self, rng: random.Random) -> Cast:
        """The few agencies and missions one release is about (lead agency first)."""
        return {
            kind: list(dict.fromkeys(self.draw(kind, rng) for _ in range(rng.randint(1, 3))))
            for kind in (AGENCY, MISSION)
        }

    def draw(self, kind: str, rng: random.Random) -> str:
        """A name drawn with a Zipf-like skew: an agency, a mission or an invented name."""
        names = {AGENCY: self.agencies, MISSION: self.missions}.get(kind, self.lexicon)
        return names[bisect.bisect(_zipf_cumulative(len(names)), rng.random() * _total(names))]


@lru_cache(maxsize=8)
def _zipf_cumulative(size: int, exponent: float = 1.1) -> list[float]:
    return list(itertools.accumulate(1 / rank**exponent for rank in range(1, size + 1)))


def _total(names: tuple[str, ...]) -> float:
    return _zipf_cumulative(len(names))[-1]


def load_material(seed: int) -> Material:
    """Split the seed releases into sentences and rank the gazetteer's names (seeded)."""
    gazetteer = Gazetteer.load()
    sentences = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in read_document(path).text.splitlines():
            line = line.strip()
            if len(line) < 100 or line.isupper() or line[-1] not in '.!?»"':
                continue  # heads, headlines and contact lines are not prose
            sentences += [_cut(s, gazetteer) for s in _SENTENCE_END.split(line) if len(s) >= 40]
    rng = random.Random(f"material:{seed}")
    missions = [e.name for e in gazetteer.entities(MISSION)]
    rng.shuffle(missions)
    return Material(
        sentences=tuple(sentences),
        agencies=tuple(e.name for e in gazetteer.entities(AGENCY)),  # CNES first: a French archive
        missions=tuple(missions),
        lexicon=_lexicon(rng),
    )


def _cut(sentence: str, gazetteer: Gazetteer) -> Sentence:
    parts, slots, last = [], [], 0
    for mention in gazetteer.find(sentence):
        parts.append(sentence[last : mention.start])
        slots.append(mention.entity.kind)
        last = mention.end
    parts.append(sentence[last:])
    return Sentence(tuple(parts), tuple(slots))


def _lexicon(rng: random.Random) -> tuple[str, ...]:
    words: dict[str, None] = {}
    while len(words) < LEXICON_SIZE:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        words[word.capitalize()] = None
    return tuple(words)


@dataclass(frozen=True)
class Draft:
    """One generated release: where it goes and its bytes."""

    path: str
    text: str


def make_release(material: Material, seed: int, number: int, suffix: str | None = None) -> Draft:
    """Release `number` of the corpus of `seed`: the same whatever the corpus size.

    `suffix` forces the format (".txt", ".md" or ".html") instead of drawing it.
    """
    rng = random.Random(f"release:{seed}:{number}")
    date = None if rng.random() < 0.03 else _random_date(rng)
    year = date.year if date else rng.randint(FIRST_YEAR, LAST_YEAR)
    release = _release_number(rng, year) if rng.random() < 0.85 else None
    cast = material.cast(rng)
    lead = cast[AGENCY][0]
    headline = f"{lead} : {_headline(material, rng, cast)}"
    paragraphs = _body(material, rng, cast, max(1800, int(rng.gauss(MEAN_CHARS, SPREAD_CHARS))))
    contact = _contact(material, rng, lead)
    suffix = suffix or rng.choices((".txt", ".md", ".html"), weights=(70, 20, 10))[0]
    if suffix == ".md":
        text = _markdown(rng, date, release, headline, paragraphs, contact)
    elif suffix == ".html":
        text = _html(date, release, headline, paragraphs, contact, lead)
    else:
        text = _plain(rng, date, release, headline, paragraphs, contact)
    folder = f"{date.year}/" if date and rng.random() < 0.3 else ""
    return Draft(f"{folder}cp-{number:06d}{suffix}", text)


def _random_date(rng: random.Random) -> dt.date:
    first = dt.date(FIRST_YEAR, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randint(first, dt.date(LAST_YEAR, 12, 31).toordinal()))


def _french_date(rng: random.Random, date: dt.date) -> str:
    """A date as the seeds write it: "28 septembre 2020", "15 Juin 2018", "1er juin 2021"..."""
    day = "1er" if date.day == 1 else str(date.day)
    month = MONTHS[date.month - 1]
    form = rng.choices(range(5), weights=(45, 15, 20, 10, 10))[0]
    if form == 1:
        return f"{day} {month.capitalize()} {date.year}"
    if form == 2:
        return f"{rng.choice(_CITIES)}, le {day} {month} {date.year}"
    if form == 3:
        return f"{_WEEKDAYS[date.weekday()].capitalize()} {day} {month} {date.year}"
    if form == 4:
        return f"{date.day:02d}/{date.month:02d}/{date.year}"
    return f"{day} {month} {date.year}"


def _release_number(rng: random.Random, year: int) -> str:
    number = rng.randint(1, 180)
    return f"CP {number:03d}-{year}" if rng.random() < 0.1 else f"CP{number:03d}-{year}"


def _headline(material: Material, rng: random.Random, cast: Cast) -> str:
    words = material.fill(rng.choice(material.sentences), rng, cast).split()
    start = rng.randint(0, max(0, len(words) - 8))
    text = " ".join(words[start : start + rng.randint(6, 12)]).strip(" ,;:.«»")
    return text[:1].upper() + text[1:]


def _body(material: Material, rng: random.Random, cast: Cast, chars: int) -> list[str]:
    paragraphs: list[str] = []
    size = 0
    while size < chars:
        sentences = [material.fill(rng.choice(material.sentences), rng, cast) for _ in range(3)]
        if rng.random() < 0.6:
            template = rng.choice(_TAIL)
            sentences.insert(rng.randint(0, 3), _fill_tail(material, rng, cast, template))
        paragraph = " ".join(sentences[: rng.randint(2, 4)])
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return paragraphs


def _fill_tail(material: Material, rng: random.Random, cast: Cast, template: str) -> str:
    def name(match: re.Match[str]) -> str:
        kind = {"{A}": AGENCY, "{M}": MISSION}.get(match.group())
        return rng.choice(cast[kind]) if kind else material.draw("", rng)

    return re.sub(r"\{[PAM]\}", name, template)


def _contact(material: Material, rng: random.Random, agency: str) -> list[str]:
    first, last = material.draw("", rng), material.draw("", rng)
    domain = re.sub(r"[^a-z]", "", agency.lower()) or "presse"
    return [
        f"{first} {last} Attachée de presse",
        f"Tél. 01 44 76 {rng.randint(10, 99)} {rng.randint(10, 99)}",
        f"{first.lower()}.{last.lower()}@{domain}.fr",
    ]


def _plain(
    rng: random.Random,
    date: dt.date | None,
    release: str | None,
    headline: str,
    paragraphs: list[str],
    contact: list[str],
) -> str:
    head = [_french_date(rng, date)] if date else []
    if rng.random() < 0.5:
        head.insert(rng.randint(0, len(head)), rng.choice(("COMMUNIQUÉ DE PRESSE", "Communiqué")))
    head += [release] if release else []
    head.append(headline.upper() if rng.random() < 0.2 else headline)
    blocks = [*head, *paragraphs, "CONTACTS", "\n".join(contact)]
    return "\n" * rng.randint(0, 3) + "\n\n".join(blocks) + "\n"


def _markdown(
    rng: random.Random,
    date: dt.date | None,
    release: str | None,
    headline: str,
    paragraphs: list[str],
    contact: list[str],
) -> str:
    front = ""
    if rng.random() < 0.5:
        fields = {"title": headline, "date": date.isoformat() if date else None}
        front = "---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in fields.items() if v)
        front += "---\n\n"
    head = ["# Communiqué de Presse"]
    head += [_french_date(rng, date)] if date else []
    head += [release] if release else []
    contacts = "  \n".join(contact)
    blocks = [*head, f"## {headline}", *paragraphs, "### CONTACTS", contacts]
    return front + "\n\n".join(blocks) + "\n"


def _html(
    date: dt.date | None,
    release: str | None,
    headline: str,
    paragraphs: list[str],
    contact: list[str],
    agency: str,
) -> str:
    head = [date.strftime("%d/%m/%Y")] if date else []
    head += [release] if release else []
    e = html.escape
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{e(headline)} | Presse</title></head>\n<body>"
        "<nav><a href='/'>Accueil</a> · <a href='/presse'>Presse</a></nav>\n<main><article>"
        "<header>"
        + "".join(f"<p>{e(line)}</p>" for line in head)
        + f"<h1>{e(headline)}</h1></header>\n"
        + "\n".join(f"<p>{e(p)}</p>" for p in paragraphs)
        + "\n<h3>Contacts</h3><p>"
        + "<br>".join(e(line) for line in contact)
        + f"</p></article></main>\n<footer>© {e(agency)}</footer></body></html>\n"
    )


def generate(directory: Path, size: int, seed: int) -> Path:
    """Write the corpus of `size` releases into `directory`, reusing a complete earlier one."""
    manifest = directory / MANIFEST
    wanted = {"version": VERSION, "size": size, "seed": seed}
    if manifest.is_file():
        recorded = json.loads(manifest.read_text("utf-8"))
        releases = sum(1 for _ in directory.rglob("cp-*"))  # a run stopped midway leaves extras
        if {key: recorded.get(key) for key in wanted} == wanted and releases == size:
            return directory
    shutil.rmtree(directory, ignore_errors=True)
    material = load_material(seed)
    digest = hashlib.sha256()
    for number in range(size):
        draft = make_release(material, seed, number)
        path = directory / draft.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(draft.text, "utf-8")
        digest.update(f"{draft.path}\0{draft.text}\0".encode())
    manifest.write_text(json.dumps({**wanted, "sha256": digest.hexdigest()}), "utf-8")
    return directory


def corpus_digest(directory: Path) -> str:
    """The digest recorded when the corpus was generated (same seed and size: same digest)."""
    return json.loads((directory / MANIFEST).read_text("utf-8"))["sha256"]
