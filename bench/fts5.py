"""The SQLite FTS5 baseline: the same files, read by Orbite's own reader, and the same query mix.

It answers what `/api/search` answers (total, facets over every match, one page of ten with
snippets, a corrected query when nothing matches) the way a small SQLite app would, so every
Orbite figure has a reference beside it. FTS5 does not stem: "spatiale" does not find "spatial".
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.analysis.normalize import fold

if TYPE_CHECKING:  # a searching process must not pay for the readers
    from indexer.reading.corpus import CorpusFile

SCHEMA = """
CREATE TABLE releases(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, title TEXT, date TEXT, year TEXT);
CREATE TABLE entities(doc INTEGER, kind TEXT, name TEXT);
CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, 'row');
"""
INDEXES = """
CREATE INDEX releases_date ON releases(date DESC, id);
CREATE INDEX entities_name ON entities(kind, name, doc);
CREATE INDEX entities_doc ON entities(doc, kind, name);
"""
TITLE_WEIGHT = 3.0
_TOKEN = re.compile(r"\w+")
_PHRASE = re.compile(r'"([^"]*)"')

# Facets over the matching set `m`, the agency selection applied for every facet but its own.
# CROSS JOIN keeps the matches as the outer loop: else SQLite scans every entity of a kind.
_COUNTS = """
WITH m(doc) AS MATERIALIZED ({matching}),
     f(doc) AS MATERIALIZED (SELECT doc FROM m WHERE {selected_doc})
SELECT 'total', '', count(*) FROM f
UNION ALL SELECT 'year', r.year, count(*) FROM f JOIN releases r ON r.rowid = f.doc
  WHERE r.year IS NOT NULL GROUP BY r.year
UNION ALL SELECT 'agency', e.name, count(*) FROM m CROSS JOIN entities e ON e.doc = m.doc
  WHERE e.kind = 'agency' GROUP BY e.name
UNION ALL SELECT 'mission', e.name, count(*) FROM f CROSS JOIN entities e ON e.doc = f.doc
  WHERE e.kind = 'mission' GROUP BY e.name
"""
_AGENCY = "{} IN (SELECT doc FROM entities WHERE kind = 'agency' AND name = ?)"
_RANKED = f"""
SELECT r.id, r.title, r.date, snippet(fts, 1, '<mark>', '</mark>', '…', 32),
       bm25(fts, {TITLE_WEIGHT}, 1.0) AS score
FROM fts JOIN releases r ON r.rowid = fts.rowid
WHERE fts MATCH ? AND {{selected_row}} ORDER BY score LIMIT ? OFFSET ?
"""
_NEWEST = """
SELECT r.id, r.title, r.date, substr(fts.body, 1, 240), NULL
FROM (SELECT rowid, id, title, date FROM releases r WHERE {selected_row}
      ORDER BY date DESC, id LIMIT ? OFFSET ?) AS r
JOIN fts ON fts.rowid = r.rowid ORDER BY r.date DESC, r.id
"""


def build(corpus: Path, database: Path) -> int:
    """Index every release of the corpus into a fresh database; the number indexed."""
    from indexer.reading.corpus import (
        scan_corpus,  # a searching process must not pay for the readers
    )

    database.unlink(missing_ok=True)
    files, _ = scan_corpus(corpus)
    with sqlite3.connect(database) as db:
        db.executescript(SCHEMA)
        count = _insert(db, corpus, files.values())
        db.executescript(INDEXES)
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.close()
    return count


def open_for_writing(database: Path) -> sqlite3.Connection:
    """A connection that may write, for incremental updates."""
    return sqlite3.connect(database)


def apply_changes(
    db: sqlite3.Connection, corpus: Path, changed: list[Path], removed: list[Path]
) -> None:
    """Replace the changed files' releases and delete the removed ones, in one transaction."""
    from indexer.reading.corpus import release_id, scan_paths

    with db:
        for path in [*changed, *removed]:
            row = db.execute(
                "SELECT rowid FROM releases WHERE id = ?",
                (release_id(path.relative_to(corpus).as_posix()),),
            ).fetchone()
            if row:
                for table, column in (("releases", "rowid"), ("fts", "rowid"), ("entities", "doc")):
                    db.execute(f"DELETE FROM {table} WHERE {column} = ?", row)
        _insert(db, corpus, scan_paths(corpus, changed).files.values())


