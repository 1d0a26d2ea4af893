"""The `orbite` command line: `index` and `search` (the web package adds `serve`).

Commands parse options and call the indexer; they hold no search logic of their own.
The console script (`web.cli.main`) passes, as click's context `obj`, the function that
gives releases their page URLs: URLs are built in `web/`, which `indexer/` never imports,
and the API calls the same function.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from indexer.analysis import synonyms
from indexer.index.indexing import IndexSummary, update_index
from indexer.index.store import IndexStore, StoreError
from indexer.reading.dates import french_date
from indexer.reading.skip import SkipFile

if TYPE_CHECKING:  # the search modules are imported by `search` only (numpy among them)
    from indexer.search.request import SearchRequest
    from indexer.search.snapshot import SearchIndex

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = ".orbite/index"
EXPORTS = ("csv", "jsonl")  # the formats `indexer.search.export` writes
OUTPUTS = ("text", "json", *EXPORTS)
FORMAT_HELP = (
    "text (default), json (= --json: one page), or csv / jsonl: every match, "
    "up to {:,}, as /api/search.csv and .jsonl give them."
)


class UserError(click.ClickException):
    """A problem the user can fix: one line on stderr, exit code 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # Some messages quote a parser's own, which spans lines (PyYAML's): one line it is.
        super().__init__(" ".join(message.split()))


def _folder_option(flag: str, name: str, variable: str, default: str, help: str) -> Callable:
    """An option naming a folder, defaulting to an environment variable, then to `default`."""
    return click.option(
        flag,
        name,
        type=click.Path(file_okay=False, path_type=Path),
        default=lambda: os.environ.get(variable, default),
        show_default=f"${variable} or ./{default}",
        help=help,
    )


