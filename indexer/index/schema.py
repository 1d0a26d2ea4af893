"""The Whoosh schema of a release, and the version that says when an index must be rebuilt."""

from __future__ import annotations

from whoosh.columns import PickleColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from indexer.analysis.french import exact_analyzer, french_analyzer, pairs_analyzer
from indexer.analysis.normalize import fold

# Bump when the schema, the analyzers or the stored layout change: an index written with
# another version is rebuilt from the corpus instead of being misread.
SCHEMA_VERSION = 5

TITLE_BOOST = 3.0
EXACT_BOOST = 1.5
TEXT_FIELDS = {"title": TITLE_BOOST, "body": 1.0, "exact": EXACT_BOOST}
ENTITY_FIELDS = ("agency", "mission")
PAIRS_FIELD = "pairs"


def build_schema() -> Schema:
    """Fields: searchable text (stemmed, and exact forms), facets, and stored display values.

    A compound word in a query ("Bion-M2", "IASI-NG") becomes a phrase of its parts
    (`multitoken_query="phrase"`), so it only matches those parts side by side.

    No text field records positions (`phrase=False`: term frequencies only): phrases are
    answered from the `pairs` field (evaluate.py) and highlighting re-analyses the text, so
    positions would be read by nothing; they were a third of the index (`bench/postings.py`).
    """
    french = french_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        source=STORED(),
        title=TEXT(
            analyzer=french,
            phrase=False,
            stored=True,
            field_boost=TITLE_BOOST,
            multitoken_query="phrase",
        ),
        body=TEXT(analyzer=french, phrase=False, stored=True, multitoken_query="phrase"),
        exact=TEXT(
            analyzer=exact_analyzer(),
            phrase=False,
            field_boost=EXACT_BOOST,
            multitoken_query="phrase",
        ),
        # Neighbouring word pairs of title and text: phrases without positions (evaluate.py).
        pairs=TEXT(analyzer=pairs_analyzer(), phrase=False),
        agency=KEYWORD(commas=True, scorable=True),
        mission=KEYWORD(commas=True, scorable=True),
        year=ID(),
        date=STORED(),
        release=STORED(),
        agencies=STORED(),
        missions=STORED(),
        embargo=STORED(),  # ISO 8601 with its offset, as written
        # Per-document values read in bulk once per searcher: facets, filters, date sorting,
        # and the file fingerprint that incremental indexing compares.
        facts=COLUMN(PickleColumn(VarBytesColumn())),
    )


def entity_key(name: str) -> str:
    """The indexed form of an agency or mission name: folded, without commas."""
    return fold(name).replace(",", " ").strip()
