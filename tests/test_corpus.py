"""The corpus scan as the indexer's security boundary: only files inside the corpus are read."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from indexer import children
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore
from indexer.reading import corpus as corpus_module
from indexer.reading.corpus import scan_corpus, split_suffix
from indexer.search.releases import source_file
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.corpus_factory import short_release, write_releases

SECRET = "zqsecretx"  # a word only the files outside the corpus contain
HOSTILE_NAMES = ['"><svg onload=alert(1)>', "a'b\"c<d>e&f", "a..b", "espace et accent é"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus with links to a file and a folder outside it, and files with odd names."""
    (tmp_path / "secret.txt").write_text(f"Secret\n\n3 mars 2020\n\n{SECRET}.\n", "utf-8")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "note.txt").write_text(f"Privé\n\n{SECRET}.\n", "utf-8")
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(2))
    for number, name in enumerate(HOSTILE_NAMES, 10):
        (corpus / f"{name}.txt").write_text(short_release(number), "utf-8")
    (corpus / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (corpus / "relative.txt").symlink_to(Path("..") / "secret.txt")
    (corpus / "dehors").symlink_to(tmp_path / "private", target_is_directory=True)
    (corpus / "inside.txt").symlink_to(corpus / f"{HOSTILE_NAMES[0]}.txt")
    return corpus


def test_links_out_of_the_corpus_are_skipped_with_their_reason(corpus: Path) -> None:
    found, skipped = scan_corpus(corpus)
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["leak.txt"] == reasons["relative.txt"] == "link to a file outside the corpus"
    assert not any(source.startswith("dehors") for source in {*reasons, *found})
    assert "inside" in found  # a link that stays inside the corpus is a release like any other


def test_hostile_file_names_are_ids_as_they_are(corpus: Path) -> None:
    found, _ = scan_corpus(corpus)
    assert set(HOSTILE_NAMES) <= set(found)


def test_nothing_outside_the_corpus_is_searchable_or_served(corpus: Path, tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    update_index(corpus, store)
    index = SearchIndex(store, corpus)
    assert search(index, parse_request(SECRET))["total"] == 0
    assert all(source_file(index, name) is None for name in ("leak", "relative", "dehors/note"))
    assert source_file(index, HOSTILE_NAMES[0]) == (corpus / f"{HOSTILE_NAMES[0]}.txt").resolve()


@pytest.mark.parametrize(
    "source",
    [
        *("a.txt", "a/b.md", "a.b/c", "a.b/c.PDF", "a/.b", "a/..b.txt", "a/b.", "noext"),
        *("a/b.tar.gz", ".a", "..a", "...", "a/.b.c", "a/...b", ".a.b/c", ".a/.b.c.d"),
    ],
)
def test_a_suffix_is_split_as_os_path_splits_it(source: str) -> None:
    assert split_suffix(source) == os.path.splitext(source)


@pytest.mark.parametrize("enabled", [True, False], ids=["collector on", "collector off"])
def test_a_scan_leaves_the_cycle_collector_as_it_found_it(corpus: Path, enabled: bool) -> None:
    """A server scans in its watcher thread: a collector left off would let cycles pile up."""
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        found, _ = scan_corpus(corpus)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert "inside" in found


@pytest.mark.parametrize(
    "names",
    [
        # The middle falls between two files of one id ("a"): the cut must move past them.
        ["a.md", "a.n.txt", "a.txt", "b.md"],
        ["a.md", "b.md", "c.odp", "d.txt", "sub/e.md", "sub/e.txt", "sub/f.md", "sub/deeper/g.md"],
    ],
)
@pytest.mark.usefixtures("may_fork")
def test_a_scan_on_two_cores_finds_what_one_finds(tmp_path: Path, monkeypatch, names) -> None:
    corpus = tmp_path / "corpus"
    for number, name in enumerate(names):
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(short_release(number), "utf-8")
    alone = scan_corpus(corpus)
    forks, fork = [], children._fork
    monkeypatch.setattr(children, "_fork", lambda *args: forks.append(1) or fork(*args))
    monkeypatch.setattr(corpus_module, "PARALLEL_FROM", 2)
    together = scan_corpus(corpus)
    assert forks == [1]
    assert list(together[0].items()) == list(alone[0].items())
    assert together[1] == alone[1]
    assert len(alone[1]) == len(names) - len(alone[0])  # same ids and unsupported: skipped
