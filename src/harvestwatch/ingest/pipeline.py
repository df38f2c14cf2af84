"""Batch ingest: inputs → original blobs → parsed documents → rows + custody entries.

Inputs are written in groups. A group's new blobs are stored first (atomically, in
parallel; each is durable before any row names it), then one transaction writes the group's
rows and ledger entries; if the database refuses a row, the group is written again input by
input, each in its own savepoint, so that only that input fails. Parsing in this process
makes each input its own group; with a pool, a group is what the pool finished while the
previous group was being written (up to ``GROUP_MAX`` inputs). A batch killed at any point
and run again stores each input exactly once; blobs left without rows are reused.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from harvestwatch.core.errors import EmptyInput, InputError, InputTooLarge
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
GROUP_MAX = 64  # inputs written in one transaction at most
CHUNK = 8  # inputs a pool worker parses per task
BLOB_WRITERS = 8  # threads storing a group's blobs, so that their fsyncs overlap


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
    sha256: str | None = None
    data: bytes | None = None
    docs: list[ParsedDocument] | None = None  # None: the source was stored when the batch began
    hashes: list[tuple[str, str]] = field(default_factory=list)  # (bytes, text) sha256 per doc
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
        sha = sha256_bytes(data)
        if sha in known:
            return _Parsed(item, sha, data)
        docs = parse_bytes(data, source=_parse_name(item), max_bytes=max_bytes)
        hashes = [(sha if d.raw is data else sha256_bytes(d.raw), text_hash(d.text)) for d in docs]
        return _Parsed(item, sha, data, docs, hashes)
    except InputError as exc:
        return _Parsed(item, error=f"{exc.reason}")
    except Exception as exc:  # a parser bug must not stop the batch
        return _Parsed(item, error=f"could not be parsed ({type(exc).__name__}: {exc})")


_known: frozenset[str] = frozenset()  # in a pool worker: the sources stored when the batch began


def _init_worker(known: frozenset[str]) -> None:
    global _known
    _known = known


def _parse_chunk(items: list[str], max_bytes: int) -> list[_Parsed]:
    return [_parse_one(item, max_bytes, _known) for item in items]


def _parsed_groups(items: list[str], max_bytes: int, workers: int,
                   known: frozenset[str]) -> Iterator[list[_Parsed]]:
    """Parsed inputs in order, in the groups they are written in (see the module docstring)."""
    if workers <= 1 or len(items) < 2:
        for item in items:
            yield [_parse_one(item, max_bytes, known)]
        return
    chunks = iter([items[i:i + CHUNK] for i in range(0, len(items), CHUNK)])
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(known,)) as pool:
        pending: deque[Future[list[_Parsed]]] = deque()
        while True:
            while len(pending) < 2 * GROUP_MAX // CHUNK and (chunk := next(chunks, None)):
                pending.append(pool.submit(_parse_chunk, chunk, max_bytes))
            if not pending:
                return
            group = pending.popleft().result()
            while pending and pending[0].done() and len(group) < GROUP_MAX:
                group += pending.popleft().result()
            yield group


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
    with ThreadPoolExecutor(BLOB_WRITERS) as writers:
        for group in _parsed_groups(items, store.settings.max_bytes, max(1, workers), known):
            for result in _store_group(store, writers, group, kind=kind, tags=tags,
                                       restricted=restricted, actor=actor):
                report.results.append(result)
                if on_result:
                    on_result(result)
    return report


def _store_group(store: Store, writers: Executor, group: list[_Parsed], *, kind: str,
                 tags: list[str], restricted: bool, actor: str) -> list[InputResult]:
    """Store one group: its new blobs (in parallel), then its rows in one transaction."""
    with store.session() as session:
        ledger.lock_head(session)  # one writer at a time from here to commit
        present = _document_ids(session, [p.sha256 for p in group if p.error is None])
        for i, p in enumerate(group):
            if p.error is None and p.docs is None and p.sha256 not in present:
                group[i] = _parse_one(p.input, store.settings.max_bytes)  # its row is gone since
        new: dict[str, _Parsed] = {}  # the first input with each new sha256
        for p in group:
            if p.error is None and p.sha256 not in present:
                new.setdefault(p.sha256, p)
        blobs = {sha: data for p in new.values() for sha, data in _blobs(p).items()}
        list(writers.map(lambda data: store.blobs.put(data, encrypt=restricted), blobs.values()))
        added = _add_rows(session, store, list(new.values()), kind=kind, tags=tags,
                          restricted=restricted, actor=actor)
    results = []
    for p in group:
        if p.error is not None:
            results.append(InputResult(p.input, "failed", error=p.error))
        elif p.sha256 in present:
            results.append(InputResult(p.input, "present", p.sha256, present[p.sha256]))
        elif isinstance(added[p.sha256], str):
            results.append(InputResult(p.input, "failed", p.sha256, error=added[p.sha256]))
        else:  # stored now, by this input or by one with the same bytes earlier in the group
            status = "stored" if new[p.sha256] is p else "present"
            results.append(InputResult(p.input, status, p.sha256, added[p.sha256]))
    return results


def _blobs(p: _Parsed) -> dict[str, bytes]:
    """An input's blobs by sha256: its bytes as received and those of each document in it."""
    assert p.data is not None and p.docs is not None
    return {p.sha256: p.data} | {sha: d.raw for (sha, _), d in zip(p.hashes, p.docs, strict=True)}


