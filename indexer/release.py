"""The two value types that travel from a file to the index: `Document` and `Release`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """What a reader makes of a file, before any metadata is extracted.

    `text` is plain text: NFC, `\\n` line ends, paragraphs separated by blank lines, no markup.
    `front_matter` holds the YAML front matter of a Markdown or HTML file (empty when none).
    `title` is a title the format itself declares (an HTML `<h1>` or `<title>`, a Title style,
    an e-mail's Subject), or None.
    `date` is a date the format declares outside the text (an e-mail's Date header): a fallback
    for when the text gives none.
    `attachments` names the files an e-mail carries, which are not indexed.
    """

    text: str
    front_matter: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    date: dt.date | None = None
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Release:
    """A press release as Orbite indexes and shows it.

    `text` is the release's own text: without its header lines, which `header` keeps (the
    label, dateline, number and headline that open it; shown once, as metadata), and without
    site chrome (menus, captions, share buttons), which is no part of it.
    """

    id: str
    source: str
    title: str
    text: str
    date: dt.date | None = None
    release: str | None = None
    agencies: tuple[str, ...] = ()
    missions: tuple[str, ...] = ()
    embargo: dt.datetime | None = None  # timezone-aware: hidden from the public until then
    header: tuple[str, ...] = ()


def release_summary(stored: dict[str, Any]) -> dict[str, Any]:
    """The fields every listing of a release shows, from its stored Whoosh fields."""
    return {
        "id": stored["id"],
        "title": stored.get("title", ""),
        "date": stored.get("date"),
        "release": stored.get("release"),
        "agencies": stored.get("agencies", []),
        "missions": stored.get("missions", []),
        "embargo": stored.get("embargo"),
    }
