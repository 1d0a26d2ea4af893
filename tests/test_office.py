"""Tests for indexer.reading.office: Word and LibreOffice files as press offices write them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.shared import Inches

from indexer.reading.office import MAX_UNPACKED
from indexer.reading.readers import SkipFile, read_document
from tests.office_factory import HEADING, TITLE, Styled, docx_bytes, odt_bytes

FACTORIES = [
    pytest.param(docx_bytes, ".docx", id="docx"),
    pytest.param(odt_bytes, ".odt", id="odt"),
]
Factory = Callable[..., bytes]


def _read(tmp_path: Path, suffix: str, data: bytes):
    path = tmp_path / f"cp{suffix}"
    path.write_bytes(data)
    return read_document(path)


@pytest.mark.parametrize(("make", "suffix"), FACTORIES)
@pytest.mark.parametrize(
    ("blocks", "header", "text", "title"),
    [
        pytest.param(
            ("Paris, le 3 mars 2024", Styled(TITLE, "SWOT en orbite"), "Le CNES et la NASA."),
            ["COMMUNIQUÉ DE PRESSE"],
            "COMMUNIQUÉ DE PRESSE\n\nParis, le 3 mars 2024\n\nSWOT en orbite\n\n"
            "Le CNES et la NASA.",
            "SWOT en orbite",
            id="header-title-body",
        ),
        pytest.param(
            ("Intro", [["Date", "Lieu"], ["12 mars", "Kourou"]], "Fin"),
            [],
            "Intro\n\nDate Lieu\n12 mars Kourou\n\nFin",
            None,
            id="table-cells-apart",
        ),
        pytest.param(
            (Styled(HEADING, "Premier titre"), Styled(HEADING, "Second"), "Texte"),
            [],
            "Premier titre\n\nSecond\n\nTexte",
            "Premier titre",
            id="heading-when-no-title",
        ),
        pytest.param(
            (Styled(HEADING, "Une partie"), Styled(TITLE, "Le vrai titre"), "Texte"),
            [],
            "Une partie\n\nLe vrai titre\n\nTexte",
            "Le vrai titre",
            id="title-beats-heading",
        ),
        pytest.param(
            ("   ", "Un", "", "Deux   "),
            ["CNES", "", "Direction de la communication"],
            "CNES\nDirection de la communication\n\nUn\n\nDeux",
            None,
            id="blank-paragraphs",
        ),
        pytest.param(
            ("Le 11 fÃ©vrier 2016, lâ€™Ã©tÃ©", Styled(TITLE, "FĂ©vrier")),
            [],
            "Le 11 février 2016, l’été\n\nFévrier",
            "Février",
            id="mojibake",
        ),
    ],
)
def test_read_office(
    tmp_path: Path,
    make: Factory,
    suffix: str,
    blocks: tuple,
    header: list[str],
    text: str,
    title: str | None,
) -> None:
    document = _read(tmp_path, suffix, make(*blocks, header=header))
    assert (document.text, document.title) == (text, title)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


_ENCRYPTED_MANIFEST = (
    b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
    b'<manifest:encryption-data manifest:checksum="x"/></manifest:file-entry></manifest:manifest>'
)


def _bomb() -> bytes:
    """A zip whose central directory says its one member unpacks to more than MAX_UNPACKED."""
    data = bytearray(_zip({"word/document.xml": b"x"}))
    entry = data.index(b"PK\x01\x02")  # the central directory entry; size at offset 24
    data[entry + 24 : entry + 28] = (MAX_UNPACKED + 1).to_bytes(4, "little")
    return bytes(data)


_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@pytest.mark.parametrize(
    ("suffix", "data", "reason"),
    [
        pytest.param(".docx", b"PK\x03\x04", "not a zip archive", id="docx-stub"),
        pytest.param(".odt", b"Du texte", "not a zip archive", id="odt-text"),
        pytest.param(".docx", docx_bytes("x")[:300], "not a zip archive", id="docx-truncated"),
        pytest.param(
            ".docx", _zip({"a.txt": b"x"}), "Word document could not be parsed", id="docx-other-zip"
        ),
        pytest.param(
            ".odt", _zip({"a.txt": b"x"}), "OpenDocument file could not be parsed", id="odt-other"
        ),
        pytest.param(
            ".odt",
            _zip({"mimetype": b"x", "content.xml": b"<not-closed"}),
            "OpenDocument file could not be parsed",
            id="odt-broken-xml",
        ),
        pytest.param(
            ".docx",
            _CFB + "EncryptionInfo".encode("utf-16-le"),
            "encrypted document (password required)",
            id="docx-encrypted",
        ),
        pytest.param(".docx", _CFB, "old binary Word file (.doc), not .docx", id="doc-renamed"),
        pytest.param(
            ".odt",
            _zip({"META-INF/manifest.xml": _ENCRYPTED_MANIFEST, "content.xml": b"\x93\x01"}),
            "encrypted document (password required)",
            id="odt-encrypted",
        ),
        pytest.param(
            ".docx",
            _bomb(),
            "unpacks to more than 200 MB",
            id="zip-bomb",
        ),
        pytest.param(".odt", odt_bytes("   "), "no text", id="empty"),
    ],
)
def test_broken_files_are_skipped_with_their_reason(
    tmp_path: Path, suffix: str, data: bytes, reason: str
) -> None:
    with pytest.raises(SkipFile) as raised:
        _read(tmp_path, suffix, data)
    assert raised.value.reason.startswith(reason)


def test_a_merged_docx_cell_is_read_once(tmp_path: Path) -> None:
    """Word merges cells across columns and rows; python-docx repeats such a cell wherever
    it spans, the reader keeps it once, in the body and in the page header."""
    document = docx.Document()
    document.add_paragraph("Intro")
    header = document.sections[0].header
    for table in (document.add_table(rows=2, cols=3), header.add_table(2, 3, Inches(6))):
        table.cell(0, 0).merge(table.cell(0, 1)).text = "Calendrier"
        table.cell(0, 2).merge(table.cell(1, 2)).text = "Kourou"
        table.cell(1, 0).text, table.cell(1, 1).text = "12 mars", "Ariane 6"
    out = io.BytesIO()
    document.save(out)
    text = _read(tmp_path, ".docx", out.getvalue()).text
    assert text.count("Calendrier") == text.count("Kourou") == 2  # header once, body once
    assert "Calendrier Kourou\n12 mars Ariane 6" in text
