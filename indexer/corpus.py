"""Listing the corpus folder: which files are releases, their ids, and which are skipped."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer import synonyms
from indexer.gazetteer import USER_FILE_NAME
from indexer.readers import SUPPORTED_SUFFIXES, SkipFile, check_status

# When two files differ only by their extension they would share an id: the first suffix in
# this order is indexed and the other one is skipped with its reason.
SUFFIX_PRECEDENCE = (".md", ".markdown", ".html", ".htm", ".txt", ".docx", ".odt", ".pdf", ".eml")
# Files at the corpus's root that configure Orbite rather than hold a release.
_SETTINGS_FILES = (USER_FILE_NAME, synonyms.FILE_NAME)


@dataclass(frozen=True)
class CorpusFile:
    """A release file found in the corpus, with what tells us whether it changed."""

    id: str
    source: str
    path: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    """A file left out of the index, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


def release_id(source: str) -> str:
    """The id of a release: its path relative to the corpus, without extension, '/'-separated."""
    stem, _ = os.path.splitext(source)
    return stem


def scan_corpus(corpus: Path) -> tuple[dict[str, CorpusFile], list[Skipped]]:
    """Walk the corpus recursively, ignoring hidden files and folders and the settings files
    at its root (gazetteer.yaml, synonyms.yaml)."""
    return _select(corpus, _walk(corpus))


@dataclass
class CorpusChanges:
    """What a set of changed paths stands for: the files to look at and the ids they touch.

    `files` are the release files now at those places; `ids` every release id they may
    concern (added, changed or gone), None for the whole corpus; `folders` the folder
    prefixes (``"a/b/"``) whose indexed releases are checked against `files` too, for
    folders that moved or vanished.
    """

    files: dict[str, CorpusFile]
    skipped: list[Skipped]
    ids: set[str] | None
    folders: set[str]


def scan_paths(corpus: Path, paths: Iterable[Path]) -> CorpusChanges:
    """Look only at the given changed paths (files or folders, present or gone).

    A file's id may be shared by a sibling with another extension, so every sibling of the
    same stem is looked at again, and the precedence of `scan_corpus` decides between them.
    """
    sources: set[str] = set()
    ids: set[str] = set()
    folders: set[str] = set()
    for path in paths:
        source = _relative(corpus, Path(path))
        if source is None:
            continue
        full = corpus / source
        if full.is_dir() and not full.is_symlink():
            folders.add(f"{source}/")
            sources.update(f"{source}/{name}" for name in _walk_names(full))
            continue
        if not full.exists():
            folders.add(f"{source}/")  # a folder that vanished, or a file: both are checked
        ids.add(release_id(source))
        sources.update(_siblings(corpus, source))
    files, skipped = _select(corpus, sources)
    ids.update(files)
    return CorpusChanges(files, skipped, ids, folders)


def _relative(corpus: Path, path: Path) -> str | None:
    """`path` as a corpus source (posix, relative), or None when it is not a release's place."""
    root = Path(os.path.abspath(corpus))
    try:
        relative = Path(os.path.abspath(path)).relative_to(root)
    except ValueError:
        return None
    parts = relative.parts
    if not parts or any(part.startswith(".") for part in parts):
        return None
    if len(parts) == 1 and parts[0] in _SETTINGS_FILES:
        return None
    return relative.as_posix()


def _siblings(corpus: Path, source: str) -> list[str]:
    """`source` and the files of its folder that share its stem (hence its id)."""
    folder, _, name = source.rpartition("/")
    stem = os.path.splitext(name)[0]
    directory = corpus / folder if folder else corpus
    found = [source] if (corpus / source).exists() or (corpus / source).is_symlink() else []
    try:
        with os.scandir(directory) as entries:
            names = [e.name for e in entries if not e.name.startswith(".") and not e.is_dir()]
    except OSError:
        return found
    prefix = f"{folder}/" if folder else ""
    found += [
        prefix + n
        for n in names
        if os.path.splitext(n)[0] == stem
        and prefix + n != source
        and prefix + n not in _SETTINGS_FILES
    ]
    return found


def _select(corpus: Path, sources: Iterable[str]) -> tuple[dict[str, CorpusFile], list[Skipped]]:
    """The release files among `sources` and the skipped ones, with their reasons."""
    found: dict[str, CorpusFile] = {}
    skipped: list[Skipped] = []
    root = corpus.resolve()
    for source in sorted(sources, key=_precedence):
        path = corpus / source
        if path.is_symlink() and not _inside(path, root):
            skipped.append(Skipped(source, "link to a file outside the corpus"))
            continue
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            skipped.append(Skipped(source, f"unsupported file type {suffix or '(none)'}"))
            continue
        try:
            stat = path.stat()
            check_status(stat)
        except OSError as exc:
            skipped.append(Skipped(source, f"unreadable: {exc.strerror or exc}"))
            continue
        except SkipFile as exc:
            skipped.append(Skipped(source, exc.reason))
            continue
        doc_id = release_id(source)
        if doc_id in found:
            skipped.append(Skipped(source, f"same id as {found[doc_id].source}, which is indexed"))
            continue
        found[doc_id] = CorpusFile(doc_id, source, path, stat.st_size, stat.st_mtime_ns)
    skipped.sort(key=lambda s: s.path)
    return found, skipped


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links: reading it will say why
        return True


def _walk(corpus: Path) -> Iterator[str]:
    for name in _walk_names(corpus):
        if name not in _SETTINGS_FILES:
            yield name


def _walk_names(folder: Path) -> Iterator[str]:
    """Every file under `folder` that is not hidden, relative and '/'-separated."""
    for directory, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        relative = Path(directory).relative_to(folder)
        for name in filenames:
            if not name.startswith("."):
                yield (relative / name).as_posix()


def _precedence(source: str) -> tuple[str, int, str]:
    stem, suffix = os.path.splitext(source)
    suffix = suffix.lower()
    rank = (
        SUFFIX_PRECEDENCE.index(suffix) if suffix in SUFFIX_PRECEDENCE else len(SUFFIX_PRECEDENCE)
    )
    return stem, rank, source
