"""Repair of mojibake: UTF-8 text that was once (or twice) read in another encoding.

"fÃ©vrier" (UTF-8 read as Windows-1252 or Latin-1), "FĂ©vrier" (read as Windows-1250 or
Latin-2), "fÃƒÂ©vrier" (twice) all become "février" before dates and titles are read. `ftfy`
does the repair; it is asked for encoding fixes only, so that entities, quotes, ligatures and
character widths stay as written. It costs about a millisecond per 4 KB, so it runs only when a
cheap test finds what such text always holds: the reading of a UTF-8 lead byte followed by the
reading of a continuation byte ("Ã©", "â€", "Ă©"), pairs that correct French never writes.
"""

from __future__ import annotations

import re

import ftfy

# ftfy's encoding fixes. Every other fix it has is switched off (entities, quotes, ligatures,
# widths, line breaks, control characters, its explanations, and any fix a later ftfy adds),
# so that text stays as written: a switch is a field whose default is True or "auto".
_ENCODING_FIXES = frozenset(
    (
        "fix_encoding",
        "restore_byte_a0",
        "replace_lossy_sequences",
        "decode_inconsistent_utf8",
        "fix_c1_controls",
        "fix_surrogates",
    )
)
_CONFIG = ftfy.TextFixerConfig(
    **{
        name: name in _ENCODING_FIXES
        for name, default in ftfy.TextFixerConfig._field_defaults.items()
        if default is True or default == "auto"
    }
)
# The encodings UTF-8 is most often misread in; ftfy registers the "sloppy" codecs, which
# decode every byte as browsers do.
_MISREADINGS = ("sloppy-windows-1252", "sloppy-windows-1250", "latin-1", "iso-8859-2")


def _suspect_pattern() -> re.Pattern[str]:
    """A lead byte's reading (two-byte sequences and E2, the punctuation block: ’ « — €)
    followed by a continuation byte's reading; a lone Ã or Ă before a space (an NBSP lost)."""
    leads: set[str] = set()
    continuations: set[str] = set()
    for encoding in _MISREADINGS:
        leads |= set(bytes([*range(0xC2, 0xE0), 0xE2]).decode(encoding))
        continuations |= set(bytes(range(0x80, 0xC0)).decode(encoding))
    lead_class = re.escape("".join(sorted(leads)))
    continuation_class = re.escape("".join(sorted(continuations)))
    # One character class first: the regex engine then skips ahead in C to a candidate lead.
    return re.compile(f"[{lead_class}](?:[{continuation_class}]|(?<=[ÃĂ]) )")


_SUSPECT = _suspect_pattern()


def may_be_mojibake(text: str) -> bool:
    """The cheap test: whether `text` holds a pair of characters only mojibake writes."""
    return _SUSPECT.search(text) is not None


def repair(text: str) -> str:
    """`text` with its mojibake repaired; correct text is returned unchanged."""
    if not may_be_mojibake(text):
        return text
    return ftfy.fix_text(text, _CONFIG)
