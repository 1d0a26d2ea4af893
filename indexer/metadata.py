"""Metadata of a release: date, number, title, agencies and missions.

Front matter, when a file has it, is what its author declared and wins; everything else is read
from the text. The date and the release number are looked for in the head of the release only
(the dateline zone), never in the body, where dates are those of past and future events.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

from indexer.dates import MONTHS
from indexer.embargo import find_embargo, is_embargo_line
from indexer.gazetteer import AGENCY, MISSION, Gazetteer, Mention
from indexer.normalize import fold, fold_with_offsets, normalize_apostrophes
from indexer.release import Document, Release

HEAD_LINES = 10  # the head of a release: its first non-empty lines...
HEAD_CHARS = 600  # ...and at most this many characters of them
TITLE_MAX = 200  # a longer first line is a paragraph, not a headline
TITLE_CUT = 120  # where a paragraph standing in for a title is cut

_ABBREVIATIONS = {"janv": 1, "fevr": 2, "fev": 2, "avr": 4, "juil": 7, "sept": 9, "sep": 9}
_ABBREVIATIONS |= {"oct": 10, "nov": 11, "dec": 12}
_MONTHS = {fold(name): number for number, name in enumerate(MONTHS, 1)} | _ABBREVIATIONS
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
# Matched on folded text: "1er Juin 2021", "3 févr. 2021", "12/03/2024" (day first), "2023-04-14".
_DATE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})(?:er)?[^\S\n]+(?P<month>{_MONTH})\.?[^\S\n]+(?P<year>{_YEAR})(?!\d)"
    rf"|(?<![\d/.-])(?P<nday>\d{{1,2}})(?P<sep>[/.-])(?P<nmonth>\d{{1,2}})(?P=sep)(?P<nyear>{_YEAR})"
    rf"(?![\d/.-])"
    rf"|(?<![\d-])(?P<iyear>{_YEAR})-(?P<imonth>\d\d)-(?P<iday>\d\d)(?![\d-])"
)
# "CP111-2020", "CP 028-2018", "CP n°12-2021", "cp 12/2021".
_RELEASE = re.compile(
    r"(?<!\w)CP[^\S\n]*(?:n[°º]|no\.?)?[^\S\n]*(\d{1,4})[^\S\n]*[-‐‑–/][^\S\n]*((?:19|20)\d\d)(?!\d)",
    re.IGNORECASE,
)
# What may surround a date on a dateline: "Paris, le lundi 16 décembre 2022", "Le Bourget, 5 juin".
_DATELINE = re.compile(
    r"(?:[A-ZÀ-Ý][\w'’-]*(?:[ -][A-ZÀ-Ý][\w'’-]*)?[^\S\n]*,)?[^\S\n]*(?i:le\b)?[^\S\n]*"
    r"(?i:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b)?[\s.,:;|()–—-]*"
)
_LABELS = frozenset({
    "communique", "communique de presse", "communique de presse commun", "communique commun",
    "information presse", "informations presse", "dossier de presse", "press release",
    "note aux redactions", "invitation presse", "avis aux medias",
})  # fmt: skip
# A line such as "CONTACTS", "### Contact presse :", "Relations presse", "Contacts médias".
_CONTACT_HEADING = re.compile(
    r"^[#*_ \t]*(?:contacts?|relations?)(?:[^\S\n]+(?:presse|m[ée]dias?))?[*_ \t]*(?::.*)?$",
    re.IGNORECASE | re.MULTILINE,
)
_TLD = r"\.(?:fr|com|org|net|int|eu|gov|edu|io|de|it|es|uk|be|ch)(?![\w-])"
_LINK_HINT = re.compile(rf"@|://|www\.|{_TLD}")  # cheap test before the costly `_LINKS`
_LINKS = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail
    r"|(?:https?://|www\.)[^\s<>()\[\]]+"  # URL
    rf"|(?<![\w.@-])[\w-]+(?:\.[\w-]+)*{_TLD}"  # bare domain such as presse.cnes.fr
)
# A proper name introduced by a cue word: "la mission Ulysse", "le satellite Ulysse-2".
_CUE = re.compile(
    r"(?<!\w)(?:[Mm]ission|[Ss]atellite|[Ss]onde|[Ii]nstrument|[Tt][ée]l[ée]scope|[Rr]over"
    r"|[Aa]tterrisseur)[^\S\n]+(?P<name>\w(?:[\w'’-]*\w)?)(?:[^\S\n]+\d+(?![\w'’-]))?"
)
_NOT_NAMES = frozenset({
    "a", "au", "aux", "ce", "ces", "cet", "cette", "d", "dans", "de", "des", "du", "en", "et", "l",
    "la", "le", "les", "leur", "leurs", "ou", "par", "pour", "qui", "sa", "se", "ses", "son", "sur",
    "un", "une",
})  # fmt: skip


def extract_release(doc_id: str, source: str, document: Document, gazetteer: Gazetteer) -> Release:
    """Build the Release: front matter values (title, date, release, agencies, missions) win over
    extraction; everything else is extracted from document.text (and document.title for HTML)."""
    meta, text = document.front_matter, document.text
    agencies = _declared_names(meta.get("agencies"), AGENCY, gazetteer)
    missions = _declared_names(meta.get("missions"), MISSION, gazetteer)
    if agencies is None or missions is None:
        found_agencies, found_missions = find_entities(text, gazetteer)
        agencies = found_agencies if agencies is None else agencies
        missions = found_missions if missions is None else missions
    return Release(
        id=doc_id,
        source=source,
        title=_clean(_scalar(meta.get("title"))) or find_title(text, document.title),
        text=text,
        date=_declared_date(meta.get("date")) or find_date(text) or document.date,
        release=_declared_release(meta.get("release")) or find_release_number(text),
        agencies=tuple(agencies),
        missions=tuple(missions),
        embargo=find_embargo(text, meta),
    )


def find_date(text: str) -> dt.date | None:
    """The release's own date: the first valid date in its head, not one from the body."""
    return next((date for _, date in _dates(fold(_head(text)))), None)


