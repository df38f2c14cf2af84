"""Ingest use cases: ingest inputs (then extract), retry what failed, browser capture, and a
document's family (parent, children) and OCR pages for the document view."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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
           "count_inputs", "capture", "CaptureResult", "sheet_dataset", "page_image", "ocr_boxes",
           "ingest_uploads", "upload_name"]

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
           on_page: Callable[[str, int, int], None] | None = None,
           names: dict[str, str] | None = None) -> IngestReport:
    """Ingest files, folders and URLs (see ``ingest.pipeline``), then extract the new documents.

    ``names`` gives inputs (by path) the name to record them under instead of their path.
    """
    report = ingest_paths(store, inputs, kind=kind, tags=tags, restricted=restricted,
                          workers=workers, actor=actor, limits=limits, on_result=on_result,
                          on_page=on_page, names=names)
    _extract(store, report, workers, extract)
    return report


def upload_name(filename: str | None, index: int) -> str:
    """The name an uploaded file is recorded under: its last path part (either slash), without
    control characters; ``upload-N`` when nothing usable is left (``..``, ``.``, empty)."""
    last = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(c for c in last if c.isprintable()).strip()
    return clean if clean.strip(".") else f"upload-{index + 1}"


def ingest_uploads(store: Store, uploads: Iterable[tuple[str | None, bytes]], urls: Iterable[str] = (),
                   **how) -> IngestReport:
    """Ingest uploaded files (name as the client sent it, bytes) and URLs.

    Each file is written to a private temporary folder under a name of its own (never the
    client's, so ``..`` or a path cannot reach outside it), then ingested and recorded by its
    content hash under its cleaned original name; the temporary path is recorded nowhere.
    """
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="hw-upload-") as tmp:
        paths, names = [], {}
        for i, (filename, data) in enumerate(uploads):
            name = upload_name(filename, i)
            suffix = "".join(c for c in Path(name).suffix[:16] if c.isalnum() or c == ".")
            path = Path(tmp) / f"{i}{suffix}"
            path.write_bytes(data)
            paths.append(str(path))
            names[str(path)] = name
        return ingest(store, [*paths, *urls], names=names, **how)


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


@dataclass
class CaptureResult:
    """One URL's capture: stored (with its documents and the ledger entry) or failed."""

    url: str
    status: str  # "stored" | "failed"
    error: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # role → sha256 of the original
    document_ids: list[int] = field(default_factory=list)
    ledger_seq: int | None = None
    title: str | None = None

    def to_dict(self) -> dict:
        return {"url": self.url, "status": self.status, "error": self.error, "files": self.files,
                "document_ids": self.document_ids, "ledger_seq": self.ledger_seq,
                "title": self.title}


def capture(store: Store, urls: Iterable[str], *, screenshot: bool = True, pdf: bool = True,
            kind: str = "hospital_page", tags: Iterable[str] = (), restricted: bool = False,
            actor: str | None = None, extract: bool = True,
            on_result: Callable[[CaptureResult], None] | None = None) -> list[CaptureResult]:
    """Capture each URL in a browser (WARC, full-page PNG, PDF), store the files as originals,
    link the screenshot and PDF to the page's document, and append one ``capture`` ledger
    entry that names them all."""
    import tempfile
    from pathlib import Path

    from harvestwatch.core.errors import InputError
    from harvestwatch.core.hashing import sha256_json
    from harvestwatch.ingest.capture import capture_page
    from harvestwatch.store import ledger

    actor = actor or store.settings.actor
    out = []
    for url in urls:
        with tempfile.TemporaryDirectory(prefix="hw-capture-") as tmp:
            try:
                cap = capture_page(url, Path(tmp), screenshot=screenshot, pdf=pdf)
            except InputError as exc:
                result = CaptureResult(url, "failed", error=exc.reason)
            except Exception as exc:  # a browser or driver fault must not stop the batch
                result = CaptureResult(url, "failed", error=f"capture failed ({type(exc).__name__}: "
                                                            f"{str(exc).splitlines()[0][:120] if str(exc) else ''})")
            else:
                files = {"warc": cap.warc, "screenshot": cap.screenshot, "pdf": cap.pdf}
                files = {role: path for role, path in files.items() if path is not None}
                names = {str(path): f"{url} [{role}]" for role, path in files.items()}
                report = ingest_paths(store, [str(p) for p in files.values()], kind=kind,
                                      tags=tags, restricted=restricted, actor=actor, names=names)
                by_role = dict(zip(files, report.results, strict=True))
                failed = [f"{role}: {r.error}" for role, r in by_role.items() if r.status == "failed"]
                result = CaptureResult(
                    url, "failed" if by_role["warc"].status == "failed" else "stored",
                    error="; ".join(failed) or None, title=cap.title,
                    files={role: r.sha256 for role, r in by_role.items() if r.sha256},
                    document_ids=[i for r in by_role.values() for i in r.document_ids])
                with store.session() as session:
                    page_docs = by_role["warc"].document_ids
                    if page_docs:
                        for role in ("screenshot", "pdf"):
                            r = by_role.get(role)
                            for child in (r.document_ids[:1] if r else []):
                                if not session.scalar(select(DocumentLink).where(
                                        DocumentLink.parent_id == page_docs[0],
                                        DocumentLink.child_id == child)):
                                    session.add(DocumentLink(parent_id=page_docs[0], child_id=child,
                                                             relation=role, name=names[str(files[role])]))
                    payload = {"url": url, "final_url": cap.final_url,
                               "http_status": cap.status, "title": cap.title,
                               "captured_at": cap.at, "user_agent": cap.user_agent,
                               "resources": cap.resources, "files": result.files,
                               "document_ids": result.document_ids, "notes": cap.notes}
                    entry = ledger.append(  # a restricted capture's URL is kept as a hash only
                        session, actor=actor, action="capture", object_type="capture",
                        object_id=sha256_json(url) if restricted else url,
                        payload=ledger.restricted_payload(
                            payload, restricted=restricted,
                            keep=("http_status", "captured_at", "files", "document_ids")))
                    session.flush()
                    result.ledger_seq = entry.seq
                if extract and result.document_ids:
                    from harvestwatch.services import extract as extract_service

                    extract_service.extract_documents(store, result.document_ids)
        out.append(result)
        if on_result:
            on_result(result)
    return out


def page_image(store: Store, document_id: int, page: int, *,
               include_restricted: bool = False) -> bytes:
    """The PNG image OCR read for one page (boxes in ``ocr_pages`` are in its pixels)."""
    from harvestwatch.core.errors import NotFound
    from harvestwatch.ingest import ocr
    from harvestwatch.store.documents import find_document

    with store.session() as session:
        doc = find_document(session, document_id, include_restricted=include_restricted)
        row = session.scalar(select(OcrPage).where(OcrPage.document_id == doc.id,
                                                   OcrPage.page == page))
        if row is None:
            raise NotFound(f"document {document_id} has no OCR page {page}")
        sha, mime, dpi = doc.sha256, doc.mime, row.dpi
    data = store.blobs.read(sha)
    if mime == "application/pdf":
        return ocr.pdf_jobs(data, [page], f"document {document_id}", dpi=dpi)[0].image
    return ocr.image_jobs(data, f"document {document_id}")[page - 1].image


def ocr_boxes(pages: list[dict], start: int, end: int) -> dict | None:
    """The page and word boxes of the text span [start, end), for drawing on the page image."""
    for p in pages:
        boxes = [w[2:6] for w in p["words"] if w[0] < end and w[1] > start]
        if boxes:
            return {"page": p["page"], "width": p["width"], "height": p["height"], "boxes": boxes}
    return None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _col_index(letters: str) -> int:
    index = 0
    for ch in letters.strip().upper():
        if not "A" <= ch <= "Z":
            from harvestwatch.core.errors import ValidationError

            raise ValidationError(letters, "a column is given by its letters (A, B, ..., AA)")
        index = index * 26 + ord(ch) - 64
    return index - 1


def sheet_dataset(store: Store, ref: str | int, *, sheet: str, year_col: str, value_col: str,
                  metric: str, country: str, unit: str, include_restricted: bool = False) -> str:
    """One sheet of a stored workbook as a dataset CSV for ``analyse data import``: a row per
    sheet row with a year and a number, each citing its cell
    (``harvestwatch:document/SHA256#sheet=NAME&cell=B7``) and quoting its row."""
    import csv
    import io as _io

    from python_calamine import CalamineWorkbook

    from harvestwatch.core.errors import NotFound
    from harvestwatch.store.documents import find_document

    with store.session() as session:
        doc = find_document(session, ref, include_restricted=include_restricted)
        sha, title, names = doc.sha256, doc.title or doc.source.name, [
            s.get("name") for s in (doc.meta or {}).get("sheets", [])]
    if sheet not in names:
        raise NotFound(f"document {ref} has no sheet {sheet!r} (sheets: {', '.join(map(str, names))})")
    book = CalamineWorkbook.from_filelike(_io.BytesIO(store.blobs.read(sha)))
    rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    yi, vi = _col_index(year_col), _col_index(value_col)
    out = _io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["metric", "country", "year", "value", "unit", "source_title", "source_url",
                     "quote", "verified"])
    for number, row in enumerate(rows, start=1):
        year = row[yi] if yi < len(row) else None
        value = row[vi] if vi < len(row) else None
        if isinstance(year, float) and year.is_integer():
            year = int(year)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not (
                isinstance(year, int) or (isinstance(year, str) and year.strip().isdigit())):
            continue  # headings, notes and empty rows are not data
        cell = f"{value_col.upper()}{number}"
        quote = " | ".join(_cell_text(v) for v in row).strip(" |")
        writer.writerow([metric, country, int(year), _cell_text(value), unit, f"{title} (sheet {sheet})",
                         f"harvestwatch:document/{sha}#sheet={sheet}&cell={cell}", quote, "false"])
    return out.getvalue()
