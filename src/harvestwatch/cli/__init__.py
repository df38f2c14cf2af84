"""The ``harvestwatch`` command line: a thin Typer layer over ``harvestwatch.services``.

Each command group lives in its own module here and registers itself on ``app``
through a ``register(app)`` function; commands parse options, call one service
function and render its result. Errors from ``core.errors`` become one-line
messages and exit codes in ``main``.
"""

from __future__ import annotations

import sys

import typer

from harvestwatch.cli import _context
from harvestwatch.core.errors import HarvestwatchError

app = typer.Typer(
    name="harvestwatch",
    help="Evidence workbench for investigating forced organ harvesting.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    store: str = typer.Option(None, "--store", envvar="HARVESTWATCH_STORE",
                              help="Store directory (default ./harvestwatch-data)."),
    database_url: str = typer.Option(None, "--database-url", envvar="HARVESTWATCH_DATABASE_URL",
                                     help="SQLAlchemy URL (PostgreSQL) instead of embedded SQLite."),
    actor: str = typer.Option(None, "--actor", envvar="HARVESTWATCH_ACTOR",
                              help="Who is acting, recorded in the custody ledger."),
) -> None:
    _context.configure(store=store, database_url=database_url, actor=actor)


def _register_all() -> None:
    from harvestwatch.cli import (
        analyse_cmd,
        backup_cmd,
        bundle_cmd,
        custody_cmd,
        extract_cmd,
        hospitals_cmd,
        ingest_cmd,
        link_cmd,
        report_cmd,
        screen_cmd,
        store_cmd,
        web_cmd,
    )

    for module in (store_cmd, ingest_cmd, custody_cmd, bundle_cmd, backup_cmd, extract_cmd, link_cmd, analyse_cmd, screen_cmd, web_cmd, report_cmd,
                   hospitals_cmd):
        module.register(app)


_register_all()


def main() -> None:
    """Console entry point: run the app, turning known errors into messages and exit codes."""
    try:
        rc = app(standalone_mode=False)
    except HarvestwatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)
