"""Word (.docx) and LibreOffice (.odt) files built in code for tests, from a list of blocks.

A block is a string (a paragraph in the body style), a `Styled` paragraph ("Title",
"Heading 1") or a table given as a list of rows of cell strings:

    docx_bytes("Paris, le 3 mars 2024", Styled("Title", "Lancement"), [["Date", "Lieu"]],
               header=["COMMUNIQUÉ DE PRESSE"])
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import docx
from odf import style as odf_style
from odf import table as odf_table
from odf import text as odf_text
from odf.opendocument import OpenDocumentText

TITLE, HEADING = "Title", "Heading 1"


@dataclass(frozen=True)
class Styled:
    """A paragraph in a named style: "Title" or "Heading 1" (or any style the format knows)."""

    style: str
    text: str


Block = str | Styled | list[list[str]]


def docx_bytes(*blocks: Block, header: list[str] | tuple[str, ...] = ()) -> bytes:
    """A Word file (python-docx's default template) holding `blocks`, with a page header."""
    document = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
        elif isinstance(block, Styled):
            document.add_paragraph(block.text, style=block.style)
        else:
            table = document.add_table(rows=len(block), cols=max(map(len, block)))
            for row, cells in zip(table.rows, block, strict=True):
                for cell, value in zip(row.cells, cells, strict=False):
                    cell.text = value
    paragraphs = document.sections[0].header.paragraphs
    for index, line in enumerate(header):
        paragraph = paragraphs[0] if index == 0 else document.sections[0].header.add_paragraph()
        paragraph.text = line
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_bytes(*blocks: Block, header: list[str] | tuple[str, ...] = ()) -> bytes:
    """A LibreOffice Writer file holding `blocks`, with a page header, as LibreOffice writes
    them: the Title style is a paragraph style, Heading 1 an outline-level-1 heading."""
    document = OpenDocumentText()
    styles = {
        TITLE: odf_style.Style(name="Title", family="paragraph"),
        HEADING: odf_style.Style(name="Heading_20_1", displayname="Heading 1", family="paragraph"),
    }
    for named in styles.values():
        document.styles.addElement(named)
    layout = odf_style.PageLayout(name="Standard")
    document.automaticstyles.addElement(layout)
    page = odf_style.MasterPage(name="Standard", pagelayoutname=layout)
    if header:
        page_header = odf_style.Header()
        for line in header:
            page_header.addElement(odf_text.P(text=line))
        page.addElement(page_header)
    document.masterstyles.addElement(page)
    for block in blocks:
        if isinstance(block, str):
            document.text.addElement(odf_text.P(text=block))
        elif isinstance(block, Styled) and block.style == HEADING:
            document.text.addElement(
                odf_text.H(outlinelevel=1, stylename=styles[HEADING], text=block.text)
            )
        elif isinstance(block, Styled):
            document.text.addElement(odf_text.P(stylename=styles[block.style], text=block.text))
        else:
            document.text.addElement(_odt_table(block))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _odt_table(rows: list[list[str]]) -> odf_table.Table:
    table = odf_table.Table(name="Tableau1")
    table.addElement(odf_table.TableColumn(numbercolumnsrepeated=max(map(len, rows))))
    for cells in rows:
        row = odf_table.TableRow()
        for value in cells:
            cell = odf_table.TableCell(valuetype="string")
            cell.addElement(odf_text.P(text=value))
            row.addElement(cell)
        table.addElement(row)
    return table
