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


_BLOCKS = ("p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
           "section", "article", "blockquote", "pre", "dd", "dt", "header", "footer", "main",
           "td", "th", "title")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACES = re.compile(r"[ \t\u00a0]+")


def _fallback(html: str) -> tuple[str, str | None]:
    """All visible text of the page, a line per block element, and its ``<title>``."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(_XML_DECLARATION.sub("", html, count=1))
    except Exception:  # lxml raises several types on hopeless markup
        return "", None
    title = (tree.findtext(".//title") or "").strip() or None
    for bad in tree.xpath("//script|//style|//noscript|//template|//head"):
        bad.drop_tree()
    for element in tree.iter(*_BLOCKS):
        element.text = "\n" + (element.text or "")
        element.tail = "\n" + (element.tail or "")
    lines = (_SPACES.sub(" ", line).strip() for line in tree.text_content().splitlines())
    return "\n".join(line for line in lines if line), title


_DROP = re.compile(r"(?is)<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->")
_TAG = re.compile(r"(?s)<[^>]*>")
_BLOCK_TAG = re.compile(r"(?i)</?(?:" + "|".join(_BLOCKS) + r")\b[^>]*>")


def _strip_tags(html: str) -> str:
    """Text of markup that no parser accepts (e.g. nested thousands deep), a line per block."""
    import html as html_lib

    text = _TAG.sub(" ", _BLOCK_TAG.sub("\n", _DROP.sub(" ", html)))
    lines = (_SPACES.sub(" ", html_lib.unescape(line)).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


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
    extractor, fallback_title = "trafilatura", None
    if not text:
        extractor = "lxml"
        text, fallback_title = _fallback(html)
    text = normalise_text(text or "")
    if not text:  # markup too deep or broken for a tree: take the text between the tags
        text = normalise_text(_strip_tags(html))
        extractor = "tags stripped (markup could not be parsed as a tree; layout lost)"
    if not text:
        raise EmptyInput(source, "HTML page has no readable text")
    doc = ParsedDocument(text=text, raw=data, mime="text/html", language=detect_language(text),
                         url=url, title=fallback_title,
                         metadata={"encoding": encoding, "extractor": extractor})
    if result is not None:
        doc.title = getattr(result, "title", None) or fallback_title
        doc.author = getattr(result, "author", None) or None
        doc.published = getattr(result, "date", None) or None
        doc.site = getattr(result, "sitename", None) or None
        doc.url = url or getattr(result, "url", None) or None
    return [doc]
