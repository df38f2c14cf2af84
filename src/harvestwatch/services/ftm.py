"""FollowTheMoney interop use cases: export the store's documents, entities, mentions and claims
as FtM entities for Aleph; import FtM entities (Aleph, OpenSanctions) with their provenance.

Restricted documents, and every mention and claim taken from them, are left out of an export
unless the caller asks for them (``include_restricted``); the number left out is returned.
An import stores the file itself as an original (blob + ledger entry), checks every line
before anything is written, and keeps each entity's dataset, file and line.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import func, select

from harvestwatch.core.errors import EmptyInput, InputError, InputTooLarge, NotFound
from harvestwatch.interop import ftm
from harvestwatch.services import audit
from harvestwatch.store import Store, ledger
from harvestwatch.store.documents import plain_text
from harvestwatch.store.ftm import FtmEntity, FtmProvenance
from harvestwatch.store.ingest_links import DocumentLink, OcrPage
from harvestwatch.store.models import Document, ExtractedItem, Source

__all__ = ["export_ftm", "import_ftm", "count_documents", "imported_entities", "imported_entity", "FtmExport",
           "FtmImport", "ImportedEntityView"]

CLAIM_TYPES = ("quantity", "testimony", "stance")


@dataclass
class FtmExport:
    """What an export wrote and what it left out."""

    entities: int = 0
    documents: int = 0
    by_schema: Counter = field(default_factory=Counter)
    restricted_documents_left_out: int = 0
    restricted_items_left_out: int = 0
    items_without_schema: int = 0  # mentions of victim groups, organs, laws: no FtM schema

    def to_dict(self) -> dict:
        return {"entities": self.entities, "documents": self.documents,
                "by_schema": dict(sorted(self.by_schema.items())),
                "restricted_documents_left_out": self.restricted_documents_left_out,
                "restricted_items_left_out": self.restricted_items_left_out,
                "items_without_schema": self.items_without_schema}


@dataclass
class FtmImport:
    """What an import read and stored."""

    name: str
    sha256: str
    entities: int
    new: int
    merged: int
    already_imported: bool
    datasets: list[str]
    by_schema: dict[str, int]

    def to_dict(self) -> dict:
        return self.__dict__.copy()


@dataclass(frozen=True)
class ImportedEntityView:
    """An imported entity as pages show it: name, schema, datasets and where it came from."""

    id: str
    schema: str
    caption: str
    properties: dict[str, list[str]]
    datasets: list[str]
    sources: list[dict]  # {"sha256", "name", "line", "dataset"}

    def to_dict(self) -> dict:
        return self.__dict__.copy()


# -- export ---------------------------------------------------------------------------------

DOC_BATCH = 200  # documents (with their items) loaded at a time


def _documents(store: Store, session, include_restricted: bool
               ) -> Iterator[tuple[ftm.DocumentRecord, list[ftm.ItemRecord]]]:
    """Each visible document with its items, loaded in batches; an item's quote is cut from the
    document's text at its span, so the span and the quote always agree."""
    parents = dict(session.execute(
        select(DocumentLink.child_id, Document.sha256)
        .join(Document, Document.id == DocumentLink.parent_id)).all())
    member_names = {link.child_id: link.name for link in session.scalars(select(DocumentLink))
                    if link.name}  # rows, not columns: a restricted member's name opens on load
    ocr = dict(session.execute(select(OcrPage.document_id, func.avg(OcrPage.confidence))
                               .group_by(OcrPage.document_id)).all())
    q = select(Document.id).order_by(Document.id)
    if not include_restricted:
        q = q.where(Document.restricted.is_(False))
    ids = list(session.scalars(q))
    for i in range(0, len(ids), DOC_BATCH):
        batch = ids[i:i + DOC_BATCH]
        items: dict[int, list] = {}
        for row in _item_rows(session, batch, include_restricted):
            items.setdefault(row[0], []).append(row[1:])
        for doc, src in session.execute(select(Document, Source)
                                        .join(Source, Source.id == Document.source_id)
                                        .where(Document.id.in_(batch)).order_by(Document.id)):
            name = member_names.get(doc.id) or src.name
            text = plain_text(doc, store.cipher)
            record = ftm.DocumentRecord(
                sha256=doc.sha256, text=text, text_sha256=doc.text_sha256,
                file_name=os.path.basename(name.rstrip("/")) or name, mime=doc.mime,
                title=doc.title, author=doc.author, published=doc.published, url=doc.url,
                site=doc.site, language=doc.language, kind=doc.kind, tags=tuple(doc.tag_names),
                pages=tuple(tuple(p) for p in doc.pages or ()), parent_sha256=parents.get(doc.id),
                size=src.size if src.blob_sha256 == doc.sha256 else None,
                ingested_at=doc.ingested_at.date().isoformat() if doc.ingested_at else None,
                ocr_confidence=ocr.get(doc.id), sha1=_sha1(store, doc.sha256))
            yield record, [ftm.ItemRecord(sha, kind, label, text[start:end], start, end, canonical,
                                          extractor, data or {})
                           for sha, kind, label, start, end, canonical, extractor, data
                           in items.get(doc.id, [])]


