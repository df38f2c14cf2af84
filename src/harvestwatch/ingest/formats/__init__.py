"""Format dispatch: bytes in, ``ParsedDocument`` list out (one per document in the input).

Parsers are registered in the ``harvestwatch.formats`` entry-point group (the built-ins in
``ingest.builtin_formats``, plugins in their own packages; see docs/plugins.md). What a file is comes
from its bytes (``ingest.sniff``); the extension only breaks ties. A plugin format claims its
files first, by its ``detect(data, source)`` function or its ``extensions``.
Containers (archives, mailboxes, e-mails with attachments) return their own document first
and their members after it, each naming its parent. Page images to OCR are read here
(``ocr="inline"``) or left on the documents for the pipeline's worker pool (``ocr="defer"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harvestwatch.core import plugins
from harvestwatch.core.config import DEFAULT_MAX_BYTES
from harvestwatch.core.errors import EmptyInput, InputTooLarge, UnsupportedFormat
from harvestwatch.ingest.document import ParsedDocument
from harvestwatch.ingest.sniff import sniff

GROUP = "harvestwatch.formats"
# What harvestwatch itself reads (each registered in pyproject.toml); plugins add to format_names().
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


@dataclass(frozen=True)
class ParseRequest:
    """What a format's parser is told besides the bytes: the input's name, its declared type,
    where it came from, the size cap, and the limits shared by nested containers."""

    source: str
    content_type: str | None = None
    url: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    nest: Nest = field(default_factory=Nest)


def detect_format(data: bytes, source: str, content_type: str | None = None) -> str:
    """A format name (plugins first, then ``ingest.sniff``); raises UnsupportedFormat."""
    return claimed_by_plugin(data, source) or sniff(data, source, content_type).kind


def parse_payload(data: bytes, *, source: str, content_type: str | None = None,
                  url: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                  ocr: str = "inline", nest: Nest | None = None) -> list[ParsedDocument]:
    """Parse one input's bytes into documents; raises InputError subclasses naming ``source``."""
    if not data or not data.strip():
        raise EmptyInput(source, "empty input (0 bytes of content)")
    if len(data) > max_bytes:
        raise InputTooLarge(source, f"{len(data):,} bytes is over the {max_bytes:,}-byte cap")
    nest = nest or Nest()
    claimed = claimed_by_plugin(data, source)
    if claimed is not None:
        kind_name, label = claimed, f"{claimed} (plugin {plugins.active(GROUP)[claimed].distribution})"
    else:
        kind = sniff(data, source, content_type)
        kind_name, label = kind.kind, kind.label
    docs = _parse(kind_name, data, source, content_type, url, max_bytes, nest)
    if ocr == "inline":
        complete_ocr_inline(docs, source)
    for doc in docs:
        if not doc.text and not doc.ocr_jobs:
            raise EmptyInput(source, "no text could be taken from the input")
        doc.url = doc.url or url
        doc.metadata.setdefault("detected_type", label)
    return docs


def _parse(kind: str, data: bytes, source: str, content_type: str | None, url: str | None,
           max_bytes: int, nest: Nest) -> list[ParsedDocument]:
    if kind not in plugins.active(GROUP):
        raise UnsupportedFormat(source, f"no parser for {kind}")
    parse = plugins.load(GROUP, kind)
    return parse(data, ParseRequest(source=source, content_type=content_type, url=url,
                                    max_bytes=max_bytes, nest=nest))


def claimed_by_plugin(data: bytes, source: str) -> str | None:
    """The name of a plugin format that claims this input (by its ``detect(data, source)`` or
    its ``extensions``), tried before the built-in sniffing; None when no plugin does."""
    lower = source.lower()
    for name, plugin in plugins.active(GROUP).items():
        if plugin.builtin:
            continue
        parse = plugins.load(GROUP, name)
        detect = getattr(parse, "detect", None)
        if detect is not None and detect(data, source):
            return name
        if detect is None and lower.endswith(tuple(getattr(parse, "extensions", ()))):
            return name
    return None


def format_names() -> tuple[str, ...]:
    """Every format a file can be read as: the built-ins and the installed plugins."""
    return tuple(plugins.active(GROUP))


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
