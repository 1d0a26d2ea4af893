"""The `orbite` console script: the indexer's commands plus `serve`."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import ipaddress
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from indexer.cli import (
    UserError,
    check_corpus,
    cli,
    corpus_option,
    format_summary,
    index_option,
    run_index,
)
from indexer.index.health import WriteHealth
from indexer.index.indexing import IndexSummary
from indexer.index.store import IndexIncompatible, IndexStore, IndexWriteError
from web.urls import with_urls

if TYPE_CHECKING:
    from flask import Flask

    from indexer.index.watch import CorpusWatcher

SERVER_THREADS = 8
M_ARENA_MAX = -8  # glibc's mallopt parameter: how many malloc arenas threads may share


def main(argv: list[str] | None = None) -> None:
    """Run `orbite`; a user error is one line on stderr and exit code 2, never a traceback."""
    try:
        code = cli.main(args=argv, prog_name="orbite", standalone_mode=False, obj=with_urls)
    except click.exceptions.Abort:
        click.echo("Interrompu.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"orbite: error: {exc.format_message()}", err=True)
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=5000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@corpus_option
@index_option
@click.option("--no-watch", is_flag=True, help="Do not reindex when files of the corpus change.")
def serve_command(host: str, port: int, corpus: Path, index_dir: Path, no_watch: bool) -> None:
    """Serve the search pages and the JSON API; Ctrl-C stops."""
    check_corpus(corpus)
    one_malloc_arena()  # before the watcher's and the server's threads start
    health = WriteHealth()  # the watcher's failures, as /api/health reports them
    with contextlib.ExitStack() as stack:
        stack.enter_context(_sigterm_as_interrupt())
        watcher = None
        if not no_watch:
            # Watching before the first update: a change made while it runs is not lost.
            watcher = stack.enter_context(_watcher(corpus, index_dir, health))
        server = _create_server(_create_app(corpus, index_dir, health), host, port)
        builder = threading.Thread(
            target=_prepare_in_background,
            args=(corpus, index_dir, watcher.failed if watcher else health.failed),
            name="orbite-build",
        )
        builder.daemon = True  # a stopped server does not wait for a build: the next run ends it
        builder.start()
        try:
            _announce(_listening(server), host, corpus, index_dir)
            server.run()  # returns on Ctrl-C (or SIGTERM), after waitress has closed its sockets
        except KeyboardInterrupt:  # one that came before waitress's loop had started
            server.close()
    click.echo("Orbite arrêté.", err=True)


def one_malloc_arena() -> bool:
    """Have glibc's malloc serve every thread of this process from one arena; False where the
    C library is not glibc.

    By default each server thread that runs a search gets an arena of its own, which keeps
    the high-water mark of the searches it ran: at 100,000 releases the bench's HTTP mix
    peaked at 362 MB so, at 265 MB with one arena. Searches take turns on the snapshot's
    lock anyway, so threads do not wait for the arena.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return libc.mallopt(M_ARENA_MAX, 1) == 1


def prepare_index(corpus: Path, index_dir: Path) -> IndexSummary:
    """Bring the index up to date; one Orbite cannot open (damaged, other schema) is rebuilt."""
    store = IndexStore(index_dir)
    full = False
    if store.exists():
        try:
            store.open().close()
        except IndexIncompatible:
            click.echo(f"index inutilisable dans {index_dir} : reconstruction complète", err=True)
            full = True
    # The server's own first snapshot keeps the search tables: no second one is made here.
    return run_index(
        corpus, index_dir, full=full, show_progress=sys.stderr.isatty(), keep_tables=False
    )


def _prepare_in_background(
    corpus: Path, index_dir: Path, failed: Callable[[Exception], None]
) -> None:
    """`prepare_index` while the server answers from what is committed; its outcome on stderr.

    A write that fails leaves the last commit served, degraded (`failed`), and retried.
    """
    try:
        report = format_summary(prepare_index(corpus, index_dir))
    except UserError as exc:
        failure = exc.__cause__
        if isinstance(failure, IndexWriteError) and IndexStore(index_dir).exists():
            report = f"index non mis à jour : {failure}"
            failed(failure)
        else:
            report = f"orbite: error: {exc.format_message()}"
    click.echo(report, err=True)


def _watcher(corpus: Path, index_dir: Path, health: WriteHealth) -> CorpusWatcher:
    from indexer.index.watch import CorpusWatcher  # watchdog is imported by `serve` only

    # watchdog warns when a folder tree appears faster than it reads events (`cp -r`) and it
    # registers a folder twice; the second registration is harmless, the warning only noise.
    warnings.filterwarnings(
        "ignore", "Callback with id .* already exists for watch", RuntimeWarning
    )
    return CorpusWatcher(corpus, IndexStore(index_dir), on_update=_report_update, health=health)


def _report_update(summary: IndexSummary) -> None:
    """One line per reindex: the counts (skipped files were listed at start)."""
    counts = format_summary(summary).partition("\n")[0]
    click.echo(f"index mis à jour : {counts}", err=True)


def _create_app(corpus: Path, index_dir: Path, health: WriteHealth) -> Flask:
    from web.app import create_app  # Flask is imported by `serve` only

    config = {"ORBITE_CORPUS": str(corpus), "ORBITE_INDEX": str(index_dir)}
    return create_app(
        {**config, "ORBITE_WRITE_HEALTH": health, "ORBITE_BUILD_AT_START": False}
    )  # the index is built by _prepare_in_background


def _create_server(app: Flask, host: str, port: int) -> Any:
    """Bind the listening socket now, so that a busy port is one clear line."""
    import waitress

    try:
        return waitress.create_server(app, host=host, port=port, threads=SERVER_THREADS)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} is already in use on {host}: try --port") from exc
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _announce(listening: list[tuple[str, int]], host: str, corpus: Path, index_dir: Path) -> None:
    """The URL on stdout; on stderr, a warning when other machines can connect."""
    if not all(ipaddress.ip_address(address).is_loopback for address, _ in listening):
        click.echo(f"attention : Orbite écoute sur {host}, accessible depuis le réseau", err=True)
    click.echo(f"Orbite sert {_url(*listening[0])} (corpus: {corpus}, index: {index_dir})")


def _listening(server: Any) -> list[tuple[str, int]]:
    """The (address, port) pairs waitress listens on: several when a name has several."""
    pairs = getattr(server, "effective_listen", None)
    if pairs is None:
        pairs = [(server.effective_host, server.effective_port)]
    return [(address, int(port)) for address, port in pairs]


def _url(address: str, port: int) -> str:
    return f"http://[{address}]:{port}" if ":" in address else f"http://{address}:{port}"


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Let `kill` stop the server as Ctrl-C does, so the watcher finishes its commit."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