def _slices(values: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    """Distinct values in slices small enough for one ``IN (...)``."""
    distinct = sorted(set(values))
    return (distinct[i:i + size] for i in range(0, len(distinct), size))


def _document_ids(session: Session, shas: Iterable[str]) -> dict[str, list[int]]:
    """The document ids of each source among ``shas`` that is stored already."""
    out: dict[str, list[int]] = {}
    for part in _slices(shas):
        for sha, doc_id in session.execute(
                select(Source.blob_sha256, Document.id)
                .outerjoin(Document, Document.source_id == Source.id)
                .where(Source.blob_sha256.in_(part)).order_by(Document.id)):
            out.setdefault(sha, []).extend([doc_id] if doc_id is not None else [])
    return out


def _first_ids(session: Session, column, values: Iterable[str]) -> dict[str, int]:
    """The first document id for each of ``values`` found in the documents' ``column``."""
    out: dict[str, int] = {}
    for part in _slices(values):
        out.update(session.execute(select(column, func.min(Document.id))
                                   .where(column.in_(part)).group_by(column)).all())
    return out


def _add_rows(session: Session, store: Store, inputs: list[_Parsed],
              **how) -> dict[str, list[int] | str]:
    """Rows and ledger entries for ``inputs``: by sha256, the document ids or why it failed.

    All inputs go in one savepoint; if that fails, each goes in its own, so that a failure
    rolls back that input only and the others are stored.
    """
    try:
        with session.begin_nested():
            return _add_sources(session, store, inputs, **how)
    except (DataError, IntegrityError) as exc:  # a value the database refuses
        if len(inputs) == 1:
            return {inputs[0].sha256: f"could not be stored ({exc.orig})"}
    return {sha: out for p in inputs for sha, out in _add_rows(session, store, [p], **how).items()}


def _add_sources(session: Session, store: Store, inputs: list[_Parsed], *, kind: str,
                 tags: list[str], restricted: bool, actor: str) -> dict[str, list[int]]:
    hashes = [h for p in inputs for h in p.hashes]
    seen = set(_first_ids(session, Document.sha256, [sha for sha, _ in hashes]))
    first: dict[str, int | Document] = _first_ids(session, Document.text_sha256,
                                                  [t for _, t in hashes])
    added: list[tuple[_Parsed, list[Document]]] = []
    for p in inputs:
        assert p.data is not None and p.docs is not None
        source = Source(blob_sha256=p.sha256, name=p.input, size=len(p.data), kind=kind,
                        restricted=restricted, actor=actor)
        session.add(source)
        rows = []
        for index, (doc, (doc_sha, t_hash)) in enumerate(zip(p.docs, p.hashes, strict=True)):
            if doc_sha in seen:
                continue  # the same document bytes arrived inside another input
            seen.add(doc_sha)
            row = _document(store, source, index, doc, doc_sha, t_hash, kind, tags, restricted)
            first.setdefault(t_hash, row)
            rows.append(row)
        session.add_all(rows)
        added.append((p, rows))
    session.flush()  # one INSERT per table for the lot; ids are known from here
    for p, rows in added:
        ledger.append(session, actor=actor, action="ingest", object_type="source",
                      object_id=p.sha256, payload={"name": p.input, "size": len(p.data),
                                                   "kind": kind, "restricted": restricted})
        for row in rows:
            twin = first[row.text_sha256]
            if twin is not row:  # the first document with the same text
                row.near_duplicate_of = twin if isinstance(twin, int) else twin.id
            if not restricted:
                session.add(SearchText(document_id=row.id, title=fold_for_search(row.title or ""),
                                       body=fold_for_search(row.text)))
            ledger.append(session, actor=actor, action="ingest", object_type="document",
                          object_id=row.sha256, payload={
                              "source": p.sha256, "document_id": row.id,
                              "text_sha256": row.text_sha256, "fingerprint": fingerprint(row),
                              "near_duplicate_of": row.near_duplicate_of})
    return {p.sha256: [row.id for row in rows] for p, rows in added}


def _document(store: Store, source: Source, index: int, doc: ParsedDocument, doc_sha: str,
              t_hash: str, kind: str, tags: list[str], restricted: bool) -> Document:
    row = Document(
        sha256=doc_sha, source=source, record_index=doc.metadata.get("warc_record_index", index),
        title=doc.title, author=doc.author, published=doc.published, site=doc.site, url=doc.url,
        language=doc.language, mime=doc.mime, kind=kind, restricted=restricted,
        text=store.cipher.encrypt_text(doc.text) if restricted else doc.text,
        text_sha256=t_hash, text_length=len(doc.text), pages=[list(p) for p in doc.pages],
        meta=doc.metadata)
    row.tags = [DocumentTag(tag=t) for t in tags]
    return row