def find_release_number(text: str) -> str | None:
    """The release number written in the head, normalised as "CP028-2018"."""
    match = _RELEASE.search(_head(text))
    return f"CP{match[1]}-{match[2]}" if match else None


def find_title(text: str, declared: str | None = None) -> str:
    """The headline: the declared one, else the first head line that is not a label or dateline."""
    title = _clean(declared or "")
    if title and not _is_heading_noise(title):
        return title
    lines = [_clean(line) for line in _head_lines(text)]
    for line in lines:
        if not _is_heading_noise(line):
            return line if len(line) <= TITLE_MAX else _shorten(line)
    return _shorten(lines[0]) if lines else ""


def find_entities(text: str, gazetteer: Gazetteer) -> tuple[list[str], list[str]]:
    """Agencies and missions named in the release, canonical, in order of first mention.

    The closing contact block, e-mail addresses and URLs are left out: "presse@cnes.fr" does not
    make a release about CNES.
    """
    body = _without_links(_without_contacts(text))
    mentions = gazetteer.find(body)
    found = [(m.start, m.entity.kind, m.entity.name) for m in mentions]
    found += [(start, MISSION, name) for start, name in _cued_names(body, mentions, gazetteer)]
    found.sort(key=lambda item: item[0])
    agencies = _unique(name for _, kind, name in found if kind == AGENCY)
    missions = _unique(name for _, kind, name in found if kind == MISSION)
    return agencies, missions


def _head_lines(text: str) -> list[str]:
    """The first non-empty lines, where a release puts its dateline, number and headline.

    An embargo line is none of them ("Sous embargo jusqu'au 14 avril 2031": not the date).
    """
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() and not is_embargo_line(line):
            lines.append(line.strip())
            if len(lines) == HEAD_LINES:
                break
    return lines


def _head(text: str) -> str:
    """The dateline zone: the head lines, cut at HEAD_CHARS characters."""
    return "\n".join(_head_lines(text))[:HEAD_CHARS]


def _dates(folded: str) -> Iterator[tuple[re.Match[str], dt.date]]:
    """Every valid date written in a folded text, in order."""
    for match in _DATE.finditer(folded):
        date = _to_date(match)
        if date is not None:
            yield match, date


def _to_date(match: re.Match[str]) -> dt.date | None:
    """The date a `_DATE` match spells, or None for an impossible one such as 31 February."""
    if match["month"]:
        year, month, day = match["year"], _MONTHS[match["month"]], match["day"]
    elif match["nmonth"]:
        year, month, day = match["nyear"], match["nmonth"], match["nday"]
    else:
        year, month, day = match["iyear"], match["imonth"], match["iday"]
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _clean(line: str) -> str:
    """A line as a title: Markdown heading and emphasis marks removed, whitespace collapsed."""
    line = re.sub(r"^\s*#{1,6}\s+|\s+#+\s*$", "", line)
    return " ".join(line.strip("*_ \t").split())


