"""Batch ingest: inputs → original blobs → parsed documents → rows + custody entries.

Crash safety: a blob is written (atomically) before any row names it, and each input's
rows and ledger entries are written in one transaction. A batch killed at any point and
run again stores each input exactly once; blobs left without rows are reused.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from harvestwatch.core.errors import EmptyInput, HarvestwatchError, InputError, InputTooLarge
from harvestwatch.core.folding import fold_for_search
from harvestwatch.core.hashing import sha256_bytes
from harvestwatch.ingest.document import ParsedDocument
from harvestwatch.ingest.formats import parse_bytes
from harvestwatch.ingest.url import fetch_to_warc, is_url
from harvestwatch.store import Store, ledger
from harvestwatch.store.documents import fingerprint, text_hash
from harvestwatch.store.models import Document, DocumentTag, SearchText, Source

KINDS = ("news", "ngo_report", "testimony", "official_statement", "medical_paper",
         "hospital_page", "tribunal", "legislation", "other")


@dataclass
class InputResult:
    """What happened to one input: stored, already present, or failed (with the reason)."""

    input: str
    status: str  # "stored" | "present" | "failed"
    sha256: str | None = None
    document_ids: list[int] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        return {"input": self.input, "status": self.status, "sha256": self.sha256,
                "document_ids": self.document_ids, "error": self.error}


@dataclass
class IngestReport:
    results: list[InputResult] = field(default_factory=list)

    def by_status(self, status: str) -> list[InputResult]:
        return [r for r in self.results if r.status == status]

    @property
    def document_ids(self) -> list[int]:
        return [i for r in self.results for i in r.document_ids]

    def to_dict(self) -> dict:
        return {"stored": len(self.by_status("stored")), "present": len(self.by_status("present")),
                "failed": len(self.by_status("failed")),
                "results": [r.to_dict() for r in self.results]}


def expand_inputs(inputs: Iterable[str], exclude: Path | None = None) -> list[str]:
    """Files as given, directories walked (sorted, hidden files skipped), URLs kept.

    Files under ``exclude`` (the store's own directory) are left out of walked folders, so
    ingesting a folder that holds the store does not ingest the store's database and blobs.
    """
    skip = exclude.resolve() if exclude is not None else None
    out: list[str] = []
    for item in inputs:
        if is_url(item):
            out.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            out.extend(str(p) for p in sorted(path.rglob("*"))
                       if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
                       and not (skip is not None and p.resolve().is_relative_to(skip)))
        else:
            out.append(item)
    return out


@dataclass
class _Parsed:
    input: str
    data: bytes | None = None
    docs: list[ParsedDocument] | None = None
    error: str | None = None


def _read(item: str, max_bytes: int) -> bytes:
    if is_url(item):
        return fetch_to_warc(item, max_bytes=max_bytes)
    path = Path(item)
    if not path.exists():
        raise InputError(item, "no such file")
    if not path.is_file():
        raise InputError(item, "not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise EmptyInput(item, "empty file (0 bytes)")
    if size > max_bytes:
        raise InputTooLarge(item, f"{size:,} bytes is over the {max_bytes:,}-byte cap")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(item, f"cannot read ({exc.strerror})") from None


def _parse_name(item: str) -> str:
    """The name the format parser sees: fetched URLs are WARC records."""
    return item + ".warc" if is_url(item) else item


def _parse_one(item: str, max_bytes: int, known: frozenset[str] = frozenset()) -> _Parsed:
    try:
        data = _read(item, max_bytes)
        if sha256_bytes(data) in known:
            return _Parsed(item, data, None)
        return _Parsed(item, data, parse_bytes(data, source=_parse_name(item), max_bytes=max_bytes))
    except InputError as exc:
        return _Parsed(item, None, None, f"{exc.reason}")
    except Exception as exc:  # a parser bug must not stop the batch
        return _Parsed(item, None, None, f"could not be parsed ({type(exc).__name__}: {exc})")


def _parsed_stream(items: list[str], max_bytes: int, workers: int,
                   known: frozenset[str]) -> Iterator[_Parsed]:
    if workers <= 1 or len(items) < 2:
        for item in items:
            yield _parse_one(item, max_bytes, known)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_parse_one, items, [max_bytes] * len(items),
                            [known] * len(items), chunksize=max(1, len(items) // (workers * 8)))


def ingest_paths(store: Store, inputs: Iterable[str], *, kind: str = "other",
                 tags: Iterable[str] = (), restricted: bool = False, workers: int = 1,
                 actor: str | None = None,
                 on_result: Callable[[InputResult], None] | None = None) -> IngestReport:
    """Ingest files, folders and URLs; each input's outcome is reported, none stops the batch."""
    if kind not in KINDS:
        raise InputError(kind, f"unknown kind; expected one of {', '.join(KINDS)}")
    actor = actor or store.settings.actor
    tags = sorted(set(tags))
    items = expand_inputs(inputs, exclude=store.settings.store_dir)
    with store.session() as session:
        known = frozenset(session.scalars(select(Source.blob_sha256)))
    report = IngestReport()
    for parsed in _parsed_stream(items, store.settings.max_bytes, max(1, workers), known):
        if parsed.error is not None:
            result = InputResult(parsed.input, "failed", error=parsed.error)
        else:
            try:
                result = _store_one(store, parsed, kind=kind, tags=tags, restricted=restricted,
                                    actor=actor)
            except HarvestwatchError as exc:
                result = InputResult(parsed.input, "failed", error=str(exc))
        report.results.append(result)
        if on_result:
            on_result(result)
    return report


def _store_one(store: Store, parsed: _Parsed, *, kind: str, tags: list[str], restricted: bool,
               actor: str) -> InputResult:
    data = parsed.data
    assert data is not None
    sha = sha256_bytes(data)
    docs = parsed.docs
    if docs is None:  # its blob was known when the batch started: not parsed
        with store.session() as session:
            existing = session.scalar(select(Source).where(Source.blob_sha256 == sha))
            if existing is not None:
                return InputResult(parsed.input, "present", sha,
                                   [d.id for d in existing.documents])
        docs = parse_bytes(data, source=_parse_name(parsed.input),
                           max_bytes=store.settings.max_bytes)
    store.blobs.put(data, encrypt=restricted)
    for doc in docs:
        if doc.raw is not data and doc.raw != data:
            store.blobs.put(doc.raw, encrypt=restricted)
    ids: list[int] = []
    with store.session() as session:
        ledger.lock_head(session)  # one writer at a time from here to commit
        existing = session.scalar(select(Source).where(Source.blob_sha256 == sha))
        if existing is not None:  # the same bytes earlier in this batch, or from another writer
            return InputResult(parsed.input, "present", sha, [d.id for d in existing.documents])
        source = Source(blob_sha256=sha, name=parsed.input, size=len(data), kind=kind,
                        restricted=restricted, actor=actor)
        session.add(source)
        session.flush()
        ledger.append(session, actor=actor, action="ingest", object_type="source",
                      object_id=sha, payload={"name": parsed.input, "size": len(data),
                                              "kind": kind, "restricted": restricted})
        for index, doc in enumerate(docs):
            doc_sha = sha256_bytes(doc.raw)
            if session.scalar(select(Document.id).where(Document.sha256 == doc_sha)):
                continue  # the same document bytes arrived inside another input
            ids.append(_add_document(session, store, source, index, doc, doc_sha, kind, tags,
                                     restricted, actor))
    return InputResult(parsed.input, "stored", sha, ids)


def _add_document(session, store: Store, source: Source, index: int, doc: ParsedDocument,
                  doc_sha: str, kind: str, tags: list[str], restricted: bool, actor: str) -> int:
    t_hash = text_hash(doc.text)
    twin = session.scalar(select(Document.id).where(Document.text_sha256 == t_hash)
                          .order_by(Document.id).limit(1))
    row = Document(
        sha256=doc_sha, source_id=source.id, record_index=doc.metadata.get("warc_record_index", index),
        title=doc.title, author=doc.author, published=doc.published, site=doc.site, url=doc.url,
        language=doc.language, mime=doc.mime, kind=kind, restricted=restricted,
        text=store.cipher.encrypt_text(doc.text) if restricted else doc.text,
        text_sha256=t_hash, text_length=len(doc.text), pages=[list(p) for p in doc.pages],
        meta=doc.metadata, near_duplicate_of=twin)
    row.tags = [DocumentTag(tag=t) for t in tags]
    session.add(row)
    session.flush()
    if not restricted:
        session.add(SearchText(document_id=row.id, title=fold_for_search(doc.title or ""),
                               body=fold_for_search(doc.text)))
    ledger.append(session, actor=actor, action="ingest", object_type="document",
                  object_id=doc_sha, payload={"source": source.blob_sha256, "document_id": row.id,
                                              "text_sha256": t_hash, "fingerprint": fingerprint(row),
                                              "near_duplicate_of": twin})
    return row.id


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 1)))
