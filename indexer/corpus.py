"""Listing the corpus folder: which files are releases, their ids, and which are skipped."""

from __future__ import annotations

import os
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
    found: dict[str, CorpusFile] = {}
    skipped: list[Skipped] = []
    root = corpus.resolve()
    for source in sorted(_walk(corpus), key=_precedence):
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


def _walk(corpus: Path):
    for directory, dirnames, filenames in os.walk(corpus):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        relative = Path(directory).relative_to(corpus)
        for name in filenames:
            if name.startswith(".") or (relative == Path(".") and name in _SETTINGS_FILES):
                continue
            yield (relative / name).as_posix()


def _precedence(source: str) -> tuple[str, int, str]:
    stem, suffix = os.path.splitext(source)
    suffix = suffix.lower()
    rank = (
        SUFFIX_PRECEDENCE.index(suffix) if suffix in SUFFIX_PRECEDENCE else len(SUFFIX_PRECEDENCE)
    )
    return stem, rank, source
