"""Embargoes: the day and hour before which a release must not be shown to anyone.

Press offices write them in the front matter (``embargo: 2031-03-12T10:00:00+01:00``) or as a
line at the top of the text, in French or English: "SOUS EMBARGO JUSQU'AU 14 AVRIL 2031 À
10H00", "Embargo : 12/03/2031 10:00", "Embargoed until 12 March 2031 10:00 CET". A time
without a zone is Paris time (with its summer time); a day without an hour starts at 00:00.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from indexer.analysis.normalize import fold
from indexer.reading.dates import MONTH_PATTERN as _MONTH
from indexer.reading.dates import WEEKDAY_PATTERN as _WEEKDAYS
from indexer.reading.dates import dates_in

PARIS = ZoneInfo("Europe/Paris")
HEAD_LINES = 10  # an embargo is announced at the top, among the first non-empty lines


# All patterns read folded text: lower case, no accents, ASCII apostrophes.
# "sous embargo jusqu'au", "embargo :", "embargoed until", "strictly embargoed until".
_KEYWORD = re.compile(r"(?<!\w)(?:(?:sous|under|strictly)\s+)?embargo(?:ed)?(?!\w)")
_CONNECTOR = re.compile(
    r"[\s:.,;()\[\]*_–—-]*(?:(?:jusqu'?(?:au|a(?:\s+la\s+date\s+du)?)|until|till|before"
    r"|avant\s+le|avant|up\s+to)(?!\w))?[\s:.,;()\[\]*_–—-]*"
)
# What an embargo's date may open with: a weekday, "le", "the", then a digit or a month.
_WHEN = re.compile(rf"(?:(?:le|the|{_WEEKDAYS})\W+)*(?:\d|(?:{_MONTH})(?!\w))")
# "10h00", "10 h", "10:00", "10 h 30", "10 heures", "10.00 am", "3 pm", "midi", "noon".
_TIME = re.compile(
    r"(?<![\d:/.])(?P<hour>\d{1,2})\s*(?:(?P<sep>:|h(?:eures?)?(?![a-z])|\.(?=\d\d))\s*"
    r"(?P<minute>\d\d)?(?::\d\d)?)?\s*(?:(?P<ampm>[ap])\.?m(?![a-z])\.?)?"
    r"|(?<![a-z])(?P<noon>midi|noon|minuit|midnight)(?![a-z])"
)
# "CET", "CEST", "UTC", "GMT+1", "UTC+01:00", "Z", "+01:00", "heure de Paris".
_ZONE = re.compile(
    r"(?<![a-z])(?P<name>cest|cet|utc|gmt|z)(?![a-z])(?:\s*(?P<offset>[+-]\s*\d{1,2}(?::?\d\d)?))?"
    r"|(?P<bare>[+-]\d\d:?\d\d)(?!\d)"
)
_NAMED_ZONES = {"cet": 1, "cest": 2, "utc": 0, "gmt": 0, "z": 0}


def is_embargo_line(line: str) -> bool:
    """Whether a line announces an embargo, so that it is never taken for a title or a date.

    "Sous embargo jusqu'au 14 avril 2031" and a bare "EMBARGO" are; "Embargo sur les
    exportations" (the word used in a headline) is not.
    """
    return _embargo_clause(line) is not None


def find_embargo(text: str, front_matter: dict[str, Any] | None = None) -> dt.datetime | None:
    """The end of a release's embargo, timezone-aware, or None when it has none.

    The front matter's `embargo` wins; else the first embargo line among the first lines.
    """
    declared = (front_matter or {}).get("embargo")
    if declared is not None:
        value = _declared(declared)
        if value is not None:
            return value
    for line in _first_lines(text):
        clause = _embargo_clause(line)
        if clause is not None:
            found = parse_when(clause)
            if found is not None:
                return found
    return None


def parse_when(text: str) -> dt.datetime | None:
    """The moment a text such as "lundi 3 mars 2031, 10 h" or "12 March 2031 10:00 CET" names."""
    folded = fold(text)
    found = next(dates_in(folded), None)
    if found is None:
        return None
    date_match, date = found
    rest = folded[: date_match.start()] + " " + folded[date_match.end() :]
    hour, minute = _to_time(rest)
    zone = _to_zone(rest)
    try:
        return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=zone)
    except ValueError:
        return None


def _declared(value: Any) -> dt.datetime | None:
    """A front matter embargo: YAML's datetime or date, or a string (ISO 8601 or as written)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=PARIS)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=PARIS)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return _declared(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return parse_when(text)


def _first_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if line.strip():
            lines.append(line)
            if len(lines) == HEAD_LINES:
                break
    return lines


def _embargo_clause(line: str) -> str | None:
    """What follows the embargo keyword of a line ("" for a bare "EMBARGO"), or None."""
    folded = fold(line)
    if "embargo" not in folded:  # the common case, decided at once
        return None
    for keyword in _KEYWORD.finditer(folded):
        before = folded[: keyword.start()]
        connector = _CONNECTOR.match(folded, keyword.end())  # always matches, maybe empty
        rest = folded[connector.end() :]
        alone = not before.strip(" *_#>[(")
        if alone and not rest.strip(" *_#.!"):
            return ""  # "EMBARGO" alone on its line
        if _WHEN.match(rest) and (alone or connector.group().strip()):
            return rest
    return None


def _to_time(folded: str) -> tuple[int, int]:
    """The first hour written (a number with "h", ":" or am/pm); 00:00 when there is none."""
    for match in _TIME.finditer(folded):
        if match["noon"]:
            return (12, 0) if match["noon"] in ("midi", "noon") else (0, 0)
        if not (match["sep"] or match["ampm"]):
            continue
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if match["ampm"]:
            hour = hour % 12 + (12 if match["ampm"] == "p" else 0)
        if hour < 24 and minute < 60:
            return hour, minute
    return 0, 0


def _to_zone(folded: str) -> dt.tzinfo:
    """The zone written after the time (CET, UTC+1, +01:00...), else Paris time."""
    match = _ZONE.search(folded)
    if match is None:
        return PARIS
    hours = _NAMED_ZONES[match["name"]] if match["name"] else 0
    offset = match["offset"] or match["bare"]
    if offset:
        sign = -1 if offset.startswith("-") else 1
        digits = re.sub(r"\D", "", offset)
        whole, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "0")
        delta = dt.timedelta(hours=int(whole), minutes=int(minutes))
        if delta >= dt.timedelta(hours=15):
            return PARIS
        return dt.timezone(dt.timedelta(hours=hours) + sign * delta)
    return dt.timezone(dt.timedelta(hours=hours))
