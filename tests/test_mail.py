"""Tests for reading.mail: e-mails as journalists receive releases, read through read_document."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest

from indexer.reading.gazetteer import Gazetteer
from indexer.reading.mail import headline
from indexer.reading.metadata import extract_release
from indexer.reading.readers import SkipFile, read_document
from tests.mail_factory import eml_bytes, forwarded_as_attachment

BODY = "Paris, le 3 mars 2024\n\nLe CNES et l’ESA signent un accord « historique »."
SENT = dt.date(2024, 3, 4)  # the factory's Date header


def _read(tmp_path: Path, data: bytes):
    path = tmp_path / "cp.eml"
    path.write_bytes(data)
    return read_document(path)


def _raw(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode("ascii") + b"\r\n" + body


@pytest.mark.parametrize(
    ("data", "text", "title"),
    [
        pytest.param(eml_bytes(BODY, subject="Accord"), BODY, "Accord", id="plain-qp"),
        pytest.param(
            eml_bytes(
                BODY.replace("’", "'"), subject="Accord", charset="iso-8859-15", encoding="base64"
            ),
            BODY.replace("’", "'"),
            "Accord",
            id="latin-9-base64",
        ),
        pytest.param(
            eml_bytes(BODY, html="<p>Seulement en <b>HTML</b></p>", subject="Accord"),
            BODY,
            "Accord",
            id="plain-wins-over-html",
        ),
        pytest.param(
            eml_bytes(
                html="<html><head><style>p{}</style></head><body><h1>Grand titre</h1>"
                "<p>Le CNES&nbsp;et l&rsquo;ESA.</p><footer>Se désabonner</footer></body></html>",
                subject="",
            ),
            "Grand titre\n\nLe CNES\xa0et l’ESA.",
            "Grand titre",
            id="html-only",
        ),
        pytest.param(
            eml_bytes(html="<h1>Titre HTML</h1><p>Texte</p>", subject="Fwd: Le sujet"),
            "Titre HTML\n\nTexte",
            "Le sujet",
            id="subject-before-h1",
        ),
        pytest.param(
            _raw(
                "Subject: =?utf-8?q?TR=3A_Communiqu=C3=A9_=3A_F=C3=A9vrier_spatial?=\n"
                "Date: Mon, 4 Mar 2024 09:30:00 +0100\nMIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
                "Le 3 février".encode(),
            ),
            "Le 3 février",
            "Février spatial",
            id="encoded-word-q",
        ),
        pytest.param(
            _raw(
                "Subject: =?iso-8859-1?b?"
                + base64.b64encode("Été spatial".encode("latin-1")).decode()
                + "?=\nFrom: a@example.org\nContent-Type: text/plain; charset=x-inconnu\n",
                "Texte accentué".encode(),
            ),
            "Texte accentué",
            "Été spatial",
            id="encoded-word-b-unknown-charset",
        ),
        pytest.param(
            eml_bytes(
                "---------- Forwarded message ---------\nDe : Presse <p@example.org>\n"
                "Date: lun. 4 mars 2024 à 09:30\nSubject: Accord\nTo: <r@example.org>\n\n" + BODY,
                subject="Fwd: Accord",
            ),
            BODY,
            "Accord",
            id="forwarded-block-dropped",
        ),
        pytest.param(
            eml_bytes(
                "De : Presse\nEnvoyé : lundi 4 mars 2024\nÀ : Rédaction\nObjet : TR: Accord"
                "\n\n" + BODY
            ),
            BODY,
            "Communiqué de presse",
            id="outlook-forward-dropped",
        ),
        pytest.param(
            eml_bytes("Date : 3 mars 2024\n\nTexte"),
            "Date : 3 mars 2024\n\nTexte",
            "Communiqué de presse",
            id="one-date-line-kept",
        ),
        pytest.param(
            eml_bytes("Le 11 fÃ©vrier 2016", subject="FĂ©vrier"),
            "Le 11 février 2016",
            "Février",
            id="mojibake",
        ),
    ],
)
def test_read_eml(tmp_path: Path, data: bytes, text: str, title: str) -> None:
    document = _read(tmp_path, data)
    assert (document.text, document.title) == (text, title)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Communiqué : Lancement de SWOT", "Lancement de SWOT"),
        ("CP : Lancement", "Lancement"),
        ("Fwd: TR: RE: Lancement", "Lancement"),
        ("fw : Fwd:tr:Lancement", "Lancement"),
        ("RE[2]: Communiqué de presse : Lancement", "Lancement"),
        ("COMMUNIQUE : Lancement", "Lancement"),
        ("Réunion : le CNES", "Réunion : le CNES"),
        ("Trajectoire : CP du jour", "Trajectoire : CP du jour"),
        ("Fwd:", None),
        ("", None),
    ],
)
def test_subject_prefixes_are_removed(subject: str, expected: str | None) -> None:
    assert headline(subject) == expected


@pytest.mark.parametrize(
    ("body", "date"),
    [
        pytest.param(BODY, dt.date(2024, 3, 3), id="body-date-wins"),
        pytest.param("Le CNES et l’ESA signent un accord.", SENT, id="header-as-fallback"),
    ],
)
def test_date_header_only_when_the_body_has_none(tmp_path: Path, body: str, date: dt.date) -> None:
    document = _read(tmp_path, eml_bytes(body))
    assert document.date == SENT
    assert extract_release("cp", "cp.eml", document, Gazetteer.load()).date == date


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"Juste du texte\nsans en-tetes\n", "not an e-mail", id="not-mail"),
        pytest.param(b"Titre: pas un e-mail\n\ntexte", "not an e-mail", id="colon-line"),
        pytest.param(
            eml_bytes(attachments={"cp.pdf": b"%PDF-1.4"}), "no text", id="attachment-only"
        ),
        pytest.param(eml_bytes("   \n"), "no text", id="empty-body"),
    ],
)
def test_what_is_no_release_is_skipped(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(SkipFile) as raised:
        _read(tmp_path, data)
    assert raised.value.reason.startswith(reason)


def test_attachments_are_named_not_read(tmp_path: Path) -> None:
    document = _read(
        tmp_path, eml_bytes(BODY, attachments={"cp.pdf": b"%PDF-1.4", "dossier.docx": b"PK"})
    )
    assert (document.text, document.attachments) == (BODY, ("cp.pdf", "dossier.docx"))


INNER = eml_bytes(BODY, subject="Communiqué : Accord", attachments={"cp.pdf": b"%PDF-1.4"})
LONG_NOTE = "Bonjour, " + "voici mon propre article sur cet accord, à relire avant demain. " * 5


@pytest.mark.parametrize(
    ("data", "text", "title", "date", "attachments"),
    [
        pytest.param(
            forwarded_as_attachment("Voir le message joint.", INNER, subject="TR: "),
            BODY,
            "Accord",
            SENT,
            ("cp.pdf",),
            id="short-note-reads-the-attached-mail",
        ),
        pytest.param(
            forwarded_as_attachment(LONG_NOTE, INNER, subject="TR: Mon article"),
            LONG_NOTE.strip(),
            "Mon article",
            dt.date(2024, 3, 8),
            ("message/rfc822",),
            id="long-body-is-the-mail-itself",
        ),
    ],
)
def test_mail_forwarded_as_attachment(
    tmp_path: Path, data: bytes, text: str, title: str, date: dt.date, attachments: tuple
) -> None:
    document = _read(tmp_path, data)
    assert (document.text, document.title) == (text, title)
    assert (document.date, document.attachments) == (date, attachments)
