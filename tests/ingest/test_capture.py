"""Browser capture of a page served on 127.0.0.1: WARC, full-page screenshot and PDF stored as
originals, linked to the page's document, with one custody entry naming them all."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from harvestwatch.services import ingest as ingest_svc
from harvestwatch.store.ingest_links import DocumentLink
from harvestwatch.store.models import Document, LedgerEntry, Source
from harvestwatch.store.verify import verify_store

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not (Path("/usr/bin/chromium").exists() or shutil.which("chromium")),
    reason="Debian chromium is not installed")]

PAGE = ("<html><head><title>Organ Transplant Centre</title><link rel=stylesheet href=/s.css>"
        "</head><body><h1>Organ Transplant Centre</h1><p>Our centre performed 600 liver "
        "transplants in 2006. Waiting time for a kidney is one to two weeks.</p>"
        + "<p>Patients from abroad are welcome.</p>" * 60 + "</body></html>").encode()


class _Site(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        body, ctype = ((b"body { font-family: sans-serif }", "text/css") if self.path == "/s.css"
                       else (PAGE, "text/html; charset=utf-8"))
        if self.path == "/gone":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_capture_stores_warc_screenshot_and_pdf_with_one_linking_entry(sqlite_store, site):
    result, = ingest_svc.capture(sqlite_store, [f"{site}/centre"], extract=False)
    assert result.status == "stored", result.error
    assert set(result.files) == {"warc", "screenshot", "pdf"}
    with sqlite_store.session() as s:
        sources = {src.name: src for src in s.scalars(select(Source))}
        assert set(sources) == {f"{site}/centre [warc]", f"{site}/centre [screenshot]",
                                f"{site}/centre [pdf]"}
        docs = {d.id: d for d in s.scalars(select(Document))}
        page = next(d for d in docs.values() if d.mime == "text/html")
        assert "600 liver transplants" in page.text and page.url == f"{site}/centre"
        assert not any(d.mime == "text/css" for d in docs.values())  # furniture is not a document
        links = {x.relation: docs[x.child_id] for x in s.scalars(
            select(DocumentLink).where(DocumentLink.parent_id == page.id))}
        assert links["screenshot"].mime == "image/png" and "transplants" in links["screenshot"].text
        assert links["pdf"].mime == "application/pdf" and "600 liver" in links["pdf"].text
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.action == "capture"))
        assert entry.seq == result.ledger_seq and entry.payload["files"] == result.files
        assert entry.payload["http_status"] == 200 and entry.payload["title"] == \
            "Organ Transplant Centre"
    assert sqlite_store.blobs.read(result.files["warc"])[:2] == b"\x1f\x8b"
    assert verify_store(sqlite_store).ok


def test_capture_cli_reports_a_page_that_cannot_be_loaded(tmp_path, site):
    run = subprocess.run([sys.executable, "-m", "harvestwatch", "--store", str(tmp_path / "s"),
                          "capture", "http://127.0.0.1:9/", "--no-extract"],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 1
    assert run.stderr.startswith("failed   http://127.0.0.1:9/: the browser could not load it")
    assert len(run.stderr.strip().splitlines()) == 1
