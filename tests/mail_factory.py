"""E-mails (.eml) built in code for tests, as mail clients write them (RFC 5322 bytes).

eml_bytes("Paris, le 3 mars 2024\\n\\nLe CNES…", subject="TR: Communiqué : Lancement")
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

DATE = "Mon, 04 Mar 2024 09:30:00 +0100"


def eml_bytes(
    plain: str | None = None,
    *,
    html: str | None = None,
    subject: str = "Communiqué de presse",
    date: str | None = DATE,
    charset: str = "utf-8",
    encoding: str = "quoted-printable",
    attachments: dict[str, bytes] | None = None,
) -> bytes:
    """An e-mail with a plain and/or an HTML body, in `charset` and transfer `encoding`
    ("quoted-printable", "base64", "8bit"), and attachments {file name: bytes}."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "Service de presse <presse@example.org>"
    message["To"] = "redaction@example.org"
    message["Subject"] = subject
    if date is not None:
        message["Date"] = date
    if plain is not None:
        message.set_content(plain, charset=charset, cte=encoding)
        if html is not None:
            message.add_alternative(html, subtype="html", charset=charset, cte=encoding)
    elif html is not None:
        message.set_content(html, subtype="html", charset=charset, cte=encoding)
    for name, data in (attachments or {}).items():
        maintype, subtype = _types(name)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def forwarded_as_attachment(note: str, inner: bytes, subject: str = "TR: Communiqué") -> bytes:
    """An e-mail whose body is `note` and whose attachment is the e-mail `inner` (.eml bytes),
    as "Forward as attachment" writes it."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "Rédaction <redaction@example.org>"
    message["Subject"] = subject
    message["Date"] = "Fri, 08 Mar 2024 18:00:00 +0100"
    message.set_content(note)
    message.add_attachment(message_from_bytes(inner, policy=policy.default))
    return message.as_bytes()


def _types(name: str) -> tuple[str, str]:
    if name.endswith(".pdf"):
        return "application", "pdf"
    if name.endswith(".docx"):
        return "application", "vnd.openxmlformats-officedocument.wordprocessingml.document"
    return "application", "octet-stream"
