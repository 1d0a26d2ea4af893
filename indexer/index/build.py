"""Full builds over every core: worker processes read, extract, analyse and write segments.

Each worker takes a batch of files at a time, writes it as one segment in a scratch index of
its own and sends the segment back; the parent adopts the segments into the generation in
batch order (the same docnums whatever the timing) and commits after each, so that searches
can see a build grow. Workers are fresh interpreters (not forks), so they cannot hold the
parent's writer lock (an ``flock`` is shared by a fork; the lock file is opened close-on-exec
and only the standard streams are passed on), and they die with the parent: the kernel kills
them when it goes (``PR_SET_PDEATHSIG``) and they end when their stdin, a pipe from the
parent, reads end-of-file. Each file has a time and a memory budget in its worker; a file
past either is skipped with its reason.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from indexer.children import die_with_parent
from indexer.index.schema import build_schema
from indexer.reading.corpus import CorpusFile, Skipped
from indexer.reading.gazetteer import Gazetteer
from indexer.reading.readers import SkipFile

FILE_SECONDS = 30.0  # reading and extracting one file
FILE_MEGABYTES = 1024  # address space one file may add to a worker
FIRST_BATCH = 20  # small, so that a build in progress shows results within seconds
BATCH = 250  # the smallest of the batches after the first
MAX_BATCH = 2_000  # the largest: the last batch is the time one worker may wait for another
GROWTH = 4  # a batch is a GROWTH-th of the files done before it
SCRATCH = ".build"  # hidden: Whoosh's clean-up of the generation does not look inside

Committed = Callable[[int, int], None]


@dataclass
class BatchResult:
    """What a worker did with one batch: the segment it wrote and the files it skipped."""

    number: int
    scratch: Path  # where the worker wrote the segment
    segment: object | None
    added: int
    skipped: list[Skipped]


def worker_count() -> int:
    """Workers for a full build: ``ORBITE_WORKERS``, else one per core this process may use."""
    configured = os.environ.get("ORBITE_WORKERS", "").strip()
    if configured:
        return max(1, int(configured))
    return max(1, len(os.sched_getaffinity(0)))


def batches(files: list[CorpusFile]) -> list[list[CorpusFile]]:
    """The build's batches in corpus order: a small first one, then batches that grow with
    the build, from BATCH to MAX_BATCH files.

    Each batch becomes one segment, and a search pays for every segment of the index: growing
    batches leave about 60 segments at 100,000 releases instead of 400, while the first
    results of a build still come within seconds.
    """
    if not files:
        return []
    found = [files[:FIRST_BATCH]]
    start = FIRST_BATCH
    while start < len(files):
        size = min(MAX_BATCH, max(BATCH, start // GROWTH))
        found.append(files[start : start + size])
        start += size
    return found


def build_in_workers(
    ix,
    directory: Path,
    files: list[CorpusFile],
    gazetteer: Gazetteer,
    workers: int,
    committed: Committed,
) -> tuple[int, list[Skipped]]:
    """Index `files` into `ix` (whose folder is `directory`) with `workers` processes.

    `committed(done, total)` is called after each commit. Returns (added, skipped).
    """
    from indexer.index.engine import adopt_segments  # numpy: `orbite index` needs it to write

    jobs = batches(files)
    scratch = directory / SCRATCH
    added, skipped, done = 0, [], 0
    try:
        results = in_workers(run_batch, list(enumerate(jobs)), gazetteer, workers, scratch)
        with contextlib.closing(results):
            for result, batch in zip(results, jobs, strict=True):
                if result.segment is not None:
                    adopt_segments(ix, result.scratch, [result.segment])
                added += result.added
                skipped += result.skipped
                done += len(batch)
                committed(done, len(files))
        return added, skipped
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def in_workers(
    task: Callable[..., object],
    jobs: list[tuple],
    gazetteer: Gazetteer,
    workers: int,
    scratch: Path,
) -> Iterator[object]:
    """`task(*job, gazetteer, worker_scratch)` for every job, run by up to `workers` worker
    processes; the results come back in the order of `jobs`, whatever the timing.

    `task` is a module-level function (it travels by name); each worker has a scratch
    folder of its own under `scratch`. Close the iterator to stop the workers early.
    """
    pool: list[_Worker] = []
    try:
        for number in range(min(workers, len(jobs))):
            pool.append(_Worker(scratch / str(number), gazetteer))
        queue = iter(enumerate(jobs))

        def next_job() -> tuple | None:
            item = next(queue, None)
            return None if item is None else (item[0], task, item[1])

        for worker in pool:
            worker.send(next_job())
        pending: dict[int, object] = {}
        next_number = 0
        while next_number < len(jobs):
            for worker in _ready([w for w in pool if w.busy]):
                number, result = worker.receive()
                pending[number] = result
                worker.send(next_job())
            while next_number in pending:
                yield pending.pop(next_number)
                next_number += 1
    finally:
        for worker in pool:
            worker.stop()


class WorkerFailed(RuntimeError):
    """A worker process ended without sending its batch back."""


class _Worker:
    """One worker process and the pipes to it: jobs on its stdin, results on its stdout.

    Started as a new interpreter (`python -m indexer.index.build`) with no file descriptor but its
    three standard streams: the parent's writer lock (an flock, which a fork would share)
    cannot reach it. It dies with the parent (`indexer.children`), and ends on its own when
    its stdin reads end-of-file, which is what the parent's death gives it too.
    """

    def __init__(self, scratch: Path, gazetteer: Gazetteer) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "indexer.index.build"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        self.busy = False
        self._write((scratch, gazetteer, os.getpid()))

    def send(self, job: tuple[int, Callable[..., object], tuple] | None) -> None:
        """Give the worker a job (its number, the task, its arguments), or None: end."""
        self._write(job)
        self.busy = job is not None

    def receive(self) -> tuple[int, object]:
        """The number of the job done, and the task's result."""
        try:
            result = pickle.load(self.process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            code = self.process.poll()
            raise WorkerFailed(f"an indexing worker ended unexpectedly (code {code})") from exc
        self.busy = False
        if isinstance(result[1], OSError):
            raise result[1]
        return result

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def _write(self, message: object) -> None:
        try:
            pickle.dump(message, self.process.stdin)
            self.process.stdin.flush()
        except OSError as exc:
            code = self.process.poll()
            raise WorkerFailed(f"an indexing worker ended unexpectedly (code {code})") from exc


def _ready(busy: list[_Worker]) -> list[_Worker]:
    """The busy workers whose result has arrived (waits for at least one)."""
    by_stream = {w.process.stdout: w for w in busy}
    return [by_stream[stream] for stream in wait(list(by_stream))]


def _work() -> None:
    """A worker's life: die with the parent, then do the jobs it is sent."""
    jobs, results = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the results stream
    scratch, gazetteer, parent = pickle.load(jobs)
    die_with_parent(parent)
    _limit_memory()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            job = pickle.load(jobs)
        except EOFError:
            return  # no more work, or the parent is gone
        if job is None:
            return
        number, task, args = job
        try:
            result = task(*args, gazetteer, scratch)
        except OSError as exc:  # a full disk...: the parent reports it as its own write's
            result = OSError(exc.errno, exc.strerror, exc.filename)
        pickle.dump((number, result), results)
        results.flush()


def run_batch(
    number: int, files: list[CorpusFile], gazetteer: Gazetteer, scratch: Path
) -> BatchResult:
    """What a worker does with a batch: each file within its budgets, then one segment."""
    from indexer.index import indexing  # the indexer imports this module: import it when it runs
    from indexer.index.engine import write_segment

    skipped: list[Skipped] = []
    documents = []
    for corpus_file in files:
        try:
            with file_budget():
                release, sha256 = indexing.load_release(corpus_file, gazetteer, skipped)
                documents.append(indexing.release_fields(release, corpus_file, sha256))
        except SkipFile as exc:
            skipped.append(Skipped(corpus_file.source, exc.reason))
    segment = write_segment(scratch, build_schema(), documents)
    return BatchResult(number, scratch, segment, len(documents), skipped)


class _OverTime(BaseException):
    """Raised by the budget's timer: a file's extraction ran past its time budget.

    A BaseException, so that the readers' and extractors' `except Exception` let it through.
    """


def _over_time(signum: int, frame: object) -> None:
    raise _OverTime


@contextlib.contextmanager
def file_budget() -> Iterator[None]:
    """Run one file's work within its time and memory budgets, or skip it with the reason.

    Time is CPU time (user and system, `ITIMER_PROF`): on a machine busy with other work a
    file is not skipped for waiting its turn, and no other timer (SIGALRM) is disturbed.
    """
    previous = signal.signal(signal.SIGPROF, _over_time)
    signal.setitimer(signal.ITIMER_PROF, FILE_SECONDS)
    try:
        yield
    except _OverTime:
        raise SkipFile(f"extraction took longer than {FILE_SECONDS:g} s of CPU") from None
    except MemoryError:
        raise SkipFile(f"extraction needed more than {FILE_MEGABYTES} MB") from None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _limit_memory() -> None:
    """Let the worker's address space grow by FILE_MEGABYTES beyond what it has now."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    size = pages * os.sysconf("SC_PAGE_SIZE") + FILE_MEGABYTES * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        size = min(size, hard)
    resource.setrlimit(resource.RLIMIT_AS, (size, hard))


if __name__ == "__main__":
    from indexer.index.build import _work as work  # this module's own names, for what it pickles

    work()
