"""The ``harvestwatch`` command line: a thin Typer layer over ``harvestwatch.services``.

Each command group lives in its own module here and registers itself through a
``register(app)`` function; commands parse options, call one service function and
render its result. The root group is lazy: ``COMMANDS`` names every command, its
module and its one-line help, so ``--help`` lists them all without importing any,
and a module (with the libraries it needs) is imported only when one of its
commands runs; option values are checked without pydantic where Typer's result is
plain (``_params``). Known errors become one-line messages and exit codes in ``main``.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from harvestwatch.cli import _context
from harvestwatch.cli._params import defer
from harvestwatch.core.errors import HarvestwatchError

# name -> (module under harvestwatch.cli, one-line help as --help lists it), in listing order.
# tests/test_cli_startup.py checks this table against what each module registers.
COMMANDS: dict[str, tuple[str, str]] = {
    "search": ("store_cmd", "Full-text search (English and Chinese, traditional and simplified)."),
    "show": ("store_cmd", "A document's metadata, custody history and text."),
    "export": ("store_cmd", "Export documents and metadata, or (``--format ftm``) documents, entities, mentions "
                            "and claims as FollowTheMoney entities; the export is recorded in the custody ledger."),
    "ingest": ("ingest_cmd", "Preserve sources in the store: documents, scans and images (OCR), e-mail, office "
                             "files, spreadsheets, archives; or, with ``--format ftm``, FollowTheMoney "
                             "entities from Aleph or OpenSanctions exports (exit 1 if any input failed)."),
    "capture": ("ingest_cmd", "Capture pages in a browser (chromium): WARC of the traffic, full-page screenshot, "
                              "PDF and page text, stored as originals with one custody entry linking them "
                              "(exit 1 on a failure)."),
    "sheet-dataset": ("ingest_cmd", "Write one sheet of a stored workbook as a dataset CSV, each value citing "
                                    "its cell."),
    "verify": ("custody_cmd", "Recompute blobs, the ledger, signed heads and vouched rows; exit 1 naming what "
                              "differs."),
    "backup": ("backup_cmd", "Consistent online backup: a signed tree head, the database, blobs and keys "
                             "(keep it safe)."),
    "restore": ("backup_cmd", "Restore a backup into an empty store (--store / --database-url), then verify it."),
    "extract": ("extract_cmd", "(Re-)extract entities, quantities, testimonies and stances; idempotent."),
    "entities": ("extract_cmd", "Entities across the store, with mention and document counts."),
    "claims": ("extract_cmd", "Quantitative claims, testimonies and stances, each with its evidence span."),
    "link": ("link_cmd", "(Re)build entity and claim links from the stored extractions (skipped when "
                         "unchanged)."),
    "entity": ("link_cmd", "Every mention of an entity across documents, its aliases and why they were joined."),
    "corroboration": ("link_cmd", "Claim clusters ranked by independent support (documents citing one origin "
                                  "count once)."),
    "contradictions": ("link_cmd", "Claims that conflict, side by side with both evidence spans."),
    "serve": ("web_cmd", "Serve the workbench. With no user yet, creates 'admin' (password printed once, or "
                         "HARVESTWATCH_ADMIN_PASSWORD)."),
    "report": ("report_cmd", "A brief in which every figure and quotation cites its source."),
    "ledger": ("custody_cmd", "Custody ledger: signed tree heads, proofs, entries, key."),
    "key": ("key_cmd", "The store key that seals restricted content: status, init, wrap, rotate, "
                       "recipients."),
    "bundle": ("bundle_cmd", "Evidence bundles a third party can check without the store."),
    "eval": ("extract_cmd", "Measure the extractors against gold annotations."),
    "sources": ("link_cmd", "Reliability grades of publishers and authors (Admiralty A–F)."),
    "entities-link": ("link_cmd", "Manual entity merges and splits (kept and replayed)."),
    "data": ("analyse_cmd", "Reference datasets with their sources."),
    "analyse": ("analyse_cmd", "Analyses of official statistics, as intervals."),
    "screen": ("screen_cmd", "Screen transplant literature for ethically tainted research."),
    "user": ("web_cmd", "Workbench users and roles."),
    "audit": ("audit_cmd", "Audited events, newest first: restricted views, downloads, exports, verify runs "
                           "and account changes, each with its ledger entry."),
    "demo": ("demo_cmd", "The demo investigation: real public documents (EN / 简体 / 繁體), a literature set, "
                         "datasets and the hospital registry."),
    "hospitals": ("hospitals_cmd", "Transplant hospitals: names in every script, accreditation, sourced facts "
                                   "over time."),
    "plugins": ("plugins_cmd", "Formats, extractors and screening rules installed: name, group, module, "
                               "package and version."),
}


def load_module_commands(module_name: str) -> dict[str, Any]:
    """Import one ``cli`` module and return the click commands its ``register`` adds, by name.

    The cyclic garbage collector pauses while the module and its libraries are imported: the
    objects an import makes live as long as the process, and collecting over and over among
    them costs a store command about a fifth of its start-up (SQLAlchemy alone builds tens of
    thousands). It runs again as before once the command's module is loaded.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        module = importlib.import_module(f"harvestwatch.cli.{module_name}")
    finally:
        if collecting:
            gc.enable()
    holder = typer.Typer()
    module.register(holder)
    return dict(typer.main.get_group(holder).commands)