_ITEM_COLUMNS = ("document_id", "document_sha256", "item_type", "label", "start", "end",
                 "canonical", "extractor", "data")


def _item_rows(session, doc_ids: list[int], include_restricted: bool) -> Iterator[tuple]:
    """Item values of these documents in text order. Columns are read directly (fast); items of
    restricted documents are loaded as rows, so that their sealed values open (store.sealed)."""
    order = (ExtractedItem.document_id, ExtractedItem.start, ExtractedItem.end)
    q = select(*(getattr(ExtractedItem, c) for c in _ITEM_COLUMNS)).where(
        ExtractedItem.document_id.in_(doc_ids))
    if include_restricted:
        restricted = set(session.scalars(select(Document.id).where(
            Document.id.in_(doc_ids), Document.restricted.is_(True))))
        if restricted:
            q = q.where(ExtractedItem.document_id.not_in(restricted))
            rows = [tuple(getattr(i, c) for c in _ITEM_COLUMNS) for i in session.scalars(
                select(ExtractedItem).where(ExtractedItem.document_id.in_(restricted)))]
            yield from sorted(list(session.execute(q.order_by(*order))) + rows,
                              key=lambda r: (r[0], r[4], r[5]))
            return
    yield from session.execute(q.order_by(*order))


def _sha1(store: Store, sha256: str) -> str | None:
    try:
        return hashlib.sha1(store.blobs.read(sha256)).hexdigest()
    except (OSError, ValueError):  # a missing blob is for ``verify`` to report, not the export
        return None


def _entity_keys(session, include_restricted: bool) -> list[tuple[str, str]]:
    """(label, name) of every entity mentioned in the visible documents (restricted ones' items
    loaded as rows so that their sealed names open)."""
    q = (select(ExtractedItem.label, ExtractedItem.canonical, ExtractedItem.text)
         .join(Document, Document.id == ExtractedItem.document_id)
         .where(ExtractedItem.item_type == "entity", Document.restricted.is_(False)).distinct())
    found = list(session.execute(q))
    if include_restricted:
        found += [(i.label, i.canonical, i.text) for i in session.scalars(
            select(ExtractedItem).join(Document, Document.id == ExtractedItem.document_id)
            .where(ExtractedItem.item_type == "entity", Document.restricted.is_(True)))]
    keys = (ftm.entity_key(ftm.ItemRecord("", "entity", label, text, 0, 0, canonical, ""))
            for label, canonical, text in found)
    return sorted({k for k in keys if k is not None})


def count_documents(store: Store, *, include_restricted: bool = False) -> int:
    """How many documents an export would write (for a progress bar)."""
    with store.session() as session:
        q = select(func.count()).select_from(Document)
        if not include_restricted:
            q = q.where(Document.restricted.is_(False))
        return session.scalar(q)


