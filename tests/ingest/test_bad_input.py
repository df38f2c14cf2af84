"""A batch with bad inputs: each gets a one-line error, the rest is stored, nothing changes."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time

import pytest

from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.store.verify import verify_store
from tests.conftest import SAMPLES


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/missing":
            self.send_error(404)
            return
        body = (b"<html><head><title>Centre page</title></head><body><p>Our hospital finds a "
                b"matching kidney within two weeks. Contact the transplant office.</p></body></html>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except BrokenPipeError:  # the client gave up (the timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _bad_files(tmp_path):
    files = {
        "empty.txt": b"",
        "blank.txt": b"   \n\n",
        "fake.pdf": b"%PDF-1.5\n%garbage that is not a pdf",
        "photo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "archive.zip": b"PK\x03\x04" + b"\x00" * 40,
    }
    paths = []
    for name, data in files.items():
        p = tmp_path / name
        p.write_bytes(data)
        paths.append(str(p))
    return paths


def test_bad_inputs_fail_one_by_one_and_store_is_unchanged(sqlite_store, tmp_path):
    ingest_paths(sqlite_store, [str(SAMPLES)])
    before = verify_store(sqlite_store)
    big = tmp_path / "huge.txt"
    big.write_bytes(b"a" * (sqlite_store.settings.max_bytes + 1))
    good = tmp_path / "good.txt"
    good.write_text("A new report about transplant tourism.")
    inputs = [*_bad_files(tmp_path), str(big), str(tmp_path / "nope.txt"), str(good)]
    report = ingest_paths(sqlite_store, inputs)
    failed = {r.input.rsplit("/", 1)[-1]: r.error for r in report.by_status("failed")}
    assert set(failed) == {"empty.txt", "blank.txt", "fake.pdf", "photo.png", "archive.zip",
                           "huge.txt", "nope.txt"}
    assert "over the" in failed["huge.txt"] and "cap" in failed["huge.txt"]
    assert "no such file" in failed["nope.txt"]
    assert "unreadable PDF" in failed["fake.pdf"]
    assert [r.input for r in report.by_status("stored")] == [str(good)]
    after = verify_store(sqlite_store)
    assert after.ok and after.counts["documents"] == before.counts["documents"] + 1


def test_url_ingest_preserves_warc_and_times_out(sqlite_store, http_server, monkeypatch):
    import harvestwatch.ingest.pipeline as pipeline
    from harvestwatch.ingest import url as url_mod

    monkeypatch.setattr(pipeline, "fetch_to_warc",
                        lambda u, max_bytes: url_mod.fetch_to_warc(u, timeout=1.0, max_bytes=max_bytes))
    report = ingest_paths(sqlite_store, [f"{http_server}/page", f"{http_server}/slow",
                                         f"{http_server}/missing"])
    stored, = report.by_status("stored")
    failed = {r.input.rsplit("/", 1)[-1]: r.error for r in report.by_status("failed")}
    assert "timed out" in failed["slow"]
    assert "HTTP 404" in failed["missing"]
    warc = sqlite_store.blobs.read(stored.sha256)
    assert warc.startswith(b"WARC/1") and b"WARC-Type: request" in warc and b"WARC-Type: response" in warc
    from harvestwatch.store.models import Document

    with sqlite_store.session() as s:
        doc = s.get(Document, stored.document_ids[0])
        assert doc.url == f"{http_server}/page" and "matching kidney" in doc.text


def test_cli_exit_code_and_summary_name_failures(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "harvestwatch", "--store", str(tmp_path / "s"),
                          "ingest", str(SAMPLES), str(bad), "--no-extract"],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "stored 3, already present 0, failed 1" in run.stdout
    assert f"{bad}: empty file" in run.stderr
