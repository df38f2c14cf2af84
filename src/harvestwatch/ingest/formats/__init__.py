"""Format dispatch: bytes in, ``ParsedDocument`` list out (one per document in the input)."""

from __future__ import annotations

import gzip
import zipfile
import zlib
from io import BytesIO
from pathlib import PurePosixPath

from harvestwatch.core.config import DEFAULT_MAX_BYTES
from harvestwatch.core.errors import EmptyInput, InputTooLarge, UnsupportedFormat
from harvestwatch.ingest.document import ParsedDocument

FORMATS = ("html", "pdf", "docx", "text", "warc")
_EXT = {".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf", ".docx": "docx",
        ".txt": "text", ".md": "text", ".markdown": "text", ".text": "text",
        ".warc": "warc", ".warc.gz": "warc"}
_MIME = {"text/html": "html", "application/xhtml+xml": "html", "application/pdf": "pdf",
         "text/plain": "text", "text/markdown": "text", "application/warc": "warc",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx"}


def detect_format(data: bytes, source: str, content_type: str | None = None) -> str:
    """One of FORMATS, from magic bytes first, then the content type, then the extension."""
    head = data[:2048]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"\x1f\x8b"):
        try:
            with gzip.GzipFile(fileobj=BytesIO(data)) as gz:
                if gz.read(5) == b"WARC/":
                    return "warc"
        except (OSError, EOFError, zlib.error):  # truncated or corrupt gzip: not a WARC we can read
            pass
        raise UnsupportedFormat(source, "gzip archive that is not a WARC file")
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            names = []
        if "word/document.xml" in names or (not names and (
                b"word/" in data[:65536] or _extension_format(source) == "docx")):
            return "docx"  # a broken DOCX is reported as corrupt, not as an unknown format
        raise UnsupportedFormat(source, "zip archive that is not a DOCX document")
    sniff = head.lower().lstrip()
    if sniff.startswith((b"<!doctype html", b"<html")) or b"<html" in sniff[:512] or b"<body" in sniff:
        return "html"
    if content_type:
        fmt = _MIME.get(content_type.split(";")[0].strip().lower())
        if fmt:
            return fmt
    fmt = _extension_format(source)
    if fmt:
        return fmt
    if _looks_binary(head):
        raise UnsupportedFormat(source, "binary data of an unsupported type "
                                        f"(supported: {', '.join(FORMATS)})")
    return "text"


def _extension_format(source: str) -> str | None:
    name = PurePosixPath(source.split("?")[0].split("#")[0]).name.lower()
    for ext, fmt in sorted(_EXT.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(ext):
            return fmt
    return None


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    if head.count(0) > len(head) // 4:  # probably UTF-16 without BOM
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05


def parse_payload(data: bytes, *, source: str, content_type: str | None = None,
                  url: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> list[ParsedDocument]:
    """Parse one input's bytes into documents; raises InputError subclasses naming ``source``."""
    from harvestwatch.ingest.formats.docx import parse_docx
    from harvestwatch.ingest.formats.html import parse_html
    from harvestwatch.ingest.formats.pdf import parse_pdf
    from harvestwatch.ingest.formats.text import charset_of, parse_text
    from harvestwatch.ingest.formats.warc import parse_warc

    if not data or not data.strip():
        raise EmptyInput(source, "empty input (0 bytes of content)")
    if len(data) > max_bytes:
        raise InputTooLarge(source, f"{len(data):,} bytes is over the {max_bytes:,}-byte cap")
    fmt = detect_format(data, source, content_type)
    if fmt == "pdf":
        docs = parse_pdf(data, source)
    elif fmt == "docx":
        docs = parse_docx(data, source)
    elif fmt == "html":
        docs = parse_html(data, source, url=url, content_type=content_type)
    elif fmt == "warc":
        docs = parse_warc(data, source, max_bytes)
    else:
        markdown = source.lower().endswith((".md", ".markdown")) or "markdown" in (content_type or "")
        docs = parse_text(data, source, mime="text/markdown" if markdown else "text/plain",
                          charset=charset_of(content_type))
    for doc in docs:
        if not doc.text:
            raise EmptyInput(source, "no text could be taken from the input")
        doc.url = doc.url or url
    return docs


parse_bytes = parse_payload
