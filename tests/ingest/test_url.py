"""fetch_to_warc against a local HTTP server: exchanges preserved, every failure named."""

from __future__ import annotations

import gzip
import http.server
import io
import socket
import threading
import time

import pytest
from warcio.archiveiterator import ArchiveIterator

from harvestwatch.core.errors import FetchError
from harvestwatch.ingest.formats import parse_bytes
from harvestwatch.ingest.url import fetch_to_warc

PAGE = ("<html><head><title>移植中心</title><meta charset='utf-8'></head><body><p>本院肾脏移植"
        "等待时间为一至两周，欢迎国际患者咨询。</p></body></html>").encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in {"Content-Type": "text/html; charset=utf-8",
                     "Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        path = self.path
        if path == "/page":
            self._send(200, PAGE)
        elif path == "/hop1":
            self._send(302, b"", {"Location": "/hop2"})
        elif path == "/hop2":
            self._send(301, b"<p>moved</p>", {"Location": f"http://{self.headers['Host']}/page"})
        elif path == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        elif path == "/gzip":
            self._send(200, gzip.compress(PAGE), {"Content-Encoding": "gzip"})
        elif path == "/slow":
            time.sleep(2)
            self._send(200, PAGE)
        elif path == "/dribble":  # answers at once, then one byte every 0.1 s for ever
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/huge-declared":
            self._send(200, b"x" * 10, {"Content-Length": str(10**10)})
        elif path == "/huge-chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"organ " * 10000
            try:
                for _ in range(1000):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/gone":
            self._send(404, b"<p>not here</p>")
        elif path == "/error":
            self._send(503, b"<p>down</p>")
        else:
            self._send(400, b"")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _records(warc: bytes):
    return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
             r.http_headers.get_statuscode() if r.http_headers and r.rec_type == "response"
             else None)
            for r in ArchiveIterator(io.BytesIO(warc))]


def test_page_is_kept_as_request_and_response_records(server):
    warc = fetch_to_warc(f"{server}/page", timeout=5)
    assert _records(warc) == [("warcinfo", None, None), ("request", f"{server}/page", None),
                              ("response", f"{server}/page", "200")]
    assert b"GET /page HTTP/1.1" in warc and b"User-Agent: harvestwatch/" in warc
    assert PAGE in warc  # the body exactly as served
    doc, = parse_bytes(warc, source="fetch.warc")
    assert doc.url == f"{server}/page" and "等待时间为一至两周" in doc.text
    assert doc.language == "zh" and doc.raw == PAGE
    assert doc.metadata["http_status"] == 200 and doc.metadata["warc_date"]


def test_redirect_chain_is_preserved_hop_by_hop(server):
    warc = fetch_to_warc(f"{server}/hop1", timeout=5)
    responses = [(uri, status) for kind, uri, status in _records(warc) if kind == "response"]
    assert responses == [(f"{server}/hop1", "302"), (f"{server}/hop2", "301"),
                         (f"{server}/page", "200")]
    doc, = parse_bytes(warc, source="fetch.warc")  # the redirects are not documents
    assert doc.url == f"{server}/page"


def test_gzip_body_is_stored_encoded_and_read_decoded(server):
    warc = fetch_to_warc(f"{server}/gzip", timeout=5)
    assert gzip.compress(PAGE)[10:] in warc  # stored as sent (gzip header time aside)
    doc, = parse_bytes(warc, source="fetch.warc")
    assert "肾脏移植" in doc.text and doc.metadata["content_encoding"] == "gzip"


@pytest.mark.parametrize("path, reason", [
    ("/slow", "timed out after 0.5 s"),
    ("/dribble", "timed out after 0.5 s"),  # the whole fetch is bounded, not each read
    ("/huge-declared", "declares 10,000,000,000 bytes, over the 1,000,000-byte cap"),
    ("/huge-chunked", "over the 1,000,000-byte cap"),
    ("/gone", "HTTP 404 Not Found"),
    ("/error", "HTTP 503 Service Unavailable"),
    ("/loop", "more than 5 redirects"),
])
def test_failures_name_the_url_and_the_reason(server, path, reason):
    with pytest.raises(FetchError) as info:
        fetch_to_warc(f"{server}{path}", timeout=0.5, max_bytes=1_000_000)
    assert info.value.source == f"{server}{path}"
    assert reason in info.value.reason
    assert "\n" not in str(info.value)


def test_refused_connection_and_bad_scheme():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="could not connect"):
        fetch_to_warc(f"http://127.0.0.1:{port}/x", timeout=2)
    with pytest.raises(FetchError, match="only http"):
        fetch_to_warc("ftp://example.org/file.txt")
