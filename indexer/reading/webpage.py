"""What a saved web page keeps of its text, and its headline without the site's name.

Main text: our HTML extractor (`readers`) keeps every line of `<main>`/`<article>` (else
`<body>`), including the chrome sites put there: breadcrumbs, share buttons, image captions and
credits, tag lists, related links, cookie banners. trafilatura, made and benchmarked for main
content extraction, recognises that chrome, but it drops the date lines of a release's head
and is about ten times slower. So both run: a line of ours is kept when trafilatura kept it
too; before the first such line that is not the headline (the release's head) only the
headline and short lines holding a number (date lines, release numbers) are kept; when
trafilatura finds no text, ours is kept whole. Measured with `python -m bench.readers` on
`bench/web_pages.py`.

Headline: an `og:title` or `<title>` carries the site's name ("Titre | CNES", "CNES - Titre");
`without_site_name` removes it. It is the one rule for site names in titles: metadata uses it
too, for any release's headline, with the gazetteer's agencies as the names it knows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from indexer.analysis.normalize import fold

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # it logs each page it gives up on

# Between a title and a site's name: a dash, bullet, guillemet or "::" between spaces, or a bar
# with or without them; never ":", as in "SWOT : premières images".
_SEPARATOR = re.compile(r"[^\S\n]+(?:[|–—•·»-]|::)[^\S\n]+|[^\S\n]*[|][^\S\n]*")
SITE_NAME_WORDS = 8  # a longer last segment of a <title> is part of the headline
SITE_PREFIX_WORDS = 3  # a longer first segment of a <title> is part of the headline
SHORT_LINE_WORDS = 4  # a shorter line must be a whole line of trafilatura's text to be kept
_BULLET = re.compile(r"^\s*[-*•]\s+")
_SPACE = re.compile(r"\s+")
# trafilatura takes about 2 s per MB of HTML: a larger page keeps our extraction whole.
MAX_GUIDED_CHARS = 3 * 2**20
HEAD_LINE_WORDS = 12  # a longer line with a number is a sentence, not a date or number line


def main_text(text: str, html: str, headline: str | None) -> str:
    """The lines of `text` (our extraction of `html`) that are the release, not the site."""
    if len(html) > MAX_GUIDED_CHARS:
        return text
    import trafilatura  # here: its import is a tenth of a second every command would pay

    try:
        # fast: without trafilatura's own fallbacks (1.5 times faster): ours is the fallback.
        found = trafilatura.extract(html, include_comments=False, include_tables=True, fast=True)
    except Exception:  # a page trafilatura cannot parse keeps our extraction
        found = None
    if not found:
        return text
    kept_lines = {_squeeze(_BULLET.sub("", line)) for line in found.splitlines()}
    # Without spaces: trafilatura breaks lines around inline tags ("Le\nCNES\net la").
    kept_text = _SPACE.sub("", found)
    lines = text.split("\n")
    keep = [_is_kept(_squeeze(line), kept_lines, kept_text) for line in lines]
    if not any(keep):
        return text
    wanted = _squeeze(headline or "")
    # The head ends at the first line trafilatura kept that is not the headline.
    body = (
        next(i for i, line in enumerate(lines) if keep[i] and _squeeze(line) != wanted)
        if any(keep[i] and _squeeze(line) != wanted for i, line in enumerate(lines))
        else len(lines)
    )
    last = len(keep) - 1 - keep[::-1].index(True)
    for index in range(body):
        line = _squeeze(lines[index])
        keep[index] = line == wanted or _is_number_line(line)
    kept = [line for i, line in enumerate(lines[: last + 1]) if keep[i] or not line.strip()]
    return "\n".join(kept)


def without_site_name(
    title: str,
    site_name: str | None = None,
    headings: Iterable[str] = (),
    is_site_name: Callable[[str], bool] | None = None,
) -> str:
    """A title without the site's name at its start or end: the one rule, for the `<title>`
    and `og:title` of a saved page (`readers`) and for any release's headline
    (`indexer.reading.metadata`, which knows the gazetteer's agencies).

    First, segments at either end that are known to be a site's name are removed (from the
    end, then from the start; one segment always stays): the page's declared `og:site_name`,
    or a segment `is_site_name` recognises. A headline stops there. A page title, when no
    known name was found, may still end or start with one: what is left when one end is
    removed and equals one of the page's `headings` is the headline. Otherwise sites put
    their name last ("Titre | CNES", "Titre | Ministère de …"), or first when it is short
    ("CNES - Titre"): a first segment of at most SITE_PREFIX_WORDS words, shorter than the
    last one, is removed, else a last one of at most SITE_NAME_WORDS words.
    """
    separators = list(_SEPARATOR.finditer(title))
    if not separators:
        return title
    site = fold(site_name) if site_name else None

    def known(part: str) -> bool:
        return fold(part) == site or (is_site_name is not None and is_site_name(part))

    starts = [0, *(separator.end() for separator in separators)]
    ends = [*(separator.start() for separator in separators), len(title)]
    first, last = 0, len(separators)
    while first < last and known(title[starts[last] : ends[last]]):
        last -= 1
    while first < last and known(title[starts[first] : ends[first]]):
        first += 1
    if (first, last) != (0, len(separators)):
        return title[starts[first] : ends[last]]
    if is_site_name is not None:
        return title
    return _without_guessed_site_name(title, separators, headings)


def _without_guessed_site_name(
    title: str, separators: list[re.Match[str]], headings: Iterable[str]
) -> str:
    first, last = title[: separators[0].start()], title[separators[-1].end() :]
    without_first, without_last = title[separators[0].end() :], title[: separators[-1].start()]
    folded_headings = {fold(heading) for heading in headings}
    for rest in (without_first, without_last):
        if fold(rest) in folded_headings:
            return rest
    if len(first.split()) <= SITE_PREFIX_WORDS and len(first) < len(last):
        return without_first
    if len(last.split()) <= SITE_NAME_WORDS:
        return without_last
    return title


def _is_number_line(line: str) -> bool:
    """A short line with a number: a date line ("Publié le 02 juillet 2024", "Published on
    21 January 2016") or a release number ("Communiqué n° 045")."""
    return len(line.split()) <= HEAD_LINE_WORDS and any(c.isdigit() for c in line)


def _squeeze(line: str) -> str:
    return " ".join(line.split())


def _is_kept(line: str, kept_lines: set[str], kept_text: str) -> bool:
    if not line:
        return False
    if line in kept_lines:
        return True
    return len(line.split()) >= SHORT_LINE_WORDS and _SPACE.sub("", line) in kept_text
