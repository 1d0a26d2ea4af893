"""Child processes that cannot outlive their parent: the build's workers, and the forked half
of a large corpus scan.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from typing import TypeVar

PR_SET_PDEATHSIG = 1

Part = TypeVar("Part")
Result = TypeVar("Result")


def die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent goes, and go now if it went
    already (before the request was made)."""
    if sys.platform.startswith("linux"):
        import ctypes  # only in a child: `orbite index` with nothing changed goes without

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def on_two_cores(
    work: Callable[[Part], Result],
    here: Part,
    there: Part,
    encode: Callable[[Result], bytes],
    decode: Callable[[bytes], Result],
) -> tuple[Result, Result]:
    """`work(here)` in this process and `work(there)` in a forked child at the same time.

    The child has `there` already (a fork shares its memory), closes every file it inherited
    but its pipe at once (it cannot keep the parent's writer lock: an ``flock`` is shared by a
    fork), dies with the parent, and sends its result as `encode` makes it. Whatever goes
    wrong with it, or where a fork is unsafe (other threads: only the calling one is copied,
    with the locks the others held), `work(there)` runs here after `work(here)`.
    """
    child = _fork(work, there, encode) if _may_fork() else None
    first = work(here)
    sent = _result(child) if child is not None else None
    return first, decode(sent) if sent is not None else work(there)


def _may_fork() -> bool:
    """Whether a child would run beside this process, and safely: no other Python thread."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return hasattr(os, "fork") and (cores or 1) > 1 and threading.active_count() == 1


def _fork(
    work: Callable[[Part], Result], there: Part, encode: Callable[[Result], bytes]
) -> tuple[int, int] | None:
    """Start the child: its pid and the pipe to read, or None if it could not start."""
    try:
        read, write = os.pipe()
    except OSError:
        return None
    parent = os.getpid()
    try:
        with warnings.catch_warnings():
            # Python 3.12 warns of a fork beside any thread, numpy's BLAS pool included: the
            # child only stats and pickles, and no other Python thread runs (`_may_fork`).
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:
        _child(work, there, encode, parent, write)  # never returns
    os.close(write)
    return pid, read


def _child(
    work: Callable[[Part], Result],
    there: Part,
    encode: Callable[[Result], bytes],
    parent: int,
    write: int,
) -> None:
    code = 1
    try:
        os.closerange(0, write)
        os.closerange(write + 1, os.sysconf("SC_OPEN_MAX"))
        die_with_parent(parent)
        data = encode(work(there))
        with open(write, "wb") as pipe:
            pipe.write(data)  # whole, or it raises and the child ends with code 1
        code = 0
    finally:
        os._exit(code)


def _result(child: tuple[int, int]) -> bytes | None:
    """What the child sent, or None when it did not end well (then it may have sent part)."""
    pid, read = child
    with open(read, "rb") as pipe:
        sent = pipe.read()
    _, status = os.waitpid(pid, 0)
    return sent if status == 0 else None
