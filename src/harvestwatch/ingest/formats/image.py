"""Images (PNG, JPEG, TIFF incl. multi-page, WebP, GIF, JPEG 2000, BMP): OCR, one page a frame.

SVG drawings carry their text as markup and are read without OCR.
"""

from __future__ import annotations

from harvestwatch.core.errors import EmptyInput, UnsupportedFormat
from harvestwatch.ingest import ocr
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.language import detect_language
from harvestwatch.ingest.sniff import magic_of


def parse_image(data: bytes, source: str) -> list[ParsedDocument]:
    """An image whose frames are left for OCR (``ParsedDocument.ocr_jobs``)."""
    mime, description = magic_of(data)
    if not ocr.available():
        raise UnsupportedFormat(source, f"{description.split(',')[0]}: reading text in images "
                                        "needs Debian's tesseract-ocr (make install)")
    jobs = ocr.image_jobs(data, source)
    return [ParsedDocument(text="", raw=data, mime=mime, ocr_jobs=jobs,
                           page_texts=[None] * len(jobs),
                           metadata={"image": description[:120], "frames": len(jobs)})]


def parse_svg(data: bytes, source: str) -> list[ParsedDocument]:
    """The text elements and title of an SVG drawing."""
    import lxml.etree

    try:
        root = lxml.etree.fromstring(data, parser=lxml.etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, recover=True))
    except lxml.etree.LxmlError:
        root = None
    if root is None:
        raise EmptyInput(source, "SVG image that cannot be read as XML")
    lines = []
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
        if tag in ("title", "desc", "text"):
            line = " ".join("".join(el.itertext()).split())
            if line:
                lines.append(line)
    text = normalise_text("\n".join(lines))
    if not text:
        raise EmptyInput(source, "SVG image with no text elements (a drawing only)")
    return [ParsedDocument(text=text, raw=data, mime="image/svg+xml",
                           language=detect_language(text))]
