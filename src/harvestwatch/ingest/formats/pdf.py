"""PDF documents: text per page via pypdfium2, page boundaries kept as offsets.

Pages without a text layer (scans) are rendered to images and left for OCR (``ingest.ocr``).
"""

from __future__ import annotations

from harvestwatch.core.errors import CorruptInput, EmptyInput
from harvestwatch.ingest import ocr
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.language import detect_language


def parse_pdf(data: bytes, source: str) -> list[ParsedDocument]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise CorruptInput(source, "encrypted PDF: a password is needed to read it "
                                       "(give it with --password)") from None
        raise CorruptInput(source, f"unreadable PDF ({exc})") from None
    try:
        parts: list[str] = []
        pages: list[tuple[int, int]] = []
        offset = 0
        for page in pdf:
            textpage = page.get_textpage()
            page_text = normalise_text(textpage.get_text_bounded())
            textpage.close()
            page.close()
            if parts:
                offset += 2  # the "\n\n" joining pages
            pages.append((offset, offset + len(page_text)))
            parts.append(page_text)
            offset += len(page_text)
        meta = pdf.get_metadata_dict()
    finally:
        pdf.close()
    text = "\n\n".join(parts)
    scanned = [n for n, part in enumerate(parts, start=1) if len(part.strip()) < 3 or _garbled(part)]
    if scanned and ocr.available():
        return [ParsedDocument(
            text="", raw=data, mime="application/pdf", title=(meta.get("Title") or None),
            author=(meta.get("Author") or None), published=_pdf_date(meta.get("CreationDate")),
            metadata={"page_count": len(parts)},
            ocr_jobs=ocr.pdf_jobs(data, scanned, source),
            page_texts=[None if n in scanned else part for n, part in enumerate(parts, start=1)])]
    if not text.strip():
        raise EmptyInput(source, "PDF has no text layer (a scan) and OCR is not available: "
                                 "install Debian's tesseract-ocr (make install)")
    return [ParsedDocument(
        text=text, raw=data, mime="application/pdf", language=detect_language(text),
        title=(meta.get("Title") or None), author=(meta.get("Author") or None),
        published=_pdf_date(meta.get("CreationDate")), pages=pages,
        metadata={"page_count": len(pages)},
    )]


def _garbled(text: str) -> bool:
    """A text layer of mostly symbols (fonts without a Unicode map): OCR reads it better."""
    visible = [c for c in text if not c.isspace()]
    if len(visible) < 20:
        return False
    return sum(c.isalnum() for c in visible) < 0.4 * len(visible)


def _pdf_date(value: str | None) -> str | None:
    """PDF dates look like ``D:20190114093000Z``; keep the calendar date."""
    if not value:
        return None
    digits = value[2:] if value.startswith("D:") else value
    if len(digits) >= 8 and digits[:8].isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    return None
