"""Tests for reading.readers: what text and metadata each kind of corpus file yields, or why not."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from pypdf import PdfReader, PdfWriter

from indexer.reading import readers
from indexer.reading.readers import SUPPORTED_SUFFIXES, SkipFile, decode_text, read_document
from indexer.release import Document
from tests.office_factory import TITLE, Styled, docx_bytes, odt_bytes
from tests.pdf_factory import pdf_bytes

COOPERATION = "Coopération spatiale"


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _encryptedpdf_bytes(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes(COOPERATION)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_supported_suffixes() -> None:
    assert {
        ".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".odt", ".eml"
    } == SUPPORTED_SUFFIXES  # fmt: skip


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(COOPERATION.encode("utf-8"), COOPERATION, id="utf8"),
        pytest.param(b"\xef\xbb\xbf" + COOPERATION.encode("utf-8"), COOPERATION, id="utf8-bom"),
        pytest.param(COOPERATION.encode("cp1252"), COOPERATION, id="cp1252"),
        pytest.param("l’œuvre coûte 5 €".encode("cp1252"), "l’œuvre coûte 5 €", id="cp1252-punct"),
        # 0x81 is undefined in Windows-1252: it maps to U+0081 instead of failing the file.
        pytest.param(b"caf\xe9 \x81 en terrasse", "café \x81 en terrasse", id="undefined-byte"),
        pytest.param(COOPERATION.encode("utf-16"), COOPERATION, id="utf16-bom"),
        pytest.param(b"un\r\ndeux\rtrois\n", "un\ndeux\ntrois\n", id="crlf-cr"),
        pytest.param("Coope\u0301ration".encode(), "Coopération", id="nfd"),
        pytest.param(b"<b>gras</b>\tet\x0c", "<b>gras</b>\tet\x0c", id="as-is"),
    ],
)
def test_decode_text(data: bytes, expected: str) -> None:
    assert decode_text(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PNG\r\n\x1a\n\x00\x00\x00\rIHDR", id="png"),
        pytest.param(b"texte\x00", id="nul"),
        pytest.param(bytes(range(1, 9)) * 4 + b"un peu de texte", id="control-chars"),
    ],
)
def test_decode_text_refuses_binary(data: bytes) -> None:
    with pytest.raises(SkipFile, match=r"^binary file$"):
        decode_text(data)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        pytest.param("a.txt", "Un <b>mot</b> &amp; co", "Un <b>mot</b> &amp; co", id="tags-kept"),
        pytest.param("a.txt", "\n\n  \nUn   \n\n\n\nDeux\t\n\n", "Un\n\nDeux", id="blank-lines"),
        pytest.param("a.txt", "un\r\ndeux\r\rtrois", "un\ndeux\n\ntrois", id="line-ends"),
        pytest.param("a.txt", "Coope\u0301ration", "Coopération", id="nfc"),
        pytest.param("a.txt", "page 1\x0cpage 2 \x07", "page 1\npage 2", id="controls"),
        pytest.param("a.TXT", COOPERATION.encode("cp1252"), COOPERATION, id="cp1252"),
        pytest.param(
            "a.txt", "---\ntitle: T\n---\nCorps", "---\ntitle: T\n---\nCorps", id="no-yaml"
        ),
    ],
)
def test_read_text(tmp_path: Path, name: str, data: str | bytes, expected: str) -> None:
    assert read_document(_write(tmp_path, name, data)) == Document(text=expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("# Titre\n\nUn *mot* et **gras**.", "Titre\n\nUn mot et gras.", id="emphasis"),
        pytest.param(
            "Titre\n=====\nSous-titre\n---\nTexte", "Titre\n\nSous-titre\n\nTexte", id="setext"
        ),
        pytest.param(
            "Voir [le CNES](https://cnes.fr) et <https://esa.int>.",
            "Voir le CNES et https://esa.int.",
            id="links",
        ),
        pytest.param(
            "- un\n- deux\n\n1. trois\n2. quatre", "un\ndeux\n\ntrois\nquatre", id="lists"
        ),
        pytest.param(
            "Code `x = 1`.\n\n```\nligne  1\n  ligne 2\n```",
            "Code x = 1.\n\nligne  1\n  ligne 2",
            id="code",
        ),
        pytest.param("| a | b |\n|---|---|\n| 1 | 2 |", "a b\n1 2", id="table"),
        pytest.param("> citée\n> ici", "citée ici", id="quote"),
        pytest.param(
            "Texte\n\n<script>alert(1)</script>\n\nSuite", "Texte\n\nSuite", id="raw-html"
        ),
        pytest.param("L&rsquo;orbite d’un satellite", "L’orbite d’un satellite", id="apostrophes"),
    ],
)
def test_read_markdown(tmp_path: Path, source: str, expected: str) -> None:
    assert read_document(_write(tmp_path, "a.md", source)) == Document(text=expected)


@pytest.mark.parametrize(
    ("name", "source", "front_matter", "text"),
    [
        pytest.param(
            "a.md",
            "---\ntitle: Lancement\ndate: 2020-09-28\n---\n# Titre\n\nCorps",
            {"title": "Lancement", "date": dt.date(2020, 9, 28)},
            "Titre\n\nCorps",
            id="yaml",
        ),
        pytest.param(
            "a.markdown", "---\nagency: CNES\n...\nCorps", {"agency": "CNES"}, "Corps", id="dots"
        ),
        pytest.param("a.md", "---\n---\nCorps", {}, "Corps", id="empty"),
        pytest.param(
            "a.md", "---\nt: [non fermé\n---\nCorps", {}, "t: [non fermé\n\nCorps", id="invalid"
        ),
        pytest.param("a.md", "---\nd: 2020-02-30\n---\nX", {}, "d: 2020-02-30\n\nX", id="bad-date"),
        pytest.param(
            "a.md", "---\n- une liste\n---\nCorps", {}, "une liste\n\nCorps", id="not-mapping"
        ),
        pytest.param(
            "a.md", "---\nt: sans fin\n\nCorps", {}, "t: sans fin\n\nCorps", id="unclosed"
        ),
        pytest.param(
            "a.html", "---\nrelease: CP1\n---\n<p>Corps</p>", {"release": "CP1"}, "Corps", id="html"
        ),
    ],
)
def test_front_matter(
    tmp_path: Path, name: str, source: str, front_matter: dict[str, object], text: str
) -> None:
    document = read_document(_write(tmp_path, name, source))
    assert (document.front_matter, document.text) == (front_matter, text)


PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Communiqué | CNES</title>
<style>p { color: red }</style><script>var tracker = 1;</script></head>
<body><header><a href="/">Logo CNES</a><nav><a href="/a">Accueil</a></nav></header>
<main><h1>Coopération
   spatiale</h1><p>Le <b>CNES</b> et la
   <a href="https://cnsa.cn">CNSA</a>.</p><script>alert("pub")</script></main>
<aside>Articles liés</aside><footer>Mentions légales</footer></body></html>"""

