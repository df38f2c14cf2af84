"""DjVu documents: the text layer of every page, read with ``djvutxt`` (Debian djvulibre-bin).

Pages become page offsets (``djvutxt`` ends each page with a form feed). A DjVu without a text
layer (a scan never OCRed) is refused as empty, naming what would help.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from harvestwatch.core.errors import EmptyInput
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.language import detect_language
from harvestwatch.ingest.tools import failure, require, run_tool


def parse_djvu(data: bytes, source: str) -> list[ParsedDocument]:
    """One document; ``pages`` holds each page's (start, end) offsets in its text."""
    djvutxt = require("djvutxt", source, "DjVu document")
    with tempfile.TemporaryDirectory(prefix="hw-djvu-") as tmp:
        path = Path(tmp) / "input.djvu"
        path.write_bytes(data)
        result = run_tool([djvutxt, str(path)], source)
    if result.returncode != 0:
        raise failure(result, source, "DjVu document")
    raw_pages = result.stdout.decode("utf-8", "replace").split("\f")
    if raw_pages and not raw_pages[-1].strip():
        raw_pages.pop()
    parts, pages, offset = [], [], 0
    for page in raw_pages:
        text = normalise_text(page)
        if parts:
            offset += 2  # the "\n\n" joining pages
        pages.append((offset, offset + len(text)))
        parts.append(text)
        offset += len(text)
    text = "\n\n".join(parts)
    if not text.strip():
        raise EmptyInput(source, "DjVu document has no text layer; OCR it (ocrodjvu) or convert "
                                 "it to PDF (ddjvu -format=pdf) and ingest that")
    return [ParsedDocument(text=text, raw=data, mime="image/vnd.djvu",
                           language=detect_language(text), pages=pages,
                           metadata={"page_count": len(pages), "converter": "djvutxt"})]
