"""Readers of word-processor files: Word `.docx` (python-docx) and LibreOffice `.odt` (odfpy).

Both give the same shape of text: the page header's lines first (where press offices put
"COMMUNIQUÉ DE PRESSE"), a blank line, then the body in reading order, paragraphs separated by
blank lines and each table row on a line of its own, cells separated by a space so that words
never glue. The headline candidate is the first paragraph in the Title style, else the first in
Heading 1 (or a style based on them). A file that is not a zip archive, is encrypted, unpacks to
more than `MAX_UNPACKED` bytes or cannot be parsed raises `SkipFile` with its reason.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

import docx
from docx.table import Table, _Cell  # _Cell: the documented cell type (docx.table._Cell)
from docx.text.paragraph import Paragraph
from odf import opendocument, teletype
from odf.element import Element
from odf.namespaces import STYLENS, TABLENS, TEXTNS

from indexer.reading.skip import SkipFile
from indexer.release import Document

MAX_UNPACKED = 200 * 2**20  # a zip bomb is refused before it is unpacked
TITLE, HEADING = "title", "heading 1"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # what Office wraps an encrypted file in


def read_docx(data: bytes) -> Document:
    """The text, header lines first, and the Title (else Heading 1) paragraph of a Word file."""
    if data.startswith(_CFB_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise SkipFile("encrypted document (password required)")
        raise SkipFile("old binary Word file (.doc), not .docx")
    _check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
        header = [p.text for p in _docx_header(document)]
        blocks = list(_docx_blocks(document.iter_inner_content()))
    except Exception as exc:  # python-docx and lxml raise many types on broken parts
        raise SkipFile(f"Word document could not be parsed: {_message(exc)}") from exc
    return _document(header, [text for text, _ in blocks], _headline(blocks))


def read_odt(data: bytes) -> Document:
    """The text, header lines first, and the Title (else Heading 1) paragraph of an .odt file."""
    archive = _check_zip(data)
    try:
        manifest = archive.read("META-INF/manifest.xml")
    except KeyError:
        manifest = b""
    if b"encryption-data" in manifest:
        raise SkipFile("encrypted document (password required)")
    try:
        document = opendocument.load(io.BytesIO(data))
        styles = _odt_parent_styles(document)
        header = [_odt_text(p) for p in _odt_header(document)]
        blocks = list(_odt_blocks(document.text.childNodes, styles))
    except Exception as exc:  # odfpy and its XML parser raise many types on broken parts
        raise SkipFile(f"OpenDocument file could not be parsed: {_message(exc)}") from exc
    return _document(header, [text for text, _ in blocks], _headline(blocks))


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SkipFile("not a zip archive: damaged, or not a word-processor file") from exc
    if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
        raise SkipFile(f"unpacks to more than {MAX_UNPACKED // 2**20} MB")
    return archive


def _message(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _document(header: list[str], blocks: list[str], title: str | None) -> Document:
    lines = [line for line in header if line.strip()]
    parts = ["\n".join(lines)] if lines else []
    return Document(text="\n\n".join(parts + blocks), title=title)


def _headline(blocks: list[tuple[str, str | None]]) -> str | None:
    """The first Title paragraph, else the first Heading 1, as one line."""
    for wanted in (TITLE, HEADING):
        found = next((text for text, style in blocks if style == wanted and text.strip()), None)
        if found:
            return " ".join(found.split())
    return None


# --- Word ---------------------------------------------------------------------------------


def _docx_header(document) -> list[Paragraph]:
    """The paragraphs of the first page's header (its own one when the first page differs)."""
    if not document.sections:
        return []
    section = document.sections[0]
    header = section.first_page_header if section.different_first_page_header_footer else None
    if header is None or not header.paragraphs:
        header = section.header
    return [p for block in header.iter_inner_content() for p in _docx_paragraphs(block)]


def _docx_paragraphs(block: Paragraph | Table) -> Iterator[Paragraph]:
    if isinstance(block, Paragraph):
        yield block
        return
    for cell in _docx_cells(block):
        for inner in cell.iter_inner_content():
            yield from _docx_paragraphs(inner)


def _docx_cells(table: Table) -> Iterator[_Cell]:
    """Each cell once, even a merged one that python-docx repeats over the rows it spans."""
    return (cell for row in _docx_rows(table) for cell in row)


def _docx_rows(table: Table) -> Iterator[list[_Cell]]:
    """Each row's cells, a merged cell only in the first row it spans and once in it.

    python-docx gives a merged cell once per grid column and row it spans, as separate
    proxies (a vertical span's are new objects) of the one `<w:tc>` element. It has no public
    identity for a cell (`_Cell` is no `ElementProxy`, so has no `__eq__`, in python-docx 1.1
    and 1.2), so this is the one place that reads its private element, `_tc`.
    """
    seen: set[int] = set()
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell)
        yield cells


