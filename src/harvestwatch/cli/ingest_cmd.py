"""CLI: ``ingest`` (files, folders, URLs; ``--retry-failed``) and ``capture`` (a browser)."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, err_console
from harvestwatch.services import ingest as svc
from harvestwatch.services import store as store_svc

StoreOpt = typer.Option(None, "--store", help="Store directory (overrides the global option).")


def _store(store_dir: str | None):
    if store_dir:
        _context.use_store(store_dir)
    return store_svc.open(_context.settings())


@contextmanager
def _bars(total: int, enabled: bool):
    """A Rich bar for inputs and one for OCR pages, on a terminal; no-ops otherwise."""
    if not enabled:
        yield (lambda _r: None), (lambda _name, _done, _total: None)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), TextColumn("{task.fields[item]}"),
                  console=err_console, transient=False) as bar:
        inputs = bar.add_task("ingest", total=total, item="")
        pages = bar.add_task("OCR pages", total=0, item="", visible=False)
        seen: dict[str, int] = {}

        def on_result(r) -> None:
            bar.update(inputs, advance=1, item=svc.printable(r.input)[-40:])

        def on_page(name: str, done: int, of: int) -> None:
            if name not in seen:
                seen[name] = of
                bar.update(pages, total=sum(seen.values()), visible=True)
            bar.update(pages, advance=1, item=f"{svc.printable(name)[-30:]} {done}/{of}")

        yield on_result, on_page


def ingest(
    inputs: list[str] = typer.Argument(None, help="Files, folders or http(s) URLs."),
    store: str = StoreOpt,
    kind: str = typer.Option("other", "--kind", help="|".join(svc.KINDS)),
    tag: list[str] = typer.Option([], "--tag", help="Tag every document (repeatable)."),
    restricted: bool = typer.Option(False, "--restricted", help="Encrypt at rest; hide from roles without clearance."),
    workers: int = typer.Option(1, "--workers", min=1, help="Parse and OCR in N processes."),
    retry_failed: bool = typer.Option(False, "--retry-failed",
                                      help="Ingest again the inputs whose last ingest failed."),
    timeout: float = typer.Option(300.0, "--timeout", min=1,
                                  help="Seconds one file may take to parse before it is stopped."),
    page_timeout: float = typer.Option(120.0, "--page-timeout", min=1,
                                       help="Seconds one page may take to OCR."),
    memory_mb: int = typer.Option(3072, "--memory-mb", min=64,
                                  help="Memory (MB) a parser process may use beyond its start."),
    no_extract: bool = typer.Option(False, "--no-extract", help="Do not run extraction after ingest."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    password: list[str] = typer.Option([], "--password",
                                       help="Try this password on protected PDF and Office files "
                                            "(repeatable; recorded nowhere)."),
    password_file: str = typer.Option(None, "--password-file",
                                      help="Passwords to try, one per line (keeps them out of "
                                           "the shell history)."),
    fmt: str = typer.Option("auto", "--format",
                            help="auto (by content) | ftm (FollowTheMoney entities, JSON lines)"),
    dataset: str = typer.Option(None, "--dataset",
                                help="With --format ftm: dataset name for entities that name none."),
) -> None:
    """Preserve sources in the store: documents, scans and images (OCR), e-mail, office files,
    spreadsheets, archives; or, with ``--format ftm``, FollowTheMoney entities from Aleph or
    OpenSanctions exports (exit 1 if any input failed)."""
    if fmt not in ("auto", "ftm"):
        raise typer.BadParameter(f"unknown format {fmt!r}; supported: auto, ftm")
    if not inputs and not retry_failed:
        raise typer.BadParameter("give files, folders or URLs to ingest, or --retry-failed")
    st = _store(store)
    if fmt == "ftm":
        if restricted or retry_failed:
            raise typer.BadParameter("--format ftm takes neither --restricted nor --retry-failed")
        _ingest_ftm(st, inputs, dataset=dataset, kind=kind, json_out=json_out)
    limits = svc.Limits(file_timeout=timeout, page_timeout=page_timeout,
                        memory=memory_mb * 1024 * 1024,
                        passwords=tuple(password) + _passwords_from(password_file))
    options = dict(kind=kind, tags=tag, restricted=restricted, workers=workers,
                   extract=not no_extract, limits=limits)
    if restricted:  # the store key is unlocked (or made) before a progress bar is drawn
        from harvestwatch.services import keys as keys_svc

        keys_svc.ready_to_seal(st)
    if retry_failed:
        before = svc.failures(st)
        if not json_out:
            console.print(f"retrying {len(before)} input(s) that failed before", highlight=False)
            for r in before:
                console.print(f"  {svc.printable(r.input)}: {svc.printable(r.error or '')}",
                              highlight=False, markup=False)
        total = len(before) + (svc.count_inputs(st, inputs) if inputs else 0)
    else:
        total = svc.count_inputs(st, inputs)
    lines = not json_out and not sys.stderr.isatty()
    with _bars(total, sys.stderr.isatty() and not json_out) as (bar_result, on_page):
        def on_result(r) -> None:
            bar_result(r)
            if lines:
                line = f"{r.status:8} {svc.printable(r.input)}" + (
                    f": {svc.printable(r.error)}" if r.error else "")
                print(line, file=sys.stderr if r.status == "failed" else sys.stdout, flush=True)

        if retry_failed:
            report = svc.retry(st, on_result=on_result, on_page=on_page, **options)
            if inputs:
                more = svc.ingest(st, inputs, on_result=on_result, on_page=on_page, **options)
                report.results += more.results
        else:
            report = svc.ingest(st, inputs, on_result=on_result, on_page=on_page, **options)
    failed = report.by_status("failed")
    skipped = report.by_status("skipped")
    if json_out:
        emit_json(report.to_dict())
    else:
        console.print(f"stored {len(report.by_status('stored'))}, already present "
                      f"{len(report.by_status('present'))}, failed {len(failed)}"
                      + (f", skipped {len(skipped)}" if skipped else ""), highlight=False)
        for r in skipped:
            err_console.print(f"skipped {svc.printable(r.input)}: {svc.printable(r.error or '')}",
                              markup=False, highlight=False)
        for r in failed:
            err_console.print(f"failed {svc.printable(r.input)}: {svc.printable(r.error or '')}",
                              markup=False, highlight=False)
        if failed:
            err_console.print("run 'harvestwatch ingest --retry-failed' to try these again",
                              markup=False, highlight=False)
    raise typer.Exit(1 if failed else 0)


def _passwords_from(path: str | None) -> tuple[str, ...]:
    if not path:
        return ()
    from pathlib import Path

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"--password-file {path}: cannot be read ({exc})") from None
    return tuple(line for line in lines if line)


def _count_lines(name: str) -> int:
    try:
        with open(name, "rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    except OSError:
        return 0  # the import says why it cannot read the file


def _ingest_ftm(st, files: list[str], *, dataset: str | None, kind: str, json_out: bool) -> None:
    """Import each FtM file; a bad file is reported in one line and the others go on."""
    from harvestwatch.core.errors import HarvestwatchError
    from harvestwatch.services import ftm

    results, failed = [], 0
    from harvestwatch.core.progress import progress

    for name in files:
        try:
            lines = _count_lines(name)
            with progress(f"import {svc.printable(name)[-30:]}", lines,
                          enabled=sys.stderr.isatty() and lines > 1000 and not json_out) as bar:
                r = ftm.import_ftm(st, name, dataset=dataset, kind=kind,
                                   on_line=lambda n: bar.step(f"line {n}"))
        except HarvestwatchError as exc:
            failed += 1
            results.append({"input": name, "status": "failed", "error": str(exc)})
            if not json_out:
                err_console.print(f"failed   {svc.printable(str(exc))}", markup=False,
                                  highlight=False)
            continue
        results.append({"input": name, "status": "present" if r.already_imported else "stored"}
                       | r.to_dict())
        if not json_out:
            schemata = ", ".join(f"{n} {s}" for s, n in sorted(r.by_schema.items()))
            state = ("already imported" if r.already_imported
                     else f"imported {r.entities} entities ({r.new} new, {r.merged} merged)")
            console.print(f"{svc.printable(name)}: {state}: {schemata}; dataset "
                          f"{', '.join(r.datasets)}; file sha256 {r.sha256[:12]}",
                          highlight=False, markup=False)
    if json_out:
        emit_json(results)
    raise typer.Exit(1 if failed else 0)


def capture(
    urls: list[str] = typer.Argument(..., help="http(s) URLs to capture."),
    screenshot: bool = typer.Option(True, "--screenshot/--no-screenshot",
                                    help="Keep a full-page PNG screenshot."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Keep a PDF print of the page."),
    store: str = StoreOpt,
    kind: str = typer.Option("hospital_page", "--kind", help="|".join(svc.KINDS)),
    tag: list[str] = typer.Option([], "--tag", help="Tag every document (repeatable)."),
    restricted: bool = typer.Option(False, "--restricted", help="Encrypt at rest."),
    no_extract: bool = typer.Option(False, "--no-extract", help="Do not run extraction."),
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Capture pages in a browser (chromium): WARC of the traffic, full-page screenshot, PDF and
    page text, stored as originals with one custody entry linking them (exit 1 on a failure)."""
    st = _store(store)

    def on_result(r) -> None:
        if not json_out:
            line = f"{r.status:8} {svc.printable(r.url)}" + (
                f": {svc.printable(r.error)}" if r.error else f" ({', '.join(r.files)}; "
                                                              f"ledger entry {r.ledger_seq})")
            print(line, file=sys.stderr if r.status == "failed" else sys.stdout, flush=True)

    results = svc.capture(st, urls, screenshot=screenshot, pdf=pdf, kind=kind, tags=tag,
                          restricted=restricted, extract=not no_extract, on_result=on_result)
    if json_out:
        emit_json([r.to_dict() for r in results])
    raise typer.Exit(1 if any(r.status == "failed" for r in results) else 0)


