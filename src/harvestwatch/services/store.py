"""Store use cases: ingest, search, show, verify, ledger checkpoints, export."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import case, func, select

from harvestwatch.core.config import Settings
from harvestwatch.services import audit
from harvestwatch.store import Store, ledger, open_store, sealed
from harvestwatch.store.documents import find_document, plain_text
from harvestwatch.store.items import from_row
from harvestwatch.store.models import Document, ExtractedItem, LedgerEntry

if TYPE_CHECKING:  # the ingest pipeline (httpx, workers) loads only when ingesting
    from harvestwatch.ingest.pipeline import IngestReport, InputResult
    from harvestwatch.store.search import Hit, SearchPage  # with numpy: only for search and browse
    from harvestwatch.store.verify import VerifyReport  # with cryptography: only for verify

__all__ = ["open", "ingest", "search_documents", "search_page", "show_document", "verify", "checkpoint",
           "export_jsonl", "document_dict", "ledger_entries", "store_summary", "recent_ingests",
           "RecentIngest"]


def open(settings: Settings) -> Store:  # noqa: A001 - the store's natural verb
    """Open the store the settings name (created, migrated and given its signing key on first use).

    An existing key is only read when something is signed or verified (cryptography then loads).
    """
    from harvestwatch.store.signing import key_path

    store = open_store(settings)
    if not key_path(settings.store_dir).exists():
        from harvestwatch.services.custody import signing_key

        signing_key(store)
    return store


def ingest(store: Store, inputs: Iterable[str], *, kind: str = "other", tags: Iterable[str] = (),
           restricted: bool = False, workers: int = 1, actor: str | None = None,
           extract: bool = True,
           on_result: Callable[[InputResult], None] | None = None) -> IngestReport:
    """Ingest inputs; then (unless ``extract`` is False) run extraction on the new documents."""
    from harvestwatch.ingest.pipeline import ingest_paths

    report = ingest_paths(store, inputs, kind=kind, tags=tags, restricted=restricted,
                          workers=workers, actor=actor, on_result=on_result)
    if extract and report.document_ids:
        from harvestwatch.services import extract as extract_service

        extract_service.extract_documents(store, report.document_ids, workers=workers)
    return report


def search_documents(store: Store, query: str, *, kind: str | None = None,
                     language: str | None = None, tag: str | None = None,
                     since: str | None = None, until: str | None = None,
                     entity: str | None = None, include_restricted: bool = False,
                     limit: int = 20, offset: int = 0) -> tuple[list[Hit], int]:
    """Full-text search with filters; returns a page of hits and the total count.

    ``entity`` keeps documents in which an extracted entity has that canonical name.
    """
    page = search_page(store, query, kind=kind, language=language, tag=tag, since=since,
                       until=until, entity=entity, include_restricted=include_restricted,
                       limit=limit, offset=offset)
    return page.hits, page.total


def search_page(store: Store, query: str, *, kind: str | None = None,
                language: str | None = None, tag: str | None = None,
                since: str | None = None, until: str | None = None,
                entity: str | None = None, include_restricted: bool = False,
                limit: int = 20, offset: int = 0) -> SearchPage:
    """Like ``search_documents``, with facet counts (kind, language, year, tag) of all matches."""
    from harvestwatch.store.search import SearchFilters, search

    filters = SearchFilters(kind=kind, language=language, tag=tag, since=since, until=until,
                            include_restricted=include_restricted)
    with store.session() as session:
        if entity:
            filters.document_ids = list(session.scalars(
                select(ExtractedItem.document_id).where(
                    ExtractedItem.item_type == "entity",
                    func.lower(ExtractedItem.canonical) == entity.lower()).distinct()))
            if include_restricted:  # restricted names are sealed in the table: matched opened
                filters.document_ids += sorted({
                    i.document_id for i in sealed.restricted_items(session, "entity")
                    if (i.canonical or "").lower() == entity.lower()})
        return search(session, store.cipher, query, filters, limit=limit, offset=offset)


def browse_documents(store: Store, *, kind: str | None = None, language: str | None = None,
                     tag: str | None = None, since: str | None = None, until: str | None = None,
                     include_restricted: bool = False, limit: int = 20, offset: int = 0) -> tuple[list[Hit], int]:
    """Documents matching the filters alone (no query), newest ingest first."""
    from harvestwatch.store.search import Hit, SearchFilters, _filtered

    filters = SearchFilters(kind=kind, language=language, tag=tag, since=since, until=until,
                            include_restricted=include_restricted)
    with store.session() as session:
        q = _filtered(select(Document), filters)
        total = session.scalar(select(func.count()).select_from(q.subquery()))
        hits = [Hit(d.id, d.sha256, d.title, d.kind, d.language, d.published,
                    plain_text(d, store.cipher)[:160].replace("\n", " "))
                for d in session.scalars(q.order_by(Document.id.desc()).limit(limit).offset(offset))]
    return hits, total


def document_items(store: Store, document_id: int) -> list[dict]:
    """Extracted items of one document, in text order."""
    with store.session() as session:
        return [from_row(i).to_dict() for i in session.scalars(
            select(ExtractedItem).where(ExtractedItem.document_id == document_id)
            .order_by(ExtractedItem.start, ExtractedItem.end.desc()))]


CONTEXT = 80  # characters either side of a mention on the entity page


def entity_mentions(store: Store, label: str, name: str, *, include_restricted: bool = False,
                    limit: int = 500) -> list[dict]:
    """Every mention of one entity across documents (first ``limit`` in document order), with
    the document title and ``CONTEXT`` characters either side, cut in SQL (one statement; no
    document's whole text is read) for public documents."""
    start = case((ExtractedItem.start > CONTEXT, ExtractedItem.start - CONTEXT), else_=0)
    context = func.substr(Document.text, start + 1, ExtractedItem.end + CONTEXT - start).label("context")
    with store.session() as session:
        q = (select(ExtractedItem.id, ExtractedItem.document_id, ExtractedItem.document_sha256,
                    ExtractedItem.extractor, ExtractedItem.item_type, ExtractedItem.label, ExtractedItem.text,
                    ExtractedItem.start, ExtractedItem.end, ExtractedItem.canonical, ExtractedItem.data,
                    Document.title, context)
             .join(Document, Document.id == ExtractedItem.document_id)
             .where(ExtractedItem.item_type == "entity", ExtractedItem.label == label,
                    func.lower(ExtractedItem.canonical) == name.lower(), Document.restricted.is_(False))
             .order_by(ExtractedItem.document_id, ExtractedItem.start).limit(limit))  # not documents.id:
        # SQLite would scan every document in id order instead of the (type, label) index
        rows = [(r.document_id, r.start, from_row(r).to_dict() | {"title": r.title, "context": r.context})
                for r in session.execute(q)]
        if include_restricted:  # restricted names are sealed in the table: matched opened
            for i in sealed.restricted_items(session, "entity", label):
                if (i.canonical or "").lower() == name.lower():
                    doc = session.get(Document, i.document_id)
                    text = plain_text(doc, store.cipher)
                    rows.append((doc.id, i.start, from_row(i).to_dict() | {
                        "title": doc.title, "context": text[max(0, i.start - CONTEXT):i.end + CONTEXT]}))
            rows = sorted(rows, key=lambda r: r[:2])[:limit]
        return [r[2] for r in rows]


def document_dict(store: Store, doc: Document, *, with_text: bool = True) -> dict:
    out = {"id": doc.id, "sha256": doc.sha256, "title": doc.title, "author": doc.author,
           "published": doc.published, "site": doc.site, "url": doc.url,
           "language": doc.language, "mime": doc.mime, "kind": doc.kind,
           "restricted": doc.restricted, "tags": doc.tag_names, "source": doc.source.name,
           "source_sha256": doc.source.blob_sha256, "text_sha256": doc.text_sha256,
           "text_length": doc.text_length, "pages": doc.pages, "metadata": doc.meta,
           "near_duplicate_of": doc.near_duplicate_of,
           "ingested_at": doc.ingested_at.isoformat() if doc.ingested_at else None}
    if with_text:
        out["text"] = plain_text(doc, store.cipher)
    return out


def show_document(store: Store, ref: str | int, *, include_restricted: bool = False,
                  actor: str | None = None, via: str = "cli") -> dict:
    """A document's metadata, text, custody history and extracted-item counts.

    Viewing a restricted document is audited (``services.audit``): one access-log row and
    one ``view`` ledger entry, whichever face (``via``: cli, web, api) asked.
    """
    with store.session() as session:
        doc = find_document(session, ref, include_restricted=include_restricted)
        out = document_dict(store, doc)
        out["custody"] = [e.to_dict() for e in ledger.entries_for(session, "document", doc.sha256)]
        out["items"] = dict(session.execute(
            select(ExtractedItem.item_type, func.count()).where(ExtractedItem.document_id == doc.id)
            .group_by(ExtractedItem.item_type)).all())
        if doc.restricted:
            audit.document_event(session, doc, actor=actor or store.settings.actor, action="view", via=via)
    return out


def original_bytes(store: Store, ref: str | int, *, include_restricted: bool = False,
                   actor: str | None = None, via: str = "cli") -> tuple[dict, bytes]:
    """The exact original bytes of a document, with its metadata; the download is audited
    (an original leaving the store is one access-log row and one ``download`` ledger entry)."""
    with store.session() as session:
        doc = find_document(session, ref, include_restricted=include_restricted)
        meta = document_dict(store, doc, with_text=False)
        data = store.blobs.read(meta["sha256"])
        audit.document_event(session, doc, actor=actor or store.settings.actor, action="download", via=via)
    return meta, data


def verify(store: Store, *, against: list[str] = (), actor: str | None = None,
           via: str = "cli") -> VerifyReport:
    """Recompute blobs, ledger chain, signed heads and vouched rows; see ``store.verify``.

    ``against``: paths of signed tree heads published earlier (``HEAD.json``). A verify a
    person asks for (``actor`` given) is audited with its outcome, after it ran.
    """
    from harvestwatch.services.custody import read_head_file
    from harvestwatch.store.verify import verify_store

    report = verify_store(store, against=[(path, read_head_file(path)) for path in against])
    if actor:
        audit.record_now(store, actor=actor, action="verify", object_type="store", object_id="store",
                         via=via, payload={"ok": report.ok, "problems": len(report.problems)})
    return report


def checkpoint(store: Store, *, tsa_url: str | None = None) -> dict:
    """Sign a tree head over the ledger now (to publish elsewhere) and return it."""
    from harvestwatch.services import custody

    return custody.checkpoint(store, tsa_url=tsa_url).to_dict()


def latest_checkpoint(store: Store) -> dict | None:
    """The latest signed tree head with the signing key's fingerprint, if any."""
    from harvestwatch.services import custody

    head = custody.latest_head(store)
    return head.to_dict() if head else None


def ledger_entries(store: Store, *, limit: int = 50, object_id: str | None = None) -> list[dict]:
    with store.session() as session:
        q = select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(limit)
        if object_id:
            q = q.where(LedgerEntry.object_id == object_id)
        return [e.to_dict() for e in session.scalars(q)]


@dataclass(frozen=True)
class RecentIngest:
    """One document as the dashboard lists it: id, title, content hash, when and by whom."""

    document_id: int
    title: str
    sha256: str
    kind: str
    at: str
    actor: str | None
    restricted: bool


def recent_ingests(store: Store, *, include_restricted: bool = False,
                   limit: int = 10) -> list[RecentIngest]:
    """The latest ingested documents, newest first; restricted ones only when ``include_restricted``.

    The filter is on the document row, so an ingest entry of a restricted document never
    reaches a role without clearance (not its id, hash, time or actor).
    """
    with store.session() as session:
        q = select(Document).order_by(Document.ingested_at.desc(), Document.id.desc()).limit(limit)
        if not include_restricted:
            q = q.where(Document.restricted.is_(False))
        docs = list(session.scalars(q))
        actors = dict(session.execute(
            select(LedgerEntry.object_id, LedgerEntry.actor).where(
                LedgerEntry.action == "ingest", LedgerEntry.object_type == "document",
                LedgerEntry.object_id.in_([d.sha256 for d in docs]))).all()) if docs else {}
        return [RecentIngest(d.id, d.title or d.source.name, d.sha256, d.kind,
                             d.ingested_at.strftime("%Y-%m-%d %H:%M:%S") if d.ingested_at else "",
                             actors.get(d.sha256), d.restricted) for d in docs]


def store_summary(store: Store, *, include_restricted: bool = False) -> dict:
    """Counts of documents by kind, language and year, for dashboards and reports."""
    with store.session() as session:
        base = select(Document)
        if not include_restricted:
            base = base.where(Document.restricted.is_(False))
        sub = base.subquery()
        by = {}
        for col in ("kind", "language"):
            by[col] = dict(session.execute(select(sub.c[col], func.count()).group_by(sub.c[col])).all())
        years = dict(session.execute(select(func.substr(sub.c.published, 1, 4), func.count())
                                     .group_by(func.substr(sub.c.published, 1, 4))).all())
        total = session.scalar(select(func.count()).select_from(sub))
        entries = session.scalar(select(func.count()).select_from(LedgerEntry))
    return {"documents": total, "by_kind": by["kind"], "by_language": by["language"],
            "by_year": {str(k or "unknown"): v for k, v in years.items()}, "ledger_entries": entries}


def export_jsonl(store: Store, out: IO[str], *, include_restricted: bool = False,
                 with_text: bool = True, actor: str | None = None,
                 destination: str | Path = "-", via: str = "cli") -> int:
    """Write one JSON object per document; the export is audited (``services.audit``)."""
    n = 0
    with store.session() as session:
        q = select(Document).order_by(Document.id)
        if not include_restricted:
            q = q.where(Document.restricted.is_(False))
        shas = []
        for doc in session.scalars(q):
            out.write(json.dumps(document_dict(store, doc, with_text=with_text), ensure_ascii=False) + "\n")
            shas.append(doc.sha256)
            n += 1
        audit.record(session, actor=actor or store.settings.actor, action="export",
                     object_type="export", object_id=str(destination), via=via,
                     payload={"format": "jsonl", "documents": shas,
                              "include_restricted": include_restricted})
    return n
