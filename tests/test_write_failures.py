"""Write failures of the real world: a full disk, a read-only or vanished index folder.

The disk is real: a tmpfs of a few megabytes mounted for the test (we run as root, as CI does).
`orbite index` must say what happened in one line, keep the last commit answering, leave the
index folder as it was (Whoosh writes a segment beside the live files before committing it),
and complete once the disk has room again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.index import indexing
from indexer.index.indexing import update_index
from indexer.index.store import IndexStore, IndexWriteError
from tests.corpus_factory import (
    Server,
    assert_one_line_error,
    corpus_ids,
    indexed_ids,
    marker,
    orbite,
    poll,
    serve,
    write_releases,
)

BASE = 100  # about 800 KB of index
MORE = 500  # megabytes more: far more than the disk has left
DISK = "16m"  # room for every release once the ballast is gone
ROOM = 256 * 1024  # what the ballast leaves free: the writer fails in the middle of a segment
WAIT = 60.0


class SmallDisk:
    """A tmpfs mounted for one test, and a ballast file that fills it."""

    def __init__(self, mountpoint: Path) -> None:
        self.mountpoint = mountpoint
        self.ballast = mountpoint / "ballast"

    def free(self) -> int:
        stats = os.statvfs(self.mountpoint)
        return stats.f_bavail * stats.f_frsize

    def fill(self, leave: int) -> None:
        """Write a ballast file so that only about `leave` bytes stay free."""
        with open(self.ballast, "ab") as ballast:
            ballast.write(b"\0" * max(self.free() - leave, 0))

    def empty(self) -> None:
        self.ballast.unlink()

    def remount(self, option: str) -> None:
        """Remount; the kernel refuses a read-only remount (busy) while a process still has a
        file open for writing there, such as a server finishing its start-up update."""
        command = ["mount", "-o", f"remount,{option}", str(self.mountpoint)]
        poll(
            lambda: subprocess.run(command, capture_output=True, timeout=60).returncode == 0,
            WAIT,
            f"remount {option}",
        )


def _run(*command: str | Path) -> None:
    subprocess.run([str(c) for c in command], check=True, capture_output=True, timeout=60)


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """A real small filesystem; outside CI, skipped when we may not mount one (not root)."""
    if not can_mount():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the small-filesystem tests: run them as root")
        pytest.skip("mounting a small filesystem needs root (CI runs these tests as root)")
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    _run("mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", mountpoint)
    try:
        yield SmallDisk(mountpoint)
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False, timeout=60)


def files_of(index_dir: Path) -> dict[str, int]:
    """Every file of the index folder with its size."""
    return {
        str(p.relative_to(index_dir)): p.lstat().st_size
        for p in sorted(index_dir.rglob("*"))
        if not p.is_dir()
    }


def indexed_by_cli(tmp_path: Path, index_dir: Path) -> Path:
    """A corpus of BASE releases that `orbite index` indexed into `index_dir`: the corpus."""
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(BASE))
    assert orbite("index", "--corpus", corpus, "--index", index_dir).returncode == 0
    return corpus


def indexed_live(tmp_path: Path, index_dir: Path, count: int) -> tuple[Path, IndexStore, Path]:
    """A corpus of `count` releases indexed in this process: the corpus, its store, and the
    folder of the generation it committed."""
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(count))
    store = IndexStore(index_dir)
    update_index(corpus, store)
    return corpus, store, store.current.resolve()


def assert_last_commit_answers(corpus: Path, index_dir: Path, total: int) -> None:
    result = orbite("search", "--json", marker(7), "--corpus", corpus, "--index", index_dir)
    assert result.returncode == 0, result.stderr
    # The release with the word first (the last word also finds words it begins).
    assert json.loads(result.stdout)["results"][0]["id"] == "cp-00007"
    listing = orbite("search", "--json", "--corpus", corpus, "--index", index_dir)
    assert json.loads(listing.stdout)["total"] == total


def assert_completes(corpus: Path, index_dir: Path, *options: str) -> None:
    result = orbite("index", "--json", *options, "--corpus", corpus, "--index", index_dir)
    assert result.returncode == 0, result.stderr
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)
    assert_last_commit_answers(corpus, index_dir, len(corpus_ids(corpus)))


@pytest.mark.slow
@pytest.mark.parametrize("options", [(), ("--full",)], ids=["update", "full rebuild"])
def test_a_full_disk_is_one_line_and_leaves_the_index_as_it_was(
    small_disk: SmallDisk, tmp_path: Path, options: tuple[str, ...]
) -> None:
    index_dir = small_disk.mountpoint / "index"
    corpus = indexed_by_cli(tmp_path, index_dir)
    write_releases(corpus, range(BASE, BASE + MORE))
    small_disk.fill(leave=ROOM)
    before, free = files_of(index_dir), small_disk.free()

    result = orbite("index", *options, "--corpus", corpus, "--index", index_dir)

    assert (result.returncode, result.stdout) == (2, "")
    assert_one_line_error(
        result.stderr,
        f"espace disque insuffisant sur {index_dir}",
        "libérez de la place puis relancez orbite index",
    )
    assert files_of(index_dir) == before  # nothing of the failed run is left
    assert small_disk.free() == free
    assert_last_commit_answers(corpus, index_dir, BASE)
    # Still full: the next run fails the same way, and still leaves nothing behind.
    again = orbite("index", *options, "--corpus", corpus, "--index", index_dir)
    assert again.returncode == 2, again.stderr
    assert files_of(index_dir) == before
    small_disk.empty()
    assert_completes(corpus, index_dir)


@pytest.mark.slow
def test_a_first_build_on_a_full_disk_leaves_no_generation(
    small_disk: SmallDisk, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    index_dir = small_disk.mountpoint / "index"
    write_releases(corpus, range(BASE + MORE))
    small_disk.fill(leave=ROOM)
    result = orbite("index", "--corpus", corpus, "--index", index_dir)
    assert (result.returncode, result.stdout) == (2, "")
    assert_one_line_error(result.stderr, "espace disque insuffisant")
    assert sorted(p.name for p in index_dir.iterdir()) == ["lock"]
    small_disk.empty()
    assert_completes(corpus, index_dir)


@pytest.mark.slow
def test_a_read_only_index_folder_is_one_line_and_the_last_commit_answers(
    small_disk: SmallDisk, tmp_path: Path
) -> None:
    index_dir = small_disk.mountpoint / "index"
    corpus = indexed_by_cli(tmp_path, index_dir)
    write_releases(corpus, range(BASE, BASE + 10))
    small_disk.remount("ro")
    try:
        result = orbite("index", "--corpus", corpus, "--index", index_dir)
        assert (result.returncode, result.stdout) == (2, "")
        assert_one_line_error(
            result.stderr, f"{index_dir} est en lecture seule", "relancez orbite index"
        )
        assert_last_commit_answers(corpus, index_dir, BASE)
    finally:
        small_disk.remount("rw")
    assert_completes(corpus, index_dir)


def test_an_index_folder_that_vanishes_while_written_is_one_line(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(30))
    update_index(corpus, IndexStore(index_dir))
    write_releases(corpus, range(30, 60))
    load = indexing.load_release

    def vanish_midway(corpus_file, *args):
        if corpus_file.id == "cp-00045":
            shutil.rmtree(index_dir)
        return load(corpus_file, *args)

    monkeypatch.setattr(indexing, "load_release", vanish_midway)
    with pytest.raises(IndexWriteError) as failure:
        update_index(corpus, IndexStore(index_dir))
    assert str(failure.value) == (
        f"le dossier de l'index {index_dir} a disparu pendant l'écriture puis relancez orbite index"
    )
    monkeypatch.setattr(indexing, "load_release", load)
    summary = update_index(corpus, IndexStore(index_dir))  # recreated from scratch
    assert (summary.rebuilt, summary.added) == (True, 60)


def test_an_index_folder_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(3))
    (tmp_path / "a-file").write_text("", "utf-8")
    index_dir = tmp_path / "a-file" / "index"
    result = orbite("index", "--corpus", corpus, "--index", index_dir)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert_one_line_error(result.stderr, f"{index_dir} ne peut pas être créé", "--index")


def test_leftovers_of_failed_runs_are_removed_by_the_next_writer(
    tmp_path: Path, index_dir: Path
) -> None:
    corpus, store, live = indexed_live(tmp_path, index_dir, 20)
    committed = files_of(live)
    [segment] = live.glob("MAIN_*.seg")
    leftovers = {  # what writers killed or failed at each step leave
        "MAIN_0000deadbeef0000.seg": segment.read_bytes()[:1000],  # a segment never committed
        "MAIN_0000deadbeef0000._stored.col": b"x" * 100,
        "_MAIN_0.toc": b"older table",
        "_MAIN_9.toc.1764590000.5": b"half a table",
        ".orbite.json.5f2c": b"{",
        "MAIN.tmp/pool.ctmp": b"x" * 100,
        "0a1b2c3d.tmp/run": b"x" * 100,
    }
    for name, data in leftovers.items():
        (live / name).parent.mkdir(exist_ok=True)
        (live / name).write_bytes(data)
    (live / "notes.txt").write_text("not Whoosh's, not ours", "utf-8")

    summary = update_index(corpus, store)  # nothing to index: only the cleaning

    assert summary.unchanged == 20
    assert files_of(live) == {**committed, "notes.txt": 22}
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)


def test_a_damaged_table_of_contents_is_left_for_index_full(
    tmp_path: Path, index_dir: Path
) -> None:
    """The cleaning never deletes what it cannot prove unused."""
    _, store, live = indexed_live(tmp_path, index_dir, 5)
    for toc in live.glob("_MAIN_*.toc"):
        toc.write_bytes(b"damaged")
    before = files_of(live)
    store.remove_uncommitted(live)
    assert files_of(live) == before


HEAL_WAIT = 180.0  # retries back off to once a minute; a loaded CI machine builds slowly


@dataclass(frozen=True)
class Served:
    """A watching server over a corpus of BASE releases that the CLI indexed first."""

    server: Server
    corpus: Path
    index_dir: Path


@contextmanager
def serving(tmp_path: Path, index_dir: Path) -> Iterator[Served]:
    corpus = indexed_by_cli(tmp_path, index_dir)
    with serve(corpus, index_dir, tmp_path / "server", watch=True) as server:
        yield Served(server, corpus, index_dir)


@pytest.fixture
def served_on_small_disk(small_disk: SmallDisk, tmp_path: Path) -> Iterator[Served]:
    with serving(tmp_path, small_disk.mountpoint / "index") as served:
        yield served


def health_of(server: Server) -> dict:
    return server.json("/api/health")


def listing_total(server: Server) -> int:
    return server.json("/api/search?per_page=1")["total"]


@pytest.mark.slow
def test_a_server_on_a_full_disk_stays_up_degraded_and_heals_by_itself(
    small_disk: SmallDisk, served_on_small_disk: Served
) -> None:
    server, corpus, index_dir = (
        served_on_small_disk.server,
        served_on_small_disk.corpus,
        served_on_small_disk.index_dir,
    )
    small_disk.fill(leave=ROOM)
    before, free = files_of(index_dir), small_disk.free()
    write_releases(corpus, range(BASE, BASE + MORE))
    health = poll(lambda: (h := health_of(server))["status"] == "degraded" and h, WAIT, "degraded")
    assert health["error"] == (
        f"espace disque insuffisant sur {index_dir} : "
        "libérez de la place puis relancez orbite index"
    )
    assert dt.datetime.fromisoformat(health["error_at"]).tzinfo is not None
    assert health["documents"] == BASE
    assert server.json(f"/api/search?q={marker(7)}")["results"][0]["id"] == "cp-00007"
    # Between two retries the failed files are gone, and closed: the space is back.
    poll(
        lambda: files_of(index_dir) == before and small_disk.free() == free,
        WAIT,
        "the index folder as it was, and the disk's free space",
    )
    small_disk.empty()  # no change to the corpus: the server retries by itself
    poll(lambda: health_of(server)["status"] == "ok", HEAL_WAIT, "health back to ok")
    health = health_of(server)
    assert (health["documents"], health["error"], health["error_at"]) == (
        BASE + MORE,
        None,
        None,
    )
    assert listing_total(server) == BASE + MORE
    log = server.log.read_text("utf-8")
    assert "index non mis à jour (nouvel essai dans 1 s) : espace disque insuffisant" in log
    assert "Traceback" not in log


@pytest.mark.slow
def test_a_server_with_a_read_only_index_folder_retries_on_the_next_change(
    small_disk: SmallDisk, served_on_small_disk: Served
) -> None:
    server, corpus = served_on_small_disk.server, served_on_small_disk.corpus
    small_disk.remount("ro")
    try:
        write_releases(corpus, range(BASE, BASE + 10))
        poll(lambda: health_of(server)["status"] == "degraded", WAIT, "degraded")
        assert "est en lecture seule" in health_of(server)["error"]
        assert listing_total(server) == BASE
    finally:
        small_disk.remount("rw")
    write_releases(corpus, range(BASE + 10, BASE + 11))  # the next change retries at once
    poll(lambda: listing_total(server) == BASE + 11, WAIT, "every release searchable")
    poll(lambda: health_of(server)["status"] == "ok", WAIT, "health back to ok")


@pytest.mark.slow
def test_a_server_whose_index_folder_is_deleted_recreates_it(
    tmp_path: Path, index_dir: Path
) -> None:
    with serving(tmp_path, index_dir) as served:
        server, corpus = served.server, served.corpus
        shutil.rmtree(index_dir)
        # Searches answer from the open snapshot, and wake the watcher, which rebuilds.
        assert server.json(f"/api/search?q={marker(7)}")["results"][0]["id"] == "cp-00007"
        poll(lambda: IndexStore(index_dir).exists(), WAIT, "the index folder recreated")
        poll(lambda: health_of(server)["status"] == "ok", WAIT, "health back to ok")
        write_releases(corpus, range(BASE, BASE + 1))
        poll(lambda: listing_total(server) == BASE + 1, WAIT, "a new release searchable")
    assert indexed_ids(index_dir, corpus) == corpus_ids(corpus)
