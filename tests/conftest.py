"""Shared fixtures: corpora written in temporary folders, their indexes, the web app."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from indexer import children
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.search.snapshot import SearchIndex
from tests.seed import SEEDS

# The web fixtures (app, client, ...) live in their own module, registered here for every test.
pytest_plugins = ["tests.fixtures_web"]


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """A private copy of the five seed releases, free to modify."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    return corpus


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write a corpus from {relative path: text or bytes} and return its folder."""

    def make(files: dict[str, str | bytes]) -> Path:
        corpus = tmp_path / "corpus"
        corpus.mkdir(exist_ok=True)
        for name, content in files.items():
            path = corpus / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return corpus

    return make


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def open_index(index_dir: Path) -> Callable[[Path], SearchIndex]:
    """Index a corpus folder and open it for searching."""

    def build(corpus: Path) -> SearchIndex:
        store = IndexStore(index_dir)
        update_index(corpus, store)
        return SearchIndex(store, corpus)

    return build


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """The seed corpus indexed once for the whole session; tests must not modify it."""
    base = tmp_path_factory.mktemp("seeds")
    corpus = base / "corpus"
    shutil.copytree(SEEDS, corpus)
    store = IndexStore(base / "index")
    update_index(corpus, store)
    return SearchIndex(store, corpus)


@pytest.fixture
def may_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work may go to a forked child (`indexer.children`) even if an earlier test of the
    session left a thread behind."""
    monkeypatch.setattr(children, "_may_fork", lambda: True)