class _Listed(TyperCommand):
    """Stand-in for a command not imported yet: its name and help, for the command listing only."""


class LazyGroup(TyperGroup):
    """The root group: commands come from ``COMMANDS``; a module is imported on first use."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in COMMANDS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        module_name, short = COMMANDS[cmd_name]
        if self._listing:
            return _Listed(name=cmd_name, help=short)
        for name, command in load_module_commands(module_name).items():
            defer(command, ctx)  # option values are checked without pydantic where possible
            self.commands.setdefault(name, command)
        return self.commands.get(cmd_name)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        defer(self, ctx)
        return super().parse_args(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return self._click_resolve_command(ctx, args)
        except typer.TyperException as exc:  # click's UsageError
            from difflib import get_close_matches

            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise


app = typer.Typer(
    name="harvestwatch",
    help="Evidence workbench for investigating forced organ harvesting.",
    cls=LazyGroup,
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
    key_identity: str = typer.Option(None, "--key-identity", envvar="HARVESTWATCH_KEY_IDENTITY",
                                     help="age identity file that unlocks the store key "
                                          "(else HARVESTWATCH_KEY_PASSPHRASE, or a prompt on a "
                                          "terminal)."),
) -> None:
    _context.configure(store=store, database_url=database_url, actor=actor)
    if key_identity:  # read where the key is unlocked (store.keys), only if it is needed
        import os

        os.environ["HARVESTWATCH_KEY_IDENTITY"] = key_identity


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def main() -> None:
    """Console entry point: run the app, turning known errors into one-line messages and exit codes.

    Usage errors exit 2 with click's message; ``HarvestwatchError`` exits with its code;
    a ``ValueError`` or a plain ``LookupError`` (what services raise for a bad value or a
    missing record) exits 2 or 1; an ``OSError`` (a path the user named) and a database that
    cannot be opened exit 1 (2 for a malformed URL). Other exceptions are bugs and keep their
    traceback.
    """
    # Typer validates options through pydantic, which would scan every installed distribution
    # for pydantic plugins on each start (tens of ms); set the variable to "" to allow them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        rc = app(standalone_mode=False)
    except HarvestwatchError as exc:
        typer.echo(f"error: {_one_line(exc)}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # click's usage errors
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: Typer has printed its help
            pass
        else:
            usage = f" (usage: {' '.join(ctx.get_usage().split()[1:])})" if ctx is not None else ""
            typer.echo(f"error: {_one_line(exc.format_message())}{usage}", err=True)
        sys.exit(exc.exit_code)
    except ValueError as exc:
        typer.echo(f"error: {_one_line(exc)}", err=True)
        sys.exit(2)
    except LookupError as exc:
        if type(exc) is not LookupError:  # KeyError, IndexError: a bug, not a missing record
            raise
        typer.echo(f"error: {_one_line(exc)}", err=True)
        sys.exit(1)
    except OSError as exc:  # a path the user named: missing folder, no permission, disk full
        typer.echo(f"error: {_one_line(exc)}", err=True)
        sys.exit(1)
    except Exception as exc:
        code = _database_error(exc)
        if code is None:
            raise
        sys.exit(code)
    sys.exit(rc if isinstance(rc, int) else 0)


# SQLAlchemy errors that mean the database named by --database-url cannot be used (not a bug):
# a malformed URL or unknown driver (exit 2), a server that cannot be reached or refuses (1).
_DATABASE_ERRORS = {"ArgumentError": 2, "NoSuchModuleError": 2, "OperationalError": 1,
                    "InterfaceError": 1}


def _database_error(exc: BaseException) -> int | None:
    """Print one line for a database that cannot be opened; the exit code, or None if not one."""
    name = type(exc).__name__
    if not type(exc).__module__.startswith("sqlalchemy") or name not in _DATABASE_ERRORS:
        return None
    cause = getattr(exc, "orig", None) or exc
    first = next((line for line in str(cause).splitlines() if line.strip()), name)
    typer.echo(f"error: database: {_one_line(first)} (check --database-url or HARVESTWATCH_DATABASE_URL)",
               err=True)
    return _DATABASE_ERRORS[name]
