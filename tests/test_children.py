"""Work on two cores: the forked child's half comes back as if this process had done it."""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

import pytest

from indexer.children import on_two_cores


def report(part: list[int]) -> tuple[int, list[int], list[int]]:
    """Who did the part, its doubled items, and the files open in that process."""
    return os.getpid(), [2 * n for n in part], sorted(int(fd) for fd in os.listdir("/proc/self/fd"))


def run(here=(1, 2), there=(3, 4)):
    return on_two_cores(report, list(here), list(there), pickle.dumps, pickle.loads)


@pytest.mark.usefixtures("may_fork")
def test_the_second_half_is_done_by_a_child_and_comes_back_whole() -> None:
    (first_pid, first, _), (second_pid, second, _) = run()
    assert (first, second) == ([2, 4], [6, 8])
    assert first_pid == os.getpid() != second_pid


@pytest.mark.usefixtures("may_fork")
def test_the_child_keeps_no_file_of_the_parents_open(tmp_path: Path) -> None:
    """Not the writer lock above all: an `flock` held by a fork's copy outlives its holder."""
    held = os.open(tmp_path, os.O_RDONLY)  # stands for the lock file's descriptor
    try:
        _, (_, _, open_in_child) = run()
    finally:
        os.close(held)
    assert held not in open_in_child
    assert len(open_in_child) == 2  # the pipe to the parent, and listdir's own


def _fork_fails() -> int:
    raise OSError(11, "Resource temporarily unavailable")


def _fails_in_the_child(result) -> bytes:
    raise RuntimeError("the child's half could not be sent")


@pytest.mark.parametrize("broken", ["fork", "child", "thread"])
def test_without_a_child_both_halves_are_done_here(broken: str, monkeypatch, request) -> None:
    encode = _fails_in_the_child if broken == "child" else pickle.dumps
    if broken != "thread":
        request.getfixturevalue("may_fork")
    if broken == "fork":
        monkeypatch.setattr(os, "fork", _fork_fails)
    release = threading.Event()
    other = threading.Thread(target=release.wait)  # a fork would copy this thread's locks
    if broken == "thread":
        monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked beside another thread"))
        other.start()
    try:
        first, second = on_two_cores(report, [1, 2], [3, 4], encode, pickle.loads)
    finally:
        release.set()
        if other.is_alive():
            other.join()
    assert (first[1], second[1]) == ([2, 4], [6, 8])
    assert first[0] == second[0] == os.getpid()
