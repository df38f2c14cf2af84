"""PDF and DOCX: text and page spans from real generated files; damaged files named as such."""

from __future__ import annotations

import io
import zipfile

import pytest

from harvestwatch.core.errors import CorruptInput, DecompressionBomb, EmptyInput
from harvestwatch.ingest.formats import parse_bytes


def make_pdf(pages: list[str], *, encrypt=None, chinese: bool = False) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    c.setTitle("Transplant capacity")
    if chinese:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    for page in pages:
        if chinese:
            c.setFont("STSong-Light", 12)  # showPage resets the font
        for i, line in enumerate(page.splitlines()):
            c.drawString(72, 760 - 16 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()


def test_page_spans_cover_each_page_including_blank_ones():
    doc, = parse_bytes(make_pdf(["Beds: 120", "", "Transplants in 2006\nLivers: 500"]),
                       source="capacity.pdf")
    assert doc.metadata["page_count"] == 3 and len(doc.pages) == 3
    texts = [doc.text[s:e] for s, e in doc.pages]
    assert texts == ["Beds: 120", "", "Transplants in 2006\nLivers: 500"]
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(doc.pages, doc.pages[1:], strict=False))
    assert doc.title == "Transplant capacity" and doc.published  # CreationDate, ISO
    assert len(doc.published) == 10 and doc.published[4] == "-"


def test_chinese_pdf_text_layer():
    doc, = parse_bytes(make_pdf(["天津第一中心医院肝移植等待时间为两周", "第二页：肾移植"],
                                chinese=True), source="zh.pdf")
    first, second = (doc.text[s:e] for s, e in doc.pages)
    assert first == "天津第一中心医院肝移植等待时间为两周" and second == "第二页：肾移植"
    assert doc.language == "zh"


def test_encrypted_pdf_needs_a_password_but_owner_only_locks_are_read():
    from reportlab.lib.pdfencrypt import StandardEncryption

    with pytest.raises(CorruptInput, match="locked.pdf: encrypted PDF: a password is needed"):
        parse_bytes(make_pdf(["secret"], encrypt="user-pw"), source="locked.pdf")
    doc, = parse_bytes(make_pdf(["Printing is forbidden but reading is not."],
                                encrypt=StandardEncryption("", ownerPassword="o", canPrint=0)),
                       source="owner.pdf")
    assert doc.text == "Printing is forbidden but reading is not."


def test_truncated_and_textless_pdfs():
    data = make_pdf(["page one", "page two"])
    with pytest.raises(CorruptInput, match="cut.pdf: unreadable PDF"):
        parse_bytes(data[: len(data) // 2], source="cut.pdf")
    with pytest.raises(EmptyInput, match="no text layer"):
        parse_bytes(make_pdf(["", ""]), source="scan.pdf")


def make_docx(build) -> bytes:
    import docx

    d = docx.Document()
    build(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_order_merged_cells_and_properties():
    def build(d):
        d.core_properties.title = "证人陈述"
        d.core_properties.author = "Interviewer A"
        d.add_paragraph("Before the table.")
        table = d.add_table(rows=2, cols=3)
        table.cell(0, 0).merge(table.cell(0, 2)).text = "Hospital figures"
        for i, value in enumerate(["beds", "120", "2006"]):
            table.cell(1, i).text = value
        d.add_paragraph("After the table: 他被带去抽血。")

    doc, = parse_bytes(make_docx(build), source="statement.docx")
    assert doc.text.splitlines() == ["Before the table.", "Hospital figures", "beds\t120\t2006",
                                     "After the table: 他被带去抽血。"]
    assert doc.title == "证人陈述" and doc.author == "Interviewer A"
    assert doc.mime.endswith("wordprocessingml.document") and doc.pages == []


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, replace.get(info.filename, src.read(info)))
    return out.getvalue()


def test_damaged_docx_files_are_corrupt_not_unknown():
    good = make_docx(lambda d: d.add_paragraph("A statement."))
    with pytest.raises(CorruptInput, match="cut.docx: not a valid DOCX"):
        parse_bytes(good[: len(good) // 2], source="cut.docx")
    with pytest.raises(CorruptInput, match="badxml.docx: unreadable DOCX"):
        parse_bytes(_rezip(good, {"word/document.xml": b"<w:document"}), source="badxml.docx")
    with pytest.raises(EmptyInput, match="DOCX has no text"):
        parse_bytes(make_docx(lambda d: None), source="blank.docx")


def _declare_size(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size the central directory declares for ``name``."""
    at = data.index(b"PK\x01\x02")
    while True:
        name_len = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + name_len] == name:
            return data[:at + 24] + size.to_bytes(4, "little") + data[at + 28:]
        at = data.index(b"PK\x01\x02", at + 4)


def test_docx_bomb_by_declared_size_and_other_zips():
    good = make_docx(lambda d: d.add_paragraph("A statement."))
    lying = _declare_size(good, b"word/document.xml", 0xF0000000)
    with pytest.raises(DecompressionBomb, match=r"huge.docx: archive expands to 4,02\d,"):
        parse_bytes(lying, source="huge.docx")
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("readme.txt", b"not a document")
    archive, member = parse_bytes(plain.getvalue(), source="bundle.zip")  # an archive now
    assert archive.text.startswith("ZIP archive with 1 file(s)")
    assert (member.text, member.parent, member.member) == ("not a document", 0, "readme.txt")
