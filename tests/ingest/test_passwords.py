"""Protected files open with passwords given at ingest: the original is kept as received, the
opened copy gives the text, the password is recorded nowhere, and a wrong one is named."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from harvestwatch.ingest.pipeline import Limits, ingest_paths
from harvestwatch.store.models import Document, LedgerEntry, Source

FIXTURES = Path(__file__).with_name("fixtures")


def test_given_passwords_open_a_pdf_and_a_workbook(sqlite_store):
    files = [str(FIXTURES / "password-hunter2.pdf"), str(FIXTURES / "password_protected.xlsx")]
    report = ingest_paths(sqlite_store, files, limits=Limits(passwords=("wrong", "hunter2", "password")))
    assert [r.status for r in report.results] == ["stored", "stored"], report.to_dict()
    with sqlite_store.session() as s:
        docs = {d.source.name.rsplit("/", 1)[-1]: d for d in s.scalars(select(Document))}
        assert docs["password-hunter2.pdf"].text == "This document has a password."
        assert "The answer\t42" in docs["password_protected.xlsx"].text
        for d in docs.values():
            assert d.meta["opened_with"].startswith("a password given at ingest")
            assert d.sha256 != d.source.blob_sha256  # the opened copy, not the original
        for path in files:  # originals byte-exact
            src = s.scalar(select(Source).where(Source.name == path))
            assert sqlite_store.blobs.read(src.blob_sha256) == Path(path).read_bytes()
        ledger = json.dumps([e.payload for e in s.scalars(select(LedgerEntry))])
    assert '"hunter2"' not in ledger and '"password"' not in ledger  # names, never passwords


def test_without_or_with_a_wrong_password_the_reason_says_so(sqlite_store):
    pdf = str(FIXTURES / "password-hunter2.pdf")
    plain = ingest_paths(sqlite_store, [pdf])
    assert "encrypted PDF: a password is needed" in plain.results[0].error
    assert "--password" in plain.results[0].error
    wrong = ingest_paths(sqlite_store, [pdf, str(FIXTURES / "password_protected.xls")],
                         limits=Limits(passwords=("letmein",)))
    assert wrong.results[0].error == "encrypted PDF: none of the 1 password(s) given opens it"
    assert "none of the 1 password(s) given opens it" in wrong.results[1].error
    readable = ingest_paths(sqlite_store, [str(FIXTURES / "readme.pdf")],
                            limits=Limits(passwords=("letmein",)))  # unprotected: untouched
    assert readable.results[0].status == "stored"
    with sqlite_store.session() as s:
        doc = s.scalar(select(Document).where(Document.id == readable.results[0].document_ids[0]))
        assert "opened_with" not in doc.meta and doc.sha256 == doc.source.blob_sha256


def test_cli_takes_passwords_from_options_and_a_file(tmp_path):
    from typer.testing import CliRunner

    from harvestwatch.cli import app

    secrets = tmp_path / "passwords.txt"
    secrets.write_text("hunter2\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["--store", str(tmp_path / "s"), "ingest", "--no-extract",
                                 "--password-file", str(secrets), "--password", "password",
                                 str(FIXTURES / "password-hunter2.pdf"),
                                 str(FIXTURES / "password_protected.xlsx")])
    assert r.exit_code == 0, r.output
    assert "stored 2, already present 0, failed 0" in r.output and "hunter2\n" not in r.output
