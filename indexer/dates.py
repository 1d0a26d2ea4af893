"""French month names, for reading dates in releases and for writing them in pages."""

from __future__ import annotations

import datetime as dt

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


def french_date(value: dt.date | str | None) -> str:
    """'28 septembre 2020' (and '1er juin 2021'); '' for no date."""
    if not value:
        return ""
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    day = "1er" if date.day == 1 else str(date.day)
    return f"{day} {MONTHS[date.month - 1]} {date.year}"