def _is_heading_noise(line: str) -> bool:
    """True for head lines that are not the headline: labels, dates, datelines, release numbers."""
    residue = _RELEASE.sub(" ", line)
    folded, offsets = fold_with_offsets(residue)
    found = next(_dates(folded), None)
    if found is not None:
        offsets = offsets or range(len(residue) + 1)
        start, end = offsets[found[0].start()], offsets[found[0].end() - 1] + 1
        residue = residue[:start] + " " + residue[end:]
    return (
        " ".join(re.sub(r"[^\w']+", " ", fold(residue)).split()) in _LABELS
        or _DATELINE.fullmatch(residue.strip()) is not None
        or _CONTACT_HEADING.fullmatch(residue) is not None
    )


def _shorten(line: str) -> str:
    """A long line cut at a word boundary near TITLE_CUT characters."""
    if len(line) <= TITLE_CUT:
        return line
    cut = line.rfind(" ", 0, TITLE_CUT + 1)
    return line[: cut if cut > 0 else TITLE_CUT].rstrip(" ,;:–—-") + "…"


def _without_contacts(text: str) -> str:
    """The text before its closing contact block (a contact heading in the second half)."""
    heading = _CONTACT_HEADING.search(text, len(text) // 2)
    return text[: heading.start()] if heading else text


def _without_links(text: str) -> str:
    """The text with its e-mail addresses and URLs blanked out, offsets unchanged."""
    if _LINK_HINT.search(text) is None:
        return text
    return _LINKS.sub(lambda match: " " * len(match.group()), text)


def _cued_names(
    text: str, mentions: list[Mention], gazetteer: Gazetteer
) -> Iterator[tuple[int, str]]:
    """Proper names after a cue word ("la mission Ulysse") that the gazetteer did not find."""
    starts = [m.start for m in mentions]  # mentions are in order and never overlap
    for match in _CUE.finditer(text):
        start, end = match.start("name"), match.end()
        if _is_proper_name(match["name"]) and not _overlaps(mentions, starts, start, end):
            name = normalize_apostrophes(" ".join(text[start:end].split()))
            entity = gazetteer.lookup(MISSION, name)
            yield start, entity.name if entity else name


def _overlaps(mentions: list[Mention], starts: list[int], start: int, end: int) -> bool:
    """Whether a mention overlaps [start, end): only the one starting last before `end` can."""
    index = bisect.bisect_left(starts, end) - 1
    return index >= 0 and mentions[index].end > start


def _is_proper_name(word: str) -> bool:
    """True for "Ulysse", "DORN", "Trishna-2"; False for "satellitaire", "Le", "d'Artemis"."""
    if fold(word) in _NOT_NAMES or (word[0].islower() and re.match(r"\w['’]", word)):
        return False
    return any(c.isalpha() for c in word) and (
        word[0].isupper() or any(c.isupper() or c.isdigit() for c in word)
    )


def _unique(names: Iterable[str]) -> list[str]:
    """Names without repeats (compared folded), in order of first appearance."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(fold(name), name)
    return list(seen.values())


def _scalar(value: Any) -> str:
    """A front matter scalar as text ("" for anything else: lists, mappings, None)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return str(value)


def _declared_date(value: Any) -> dt.date | None:
    """A front matter date: a YAML date or datetime, or a string in any accepted form."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return next((date for _, date in _dates(fold(_scalar(value)))), None)


def _declared_release(value: Any) -> str | None:
    """A front matter release number, normalised when it has the usual form."""
    text = _scalar(value).strip()
    match = _RELEASE.search(text)
    return f"CP{match[1]}-{match[2]}" if match else text or None


def _declared_names(value: Any, kind: str, gazetteer: Gazetteer) -> list[str] | None:
    """Front matter agencies or missions (a list or a comma-separated string), canonical when
    known; None when the front matter gives none, so that they are extracted instead."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        return None
    names = [" ".join(_scalar(item).split()) for item in items]
    resolved = [_canonical(name, kind, gazetteer) for name in names if name]
    return _unique(resolved) or None


def _canonical(name: str, kind: str, gazetteer: Gazetteer) -> str:
    """The canonical name of a known entity, else the name as given."""
    entity = gazetteer.lookup(kind, name)
    return entity.name if entity else name
