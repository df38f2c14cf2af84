"""What every ParsedDocument promises, whatever format it came from."""

from __future__ import annotations

import re
import unicodedata

import pytest

from harvestwatch.ingest.document import normalise_text
from harvestwatch.ingest.formats import parse_bytes
from tests.ingest.test_formats_pdf_docx import make_docx, make_pdf
from tests.ingest.test_formats_warc import PAGE, _html, _warc


def _inputs():
    return {
        "report.pdf": make_pdf(["Capacity\r\nof centres", "", "第二页"], chinese=True),
        "statement.docx": make_docx(lambda d: (d.add_paragraph("Line one\u00a0x"),
                                              d.add_paragraph("Cafe\u0301 two"))),
        "page.html": PAGE,
        "gbk.txt": "他说器官来自死刑犯。\r\n等待时间只要两个星期。".encode("gbk"),
        "big5.md": "# 報告\r\n\r\n醫院的等待時間極短。".encode("big5"),
        "utf16.txt": "Witness\x00 statement\r\n".encode("utf-16"),
        "capture.warc.gz": _warc([_html("https://h.example/a"),
                                  {"uri": "https://h.example/r.pdf",
                                   "body": make_pdf(["Annual report"]),
                                   "headers": [("Content-Type", "application/pdf")]}]),
    }


@pytest.mark.parametrize("name", sorted(_inputs()))
def test_document_contract(name):
    data = _inputs()[name]
    docs = parse_bytes(data, source=name)
    assert docs
    for doc in docs:
        assert doc.text and doc.text == normalise_text(doc.text)
        assert unicodedata.is_normalized("NFC", doc.text)
        assert "\r" not in doc.text and "\x00" not in doc.text
        assert doc.language in {"en", "zh", "other"}
        assert doc.mime and isinstance(doc.raw, bytes) and doc.raw
        assert doc.published is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.published)
        assert isinstance(doc.metadata, dict)
        last = 0
        for start, end in doc.pages:
            assert last <= start <= end <= len(doc.text)
            last = end
        if not name.endswith(".warc.gz"):
            assert doc.raw == data  # the whole file, byte for byte
        else:
            assert doc.metadata["warc_target_uri"] == doc.url
