"""CSV and JSON Lines writers of an export: quoting, lists, BOM, formula injection."""

from __future__ import annotations

import csv
import io
import json

import pytest

from indexer.search.export import BOM, CSV_COLUMNS, csv_lines, jsonl_lines

ROW = {
    "id": "2020/cp1",
    "title": 'Lancement "historique", enfin\nsuite',
    "date": "2020-09-28",
    "release": None,
    "agencies": ["CNES", "ESA"],
    "missions": [],
    "embargo": None,
    "score": 1.5,
    "url": "/releases/2020/cp1",
}


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


def test_csv_has_a_bom_the_header_and_one_record_per_row() -> None:
    text = "".join(csv_lines([ROW, {**ROW, "id": "b"}]))
    assert text.startswith(BOM + "id,title,date,release,agencies,missions,embargo,url\r\n")
    header, first, second = read_csv(text)
    assert tuple(header) == CSV_COLUMNS
    assert first == [
        "2020/cp1",
        'Lancement "historique", enfin\nsuite',  # quoted, quotes doubled, newline kept
        "2020-09-28",
        "",
        "CNES; ESA",
        "",
        "",  # no embargo
        "/releases/2020/cp1",
    ]
    assert second[0] == "b"


def test_an_empty_export_is_the_header_alone() -> None:
    assert list(csv_lines([])) == [BOM + "id,title,date,release,agencies,missions,embargo,url\r\n"]
    assert list(jsonl_lines([])) == []


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 1 23", "'+33 1 23"),
        ("-2 degrés", "'-2 degrés"),
        ("@SOMME(A1)", "'@SOMME(A1)"),
        ("\tcaché", "'\tcaché"),
        ("Lune = 1", "Lune = 1"),
        ("E-1 est lancé", "E-1 est lancé"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_text(title: str, cell: str) -> None:
    (_, record) = read_csv("".join(csv_lines([{**ROW, "title": title, "agencies": [title]}])))
    assert record[1] == cell
    assert record[4] == cell  # a list is one cell, checked as a whole


def test_jsonl_is_one_object_per_line_as_given() -> None:
    rows = [ROW, {**ROW, "title": "=1+1 Château"}]
    lines = list(jsonl_lines(rows))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert [json.loads(line) for line in lines] == rows
    assert "Château" in lines[1]  # not \u-escaped; no formula guard outside spreadsheets