def _docx_blocks(blocks: Iterable[Paragraph | Table]) -> Iterator[tuple[str, str | None]]:
    """(text, style kind) of each paragraph and table, in reading order."""
    for block in blocks:
        if isinstance(block, Paragraph):
            if block.text.strip():
                yield block.text, _docx_style_kind(block)
        else:
            rows = [_docx_row(cells) for cells in _docx_rows(block)]
            text = "\n".join(row for row in rows if row.strip())
            if text:
                yield text, None


def _docx_row(cells: list[_Cell]) -> str:
    texts = [
        " ".join(" ".join(text for text, _ in _docx_blocks(cell.iter_inner_content())).split())
        for cell in cells
    ]
    return " ".join(text for text in texts if text)


def _docx_style_kind(paragraph: Paragraph) -> str | None:
    """TITLE or HEADING when the paragraph's style, or one it is based on, is one of them."""
    style = paragraph.style
    while style is not None:
        name = (style.name or "").lower()
        if name in (TITLE, HEADING):
            return name
        style = style.base_style
    return None


# --- OpenDocument -------------------------------------------------------------------------

_PARAGRAPHS = {(TEXTNS, "p"), (TEXTNS, "h")}
_CONTAINERS = {
    (TEXTNS, "list"), (TEXTNS, "list-item"), (TEXTNS, "list-header"), (TEXTNS, "section"),
    (TABLENS, "table-header-rows"), (TABLENS, "table-rows"), (TABLENS, "table-row-group"),
}  # fmt: skip
_ODT_STYLE_NAMES = {"title": TITLE, "heading_20_1": HEADING, "heading 1": HEADING}


def _odt_header(document) -> Iterator[Element]:
    """The paragraphs of the first master page's header (first-page header when it has one)."""
    for page in document.masterstyles.childNodes:
        if page.qname != (STYLENS, "master-page"):
            continue
        headers = {node.qname[1]: node for node in page.childNodes}
        header = headers.get("header-first") or headers.get("header")
        if header is not None:
            yield from _odt_paragraphs(header)
        return


def _odt_paragraphs(node: Element) -> Iterator[Element]:
    for child in node.childNodes:
        if child.qname in _PARAGRAPHS:
            yield child
        elif child.nodeType == child.ELEMENT_NODE:
            yield from _odt_paragraphs(child)


def _odt_parent_styles(document) -> dict[str, str]:
    """Automatic style name -> the named style it derives from ("P1" -> "Title")."""
    parents: dict[str, str] = {}
    for styles in (document.automaticstyles, document.styles):
        for style in styles.childNodes:
            name = style.attributes.get((STYLENS, "name"))
            parent = style.attributes.get((STYLENS, "parent-style-name"))
            if name and parent:
                parents.setdefault(name, parent)
    return parents


def _odt_blocks(
    nodes: Iterable[Element], parents: dict[str, str]
) -> Iterator[tuple[str, str | None]]:
    """(text, style kind) of each paragraph and table, in reading order."""
    for node in nodes:
        if node.qname in _PARAGRAPHS:
            text = _odt_text(node)
            if text.strip():
                yield text, _odt_style_kind(node, parents)
        elif node.qname == (TABLENS, "table"):
            text = "\n".join(row for row in _odt_rows(node) if row)
            if text:
                yield text, None
        elif node.qname in _CONTAINERS:
            yield from _odt_blocks(node.childNodes, parents)


def _odt_rows(table: Element) -> Iterator[str]:
    for node in table.childNodes:
        if node.qname == (TABLENS, "table-row"):
            cells = [
                " ".join(" ".join(_odt_text(p) for p in _odt_paragraphs(cell)).split())
                for cell in node.childNodes
                if cell.qname == (TABLENS, "table-cell")
            ]
            yield " ".join(cell for cell in cells if cell)
        elif node.nodeType == node.ELEMENT_NODE:
            yield from _odt_rows(node)


def _odt_text(paragraph: Element) -> str:
    return teletype.extractText(paragraph)


def _odt_style_kind(node: Element, parents: dict[str, str]) -> str | None:
    if node.qname == (TEXTNS, "h") and node.attributes.get((TEXTNS, "outline-level")) == "1":
        return HEADING
    style = node.attributes.get((TEXTNS, "style-name"))
    for _ in range(10):  # a loop of parents in a broken file must end
        if style is None:
            return None
        kind = _ODT_STYLE_NAMES.get(style.lower())
        if kind:
            return kind
        style = parents.get(style)
    return None
