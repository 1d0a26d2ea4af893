"""The `orbite` console script: the indexer's commands plus `serve`."""

from __future__ import annotations

import sys

import click

from indexer.cli import cli


def main(argv: list[str] | None = None) -> None:
    """Run `orbite`; a user error is one line on stderr and exit code 2, never a traceback."""
    try:
        code = cli.main(args=argv, prog_name="orbite", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrompu.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"orbite: error: {exc.format_message()}", err=True)
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
