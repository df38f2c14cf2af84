"""Word documents (DOCX): paragraphs and tables in order, core properties as metadata."""

from __future__ import annotations

import io
import zipfile

from harvestwatch.core.errors import CorruptInput, DecompressionBomb, EmptyInput
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.language import detect_language

MAX_EXPANDED = 512 * 1024 * 1024  # all parts together, whatever their ratio
MAX_XML_PART = 64 * 1024 * 1024  # one XML part (the text of ~20,000 pages is under 40 MB)
MAX_RATIO = 200


def check_zip(data: bytes, source: str) -> None:
    """Refuse archives whose declared expansion is absurd (zip bombs)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise CorruptInput(source, "not a valid DOCX (zip) file") from None
    total = sum(i.file_size for i in zf.infolist())
    packed = max(1, sum(i.compress_size for i in zf.infolist()))
    if total > MAX_EXPANDED or (total > 10 * 1024 * 1024 and total / packed > MAX_RATIO):
        raise DecompressionBomb(source, f"archive expands to {total:,} bytes from {len(data):,}")
    for info in zf.infolist():
        if info.filename.endswith((".xml", ".rels")) and info.file_size > MAX_XML_PART:
            raise DecompressionBomb(source, f"part {info.filename} expands to {info.file_size:,} "
                                            f"bytes (over {MAX_XML_PART:,}); refused as too "
                                            "large to parse safely")


def _table_rows(table) -> list[str]:
    """One tab-separated line per row; a merged cell's text once, not once per grid column."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        rows.append("\t".join(cells))
    return rows


def parse_docx(data: bytes, source: str) -> list[ParsedDocument]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data, source)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError/ValueError etc. on broken parts
        raise CorruptInput(source, f"unreadable DOCX ({type(exc).__name__})") from None
    blocks: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.append(Paragraph(child, document).text)
        elif tag == "tbl":
            blocks.extend(_table_rows(Table(child, document)))
    text = normalise_text("\n".join(b for b in blocks if b.strip()))
    if not text:
        raise EmptyInput(source, "DOCX has no text")
    props = document.core_properties
    published = props.created.date().isoformat() if props.created else None
    return [ParsedDocument(
        text=text, raw=data,
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        language=detect_language(text), title=props.title or None, author=props.author or None,
        published=published,
    )]
