"""Incremental indexing: what `orbite index` adds, updates, removes, keeps and skips."""

from __future__ import annotations

import errno
import json
import os
import pickle
from pathlib import Path

import pytest

from indexer.index import indexing
from indexer.index import store as store_module
from indexer.index.facts import read_facts
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore, IndexWriteError
from indexer.reading.corpus import Skipped, scan_corpus
from indexer.reading.gazetteer import GazetteerError
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.corpus_factory import corpus_ids, indexed_ids, marker, write_releases

RELEASE = "Titre du communiqué {n}\n\n3 mars 2021\n\nLa sonde {word} poursuit sa route."


def counts(summary) -> dict[str, int]:
    data = summary.to_dict()
    return {k: data[k] for k in ("added", "updated", "removed", "unchanged")}


def found(corpus: Path, index_dir: Path, q: str) -> list[str]:
    index = SearchIndex(IndexStore(index_dir), corpus)
    return [r["id"] for r in search(index, parse_request(q))["results"]]


@pytest.fixture
def corpus(make_corpus) -> Path:
    return make_corpus(
        {
            "a.txt": RELEASE.format(n=1, word="Alpha"),
            "b.txt": RELEASE.format(n=2, word="Bravo"),
            "2020/c.md": RELEASE.format(n=3, word="Charlie"),
        }
    )


