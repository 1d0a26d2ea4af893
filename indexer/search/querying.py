"""From the string a user types to a Whoosh query.

The query language (documented in the README): words are all required; ``"phrases"`` (also
« » and “ ”); ``-word`` excludes; ``OR``/``OU``, ``AND``/``ET``, ``NOT``, ``SAUF`` and
parentheses; ``word*`` wildcards; field filters ``agence:``/``agency:``, ``mission:``,
``annee:``/``year:``, ``titre:``/``title:``. Agency and mission names typed as plain words also
match the releases that name them another way (an alias from the gazetteer). The last word,
while it is being typed, also finds the words it begins (``LastWordPlugin``).

It is built from Whoosh parser plugins: an ``EntityPlugin`` tags gazetteer names, a
``FieldsPlugin`` that knows the French field names, and the stock plugins for the rest.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from whoosh import query
from whoosh.qparser import QueryParser, plugins, syntax
from whoosh.qparser.taggers import Tagger

from indexer.analysis.french import analyze, exact_analyzer
from indexer.analysis.normalize import fold
from indexer.analysis.synonyms import Synonyms
from indexer.index.schema import ENTITY_FIELDS, TEXT_FIELDS, entity_key
from indexer.reading.gazetteer import Gazetteer, Mention
from indexer.search.visibility import Visibility
from indexer.search.vocabulary import Vocabulary

log = logging.getLogger(__name__)

# Field names a user may type (folded), and the field each one means.
FIELD_NAMES = {
    "agence": "agency",
    "agences": "agency",
    "agency": "agency",
    "agencies": "agency",
    "mission": "mission",
    "missions": "mission",
    "annee": "year",
    "year": "year",
    "titre": "title",
    "title": "title",
}
_FIELD_ALTERNATIVES = "|".join(sorted({*FIELD_NAMES, "année"}, key=len, reverse=True))
_FIELD_EXPR = rf"(?i)(?<![\w-])(?P<text>{_FIELD_ALTERNATIVES})\s*:(?=\S)"
# A name matched as an entity (any alias) outweighs its words matched one by one elsewhere.
ENTITY_BOOST = 4.0
MIN_CORRECTABLE = 4
MAX_WILDCARDS = 4  # wildcard words per query; more are searched as plain words
MIN_PREFIX = 3  # a shorter last word is searched as a whole word only
PREFIX_EXPANSIONS = 30  # words a last word may stand for, the most frequent first
_WILDCARDS = "*" + plugins.WildcardPlugin.qmarks
_NO_WILDCARDS = str.maketrans(
    dict.fromkeys(_WILDCARDS, " ")
)  # shorter words are too ambiguous to correct


class FrenchFieldsPlugin(plugins.FieldsPlugin):
    """``agence:ESA``, ``annee:2020``...: only the fields a user may name, in French or English."""

    class FieldnameTagger(plugins.RegexTagger):
        def create(self, parser, match):
            name = FIELD_NAMES[fold(match.group("text"))]
            return syntax.FieldnameNode(name, match.group(0))

    def __init__(self) -> None:
        super().__init__(expr=_FIELD_EXPR, remove_unknown=True)


class EntityNode(syntax.SyntaxNode):
    """A gazetteer name typed in a query: the name as written, or the agency/mission it names."""

    # Not a "fieldname" node for MultifieldPlugin, which would copy it once per text field;
    # set_fieldname below still hears a field prefix such as ``agence:``.
    has_fieldname = False
    has_boost = True

    def __init__(self, mention: Mention, surface: str) -> None:
        self.entity = mention.entity
        self.surface = surface
        self.fieldname: str | None = None
        self.boost = 1.0
        self.startchar, self.endchar = mention.start, mention.end

    def r(self) -> str:
        return f"EntityNode {self.entity.kind}:{self.entity.name!r}"

    def set_fieldname(self, name, override=False):
        if self.fieldname is None or override:
            self.fieldname = name
        return self

    def query(self, parser):
        key = entity_key(self.entity.name)
        entity_term = query.Term(self.entity.kind, key, boost=self.boost * ENTITY_BOOST)
        if self.fieldname in ENTITY_FIELDS:  # agence:"Agence spatiale européenne": the entity only
            return entity_term
        fields = [self.fieldname] if self.fieldname else list(TEXT_FIELDS)
        # The name as written is a phrase: its words side by side, not scattered.
        words = [parser.term_query(f, self.surface, parser.termclass) for f in fields]
        return query.Or([*words, entity_term]).normalize()


class EntityTagger(Tagger):
    """Tags the agency and mission names that the gazetteer finds in the query string."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._text: str | None = None
        self._mentions: dict[int, Mention] = {}

    def match(self, parser, text, pos):
        if text is not self._text:
            self._text = text
            self._mentions = {m.start: m for m in self.gazetteer.find(text)}
        mention = self._mentions.get(pos)
        if mention is None:
            return None
        return EntityNode(mention, text[mention.start : mention.end])


class EntityPlugin(plugins.Plugin):
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def taggers(self, parser):
        return [(EntityTagger(self.gazetteer), 5)]  # after quotes and field names


