"""Format dispatch: bytes in, ``ParsedDocument`` list out (one per document in the input).

What a file is comes from its bytes (``ingest.sniff``); the extension only breaks ties.
Containers (archives, mailboxes, e-mails with attachments) return their own document first
and their members after it, each naming its parent. Page images to OCR are read here
(``ocr="inline"``) or left on the documents for the pipeline's worker pool (``ocr="defer"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harvestwatch.core.config import DEFAULT_MAX_BYTES
from harvestwatch.core.errors import EmptyInput, InputTooLarge, UnsupportedFormat
from harvestwatch.ingest.document import ParsedDocument
from harvestwatch.ingest.sniff import sniff

FORMATS = ("html", "pdf", "docx", "text", "warc", "image", "archive", "email", "mbox", "msg",
           "office", "sheet", "csv", "svg", "dbf", "pst", "djvu", "mdb")


@dataclass
class Nest:
    """Limits shared by every level of one input (archives in archives, attachments)."""

    depth: int = 0
    max_depth: int = 5
    members: int = 0
    max_members: int = 10_000
    expanded: int = 0
    max_expanded: int = 1024 * 1024 * 1024
    notes: list[str] = field(default_factory=list)


def detect_format(data: bytes, source: str, content_type: str | None = None) -> str:
    """One of FORMATS, from the bytes first (see ``ingest.sniff``); raises UnsupportedFormat."""
    return sniff(data, source, content_type).kind


def parse_payload(data: bytes, *, source: str, content_type: str | None = None,
                  url: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                  ocr: str = "inline", nest: Nest | None = None) -> list[ParsedDocument]:
    """Parse one input's bytes into documents; raises InputError subclasses naming ``source``."""
    if not data or not data.strip():
        raise EmptyInput(source, "empty input (0 bytes of content)")
    if len(data) > max_bytes:
        raise InputTooLarge(source, f"{len(data):,} bytes is over the {max_bytes:,}-byte cap")
    nest = nest or Nest()
    kind = sniff(data, source, content_type)
    docs = _parse(kind.kind, data, source, content_type, url, max_bytes, nest)
    if ocr == "inline":
        complete_ocr_inline(docs, source)
    for doc in docs:
        if not doc.text and not doc.ocr_jobs:
            raise EmptyInput(source, "no text could be taken from the input")
        doc.url = doc.url or url
        doc.metadata.setdefault("detected_type", kind.label)
    return docs


def _parse(kind: str, data: bytes, source: str, content_type: str | None, url: str | None,
           max_bytes: int, nest: Nest) -> list[ParsedDocument]:
    if kind == "pdf":
        from harvestwatch.ingest.formats.pdf import parse_pdf

        return parse_pdf(data, source)
    if kind == "docx":
        from harvestwatch.ingest.formats.docx import parse_docx

        return parse_docx(data, source)
    if kind == "html":
        from harvestwatch.ingest.formats.html import parse_html

        return parse_html(data, source, url=url, content_type=content_type)
    if kind == "warc":
        from harvestwatch.ingest.formats.warc import parse_warc

        return parse_warc(data, source, max_bytes)
    if kind == "image":
        from harvestwatch.ingest.formats.image import parse_image

        return parse_image(data, source)
    if kind == "svg":
        from harvestwatch.ingest.formats.image import parse_svg

        return parse_svg(data, source)
    if kind == "archive":
        from harvestwatch.ingest.archive import parse_archive

        return parse_archive(data, source, max_bytes, nest)
    if kind in ("email", "mbox", "msg", "pst"):
        from harvestwatch.ingest import email

        parser = {"email": email.parse_email, "mbox": email.parse_mbox, "msg": email.parse_msg,
                  "pst": email.parse_pst}
        return parser[kind](data, source, max_bytes, nest)
    if kind == "office":
        from harvestwatch.ingest.office import parse_office

        return parse_office(data, source)
    if kind == "djvu":
        from harvestwatch.ingest.formats.djvu import parse_djvu

        return parse_djvu(data, source)
    if kind == "mdb":
        from harvestwatch.ingest.formats.access import parse_access

        return parse_access(data, source)
    if kind == "dbf":
        from harvestwatch.ingest.office import parse_dbf

        return parse_dbf(data, source)
    if kind in ("sheet", "csv"):
        from harvestwatch.ingest.office import parse_csv, parse_sheet

        return (parse_sheet if kind == "sheet" else parse_csv)(data, source)
    if kind == "text":
        from harvestwatch.ingest.formats.text import charset_of, parse_text

        markdown = source.lower().endswith((".md", ".markdown")) or "markdown" in (content_type or "")
        return parse_text(data, source, mime="text/markdown" if markdown else "text/plain",
                          charset=charset_of(content_type))
    raise UnsupportedFormat(source, f"no parser for {kind}")


def complete_ocr(doc: ParsedDocument, results: dict, source: str) -> None:
    """Fill ``doc`` from its OCRed pages (``results``: page number → ``ocr.PageOcr``)."""
    from harvestwatch.ingest.document import normalise_text
    from harvestwatch.ingest.language import detect_language
    from harvestwatch.ingest.ocr import assemble

    page_texts = doc.page_texts or [None] * len(doc.ocr_jobs)
    results = {n: _normalised(r, normalise_text) for n, r in results.items()}
    empty = ("PDF has no text layer, and OCR found no text on its page images"
             if doc.mime == "application/pdf" else "OCR found no text in the image")
    text, pages, meta, ocr_pages = assemble(page_texts, results, source, empty)
    doc.text, doc.pages, doc.ocr_pages = text, pages, ocr_pages
    doc.language = detect_language(text)
    doc.metadata["ocr"] = meta
    doc.metadata["page_count"] = len(pages)
    doc.ocr_jobs, doc.page_texts = [], None


def _normalised(result, normalise_text):
    result.words = [(normalise_text(w[0]) or "?", *w[1:]) for w in result.words]
    return result


def drop_unreadable(docs: list[ParsedDocument], failures: dict[int, str]) -> list[ParsedDocument]:
    """Remove documents that gave no text (``failures``: index → reason) and their children.

    The parent of a dropped child notes it in ``metadata["skipped"]``; indexes are renumbered.
    """
    if not failures:
        return docs
    gone = set(failures)
    for i, doc in enumerate(docs):
        if doc.parent in gone:
            gone.add(i)
    keep = [i for i in range(len(docs)) if i not in gone]
    new_index = {old: new for new, old in enumerate(keep)}
    for i, why in failures.items():
        parent = docs[i].parent
        if parent is not None and parent not in gone:
            docs[parent].metadata.setdefault("skipped", []).append(f"{docs[i].member}: {why}")
    out = []
    for i in keep:
        doc = docs[i]
        doc.parent = new_index[doc.parent] if doc.parent is not None else None
        out.append(doc)
    return out


def complete_ocr_inline(docs: list[ParsedDocument], source: str) -> list[ParsedDocument]:
    """OCR every pending page of ``docs`` in this process (see ``ocr.run_inline``)."""
    from harvestwatch.ingest.ocr import run_inline

    failures: dict[int, str] = {}
    for i, doc in enumerate(docs):
        if doc.ocr_jobs:
            try:
                complete_ocr(doc, run_inline(doc.ocr_jobs), doc.member or source)
            except EmptyInput as exc:
                if doc.parent is None:
                    raise EmptyInput(source, exc.reason) from None
                failures[i] = exc.reason
    docs[:] = drop_unreadable(docs, failures)
    return docs


parse_bytes = parse_payload
