"""Listing the corpus folder: which files are releases, their ids, and which are skipped."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from indexer.analysis import synonyms
from indexer.children import on_two_cores
from indexer.reading.gazetteer import USER_FILE_NAME
from indexer.reading.readers import SUPPORTED_SUFFIXES, SkipFile, check_status

# When two files differ only by their extension they would share an id: the first suffix in
# this order is indexed and the other one is skipped with its reason.
SUFFIX_PRECEDENCE = (".md", ".markdown", ".html", ".htm", ".txt", ".docx", ".odt", ".pdf", ".eml")
# Files at the corpus's root that configure Orbite rather than hold a release.
_SETTINGS_FILES = (USER_FILE_NAME, synonyms.FILE_NAME)
_new_tuple = tuple.__new__
_NAME = attrgetter("name")
_PATH = attrgetter("path")
PARALLEL_FROM = 20_000  # files from which a scan runs on two cores (see `scan_corpus`)


class CorpusFile(NamedTuple):
    """A release file found in the corpus, with what tells us whether it changed.

    A named tuple: a scan makes one per file, five times faster than a frozen dataclass."""

    id: str
    source: str
    corpus: Path  # the corpus folder the source is relative to
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        # Made when a file is read, not for each file of a scan: pathlib costs more than a stat.
        return self.corpus / self.source


@dataclass(frozen=True)
class Skipped:
    """A file left out of the index, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


def release_id(source: str) -> str:
    """The id of a release: its path relative to the corpus, without extension, '/'-separated."""
    return split_suffix(source)[0]


def split_suffix(source: str) -> tuple[str, str]:
    """`os.path.splitext` for '/'-separated sources, four times faster (a scan splits every
    file's name): the suffix starts at the last dot of the name, unless only dots precede it."""
    dot = source.rfind(".")
    start = source.rfind("/") + 1
    # A name rarely starts with a dot (hidden ones are not scanned): no slice for the others.
    if dot > start and (source[start] != "." or source[start:dot].strip(".")):
        return source[:dot], source[dot:]
    return source, ""


def scan_corpus(corpus: Path) -> tuple[dict[str, CorpusFile], list[Skipped]]:
    """Walk the corpus recursively, ignoring hidden files and folders and the settings files
    at its root (gazetteer.yaml, synonyms.yaml).

    One `os.scandir` per folder and one `stat` per file (the entry's): `orbite index` with
    nothing changed is mostly this walk. From PARALLEL_FROM files, a forked child stats and
    selects the second half of the files while this process does the first (a stat is a
    system call, and the selection Python: neither is faster in threads).
    """
    with collector_paused():
        entries = [(s, e) for s, e in _entries(corpus) if s not in _SETTINGS_FILES]
        if len(entries) < PARALLEL_FROM:
            return _select(corpus, entries)
        seam = _seam(entries)
        (found, skipped), (more, more_skipped) = on_two_cores(
            partial(_select, corpus),
            entries[:seam],
            entries[seam:],
            _encode,
            partial(_decode, corpus),
        )
        found.update(more)
        return found, sorted(skipped + more_skipped, key=_PATH)


def _seam(entries: list[tuple[str, os.DirEntry]]) -> int:
    """Where a scan is cut in two: the middle, moved past the files that may share an id
    with the one before it. Files of one id are in one folder and begin alike up to the
    first dot of their names, and a folder's names are listed in order."""

    def start(source: str) -> str:
        dot = source.find(".", source.rfind("/") + 1)
        return source if dot < 0 else source[:dot]

    seam = len(entries) // 2
    while seam < len(entries) and start(entries[seam - 1][0]) == start(entries[seam][0]):
        seam += 1
    return seam


def _encode(selected: tuple[dict[str, CorpusFile], list[Skipped]]) -> bytes:
    """The forked half's files as lists and arrays: pickling a named tuple a file would cost
    more than it saves."""
    found, skipped = selected
    files = found.values()
    return pickle.dumps(
        (
            list(found),
            [f.source for f in files],
            array("q", [f.size for f in files]),
            array("q", [f.mtime_ns for f in files]),
            skipped,
        ),
        protocol=pickle.HIGHEST_PROTOCOL,
    )


