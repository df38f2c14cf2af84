"""PDF documents: text per page via pypdfium2, page boundaries kept as offsets."""

from __future__ import annotations

from harvestwatch.core.errors import CorruptInput, EmptyInput
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.language import detect_language


def parse_pdf(data: bytes, source: str) -> list[ParsedDocument]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise CorruptInput(source, "encrypted PDF: a password is needed to read it") from None
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
    if not text.strip():
        raise EmptyInput(source, "PDF has no text layer (scanned? OCR it first)")
    return [ParsedDocument(
        text=text, raw=data, mime="application/pdf", language=detect_language(text),
        title=(meta.get("Title") or None), author=(meta.get("Author") or None),
        published=_pdf_date(meta.get("CreationDate")), pages=pages,
        metadata={"page_count": len(pages)},
    )]


def _pdf_date(value: str | None) -> str | None:
    """PDF dates look like ``D:20190114093000Z``; keep the calendar date."""
    if not value:
        return None
    digits = value[2:] if value.startswith("D:") else value
    if len(digits) >= 8 and digits[:8].isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    return None
