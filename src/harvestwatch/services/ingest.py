"""Ingest use cases: ingest inputs (then extract), retry what failed, browser capture, and a
document's family (parent, children) and OCR pages for the document view."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from harvestwatch.ingest.pipeline import (
    KINDS,
    IngestReport,
    InputResult,
    Limits,
    escape_for_terminal,
    expand_inputs,
    failed_inputs,
    ingest_paths,
    retry_failed,
)
from harvestwatch.store import Store
from harvestwatch.store.ingest_links import DocumentLink, OcrPage
from harvestwatch.store.models import Document

__all__ = ["ingest", "retry", "failures", "family", "ocr_pages", "Limits", "KINDS", "printable",
           "count_inputs"]

printable = escape_for_terminal  # names and reasons as they may be shown on a terminal


def count_inputs(store: Store, inputs: Iterable[str]) -> int:
    """How many files an ingest of ``inputs`` will read (for a progress bar)."""
    return len(expand_inputs(inputs, exclude=store.settings.store_dir))


def _extract(store: Store, report: IngestReport, workers: int, extract: bool) -> None:
    if extract and report.document_ids:
        from harvestwatch.services import extract as extract_service

        extract_service.extract_documents(store, report.document_ids, workers=workers)


def ingest(store: Store, inputs: Iterable[str], *, kind: str = "other", tags: Iterable[str] = (),
           restricted: bool = False, workers: int = 1, actor: str | None = None,
           extract: bool = True, limits: Limits | None = None,
           on_result: Callable[[InputResult], None] | None = None,
           on_page: Callable[[str, int, int], None] | None = None) -> IngestReport:
    """Ingest files, folders and URLs (see ``ingest.pipeline``), then extract the new documents."""
    report = ingest_paths(store, inputs, kind=kind, tags=tags, restricted=restricted,
                          workers=workers, actor=actor, limits=limits, on_result=on_result,
                          on_page=on_page)
    _extract(store, report, workers, extract)
    return report


def retry(store: Store, *, kind: str = "other", tags: Iterable[str] = (), restricted: bool = False,
          workers: int = 1, actor: str | None = None, extract: bool = True,
          limits: Limits | None = None, on_result: Callable[[InputResult], None] | None = None,
          on_page: Callable[[str, int, int], None] | None = None) -> IngestReport:
    """Ingest again every input whose last ingest failed."""
    report = retry_failed(store, kind=kind, tags=tags, restricted=restricted, workers=workers,
                          actor=actor, limits=limits, on_result=on_result, on_page=on_page)
    _extract(store, report, workers, extract)
    return report


def failures(store: Store) -> list[InputResult]:
    """Inputs whose last ingest failed, with the reasons."""
    return failed_inputs(store)


def family(store: Store, document_id: int, *, include_restricted: bool = False) -> dict:
    """The documents a document came in (``parent``) and those that came in it (``children``)."""
    def brief(doc: Document, link: DocumentLink) -> dict:
        return {"id": doc.id, "title": doc.title, "mime": doc.mime, "relation": link.relation,
                "name": link.name}

    with store.session() as session:
        def visible(q):
            return q if include_restricted else q.where(Document.restricted.is_(False))

        parents = [brief(d, link) for link, d in session.execute(visible(
            select(DocumentLink, Document).join(Document, Document.id == DocumentLink.parent_id)
            .where(DocumentLink.child_id == document_id)))]
        children = [brief(d, link) for link, d in session.execute(visible(
            select(DocumentLink, Document).join(Document, Document.id == DocumentLink.child_id)
            .where(DocumentLink.parent_id == document_id).order_by(DocumentLink.id)))]
    return {"parents": parents, "children": children}


def ocr_pages(store: Store, document_id: int) -> list[dict]:
    """OCR pages of a document: size, language, confidence and word boxes with offsets."""
    with store.session() as session:
        return [{"page": p.page, "width": p.width, "height": p.height, "dpi": p.dpi,
                 "lang": p.lang, "confidence": p.confidence, "words": p.words, "error": p.error}
                for p in session.scalars(select(OcrPage).where(OcrPage.document_id == document_id)
                                         .order_by(OcrPage.page))]