class WildcardLimitPlugin(plugins.Plugin):
    """Bound what wildcards cost: a word starting with one, or past the first few, is searched
    as a plain word (a leading `*` makes Whoosh test every indexed word)."""

    def filters(self, parser):
        return [(self.do_limit, 60)]  # after WildcardPlugin has built its nodes (50)

    def do_limit(self, parser, group, seen: list[int] | None = None):
        seen = [0] if seen is None else seen
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                self.do_limit(parser, node, seen)
            elif isinstance(
                node, plugins.WildcardPlugin.WildcardNode | plugins.PrefixPlugin.PrefixNode
            ):
                seen[0] += 1
                if seen[0] > MAX_WILDCARDS or node.text[:1] in _WILDCARDS:
                    plain = syntax.WordNode(node.text.translate(_NO_WILDCARDS))
                    plain.startchar, plain.endchar = node.startchar, node.endchar
                    group[i] = plain
        return group


class PrefixNode(syntax.SyntaxNode):
    """The last word of a query: itself, or one of the indexed words it begins."""

    has_fieldname = False
    has_boost = False

    def __init__(
        self, node: syntax.SyntaxNode, words: list[str], fields, plugin: LastWordPlugin
    ) -> None:
        self.node = node
        self.words = words
        self.fields = fields  # (fieldname, boost) of the word as the parser placed it
        self.plugin = plugin  # which says whether the word stands for its completions
        self.startchar, self.endchar = node.startchar, node.endchar

    def r(self) -> str:
        return f"PrefixNode {self.node!r} {self.words!r}"

    def query(self, parser):
        if not self.plugin.completing:
            return self.node.query(parser)
        longer = [
            parser.term_query(fieldname, word, parser.termclass, boost=boost)
            for word in self.words
            for fieldname, boost in self.fields
        ]
        return query.Or([self.node.query(parser), *longer]).normalize()


class LastWordPlugin(plugins.Plugin):
    """Prefix search: the query's last word, when it ends the query and has `MIN_PREFIX`
    characters or more, also matches the `PREFIX_EXPANSIONS` most frequent words it begins.

    Completions are looked up among written forms, folded (see ``vocabulary.py``), not stems:
    a start of a word is not a word, and its stem says nothing of the words it begins.
    """

    def __init__(self, vocabulary: Vocabulary, end: int) -> None:
        self.vocabulary = vocabulary
        self.end = end
        self.expanded = False  # whether the parse found completions of the last word
        self.completing = True  # whether the query made of that parse has them

    def filters(self, parser):
        return [(self.do_prefix, 120)]  # after MultifieldPlugin copied words per field (110)

    def do_prefix(self, parser, group):
        if not len(group):
            return group
        last = group[-1]
        if isinstance(last, syntax.AndGroup | syntax.OrGroup) and not _is_word(last):
            self.do_prefix(parser, last)  # the last word inside parentheses or an OR
        elif last.endchar == self.end and _is_word(last):
            group[-1] = self._expand(last)
        return group

    def _expand(self, node: syntax.SyntaxNode) -> syntax.SyntaxNode:
        copies = list(node) if isinstance(node, syntax.GroupNode) else [node]
        tokens = [token.text for token in exact_analyzer()(copies[0].text)]
        if len(tokens) != 1 or len(tokens[0]) < MIN_PREFIX:  # a compound: a phrase of parts
            return node
        found = self.vocabulary.completions(tokens[0], PREFIX_EXPANSIONS + 1)
        words = [w.form for w in found if w.form != tokens[0]][:PREFIX_EXPANSIONS]
        if not words:
            return node
        self.expanded = True
        return PrefixNode(node, words, [(n.fieldname, n.boost) for n in copies], self)


def _is_word(node: syntax.SyntaxNode) -> bool:
    """A plain word: one word node, or the copies of one word in each text field."""
    if isinstance(node, syntax.WordNode):
        return node.fieldname in TEXT_FIELDS
    return (
        isinstance(node, syntax.OrGroup)
        and len(node) > 0
        and all(isinstance(n, syntax.WordNode) and n.fieldname in TEXT_FIELDS for n in node)
        and len({n.text for n in node}) == 1
    )


def _phrase(open_quote: str, close_quote: str) -> plugins.PhrasePlugin:
    expr = rf"{open_quote}\s*(?P<text>.*?)\s*{close_quote}(~(?P<slop>[1-9][0-9]*))?"
    return plugins.PhrasePlugin(expr=expr)


