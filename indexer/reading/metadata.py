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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from indexer.analysis.normalize import fold, fold_with_offsets, normalize_apostrophes
from indexer.reading.chrome import is_breadcrumb, is_chrome, is_head_chrome
from indexer.reading.dates import WEEKDAY_PATTERN as _WEEKDAYS
from indexer.reading.dates import dates_in
from indexer.reading.embargo import find_embargo, is_embargo_line
from indexer.reading.gazetteer import AGENCY, MISSION, Gazetteer, Mention
from indexer.reading.numbering import find_number, without_number
from indexer.reading.webpage import without_site_name
from indexer.release import Document, Release

HEAD_LINES = 10  # the head of a release: its first non-empty lines that are not chrome...
HEAD_CHARS = 600  # ...and at most this many characters of them
HEAD_SCAN = 60  # lines looked at for the head, chrome included: a page's menus end before that
SITE_NAME_MAX = 120  # "ESA - European Space Agency"; a longer line is not a site's name
BANNER_LINES = 3  # lines above a page's breadcrumbs that are its banner (site, ministry, menus)
TITLE_MAX = 200  # a longer first line is a paragraph, not a headline
TITLE_CUT = 120  # where a paragraph standing in for a title is cut

# What may surround a date on a dateline: "Paris, le lundi 16 décembre 2022", "Le Bourget, 5 juin".
_DATELINE = re.compile(
    r"(?:[A-ZÀ-Ý][\w'’-]*(?:[ -][A-ZÀ-Ý][\w'’-]*)?[^\S\n]*,)?[^\S\n]*(?i:le\b)?[^\S\n]*"
    rf"(?i:(?:{_WEEKDAYS})\b)?[\s.,:;|()–—-]*"
)
# Labels that say which date a date is (matched on folded text, just before the date).
_PUBLISHED = re.compile(
    r"(?:date de publication|publiee?s?|published|posted|mise? en ligne|diffusee?|publication)"
    rf"(?:[^\S\n]+(?:le|on|the|du))?[\s:,]*(?:(?:{_WEEKDAYS})[\s,]*)?(?:le[^\S\n]+)?"
)
_UPDATED = re.compile(
    r"(?:last[^\S\n]+)?(?:updated?|mise?[^\S\n]+a[^\S\n]+jour|modifiee?|actualisee?"
    r"|derniere[^\S\n]+(?:mise[^\S\n]+a[^\S\n]+jour|modification)|modification)"
)
_TIME = re.compile(
    r"(?i:\b(?:à|a|at)[^\S\n]+)?(?<!\d)\d{1,2}[^\S\n]*[h:][^\S\n]*\d{0,2}(?!\d)"
    r"(?i:[^\S\n]*(?:CET|CEST|UTC|GMT|heure de Paris))?"
)
# Date labels as they appear in a line, accents or not: what remains of "Publié le 3 mai 2021".
_DATE_LABELS = re.compile(
    r"(?:date[^\S\n]+de[^\S\n]+publication|publi[ée]e?s?|published|posted|mise?[^\S\n]+en"
    r"[^\S\n]+ligne|diffus[ée]e?|(?:last[^\S\n]+)?updated?|mise?[^\S\n]+[àa][^\S\n]+jour"
    r"|modifi[ée]e?)(?:[^\S\n]+(?:le|on))?(?![\w])",
    re.IGNORECASE,
)
# What separates a page title from the site's name: "Lancement de SWOT | CNES".
_DIGIT = re.compile(r"\d")
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")
_LABELS = frozenset({
    "communique", "communique de presse", "communique de presse commun", "communique commun",
    "information presse", "informations presse", "dossier de presse", "press release",
    "note aux redactions", "invitation presse", "avis aux medias", "news release",
    "communique de presse conjoint", "joint press release",
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


@dataclass(frozen=True)
class _Line:
    """A non-empty line of the head: stripped, where it is in the text, and whether it is chrome."""

    text: str
    number: int  # its index among the text's lines
    chrome: bool


def extract_release(doc_id: str, source: str, document: Document, gazetteer: Gazetteer) -> Release:
    """Build the Release: front matter values (title, date, release, agencies, missions) win over
    extraction; everything else is extracted from document.text (and document.title for HTML).

    The release's text is the document's without its header lines (label, dateline, number,
    headline), which it shows as metadata, and without site chrome, which is no part of it.
    """
    meta = document.front_matter
    lines = document.text.split("\n")
    head = _read_head(lines, gazetteer)
    declared_title = _clean(_scalar(meta.get("title")))
    title, title_line = _title(head, declared_title or document.title, gazetteer)
    header, text = _split(lines, head, title_line)
    agencies = _declared_names(meta.get("agencies"), AGENCY, gazetteer)
    missions = _declared_names(meta.get("missions"), MISSION, gazetteer)
    if agencies is None or missions is None:
        found_agencies, found_missions = find_entities("\n".join([*header, "", text]), gazetteer)
        agencies = found_agencies if agencies is None else agencies
        missions = found_missions if missions is None else missions
    return Release(
        id=doc_id,
        source=source,
        title=declared_title or title,
        text=text,
        date=_declared_date(meta.get("date")) or _head_date(head) or document.date,
        release=_declared_release(meta.get("release")) or _head_number(head),
        agencies=tuple(agencies),
        missions=tuple(missions),
        header=tuple(header),
        embargo=find_embargo(document.text, meta),
    )


def find_date(text: str) -> dt.date | None:
    """The release's own date, read in its head: a "Publié le / Published on" date first, then
    a dateline, then a date opening a sentence, then one inside a sentence, then "mis à jour /
    Last updated"; the first of the best kind. Never a date from the body."""
    return _head_date(_read_head(text.split("\n")))


def find_release_number(text: str) -> str | None:
    """The release number written in the head, normalised (see `indexer.reading.numbering`)."""
    return _head_number(_read_head(text.split("\n")))


def find_title(text: str, declared: str | None = None, gazetteer: Gazetteer | None = None) -> str:
    """The headline: the declared one, else the first head line that is not a label, a date or
    dateline, a number, a caption or other site chrome; without its number or site name."""
    return _title(_read_head(text.split("\n"), gazetteer), declared, gazetteer)[0]


def find_entities(text: str, gazetteer: Gazetteer) -> tuple[list[str], list[str]]:
    """Agencies and missions named in the release, canonical, in order of first mention; a
    numbered member of a family ("Sentinel-2A") names its family ("Sentinel-2") right after it.

    The closing contact block, e-mail addresses and URLs are left out: "presse@cnes.fr" does not
    make a release about CNES.
    """
    body = _without_links(_without_contacts(text))
    mentions = gazetteer.find(body)
    found = [(m.start, m.entity.kind, m.entity.name) for m in mentions]
    found += [(m.start, m.entity.kind, m.entity.family) for m in mentions if m.entity.family]
    found += [(start, MISSION, name) for start, name in _cued_names(body, mentions, gazetteer)]
    found.sort(key=lambda item: item[0])
    agencies = _unique(name for _, kind, name in found if kind == AGENCY)
    missions = _unique(name for _, kind, name in found if kind == MISSION)
    return agencies, missions


def _read_head(lines: list[str], gazetteer: Gazetteer | None = None) -> list[_Line]:
    """The head: its first HEAD_LINES non-empty lines that are not chrome, and the chrome
    lines among and before them (a saved page's menus, breadcrumbs, captions; before the
    headline, also tag bullets, the site's name, and whatever stands above a breadcrumb)."""
    head: list[_Line] = []
    kept = seen = 0
    before_headline = True  # tag bullets and the site's name come before it; after, a list
    for number, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        seen += 1
        if seen > HEAD_SCAN or kept == HEAD_LINES:
            break
        chrome = is_chrome(line) or (
            before_headline and (is_head_chrome(line) or _is_site_name(line, gazetteer))
        )
        if kept <= BANNER_LINES and is_breadcrumb(line):  # what stands above it is the banner
            head = [_Line(earlier.text, earlier.number, True) for earlier in head]
            kept, before_headline = 0, True
        head.append(_Line(line, number, chrome))
        kept += not chrome
        before_headline = before_headline and (chrome or _is_heading_noise(line))
    return head


def _zone(head: list[_Line]) -> Iterator[tuple[_Line, str]]:
    """Head lines with the part of each that the dateline zone holds (HEAD_CHARS characters of
    lines that are not chrome; chrome lines whole)."""
    budget = HEAD_CHARS
    for line in head:
        if line.chrome:
            yield line, line.text
        elif budget > 0:
            yield line, line.text[:budget]
            budget -= len(line.text) + 1


def _head_date(head: list[_Line]) -> dt.date | None:
    best: tuple[int, dt.date] | None = None
    for line, part in _zone(head):
        for rank, date in _ranked_dates(line, part):
            if best is None or rank < best[0]:
                best = (rank, date)
    return best[1] if best else None


def _ranked_dates(line: _Line, part: str) -> Iterator[tuple[int, dt.date]]:
    """The dates of a head line, each with its rank: 0 published, 1 a dateline, 2 opening a
    sentence, 3 inside one, 4 an update or a caption."""
    if _DIGIT.search(part) is None or is_embargo_line(line.text):  # no date, or not its own
        return
    folded, offsets = fold_with_offsets(part)
    noise = not line.chrome and _is_heading_noise(line.text)
    previous = 0
    for match, date in dates_in(folded):
        before = folded[previous : match.start()].strip(" \t|,;:–—-(")
        if _PUBLISHED.fullmatch(before):
            rank = 0
        elif line.chrome or _UPDATED.search(before):
            rank = 4
        elif noise:
            rank = 1
        else:
            start = offsets[match.start()] if offsets else match.start()
            rank = 2 if previous == 0 and _DATELINE.fullmatch(part[:start]) else 3
        previous = match.end()
        yield rank, date


def _head_number(head: list[_Line]) -> str | None:
    zone = "\n".join(part for line, part in _zone(head) if not line.chrome)
    return find_number(zone)


def _title(
    head: list[_Line], declared: str | None, gazetteer: Gazetteer | None
) -> tuple[str, int | None]:
    """The headline, and the number of the line it was read from when it is that whole line."""
    candidates = [line for line in head if not line.chrome]
    title = _without_site_name(_clean(declared or ""), gazetteer)
    if title and not _is_heading_noise(title) and not is_chrome(title):
        same = (line for line in candidates if fold(_headline(line.text, gazetteer)) == fold(title))
        return title, next((line.number for line in same), None)
    for line in candidates:
        if not _is_heading_noise(line.text):
            headline = _headline(line.text, gazetteer)
            if len(headline) <= TITLE_MAX:
                return headline, line.number
            return _shorten(headline), None
    return (_shorten(_clean(candidates[0].text)), None) if candidates else ("", None)


def _headline(line: str, gazetteer: Gazetteer | None) -> str:
    """A head line as a title: without markup, its release number, or the site's name."""
    return _without_site_name(_clean(without_number(_clean(line))), gazetteer)


def _split(lines: list[str], head: list[_Line], title_line: int | None) -> tuple[list[str], str]:
    """The header lines (what opens the release before its text: labels, datelines, number,
    headline), and the text: the rest, without site chrome."""
    dropped = {line.number for line in head if line.chrome}
    header: list[str] = []
    for line in head:
        if line.chrome:
            continue
        if line.number != title_line and not _is_heading_noise(line.text):
            break
        header.append(line.text)
        dropped.add(line.number)
    kept = [raw for number, raw in enumerate(lines) if number not in dropped and not is_chrome(raw)]
    return header, _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()


def _clean(line: str) -> str:
    """A line as a title: Markdown heading and emphasis marks removed, whitespace collapsed."""
    line = re.sub(r"^\s*#{1,6}\s+|\s+#+\s*$", "", line)
    return " ".join(line.strip("*_ \t").split())


@lru_cache(maxsize=4096)  # each head line is asked about by the title, date and header rules
def _is_heading_noise(line: str) -> bool:
    """True for head lines that are not the headline: labels, dates, datelines, release numbers,
    "Publié le …" lines, embargo lines."""
    if is_embargo_line(line):
        return True
    residue = _TIME.sub(" ", _without_dates(without_number(line)))
    residue = _DATE_LABELS.sub(" ", residue)
    words = " ".join(re.sub(r"[^\w']+", " ", fold(residue)).split())
    return (
        not words
        or words in _LABELS
        or _DATELINE.fullmatch(residue.strip()) is not None
        or _CONTACT_HEADING.fullmatch(residue) is not None
    )


def _without_dates(line: str) -> str:
    """The line with every date it holds blanked out."""
    folded, offsets = fold_with_offsets(line)
    pieces, cursor = [], 0
    for match, _ in dates_in(folded):
        start, end = match.span()
        if offsets is not None:
            start, end = offsets[start], offsets[end - 1] + 1
        pieces.append(line[cursor:start])
        cursor = end
    return " ".join([*pieces, line[cursor:]])


def _is_site_name(line: str, gazetteer: Gazetteer | None) -> bool:
    """True for a line that only names agencies: the site's name atop every page ("CNES",
    "ESA - European Space Agency"), not a headline."""
    if gazetteer is None or len(line) > SITE_NAME_MAX:
        return False
    mentions = [m for m in gazetteer.find(line) if m.entity.kind == AGENCY]
    if not mentions:
        return False
    rest = line
    for mention in reversed(mentions):
        rest = rest[: mention.start] + " " + rest[mention.end :]
    return re.search(r"\w", rest) is None


def _without_site_name(title: str, gazetteer: Gazetteer | None) -> str:
    """ "Lancement de SWOT | CNES" -> "Lancement de SWOT": the site's name (its agencies) or
    site chrome removed from either end of a headline, by the one rule for site names."""
    return without_site_name(
        title, is_site_name=lambda part: _is_site_name(part, gazetteer) or is_chrome(part)
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
    return next((date for _, date in dates_in(fold(_scalar(value)))), None)


def _declared_release(value: Any) -> str | None:
    """A front matter release number, normalised when it has the usual form."""
    text = _scalar(value).strip()
    return find_number(text) or text or None


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
