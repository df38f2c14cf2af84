"""OCR with Tesseract: scans and images get text per page, the language from the script, word
boxes and confidence kept, and OCR text marked as such. Character error rates are printed."""

from __future__ import annotations

import io
import shutil

import pytest
from sqlalchemy import select

from harvestwatch.ingest.formats import parse_bytes
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.store.ingest_links import OcrPage
from harvestwatch.store.models import Document

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="Debian tesseract-ocr is not installed (make install)")
FONT_ZH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
ENGLISH = ["The committee heard evidence from former patients who waited",
           "less than two weeks for a kidney at the Central Hospital in 2006.",
           "Records show 1,200 liver transplants were performed that year,",
           "far more than the official registry reported for the province."]
CHINESE = ["天津第一中心医院肝移植等待时间为两周。", "器官移植中心的病人来自韩国和日本。",
           "二零零六年该医院完成了六百例肝移植手术。"]


def cer(truth: str, read: str) -> float:
    """Character error rate: edit distance over the truth's length (whitespace ignored)."""
    a, b = "".join(truth.split()), "".join(read.split())
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] / max(1, len(a))


def english_scan(dpi: int = 200) -> bytes:
    """A text PDF made with reportlab, rendered at ``dpi`` and saved as an image-only PDF."""
    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("Helvetica", 12)
    for i, line in enumerate(ENGLISH):
        c.drawString(72, 760 - 18 * i, line)
    c.showPage()
    c.save()
    page = pdfium.PdfDocument(buf.getvalue())[0]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=dpi)
    return out.getvalue()


def chinese_scan(fmt: str = "PNG", pages: int = 1) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT_ZH, 40)
    frames = []
    for p in range(pages):
        image = Image.new("L", (1700, 700), 255)
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(CHINESE):
            draw.text((80, 80 + i * 90), line, font=font, fill=0)
        draw.text((80, 400), f"第{p + 1}页", font=font, fill=0)
        frames.append(image)
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=pages > 1, append_images=frames[1:], dpi=(300, 300))
    return out.getvalue()


def test_english_scan_rendered_at_200_dpi_is_read_with_boxes_and_confidence():
    data = english_scan(200)
    doc, = parse_bytes(data, source="scan.pdf")
    truth = "\n".join(ENGLISH)
    rate = cer(truth, doc.text)
    print(f"\nEnglish scan at 200 dpi: OCR character error rate {rate:.2%}, "
          f"confidence {doc.metadata['ocr']['confidence']}")
    assert rate < 0.03
    assert doc.language == "en" and doc.metadata["ocr"]["languages"] == ["eng"]
    assert doc.raw == data  # the original stays byte-exact
    page, = doc.ocr_pages
    assert page["dpi"] == 300 and page["confidence"] > 80
    start, end, left, top, width, height, conf = page["words"][0]
    assert doc.text[start:end] == "The" and width > 0 and height > 0 and conf > 50
    assert all(doc.text[w[0]:w[1]].strip() for w in page["words"])


def test_chinese_scan_gets_chinese_from_its_script():
    doc, = parse_bytes(chinese_scan(), source="notice.png")
    rate = cer("\n".join(CHINESE), "\n".join(doc.text.splitlines()[:3]))
    print(f"\nChinese scan: OCR character error rate {rate:.2%}, "
          f"confidence {doc.metadata['ocr']['confidence']}")
    assert rate < 0.05
    assert doc.metadata["ocr"]["languages"] == ["chi_sim"] and doc.language == "zh"
    assert " " not in doc.text.splitlines()[0]  # CJK characters are not joined with spaces


def test_multi_page_tiff_is_read_page_by_page_in_the_pool(sqlite_store, tmp_path):
    path = tmp_path / "brochure.tif"
    path.write_bytes(chinese_scan("TIFF", pages=3))
    pages_seen = []
    report = ingest_paths(sqlite_store, [str(path)], workers=2,
                          on_page=lambda name, done, total: pages_seen.append((done, total)))
    assert report.by_status("stored"), report.results
    assert sorted(pages_seen) == [(1, 3), (2, 3), (3, 3)]
    with sqlite_store.session() as s:
        doc = s.scalar(select(Document))
        rows = list(s.scalars(select(OcrPage).order_by(OcrPage.page)))
        assert [r.page for r in rows] == [1, 2, 3]
        assert len(doc.pages) == 3 and "第3页" in doc.text[doc.pages[2][0]:doc.pages[2][1]]
        assert doc.meta["ocr"]["engine"] == "tesseract" and doc.meta["ocr"]["confidence"] > 80
        # word offsets point at the stored text, page by page
        for row in rows:
            lo, hi = doc.pages[row.page - 1]
            assert all(lo <= w[0] < w[1] <= hi for w in row.words)


def test_a_page_without_text_gives_a_reason_not_garbage():
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (800, 600), 255).save(out, format="PNG")
    with pytest.raises(Exception, match="OCR found no text in the image"):
        parse_bytes(out.getvalue(), source="blank.png")
