"""Every supported format, generated here as a real file, comes out as the right text."""

from __future__ import annotations

import io
import zipfile

import pytest

from harvestwatch.core.errors import (
    CorruptInput,
    DecompressionBomb,
    EmptyInput,
    InputTooLarge,
    UnsupportedFormat,
)
from harvestwatch.ingest.formats import detect_format, parse_bytes
from harvestwatch.ingest.language import detect_language

ZH_SIMPLIFIED = "调查人员发现，医院宣传的肾脏移植等待时间只有两周。法轮功学员被抽血检查。"
ZH_TRADITIONAL = "調查人員發現，醫院宣傳的腎臟移植等待時間只有兩週。法輪功學員被抽血檢查。"


def make_pdf(pages: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("Capacity of transplant centres")
    c.setAuthor("Test Author")
    for page in pages:
        c.drawString(72, 770, page)
        c.showPage()
    c.save()
    return buf.getvalue()


def make_docx(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.title = "Witness statement"
    d.core_properties.author = "Interviewer"
    for p in paragraphs:
        d.add_paragraph(p)
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "kidney"
    table.rows[0].cells[1].text = "7 days"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def make_warc(records: list[tuple[str, bytes, str]]) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    for uri, body, ctype in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                            http_headers=headers,
                                            warc_headers_dict={"WARC-Date": "2019-06-17T10:00:00Z"}))
    return buf.getvalue()


def test_pdf_pages_keep_offsets():
    doc, = parse_bytes(make_pdf(["First page about kidney transplants.", "Second page on livers."]),
                       source="report.pdf")
    assert doc.mime == "application/pdf" and doc.title == "Capacity of transplant centres"
    assert len(doc.pages) == 2
    (s1, e1), (s2, e2) = doc.pages
    assert doc.text[s1:e1] == "First page about kidney transplants."
    assert doc.text[s2:e2] == "Second page on livers."


def test_docx_paragraphs_and_tables_in_order():
    doc, = parse_bytes(make_docx(["He was taken for a blood test.", "Then he disappeared."]),
                       source="statement.docx")
    assert doc.text.splitlines() == ["He was taken for a blood test.", "Then he disappeared.",
                                     "kidney\t7 days"]
    assert doc.title == "Witness statement" and doc.author == "Interviewer"


def test_html_main_text_and_metadata():
    html = b"""<!DOCTYPE html><html><head><title>Hospital promises fast livers</title>
    <meta name="author" content="Jane Reporter"><meta property="article:published_time" content="2017-03-02">
    <meta property="og:site_name" content="Example News"></head>
    <body><nav>Home | About</nav><article><h1>Hospital promises fast livers</h1>
    <p>The transplant centre's website said a matching liver could be found within a week,
    a waiting time unheard of in countries relying on voluntary donation.</p>
    <p>Researchers archived the page before it was taken down.</p></article>
    <script>alert(1)</script></body></html>"""
    doc, = parse_bytes(html, source="page.html", url="https://example.org/a")
    assert "matching liver could be found within a week" in doc.text
    assert "alert(1)" not in doc.text
    assert doc.title == "Hospital promises fast livers"
    assert doc.author == "Jane Reporter" and doc.published == "2017-03-02"
    assert doc.url == "https://example.org/a"


def test_broken_html_still_yields_text():
    doc, = parse_bytes(b"<html><body><p>Unclosed <b>organ broker <i>notes</p><div>kidney 7 days",
                       source="broken.html")
    assert "organ broker" in doc.text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030", "gbk"])
def test_simplified_chinese_encodings(encoding):
    doc, = parse_bytes(ZH_SIMPLIFIED.encode(encoding), source="zh.txt")
    assert doc.text == ZH_SIMPLIFIED
    assert doc.language == "zh"


def test_big5_traditional_chinese():
    doc, = parse_bytes(ZH_TRADITIONAL.encode("big5"), source="zh-tw.txt")
    assert doc.text == ZH_TRADITIONAL
    assert doc.metadata["encoding"] == "big5"


def test_warc_each_response_is_a_document():
    data = make_warc([
        ("https://hospital.example/cn", "<html><body><p>肝脏移植等待时间为7天，欢迎咨询。</p></body></html>"
         .encode(), "text/html; charset=utf-8"),
        ("https://news.example/a", b"Plain text report on organ tourism.", "text/plain"),
    ])
    docs = parse_bytes(data, source="capture.warc.gz")
    assert [d.url for d in docs] == ["https://hospital.example/cn", "https://news.example/a"]
    assert docs[0].language == "zh" and "等待时间为7天" in docs[0].text
    assert docs[0].metadata["warc_date"] == "2019-06-17T10:00:00Z"


def test_bad_inputs_name_the_problem():
    with pytest.raises(EmptyInput, match="empty.txt"):
        parse_bytes(b"", source="empty.txt")
    with pytest.raises(InputTooLarge, match="over the 10-byte cap"):
        parse_bytes(b"x" * 11, source="big.txt", max_bytes=10)
    with pytest.raises(UnsupportedFormat, match="image.png"):
        parse_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, source="image.png")
    with pytest.raises(CorruptInput, match="unreadable PDF"):
        parse_bytes(b"%PDF-1.4\nthis is not really a pdf", source="bad.pdf")


def test_zip_bomb_disguised_as_docx():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(DecompressionBomb, match="bomb.docx"):
        parse_bytes(buf.getvalue(), source="bomb.docx")


def test_format_detection_prefers_magic_bytes():
    assert detect_format(b"%PDF-1.7 ...", "looks.txt") == "pdf"
    assert detect_format(b"<!doctype html><p>x", "x.bin") == "html"
    assert detect_format(b"just words", "notes.md") == "text"


def test_language_detection():
    assert detect_language("The Chinese government denies these allegations.") == "en"
    assert detect_language(ZH_SIMPLIFIED) == "zh"
    assert detect_language("Les organes sont prélevés sans consentement.") == "other"
