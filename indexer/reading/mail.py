"""Reading an e-mail (`.eml`) as journalists receive releases: its subject, date and body.

The body is the text/plain part, else the HTML part (never both: they are the same text twice);
transfer encodings (quoted-printable, base64), charsets and encoded-word subjects are decoded
by the standard library (`email`, `policy.default`). The Subject, without its "Fwd:", "TR:",
"RE:", "CP :", "Communiqué :" prefixes, is the headline candidate; the Date header is a
fallback date, used only when the body gives none. A forwarded message's header block at the
top of the body ("---------- Forwarded message ---------", "De : … Objet : …") is dropped.
An e-mail forwarded as an attachment under a short note ("Voir le message joint.") is read
in its place. Other attachments are not indexed: their names are returned so that the run can
list them skipped.
"""

from __future__ import annotations

import datetime as dt
import email
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from indexer.reading.skip import SkipFile

FORWARD_DEPTH = 3  # messages forwarded as attachments of attachments, at most
FORWARD_NOTE_WORDS = 40  # a longer body is the e-mail's own text, not a note on a forward
_RFC822 = "message/rfc822"
ATTACHMENT_REASON = "e-mail attachment, not indexed: save it into the corpus to index it"
# One of these must be present for bytes to be an e-mail rather than text named .eml.
_MAIL_HEADERS = ("from", "date", "subject", "message-id", "mime-version", "to")
_PREFIXES = re.compile(
    r"^(?:\s*(?:fwd?|tr|re|aw|wg|réf|ref|cp|communiqu[ée](?:\s+de\s+presse)?)"
    r"\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
_FORWARD_LINE = re.compile(
    r"^[\s>]*-{3,}\s*(?:forwarded message|original message|message transf[ée]r[ée]"
    r"|message d'origine|message original)\s*-{3,}\s*$",
    re.IGNORECASE,
)
_FORWARD_HEADER = re.compile(
    r"^[\s>]*(?:from|de|sent|envoy[ée]|date|to|à|a|cc|subject|objet)\s*:", re.IGNORECASE
)


@dataclass(frozen=True)
class Mail:
    """What the indexer reads of an e-mail: one body (plain or HTML), subject, date, attachments."""

    plain: str | None
    html: str | None
    subject: str | None
    date: dt.date | None
    attachments: tuple[str, ...]


def parse_eml(data: bytes) -> Mail:
    """The parts of an e-mail the indexer reads, or SkipFile when the bytes are no e-mail."""
    message = email.message_from_bytes(data, policy=policy.default)
    if not any(name in message for name in _MAIL_HEADERS):
        raise SkipFile("not an e-mail (no From, Date or Subject header)")
    return _read(message, FORWARD_DEPTH)


def _read(message: EmailMessage, depth: int) -> Mail:
    """An e-mail's parts; one forwarded as an attachment under a short note is the release."""
    plain = message.get_body(preferencelist=("plain",))
    html = None if plain is not None else message.get_body(preferencelist=("html",))
    mail = Mail(
        plain=_without_forward_header(_content(plain)) if plain is not None else None,
        html=_content(html) if html is not None else None,
        subject=headline(str(message.get("subject", ""))),
        date=_date(message),
        attachments=tuple(_attachment_names(message)),
    )
    attached = [part for part in message.iter_attachments() if part.get_content_type() == _RFC822]
    note = mail.plain if mail.plain is not None else mail.html or ""
    if depth and len(attached) == 1 and len(note.split()) <= FORWARD_NOTE_WORDS:
        inner = _read(attached[0].get_content(), depth - 1)
        return Mail(
            plain=inner.plain,
            html=inner.html,
            subject=mail.subject or inner.subject,
            date=inner.date or mail.date,
            attachments=tuple(_attachment_names(message, attached[0])) + inner.attachments,
        )
    return mail


def headline(subject: str) -> str | None:
    """The subject without its forwarding, reply and release-label prefixes."""
    cleaned = " ".join(_PREFIXES.sub("", subject).split())
    return cleaned or None


def _content(part: EmailMessage) -> str:
    """A text part decoded; a charset Python does not know is read as UTF-8, else cp1252."""
    try:
        return part.get_content()
    except LookupError:
        payload = part.get_payload(decode=True) or b""
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("cp1252", errors="replace")


def _date(message: EmailMessage) -> dt.date | None:
    """The day the e-mail was sent, in the sender's own time zone; None when unreadable."""
    header = message.get("date")
    when = getattr(header, "datetime", None)
    return when.date() if isinstance(when, dt.datetime) else None


def _attachment_names(message: EmailMessage, read: EmailMessage | None = None) -> list[str]:
    """The attachments' file names (else types), but for the one `read` in the e-mail's place."""
    return [
        part.get_filename() or part.get_content_type()
        for part in message.iter_attachments()
        if part is not read
    ]


def _without_forward_header(text: str) -> str:
    """The body without the header block a forwarded message starts with."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = start + 1 if start < len(lines) and _FORWARD_LINE.match(lines[start]) else start
    headers = end
    while headers < len(lines) and _FORWARD_HEADER.match(lines[headers]):
        headers += 1
    if headers - end < 2 and end == start:  # one "Date:" line alone may be the release's own
        return text
    return "\n".join(lines[headers:])