BODY_ONLY = """<html><head><title> Titre
  de la page </title></head><body><nav>Menu</nav><p>Un</p><div>Deux<br>trois</div>
<noscript>Activez JS</noscript><form><label>Recherche</label></form><footer>Pied</footer>"""


@pytest.mark.parametrize(
    ("source", "text", "title"),
    [
        pytest.param(
            PAGE, "Coopération spatiale\n\nLe CNES et la CNSA.", "Coopération spatiale", id="main"
        ),
        pytest.param(BODY_ONLY, "Un\n\nDeux\ntrois", "Titre de la page", id="body"),
        pytest.param(
            "<p>Sans body</p><p>ni titre</p>", "Sans body\n\nni titre", None, id="fragment"
        ),
        pytest.param(
            "<body><h1>Logo</h1><article><h1>Article</h1><p>Texte</p></article></body>",
            "Article\n\nTexte",
            "Article",
            id="article",
        ),
        pytest.param("<body><h1>T</h1><main><p>M</p></main>", "M", "T", id="h1-outside-main"),
        pytest.param("<body><p>Corps</p><main> </main></body>", "Corps", None, id="empty-main"),
        pytest.param(
            "<p>L&#8217;espace &amp; la Lune&nbsp;! &eacute;t&eacute;</p>",
            "L’espace & la Lune\xa0! été",
            None,
            id="entities",
        ),
        pytest.param("<p>Coope&#769;ration</p>", "Coopération", None, id="nfd-entity"),
        pytest.param(
            "<p>Un <b>mot</b><i>collé</i>,  un\n\tautre</p>",
            "Un motcollé, un autre",
            None,
            id="inline",
        ),
        pytest.param(
            "<ul><li>un</li>\n<li>deux<li>trois</ul><p>fin</p>",
            "un\ndeux\ntrois\n\nfin",
            None,
            id="list",
        ),
        pytest.param(
            "<table><tr><th>a</th><th>b</th></tr><tr><td>1<td>2</table>",
            "a b\n1 2",
            None,
            id="table",
        ),
        pytest.param(
            "<pre>x  = 1\n  y</pre><p>a<br><br>b</p>", "x  = 1\n  y\n\na\n\nb", None, id="breaks"
        ),
        pytest.param(
            "<p>avant</p><svg><text>dessin</text></svg><svg/><p>après</p>",
            "avant\n\naprès",
            None,
            id="svg",
        ),
        pytest.param("<p>Texte</p><footer>Pied jamais fermé", "Texte", None, id="unclosed-footer"),
    ],
)
def test_read_html(tmp_path: Path, source: str, text: str, title: str | None) -> None:
    assert read_document(_write(tmp_path, "a.html", source)) == Document(text=text, title=title)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(f"<p>{COOPERATION}</p>".encode("cp1252"), COOPERATION, id="cp1252"),
        pytest.param('<meta charset="iso-8859-15"><p>c½ur</p>'.encode("cp1252"), "cœur", id="meta"),
        pytest.param(
            b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-15"><p>\xa4</p>',
            "€",
            id="http-equiv",
        ),
        pytest.param('<meta charset="iso-8859-15"><p>été</p>'.encode(), "été", id="utf8-wins"),
        # Even length, so a UTF-16 decoding would succeed and produce CJK noise.
        pytest.param(
            '<meta charset="utf-16"><p>été</p>\n'.encode("cp1252"), "été", id="utf16-ignored"
        ),
    ],
)
def test_html_encoding(tmp_path: Path, data: bytes, expected: str) -> None:
    assert read_document(_write(tmp_path, "a.htm", data)).text == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(pdf_bytes(COOPERATION), COOPERATION, id="one-page"),
        pytest.param(pdf_bytes("Page un", "Page (deux)"), "Page un\n\nPage (deux)", id="two-pages"),
        pytest.param(_encryptedpdf_bytes(user_password=""), COOPERATION, id="empty-password"),
    ],
)
def test_readpdf_bytes(tmp_path: Path, data: bytes, expected: str) -> None:
    assert read_document(_write(tmp_path, "a.pdf", data)) == Document(text=expected)


