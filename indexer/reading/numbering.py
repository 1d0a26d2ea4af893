"""Release numbers: the schemes press offices number their releases with, and one form for each.

- CNES: "CP111-2020", "CP 028-2018", "CP n°12-2023", "cp 12/2021"  -> "CP111-2020", "CP12-2023"
- ESA: "N° 18–2015: <headline>" (number and headline on one line)  -> "N°18-2015"
- a plain number: "Communiqué n° 045", "Communiqué de presse N°7"   -> "N°045", "N°7"

Leading zeros are kept: they are part of how the office writes its numbers.
"""

from __future__ import annotations

import re

_YEAR = r"(?:19|20)\d\d"
_DASH = r"[^\S\n]*[-‐‑–—/][^\S\n]*"
_NUMBER = re.compile(
    rf"(?<!\w)CP[^\S\n]*(?:n[°º]|no\.?)?[^\S\n]*(?P<cp>\d{{1,4}}){_DASH}(?P<cpyear>{_YEAR})(?!\d)"
    # "N°" schemes only where a line starts, so that "Bion-M N°2" in a headline is not one.
    r"|^[^\S\n]*(?:(?:communiqu[ée]s?(?:[^\S\n]+de[^\S\n]+presse)?|press[^\S\n]+release|PR|ESA)"
    rf"[^\S\n]*)?(?:n[°º]|no\.)[^\S\n]*(?P<no>\d{{1,4}})(?:{_DASH}(?P<noyear>{_YEAR}))?(?!\d)",
    re.IGNORECASE | re.MULTILINE,
)
_AROUND = " \t:–—-|,."


def find_number(text: str) -> str | None:
    """The first release number written in `text`, in its normalised form."""
    match = _NUMBER.search(text)
    return _normalised(match) if match else None


def without_number(line: str) -> str:
    """The line without its release number and the punctuation that set it apart.

    "N° 18–2015: Rosetta arrive" -> "Rosetta arrive"; "Titre – CP111-2020" -> "Titre".
    """
    match = _NUMBER.search(line)
    if match is None:
        return line
    before, after = line[: match.start()].rstrip(_AROUND), line[match.end() :].lstrip(_AROUND)
    return f"{before} {after}".strip()


def _normalised(match: re.Match[str]) -> str:
    if match["cp"]:
        return f"CP{match['cp']}-{match['cpyear']}"
    return f"N°{match['no']}" + (f"-{match['noyear']}" if match["noyear"] else "")
