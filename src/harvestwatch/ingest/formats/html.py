"""HTML pages: main text and metadata via trafilatura, with an lxml fallback for broken pages."""

from __future__ import annotations

import re

from harvestwatch.core.errors import EmptyInput
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.formats.text import charset_of, decode_text
from harvestwatch.ingest.language import detect_language

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    """The charset an HTML page declares: HTTP Content-Type first, then ``<meta>`` (first 4 KB)."""
    header = charset_of(content_type)
    if header:
        return header
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _fallback_text(html: str) -> str:
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # lxml raises several types on hopeless markup
        return ""
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return "\n".join(t.strip() for t in tree.itertext() if t.strip())


def parse_html(data: bytes, source: str, url: str | None = None,
               content_type: str | None = None) -> list[ParsedDocument]:
    """One HTML page: trafilatura's main text and metadata, lxml's text when that finds none."""
    import trafilatura

    html, encoding = decode_text(data, source, declared=declared_charset(data, content_type))
    result = None
    try:
        # One pass for text and metadata; htmldate's extensive search is slow and rarely right.
        result = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True,
            favor_recall=True,
            date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception:  # trafilatura can choke on malformed markup; fall back below
        result = None
    text = getattr(result, "text", None) if result is not None else None
    if not text:
        text = _fallback_text(html)
    text = normalise_text(text or "")
    if not text:
        raise EmptyInput(source, "HTML page has no readable text")
    doc = ParsedDocument(text=text, raw=data, mime="text/html", language=detect_language(text),
                         url=url, metadata={"encoding": encoding})
    if result is not None:
        doc.title = getattr(result, "title", None) or None
        doc.author = getattr(result, "author", None) or None
        doc.published = getattr(result, "date", None) or None
        doc.site = getattr(result, "sitename", None) or None
        doc.url = url or getattr(result, "url", None) or None
    return [doc]