def _registry_ids(store: Store, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Hospitals the registry knows (by any name or script) take the registry export's id."""
    names = sorted({name for label, name in keys if label == "hospital"})
    if not names:
        return {}
    from harvestwatch.core.errors import ValidationError
    from harvestwatch.services import registry

    found: dict[str, str] = {}  # by case-folded name: spellings differing in case are one entity
    for name in names:
        if name.casefold() in found:
            continue
        try:
            found[name.casefold()] = ftm.registry_hospital_id(registry.resolve(store, name).id)
        except (NotFound, ValidationError):  # not in the registry, or ambiguous: its own id
            continue
    return {("hospital", n): found[n.casefold()] for n in names if n.casefold() in found}


def export_ftm(store: Store, out: IO[str], *, include_restricted: bool = False,
               actor: str | None = None, destination: str | Path = "-",
               on_document: Callable[[str], None] | None = None, via: str = "cli") -> FtmExport:
    """Write the store as FtM entities, one JSON object per line, each checked against
    followthemoney's model before it is written; the export is a custody entry.

    Order: each document (and its pages) followed by its mentions (Documentation) and claims
    (Note); then the people, organisations and places mentioned; then imported entities.
    """
    import json

    summary = FtmExport()
    written: set[str] = set()

    def write(entity: dict) -> None:
        ftm.validate_entity(entity)
        written.add(entity["id"])
        out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
        summary.entities += 1
        summary.by_schema[entity["schema"]] += 1

    with store.session() as session:
        if not include_restricted:
            summary.restricted_documents_left_out = session.scalar(
                select(func.count()).select_from(Document).where(Document.restricted.is_(True)))
            summary.restricted_items_left_out = session.scalar(
                select(func.count()).select_from(ExtractedItem)
                .join(Document, Document.id == ExtractedItem.document_id)
                .where(Document.restricted.is_(True)))
        keys = _entity_keys(session, include_restricted)
        ids = _registry_ids(store, keys)
        by_name = ftm.names_index(keys, ids)
        names: dict[tuple[str, str], set[str]] = {}
        shas = []
        for doc, items in _documents(store, session, include_restricted):
            for entity in ftm.document_entities(doc):
                write(entity)
            shas.append(doc.sha256)
            for item in items:
                if item.item_type == "entity":
                    link = ftm.mention_entity(item, ids)
                    if link is None:
                        summary.items_without_schema += 1
                        continue
                    names.setdefault(ftm.entity_key(item), set()).add(item.text.strip())
                    write(link)
                elif item.item_type in CLAIM_TYPES:
                    write(ftm.claim_entity(item, by_name))
            if on_document:
                on_document(doc.file_name)
        summary.documents = len(shas)
        for entity in ftm.entity_entities(names, ids):
            write(entity)
        for row in session.scalars(select(FtmEntity).order_by(FtmEntity.entity_id)):
            if row.entity_id in written:  # imported from an earlier export of this store
                continue
            write({"id": row.entity_id, "schema": row.schema, "properties": row.properties,
                   "datasets": row.datasets} | ({"referents": row.referents} if row.referents else {}))
        audit.record(session, actor=actor or store.settings.actor, action="export",
                     object_type="export", object_id=str(destination), via=via,
                     payload={"format": "ftm", "documents": shas, "entities": summary.entities,
                              "include_restricted": include_restricted,
                              "restricted_documents_left_out": summary.restricted_documents_left_out})
    return summary


# -- import ---------------------------------------------------------------------------------

def import_ftm(store: Store, path: str | Path, *, dataset: str | None = None, kind: str = "other",
               actor: str | None = None, on_line: Callable[[int], None] | None = None) -> FtmImport:
    """Import FtM entities (JSON lines) from ``path``.

    Every line is checked first; a bad one raises ``ValidationError`` naming the line and
    nothing is written. Then, in one transaction: the file is stored as an original (blob,
    source row, ``ingest`` ledger entry), each entity is added or merged with the entity of the
    same id (FtM's identity rule), its provenance (file sha256, line, dataset) is recorded, and
    an ``import`` ledger entry lists the count and a hash of the ids.
    """
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > store.settings.max_bytes:
            raise InputTooLarge(name, f"{size} bytes is over the {store.settings.max_bytes}-byte "
                                "limit (HARVESTWATCH_MAX_BYTES)")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror})") from None
    if not data.strip():
        raise EmptyInput(name, "file is empty; nothing to import")
    entities: dict[str, ftm.ImportedEntity] = {}
    for e in ftm.read_entities(data.splitlines(), name):
        if on_line:
            on_line(e.line)
        seen = entities.get(e.id)
        if seen is not None:  # the same id twice in one file: one entity, as FtM merges them
            e = ftm.ImportedEntity(e.id, ftm.common_schema(seen.schema, e.schema, f"{name}, line {e.line}",
                                                         e.id), seen.caption,
                                   ftm.merge_properties(seen.properties, e.properties),
                                   tuple(dict.fromkeys(seen.datasets + e.datasets)),
                                   tuple(dict.fromkeys(seen.referents + e.referents)), seen.line)
        entities[e.id] = e
    if not entities:
        raise EmptyInput(name, "no entities in the file")
    default_dataset = dataset or path.name.split(".")[0] or "ftm-import"
    sha = hashlib.sha256(data).hexdigest()
    actor = actor or store.settings.actor
    store.blobs.put(data)  # durable before any row names it
    new = merged = 0
    with store.session() as session:
        if session.scalar(select(func.count()).select_from(FtmProvenance)
                          .where(FtmProvenance.source_sha256 == sha)):
            return FtmImport(name, sha, len(entities), 0, 0, True,
                             sorted({d for e in entities.values() for d in e.datasets} or
                                    {default_dataset}), dict(Counter(e.schema for e in entities.values())))
        if session.scalar(select(Source.id).where(Source.blob_sha256 == sha)) is None:
            session.add(Source(blob_sha256=sha, name=name, size=len(data), kind=kind,
                               restricted=False, actor=actor))
            ledger.append(session, actor=actor, action="ingest", object_type="source", object_id=sha,
                          payload={"name": name, "size": len(data), "kind": kind,
                                   "restricted": False})
        wanted, existing = list(entities), {}
        for i in range(0, len(wanted), 500):
            existing.update((r.entity_id, r) for r in session.scalars(
                select(FtmEntity).where(FtmEntity.entity_id.in_(wanted[i:i + 500]))))
        provenance = []
        for e in entities.values():
            datasets = list(e.datasets) or [default_dataset]
            row = existing.get(e.id)
            if row is None:
                session.add(FtmEntity(entity_id=e.id, schema=e.schema, caption=e.caption,
                                      properties=e.properties, datasets=datasets,
                                      referents=list(e.referents)))
                new += 1
            else:
                row.schema = ftm.common_schema(row.schema, e.schema, f"{name}, line {e.line}", e.id)
                row.properties = ftm.merge_properties(row.properties, e.properties)
                row.datasets = list(dict.fromkeys(row.datasets + datasets))
                row.referents = list(dict.fromkeys(row.referents + list(e.referents)))
                merged += 1
            provenance += [FtmProvenance(entity_id=e.id, source_sha256=sha, line=e.line, dataset=d)
                           for d in datasets]
        session.flush()  # entities first: provenance rows name them
        session.add_all(provenance)
        ids_hash = hashlib.sha256("\n".join(sorted(entities)).encode()).hexdigest()
        all_datasets = sorted({d for e in entities.values() for d in (e.datasets or (default_dataset,))})
        ledger.append(session, actor=actor, action="import", object_type="ftm-import", object_id=sha,
                      payload={"name": name, "entities": len(entities), "new": new, "merged": merged,
                               "datasets": all_datasets, "ids_sha256": ids_hash})
    return FtmImport(name, sha, len(entities), new, merged, False, all_datasets,
                     dict(Counter(e.schema for e in entities.values())))


