"""Hostile files in the corpus: each is skipped with its reason, or indexed when it can be read,
and the run goes on with the other files.

One corpus holds them all and is indexed once; each file then has its own test. The 20 MB
file, the named pipe and the sparse huge file are indexed by `orbite index` in a child process,
so that a run that hangs or blows up fails its own test only.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.index import indexing
from indexer.index.indexing import IndexSummary, update_index
from indexer.index.store import IndexStore
from indexer.reading.corpus import Skipped
from indexer.search.releases import release_detail
from indexer.search.request import parse_request
from indexer.search.searching import search
from indexer.search.snapshot import SearchIndex
from tests.corpus_factory import COMMAND_TIMEOUT, marker, short_release, write_releases

BIG_BYTES = 20 * 2**20
BIG_WORD = marker(900_001)
CP1252_WORD = marker(900_002)
LATIN_WORD = marker(900_003)
VANISHING_AT_LISTING = "vanishes-after-listing.txt"
VANISHING_AT_READING = "vanishes-before-reading.txt"
FORBIDDEN = "forbidden.txt"


def big_text() -> str:
    """About 20 MB of release prose, with one rare word in its last paragraph."""
    paragraph = "\n\n".join(short_release(n).split("\n\n")[-1] for n in range(40))
    copies = BIG_BYTES // len(paragraph.encode("utf-8")) + 1
    body = "\n\n".join([paragraph] * copies)
    return f"12 mars 2021\n\nUn communiqué très long\n\n{body}\n\nLe dernier mot : {BIG_WORD}.\n"


HOSTILE: dict[str, bytes] = {
    "empty.txt": b"",
    "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    "broken.pdf": b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n",
    # UTF-8 with two invalid bytes (a truncated sequence and a stray 0xFF).
    "latin.txt": (
        b"12 mars 2021\n\nLancement r\xc3\xa9ussi\n\nLe satellite \xc3\x28 et \xff "
        + LATIN_WORD.encode()
        + b" est arriv\xc3\xa9.\n"
    ),
    "cp1252.txt": (
        "3 avril 2022\n\nCoopération européenne\n\nL’Agence spatiale européenne et le CNES "
        f"signent un accord de coopération. {CP1252_WORD}.\n"
    ).encode("cp1252"),
    VANISHING_AT_LISTING: short_release(900_004).encode(),
    VANISHING_AT_READING: short_release(900_005).encode(),
    FORBIDDEN: short_release(900_006).encode(),
}
# What `orbite index` must report for each file it cannot index.
REASONS = {
    "empty.txt": "empty file",
    "image.txt": "binary file",
    "broken.pdf": "PDF could not be parsed",
    "loop-a.txt": "unreadable: Too many levels of symbolic links",
    "loop-b.txt": "unreadable: Too many levels of symbolic links",
    VANISHING_AT_LISTING: "unreadable: No such file or directory",
    VANISHING_AT_READING: "unreadable: No such file or directory",
    FORBIDDEN: "unreadable: Permission denied",
}


def refusing(real_open: Callable) -> Callable:
    """`real_open`, except that opening FORBIDDEN fails with EACCES."""

    def open_(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike) and Path(file).name == FORBIDDEN:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return real_open(file, *args, **kwargs)

    return open_


@dataclass
class Run:
    corpus: Path
    summary: IndexSummary
    index: SearchIndex
    good: list[str]

    def reason(self, path: str) -> str | None:
        return next((s.reason for s in self.summary.skipped if s.path == path), None)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The hostile corpus, indexed once while two files vanish and one read is refused."""
    base = tmp_path_factory.mktemp("hostile")
    corpus = base / "corpus"
    good = write_releases(corpus, range(3))
    good += write_releases(corpus, range(3, 4), folder="dossier.txt")  # a folder named as a file
    for name, data in HOSTILE.items():
        (corpus / name).write_bytes(data)
    (corpus / "loop-a.txt").symlink_to("loop-b.txt")
    (corpus / "loop-b.txt").symlink_to("loop-a.txt")
    (corpus / "boucle").symlink_to(".", target_is_directory=True)  # a folder loop

    real_scan, real_read = indexing.scan_corpus, indexing.read_bytes

    def scan_then_delete(folder: Path):
        found = real_scan(folder)
        (folder / VANISHING_AT_LISTING).unlink()
        return found

    def delete_then_read(path: Path):
        if path.name == VANISHING_AT_READING:
            path.unlink()
        return real_read(path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indexing, "scan_corpus", scan_then_delete)
        patch.setattr(indexing, "read_bytes", delete_then_read)
        # Root reads anything: every way of opening the file refuses, as the kernel would.
        for module, name in ((builtins, "open"), (io, "open"), (os, "open")):
            patch.setattr(module, name, refusing(getattr(module, name)))
        store = IndexStore(base / "index")
        summary = update_index(corpus, store)
    yield Run(corpus, summary, SearchIndex(store, corpus), good)