MISREAD = "Publié le 11 février 2016".encode().decode("cp1252")  # "PubliÃ© le 11 fÃ©vrier 2016"
REPAIRED = "Publié le 11 février 2016"


@pytest.mark.parametrize(
    ("name", "data", "title"),
    [
        pytest.param("a.txt", MISREAD, None, id="txt"),
        pytest.param("a.md", f"---\ntitle: {MISREAD}\n---\n{MISREAD}", None, id="md"),
        pytest.param("a.html", f"<h1>{MISREAD}</h1><p>{MISREAD}</p>", REPAIRED, id="html"),
        pytest.param("a.pdf", pdf_bytes(MISREAD), None, id="pdf"),
        pytest.param("a.docx", docx_bytes(Styled(TITLE, MISREAD), MISREAD), REPAIRED, id="docx"),
        pytest.param("a.odt", odt_bytes(Styled(TITLE, MISREAD), MISREAD), REPAIRED, id="odt"),
    ],
)
def test_mojibake_is_repaired_whatever_the_reader(
    tmp_path: Path, name: str, data: str | bytes, title: str | None
) -> None:
    document = read_document(_write(tmp_path, name, data))
    assert MISREAD not in document.text
    assert REPAIRED in document.text
    assert document.title == title
    assert document.front_matter.get("title", REPAIRED) == REPAIRED


