"""WARC captures: one document per usable response, with capture facts; bombs and junk refused."""

from __future__ import annotations

import gzip
import io

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from harvestwatch.core.errors import CorruptInput, DecompressionBomb, EmptyInput
from harvestwatch.ingest.formats import parse_bytes

PAGE = (b"<html><head><title>Transplant centre</title></head><body><article><p>Our centre finds "
        b"a matching kidney within two weeks for international patients.</p></article></body>"
        b"</html>")


def _warc(records, *, compress=True) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=compress)
    for rec in records:
        kind = rec.get("type", "response")
        warc_headers = {"WARC-Date": rec.get("date", "2019-06-17T10:00:00Z"),
                        **rec.get("warc_headers", {})}
        if kind == "response":
            http = StatusAndHeaders(rec.get("status", "200 OK"), rec.get("headers", []),
                                    protocol="HTTP/1.1")
            record = writer.create_warc_record(rec["uri"], "response",
                                               payload=io.BytesIO(rec["body"]), http_headers=http,
                                               warc_headers_dict=warc_headers)
        elif kind == "request":
            http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "h.example")],
                                    is_http_request=True)
            record = writer.create_warc_record(rec["uri"], "request", http_headers=http,
                                               warc_headers_dict=warc_headers)
        else:
            record = writer.create_warc_record(rec["uri"], kind, payload=io.BytesIO(rec["body"]),
                                               warc_content_type=rec.get("ctype"),
                                               warc_headers_dict=warc_headers)
        writer.write_record(record)
    return buf.getvalue()


def _html(uri, body=PAGE, **extra):
    return {"uri": uri, "body": body,
            "headers": [("Content-Type", "text/html; charset=utf-8")] + extra.pop("headers", []),
            **extra}


def _pdf_bytes(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize("compress", [True, False])
def test_each_response_keeps_its_capture_facts(compress):
    data = _warc([
        {"type": "request", "uri": "https://h.example/a"},
        _html("https://h.example/a"),
        {"uri": "https://h.example/r.pdf", "body": _pdf_bytes("Annual report: 2,000 livers."),
         "headers": [("Content-Type", "application/pdf")], "date": "2020-01-02T03:04:05Z"},
        {"uri": "https://h.example/logo.png", "body": b"\x89PNG\r\n\x1a\n" + bytes(300),
         "headers": [("Content-Type", "image/png")]},
    ], compress=compress)
    docs = parse_bytes(data, source="crawl.warc.gz" if compress else "crawl.warc")
    assert [d.url for d in docs] == ["https://h.example/a", "https://h.example/r.pdf"]
    html, pdf = docs
    assert "matching kidney within two weeks" in html.text and html.raw == PAGE
    assert html.metadata["warc_date"] == "2019-06-17T10:00:00Z"
    assert html.metadata["http_status"] == 200
    assert html.metadata["warc_record_id"].startswith("<urn:uuid:")
    assert pdf.mime == "application/pdf" and "2,000 livers" in pdf.text
    assert pdf.metadata["warc_date"] == "2020-01-02T03:04:05Z" and len(pdf.pages) == 1


def test_transfer_and_content_encodings_are_undone():
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(PAGE), PAGE)
    data = _warc([
        _html("https://h.example/chunked", chunked, headers=[("Transfer-Encoding", "chunked")]),
        _html("https://h.example/gz", gzip.compress(PAGE), headers=[("Content-Encoding", "gzip")]),
    ])
    chunk_doc, gz_doc = parse_bytes(data, source="enc.warc.gz")
    assert chunk_doc.raw == PAGE and gz_doc.raw == PAGE
    assert gz_doc.metadata["content_encoding"] == "gzip"


def test_gzip_bomb_inside_a_record_is_refused_early():
    bomb = gzip.compress(b"<html><body>" + b" " * (64 * 1024 * 1024))  # ~64 KB packed
    data = _warc([_html("https://h.example/ok"),
                  _html("https://h.example/bomb", bomb, headers=[("Content-Encoding", "gzip")])])
    with pytest.raises(DecompressionBomb, match=r"bomb.warc.gz: record https://h.example/bomb "
                                                r"expands over 100×"):
        parse_bytes(data, source="bomb.warc.gz")


def test_redirects_and_unreadable_payloads_are_skipped_with_reasons():
    data = _warc([
        _html("https://h.example/old", b"<html><body>Moved</body></html>",
              status="301 Moved Permanently", headers=[("Location", "https://h.example/new")]),
        _html("https://h.example/broken-gz", b"\x1f\x8b\x08\x00not gzip at all",
              headers=[("Content-Encoding", "gzip")]),
        _html("https://h.example/new"),
    ])
    doc, = parse_bytes(data, source="mixed.warc.gz")
    assert doc.url == "https://h.example/new"
    only_skips = _warc([_html("https://h.example/old", b"<p>Moved</p>", status="302 Found",
                              headers=[("Location", "/new")])])
    with pytest.raises(EmptyInput, match=r"https://h.example/old: HTTP 302 redirect"):
        parse_bytes(only_skips, source="redirect.warc.gz")


def test_error_pages_and_crawler_cut_payloads_say_so():
    doc, = parse_bytes(_warc([_html("https://h.example/gone", status="404 Not Found")]),
                       source="gone.warc")
    assert doc.metadata["http_status"] == 404 and "warc_truncated" not in doc.metadata
    doc, = parse_bytes(_warc([_html("https://h.example/big",
                                    warc_headers={"WARC-Truncated": "length"})]),
                       source="cut-by-crawler.warc")
    assert doc.metadata["warc_truncated"] == "length"


def test_resource_records_are_read_with_their_own_content_type():
    data = _warc([{"type": "resource", "uri": "file:///notes/interview.txt",
                   "body": b"Witness said the ward had twelve beds.",
                   "ctype": "text/plain; charset=utf-8"}])
    doc, = parse_bytes(data, source="res.warc")
    assert doc.text == "Witness said the ward had twelve beds."
    assert doc.metadata["warc_record_type"] == "resource"


def test_corrupt_archive_is_one_line_corrupt_input():
    data = bytearray(_warc([_html(f"https://h.example/{i}") for i in range(3)]))
    middle = len(data) // 2
    data[middle:middle + 40] = bytes(b ^ 0xFF for b in data[middle:middle + 40])
    with pytest.raises(CorruptInput) as info:
        parse_bytes(bytes(data), source="damaged.warc.gz")
    assert "damaged.warc.gz" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(CorruptInput, match="not a readable WARC"):
        parse_bytes(b"WARC/1.0\r\nthis is not a header block", source="junk.warc")


@pytest.mark.parametrize("compress", [True, False])
def test_truncated_archive_is_refused_not_silently_shortened(compress):
    data = _warc([_html(f"https://h.example/{i}") for i in range(3)], compress=compress)
    assert len(parse_bytes(data, source="whole.warc")) == 3
    with pytest.raises(CorruptInput, match=r"cut.warc: WARC is truncated"):
        parse_bytes(data[: len(data) // 2], source="cut.warc")  # mid-record
