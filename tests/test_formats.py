"""Every release format read end to end: indexed, found by a word of its body, shown with its
headline and date, and a snippet that holds the release's words, never its file syntax."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bench.web_pages import TEMPLATES
from bench.web_pages import Release as PageRelease
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.reading.mail import ATTACHMENT_REASON
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.mail_factory import eml_bytes
from tests.office_factory import TITLE, Styled, docx_bytes, odt_bytes

BODY = (
    "Le CNES confirme la mise en orbite du satellite zqfmtx, construit avec la NASA. "
    "Les premières images arriveront « d’ici l’été »."
)
HEADLINE = "Le satellite zqfmtx est en orbite"
# What leaks when a reader hands over its format instead of its text.
_SYNTAX = re.compile(
    r"<\s*/?\s*[a-z]+[:\s>]|xmlns|w:t\b|text:p|Content-(?:Type|Transfer)|=\?utf-8|=C3=|"
    r"MIME-Version|PK\x03\x04|\{\\rtf|&(?:amp|lt|gt|nbsp);",
    re.IGNORECASE,
)


def _docx() -> bytes:
    return docx_bytes(
        "Paris, le 3 mars 2024", Styled(TITLE, HEADLINE), BODY, header=["COMMUNIQUÉ DE PRESSE"]
    )


def _odt() -> bytes:
    return odt_bytes(
        "Paris, le 3 mars 2024", Styled(TITLE, HEADLINE), BODY, header=["COMMUNIQUÉ DE PRESSE"]
    )


def _eml() -> bytes:
    return eml_bytes(
        f"Paris, le 3 mars 2024\n\n{BODY}",
        subject=f"TR: Communiqué : {HEADLINE}",
        encoding="base64",
        attachments={"cp.pdf": b"%PDF-1.4"},
    )


def _html_eml() -> bytes:
    return eml_bytes(
        html=f"<html><body><p>Paris, le 3 mars 2024</p><p>{BODY}</p></body></html>",
        subject=f"Fwd: {HEADLINE}",
        encoding="quoted-printable",
    )


def _web_page(site: str) -> Callable[[], bytes]:
    release = PageRelease(HEADLINE, "Publié le 3 mars 2024", "Mis à jour le 4 mars 2024", (BODY,))
    return lambda: TEMPLATES[site](release)[0].encode()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        pytest.param("cp.html", _web_page("cnes"), id="html-cnes"),
        pytest.param("cp.html", _web_page("esa"), id="html-esa"),
        pytest.param("cp.docx", _docx, id="docx"),
        pytest.param("cp.odt", _odt, id="odt"),
        pytest.param("cp.eml", _eml, id="eml"),
        pytest.param("cp.eml", _html_eml, id="eml-html"),
    ],
)
def test_format_read_end_to_end(
    make_corpus: Callable[[dict[str, str | bytes]], object], index_dir, name: str, make
) -> None:
    corpus = make_corpus({name: make()})
    store = IndexStore(index_dir)
    summary = update_index(corpus, store)
    assert all(skipped.reason == ATTACHMENT_REASON for skipped in summary.skipped)
    response = search(SearchIndex(store, corpus), parse_request("zqfmtx"))
    [result] = response["results"]
    assert (result["id"], result["title"], result["date"]) == ("cp", HEADLINE, "2024-03-03")
    assert "<mark>zqfmtx</mark>" in result["snippet"]
    assert _SYNTAX.search(result["snippet"].replace("<mark>", "").replace("</mark>", "")) is None


@pytest.mark.parametrize(
    ("files", "indexed", "skipped"),
    [
        pytest.param({"cp.pdf": b"%PDF", "cp.docx": _docx}, "cp.docx", "cp.pdf", id="docx-pdf"),
        pytest.param({"cp.pdf": b"%PDF", "cp.odt": _odt}, "cp.odt", "cp.pdf", id="odt-pdf"),
        pytest.param({"cp.odt": _odt, "cp.docx": _docx}, "cp.docx", "cp.odt", id="docx-odt"),
    ],
)
def test_one_id_two_formats_indexes_the_source_document(
    make_corpus, index_dir, files: dict, indexed: str, skipped: str
) -> None:
    corpus = make_corpus(
        {name: data if isinstance(data, bytes) else data() for name, data in files.items()}
    )
    summary = update_index(corpus, IndexStore(index_dir)).to_dict()
    assert summary["skipped"] == [
        {"path": skipped, "reason": f"same id as {indexed}, which is indexed"}
    ]


def test_broken_documents_are_listed_as_skipped(make_corpus, index_dir) -> None:
    corpus = make_corpus(
        {"casse.docx": b"PK\x03\x04", "coupe.odt": _odt()[:400], "bon.odt": _odt()}
    )
    summary = update_index(corpus, IndexStore(index_dir)).to_dict()
    assert summary["added"] == 1
    reasons = {s["path"]: s["reason"] for s in summary["skipped"]}
    assert reasons.keys() == {"casse.docx", "coupe.odt"}
    assert all(reason.startswith("not a zip archive") for reason in reasons.values())


def test_attachments_are_listed_as_skipped_and_the_mail_indexed(make_corpus, index_dir) -> None:
    corpus = make_corpus({"boite/cp.eml": _eml()})
    summary = update_index(corpus, IndexStore(index_dir)).to_dict()
    assert summary["added"] == 1
    assert summary["skipped"] == [{"path": "boite/cp.eml#cp.pdf", "reason": ATTACHMENT_REASON}]