def _symlink_loop(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    return tmp_path / "a.txt"


def _dangling_symlink(tmp_path: Path) -> Path:
    (tmp_path / "lien.txt").symlink_to(tmp_path / "disparu.txt")
    return tmp_path / "lien.txt"


def _directory(tmp_path: Path) -> Path:
    (tmp_path / "dossier.txt").mkdir()
    return tmp_path / "dossier.txt"


def _too_large(tmp_path: Path) -> Path:
    path = tmp_path / "gros.txt"
    with path.open("wb") as file:
        file.truncate(50 * 2**20 + 1)  # sparse: costs no disk space
    return path


def _file(name: str, data: bytes | str) -> Callable[[Path], Path]:
    return lambda tmp_path: _write(tmp_path, name, data)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(_file("vide.txt", b""), "empty file", id="empty"),
        pytest.param(_file("blanc.md", " \n\t\n"), "no text", id="whitespace"),
        pytest.param(
            _file("front.md", "---\ntitle: Seul\n---\n"), "no text", id="front-matter-only"
        ),
        pytest.param(
            _file("menu.html", "<script>x()</script><nav>Menu</nav>"), "no text", id="chrome"
        ),
        pytest.param(_file("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00"), "binary file", id="binary"),
        pytest.param(_file("a.doc", b"\xd0\xcf\x11\xe0"), "unsupported file type .doc", id="doc"),
        pytest.param(
            _file("LISEZMOI", "texte"), "unsupported file type (no extension)", id="no-suffix"
        ),
        pytest.param(
            lambda tmp: tmp / "efface.txt", "unreadable: No such file or directory", id="deleted"
        ),
        pytest.param(
            _dangling_symlink, "unreadable: No such file or directory", id="dangling-link"
        ),
        pytest.param(
            _symlink_loop, "unreadable: Too many levels of symbolic links", id="link-loop"
        ),
        pytest.param(_directory, "not a regular file", id="directory"),
        pytest.param(_too_large, "file too large (51 MB)", id="too-large"),
        pytest.param(_file("casse.pdf", b"garbage"), "PDF could not be parsed: ", id="garbage-pdf"),
        pytest.param(
            _file("coupe.pdf", pdf_bytes("x")[:200]),
            "PDF could not be parsed: ",
            id="truncated-pdf",
        ),
        pytest.param(_file("scan.pdf", pdf_bytes("")), "no text (scanned PDF?)", id="scanned-pdf"),
        pytest.param(
            _file("secret.pdf", _encryptedpdf_bytes(user_password="secret")),
            "encrypted PDF (password required)",
            id="encrypted-pdf",
        ),
    ],
)
def test_skip_reasons(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    make: Callable[[Path], Path],
    reason: str,
) -> None:
    path = make(tmp_path)
    with caplog.at_level(logging.WARNING), pytest.raises(SkipFile) as raised:
        read_document(path)
    assert raised.value.reason.startswith(reason)
    assert str(raised.value) == raised.value.reason
    assert caplog.records == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_permission_denied(tmp_path: Path) -> None:
    path = _write(tmp_path, "prive.txt", "secret")
    path.chmod(0)
    with pytest.raises(SkipFile, match=r"^unreadable: Permission denied$"):
        read_document(path)


def test_pdf_warnings_do_not_escape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def noisy_reader(stream: io.BytesIO) -> PdfReader:
        warnings.warn("xref table repaired", UserWarning, stacklevel=1)
        return PdfReader(stream)

    monkeypatch.setattr(pypdf, "PdfReader", noisy_reader)  # imported when a PDF is read
    assert read_document(_write(tmp_path, "a.pdf", pdf_bytes(COOPERATION))).text == COOPERATION


@pytest.mark.parametrize(
    ("name", "data", "target", "attribute"),
    [
        pytest.param("a.md", b"# Titre", readers._markdown(), "render", id="markdown"),
        pytest.param("a.pdf", pdf_bytes(COOPERATION), pypdf, "PdfReader", id="pdf"),
    ],
)
def test_parser_bug_becomes_skip(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    data: bytes,
    target: object,
    attribute: str,
) -> None:
    def broken(*args: object) -> None:
        raise RecursionError("parser bug")

    monkeypatch.setattr(target, attribute, broken)
    with pytest.raises(SkipFile, match="parser bug"):
        read_document(_write(tmp_path, name, data))