# -- listing --------------------------------------------------------------------------------

def _views(session, rows: list[FtmEntity]) -> list[ImportedEntityView]:
    ids = [r.entity_id for r in rows]
    prov: dict[str, list[dict]] = {}
    if ids:
        for p, src_name in session.execute(
                select(FtmProvenance, Source.name)
                .join(Source, Source.blob_sha256 == FtmProvenance.source_sha256)
                .where(FtmProvenance.entity_id.in_(ids)).order_by(FtmProvenance.id)):
            prov.setdefault(p.entity_id, []).append(
                {"sha256": p.source_sha256, "name": src_name, "line": p.line, "dataset": p.dataset})
    return [ImportedEntityView(r.entity_id, r.schema, r.caption, r.properties, list(r.datasets),
                               prov.get(r.entity_id, [])) for r in rows]


def imported_entities(store: Store, *, schema: str | None = None, query: str | None = None,
                      limit: int = 200, offset: int = 0) -> tuple[list[ImportedEntityView], int]:
    """Imported FtM entities (a page of them, by caption) and how many match in all.

    ``schema`` keeps that schema and its descendants (``LegalEntity`` keeps people and
    companies); ``query`` keeps captions containing it (case-insensitive).
    """
    with store.session() as session:
        q = select(FtmEntity)
        if schema:
            from followthemoney import model

            wanted = model.get(schema)
            if wanted is None:
                raise NotFound(f"no FtM schema {schema!r}")
            q = q.where(FtmEntity.schema.in_(sorted(s.name for s in model if s.is_a(wanted))))
        if query:
            q = q.where(func.lower(FtmEntity.caption).contains(query.lower()))
        total = session.scalar(select(func.count()).select_from(q.subquery()))
        rows = list(session.scalars(q.order_by(FtmEntity.caption, FtmEntity.entity_id)
                                    .limit(limit).offset(offset)))
        return _views(session, rows), total


def imported_entity(store: Store, entity_id: str) -> ImportedEntityView:
    """One imported entity with every file and line it came from."""
    with store.session() as session:
        row = session.get(FtmEntity, entity_id)
        if row is None:
            raise NotFound(f"no imported FtM entity {entity_id!r}")
        return _views(session, [row])[0]
