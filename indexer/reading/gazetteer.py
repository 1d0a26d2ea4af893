"""The gazetteer: the agencies and missions Orbite knows, and where a text names them.

The packaged list lives in `data/gazetteer.yaml`; a corpus may extend it with its own
`gazetteer.yaml` (same format). Names are matched on folded text (case, accents and apostrophes
ignored) by one compiled regular expression, so that indexing thousands of releases stays cheap.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pathlib
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from indexer.analysis.normalize import fold, fold_char, fold_with_offsets

# libyaml's loader when PyYAML has it (10x faster), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

AGENCY = "agency"
MISSION = "mission"
USER_FILE_NAME = "gazetteer.yaml"

_SECTIONS = {AGENCY: "agencies", MISSION: "missions"}
_ENTRY_KEYS = ("name", "aliases", "case_sensitive", "family")
_SEPARATORS = re.compile(r"[\s-]+")
# Inside a name a space and a hyphen are interchangeable (a name may also wrap onto the next line);
# between letters and digits the separator may be left out: "Sentinel-6", "Sentinel 6", "Sentinel6".
_LINK = r"[\s-]{1,3}"
_OPTIONAL_LINK = r"[\s-]{0,3}"
_END = ""  # trie key marking the end of a name; every other key is a non-empty regex atom


class GazetteerError(ValueError):
    """A gazetteer file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Entity:
    """An agency or a mission, under its canonical name."""

    kind: str
    name: str
    aliases: tuple[str, ...]
    family: str | None = None  # the canonical name of the entity it is a member of


@dataclass(frozen=True)
class Mention:
    """Where a text names an entity, as offsets in the text given to `Gazetteer.find`."""

    start: int
    end: int
    entity: Entity


@dataclass
class _Entry:
    """An entry while files are read and merged; `names` starts with the canonical name."""

    kind: str
    names: list[str]
    case_sensitive: list[str] = field(default_factory=list)
    family: str | None = None