def _insert(db: sqlite3.Connection, corpus: Path, files: Iterable[CorpusFile]) -> int:
    """Read each file with Orbite's reader and metadata extractor and add it; the number added.

    The files come with their size and time as a scan saw them: `load_release` reads a file
    whose stat differs again after a pause (a file still being written).
    """
    from indexer.index.indexing import load_release
    from indexer.reading.gazetteer import Gazetteer
    from indexer.reading.readers import SkipFile

    gazetteer = Gazetteer.load(corpus)
    count = 0
    for corpus_file in files:
        try:
            release, _ = load_release(corpus_file, gazetteer)
        except SkipFile:
            continue
        date = release.date.isoformat() if release.date else None
        rowid = db.execute(
            "INSERT INTO releases(id, title, date, year) VALUES (?, ?, ?, ?)",
            (release.id, release.title, date, date[:4] if date else None),
        ).lastrowid
        db.execute(
            "INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
            (rowid, release.title, release.text),
        )
        db.executemany(
            "INSERT INTO entities VALUES (?, ?, ?)",
            [(rowid, "agency", a) for a in release.agencies]
            + [(rowid, "mission", m) for m in release.missions],
        )
        count += 1
    return count


def connect(database: Path) -> sqlite3.Connection:
    """A read-only connection, as a search server would hold."""
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True, check_same_thread=False)


def search(
    db: sqlite3.Connection, q: str = "", agency: list[str] | tuple[str, ...] = (), page: int = 1
) -> dict[str, Any]:
    """Total, facets and a page of ten: all words, else corrected words, else any word."""
    match = to_match(q)
    response = _search(db, match, list(agency), page)
    if match is None or response["total"]:
        return response
    corrected = correct(db, q)
    if corrected:
        response = _search(db, to_match(corrected), list(agency), page)
        response["suggestion"] = corrected
    if not response["total"]:
        words = _TOKEN.findall(corrected or q)
        response = _search(db, " OR ".join(f'"{w}"' for w in words), list(agency), page)
    return response


def to_match(q: str) -> str | None:
    """An FTS5 expression for a user's words: every word required; quoted text is a phrase."""
    phrases = [" ".join(_TOKEN.findall(p)) for p in _PHRASE.findall(q)]
    words = _TOKEN.findall(_PHRASE.sub(" ", q))
    terms = [f'"{p}"' for p in phrases if p] + [f'"{w}"' for w in words]
    return " ".join(terms) or None


def _search(db: sqlite3.Connection, match: str | None, agency: list[str], page: int) -> dict:
    selected = {
        f"selected_{name}": " AND ".join([_AGENCY.format(column)] * len(agency)) or "1"
        for name, column in (("doc", "doc"), ("row", "r.rowid"))
    }
    if match is None:
        matching, params = "SELECT rowid FROM releases", agency
    else:
        matching, params = "SELECT rowid FROM fts WHERE fts MATCH ?", [match, *agency]
    facets: dict[str, list[tuple[str, int]]] = {"agency": [], "mission": [], "year": []}
    total = 0
    sql = _COUNTS.format(matching=matching, **selected)
    for kind, value, count in db.execute(sql, params):
        if kind == "total":
            total = count
        else:
            facets[kind].append((value, count))
    for name, values in facets.items():  # Orbite's orders: newest year first, else by count
        values.sort(key=lambda v: (-int(v[0]), 0) if name == "year" else (-v[1], v[0]))
    offset = (page - 1) * 10
    if match is None:
        rows = db.execute(_NEWEST.format(**selected), [*agency, 10, offset]).fetchall()
    else:
        rows = db.execute(_RANKED.format(**selected), [match, *agency, 10, offset]).fetchall()
    results = [
        {"id": r[0], "title": r[1], "date": r[2], "snippet": r[3], "score": r[4]} for r in rows
    ]
    return {"total": total, "facets": facets, "results": results, "suggestion": None}


def correct(db: sqlite3.Connection, q: str) -> str | None:
    """Each unknown word of 4+ letters replaced by the closest indexed word, as Orbite does."""
    changed = False
    words = []
    for word in _TOKEN.findall(fold(q)):
        if len(word) >= 4 and word.isalpha() and not _known(db, word):
            best = _closest(db, word)
            if best:
                word, changed = best, True
        words.append(word)
    return " ".join(words) if changed else None


def _known(db: sqlite3.Connection, word: str) -> bool:
    return db.execute("SELECT 1 FROM vocab WHERE term = ?", (word,)).fetchone() is not None


def _closest(db: sqlite3.Connection, word: str) -> str | None:
    """The most frequent indexed word within 1 (short words) or 2 edits, same first letter."""
    limit = 1 if len(word) <= 5 else 2
    rows = db.execute(
        "SELECT term, doc FROM vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
        (word[0], chr(ord(word[0]) + 1), len(word) - limit, len(word) + limit),
    )
    scored = [(distance(word, term), -docs, term) for term, docs in rows]
    best = min((s for s in scored if s[0] <= limit), default=None)
    return best[2] if best else None


def distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (a swap costs one edit)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]