def test_first_run_adds_everything_second_run_changes_nothing(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    assert counts(update_index(corpus, store)) == dict(added=3, updated=0, removed=0, unchanged=0)
    generation = store.generation()
    assert counts(update_index(corpus, store)) == dict(added=0, updated=0, removed=0, unchanged=3)
    assert store.generation() == generation
    assert found(corpus, index_dir, "Charlie") == ["2020/c"]


def test_added_changed_and_deleted_files(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    (corpus / "d.txt").write_text(RELEASE.format(n=4, word="Delta"), "utf-8")
    (corpus / "a.txt").write_text(RELEASE.format(n=1, word="Echo"), "utf-8")
    (corpus / "b.txt").unlink()
    assert counts(update_index(corpus, store)) == dict(added=1, updated=1, removed=1, unchanged=1)
    assert found(corpus, index_dir, "Delta") == ["d"]
    assert found(corpus, index_dir, "Echo") == ["a"]
    assert found(corpus, index_dir, "Alpha") == []
    assert found(corpus, index_dir, "Bravo") == []


def test_an_edit_that_keeps_the_size_is_picked_up(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    before = (corpus / "2020/c.md").stat()
    (corpus / "2020/c.md").write_text(RELEASE.format(n=3, word="Sextant"), "utf-8")  # for Charlie
    os.utime(corpus / "2020/c.md", ns=(before.st_atime_ns, before.st_mtime_ns + 1))
    assert (corpus / "2020/c.md").stat().st_size == before.st_size
    assert counts(update_index(corpus, store)) == dict(added=0, updated=1, removed=0, unchanged=2)
    assert found(corpus, index_dir, "Sextant") == ["2020/c"]
    assert found(corpus, index_dir, "Charlie") == []


def test_a_file_in_a_new_nested_folder_is_added(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    folder = corpus / "2021" / "06" / "juin"
    folder.mkdir(parents=True)
    (folder / "e.txt").write_text(RELEASE.format(n=5, word="Echo"), "utf-8")
    assert counts(update_index(corpus, store)) == dict(added=1, updated=0, removed=0, unchanged=3)
    assert found(corpus, index_dir, "Echo") == ["2021/06/juin/e"]


def test_a_touched_file_with_the_same_content_is_unchanged(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    stat = (corpus / "a.txt").stat()
    os.utime(corpus / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert counts(update_index(corpus, store))["unchanged"] == 3


def test_hidden_files_are_ignored_and_bad_files_skipped_with_a_reason(corpus, index_dir) -> None:
    (corpus / ".brouillon.txt").write_text("secret", "utf-8")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "x.txt").write_text("secret", "utf-8")
    (corpus / "vide.txt").write_text("", "utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG")
    (corpus / "binaire.txt").write_bytes(b"\x00\x01\x02" * 10)
    summary = update_index(corpus, IndexStore(index_dir)).to_dict()
    assert summary["added"] == 3
    assert [s["path"] for s in summary["skipped"]] == ["binaire.txt", "image.png", "vide.txt"]
    assert all(s["reason"] for s in summary["skipped"])
    assert found(corpus, index_dir, "secret") == []


def test_two_files_with_one_id_index_the_first_by_precedence(corpus, index_dir) -> None:
    (corpus / "a.md").write_text(RELEASE.format(n=9, word="Markdown"), "utf-8")
    summary = update_index(corpus, IndexStore(index_dir)).to_dict()
    assert summary["skipped"] == [{"path": "a.txt", "reason": "same id as a.md, which is indexed"}]
    assert found(corpus, index_dir, "Markdown") == ["a"]


def test_a_file_that_becomes_unreadable_keeps_its_last_version(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    (corpus / "a.txt").write_bytes(b"\x00" * 64)
    summary = update_index(corpus, store).to_dict()
    assert [s["path"] for s in summary["skipped"]] == ["a.txt"]
    assert found(corpus, index_dir, "Alpha") == ["a"]


def test_full_rebuild_swaps_in_a_new_generation(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    old = store.generation()
    summary = update_index(corpus, store, full=True)
    assert counts(summary)["added"] == 3
    assert store.generation() != old
    assert not (index_dir / old).exists()
    assert found(corpus, index_dir, "Bravo") == ["b"]


def test_an_index_of_another_schema_version_is_rebuilt(corpus, index_dir, monkeypatch) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    meta_path = store.current / store_module.META_FILE
    meta = json.loads(meta_path.read_text("utf-8"))
    meta_path.write_text(json.dumps({**meta, "schema_version": 0}), "utf-8")
    old = store.generation()
    assert counts(update_index(corpus, store))["added"] == 3
    assert store.generation() != old


SONDE_ALPHA = "missions:\n  - name: Sonde Alpha\n    aliases: [Alpha]\n"


def docnums(index_dir: Path) -> dict[str, int]:
    """Where each release is in the index: a rewritten release moves to a new docnum."""
    with IndexStore(index_dir).open().reader() as reader:
        return {facts.id: docnum for docnum, facts in read_facts(reader)}


def ids_with(corpus: Path, index_dir: Path, **filters: list[str]) -> list[str]:
    index = SearchIndex(IndexStore(index_dir), corpus)
    return sorted(r["id"] for r in search(index, parse_request("", **filters))["results"])


@pytest.fixture(params=["in this process", "in workers"])
def where(request, monkeypatch) -> str:
    """Releases read again in this process, or by worker processes (large corpora)."""
    if request.param == "in workers":
        monkeypatch.setattr(indexing, "PARALLEL_FROM", 1)
        monkeypatch.setenv("ORBITE_WORKERS", "2")
    return request.param


GAZETTEER_EDITS = [
    pytest.param("", SONDE_ALPHA, {"a"}, {"mission": ["Sonde Alpha"]}, ["a"], id="a new mission"),
    pytest.param(
        SONDE_ALPHA,
        "missions:\n  - name: Sonde Alpha\n    aliases: [Alpha, Charlie]\n",
        {"2020/c"},
        {"mission": ["Charlie"]},  # the new alias, as a filter, names the mission
        ["2020/c", "a"],
        id="an alias added",
    ),
    pytest.param(
        "",
        "agencies:\n  - name: Agence Bravo\n    aliases: [Bravo]\n",
        {"b"},
        {"agency": ["Agence Bravo"]},
        ["b"],
        id="a new agency",
    ),
    pytest.param(SONDE_ALPHA, "", {"a"}, {"mission": ["Sonde Alpha"]}, [], id="a file removed"),
]


@pytest.mark.parametrize(("before", "after", "rewritten", "filters", "expected"), GAZETTEER_EDITS)
def test_a_gazetteer_edit_rewrites_only_the_releases_it_changes(
    corpus, index_dir, where, before, after, rewritten, filters, expected
) -> None:
    gazetteer = corpus / "gazetteer.yaml"
    if before:
        gazetteer.write_text(before, "utf-8")
    store = IndexStore(index_dir)
    update_index(corpus, store)
    generation, placed = store.generation(), docnums(index_dir)
    if after:
        gazetteer.write_text(after, "utf-8")
    else:
        gazetteer.unlink()
    summary = update_index(corpus, store)
    assert counts(summary) == dict(
        added=0, updated=len(rewritten), removed=0, unchanged=3 - len(rewritten)
    )
    assert ids_with(corpus, index_dir, **filters) == expected
    assert store.generation() == generation  # no rebuild
    moved = {doc_id for doc_id, docnum in docnums(index_dir).items() if placed[doc_id] != docnum}
    assert moved == rewritten
    assert counts(update_index(corpus, store))["unchanged"] == 3  # and it is recorded


def test_an_alias_no_release_names_yet_is_known_to_searches(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    (corpus / "gazetteer.yaml").write_text(SONDE_ALPHA, "utf-8")
    update_index(corpus, store)
    index = SearchIndex(store, corpus)  # opened before the edit, as a server's is
    assert search(index, parse_request("", mission=["Zulu"]))["total"] == 0
    (corpus / "gazetteer.yaml").write_text(SONDE_ALPHA.replace("Alpha]", "Alpha, Zulu]"), "utf-8")
    assert counts(update_index(corpus, store)) == dict(added=0, updated=0, removed=0, unchanged=3)
    response = search(index, parse_request("", mission=["Zulu"]))
    assert [r["id"] for r in response["results"]] == ["a"]


def test_a_gazetteer_edit_with_file_changes_is_one_run(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    (corpus / "gazetteer.yaml").write_text(SONDE_ALPHA, "utf-8")
    (corpus / "d.txt").write_text(RELEASE.format(n=4, word="Alpha"), "utf-8")
    (corpus / "b.txt").write_text(RELEASE.format(n=2, word="Bravissimo"), "utf-8")
    (corpus / "2020/c.md").unlink()
    assert counts(update_index(corpus, store)) == dict(added=1, updated=2, removed=1, unchanged=0)
    assert ids_with(corpus, index_dir, mission=["Sonde Alpha"]) == ["a", "d"]
    assert found(corpus, index_dir, "Bravissimo") == ["b"]


def test_a_gazetteer_edit_that_fails_is_tried_again_by_the_next_run(
    corpus, index_dir, monkeypatch
) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    (corpus / "gazetteer.yaml").write_text(SONDE_ALPHA, "utf-8")
    real = IndexStore.write_meta

    def full_disk_at_commit(self, *args, **kwargs) -> None:
        real(self, *args, **kwargs)  # the new fingerprint is recorded, then the commit fails
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(IndexStore, "write_meta", full_disk_at_commit)
    with pytest.raises(IndexWriteError):
        update_index(corpus, store)
    monkeypatch.undo()
    assert ids_with(corpus, index_dir, mission=["Sonde Alpha"]) == []  # the index as it was
    assert counts(update_index(corpus, store))["updated"] == 1
    assert ids_with(corpus, index_dir, mission=["Sonde Alpha"]) == ["a"]


def test_a_bad_gazetteer_is_an_error_that_changes_nothing(corpus, index_dir) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    placed = docnums(index_dir)
    (corpus / "gazetteer.yaml").write_text("missions: [", "utf-8")
    with pytest.raises(GazetteerError, match=r"gazetteer\.yaml: invalid YAML"):
        update_index(corpus, store)
    assert docnums(index_dir) == placed
    (corpus / "gazetteer.yaml").write_text(SONDE_ALPHA, "utf-8")
    assert counts(update_index(corpus, store))["updated"] == 1


def test_a_link_to_a_file_outside_the_corpus_is_skipped(corpus, index_dir, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Titre\n\nConfidentiel Zanzibar", "utf-8")
    (corpus / "lien.txt").symlink_to(secret)
    (corpus / "interne.txt").symlink_to(corpus / "a.txt")
    summary = update_index(corpus, IndexStore(index_dir)).to_dict()
    assert summary["skipped"] == [
        {"path": "lien.txt", "reason": "link to a file outside the corpus"}
    ]
    assert found(corpus, index_dir, "Zanzibar") == []
    assert set(found(corpus, index_dir, "Alpha")) == {"a", "interne"}


def _indexed(index_dir: Path) -> dict[str, tuple]:
    """Every indexed release's id and what it was indexed from (content digest, size)."""
    with IndexStore(index_dir).open().reader() as reader:
        return {f.id: (f.sha256, f.size) for _, f in read_facts(reader)}


def _move(corpus: Path, source: str, target: str) -> None:
    (corpus / target).parent.mkdir(parents=True, exist_ok=True)
    os.replace(corpus / source, corpus / target)


# (what changes in the corpus, the paths a watcher reports, expected counts)
CHANGES = [
    pytest.param(
        lambda c: (c / "d.txt").write_text(RELEASE.format(n=4, word="Delta"), "utf-8"),
        ["d.txt"],
        dict(added=1, updated=0, removed=0, unchanged=0),
        id="new file",
    ),
    pytest.param(
        lambda c: (c / "a.txt").write_text(RELEASE.format(n=1, word="Echo"), "utf-8"),
        ["a.txt"],
        dict(added=0, updated=1, removed=0, unchanged=0),
        id="changed file",
    ),
    pytest.param(
        lambda c: (c / "b.txt").unlink(),
        ["b.txt"],
        dict(added=0, updated=0, removed=1, unchanged=0),
        id="deleted file",
    ),
    pytest.param(
        lambda c: _move(c, "2020", "2021"),
        ["2020", "2021"],
        dict(added=1, updated=0, removed=1, unchanged=0),
        id="folder moved",
    ),
    pytest.param(
        lambda c: _move(c, "a.txt", "2022/x/a.txt"),
        ["a.txt", "2022"],
        dict(added=1, updated=0, removed=1, unchanged=0),
        id="file moved into a new folder tree",
    ),
    pytest.param(
        lambda c: (c / "a.md").write_text(RELEASE.format(n=1, word="Foxtrot"), "utf-8"),
        ["a.md"],
        dict(added=0, updated=1, removed=0, unchanged=0),
        id="a sibling of higher precedence takes the id",
    ),
    pytest.param(
        lambda c: (c / ".a.txt.swp").write_text("x", "utf-8"),
        [".a.txt.swp", "../outside.txt", "gazetteer.yaml"],
        dict(added=0, updated=0, removed=0, unchanged=0),
        id="hidden, outside and gazetteer paths",
    ),
]


@pytest.mark.parametrize(("change", "paths", "expected"), CHANGES)
def test_an_update_told_the_changed_paths_matches_a_full_rescan(
    corpus, index_dir, tmp_path, change, paths, expected
) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    change(corpus)
    summary = update_index(corpus, store, paths=[corpus / p for p in paths])
    assert counts(summary) == expected
    rescanned = tmp_path / "rescanned"
    update_index(corpus, IndexStore(rescanned))
    assert _indexed(index_dir) == _indexed(rescanned)
    assert counts(update_index(corpus, store)) == dict(
        added=0, updated=0, removed=0, unchanged=len(_indexed(rescanned))
    )


def _stale(manifest: Path, earlier: bytes) -> None:
    manifest.write_bytes(earlier)


# What can happen to the manifest a commit wrote: the next run compares the index's Facts.
MANIFESTS = [
    pytest.param(lambda manifest, earlier: manifest.unlink(), id="missing"),
    pytest.param(lambda manifest, earlier: manifest.write_bytes(b"\x80garbage"), id="damaged"),
    pytest.param(_stale, id="of an earlier commit"),
]


@pytest.mark.parametrize("spoil", MANIFESTS)
def test_a_run_without_a_current_manifest_reads_the_index_instead(corpus, index_dir, spoil) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    manifest = store.current / store_module.MANIFEST_FILE
    earlier = manifest.read_bytes()  # a.txt as first indexed
    stat = (corpus / "a.txt").stat()
    os.utime(corpus / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert counts(update_index(corpus, store))["unchanged"] == 3  # a.txt's new date recorded
    placed = docnums(index_dir)
    spoil(manifest, earlier)
    (corpus / "b.txt").write_text(RELEASE.format(n=2, word="Golf"), "utf-8")
    assert counts(update_index(corpus, store)) == dict(added=0, updated=1, removed=0, unchanged=2)
    assert docnums(index_dir)["a"] == placed["a"]  # not rewritten: the Facts were compared
    assert found(corpus, index_dir, "Golf") == ["b"]
    assert counts(update_index(corpus, store))["unchanged"] == 3


def test_a_manifest_of_an_earlier_orbite_is_still_used(corpus, index_dir) -> None:
    """Before its arrays, the manifest was a dict of (size, mtime_ns) by id."""
    store = IndexStore(index_dir)
    update_index(corpus, store)
    manifest = store.current / store_module.MANIFEST_FILE
    stats = {f.id: (f.size, f.mtime_ns) for f in scan_corpus(corpus)[0].values()}
    earlier = pickle.dumps((store.commit_number(), stats))
    manifest.write_bytes(earlier)
    assert counts(update_index(corpus, store))["unchanged"] == 3
    assert manifest.read_bytes() == earlier  # used as it is: not rewritten from the Facts
    (corpus / "b.txt").write_text(RELEASE.format(n=2, word="Golf"), "utf-8")
    assert counts(update_index(corpus, store)) == dict(added=0, updated=1, removed=0, unchanged=2)
    assert found(corpus, index_dir, "Golf") == ["b"]


def test_after_adds_edits_and_removals_a_run_with_nothing_changed_writes_nothing(
    corpus, index_dir
) -> None:
    store = IndexStore(index_dir)
    update_index(corpus, store)
    (corpus / "0.txt").write_text(RELEASE.format(n=4, word="Delta"), "utf-8")  # first by name
    (corpus / "2020" / "d.md").write_text(RELEASE.format(n=5, word="Echo"), "utf-8")
    (corpus / "a.txt").write_text(RELEASE.format(n=1, word="Foxtrot"), "utf-8")
    (corpus / "b.txt").unlink()
    assert counts(update_index(corpus, store)) == dict(added=2, updated=1, removed=1, unchanged=1)
    listing = {p.name: p.stat().st_mtime_ns for p in store.current.iterdir()}
    assert counts(update_index(corpus, store)) == dict(added=0, updated=0, removed=0, unchanged=4)
    assert {p.name: p.stat().st_mtime_ns for p in store.current.iterdir()} == listing
    assert found(corpus, index_dir, "Delta") == ["0"]
    assert found(corpus, index_dir, "Foxtrot") == ["a"]


def _copy_in_progress(
    monkeypatch: pytest.MonkeyPatch, path: Path, versions: list[str]
) -> list[str]:
    """Make `path` look copied in while it is read: after each read of it, the next of
    `versions` is written (the copy goes on); returns the texts the reads got."""
    real = indexing.read_bytes
    read: list[str] = []

    def reading(target: Path) -> bytes:
        data = real(target)
        if target == path:
            read.append(data.decode("utf-8"))
            if versions:
                path.write_text(versions.pop(0), "utf-8")
        return data

    monkeypatch.setattr(indexing, "read_bytes", reading)
    monkeypatch.setattr(indexing, "SETTLE_DELAY", 0)  # the test's writes are the copy's pace
    return read


@pytest.mark.parametrize("writes", [1, 3], ids=["one more write", "three more writes"])
def test_a_file_being_written_is_indexed_once_it_has_settled(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, writes: int
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(3))
    path = corpus / "cp-00001.txt"
    whole = path.read_text("utf-8")  # its marker word is at the end
    cut = len(whole) // 2
    path.write_text(whole[:cut], "utf-8")  # what the scan sees: half a file
    steps = [whole[: cut + (len(whole) - cut) * n // writes] for n in range(1, writes + 1)]
    read = _copy_in_progress(monkeypatch, path, steps)
    summary = update_index(corpus, IndexStore(index_dir))
    assert (summary.added, summary.skipped) == (3, [])
    assert read[-1] == whole and len(read) == writes + 1  # read again until it stopped changing
    found = search(SearchIndex(IndexStore(index_dir), corpus), parse_request(marker(1)))
    assert found["results"][0]["id"] == "cp-00001"


def test_a_file_that_keeps_changing_is_left_for_the_next_run(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(3))
    path = corpus / "cp-00001.txt"
    whole = path.read_text("utf-8")
    path.write_text(whole[:40], "utf-8")
    growing = [whole[: 40 + n] for n in range(1, indexing.SETTLE_LOOKS + 1)]
    _copy_in_progress(monkeypatch, path, growing)
    summary = update_index(corpus, IndexStore(index_dir))
    assert summary.skipped == [Skipped("cp-00001.txt", indexing.UNSETTLED_REASON)]
    assert indexed_ids(index_dir, corpus) == {"cp-00000", "cp-00002"}  # nothing half-written
    path.write_text(whole, "utf-8")  # the copy has ended
    summary = update_index(corpus, IndexStore(index_dir))
    assert (summary.added, summary.skipped) == (1, [])
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)
