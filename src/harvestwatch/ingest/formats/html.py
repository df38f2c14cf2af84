"""HTML pages: main text and metadata via trafilatura, with an lxml fallback for broken pages."""

from __future__ import annotations

from harvestwatch.core.errors import EmptyInput
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.formats.text import decode_text
from harvestwatch.ingest.language import detect_language


def _fallback_text(html: str) -> str:
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # lxml raises several types on hopeless markup
        return ""
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return "\n".join(t.strip() for t in tree.itertext() if t.strip())


def parse_html(data: bytes, source: str, url: str | None = None) -> list[ParsedDocument]:
    import trafilatura

    html, encoding = decode_text(data, source)
    text = None
    meta = None
    try:
        text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True,
                                   favor_recall=True, with_metadata=False)
        meta = trafilatura.extract_metadata(html, default_url=url)
    except Exception:  # trafilatura can choke on malformed markup; fall back below
        text = None
    if not text:
        text = _fallback_text(html)
    text = normalise_text(text or "")
    if not text:
        raise EmptyInput(source, "HTML page has no readable text")
    doc = ParsedDocument(text=text, raw=data, mime="text/html", language=detect_language(text),
                         url=url, metadata={"encoding": encoding})
    if meta is not None:
        doc.title = meta.title or None
        doc.author = meta.author or None
        doc.published = meta.date or None
        doc.site = meta.sitename or None
        doc.url = url or meta.url or None
    return [doc]