corpus_option = _folder_option(
    "--corpus", "corpus", "ORBITE_CORPUS", DEFAULT_CORPUS, "Folder of press releases."
)
index_option = _folder_option(
    "--index", "index_dir", "ORBITE_INDEX", DEFAULT_INDEX, "Folder of the search index."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Orbite: search French press releases of the space sector."""


def check_corpus(corpus: Path) -> None:
    if not corpus.is_dir():
        raise UserError(f"corpus folder not found: {corpus}")


LOCK_WAIT_MESSAGE = "un autre processus écrit l'index ; attente…"


def run_index(
    corpus: Path,
    index_dir: Path,
    *,
    full: bool = False,
    show_progress: bool = False,
    keep_tables: bool = True,
):
    """Bring the index up to date, turning store problems into user errors; then, unless told
    not to, keep the search tables of the last commit for the next server to start from."""
    check_corpus(corpus)
    store = IndexStore(index_dir)
    options: dict[str, Any] = {"full": full, "on_wait": _say_waiting}
    try:
        if not show_progress:
            summary = update_index(corpus, store, **options)
        else:
            with click.progressbar(length=1, label="Indexation", file=sys.stderr) as bar:

                def progress(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                summary = update_index(corpus, store, progress=progress, **options)
        # The first snapshot of the last commit keeps its tables: the next server's first
        # search reads them instead of every release (2 s at 100,000). When they are kept
        # already, no search module is imported.
        if keep_tables and not store.tables_kept():
            from indexer.search.snapshot import SearchIndex

            SearchIndex(store, corpus).snapshot()
        return summary
    except (StoreError, SkipFile, ValueError) as exc:
        raise UserError(str(exc)) from exc
    except OSError as exc:  # the corpus side: a folder or gazetteer that cannot be read
        raise UserError(f"{exc.filename or corpus} : {exc.strerror or exc}") from exc


def _say_waiting() -> None:
    click.echo(LOCK_WAIT_MESSAGE, err=True)


@cli.command("index")
@corpus_option
@index_option
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of updating.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def index_command(corpus: Path, index_dir: Path, full: bool, as_json: bool) -> None:
    """Index new, changed and deleted releases of the corpus."""
    summary = run_index(corpus, index_dir, full=full, show_progress=sys.stderr.isatty())
    try:
        synonyms.load(corpus)
    except synonyms.SynonymsError as exc:  # searches ignore the file: say so, index anyway
        click.echo(f"warning: synonyms ignored: {exc}", err=True)
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        click.echo(format_summary(summary))


def format_summary(summary: IndexSummary) -> str:
    lines = [
        f"{summary.added} ajoutés, {summary.updated} mis à jour, {summary.removed} supprimés, "
        f"{summary.unchanged} inchangés, {len(summary.skipped)} ignorés"
    ]
    lines += [f"  ignoré : {s.path} ({s.reason})" for s in summary.skipped]
    return "\n".join(lines)


class _FormatOption(click.Option):
    """`--format`, whose help gives the search module's cap on exports: read when the help
    is shown, so that `orbite index` does not import the search modules."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from indexer.search.searching import MAX_EXPORT

        self.help = FORMAT_HELP.format(MAX_EXPORT)
        return super().get_help_record(ctx)


@cli.command("search")
@click.argument("words", nargs=-1)
@click.option("--agency", multiple=True, help="Only releases naming this agency (repeatable).")
@click.option("--mission", multiple=True, help="Only releases naming this mission (repeatable).")
@click.option("--year", multiple=True, help="Only releases of this year (repeatable).")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Releases dated from this day.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Releases dated up to this day.")
@click.option("--sort", metavar="relevance|date|-date", help="Order (default: relevance).")
@click.option("--page", metavar="N", help="Page number, from 1.")
@click.option("--per-page", metavar="N", help="Results per page, 1 to 100 (default 10).")
@click.option(
    "--include-embargoed",
    is_flag=True,
    help="Include releases still under embargo (hidden by default, as in the API).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the search response as JSON.")
@click.option("--format", "output", type=click.Choice(OUTPUTS), cls=_FormatOption)
@corpus_option
@index_option
def search_command(
    words: tuple[str, ...],
    corpus: Path,
    index_dir: Path,
    as_json: bool,
    output: str | None,
    **params: Any,
) -> None:
    """Search the releases; no QUERY lists them all, newest first."""
    from indexer.search import export as exports
    from indexer.search.request import BadRequest, parse_request
    from indexer.search.searching import search
    from indexer.search.snapshot import SearchIndex

    if as_json and output not in (None, "json"):
        raise UserError(f"--json is --format json: it cannot go with --format {output}")
    output = output or ("json" if as_json else "text")
    try:
        request = parse_request(" ".join(words), **params)
    except BadRequest as exc:
        raise UserError(str(exc)) from exc
    store = IndexStore(index_dir)
    if not store.exists():
        click.echo(f"No index in {index_dir} yet: indexing {corpus} first.", err=True)
        run_index(corpus, index_dir)
    index = SearchIndex(store, corpus)
    try:
        if output in EXPORTS:
            lines = {"csv": exports.csv_lines, "jsonl": exports.jsonl_lines}[output]
            export(index, request, lines)
            return
        response = search(index, request)
    except StoreError as exc:
        raise UserError(str(exc)) from exc
    response = {**response, "results": with_urls(response["results"])}
    if output == "json":
        click.echo(json.dumps(response, ensure_ascii=False))
    else:
        click.echo(format_response(response))


def export(index: SearchIndex, request: SearchRequest, lines: Callable) -> None:
    """Write every match to stdout as UTF-8 bytes, whatever the terminal's encoding."""
    from indexer.search.searching import search_all

    matches = search_all(index, request)
    rows = (row for batch in matches.batches() for row in with_urls(batch))
    sys.stdout.flush()
    out = sys.stdout.buffer
    for line in lines(rows):
        out.write(line.encode("utf-8"))
    out.flush()
    if matches.total > len(matches.ranked):
        click.echo(
            f"{matches.total} résultats : les {len(matches.ranked)} premiers sont exportés.",
            err=True,
        )


WithUrls = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def with_urls(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Releases with their page's URL, by the function the console script gave."""
    add_urls: WithUrls = click.get_current_context().find_root().obj
    return add_urls(releases)


def format_response(response: dict[str, Any]) -> str:
    """A readable list of results for a terminal."""
    total = response["total"]
    lines = [f"{total} résultat{'s' if total != 1 else ''} ({response['took_ms']} ms)"]
    if response["suggestion"]:
        lines.append(f"Vouliez-vous dire : {response['suggestion']} ?")
    if response["fallback"] == "any_word":
        lines.append("Aucun communiqué n'a tous les mots : voici ceux qui en ont une partie.")
    first = (response["page"] - 1) * response["per_page"]
    for number, result in enumerate(response["results"], first + 1):
        head = [result["title"], french_date(result["date"]), result["release"]]
        head.append(_embargo_label(result["embargo"]))
        lines.append("")
        lines.append(f"{number}. " + " — ".join(part for part in head if part))
        names = ", ".join(result["agencies"] + result["missions"])
        if names:
            lines.append(f"   {names}")
        lines.append(f"   {_terminal_text(result['snippet'])}")
        lines.append(f"   {result['url']}")
    return "\n".join(lines)


def _embargo_label(embargo: str | None) -> str:
    """'sous embargo jusqu'au …' for a release still under embargo ('' otherwise)."""
    if not embargo or dt.datetime.fromisoformat(embargo) <= dt.datetime.now(dt.timezone.utc):
        return ""
    return f"sous embargo jusqu'au {embargo}"


def _terminal_text(snippet_html: str) -> str:
    """A snippet for a terminal: marks in bold when it is one, entities decoded."""
    bold = sys.stdout.isatty()
    text = snippet_html.replace("<mark>", "\x1b[1m" if bold else "")
    text = text.replace("</mark>", "\x1b[0m" if bold else "")
    return html.unescape(text)