def make_parser(
    schema, gazetteer: Gazetteer, *, any_word: bool = False, prefix: LastWordPlugin | None = None
) -> QueryParser:
    """A parser for the full query language; `any_word` makes words optional (the fallback),
    `prefix` lets the last word stand for the words it begins."""
    group = syntax.OrGroup.factory(0.9) if any_word else syntax.AndGroup
    parser = QueryParser(
        None,
        schema,
        group=group,
        plugins=[
            FrenchFieldsPlugin(),
            plugins.WildcardPlugin(),
            WildcardLimitPlugin(),
            _phrase('"', '"'),
            _phrase("«", "»"),
            _phrase("“", "”"),
            plugins.GroupPlugin(),
            plugins.OperatorsPlugin(
                And=r"(?<=\s)(AND|ET)(?=\s)",
                Or=r"(?<=\s)(OR|OU)(?=\s)",
                AndNot=r"(?<=\s)(ANDNOT|SAUF)(?=\s)",
                AndMaybe=None,
                Require=None,
            ),
            plugins.PlusMinusPlugin(
                plusexpr=r"(?<![^\s(])\+(?=\S)", minusexpr=r"(?<![^\s(])-(?=\S)"
            ),
            EntityPlugin(gazetteer),
            plugins.MultifieldPlugin(list(TEXT_FIELDS)),
        ],
    )
    if prefix is not None:
        parser.add_plugin(prefix)
    return parser


def make_plain_parser(schema, *, any_word: bool = False) -> QueryParser:
    """A parser that reads every character as plain words: for strings the full one rejects."""
    group = syntax.OrGroup.factory(0.9) if any_word else syntax.AndGroup
    return QueryParser(
        None, schema, group=group, plugins=[plugins.MultifieldPlugin(list(TEXT_FIELDS))]
    )


class Parsed(NamedTuple):
    """A user's query as typed, and with its last word also standing for the words it begins
    (the same query when it begins none, or when no vocabulary was given)."""

    typed: query.Query
    longer: query.Query


def parse_query(
    text: str,
    schema,
    gazetteer: Gazetteer,
    *,
    any_word: bool = False,
    vocabulary: Vocabulary | None = None,
    synonyms: Synonyms | None = None,
) -> Parsed:
    """Parse a user's query; malformed syntax is searched as plain words, never an error.

    With a `vocabulary`, the last word also matches the indexed words it begins (prefix search):
    the string is tagged and filtered once, and both queries are made of that one parse.
    `synonyms` add their alternatives to the entries the query holds.
    """
    typed = text
    if synonyms:
        text = synonyms.rewrite(text)
    prefix = LastWordPlugin(vocabulary, len(text)) if vocabulary is not None else None
    try:
        parser = make_parser(schema, gazetteer, any_word=any_word, prefix=prefix)
        nodes = parser.process(text)
        resolver = _EntityResolver(gazetteer)
        longer = as_typed = _query(nodes, parser, resolver)
        if prefix is not None and prefix.expanded:
            prefix.completing = False
            as_typed = _query(nodes, parser, resolver)
        if not _has_error(longer):
            return Parsed(as_typed, longer)
    except Exception:  # Whoosh's parser has corner cases of its own: read it as words instead
        log.debug("query %r parsed as plain words", text, exc_info=True)
    plain = make_plain_parser(schema, any_word=any_word).parse(_words_only(typed))
    return Parsed(plain, plain)


def _query(nodes: syntax.GroupNode, parser: QueryParser, resolver: _EntityResolver) -> query.Query:
    """The query of a parse's syntax nodes, as `QueryParser.parse` makes it, with the
    agencies and missions typed after their field name resolved."""
    return (nodes.query(parser) or query.NullQuery).normalize().accept(resolver)


class _EntityResolver:
    """Map an agency or mission typed after its field name to the canonical indexed key."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def __call__(self, q: query.Query) -> query.Query:
        fieldname = getattr(q, "fieldname", None)
        if fieldname not in ENTITY_FIELDS:
            return q
        if isinstance(q, query.Phrase):
            value = " ".join(q.words)
        elif isinstance(q, query.Term):
            value = q.text
        else:
            return q
        entity = self.gazetteer.lookup(fieldname, value)
        return query.Term(fieldname, entity_key(entity.name if entity else value), boost=q.boost)


def _has_error(q: query.Query) -> bool:
    """Whether Whoosh marked part of the parse as an error (it sets an `error` attribute)."""
    return getattr(q, "error", None) is not None or any(_has_error(c) for c in q.children())


def _words_only(text: str) -> str:
    return " ".join(token.text for token in exact_analyzer()(text))


def correct(text: str, vocabulary: Vocabulary, visible: Visibility) -> str | None:
    """The query with each word the index does not know replaced by its closest indexed word.

    Used for "Vouliez-vous dire …" and for the fuzzy fallback; None when every word is known.
    Known and offered words are those of `visible` releases: a word found only in releases
    under embargo is neither known nor offered.
    """
    pieces: list[str] = []
    last = 0
    for token in exact_analyzer()(text, chars=True):
        word = token.text
        if (
            len(word) < MIN_CORRECTABLE
            or not word.isalpha()
            or text[: token.startchar].endswith(":")
        ):
            continue
        if _is_known(word, visible):
            continue
        maxdist = 1 if len(word) <= 5 else 2
        candidates = vocabulary.near(word, maxdist)
        best = next((c for c in candidates if visible.has_word("exact", c)), None)
        if best:
            pieces += [text[last : token.startchar], best]
            last = token.endchar
    return "".join([*pieces, text[last:]]) if pieces else None


def _is_known(word: str, visible: Visibility) -> bool:
    return any(
        visible.has_word(field, term) for term in analyze(word) for field in ("body", "title")
    )
