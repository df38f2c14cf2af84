"""The formats harvestwatch ships, as parsers with the signature every format plugin has:
``parse(data: bytes, request: ParseRequest) -> list[ParsedDocument]``.

Each is registered under its name in the ``harvestwatch.formats`` entry-point group
(pyproject.toml), exactly as a plugin package registers its own; each imports its parser
(and that parser's libraries) only when a file of its kind arrives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harvestwatch.ingest.document import ParsedDocument
    from harvestwatch.ingest.formats import ParseRequest


def html(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.formats.html import parse_html

    return parse_html(data, request.source, url=request.url, content_type=request.content_type)


def pdf(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.formats.pdf import parse_pdf

    return parse_pdf(data, request.source)


def docx(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.formats.docx import parse_docx

    return parse_docx(data, request.source)


def text(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.formats.text import charset_of, parse_text

    markdown = (request.source.lower().endswith((".md", ".markdown"))
                or "markdown" in (request.content_type or ""))
    return parse_text(data, request.source, mime="text/markdown" if markdown else "text/plain",
                      charset=charset_of(request.content_type))


def warc(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.formats.warc import parse_warc

    return parse_warc(data, request.source, request.max_bytes)


def image(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.formats.image import parse_image

    return parse_image(data, request.source)


def svg(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.formats.image import parse_svg

    return parse_svg(data, request.source)


def archive(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.archive import parse_archive

    return parse_archive(data, request.source, request.max_bytes, request.nest)


def email(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.email import parse_email

    return parse_email(data, request.source, request.max_bytes, request.nest)


def mbox(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.email import parse_mbox

    return parse_mbox(data, request.source, request.max_bytes, request.nest)


def msg(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.email import parse_msg

    return parse_msg(data, request.source, request.max_bytes, request.nest)


def pst(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.email import parse_pst

    return parse_pst(data, request.source, request.max_bytes, request.nest)


def office(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.office import parse_office

    return parse_office(data, request.source)


def djvu(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.formats.djvu import parse_djvu

    return parse_djvu(data, request.source)


def mdb(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.formats.access import parse_access

    return parse_access(data, request.source)


def dbf(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.office import parse_dbf

    return parse_dbf(data, request.source)


def sheet(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.office import parse_sheet

    return parse_sheet(data, request.source)


def csv(data: bytes, request: ParseRequest) -> list[ParsedDocument]:
    from harvestwatch.ingest.office import parse_csv

    return parse_csv(data, request.source)