def _decode(corpus: Path, data: bytes) -> tuple[dict[str, CorpusFile], list[Skipped]]:
    ids, sources, sizes, mtimes, skipped = pickle.loads(data)
    rows = zip(ids, sources, [corpus] * len(ids), sizes, mtimes, strict=True)
    return {row[0]: _new_tuple(CorpusFile, row) for row in rows}, skipped


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while objects that form no cycle pile up, which it
    would walk again and again for nothing: a scan makes a few per file (a tenth of a scan of
    100,000 files was the collector), and so does unpickling what is indexed of each release
    (a searcher's tables of 100,000 releases load in 0.22 s with it, 0.03 s without)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


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
    sources: dict[str, os.DirEntry | None] = {}
    ids: set[str] = set()
    folders: set[str] = set()
    for path in paths:
        source = _relative(corpus, Path(path))
        if source is None:
            continue
        full = corpus / source
        if full.is_dir() and not full.is_symlink():
            folders.add(f"{source}/")
            sources.update(_entries(full, f"{source}/"))
            continue
        if not full.exists():
            folders.add(f"{source}/")  # a folder that vanished, or a file: both are checked
        ids.add(release_id(source))
        sources.update((sibling, None) for sibling in _siblings(corpus, source))
    files, skipped = _select(corpus, sorted(sources.items()))
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
    stem = split_suffix(name)[0]
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
        if split_suffix(n)[0] == stem and prefix + n != source and prefix + n not in _SETTINGS_FILES
    ]
    return found


def _select(
    corpus: Path, sources: Iterable[tuple[str, os.DirEntry | None]]
) -> tuple[dict[str, CorpusFile], list[Skipped]]:
    """The release files among `sources` (each with its directory entry, when the walk gave
    one) and the skipped ones, with their reasons.

    Two files of one id (`a.md`, `a.txt`): the first suffix of SUFFIX_PRECEDENCE is indexed.
    A scan runs this loop for each file of the corpus: no `Path` and no call beyond the
    `stat` for a plain file.
    """
    found: dict[str, CorpusFile] = {}
    skipped: list[Skipped] = []
    root = None  # the corpus resolved, which only links need
    for source, entry in sources:
        try:
            if entry.is_symlink() if entry is not None else (corpus / source).is_symlink():
                root = root or corpus.resolve()
                if not _inside(corpus / source, root):
                    skipped.append(Skipped(source, "link to a file outside the corpus"))
                    continue
            doc_id, suffix = split_suffix(source)
            suffix = suffix.lower()
            if suffix not in SUPPORTED_SUFFIXES:
                skipped.append(Skipped(source, f"unsupported file type {suffix or '(none)'}"))
                continue
            stat = entry.stat() if entry is not None else (corpus / source).stat()
            check_status(stat)
        except OSError as exc:
            skipped.append(Skipped(source, f"unreadable: {exc.strerror or exc}"))
            continue
        except SkipFile as exc:
            skipped.append(Skipped(source, exc.reason))
            continue
        other = found.get(doc_id)
        if other is not None:
            first, second = sorted([other.source, source], key=_precedence)
            skipped.append(Skipped(second, f"same id as {first}, which is indexed"))
            if first == other.source:
                continue
        fields = (doc_id, source, corpus, stat.st_size, stat.st_mtime_ns)
        found[doc_id] = _new_tuple(CorpusFile, fields)  # CorpusFile(*fields), without its call
    skipped.sort(key=_PATH)
    return found, skipped


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links: reading it will say why
        return True


def _entries(folder: Path | str, prefix: str = "") -> list[tuple[str, os.DirEntry]]:
    """Every file under `folder` that is not hidden, as (its path from `folder` with `prefix`,
    '/'-separated; its directory entry): a folder's files in name order, then its sub-folders
    in name order. Links to folders are not followed; unreadable folders are left out."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted([e for e in scan if e.name[0] != "."], key=_NAME)
    except OSError:
        return []
    found = []
    folders = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if not is_folder:
            found.append((prefix + entry.name, entry))
        elif not entry.is_symlink():
            folders.append(entry)
    for entry in folders:
        found += _entries(entry.path, f"{prefix}{entry.name}/")
    return found


def _precedence(source: str) -> tuple[int, str]:
    """Which of two files of one id is indexed: the first suffix of SUFFIX_PRECEDENCE, then
    the first name."""
    suffix = split_suffix(source)[1].lower()
    rank = (
        SUFFIX_PRECEDENCE.index(suffix) if suffix in SUFFIX_PRECEDENCE else len(SUFFIX_PRECEDENCE)
    )
    return rank, source
