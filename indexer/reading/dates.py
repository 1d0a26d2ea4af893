"""Month names, for reading dates in releases and for writing them in pages.

French pages of European bodies often carry their date in English ("8 June 2015"), so both
languages are read; pages are written in French.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from indexer.analysis.normalize import fold

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Abbreviations written with or without a full stop ("3 févr. 2021", "Jan. 21, 2016"), folded.
ABBREVIATIONS = {
    "janv": 1, "jan": 1, "fevr": 2, "fev": 2, "feb": 2, "mar": 3, "avr": 4, "apr": 4, "jun": 6,
    "juil": 7, "jul": 7, "aug": 8, "sept": 9, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_NUMBERS = {
    fold(name): number for names in (MONTHS, ENGLISH_MONTHS) for number, name in enumerate(names, 1)
} | ABBREVIATIONS
# Regex alternations of the folded month names (abbreviations included) and weekday names.
MONTH_PATTERN = "|".join(sorted(_NUMBERS, key=len, reverse=True))
WEEKDAY_PATTERN = (
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    "|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_MONTH = MONTH_PATTERN
_YEAR = r"(?:19|20)\d\d"
_GAP = r"[^\S\n]+"
# Matched on folded text: "1er Juin 2021", "3 févr. 2021", "21st January 2016", "January 21, 2016",
# "12/03/2024" (day first), "2023-04-14".
_DATE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})(?:er|st|nd|rd|th)?{_GAP}(?:of{_GAP})?(?P<month>{_MONTH})\.?,?"
    rf"{_GAP}(?P<year>{_YEAR})(?!\d)"
    rf"|(?<![\w])(?P<umonth>{_MONTH})\.?{_GAP}(?P<uday>\d{{1,2}})(?:st|nd|rd|th)?,?{_GAP}"
    rf"(?P<uyear>{_YEAR})(?!\d)"
    rf"|(?<![\d/.-])(?P<nday>\d{{1,2}})(?P<sep>[/.-])(?P<nmonth>\d{{1,2}})(?P=sep)(?P<nyear>{_YEAR})"
    rf"(?![\d/.-])"
    rf"|(?<![\d-])(?P<iyear>{_YEAR})-(?P<imonth>\d\d)-(?P<iday>\d\d)(?![\d-])"
)


def dates_in(folded: str) -> Iterator[tuple[re.Match[str], dt.date]]:
    """Every valid date written in a folded text, in order (31 February is not one)."""
    for match in _DATE.finditer(folded):
        date = _to_date(match)
        if date is not None:
            yield match, date


def _to_date(match: re.Match[str]) -> dt.date | None:
    if match["month"]:
        year, month, day = match["year"], _NUMBERS[match["month"]], match["day"]
    elif match["umonth"]:
        year, month, day = match["uyear"], _NUMBERS[match["umonth"]], match["uday"]
    elif match["nmonth"]:
        year, month, day = match["nyear"], match["nmonth"], match["nday"]
    else:
        year, month, day = match["iyear"], match["imonth"], match["iday"]
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def french_date(value: dt.date | str | None) -> str:
    """'28 septembre 2020' (and '1er juin 2021'); '' for no date."""
    if not value:
        return ""
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    day = "1er" if date.day == 1 else str(date.day)
    return f"{day} {MONTHS[date.month - 1]} {date.year}"