def sheet_dataset(
    ref: str = typer.Argument(..., help="Document id or sha256 of a stored workbook."),
    sheet: str = typer.Option(..., "--sheet", help="Sheet name."),
    year_col: str = typer.Option(..., "--year-col", help="Column of the year (A, B, ...)."),
    value_col: str = typer.Option(..., "--value-col", help="Column of the value."),
    metric: str = typer.Option(..., "--metric", help="What the values count."),
    country: str = typer.Option(..., "--country", help="ISO country code, e.g. CN."),
    unit: str = typer.Option(..., "--unit", help="Unit of the values, e.g. transplants."),
    out: str = typer.Option(..., "--out", help="CSV file to write (then: analyse data import)."),
    store: str = StoreOpt,
) -> None:
    """Write one sheet of a stored workbook as a dataset CSV, each value citing its cell."""
    from pathlib import Path

    text = svc.sheet_dataset(_store(store), ref, sheet=sheet, year_col=year_col,
                             value_col=value_col, metric=metric, country=country, unit=unit)
    Path(out).write_text(text, encoding="utf-8")
    err_console.print(f"wrote {text.count(chr(10)) - 1} row(s) to {out}", highlight=False,
                      markup=False)


def register(app: typer.Typer) -> None:
    """Add the ingest commands to the root app."""
    app.command("ingest")(ingest)
    app.command("capture")(capture)
    app.command("sheet-dataset")(sheet_dataset)
