"""Links and download names the workbench emits: the configured public base URL (never the
request's Host header), http(s)-only hrefs, links to an item's span in its document, and
RFC 6266/5987 Content-Disposition values."""

from __future__ import annotations

import os
from urllib.parse import quote, urlsplit

from fastapi import Request
from markupsafe import Markup, escape

from harvestwatch.core.errors import ConfigError

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def check_base_url(value: str) -> str:
    """``value`` as a base URL (http or https, a host, no query or fragment), without a
    trailing slash; a ConfigError naming it otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"base URL {value!r}: expected http(s)://host[:port][/path], "
                          "without a query or fragment")
    return value.strip().rstrip("/")


def configured_base_url(value: str | None = None) -> str:
    """The workbench's public address: ``value``, else HARVESTWATCH_BASE_URL, else the default."""
    return check_base_url(value or os.environ.get("HARVESTWATCH_BASE_URL") or DEFAULT_BASE_URL)


def base_url(request: Request) -> str:
    """The base URL for links that leave the page (reports, briefs): the configured one."""
    return getattr(request.app.state, "base_url", None) or configured_base_url()


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host, else None (``javascript:``,
    ``data:``, relative or malformed values are shown as text, never as a link)."""
    if not url or any(ord(c) < 33 for c in url.strip()):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _span_path(d: int, start: int, end: int) -> str:
    d, start, end = int(d), int(start), int(end)  # numbers only: nothing to escape
    return f"/documents/{d}?hl={start}-{end}#span-{start}-{end}"


def span_href(item) -> Markup:
    """The document page highlighting and scrolled to an item's span (``/documents/7?hl=10-20#span-10-20``),
    for an item or a dict with ``document_id``, ``start`` and ``end`` (the ``span_href`` filter)."""
    if isinstance(item, dict):
        return Markup(_span_path(item["document_id"], item["start"], item["end"]))
    return Markup(_span_path(item.document_id, item.start, item.end))


def evidence_links(chain: list[dict]) -> Markup:
    """A line of evidence's claims as links to their spans, with how each cites the line's
    origin: ``doc 7 (via), doc 9 (via)`` (the corroboration page shows up to 20,000 of them)."""
    return Markup(", ".join([f'<a href="{_span_path(x["document_id"], x["start"], x["end"])}">doc '
                             f'{int(x["document_id"])}</a> <span class="meta">({escape(x["via"])})</span>'
                             for x in chain]))


def evidence_lines(lines: list[dict]) -> Markup:
    """A cluster's lines of evidence as the corroboration page lists them (``<li>`` each): the
    origin, its grade, links to the claims shown (``evidence_links``) and how many more it has
    (the ``evidence_lines`` filter: one call per cluster, not a template loop per line)."""
    out = []
    for line in lines:
        grade, chain = line["grade"], line["chain"]
        graded = ""
        if grade:
            credibility = escape(grade["credibility"]) if grade.get("credibility") else ""
            graded = f' <span class="meta">graded {escape(grade["reliability"])}{credibility}</span>'
        more = line["claims"] - len(chain)
        rest = f' <span class="meta">and {more} more claim(s)</span>' if more > 0 else ""
        out.append(f'<li>{escape(line["origin"])}{graded} ←\n{evidence_links(chain)}{rest}</li>')
    return Markup("".join(out))


def attachment(name: str, fallback: str = "download") -> str:
    """A Content-Disposition value for ``name``: an ASCII ``filename`` (non-ASCII, quotes,
    slashes and controls replaced) and the exact UTF-8 name as RFC 5987 ``filename*``."""
    clean = "".join(c for c in name if c.isprintable() and c not in "/\\").strip().strip(".")
    clean = clean or fallback
    plain = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;%' else "_" for c in clean)
    stem, dot, ext = plain.rpartition(".")
    if not any(c.isalnum() for c in (stem if dot else plain)):  # nothing readable left
        plain = fallback + (f".{ext}" if dot and ext.isalnum() else "")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(clean, safe='')}"
