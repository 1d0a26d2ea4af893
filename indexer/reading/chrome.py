"""Site furniture ("chrome"): the lines a saved web page carries around a release.

Menus and section names, breadcrumbs ("Accueil > Actualités > …"), language switchers ("English
German"), share buttons, image captions and credits ("Image - …", "Vue d'artiste …", "© CNES/…"),
tag lists and "Last Updated …" lines are neither a release's headline nor its text. The shapes
live in `data/chrome.yaml`; matching is on folded lines, one line at a time, so that a release's
text does not depend on any other file of its corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from indexer.analysis.normalize import fold

CAPTION_MAX = 300  # a longer line is a paragraph (even one holding "©"), never chrome
UPDATED_MAX = 100  # "Last Updated 05 November 2024" is short; a longer line is a sentence
BULLET_WORDS = 4  # "• Espace durable": a bullet this short at the top of a page is a tag
BUTTONS_MAX = 120  # a row of share buttons or languages is short
CRUMBS_MAX = 250  # "Accueil > Actualités > <the page's title>"

_WORD_SEPARATORS = re.compile(r"[\s|/·,•]+")
_CRUMB_HINT = re.compile(r"[>›»/|]")
_CRUMB = re.compile(r"[^\S\n]+(?:>>?|›|»|/|\|)[^\S\n]+")
_URL_LINE = re.compile(r"(?:https?://|www\.)\S+")
_BULLET = re.compile(r"[•▪●◦‣·]\s*(?P<rest>.+)")
# Words a row of share buttons may hold that are not enough on their own to make one.
_SHARE_LINKS = frozenset({"sur", "on", "via", "le"})


@dataclass(frozen=True)
class _Shapes:
    sections: frozenset[str]
    languages: frozenset[str]
    share: frozenset[str]
    prefix: re.Pattern[str]


@cache
def _shapes() -> _Shapes:
    """The packaged shapes, read once per process."""
    text = resources.files("indexer").joinpath("data", "chrome.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    prefixes, starts, updated = (
        "|".join(re.escape(fold(p)) for p in sorted(data[key], key=len, reverse=True))
        for key in ("prefixes", "caption_starts", "updated")
    )
    return _Shapes(
        sections=frozenset(fold(s) for s in data["sections"]),
        languages=frozenset(fold(s) for s in data["languages"]),
        share=frozenset(fold(s) for s in data["share"]),
        prefix=re.compile(
            rf"(?:{prefixes})(?:\s*[:|-]|\s*$)|(?:{starts})"
            rf"|(?=.{{0,{UPDATED_MAX}}}$)(?:{updated})[\s:,]*(?:(?:le|on|the)\s+)?(?:\w+day\s+|\w+di\s+)?\d"
        ),
    )


def is_chrome(line: str) -> bool:
    """True for a line of site furniture, wherever it stands in the page."""
    line = line.strip().strip("*_#").strip()
    if not line or len(line) > CAPTION_MAX:  # a paragraph; most lines of a release are
        return False
    if "©" in line or _URL_LINE.fullmatch(line) is not None:
        return True
    shapes = _shapes()
    folded = " ".join(fold(line).split())
    if folded.rstrip(" :") in shapes.sections or shapes.prefix.match(folded) is not None:
        return True
    if _CRUMB_HINT.search(line) is not None and is_breadcrumb(line):
        return True
    if len(line) > BUTTONS_MAX:
        return False
    words = {word for word in _WORD_SEPARATORS.split(folded) if word}
    return bool(words) and (
        words <= shapes.languages or (words <= shapes.share and not words <= _SHARE_LINKS)
    )


def is_head_chrome(line: str) -> bool:
    """True for furniture that only the top of a page has: short tag bullets ("• Espace durable").

    In a release's body a short bullet is part of a list, so this is asked of head lines only.
    """
    bullet = _BULLET.fullmatch(line.strip())
    return bullet is not None and len(bullet["rest"].split()) <= BULLET_WORDS


def is_breadcrumb(line: str) -> bool:
    """Breadcrumbs such as "Accueil > Actualités > SWOT": separators, from a section name.

    What a page shows above its breadcrumbs is its banner (the site's or ministry's name, menus).
    """
    shapes = _shapes()
    line = line.strip()
    parts = _CRUMB.split(line)
    if len(parts) < 2 or len(line) > CRUMBS_MAX or "«" in line:  # « … » quotes are not crumbs
        return False
    first = " ".join(fold(parts[0]).split())
    return first in shapes.sections or (len(parts) >= 3 and any(c in line for c in ">›»"))