def found(run: Run, q: str) -> list[str]:
    return [r["id"] for r in search(run.index, parse_request(q))["results"]]


@pytest.mark.parametrize(("path", "reason"), sorted(REASONS.items()))
def test_a_file_that_cannot_be_indexed_is_skipped_with_its_reason(
    run: Run, path: str, reason: str
) -> None:
    assert (run.reason(path) or "").startswith(reason), run.summary.skipped


def test_the_run_goes_on_and_indexes_every_readable_file(run: Run) -> None:
    indexed = set(run.index.snapshot().docnums)
    assert indexed == {*run.good, "latin", "cp1252"}
    assert run.summary.added == len(indexed)
    assert {s.path for s in run.summary.skipped} == set(REASONS)
    # The folder loop is not followed: no release is indexed twice under "boucle/".
    assert not any(i.startswith("boucle/") for i in indexed)


def test_a_windows_1252_file_is_indexed_with_its_accents(run: Run) -> None:
    assert found(run, CP1252_WORD) == ["cp1252"]
    assert "cp1252" in found(run, "coopération européenne")
    detail = release_detail(run.index, "cp1252")
    assert detail["title"] == "Coopération européenne"
    assert "L’Agence spatiale européenne et le CNES" in detail["text"]


def test_a_file_with_invalid_utf8_is_indexed(run: Run) -> None:
    assert found(run, LATIN_WORD) == ["latin"]


def test_a_utf8_file_with_a_few_bad_bytes_keeps_its_accents(run: Run) -> None:
    """Two bad bytes must not turn every accent of a UTF-8 release into mojibake ("rÃ©ussi")."""
    assert release_detail(run.index, "latin")["title"] == "Lancement réussi"
    assert found(run, "réussi") == ["latin"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_a_file_without_read_permission_is_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    good = write_releases(corpus, range(2))
    (corpus / "secret.txt").write_text(short_release(5), "utf-8")
    (corpus / "secret.txt").chmod(0)
    summary = update_index(corpus, IndexStore(tmp_path / "index"))
    assert summary.skipped == [Skipped("secret.txt", "unreadable: Permission denied")]
    assert summary.added == len(good)


def orbite_index(corpus: Path, index_dir: Path, timeout: float) -> tuple[dict, int]:
    """`orbite index --json` in a child; its summary and its peak memory in MB."""
    # VmHWM, not ru_maxrss: a child's ru_maxrss starts from its parent's peak at fork.
    report = (
        "import sys\n"
        "from pathlib import Path\n"
        "from web.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "finally:\n"
        "    status = Path('/proc/self/status').read_text().splitlines()\n"
        "    peak = next(line.split()[1] for line in status if line.startswith('VmHWM:'))\n"
        "    print(f'peak {int(peak) // 1024}', file=sys.stderr)\n"
    )
    args = ["index", "--json", "--corpus", str(corpus), "--index", str(index_dir)]
    try:
        result = subprocess.run(
            [sys.executable, "-c", report, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=Path(__file__).resolve().parent.parent,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"orbite index still running after {timeout:g} s")
    assert result.returncode == 0, result.stderr
    peak = int(result.stderr.strip().splitlines()[-1].removeprefix("peak "))
    return json.loads(result.stdout), peak


def test_a_named_pipe_is_skipped_not_waited_for(tmp_path: Path) -> None:
    """Opening a FIFO blocks until someone writes to it: `orbite index` must not open it."""
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(2))
    os.mkfifo(corpus / "pipe.txt")
    summary, _ = orbite_index(corpus, tmp_path / "index", timeout=30)
    assert summary["skipped"] == [{"path": "pipe.txt", "reason": "not a regular file"}]
    assert summary["added"] == 2


def test_a_file_over_the_size_limit_is_skipped_without_being_loaded(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(2))
    with open(corpus / "huge.txt", "wb") as huge:  # sparse: costs no disk
        huge.truncate(800 * 2**20)
    summary, peak_mb = orbite_index(corpus, tmp_path / "index", timeout=COMMAND_TIMEOUT)
    assert summary["skipped"] == [{"path": "huge.txt", "reason": "file too large (800 MB)"}]
    assert summary["added"] == 2
    assert peak_mb < 400, f"indexing peaked at {peak_mb} MB: the 800 MB file was read"


@pytest.mark.slow
def test_a_20_mb_text_is_indexed_and_found_by_a_word_near_its_end(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_releases(corpus, range(2))
    (corpus / "big.txt").write_text(big_text(), "utf-8")
    assert (corpus / "big.txt").stat().st_size >= BIG_BYTES
    summary, _ = orbite_index(corpus, tmp_path / "index", timeout=COMMAND_TIMEOUT)
    assert (summary["added"], summary["skipped"]) == (3, [])
    index = SearchIndex(IndexStore(tmp_path / "index"), corpus)
    response = search(index, parse_request(BIG_WORD))
    assert [r["id"] for r in response["results"]] == ["big"]
    assert f"<mark>{BIG_WORD}</mark>" in response["results"][0]["snippet"]