class Gazetteer:
    """Known agencies and missions, and a matcher that finds them in text."""

    fingerprint: str

    def __init__(self, entries: list[_Entry], source: str) -> None:
        self._entities: list[Entity] = []
        # Name key -> its entity, and the capitalisations it requires (None: any).
        self._index: dict[str, tuple[Entity, frozenset[str] | None]] = {}
        self._folded_names: set[str] = set()
        for entry in entries:
            self._add(entry, source)
        self._link_families(source)
        payload = json.dumps([[e.kind, e.names, e.case_sensitive, e.family] for e in entries])
        self.fingerprint = hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @classmethod
    def load(cls, corpus: pathlib.Path | None = None) -> Gazetteer:
        """Packaged data, plus corpus/gazetteer.yaml when it exists (entries merged by canonical
        name folded: extra aliases added; new entries appended; the user file wins a name they
        share). A malformed user file raises GazetteerError naming the file and the problem."""
        packaged = resources.files("indexer").joinpath("data", "gazetteer.yaml")
        user_file = corpus / USER_FILE_NAME if corpus is not None else None
        user = None
        if user_file is not None and user_file.is_file():
            try:
                user = (str(user_file), user_file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as error:
                raise GazetteerError(
                    f"{user_file}: cannot be read as UTF-8 text ({error})"
                ) from error
        return cls._made(str(packaged), packaged.read_text(encoding="utf-8"), user)

    @classmethod
    @functools.lru_cache(maxsize=4)
    def _made(cls, source: str, text: str, user: tuple[str, str] | None) -> Gazetteer:
        """One gazetteer per content of its files, kept: the watcher's every update and every
        new snapshot load it again, and its pattern takes a tenth of a second to compile."""
        entries = _parse(_read_yaml(text, source), source)
        if user is None:
            return cls(entries, source)
        label, user_text = user
        return cls(_merge(entries, _parse(_read_yaml(user_text, label), label)), label)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Gazetteer:
        """A gazetteer from in-memory data shaped like the YAML file, for tests."""
        return cls(_parse(data, "gazetteer mapping"), "gazetteer mapping")

    @functools.cached_property
    def _regex(self) -> re.Pattern[str]:
        """Every name in one pattern, compiled on first use: `orbite index` with nothing
        to index needs only the fingerprint."""
        return _compile(self._folded_names)

    def find(self, text: str) -> list[Mention]:
        """All mentions, left to right, non-overlapping, the longest name first at a position."""
        folded, offsets = fold_with_offsets(text)
        mentions: list[Mention] = []
        position = 0
        while match := self._regex.search(folded, position):
            start, end = match.span()
            if offsets is not None:
                start, end = offsets[start], offsets[end - 1] + 1
            entity, spellings = self._index[_SEPARATORS.sub("", match.group())]
            if spellings is None or _case_key(text[start:end]) in spellings:
                mentions.append(Mention(start, end, entity))
                position = match.end()
            else:
                position = match.start() + 1
        return mentions

    def lookup(self, kind: str, name: str) -> Entity | None:
        """The entity whose canonical name or alias equals `name` (folded), else None."""
        _check_kind(kind)
        hit = self._index.get(name_key(name))
        return hit[0] if hit is not None and hit[0].kind == kind else None

    def canonical(self, kind: str, name: str) -> str:
        """The canonical name of `name` when it names a known entity of `kind`, else `name`."""
        entity = self.lookup(kind, name)
        return entity.name if entity is not None else name

    def entities(self, kind: str) -> list[Entity]:
        """Every entity of a kind, in file order (packaged entries first), for listings."""
        _check_kind(kind)
        return [entity for entity in self._entities if entity.kind == kind]

    def _add(self, entry: _Entry, source: str) -> None:
        """Register an entry's names, refusing a name that already belongs to another entity."""
        by_key: dict[str, str] = {}
        for name in entry.names:
            by_key.setdefault(name_key(name), name)
            self._folded_names.add(fold(name))
        entity = Entity(entry.kind, entry.names[0], tuple(by_key.values()), entry.family)
        for key, name in by_key.items():
            other = self._index.get(key)
            if other is not None:
                raise GazetteerError(
                    f"{source}: {name!r} names both {other[0].kind} {other[0].name!r}"
                    f" and {entity.kind} {entity.name!r}"
                )
            spellings = {_case_key(n) for n in entry.case_sensitive if name_key(n) == key}
            self._index[key] = (entity, frozenset(spellings) if spellings else None)
        self._entities.append(entity)

    def _link_families(self, source: str) -> None:
        """Give each member its family's canonical name; a family that is not an entity of the
        same kind is an error, not a name silently never found."""
        for number, entity in enumerate(self._entities):
            if entity.family is None:
                continue
            hit = self._index.get(name_key(entity.family))
            if hit is None or hit[0].kind != entity.kind or hit[0] is entity:
                raise GazetteerError(
                    f"{source}: {entity.name!r} has family {entity.family!r},"
                    f" which is not another {entity.kind} of the gazetteer"
                )
            member = Entity(entity.kind, entity.name, entity.aliases, hit[0].name)
            self._entities[number] = member
            for name in entity.aliases:
                key = name_key(name)
                self._index[key] = (member, self._index[key][1])


def _check_kind(kind: str) -> None:
    """Reject a kind other than AGENCY or MISSION, which would otherwise silently find nothing."""
    if kind not in _SECTIONS:
        raise ValueError(f"unknown entity kind {kind!r} (expected {AGENCY!r} or {MISSION!r})")


def name_key(name: str) -> str:
    """The form under which two spellings are the same name: folded, without separators."""
    return _SEPARATORS.sub("", fold(name))


def _case_key(text: str) -> str:
    """Like `_key` but keeping case, to check names that are names only when capitalised."""
    kept = "".join(fold_char(c).upper() if c.isupper() else fold_char(c) for c in text)
    return _SEPARATORS.sub("", kept)


def _read_yaml(text: str, label: str) -> Any:
    """Parse YAML, reporting a syntax error with the file it comes from."""
    try:
        return yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise GazetteerError(f"{label}: invalid YAML ({error})") from error


def _parse(data: Any, label: str) -> list[_Entry]:
    """Validate gazetteer data and turn it into entries, or say precisely what is wrong."""
    if data is None:
        return []
    if not isinstance(data, dict):
        raise GazetteerError(f"{label}: expected a mapping with 'agencies' and/or 'missions' lists")
    for key in data:
        if key not in _SECTIONS.values():
            raise GazetteerError(f"{label}: unknown section {key!r} (expected agencies, missions)")
    entries = []
    for kind, section in _SECTIONS.items():
        items = _listed(data.get(section), f"{label}: '{section}'", "entries")
        for number, item in enumerate(items, start=1):
            entries.append(_parse_entry(item, kind, f"{label}: {section} entry {number}"))
    return entries


def _parse_entry(item: Any, kind: str, where: str) -> _Entry:
    """One validated entry; `where` locates it in error messages."""
    if not isinstance(item, dict) or not _is_name(item.get("name")):
        raise GazetteerError(f"{where}: expected a mapping with a 'name' (a non-empty string)")
    where = f"{where} ({item['name']})"
    for key in item:
        if key not in _ENTRY_KEYS:
            expected = ", ".join(_ENTRY_KEYS)
            raise GazetteerError(f"{where}: unknown key {key!r} (expected {expected})")
    aliases = _names(item.get("aliases"), f"{where}: 'aliases'")
    case_sensitive = _names(item.get("case_sensitive"), f"{where}: 'case_sensitive'")
    family = item.get("family")
    if family is not None and not _is_name(family):
        raise GazetteerError(f"{where}: 'family' must be the name of another entry")
    names = [item["name"].strip(), *aliases, *case_sensitive]
    return _Entry(kind, names, case_sensitive, family.strip() if family else None)


def _listed(value: Any, where: str, what: str) -> list[Any]:
    """A YAML list, an absent one being empty; anything else is an error that says so."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise GazetteerError(f"{where} must be a list of {what}")
    return value


def _names(value: Any, where: str) -> list[str]:
    """A validated list of names (an absent list is empty)."""
    value = _listed(value, where, "names")
    for name in value:
        if not _is_name(name):
            raise GazetteerError(f"{where}: {name!r} is not a name (a string with letters)")
    return [name.strip() for name in value]


def _is_name(value: Any) -> bool:
    """True for a string a name can be matched by: one with a letter or a digit once folded."""
    return isinstance(value, str) and re.search(r"[a-z0-9]", fold(value)) is not None


def _merge(base: list[_Entry], extra: list[_Entry]) -> list[_Entry]:
    """Packaged entries extended by the user's: known names gain aliases, new entries come last.

    The corpus owner has the last word: a name the user file gives to an entry is taken away
    from any other packaged entry, and a packaged entry that loses its canonical name is left out.
    """
    packaged = [_Entry(e.kind, list(e.names), list(e.case_sensitive), e.family) for e in base]
    by_name = {(e.kind, name_key(e.names[0])): e for e in packaged}
    added: list[_Entry] = []
    claims: dict[str, _Entry] = {}
    for entry in extra:
        target = by_name.setdefault((entry.kind, name_key(entry.names[0])), entry)
        if target is entry:
            added.append(entry)
        else:
            target.names.extend(entry.names[1:])
            target.case_sensitive.extend(entry.case_sensitive)
            target.family = entry.family or target.family
        claims.update((name_key(name), target) for name in entry.names)
    kept = [_unclaimed(entry, claims) for entry in packaged]
    return [entry for entry in kept if entry is not None] + added


def _unclaimed(entry: _Entry, claims: dict[str, _Entry]) -> _Entry | None:
    """A packaged entry without the names claimed by another entry; None if it loses its own."""

    def own(name: str) -> bool:
        return claims.get(name_key(name), entry) is entry

    if not own(entry.names[0]):
        return None
    entry.names = [name for name in entry.names if own(name)]
    entry.case_sensitive = [name for name in entry.case_sensitive if own(name)]
    return entry


def _compile(names: set[str]) -> re.Pattern[str]:
    """One regex for all folded names, built as a trie so that a position is tested in one pass."""
    trie: dict[str, Any] = {}
    for name in names:
        node = trie
        for atom in _atoms(name):
            node = node.setdefault(atom, {})
        node[_END] = {}
    return re.compile(rf"(?<![a-z0-9])(?:{_emit(trie)})(?![a-z0-9])")


def _atoms(folded: str) -> list[str]:
    """Regex atoms of a folded name: its characters, with flexible links between its parts."""
    atoms: list[str] = []
    previous = ""
    for word in _SEPARATORS.split(folded.strip()):
        for index, char in enumerate(word):
            if previous.isalnum() and char.isalnum() and previous.isdigit() != char.isdigit():
                atoms.append(_OPTIONAL_LINK)
            elif previous and index == 0:
                atoms.append(_LINK)
            atoms.append(re.escape(char))
            previous = char
    return atoms


def _emit(node: dict[str, Any]) -> str:
    """Regex source of a trie node; a name ending here is optional, so longer ones win."""
    branches = [atom + _emit(child) for atom, child in node.items() if atom != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if _END in node else body
